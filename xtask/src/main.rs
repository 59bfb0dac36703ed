//! `cargo xtask`: the project's tasks. Thin by design: argument parsing and reporting; the
//! work lives in the `cloudflare-cni-codegen` library, where it is tested.

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cloudflare_cni_codegen::release::{self, ReleaseRecord};
use cloudflare_cni_codegen::{diff, Drift, GenerateError, Workspace};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks for the Cloudflare CNI toolkit")]
struct Cli {
    /// The repository to work on (default: the one this xtask was built from).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render spec/cni.yaml into generated/ (only changed files are written).
    Generate {
        /// Write nothing; list files that differ and exit non-zero if any do.
        #[arg(long)]
        check: bool,
        /// With --check, print a unified diff of each changed file.
        #[arg(long)]
        verbose: bool,
        /// Another spec to render instead of spec/cni.yaml.
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// Another output folder instead of generated/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Classify the changes between two specs (paths, or git:REV:PATH) as breaking, additive or
    /// documentation-only; exits 0.
    Diff {
        old: String,
        new: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run every benchmark comparison and write BENCHMARKS.md (installs openapi-generator-cli).
    Bench,
    /// Version, changelog, package, commit and tag the generated crates after a spec change.
    Release {
        /// Show what would be released and package the crates, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The crates `release` packages, in dependency order: the runtimes, then the generated ones.
const PACKAGES: [&str; 7] = [
    "cloudflare-cni-validate-derive",
    "cloudflare-cni-validate",
    "cloudflare-cni-client-runtime",
    "cloudflare-cni-server-runtime",
    "cloudflare-cni-types",
    "cloudflare-cni-client",
    "cloudflare-cni-server",
];

fn workspace_root() -> PathBuf {
    if let Some(root) = ROOT.get() {
        return root.clone();
    }
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(root) = cli.root {
        let _ = ROOT.set(root);
    }
    match cli.command {
        Command::Diff { old, new, json } => match spec_diff(&old, &new, json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Bench => match bench::bench(&workspace_root()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Release { dry_run } => match release(dry_run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Generate {
            check,
            verbose,
            spec,
            out,
        } => match generate(check, verbose, spec, out) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn generate(
    check: bool,
    verbose: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<ExitCode, GenerateError> {
    let root = workspace_root();
    let (spec_path, display) = match spec {
        Some(path) => {
            let display = path.display().to_string();
            (path, display)
        }
        None => (root.join("spec/cni.yaml"), "spec/cni.yaml".to_string()),
    };
    let out = out.unwrap_or_else(|| root.join("generated"));
    // The versions come from spec/release.toml, as `cargo xtask release` wrote them.
    let config = Workspace { root: root.clone() }.config()?;
    let tree = cloudflare_cni_codegen::render_file(&spec_path, &display, &config)?;
    if check {
        let drift = tree.check(&out)?;
        if drift.is_empty() {
            println!("generated/ is up to date with {display}");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "generated/ is stale: {} file(s) differ from what {display} renders:",
            drift.len()
        );
        for d in &drift {
            eprintln!("  {d}");
            if let (true, Drift::Changed { diff, .. }) = (verbose, d) {
                eprintln!("{diff}");
            }
        }
        eprintln!("run `cargo xtask generate` to update it");
        return Ok(ExitCode::FAILURE);
    }
    let summary = tree.write(&out)?;
    for path in &summary.written {
        println!("wrote   {path}");
    }
    for path in &summary.removed {
        println!("removed {path}");
    }
    println!(
        "generated/: {} written, {} removed, {} unchanged",
        summary.written.len(),
        summary.removed.len(),
        summary.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

fn spec_diff(old: &str, new: &str, json: bool) -> Result<(), String> {
    let root = workspace_root();
    let load = |arg: &str| -> Result<serde_json::Value, String> {
        let (display, text) = release::read_spec_arg(&root, arg).map_err(|e| e.to_string())?;
        release::spec_value(&display, text)
    };
    let result = diff::diff(&load(old)?, &load(new)?);
    if json {
        let report = serde_json::json!({
            "strongest": result.strongest().map(|c| c.as_str()),
            "changes": result.changes,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", result.render());
        if let Some(class) = result.strongest() {
            println!("strongest: {}", class.as_str());
        }
    }
    Ok(())
}

fn run(root: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    println!("$ {program} {}", args.join(" "));
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// `cargo package` for every crate, in dependency order, verifying that each builds from its
/// packaged sources (unpublished workspace dependencies come from a local overlay).
fn package(root: &Path, allow_dirty: bool) -> Result<(), String> {
    let mut args = vec!["package", "--locked"];
    if allow_dirty {
        args.push("--allow-dirty");
    }
    for p in PACKAGES {
        args.extend(["-p", p]);
    }
    run(root, "cargo", &args)
}

fn release(dry_run: bool) -> Result<(), String> {
    let root = workspace_root();
    let status = release::git(&root, &["status", "--porcelain"]).map_err(|e| e.to_string())?;
    if !status.trim().is_empty() {
        return Err(format!(
            "the working tree is dirty; commit or stash first:\n{status}"
        ));
    }
    let workspace = Workspace { root: root.clone() };
    let drift = workspace.check().map_err(|e| e.to_string())?;
    if !drift.is_empty() {
        return Err("generated/ is stale: run `cargo xtask generate` and commit first".to_string());
    }
    let plan = release::plan(&root).map_err(|e| e.to_string())?;
    let tag = release::tag_for(&plan.next);
    match &plan.previous {
        Some((version, previous_tag)) => println!(
            "release: {version} ({previous_tag}) -> {} ({tag})",
            plan.next
        ),
        None => println!("release: first release, {} ({tag})", plan.next),
    }
    print!("{}", plan.diff.render());
    println!("\nCHANGELOG.md gains:\n\n{}", plan.changelog_section);
    if dry_run {
        package(&root, false)?;
        println!("dry run: nothing was written, committed or tagged");
        return Ok(());
    }
    let record = ReleaseRecord {
        version: plan.next.to_string(),
        tag: Some(tag.clone()),
    };
    let record_path = root.join(ReleaseRecord::PATH);
    std::fs::write(&record_path, record.render())
        .map_err(|e| format!("cannot write {}: {e}", record_path.display()))?;
    // The versions reach the generated Cargo.toml files through the generator.
    workspace.generate().map_err(|e| e.to_string())?;
    let changelog_path = root.join("CHANGELOG.md");
    let existing = std::fs::read_to_string(&changelog_path).ok();
    std::fs::write(
        &changelog_path,
        release::prepend_changelog(existing.as_deref(), &plan.changelog_section),
    )
    .map_err(|e| format!("cannot write {}: {e}", changelog_path.display()))?;
    run(&root, "cargo", &["update", "--workspace", "--offline"])?;
    package(&root, true)?;
    run(&root, "git", &["add", "-A"])?;
    run(
        &root,
        "git",
        &["commit", "-q", "-m", &format!("Release {}", plan.next)],
    )?;
    run(
        &root,
        "git",
        &["tag", "-a", &tag, "-m", &format!("Release {}", plan.next)],
    )?;
    println!(
        "\nreleased {} as {tag}. To publish, in this order:",
        plan.next
    );
    for p in PACKAGES {
        println!("  cargo publish -p {p}");
    }
    Ok(())
}
