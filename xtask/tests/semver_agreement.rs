//! The diff's rule table checked against the real tool: each spec change below goes through
//! `cargo xtask generate` and cargo-semver-checks (0.51, pinned, installed once per machine by
//! `xtask::tools`) on the three generated crates, and the tool must never require more than
//! the table's bump for a crate.
//!
//! Slow (a rustdoc build per crate and case), so it runs in the slow gate, `cargo xtask ci`
//! (step `semver-agreement`), not in `./scripts/test`. It costs what it must: the cases run one
//! after another in one worktree; the target folder, `target/semver-agreement/`, is kept
//! across runs, so the dependencies are documented once per machine and each case rebuilds
//! only the generated crates; each crate's baseline rustdoc JSON is built once per run and
//! handed to the tool (`--baseline-rustdoc`), as is the changed one (`--current-rustdoc`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(dir: &Path, program: &Path, args: &[&str], target: &Path) -> (bool, String) {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn git(dir: &Path, args: &[&str]) {
    let (ok, text) = run(dir, Path::new("git"), args, Path::new("/nonexistent"));
    assert!(ok, "git {args:?}: {text}");
}

/// Removes the scratch worktree, whatever ends the test.
struct Worktree(PathBuf);

impl Drop for Worktree {
    fn drop(&mut self) {
        let _ = Command::new("git")
            .args(["worktree", "remove", "--force"])
            .arg(&self.0)
            .current_dir(repo())
            .output();
    }
}

/// The generated crates the table judges, with the features that make up their public API
/// (the client's `mock` module gains a method per operation).
const CRATES: &[(&str, &str, &[&str])] = &[
    ("types", "cloudflare-cni-types", &[]),
    ("client", "cloudflare-cni-client", &["mock"]),
    ("server", "cloudflare-cni-server", &[]),
];

/// Builds the rustdoc JSON of `package` in the checkout at `dir` (as cargo-semver-checks
/// itself does on stable: rustdoc's JSON output behind RUSTC_BOOTSTRAP) and copies it to
/// `keep`.
fn rustdoc_json(dir: &Path, package: &str, features: &[&str], target: &Path, keep: &Path) {
    let cargo = PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    let mut args = vec!["rustdoc", "--locked", "-q", "-p", package, "--lib"];
    let joined = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", &joined]);
    }
    args.extend(["--", "-Z", "unstable-options", "--output-format", "json"]);
    let output = Command::new(&cargo)
        .args(&args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .unwrap_or_else(|e| panic!("cargo rustdoc: {e}"));
    assert!(
        output.status.success(),
        "cargo rustdoc -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_")));
    std::fs::copy(&json, keep).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
}

/// The bump cargo-semver-checks requires, from its summary.
fn tool_bump(ok: bool, output: &str) -> &'static str {
    if ok {
        return "patch";
    }
    let summary = output
        .lines()
        .find(|l| l.contains("checks failed"))
        .unwrap_or_else(|| panic!("no summary in:\n{output}"));
    // "… semver requires new major version: 2 major and 0 minor checks failed"
    let words: Vec<&str> = summary.split_whitespace().collect();
    let count = |word: &str| -> usize {
        words
            .windows(2)
            .find(|w| w[1] == word && w[0].parse::<usize>().is_ok())
            .and_then(|w| w[0].parse().ok())
            .unwrap_or(0)
    };
    if count("major") > 0 {
        "major"
    } else {
        "minor"
    }
}

fn rank(bump: &str) -> u8 {
    match bump {
        "patch" => 0,
        "minor" => 1,
        _ => 2,
    }
}

/// (name, the overlay actions that make the change).
const CASES: &[(&str, &str)] = &[
    (
        "optional response property added",
        "
- target: $.components.schemas.FacilityInfo.properties
  description: case
  update: {clli: {description: CLLI code of the facility, type: string}}
",
    ),
    (
        "required response property added",
        "
- target: $.components.schemas.InterconnectPhysical
  description: case
  update:
    required: [port_group_id]
    properties:
      port_group_id: {description: The port group of the interconnect, type: string, format: uuid}
",
    ),
    (
        "value added to a response enum",
        "
- target: $.components.schemas.ApiBandwidth.enum
  description: case
  update: 100G
- target: $.components.schemas.ApiBandwidth['x-cni-enum-names']
  description: case
  update: {100G: Gbps100}
",
    ),
    (
        "union variant added",
        "
- target: $.components.schemas.InterconnectStatus
  description: case
  update:
    oneOf: [{$ref: '#/components/schemas/InterconnectStatusProvisioning'}]
    discriminator: {mapping: {Provisioning: '#/components/schemas/InterconnectStatusProvisioning'}}
- target: $.components.schemas
  description: case
  update:
    InterconnectStatusProvisioning:
      description: The interconnect is being provisioned.
      type: object
      required: [state]
      properties:
        state: {description: The state, type: string, enum: [Provisioning]}
",
    ),
    (
        "operation added",
        "
- target: $.paths
  description: case
  update:
    /accounts/{account_id}/cni/slots/{slot}/ping:
      get:
        operationId: ping_slot
        summary: Ping a slot
        tags: [Slots]
        parameters:
          - {name: account_id, in: path, required: true, description: Customer account tag, schema: {type: string}}
          - {name: slot, in: path, required: true, description: Slot ID, schema: {type: string, format: uuid}}
        responses:
          '200': {description: Pinged}
",
    ),
    (
        "optional query parameter added",
        "
- target: $.paths['/accounts/{account_id}/cni/slots'].get.parameters
  description: case
  update: {name: facility, in: query, description: Only slots in this facility, schema: {type: string, nullable: true}}
",
    ),
    (
        "first query parameter of an operation added",
        "
- target: $.paths['/accounts/{account_id}/cni/interconnects/{icon}/status'].get.parameters
  description: case
  update: {name: verbose, in: query, description: More detail, schema: {type: boolean, nullable: true}}
",
    ),
    (
        "property removed",
        "- {target: $.components.schemas.InterconnectPhysical.properties.owner, description: case, remove: true}",
    ),
];

