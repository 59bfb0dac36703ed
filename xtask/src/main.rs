//! `cargo xtask`: the project's tasks. Thin by design: it parses the arguments and calls the
//! library (`xtask`), where the repository workflow lives and is tested; the generation is
//! `cloudflare-cni-codegen`'s.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{bench, ci, commands, conformance, dialect, release, scale, Workspace, WorkspaceError};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Tasks for the Cloudflare CNI toolkit: import, sync, generate, diff, release, crates, ci, conformance, bench, dialect"
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
        /// Import a document that removes more than half of the CNI operations, or every
        /// operation of a group (refused otherwise, listing what disappeared).
        #[arg(long)]
        accept_removals: bool,
    },
    /// The maintainer's whole job for a new Cloudflare document: import it, show the diff and
    /// each crate's bump, generate, run ./scripts/test, print the release plan and a commit
    /// message. Stops at the first failing step, naming it.
    Sync {
        /// Cloudflare's document (the whole openapi.json or openapi.yaml, or an extract).
        path: PathBuf,
        /// The document's revision (its date), when its file name does not say.
        #[arg(long, value_name = "DATE")]
        revision: Option<String>,
        /// Skip ./scripts/test (to look at what a document changes; CI never skips it).
        #[arg(long)]
        skip_tests: bool,
        /// Take a removal of more than half of the CNI operations, or of a whole group, as
        /// meant (refused otherwise, listing what disappeared).
        #[arg(long)]
        accept_removals: bool,
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
    Bench {
        /// Run one section only (generation, round-trips, validation, build-cost,
        /// pagination-memory, emulator-writes), keeping the others as they are.
        #[arg(long, value_name = "SECTION")]
        only: Option<String>,
    },
    /// Cloudflare's whole document (tests/corpus/), every operation through the same import
    /// (no overlay) and generation as the CNI crates: per shape of Cloudflare's dialect, how
    /// many import and generate, and why the others stop. Fails when a count falls below
    /// tests/corpus/floors.toml.
    Dialect {
        /// Another document (JSON, gzip-compressed or not) instead of the vendored one.
        #[arg(long, value_name = "PATH")]
        corpus: Option<PathBuf>,
        /// Raise tests/corpus/floors.toml to this run's counts.
        #[arg(long)]
        record: bool,
        /// Then generate every operation that got through as one set of crates and `cargo
        /// check` them (in a scratch worktree; target/dialect/ is kept across runs).
        #[arg(long)]
        compile: bool,
        /// Then compile, as --compile does, up to three operations of each shape (what CI runs).
        #[arg(long, conflicts_with = "compile")]
        compile_shapes: bool,
    },
    /// One run of the scale benchmark (`cargo xtask bench` starts it, one process a run): import
    /// and generate INPUT (cni, tenth or whole) in memory, and print the times, lines and peak
    /// memory as one JSON line.
    #[command(hide = true)]
    ScaleProbe {
        input: String,
        /// progenitor's own output on the same input instead of ours.
        #[arg(long)]
        progenitor_only: bool,
    },
    /// Print the published crates in dependency order, as `-p NAME` arguments for cargo (or one
    /// name a line with --names).
    Crates {
        #[arg(long)]
        names: bool,
    },
    /// The slow gates CI runs after ./scripts/test (lints, docs, the evolution corpus, conformance,
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
    /// Version, changelog, package and commit the published crates after a change; with
    /// --publish, publish them in order and tag the release once all are there.
    Release {
        /// Show what would be released (and published) and package the crates, changing
        /// nothing.
        #[arg(long)]
        dry_run: bool,
        /// Publish the release (or the release committed but not yet published) and tag it.
        #[arg(long)]
        publish: bool,
        /// The registry to publish to, as Cargo's configuration names it (default crates.io).
        #[arg(long, value_name = "NAME", requires = "publish")]
        registry: Option<String>,
    },
}

fn workspace(root: Option<&Path>) -> Result<Workspace, WorkspaceError> {
    match root {
        Some(root) => Workspace::at(root),
        None => Workspace::current(),
    }
}

/// Runs a task, printing its error.
fn report<T, E: std::fmt::Display>(
    result: Result<T, E>,
    done: impl FnOnce(T) -> ExitCode,
) -> ExitCode {
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
    let code = |code| code;
    match cli.command {
        Command::Import {
            path,
            revision,
            check,
            verbose,
            accept_removals,
        } => report(
            commands::import(
                &ws,
                &commands::ImportRequest {
                    path,
                    revision,
                    check,
                    verbose,
                    accept_removals,
                },
            ),
            |outcome: commands::ImportOutcome| outcome.code,
        ),
        Command::Generate {
            check,
            verbose,
            spec,
            out,
        } => report(commands::generate(&ws, check, verbose, spec, out), code),
        Command::Diff { old, new, json } => report(commands::diff(&ws, &old, &new, json), ok),
        Command::Bench { only } => report(bench::bench(&ws.root, only.as_deref()), ok),
        Command::Dialect {
            corpus,
            record,
            compile,
            compile_shapes,
        } => {
            let set = match (compile, compile_shapes) {
                (true, _) => dialect::CompileSet::All,
                (false, true) => dialect::CompileSet::Shapes,
                (false, false) => dialect::CompileSet::None,
            };
            report(
                dialect::command(&ws.root, corpus.as_deref(), record, set),
                ok,
            )
        }
        Command::ScaleProbe {
            input,
            progenitor_only,
        } => report(
            scale::probe(&ws.root, &input, progenitor_only).and_then(|figures| {
                serde_json::to_string(&figures)
                    .map(|line| println!("{line}"))
                    .map_err(|e| xtask::Error::Gate(e.to_string()))
            }),
            ok,
        ),
        Command::Release {
            dry_run,
            publish,
            registry,
        } => {
            let registry = publish.then(|| release::Registry::new(registry));
            report(release::release(&ws, dry_run, registry.as_ref()), ok)
        }
        Command::Ci { only, list } => report(ci::command(&ws, &only, list), code),
        Command::Conformance {
            emulator_port,
            prism_port,
        } => report(
            conformance::command(
                &ws,
                conformance::Options {
                    emulator_port,
                    prism_port,
                },
            ),
            ok,
        ),
        Command::Sync {
            path,
            revision,
            skip_tests,
            accept_removals,
        } => report(
            xtask::sync::sync(
                &ws,
                &xtask::sync::SyncOptions {
                    path,
                    revision,
                    skip_tests,
                    accept_removals,
                },
            ),
            ok,
        ),
        Command::Crates { names } => report(commands::crates(&ws, names), ok),
    }
}
