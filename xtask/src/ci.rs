//! `cargo xtask ci`: the slow gates, one after another, each timed, ending with a table of steps
//! and times. `./scripts/test` is the fast loop (every test of the workspace); this is what CI
//! adds after it, and what a maintainer runs before a release. `.ci/run` calls the two, nothing
//! twice.
//!
//! The steps share the test build's artifacts where Cargo lets them: the benchmarks build with
//! the test profile and the workspace's features, clippy and rustdoc share their check-mode
//! dependencies, and cargo-semver-checks keeps one target folder under `target/`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::tools::{self, Tools};
use crate::Workspace;

/// One gate: its name (for `--only`), what it checks, and how.
pub struct Step {
    pub name: &'static str,
    pub checks: &'static str,
    run: fn(&Gate) -> Result<(), crate::Error>,
}

/// What the steps work on.
pub struct Gate {
    pub workspace: Workspace,
    pub tools: Tools,
}

impl Gate {
    fn root(&self) -> &Path {
        &self.workspace.root
    }

    /// Runs a command in the checkout, its output shown as it comes.
    fn run(&self, command: &mut Command) -> Result<(), crate::Error> {
        let shown = shown(command);
        println!("$ {shown}");
        let status = command
            .current_dir(self.root())
            .status()
            .map_err(crate::Error::start(shown.clone()))?;
        if status.success() {
            Ok(())
        } else {
            Err(crate::Error::Failed {
                command: shown,
                outcome: status.to_string(),
            })
        }
    }

    fn cargo(&self, args: &[&str]) -> Result<(), crate::Error> {
        self.run(Command::new(tools::cargo()).args(args))
    }

    fn published(&self) -> Result<Vec<String>, crate::Error> {
        self.workspace
            .published_crates()
            .map_err(crate::Error::from)
    }
}

