//! `cargo xtask`: the project's tasks. Thin by design: argument parsing and reporting; the
//! work lives in the `cloudflare-cni-codegen` library, where it is tested.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cloudflare_cni_codegen::{Config, Drift, GenerateError};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks for the Cloudflare CNI toolkit")]
struct Cli {
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
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
    let tree = cloudflare_cni_codegen::render_file(&spec_path, &display, &Config::default())?;
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
