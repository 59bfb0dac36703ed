//! Release planning in a temporary git repository: an additive change bumps one level, a
//! breaking one the next, a documentation-only change a patch, and the CHANGELOG says which.

use std::fs;
use std::path::Path;
use std::process::Command;

use xtask::release::{self, ReleaseError};
use xtask::workspace::{CrateKind, PublishedCrate};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A repository released once, as `release-3`: the spec, and one hand-written crate.
fn repo(record: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("spec")).unwrap();
    fs::create_dir_all(root.join("runtime/src")).unwrap();
    fs::write(root.join("runtime/src/lib.rs"), "pub fn f() {}\n").unwrap();
    let spec =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cni.yaml")).unwrap();
    fs::write(root.join("spec/cni.yaml"), spec).unwrap();
    fs::write(root.join("spec/release.toml"), record).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "release 3"]);
    git(root, &["tag", "release-3"]);
    dir
}

fn crates() -> Vec<PublishedCrate> {
    let krate = |name: &str, dir: &str, kind| PublishedCrate {
        name: name.into(),
        dir: dir.into(),
        kind,
    };
    vec![
        krate("runtime", "runtime", CrateKind::HandWritten),
        krate("types", "generated/types", CrateKind::Types),
        krate("client", "generated/client", CrateKind::Client),
        krate("server", "generated/server", CrateKind::Server),
    ]
}