/// A command as a person would type it.
fn shown(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Every gate, in the order CI runs them.
pub fn steps() -> Vec<Step> {
    type Run = fn(&Gate) -> Result<(), crate::Error>;
    [
        ("tools", "the pinned outside tools are installed (once per machine)", tools as Run),
        ("fmt", "cargo fmt --check", fmt as Run),
        ("clippy", "cargo clippy on every target, warnings are errors", clippy as Run),
        ("docs", "the published crates' docs build without warnings", docs as Run),
        ("server-deps", "the server crate does not depend on reqwest", server_without_reqwest as Run),
        ("no-tls", "the client runtime builds and passes its tests without a TLS backend", no_tls as Run),
        ("bench-build", "the benchmarks compile and link (test profile; `cargo xtask bench` builds release)", bench_build as Run),
        ("spec-lint", "spec/cni.yaml passes openapi-spec-validator and @redocly/cli", lint_spec as Run),
        ("dialect", "Cloudflare's whole document, one operation at a time through the same import and generation: no fewer get through than tests/corpus/floors.toml records", dialect as Run),
        ("evolution", "Cloudflare's document grown and broken in every way: imports, builds, the diff's bumps never below cargo-semver-checks', older clients lose nothing", evolution as Run),
        ("conformance", "schemathesis and Prism find no difference between the spec and the emulator", conformance as Run),
        ("package", "every published crate packages and builds from its package", package as Run),
        ("registry", "releases published to a registry server: a user's crate follows a minor release and not a major one, the tool and the emulator install from it", registry as Run),
    ]
    .into_iter()
    .map(|(name, checks, run)| Step { name, checks, run })
    .collect()
}

fn tools(gate: &Gate) -> Result<(), crate::Error> {
    gate.tools.install_all().map_err(crate::Error::from)
}

fn fmt(gate: &Gate) -> Result<(), crate::Error> {
    gate.cargo(&["fmt", "--all", "--", "--check"])
}

fn clippy(gate: &Gate) -> Result<(), crate::Error> {
    gate.cargo(&[
        "clippy",
        "--locked",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])
}

fn docs(gate: &Gate) -> Result<(), crate::Error> {
    let published = gate.published()?;
    let mut args = vec!["doc", "--locked", "--no-deps"];
    for name in &published {
        args.extend(["-p", name]);
    }
    gate.run(
        Command::new(tools::cargo())
            .args(&args)
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

fn no_tls(gate: &Gate) -> Result<(), crate::Error> {
    gate.cargo(&[
        "test",
        "--locked",
        "-p",
        "cloudflare-cni-client-runtime",
        "--no-default-features",
        "--lib",
    ])
}

/// One of xtask's slow tests (`#[ignore]`d in the fast loop), with the machine's tools.
fn slow_test(gate: &Gate, test: &str) -> Result<(), crate::Error> {
    gate.run(
        Command::new(tools::cargo())
            .args(["test", "--locked", "-p", "xtask", "--test", test])
            .args(["--", "--ignored", "--nocapture"])
            .env("CNI_TOOLS_DIR", gate.tools.dir()),
    )
}

/// Every operation of the whole document through import and generation, then up to three of
/// each shape's compiled together (the whole document compiles in `cargo xtask bench`'s §7:
/// minutes more than the gate's budget allows).
fn dialect(gate: &Gate) -> Result<(), crate::Error> {
    crate::dialect::command(gate.root(), None, false, crate::dialect::CompileSet::Shapes)
}

fn evolution(gate: &Gate) -> Result<(), crate::Error> {
    slow_test(gate, "evolution")
}

fn registry(gate: &Gate) -> Result<(), crate::Error> {
    slow_test(gate, "registry")
}

fn package(gate: &Gate) -> Result<(), crate::Error> {
    let published = gate.published()?;
    crate::release::package::forget_earlier_packaging(gate.root(), &published)?;
    let mut args = vec!["package", "--locked"];
    for name in &published {
        args.extend(["-p", name]);
    }
    // A package carries no `[profile]`: its verification build would use full debug info and
    // so rebuild every dependency the test build already made with the workspace's line
    // tables. The same setting, from the environment, lets it reuse them.
    let mut command = Command::new(tools::cargo());
    command
        .args(&args)
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only");
    gate.run(&mut command)
}

/// The occupied-port cases first (each fails within seconds), then the real run.
fn conformance(gate: &Gate) -> Result<(), crate::Error> {
    use crate::conformance::{refuses_occupied_ports, run, Binaries};
    let binaries = Binaries::from_test_build(&gate.workspace)?;
    for line in refuses_occupied_ports(&gate.workspace, &binaries, &gate.tools)? {
        println!("{line}");
    }
    let summary = run(&gate.workspace, &binaries, &gate.tools, &Default::default())?;
    println!("{summary}");
    Ok(())
}

fn bench_build(gate: &Gate) -> Result<(), crate::Error> {
    gate.cargo(&["test", "--locked", "--workspace", "--benches", "--no-run"])
}

fn server_without_reqwest(gate: &Gate) -> Result<(), crate::Error> {
    let output = Command::new(tools::cargo())
        .args([
            "tree",
            "--locked",
            "-p",
            "cloudflare-cni-server",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(gate.root())
        .output()
        .map_err(crate::Error::start("cargo tree"))?;
    if !output.status.success() {
        return Err(crate::Error::Gate(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // One package a line, "name vX.Y.Z (source)": compare names, not substrings.
    let tree = String::from_utf8_lossy(&output.stdout);
    let packages: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    println!(
        "cloudflare-cni-server's normal dependencies: {} packages",
        packages.len()
    );
    if packages.contains(&"reqwest") {
        return Err(crate::Error::Gate(
            "cloudflare-cni-server depends on reqwest".to_string(),
        ));
    }
    Ok(())
}

fn lint_spec(gate: &Gate) -> Result<(), crate::Error> {
    let validator = gate.tools.spec_validator()?;
    let redocly = gate.tools.redocly()?;
    gate.run(Command::new(validator).arg(Workspace::SPEC))?;
    gate.run(
        Command::new(redocly)
            .args(["lint", "--config", "spec/redocly.yaml", Workspace::SPEC])
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
    )
}

/// How one step ended.
pub struct Outcome {
    pub name: &'static str,
    pub took: Duration,
    pub passed: bool,
}

/// Runs the steps named in `only` (every step when empty), stopping at the first failure;
/// returns what ran.
pub fn run(gate: &Gate, only: &[String]) -> Result<Vec<Outcome>, crate::Error> {
    let all = steps();
    if let Some(unknown) = only.iter().find(|n| !all.iter().any(|s| s.name == *n)) {
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        return Err(crate::Error::Gate(format!(
            "no step `{unknown}`; the steps are: {}",
            names.join(", ")
        )));
    }
    let chosen: Vec<&Step> = all
        .iter()
        .filter(|s| only.is_empty() || only.iter().any(|n| n == s.name))
        .collect();
    let mut outcomes = Vec::new();
    for (i, step) in chosen.iter().enumerate() {
        println!(
            "\n==> [{}/{}] {}: {}",
            i + 1,
            chosen.len(),
            step.name,
            step.checks
        );
        let started = Instant::now();
        let result = (step.run)(gate);
        let took = started.elapsed();
        match &result {
            Ok(()) => println!("<== {}: passed in {}", step.name, clock(took)),
            Err(e) => eprintln!("<== {}: FAILED in {}: {e}", step.name, clock(took)),
        }
        outcomes.push(Outcome {
            name: step.name,
            took,
            passed: result.is_ok(),
        });
        if result.is_err() {
            break;
        }
    }
    Ok(outcomes)
}

/// The closing table: each step's time and result, and the total.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = format!("\n{:<18} {:>8}  result\n", "step", "time");
    for o in outcomes {
        out.push_str(&format!(
            "{:<18} {:>8}  {}\n",
            o.name,
            clock(o.took),
            if o.passed { "passed" } else { "FAILED" }
        ));
    }
    let total: Duration = outcomes.iter().map(|o| o.took).sum();
    out.push_str(&format!("{:<18} {:>8}\n", "total", clock(total)));
    out
}

/// `m:ss`.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// `cargo xtask ci [--only STEP]... [--list]`: lists the steps, or runs them and prints the
/// table.
pub fn command(
    ws: &Workspace,
    only: &[String],
    list: bool,
) -> Result<std::process::ExitCode, crate::Error> {
    if list {
        for step in steps() {
            println!("{:<18} {}", step.name, step.checks);
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let gate = Gate {
        workspace: ws.clone(),
        tools: Tools::machine()?,
    };
    let outcomes = run(&gate, only)?;
    print!("{}", table(&outcomes));
    Ok(if outcomes.iter().all(|o| o.passed) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_each_step_and_the_total() {
        let outcomes = [
            Outcome {
                name: "fmt",
                took: Duration::from_secs(3),
                passed: true,
            },
            Outcome {
                name: "clippy",
                took: Duration::from_secs(125),
                passed: false,
            },
        ];
        let table = table(&outcomes);
        assert!(
            table.contains("fmt                    0:03  passed"),
            "{table}"
        );
        assert!(
            table.contains("clippy                 2:05  FAILED"),
            "{table}"
        );
        assert!(table.contains("total                  2:08"), "{table}");
    }

    #[test]
    fn step_names_are_unique() {
        let mut names: Vec<&str> = steps().iter().map(|s| s.name).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
