//! `cargo xtask`: the project's tasks. Thin by design: argument parsing and reporting; the
//! repository workflow lives in this crate's library and the generation in
//! `cloudflare-cni-codegen`, where both are tested.

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cloudflare_cni_codegen::{diff, Drift};
use xtask::release::{self, ReleaseRecord};
use xtask::{Workspace, WorkspaceError};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Tasks for the Cloudflare CNI toolkit: import, generate, diff, release, crates, bench"
)]
struct Cli {
    /// The checkout to work on (default: the one containing the current folder).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import Cloudflare's OpenAPI document: select the CNI paths and what they reach, apply
    /// spec/overlay.yaml, and write spec/cni.yaml (plus spec/upstream/cloudflare-cni.yaml and
    /// the deviations table of spec/README.md). Nothing is written when anything fails.
    Import {
        /// Cloudflare's document (the whole openapi.yaml, or an extract of it); default: the
        /// last imported selection, spec/upstream/cloudflare-cni.yaml.
        path: Option<PathBuf>,
        /// The document's revision (Cloudflare's date for it, 2026-08-14): the generated
        /// crates' `+spec.` metadata, their docs and the client's `api-version` carry it.
        /// Default: a date in PATH's file name, or the revision spec/upstream records.
        #[arg(long, value_name = "DATE")]
        revision: Option<String>,
        /// Write nothing; exit non-zero if spec/ differs from what the import produces.
        #[arg(long)]
        check: bool,
        /// With --check, print a unified diff of each changed file.
        #[arg(long)]
        verbose: bool,
    },
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
    /// Print the published crates in dependency order, as `-p NAME` arguments for cargo (or one
    /// name a line with --names).
    Crates {
        #[arg(long)]
        names: bool,
    },
    /// The slow gates CI runs after ./scripts/test (lints, docs, semver agreement, conformance,
    /// packaging...), each timed, ending with a table of steps and times.
    Ci {
        /// Run only these steps (by name; repeatable). `--list` shows them.
        #[arg(long = "only", value_name = "STEP")]
        only: Vec<String>,
        /// List the steps and exit.
        #[arg(long)]
        list: bool,
    },
    /// Conformance of the emulator against the spec: schemathesis, then the walk through Prism.
    Conformance {
        /// Start the fuzzed emulator on this port instead of one the OS gives.
        #[arg(long, value_name = "PORT")]
        emulator_port: Option<u16>,
        /// Start Prism on this port instead of one the OS gives.
        #[arg(long, value_name = "PORT")]
        prism_port: Option<u16>,
    },
    /// Version, changelog, package, commit and tag the generated crates after a spec change.
    Release {
        /// Show what would be released and package the crates, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn workspace(root: Option<&Path>) -> Result<Workspace, WorkspaceError> {
    match root {
        Some(root) => Workspace::at(root),
        None => Workspace::current(),
    }
}

/// Runs a task, printing its error.
fn report<T>(result: Result<T, String>, done: impl FnOnce(T) -> ExitCode) -> ExitCode {
    match result {
        Ok(value) => done(value),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ws = match workspace(cli.root.as_deref()) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ok = |()| ExitCode::SUCCESS;
    match cli.command {
        Command::Import {
            path,
            revision,
            check,
            verbose,
        } => report(
            import(&ws, path, revision.as_deref(), check, verbose),
            |code| code,
        ),
        Command::Diff { old, new, json } => report(spec_diff(&ws, &old, &new, json), ok),
        Command::Bench => report(bench::bench(&ws.root), ok),
        Command::Release { dry_run } => report(release(&ws, dry_run), ok),
        Command::Ci { only, list } => report(ci(&ws, &only, list), |code| code),
        Command::Conformance {
            emulator_port,
            prism_port,
        } => report(
            conformance(
                &ws,
                xtask::conformance::Options {
                    emulator_port,
                    prism_port,
                },
            ),
            ok,
        ),
        Command::Crates { names } => {
            report(ws.published_crates().map_err(|e| e.to_string()), |crates| {
                if names {
                    crates.iter().for_each(|c| println!("{c}"));
                } else {
                    let args: Vec<String> = crates.iter().map(|c| format!("-p {c}")).collect();
                    println!("{}", args.join(" "));
                }
                ExitCode::SUCCESS
            })
        }
        Command::Generate {
            check,
            verbose,
            spec,
            out,
        } => report(
            generate(&ws, check, verbose, spec, out).map_err(|e| e.to_string()),
            |code| code,
        ),
    }
}

fn ci(ws: &Workspace, only: &[String], list: bool) -> Result<ExitCode, String> {
    use xtask::ci;
    if list {
        for step in ci::steps() {
            println!("{:<18} {}", step.name, step.checks);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let gate = ci::Gate {
        workspace: ws.clone(),
        tools: xtask::tools::Tools::machine().map_err(|e| e.to_string())?,
    };
    let outcomes = ci::run(&gate, only)?;
    print!("{}", ci::table(&outcomes));
    Ok(if outcomes.iter().all(|o| o.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn conformance(ws: &Workspace, options: xtask::conformance::Options) -> Result<(), String> {
    use xtask::conformance::{run, Binaries};
    let tools = xtask::tools::Tools::machine().map_err(|e| e.to_string())?;
    let binaries = Binaries::from_test_build(ws).map_err(|e| e.to_string())?;
    let summary = run(ws, &binaries, &tools, &options).map_err(|e| e.to_string())?;
    println!("{summary}");
    Ok(())
}

fn import(
    ws: &Workspace,
    path: Option<PathBuf>,
    revision: Option<&str>,
    check: bool,
    verbose: bool,
) -> Result<ExitCode, String> {
    use cloudflare_cni_codegen::import;
    use cloudflare_cni_codegen::SpecSource;
    let read = |path: &Path, display: String| {
        std::fs::read_to_string(path)
            .map(|text| SpecSource {
                display_path: display,
                text,
            })
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let upstream = match &path {
        Some(path) => read(path, path.display().to_string())?,
        None => read(
            &ws.root.join(import::UPSTREAM_PATH),
            import::UPSTREAM_PATH.to_string(),
        )?,
    };
    let overlay = read(
        &ws.root.join(import::OVERLAY_PATH),
        import::OVERLAY_PATH.to_string(),
    )?;
    let readme = std::fs::read_to_string(ws.root.join(import::README_PATH))
        .map_err(|e| format!("cannot read {}: {e}", import::README_PATH))?;
    let imported =
        import::import_revision(&upstream, &overlay, revision).map_err(|e| e.to_string())?;
    if let Ok(previous) = std::fs::read_to_string(ws.root.join(import::UPSTREAM_PATH)) {
        import::check_revision(&previous, &imported)?;
    }
    let files = import::files(&imported, &readme)?;
    let report = &imported.report;
    if check {
        let drift = files.check_listed(&ws.root).map_err(|e| e.to_string())?;
        if drift.is_empty() {
            println!(
                "spec/ is up to date with {} through {}",
                upstream.display_path,
                import::OVERLAY_PATH
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "spec/ is stale: {} file(s) differ from what importing {} produces:",
            drift.len(),
            upstream.display_path
        );
        for d in &drift {
            eprintln!("  {d}");
            if let (true, Drift::Changed { diff, .. }) = (verbose, d) {
                eprintln!("{diff}");
            }
        }
        eprintln!("run `cargo xtask import` to update it");
        return Ok(ExitCode::FAILURE);
    }
    let summary = files.write_listed(&ws.root).map_err(|e| e.to_string())?;
    println!(
        "imported {} (revision {}): {} operations, {} components; {} overlay actions applied",
        upstream.display_path,
        imported.revision,
        report.operations.len(),
        report.components.len(),
        report.actions.len()
    );
    for (from, to) in &report.renamed {
        println!("  schema {from} → {to}");
    }
    for pruned in &report.pruned {
        println!("  dropped {pruned} (nothing references it once the overlay applies)");
    }
    for path in &summary.written {
        println!("wrote   {path}");
    }
    println!(
        "spec/: {} written, {} unchanged. Next: `cargo xtask diff git:HEAD:{} {}`, then `cargo xtask generate`",
        summary.written.len(),
        summary.unchanged,
        import::SPEC_PATH,
        import::SPEC_PATH
    );
    Ok(ExitCode::SUCCESS)
}

fn generate(
    ws: &Workspace,
    check: bool,
    verbose: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<ExitCode, WorkspaceError> {
    let (spec_path, display) = match spec {
        Some(path) => {
            let display = path.display().to_string();
            (path, display)
        }
        None => (ws.spec_path(), Workspace::SPEC.to_string()),
    };
    let out = out.unwrap_or_else(|| ws.generated_dir());
    // The generated Cargo.toml files inherit the workspace's dependencies (`x.workspace =
    // true`), so they build only inside this workspace: refuse to write them elsewhere.
    if !check && !inside(&out, &ws.root) {
        return Err(WorkspaceError::Usage(format!(
            "--out {}: the generated crates inherit this workspace's dependencies and build only \
             inside it; choose a folder under {} (or use --check to compare anywhere)",
            out.display(),
            ws.root.display()
        )));
    }
    // The versions come from spec/release.toml, as `cargo xtask release` wrote them.
    let config = ws.config()?;
    let tree = cloudflare_cni_codegen::render_file(&spec_path, &display, &config)?;
    if check {
        let drift = tree
            .check(&out)
            .map_err(cloudflare_cni_codegen::GenerateError::from)?;
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
    let summary = tree
        .write(&out)
        .map_err(cloudflare_cni_codegen::GenerateError::from)?;
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

/// Whether `path` (which may not exist yet) lies under `root`.
fn inside(path: &Path, root: &Path) -> bool {
    let absolute = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Resolve what exists (symlinks, `..`); the rest is appended as given.
        let existing = p.ancestors().find(|a| a.exists()).unwrap_or(Path::new("/"));
        let rest = p.strip_prefix(existing).unwrap_or(Path::new(""));
        existing
            .canonicalize()
            .unwrap_or_else(|_| existing.to_path_buf())
            .join(rest)
    };
    absolute(path).starts_with(absolute(root))
}

fn spec_diff(ws: &Workspace, old: &str, new: &str, json: bool) -> Result<(), String> {
    let root = &ws.root;
    let load = |arg: &str| -> Result<serde_json::Value, String> {
        let (display, text) = release::read_spec_arg(root, arg).map_err(|e| e.to_string())?;
        release::spec_value(&display, text)
    };
    let result = diff::diff(&load(old)?, &load(new)?);
    let crates = result.crate_impact();
    if json {
        let report = serde_json::json!({
            "strongest": result.strongest().map(|c| c.as_str()),
            "crates": crates,
            "changes": result.changes,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", result.render());
        if let Some(class) = result.strongest() {
            println!("strongest on the wire: {}", class.as_str());
            println!(
                "crates: types {}, client {}, server {}",
                crates.types.as_str(),
                crates.client.as_str(),
                crates.server.as_str()
            );
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

/// `cargo package` for every published crate, in dependency order, verifying that each builds
/// from its packaged sources (unpublished workspace dependencies come from a local overlay).
fn package(root: &Path, crates: &[String], allow_dirty: bool) -> Result<(), String> {
    release::drop_unpacked_copies(crates);
    let mut args = vec!["package", "--locked"];
    if allow_dirty {
        args.push("--allow-dirty");
    }
    for p in crates {
        args.extend(["-p", p]);
    }
    run(root, "cargo", &args)
}

/// Writes `version` into a runtime crate's Cargo.toml and into the workspace's dependency on
/// it, the two places Cargo reads it from.
fn set_runtime_version(
    root: &Path,
    krate: &release::PublishedCrate,
    old: &str,
    new: &semver::Version,
) -> Result<(), String> {
    let path = root.join(&krate.dir).join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let from = format!("\nversion = \"{old}\"\n");
    if !text.contains(&from) {
        return Err(format!("{} does not say `{from}`", path.display()));
    }
    std::fs::write(
        &path,
        text.replacen(&from, &format!("\nversion = \"{new}\"\n"), 1),
    )
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // The workspace's requirement on it, by the one rule every published crate follows (an
    // entry with more fields after its version, `default-features = false` say, included).
    set_workspace_requirement(root, krate, new)
}

/// Writes a generated crate's new version into its requirement in the workspace's dependency
/// table (see [`release::with_workspace_requirement`]).
fn set_workspace_requirement(
    root: &Path,
    krate: &release::PublishedCrate,
    next: &semver::Version,
) -> Result<(), String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let updated = release::with_workspace_requirement(&text, &krate.name, &krate.dir, next)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if updated != text {
        std::fs::write(&path, updated)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Writes a release's versions, generated crates and CHANGELOG into the checkout at `root`.
fn apply(
    root: &Path,
    plan: &release::ReleasePlan,
    crates: &[release::PublishedCrate],
) -> Result<(), String> {
    let record_path = root.join(ReleaseRecord::PATH);
    std::fs::write(&record_path, plan.record().render())
        .map_err(|e| format!("cannot write {}: {e}", record_path.display()))?;
    for released in plan.released() {
        let Some(krate) = crates.iter().find(|c| c.name == released.name) else {
            continue;
        };
        match (krate.kind, &released.next) {
            (release::CrateKind::Runtime, Some(next)) => {
                set_runtime_version(root, krate, &released.current.to_string(), next)?
            }
            (_, Some(next)) => set_workspace_requirement(root, krate, next)?,
            (_, None) => {}
        }
    }
    // The generated crates' versions reach their Cargo.toml files through the generator.
    Workspace {
        root: root.to_path_buf(),
    }
    .generate()
    .map_err(|e| e.to_string())?;
    let changelog_path = root.join("CHANGELOG.md");
    let existing = std::fs::read_to_string(&changelog_path).ok();
    std::fs::write(
        &changelog_path,
        release::prepend_changelog(existing.as_deref(), &plan.changelog_section),
    )
    .map_err(|e| format!("cannot write {}: {e}", changelog_path.display()))?;
    run(root, "cargo", &["update", "--workspace", "--offline"])
}

/// Removes a scratch worktree, whatever ends the dry run.
struct ScratchWorktree {
    repo: PathBuf,
    path: PathBuf,
}

impl Drop for ScratchWorktree {
    fn drop(&mut self) {
        let _ = std::process::Command::new("git")
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .current_dir(&self.repo)
            .output();
    }
}

/// cargo-semver-checks at the pinned version, installed once per machine.
fn semver_checks_binary() -> Result<PathBuf, String> {
    xtask::tools::Tools::machine()
        .and_then(|tools| tools.semver_checks())
        .map_err(|e| e.to_string())
}

/// Runs cargo-semver-checks on every released crate of the checkout at `root` (its new
/// version already written) against the last release's tag: the version each crate moves to
/// must allow every change the tool finds. A weaker bump is refused, naming the lints and the
/// items.
/// Whether the crate is a proc-macro crate, which cargo-semver-checks cannot check (rustdoc
/// JSON has no API for it).
fn is_proc_macro(root: &Path, krate: &release::PublishedCrate) -> bool {
    std::fs::read_to_string(root.join(&krate.dir).join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| t.get("lib")?.get("proc-macro")?.as_bool())
        .unwrap_or(false)
}

/// For each provisional crate, the least release type cargo-semver-checks accepts; a
/// proc-macro crate, which the tool cannot check, is taken as major.
fn least_bumps(
    root: &Path,
    binary: &Path,
    plan: &release::ReleasePlan,
    crates: &[release::PublishedCrate],
) -> Result<Vec<(String, diff::Bump)>, String> {
    let Some(tag) = &plan.previous_tag else {
        return Ok(Vec::new());
    };
    let baseline = release::release_commit(root, tag).map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for provisional in plan.provisional() {
        let Some(krate) = crates.iter().find(|c| c.name == provisional.name) else {
            continue;
        };
        if is_proc_macro(root, krate) {
            println!(
                "  {}: major (cargo-semver-checks does not check proc-macro crates)",
                krate.name
            );
            found.push((krate.name.clone(), diff::Bump::Major));
            continue;
        }
        let mut least = diff::Bump::Major;
        for (release_type, bump) in [("patch", diff::Bump::Patch), ("minor", diff::Bump::Minor)] {
            println!(
                "$ cargo semver-checks check-release -p {} --baseline-rev {tag} --release-type {release_type}",
                krate.name
            );
            let status = std::process::Command::new(binary)
                .args([
                    "semver-checks",
                    "check-release",
                    "--baseline-rev",
                    &baseline,
                    "--release-type",
                    release_type,
                    "--manifest-path",
                ])
                .arg(root.join(&krate.dir).join("Cargo.toml"))
                .current_dir(root)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .map_err(|e| format!("cannot run cargo-semver-checks: {e}"))?;
            if status.success() {
                least = bump;
                break;
            }
        }
        println!("  {}: {}", krate.name, least.as_str());
        found.push((krate.name.clone(), least));
    }
    Ok(found)
}

fn check_semver(
    root: &Path,
    binary: &Path,
    plan: &release::ReleasePlan,
    crates: &[release::PublishedCrate],
) -> Result<(), String> {
    let Some(tag) = &plan.previous_tag else {
        return Ok(()); // a first release has nothing to compare with
    };
    let baseline = release::release_commit(root, tag).map_err(|e| e.to_string())?;
    let mut refused = Vec::new();
    for released in plan.released() {
        let Some(krate) = crates.iter().find(|c| c.name == released.name) else {
            continue;
        };
        if released.first_release {
            println!(
                "  {}: not checked (its first release: no published API to compare with)",
                krate.name
            );
            continue;
        }
        if is_proc_macro(root, krate) {
            println!(
                "  {}: not checked (a proc-macro crate; its bump was taken as major)",
                krate.name
            );
            continue;
        }
        println!(
            "$ cargo semver-checks check-release -p {} --baseline-rev {tag}",
            krate.name
        );
        let output = std::process::Command::new(binary)
            .args([
                "semver-checks",
                "check-release",
                "--baseline-rev",
                &baseline,
                "--manifest-path",
            ])
            .arg(root.join(&krate.dir).join("Cargo.toml"))
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run cargo-semver-checks: {e}"))?;
        if !output.status.success() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let findings: Vec<&str> = text
                .lines()
                .filter(|l| {
                    l.starts_with("--- failure") || l.starts_with("  ") || l.contains("Summary")
                })
                .collect();
            refused.push(format!(
                "{} {} -> {} ({}): cargo-semver-checks finds more:\n{}",
                krate.name,
                released.current,
                released
                    .next
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                released.bump.map(|b| b.as_str()).unwrap_or("unchanged"),
                findings.join("\n")
            ));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the rule table's bump is weaker than cargo-semver-checks finds; not releasing:\n{}",
            refused.join("\n\n")
        ))
    }
}

fn release(ws: &Workspace, dry_run: bool) -> Result<(), String> {
    let root = ws.root.clone();
    let status = release::git(&root, &["status", "--porcelain"]).map_err(|e| e.to_string())?;
    if !status.trim().is_empty() {
        return Err(format!(
            "the working tree is dirty; commit or stash first:\n{status}"
        ));
    }
    let drift = ws.check().map_err(|e| e.to_string())?;
    if !drift.is_empty() {
        return Err("generated/ is stale: run `cargo xtask generate` and commit first".to_string());
    }
    let crates = ws.published().map_err(|e| e.to_string())?;
    let plan = release::plan(&root, &crates).map_err(|e| e.to_string())?;
    match &plan.previous_tag {
        Some(previous) => println!("release: {previous} -> {}", plan.tag),
        None => println!("release: first release, {}", plan.tag),
    }
    print!("{}", plan.diff.render());
    println!("\nCHANGELOG.md gains:\n\n{}", plan.changelog_section);
    // The release is first made in a scratch worktree: checked with cargo-semver-checks and
    // packaged there (so packaging sees the new versions, not ones already released). Only
    // then, and not for a dry run, is it made here.
    let scratch = tempfile::Builder::new()
        .prefix("cni-release-")
        .tempdir()
        .map_err(|e| format!("cannot create a scratch folder: {e}"))?;
    let worktree = ScratchWorktree {
        repo: root.clone(),
        path: scratch.path().join("checkout"),
    };
    run(
        &root,
        "git",
        &[
            "worktree",
            "add",
            "--detach",
            "-q",
            &worktree.path.display().to_string(),
        ],
    )?;
    let binary = match plan.previous_tag {
        Some(_) => Some(semver_checks_binary()?),
        None => None,
    };
    apply(&worktree.path, &plan, &crates)?;
    let mut plan = plan;
    let any_provisional = plan.provisional().next().is_some();
    if let (Some(binary), true) = (&binary, any_provisional) {
        // Crates whose code changed beyond what the spec diff sees: cargo-semver-checks finds
        // the least bump their API needs, then the release is made again with it.
        let found = least_bumps(&worktree.path, binary, &plan, &crates)?;
        plan.settle(&found, &crates);
        for krate in plan.crates.iter_mut() {
            let proc_macro = crates
                .iter()
                .any(|c| c.name == krate.name && is_proc_macro(&worktree.path, c));
            if proc_macro && krate.bump.is_some() {
                krate.reason =
                    "its sources changed; cargo-semver-checks cannot check a proc-macro \
                                crate, so major"
                        .to_string();
            }
        }
        plan.changelog_section = release::changelog_section(&plan);
        println!(
            "\nsettled by cargo-semver-checks; CHANGELOG.md gains:\n\n{}",
            plan.changelog_section
        );
        run(&worktree.path, "git", &["checkout", "-q", "--", "."])?;
        run(&worktree.path, "git", &["clean", "-fdq"])?;
        apply(&worktree.path, &plan, &crates)?;
    }
    let released: Vec<String> = plan.released().map(|c| c.name.clone()).collect();
    if let Some(binary) = &binary {
        check_semver(&worktree.path, binary, &plan, &crates)?;
    }
    // Verifying a released crate needs its workspace dependencies at their recorded versions;
    // an unchanged one is taken from the local overlay too (it is published already, or will be
    // by its own release), but it is not part of this release and is not published again.
    let verification: Vec<String> = crates.iter().map(|c| c.name.clone()).collect();
    let unchanged: Vec<&String> = verification
        .iter()
        .filter(|n| !released.contains(n))
        .collect();
    if !unchanged.is_empty() {
        println!(
            "packaged for verification only (unchanged, not published again): {}",
            unchanged
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    package(&worktree.path, &verification, true)?;
    drop(worktree);
    if dry_run {
        println!("dry run: nothing was written, committed or tagged here");
        return Ok(());
    }
    apply(&root, &plan, &crates)?;
    run(&root, "git", &["add", "-A"])?;
    run(
        &root,
        "git",
        &["commit", "-q", "-m", &format!("Release {}", plan.tag)],
    )?;
    run(
        &root,
        "git",
        &[
            "tag",
            "-a",
            &plan.tag,
            "-m",
            &format!("Release {}", plan.tag),
        ],
    )?;
    println!("\nreleased {}. To publish, in this order:", plan.tag);
    for p in &released {
        println!("  cargo publish -p {p}");
    }
    Ok(())
}