/// Each crate's next version in the plan (`-` when it is not released).
fn versions(plan: &release::ReleasePlan) -> Vec<(String, String)> {
    plan.crates
        .iter()
        .map(|c| {
            let next = c.next.as_ref().map_or("-".to_string(), ToString::to_string);
            (c.name.clone(), next)
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Edits the scratch repository's spec with overlay actions.
fn edit(root: &Path, actions: &str) {
    let path = root.join("spec/cni.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let edited = cloudflare_cni_codegen::import::edit_with_actions(&text, actions)
        .unwrap_or_else(|e| panic!("{e}"));
    fs::write(&path, edited).unwrap();
}

const CLLI_ADDED: &str = "
- target: $.components.schemas.FacilityInfo.properties
  description: an optional property added
  update: {clli: {description: CLLI code of the facility, type: string}}
";

const PING_SLOT_ADDED: &str = "
- target: $.paths
  description: an operation added
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
";

const RECORD: &str = "tag = \"release-3\"\n[versions]\nruntime = \"0.4.1\"\ntypes = \"0.3.0\"\nclient = \"0.3.0\"\nserver = \"0.3.2\"\n";

#[test]
fn each_crate_moves_by_its_own_impact_and_unchanged_ones_stay() {
    // A property added: the types crate gains a field (minor); the client and server, which
    // re-export the types, follow; the runtime did not change and is not released.
    let dir = repo(RECORD);
    edit(dir.path(), CLLI_ADDED);
    let plan = release::plan::plan(dir.path(), &crates()).unwrap();
    assert_eq!(
        versions(&plan),
        pairs(&[
            ("runtime", "-"),
            ("types", "0.3.1+spec.2026.08.14"),
            ("client", "0.3.1+spec.2026.08.14"),
            ("server", "0.3.3+spec.2026.08.14"),
        ])
    );
    assert_eq!(plan.tag, "release-4");
    assert!(
        release::changelog::section(&plan)
            .contains("| `runtime` | 0.4.1 (unchanged, not released) | |"),
        "{}",
        release::changelog::section(&plan)
    );
    assert!(
        release::changelog::section(&plan).contains("- /components/schemas/FacilityInfo/properties/clli: property `clli` added [types minor, client patch, server patch]"),
        "{}",
        release::changelog::section(&plan)
    );
    // The record after the release keeps the runtime's version.
    let record = plan.record();
    assert_eq!(record.versions["runtime"], "0.4.1");
    assert_eq!(record.tag.as_deref(), Some("release-4"));
}

/// The last release's spec is read as it was: release-2 shipped `x-enum-varnames`, which the
/// lint refuses since; the next release still plans against it (it stopped at "the spec of
/// the last release does not load" before).
#[test]
fn a_release_made_before_a_lint_rule_still_plans_the_next() {
    let dir = repo(RECORD);
    let root = dir.path();
    let path = root.join("spec/cni.yaml");
    let spec = xtask::workspace::earlier_spec_value("cni.yaml", fs::read_to_string(&path).unwrap())
        .unwrap();
    let values = spec
        .pointer("/components/schemas/ApiBandwidth/enum")
        .and_then(|v| v.as_array())
        .unwrap()
        .len();
    let names: Vec<String> = (0..values).map(|n| format!("Speed{n}")).collect();
    edit(
        root,
        &format!(
            "
- target: $.components.schemas.ApiBandwidth
  description: the names by position, as release-2 had them
  update: {{x-enum-varnames: {names:?}}}
- target: $.components.schemas.ApiBandwidth['x-cni-enum-names']
  description: not yet
  remove: true
"
        ),
    );
    assert!(fs::read_to_string(&path)
        .unwrap()
        .contains("x-enum-varnames"));
    git(root, &["commit", "-q", "-am", "release 3, as it was"]);
    git(root, &["tag", "-f", "release-3"]);
    // Today's spec: the same with the names by value, and a property added.
    let today =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cni.yaml")).unwrap();
    fs::write(&path, today).unwrap();
    edit(root, CLLI_ADDED);
    let plan = release::plan::plan(root, &crates()).unwrap();
    assert_eq!(
        versions(&plan)[1],
        ("types".into(), "0.3.1+spec.2026.08.14".into())
    );
}

#[test]
fn a_removed_property_is_major_and_an_operation_added_moves_client_and_server_only() {
    let dir = repo(RECORD);
    edit(
        dir.path(),
        "- {target: $.components.schemas.InterconnectDirect.properties.owner, description: removed, remove: true}",
    );
    let plan = release::plan::plan(dir.path(), &crates()).unwrap();
    // On 0.x a major change moves the minor number.
    assert_eq!(
        plan.crates[1].next.as_ref().unwrap().to_string(),
        "0.4.0+spec.2026.08.14"
    );
    assert_eq!(
        plan.crates[3].next.as_ref().unwrap().to_string(),
        "0.4.0+spec.2026.08.14"
    );
    assert!(
        release::changelog::section(&plan)
            .contains("### Breaking on the wire\n\n- /components/schemas/InterconnectDirect/properties/owner: property `owner` removed"),
        "{}",
        release::changelog::section(&plan)
    );

    let dir = repo(RECORD);
    edit(dir.path(), PING_SLOT_ADDED);
    let plan = release::plan::plan(dir.path(), &crates()).unwrap();
    let bumps: Vec<Option<&str>> = plan
        .crates
        .iter()
        .map(|c| c.bump.map(|b| b.as_str()))
        .collect();
    assert_eq!(bumps, [None, Some("patch"), Some("minor"), Some("minor")]);
}

#[test]
fn a_changed_runtime_crate_is_released_alone() {
    let dir = repo(RECORD);
    fs::write(
        dir.path().join("runtime/src/lib.rs"),
        "pub fn f() {}\npub fn g() {}\n",
    )
    .unwrap();
    git(dir.path(), &["commit", "-qam", "runtime change"]);
    let plan = release::plan::plan(dir.path(), &crates()).unwrap();
    assert_eq!(
        versions(&plan),
        pairs(&[
            ("runtime", "0.5.0"),
            ("types", "-"),
            ("client", "-"),
            ("server", "-")
        ])
    );
}

#[test]
fn a_crate_new_since_the_last_release_has_its_first_release_unchecked() {
    let dir = repo(RECORD);
    fs::create_dir_all(dir.path().join("emulator/src")).unwrap();
    fs::write(dir.path().join("emulator/src/lib.rs"), "pub fn run() {}\n").unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "a new published crate"]);
    let mut with_new = crates();
    with_new.push(PublishedCrate {
        name: "emulator".into(),
        dir: "emulator".into(),
        kind: CrateKind::HandWritten,
    });
    let plan = release::plan::plan(dir.path(), &with_new).unwrap();
    assert_eq!(
        versions(&plan),
        pairs(&[
            ("runtime", "-"),
            ("types", "-"),
            ("client", "-"),
            ("server", "-"),
            ("emulator", "0.1.0")
        ])
    );
    let emulator = &plan.crates[4];
    assert!(
        emulator.first_release && !emulator.provisional,
        "{emulator:?}"
    );
    assert!(
        release::changelog::section(&plan).contains("its first release"),
        "{}",
        release::changelog::section(&plan)
    );
    assert!(plan.crates[..4].iter().all(|c| !c.first_release));
}

#[test]
fn nothing_changed_has_nothing_to_release_and_a_first_release_keeps_its_versions() {
    let dir = repo(RECORD);
    assert!(
        matches!(release::plan::plan(dir.path(), &crates()), Err(ReleaseError::NothingToRelease(tag)) if tag == "release-3")
    );
    let first = repo("[versions]\ntypes = \"0.1.0\"\n");
    let plan = release::plan::plan(first.path(), &crates()).unwrap();
    assert_eq!(
        plan.crates[1].next.as_ref().unwrap().to_string(),
        "0.1.0+spec.2026.08.14"
    );
    assert_eq!(plan.crates[0].next.as_ref().unwrap().to_string(), "0.1.0");
    assert_eq!(plan.tag, "release-1");
    assert!(release::changelog::section(&plan).contains("the first release"));
}

#[test]
fn the_changelog_keeps_earlier_sections_below_the_new_one() {
    let first = release::changelog::prepend(None, "## 0.1.0\n\nfirst\n");
    let second = release::changelog::prepend(Some(&first), "## 0.2.0\n\nsecond\n");
    assert!(second.starts_with("# Changelog\n"));
    let (new, old) = (
        second.find("## 0.2.0").unwrap(),
        second.find("## 0.1.0").unwrap(),
    );
    assert!(new < old, "{second}");
}

#[test]
fn a_clone_without_the_tag_finds_the_release_by_its_record() {
    let dir = repo(RECORD);
    git(dir.path(), &["tag", "-d", "release-3"]);
    edit(dir.path(), CLLI_ADDED);
    git(dir.path(), &["commit", "-qam", "a property added"]);
    let plan = release::plan::plan(dir.path(), &crates()).unwrap();
    assert_eq!(plan.previous_tag.as_deref(), Some("release-3"));
    assert_eq!(
        plan.crates[1].next.as_ref().unwrap().to_string(),
        "0.3.1+spec.2026.08.14"
    );
    assert_eq!(plan.crates[0].next, None, "the runtime did not change");
}

#[test]
fn a_generator_change_waits_for_cargo_semver_checks_and_never_goes_below_the_spec() {
    let dir = repo(RECORD);
    fs::create_dir_all(dir.path().join("codegen/generator")).unwrap();
    fs::write(dir.path().join("codegen/generator/lib.rs"), "// v2\n").unwrap();
    edit(dir.path(), CLLI_ADDED);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "generator and spec changed"]);
    let mut plan = release::plan::plan(dir.path(), &crates()).unwrap();
    let provisional: Vec<&str> = plan.provisional().map(|c| c.name.as_str()).collect();
    assert_eq!(provisional, ["types", "client", "server"]);
    assert_eq!(
        plan.crates[1].next.as_ref().unwrap().to_string(),
        "0.4.0+spec.2026.08.14",
        "taken as major until the tool decides"
    );
    // The tool finds the generated API unchanged for the client and server: the types keep
    // the spec's minor, and the client and server follow the types they re-export.
    use cloudflare_cni_codegen::diff::Bump;
    plan.settle(
        &[
            ("types".into(), Bump::Patch),
            ("client".into(), Bump::Patch),
            ("server".into(), Bump::Patch),
        ],
        &crates(),
    );
    assert_eq!(
        versions(&plan),
        pairs(&[
            ("runtime", "-"),
            ("types", "0.3.1+spec.2026.08.14"),
            ("client", "0.3.1+spec.2026.08.14"),
            ("server", "0.3.3+spec.2026.08.14"),
        ])
    );
    assert!(plan.provisional().next().is_none());
    assert!(
        release::changelog::section(&plan)
            .contains("| `types` | 0.3.0 → 0.3.1+spec.2026.08.14 | the spec: minor |"),
        "{}",
        release::changelog::section(&plan)
    );
    // A break the spec does not show (the generator's) is the tool's to find: major.
    let mut plan = release::plan::plan(dir.path(), &crates()).unwrap();
    plan.settle(&[("types".into(), Bump::Major)], &crates());
    assert_eq!(
        plan.crates[1].next.as_ref().unwrap().to_string(),
        "0.4.0+spec.2026.08.14"
    );
    assert!(plan.crates[1].reason.contains("cargo-semver-checks: major"));
}
