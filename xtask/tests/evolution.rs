//! The evolution corpus: Cloudflare's document itself (`spec/upstream/cloudflare-cni.yaml`,
//! before the overlay) mutated in every way an API grows or breaks, each mutation derived from
//! what the document holds (`cloudflare_cni_codegen::evolution::catalog`: a value for every
//! enum, a member by `$ref` and one inline for every tagged union, a property of every shape
//! for the objects responses carry, an operation, query parameters, required fields, a removed
//! or retyped property, a renamed schema), with no change to `spec/overlay.yaml`.
//!
//! Each mutation goes through the import, the generator and the diff in-process, and an older
//! client (the types crate of this checkout) decodes the new API's answers and encodes them back
//! without losing a byte. The builds are what cost: every addition together makes one revision
//! (what an addition needs builds when all of them do), generated and `cargo check`ed in one
//! worktree and judged by cargo-semver-checks on the types, client and server crates; each
//! breaking change is generated and judged on its own. The diff's bump for a crate must never
//! be weaker than cargo-semver-checks finds (this is the rule table's agreement test: its cases
//! are mutations here). One target folder, `target/evolution/`, is kept across runs; each
//! baseline's rustdoc JSON is built once per run.
//!
//! The revision that grows in every way at once is also documented with warnings as errors
//! and its doctests run, as a user's `cargo doc` and `cargo test` would.
//!
//! Slow: it runs in the slow gate, `cargo xtask ci` (step `evolution`), and prints its table.

use std::path::{Path, PathBuf};
use std::process::Command;

use cloudflare_cni_codegen::evolution::{catalog, full_sample, Expected, Mutation};
use cloudflare_cni_codegen::{diff, import, load, render, source, Config, SpecSource};
use serde_json::Value;