#[test]
#[ignore = "slow: runs in the slow gate, `cargo xtask ci --only semver-agreement`"]
fn the_rule_table_never_promises_less_than_cargo_semver_checks_finds() {
    let repo = repo();
    let tool = xtask::tools::Tools::machine()
        .and_then(|tools| tools.semver_checks())
        .unwrap_or_else(|e| panic!("{e}"));
    let xtask = PathBuf::from(env!("CARGO_BIN_EXE_xtask"));

    // Kept across runs: the dependencies' rustdoc inputs are built once per machine.
    let kept = repo.join("target/semver-agreement");
    let target = kept.join("target");
    let baselines = kept.join("baseline");
    std::fs::create_dir_all(&baselines).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let checkout = scratch.path().join("checkout");
    let _worktree = Worktree(checkout.clone());
    git(
        &repo,
        &[
            "worktree",
            "add",
            "--detach",
            "-q",
            checkout.to_str().unwrap(),
        ],
    );
    // The baseline is what this generator makes of the spec as it is (a copy of the spec is
    // kept for the diff), documented once per crate.
    let (ok, text) = run(&checkout, &xtask, &["generate"], &target);
    assert!(ok, "{text}");
    let baseline_spec = scratch.path().join("baseline-cni.yaml");
    std::fs::copy(checkout.join("spec/cni.yaml"), &baseline_spec).unwrap();
    for (short, package, features) in CRATES {
        rustdoc_json(
            &checkout,
            package,
            features,
            &target,
            &baselines.join(format!("{short}.json")),
        );
    }

    let mut disagreements = Vec::new();
    for (name, actions) in CASES {
        git(&checkout, &["checkout", "-q", "--", "."]);
        let spec_path = checkout.join("spec/cni.yaml");
        let spec = std::fs::read_to_string(&baseline_spec).unwrap();
        let edited = cloudflare_cni_codegen::import::edit_with_actions(&spec, actions)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(&spec_path, edited).unwrap();
        let (ok, text) = run(&checkout, &xtask, &["generate"], &target);
        assert!(ok, "{name}: {text}");
        let (ok, text) = run(
            &checkout,
            &xtask,
            &[
                "diff",
                baseline_spec.to_str().unwrap(),
                "spec/cni.yaml",
                "--json",
            ],
            &target,
        );
        assert!(ok, "{name}: {text}");
        let report: Value = serde_json::from_str(&text).unwrap();
        for (krate, package, features) in CRATES {
            let table = report["crates"][krate].as_str().unwrap().to_string();
            let current = scratch.path().join(format!("{krate}.json"));
            rustdoc_json(&checkout, package, features, &target, &current);
            let (ok, output) = run(
                &checkout,
                &tool,
                &[
                    "semver-checks",
                    "check-release",
                    "--release-type",
                    "patch",
                    "--current-rustdoc",
                    current.to_str().unwrap(),
                    "--baseline-rustdoc",
                    baselines.join(format!("{krate}.json")).to_str().unwrap(),
                ],
                &target,
            );
            let found = tool_bump(ok, &output);
            eprintln!("{name}: {krate}: table {table}, cargo-semver-checks {found}");
            if rank(found) > rank(&table) {
                disagreements.push(format!(
                    "{name}: {krate}: the table says {table}, cargo-semver-checks requires {found}:\n{output}"
                ));
            }
            // The client and server re-export the types crate, whose items cargo-semver-checks
            // does not follow into another crate; the types crate itself must show it.
            if *name == "property removed" && *krate == "types" && found != "major" {
                disagreements.push(format!(
                    "{name}: {krate}: cargo-semver-checks should see a removed field as major, saw {found}"
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}
