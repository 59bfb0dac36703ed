//! The diff's rule table checked against the real tool: each spec change below goes through
//! `cargo xtask generate` and cargo-semver-checks (0.51, pinned, installed by
//! `scripts/install-semver-checks`) on the three generated crates, and the tool must never
//! require more than the table's bump for a crate. One target folder is shared by every case,
//! so the crates' dependencies are built once.

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

/// Removes the scratch worktrees, whatever ends the test.
struct Worktrees(Vec<PathBuf>);

impl Drop for Worktrees {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = Command::new("git")
                .args(["worktree", "remove", "--force"])
                .arg(path)
                .current_dir(repo())
                .output();
        }
    }
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

/// (name, what the spec says before, what it says after).
const CASES: &[(&str, &str, &str)] = &[
    (
        "optional response property added",
        "      properties:\n        name:\n          description: Name of the facility\n",
        "      properties:\n        clli:\n          description: CLLI code of the facility\n          type: string\n        name:\n          description: Name of the facility\n",
    ),
    (
        "required response property added",
        "      required: [account, name, type, slot_id, site, speed, facility]\n      properties:\n",
        "      required: [account, name, type, slot_id, site, speed, facility, virtual_port_reservation_id]\n      properties:\n        virtual_port_reservation_id:\n          description: Virtual port reservation\n          type: string\n          format: uuid\n",
    ),
    (
        "value added to a response enum",
        "      enum: [50M, 100M, 200M, 300M, 400M, 500M, 1G, 2G, 5G, 10G, 20G, 50G]\n      # The Rust names of the values, which are not identifiers.\n      x-enum-varnames: [Mbps50, Mbps100, Mbps200, Mbps300, Mbps400, Mbps500, Gbps1, Gbps2, Gbps5, Gbps10, Gbps20, Gbps50]",
        "      enum: [50M, 100M, 200M, 300M, 400M, 500M, 1G, 2G, 5G, 10G, 20G, 50G, 100G]\n      # The Rust names of the values, which are not identifiers.\n      x-enum-varnames: [Mbps50, Mbps100, Mbps200, Mbps300, Mbps400, Mbps500, Gbps1, Gbps2, Gbps5, Gbps10, Gbps20, Gbps50, Gbps100]",
    ),
    (
        "union variant added",
        "        - $ref: '#/components/schemas/InterconnectStatusHealthy'\n      discriminator:\n        propertyName: state\n        mapping:\n",
        "        - $ref: '#/components/schemas/InterconnectStatusHealthy'\n        - $ref: '#/components/schemas/InterconnectStatusProvisioning'\n      discriminator:\n        propertyName: state\n        mapping:\n          Provisioning: '#/components/schemas/InterconnectStatusProvisioning'\n",
    ),
    (
        "operation added",
        "  /accounts/{account_id}/cni/slots/{slot}:\n",
        "  /accounts/{account_id}/cni/slots/{slot}/ping:\n    get:\n      operationId: ping_slot\n      summary: Ping a slot\n      tags: [Slots]\n      parameters:\n        - name: account_id\n          in: path\n          required: true\n          description: Customer account tag\n          schema:\n            type: string\n        - name: slot\n          in: path\n          required: true\n          description: Slot ID\n          schema:\n            type: string\n            format: uuid\n      responses:\n        '200':\n          description: Pinged\n  /accounts/{account_id}/cni/slots/{slot}:\n",
    ),
    (
        "optional query parameter added",
        "        - name: address_contains\n",
        "        - name: facility\n          in: query\n          description: Only slots in this facility\n          schema:\n            type: string\n            nullable: true\n        - name: address_contains\n",
    ),
    (
        "first query parameter of an operation added",
        "      operationId: get_interconnect_loa\n      summary: Generate the Letter of Authorization (LOA) for a given interconnect\n      tags: [Interconnects]\n      x-api-token-group: [Magic WAN Write, Magic WAN Read, Magic Transit Read, Magic Transit Write]\n",
        "      operationId: get_interconnect_loa\n      summary: Generate the Letter of Authorization (LOA) for a given interconnect\n      tags: [Interconnects]\n      x-api-token-group: [Magic WAN Write, Magic WAN Read, Magic Transit Read, Magic Transit Write]\n      parameters:\n        - name: name\n          in: query\n          description: The name printed on the LOA\n          schema:\n            type: string\n            nullable: true\n",
    ),
    (
        "property removed",
        "        owner:\n          description: Owner of the interconnect\n          type: string\n        slot_id:",
        "        slot_id:",
    ),
];

