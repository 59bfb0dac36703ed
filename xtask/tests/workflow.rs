//! The scheduled workflow (`.github/workflows/sync.yml`) runs the commands the tests run: each
//! `cargo xtask …` line it holds names a subcommand and flags that `cargo xtask` accepts.

use std::process::Command;

#[test]
fn the_scheduled_workflow_runs_commands_xtask_accepts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let workflow = std::fs::read_to_string(root.join(".github/workflows/sync.yml")).unwrap();
    let runs: Vec<&str> = workflow
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once("cargo xtask ").map(|(_, rest)| rest))
        .collect();
    assert!(
        runs.iter().any(|r| r.starts_with("sync ")),
        "the workflow runs cargo xtask sync: {runs:?}"
    );
    for run in runs {
        let words: Vec<&str> = run.split_whitespace().collect();
        // The subcommand and every flag it passes, checked against `--help`.
        let help = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args([words[0], "--help"])
            .output()
            .unwrap();
        assert!(help.status.success(), "cargo xtask {} --help", words[0]);
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(flag),
                "cargo xtask {} has no {flag}:\n{help}",
                words[0]
            );
        }
    }
}