const REVISION: &str = "2099-12-31";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> SpecSource {
    SpecSource {
        display_path: path.to_string(),
        text: std::fs::read_to_string(repo().join(path)).unwrap(),
    }
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

/// The generated crates cargo-semver-checks judges, with the features that make up their
/// public API (the client's `mock` module gains a method per operation).
const CRATES: &[(&str, &str, &[&str])] = &[
    ("types", "cloudflare-cni-types", &[]),
    ("client", "cloudflare-cni-client", &["mock"]),
    ("server", "cloudflare-cni-server", &[]),
];

/// The rustdoc JSON of `package` in the checkout at `dir` (as cargo-semver-checks itself builds
/// it on stable: rustdoc's JSON output behind RUSTC_BOOTSTRAP), copied to `keep`.
fn rustdoc_json(dir: &Path, package: &str, features: &[&str], target: &Path, keep: &Path) {
    let cargo = PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    let mut args = vec!["rustdoc", "--offline", "-q", "-p", package, "--lib"];
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

/// The older client: decodes an answer with this checkout's types (the ones the last release
/// shipped) and encodes it back; `Ok(true)` when nothing was lost.
fn older_client_round_trip(schema: &str, answer: &Value) -> Result<bool, String> {
    use cloudflare_cni_types as types;
    macro_rules! through {
        ($($name:ident),* $(,)?) => {
            match schema {
                $(stringify!($name) => {
                    let decoded: types::$name = serde_json::from_value(answer.clone()).map_err(|e| e.to_string())?;
                    serde_json::to_value(&decoded).map_err(|e| e.to_string())?
                })*
                other => return Err(format!("the older client has no answer type {other}")),
            }
        };
    }
    let encoded = through!(
        Cni,
        CniList,
        DefaultNameResponse,
        Interconnect,
        InterconnectList,
        InterconnectStatus,
        Settings,
        Slot,
        SlotList,
    );
    Ok(&encoded == answer)
}

/// What one mutation did, for the table.
struct Row {
    mutation: String,
    expected: Expected,
    import: String,
    generate: String,
    build: String,
    diff: String,
    tool: String,
    older_client: String,
}

/// The spec an upstream document imports to, loaded.
fn imported(upstream: &Value) -> Result<cloudflare_cni_codegen::LoadedSpec, String> {
    let source = SpecSource {
        display_path: format!("cloudflare-cni-{REVISION}.json"),
        text: serde_json::to_string(upstream).map_err(|e| e.to_string())?,
    };
    let imported = import::import_revision(&source, &read(import::OVERLAY_PATH), None)
        .map_err(|e| e.to_string())?;
    load(&SpecSource {
        display_path: "spec/cni.yaml".into(),
        text: imported.spec_text,
    })
    .map_err(|e| e.to_string())
}

#[test]
#[ignore = "slow: runs in the slow gate, `cargo xtask ci --only evolution`"]
fn cloudflares_next_revisions_flow_through_and_breaks_are_called_major() {
    let repo = repo();
    let upstream = source::parse(&read(import::UPSTREAM_PATH)).unwrap().value;
    let baseline = imported(&upstream).unwrap_or_else(|e| panic!("{e}"));
    let mutations = catalog(&upstream);
    // Every enum, union and response object of the document is covered by the catalogue's
    // own construction; the older client knows every answer type of this spec.
    let answers: std::collections::BTreeSet<String> = baseline
        .model
        .operations
        .iter()
        .filter_map(|op| match &op.success {
            cloudflare_cni_codegen::model::SuccessModel::Json(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    for answer in &answers {
        let known = older_client_round_trip(answer, &Value::Null);
        assert!(
            !matches!(&known, Err(e) if e.contains("has no answer type")),
            "add {answer} to the older client's list"
        );
    }

    // In-process, one mutation at a time: import, generate, diff, the older client.
    let mut rows = Vec::new();
    for mutation in &mutations {
        let mut changed = upstream.clone();
        mutation.apply(&mut changed, "added_value").unwrap();
        let mut row = Row {
            mutation: mutation.describe(),
            expected: mutation.expected(),
            import: String::new(),
            generate: "-".into(),
            build: "-".into(),
            diff: "-".into(),
            tool: "-".into(),
            older_client: "-".into(),
        };
        let spec = match imported(&changed) {
            Ok(spec) => spec,
            // A break the overlay no longer fits (Cloudflare removed or renamed what an
            // action describes, or retyped what it constrains): the import stops, naming the
            // action, and writes nothing; a person decides, as for any major change.
            Err(e) if mutation.expected() == Expected::Breaking => {
                let why = e.lines().nth(1).unwrap_or(&e).trim();
                let why: String = why.chars().take(140).collect();
                row.import = format!("refused: {why}…");
                rows.push(row);
                continue;
            }
            Err(e) => {
                row.import = format!("FAILED: {e}");
                rows.push(row);
                continue;
            }
        };
        row.import = "ok".into();
        row.generate = match render(&spec, &Config::default()) {
            Ok(_) => "ok".into(),
            Err(e) => format!("FAILED: {e}"),
        };
        let found = diff::diff(baseline.value(), spec.value());
        let impact = found.crate_impact();
        row.diff = format!(
            "{} (types {}, client {}, server {})",
            found.strongest().map_or("none", |c| c.as_str()),
            impact.types.as_str(),
            impact.client.as_str(),
            impact.server.as_str()
        );
        let mut lossless = 0;
        let mut problems = Vec::new();
        for op in &baseline.model.operations {
            let (cloudflare_cni_codegen::model::SuccessModel::Json(old), Some(new)) = (
                &op.success,
                spec.model.operations.iter().find(|n| n.id == op.id),
            ) else {
                continue;
            };
            let cloudflare_cni_codegen::model::SuccessModel::Json(new_schema) = &new.success else {
                continue;
            };
            let node = spec
                .value()
                .pointer(&format!("/components/schemas/{new_schema}"))
                .cloned()
                .unwrap_or_default();
            let answer = full_sample(spec.value(), &node, 0);
            match older_client_round_trip(old, &answer) {
                Ok(true) => lossless += 1,
                Ok(false) => problems.push(format!("{}: data lost", op.id)),
                Err(e) => problems.push(format!("{}: {e}", op.id)),
            }
        }
        row.older_client = match problems.is_empty() {
            true => format!("ok ({lossless} answers)"),
            false => problems.join("; "),
        };
        rows.push(row);
    }

    // The builds, in one worktree with one kept target folder.
    let tool = xtask::tools::Tools::machine()
        .and_then(|tools| tools.semver_checks())
        .unwrap_or_else(|e| panic!("{e}"));
    let xtask = PathBuf::from(env!("CARGO_BIN_EXE_xtask"));
    let kept = repo.join("target/evolution");
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
    // One revision in which the document grows in every way at once (labels keep the
    // additions apart), then each breaking change on its own.
    let mut grown = upstream.clone();
    for (i, mutation) in mutations
        .iter()
        .enumerate()
        .filter(|(_, m)| m.expected() == Expected::Additive)
    {
        mutation.apply(&mut grown, &format!("added_{i}")).unwrap();
    }
    let mut revisions: Vec<(Vec<usize>, Value)> = vec![(
        (0..mutations.len())
            .filter(|i| mutations[*i].expected() == Expected::Additive)
            .collect(),
        grown,
    )];
    for (i, mutation) in mutations
        .iter()
        .enumerate()
        .filter(|(i, m)| m.expected() == Expected::Breaking && rows[*i].import == "ok")
    {
        // One of each kind is built (the first that got through the import).
        let kind = std::mem::discriminant(mutation);
        if revisions
            .iter()
            .any(|(members, _)| std::mem::discriminant(&mutations[members[0]]) == kind)
        {
            continue;
        }
        let mut broken = upstream.clone();
        mutation.apply(&mut broken, "added_value").unwrap();
        revisions.push((vec![i], broken));
    }
    let mut disagreements = Vec::new();
    for (members, document) in &revisions {
        git(&checkout, &["checkout", "-q", "--", "."]);
        let additive = mutations[members[0]].expected() == Expected::Additive;
        eprintln!(
            "evolution: building {}",
            match additive {
                true => format!("one revision of all {} additions", members.len()),
                false => mutations[members[0]].describe(),
            }
        );
        let revision_file = checkout.join(format!("cloudflare-cni-{REVISION}.json"));
        std::fs::write(&revision_file, serde_json::to_string(document).unwrap()).unwrap();
        // The revision that grows in every way is kept, for a maintainer to take through the
        // rest of the release by hand (`cargo xtask import` it, then `release --dry-run`).
        if additive {
            std::fs::copy(&revision_file, kept.join("growing-revision.json")).unwrap();
        }
        let (ok, text) = run(
            &checkout,
            &xtask,
            &["import", revision_file.to_str().unwrap()],
            &target,
        );
        assert!(ok, "{}: {text}", mutations[members[0]].describe());
        let (ok, text) = run(&checkout, &xtask, &["generate"], &target);
        assert!(ok, "{text}");
        // What users build: the generated crates (and, for a revision that only grows, the
        // emulator built on the server trait).
        let mut check = vec![
            "check",
            "--offline",
            "-q",
            "-p",
            "cloudflare-cni-types",
            "-p",
            "cloudflare-cni-client",
            "-p",
            "cloudflare-cni-server",
            "-p",
            "cloudflare-cni",
        ];
        if additive {
            check.extend(["-p", "cloudflare-cni-emulator"]);
        }
        let cargo = PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        let (mut built, mut build_text) = run(&checkout, &cargo, &check, &target);
        if !built {
            eprintln!("evolution: the build failed:\n{build_text}");
        }
        // What users read and run of a revision that grows: the generated crates' docs with
        // warnings as errors (Cloudflare's Markdown: code fences, bare URLs, placeholders) and
        // their doctests (a fence that is not Rust must not become one).
        if additive && built {
            let generated = [
                "-p",
                "cloudflare-cni-types",
                "-p",
                "cloudflare-cni-client",
                "-p",
                "cloudflare-cni-server",
                "-p",
                "cloudflare-cni",
            ];
            // (name, cargo's arguments, an environment variable it runs with)
            type Step<'a> = (&'a str, Vec<&'a str>, Option<(&'a str, &'a str)>);
            let steps: [Step; 2] = [
                (
                    "docs",
                    [&["doc", "--offline", "-q", "--no-deps"][..], &generated].concat(),
                    Some(("RUSTDOCFLAGS", "-D warnings")),
                ),
                (
                    "doctests",
                    [&["test", "--offline", "-q", "--doc"][..], &generated].concat(),
                    None,
                ),
            ];
            for (name, args, env) in steps {
                let mut command = Command::new(&cargo);
                command
                    .args(&args)
                    .current_dir(&checkout)
                    .env("CARGO_TARGET_DIR", &target);
                if let Some((key, value)) = env {
                    command.env(key, value);
                }
                let output = command.output().unwrap_or_else(|e| panic!("cargo: {e}"));
                if !output.status.success() {
                    built = false;
                    build_text = format!(
                        "error: {name}: {}{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    );
                    eprintln!("evolution: the {name} failed:\n{build_text}");
                    break;
                }
                eprintln!("evolution: the growing revision's {name}: ok");
            }
        }
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
        assert!(ok, "{text}");
        let report: Value = serde_json::from_str(&text).unwrap();
        // A break is judged on the types crate (the client and server re-export it, and
        // cargo-semver-checks does not follow re-exports); a growing revision on all three.
        let judged: &[(&str, &str, &[&str])] = if additive { CRATES } else { &CRATES[..1] };
        let mut verdicts = Vec::new();
        for (krate, package, features) in judged {
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
            verdicts.push(format!("{krate} {found}"));
            if rank(found) > rank(&table) {
                disagreements.push(format!(
                    "{}: {krate}: the diff says {table}, cargo-semver-checks requires {found}:\n{output}",
                    mutations[members[0]].describe()
                ));
            }
            if additive && rank(found) > rank("minor") {
                disagreements.push(format!("the growing revision: {krate}: cargo-semver-checks requires {found}:\n{output}"));
            }
        }
        let batch = if additive {
            "every addition at once: ".to_string()
        } else {
            String::new()
        };
        for &i in members {
            rows[i].build = match built {
                true => format!("{batch}ok"),
                false => format!(
                    "{batch}FAILED: {}",
                    build_text
                        .lines()
                        .find(|l| l.starts_with("error"))
                        .unwrap_or("")
                ),
            };
            rows[i].tool = format!("{batch}{}", verdicts.join(", "));
        }
    }

    // The table, then the verdicts.
    println!("\n| # | mutation | expected | import | generate | build | diff | cargo-semver-checks | older client |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (i, row) in rows.iter().enumerate() {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            row.mutation,
            match row.expected {
                Expected::Additive => "additive",
                Expected::Breaking => "breaking",
            },
            row.import,
            row.generate,
            row.build,
            row.diff,
            row.tool,
            row.older_client
        );
    }
    println!(
        "\n{} mutations: {} additive, {} breaking",
        rows.len(),
        rows.iter()
            .filter(|r| r.expected == Expected::Additive)
            .count(),
        rows.iter()
            .filter(|r| r.expected == Expected::Breaking)
            .count()
    );
    let mut problems = disagreements;
    for row in &rows {
        let failed = [&row.import, &row.generate, &row.build]
            .iter()
            .any(|c| c.contains("FAILED"));
        match row.expected {
            Expected::Additive => {
                if failed {
                    problems.push(format!(
                        "{}: an addition must import, generate and build: {} / {} / {}",
                        row.mutation, row.import, row.generate, row.build
                    ));
                }
                if !row.diff.starts_with("additive") || row.diff.contains("major") {
                    problems.push(format!(
                        "{}: the diff must call an addition additive and minor at most: {}",
                        row.mutation, row.diff
                    ));
                }
                if !row.older_client.starts_with("ok") {
                    problems.push(format!(
                        "{}: an older client must decode the new answers losing nothing: {}",
                        row.mutation, row.older_client
                    ));
                }
            }
            Expected::Breaking if row.import.starts_with("refused") => {}
            Expected::Breaking => {
                if !(row.diff.starts_with("breaking") && row.diff.contains("types major")) {
                    problems.push(format!(
                        "{}: the diff must call a break major: {}",
                        row.mutation, row.diff
                    ));
                }
            }
        }
    }
    // Every kind of break went the whole way at least once.
    type IsKind = fn(&Mutation) -> bool;
    let kinds: [(&str, IsKind); 4] = [
        ("a removed property", |m| {
            matches!(m, Mutation::RemoveResponseProperty { .. })
        }),
        ("a retyped property", |m| {
            matches!(m, Mutation::ChangePropertyType { .. })
        }),
        ("a renamed schema", |m| {
            matches!(m, Mutation::RenameSchema { .. })
        }),
        ("a required request property", |m| {
            matches!(m, Mutation::AddRequiredRequestProperty { .. })
        }),
    ];
    for (kind, is) in kinds {
        if !rows
            .iter()
            .zip(&mutations)
            .any(|(row, m)| is(m) && row.import == "ok")
        {
            problems.push(format!("no mutation of {kind} went through the import"));
        }
    }
    // Where cargo-semver-checks has a lint for the break, it sees it too.
    for (row, mutation) in rows.iter().zip(&mutations) {
        let has_lint = matches!(
            mutation,
            Mutation::RemoveResponseProperty { .. } | Mutation::RenameSchema { .. }
        ) && row.import == "ok"
            && row.tool != "-";
        if has_lint && !row.tool.contains("types major") {
            problems.push(format!(
                "{}: cargo-semver-checks should find the break on the types crate: {}",
                row.mutation, row.tool
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