/// The member schema the "union variant added" case needs, appended to the components.
const PROVISIONING: &str = "    InterconnectStatusProvisioning:\n      description: The interconnect is being provisioned.\n      type: object\n      required: [state]\n      properties:\n        state:\n          description: The state\n          type: string\n          enum: [Provisioning]\n";

#[test]
fn the_rule_table_never_promises_less_than_cargo_semver_checks_finds() {
    let repo = repo();
    let install = Command::new(repo.join("scripts/install-semver-checks"))
        .current_dir(&repo)
        .output()
        .expect("scripts/install-semver-checks runs");
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let tool = PathBuf::from(String::from_utf8_lossy(&install.stdout).trim().to_string());
    let xtask = PathBuf::from(env!("CARGO_BIN_EXE_xtask"));

    let scratch = tempfile::tempdir().unwrap();
    let (baseline, changed) = (
        scratch.path().join("baseline"),
        scratch.path().join("changed"),
    );
    let target = scratch.path().join("target");
    let _worktrees = Worktrees(vec![baseline.clone(), changed.clone()]);
    for dir in [&baseline, &changed] {
        git(
            &repo,
            &["worktree", "add", "--detach", "-q", dir.to_str().unwrap()],
        );
    }
    // The baseline is what this generator makes of the spec as it is.
    let (ok, text) = run(&baseline, &xtask, &["generate"], &target);
    assert!(ok, "{text}");

    let mut disagreements = Vec::new();
    for (name, before, after) in CASES {
        git(&changed, &["checkout", "-q", "--", "."]);
        let spec_path = changed.join("spec/cni.yaml");
        let spec = std::fs::read_to_string(&spec_path).unwrap();
        assert!(
            spec.contains(before),
            "{name}: the spec no longer says {before:?}"
        );
        let mut edited = spec.replacen(before, after, 1);
        if *name == "union variant added" {
            edited = edited.replacen(
                "    InterconnectList:\n",
                &format!("{PROVISIONING}    InterconnectList:\n"),
                1,
            );
        }
        std::fs::write(&spec_path, edited).unwrap();
        let (ok, text) = run(&changed, &xtask, &["generate"], &target);
        assert!(ok, "{name}: {text}");
        let (ok, text) = run(
            &changed,
            &xtask,
            &[
                "diff",
                baseline.join("spec/cni.yaml").to_str().unwrap(),
                "spec/cni.yaml",
                "--json",
            ],
            &target,
        );
        assert!(ok, "{name}: {text}");
        let report: Value = serde_json::from_str(&text).unwrap();
        for krate in ["types", "client", "server"] {
            let table = report["crates"][krate].as_str().unwrap().to_string();
            let (ok, output) = run(
                &changed,
                &tool,
                &[
                    "semver-checks",
                    "check-release",
                    "--release-type",
                    "patch",
                    "--manifest-path",
                    changed
                        .join(format!("generated/{krate}/Cargo.toml"))
                        .to_str()
                        .unwrap(),
                    "--baseline-root",
                    baseline
                        .join(format!("generated/{krate}"))
                        .to_str()
                        .unwrap(),
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
            if *name == "property removed" && krate == "types" && found != "major" {
                disagreements.push(format!(
                    "{name}: {krate}: cargo-semver-checks should see a removed field as major, saw {found}"
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}
