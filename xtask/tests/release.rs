//! Release planning in a temporary git repository: an additive change bumps one level, a
//! breaking one the next, a documentation-only change a patch, and the CHANGELOG says which.

use std::fs;
use std::path::Path;
use std::process::Command;

use xtask::release::{self, ReleaseError};

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

fn repo(record: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("spec")).unwrap();
    let spec =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cni.yaml")).unwrap();
    fs::write(root.join("spec/cni.yaml"), spec).unwrap();
    fs::write(root.join("spec/release.toml"), record).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "release 0.3.0"]);
    git(root, &["tag", "v0.3.0"]);
    dir
}

fn edit(root: &Path, old: &str, new: &str) {
    let path = root.join("spec/cni.yaml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(old), "{old}");
    fs::write(&path, text.replacen(old, new, 1)).unwrap();
}

const RECORD: &str = "version = \"0.3.0\"\ntag = \"v0.3.0\"\n";

#[test]
fn additive_bumps_the_patch_on_0x_with_the_spec_version_as_metadata() {
    let dir = repo(RECORD);
    edit(dir.path(), "      properties:\n        name:\n          description: Name of the facility\n", "      properties:\n        clli:\n          description: CLLI code of the facility\n          type: string\n        name:\n          description: Name of the facility\n");
    let plan = release::plan(dir.path()).unwrap();
    assert_eq!(plan.next.to_string(), "0.3.1+spec.2026.07.27");
    assert_eq!(
        plan.changelog_section,
        "## 0.3.1+spec.2026.07.27\n\nGenerated from spec version 2026.07.27; changes since v0.3.0.\n\n\
         ### Additive\n\n- property `clli` added (`/components/schemas/FacilityInfo/properties/clli`)\n"
    );
}

#[test]
fn breaking_bumps_the_minor_on_0x() {
    let dir = repo(RECORD);
    edit(dir.path(), "        owner:\n          description: Owner of the interconnect\n          type: string\n", "");
    let plan = release::plan(dir.path()).unwrap();
    assert_eq!(plan.next.to_string(), "0.4.0+spec.2026.07.27");
    assert!(plan.changelog_section.contains("### Breaking\n\n- property `owner` removed (`/components/schemas/InterconnectPhysical/properties/owner`)\n"), "{}", plan.changelog_section);
}

#[test]
fn documentation_only_bumps_the_patch() {
    let dir = repo(RECORD);
    edit(
        dir.path(),
        "description: Name of the facility",
        "description: The facility's name",
    );
    edit(dir.path(), "version: 2026.07.27", "version: 2026.08.01");
    let plan = release::plan(dir.path()).unwrap();
    assert_eq!(plan.next.to_string(), "0.3.1+spec.2026.08.01");
    assert!(
        plan.changelog_section.contains("### Documentation\n"),
        "{}",
        plan.changelog_section
    );
    assert!(!plan.changelog_section.contains("### Additive"));
}

#[test]
fn from_1_0_the_levels_are_major_minor_patch() {
    let dir = repo("version = \"1.4.2\"\ntag = \"v0.3.0\"\n");
    edit(dir.path(), "      properties:\n        name:\n          description: Name of the facility\n", "      properties:\n        clli:\n          type: string\n        name:\n          description: Name of the facility\n");
    assert_eq!(
        release::plan(dir.path()).unwrap().next.to_string(),
        "1.5.0+spec.2026.07.27"
    );
}

#[test]
fn an_unchanged_spec_has_nothing_to_release_and_a_first_release_keeps_its_version() {
    let dir = repo(RECORD);
    assert!(
        matches!(release::plan(dir.path()), Err(ReleaseError::NothingToRelease(tag)) if tag == "v0.3.0")
    );
    let first = repo("version = \"0.1.0\"\n");
    let plan = release::plan(first.path()).unwrap();
    assert_eq!(plan.next.to_string(), "0.1.0+spec.2026.07.27");
    assert!(plan.changelog_section.contains("the first release"));
}

#[test]
fn the_changelog_keeps_earlier_sections_below_the_new_one() {
    let first = release::prepend_changelog(None, "## 0.1.0\n\nfirst\n");
    let second = release::prepend_changelog(Some(&first), "## 0.2.0\n\nsecond\n");
    assert!(second.starts_with("# Changelog\n"));
    let (new, old) = (
        second.find("## 0.2.0").unwrap(),
        second.find("## 0.1.0").unwrap(),
    );
    assert!(new < old, "{second}");
}
