//! `cargo xtask generate` as a maintainer runs it: exit codes and messages.

use std::path::Path;
use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn broken(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../codegen/generator/tests/broken")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_broken_spec_exits_non_zero_naming_file_line_and_pointer() {
    let root = scratch_checkout();
    let out = root.path().join("generated");
    std::fs::create_dir_all(&out).unwrap();
    let spec = broken("dangling_ref.yaml");
    let run = xtask()
        .arg("--root")
        .arg(root.path())
        .args(["generate", "--spec", &spec])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("{spec}:26:23: at /paths/~1things~1{{id}}/get/responses/200/content/application~1json/schema/$ref: dangling $ref")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "nothing written"
    );
}

/// A scratch checkout holding a copy of the spec.
fn scratch_checkout() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::create_dir_all(root.path().join("spec")).unwrap();
    std::fs::copy(
        repo.join("spec/cni.yaml"),
        root.path().join("spec/cni.yaml"),
    )
    .unwrap();
    root
}

#[test]
fn check_lists_stale_files_and_fails_then_passes_after_generate() {
    let root = scratch_checkout();
    let out = root.path().join("generated");
    std::fs::create_dir_all(&out).unwrap();
    let in_root = |args: &[&str]| {
        xtask()
            .arg("--root")
            .arg(root.path())
            .args(args)
            .output()
            .unwrap()
    };
    let check = || in_root(&["generate", "--check", "--verbose"]);
    let stale = check();
    assert!(!stale.status.success());
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(
        stderr.contains("missing: types/src/generated.rs"),
        "{stderr}"
    );
    assert!(stderr.contains("missing: client/Cargo.toml"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "--check writes nothing"
    );

    let generate = in_root(&["generate"]);
    assert!(
        generate.status.success(),
        "{}",
        String::from_utf8_lossy(&generate.stderr)
    );
    assert!(check().status.success());

    // A hand edit is caught, with a diff under --verbose.
    let file = out.join("types/README.md");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("hand edit\n");
    std::fs::write(&file, text).unwrap();
    let edited = check();
    assert!(!edited.status.success());
    let stderr = String::from_utf8_lossy(&edited.stderr);
    assert!(stderr.contains("changed: types/README.md"), "{stderr}");
    assert!(stderr.contains("-hand edit"), "{stderr}");
}

#[test]
fn generate_takes_the_version_from_the_release_record() {
    let root = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::create_dir_all(root.path().join("spec")).unwrap();
    std::fs::copy(
        repo.join("spec/cni.yaml"),
        root.path().join("spec/cni.yaml"),
    )
    .unwrap();
    std::fs::write(
        root.path().join("spec/release.toml"),
        "tag = \"release-7\"\n[versions]\ncloudflare-cni-types = \"3.1.4+spec.x\"\ncloudflare-cni-client = \"2.0.1+spec.x\"\n",
    )
    .unwrap();
    let run = xtask()
        .arg("--root")
        .arg(root.path())
        .arg("generate")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let types = std::fs::read_to_string(root.path().join("generated/types/Cargo.toml")).unwrap();
    assert!(types.contains("version = \"3.1.4+spec.x\""), "{types}");
    let client = std::fs::read_to_string(root.path().join("generated/client/Cargo.toml")).unwrap();
    assert!(client.contains("version = \"2.0.1+spec.x\""), "{client}");
    // A requirement carries no build metadata (Cargo ignores it there, and warns).
    assert!(
        client.contains("cloudflare-cni-types = { path = \"../types\", version = \"=3.1.4\" }"),
        "{client}"
    );
    // And --check agrees with what generate wrote.
    let check = xtask()
        .arg("--root")
        .arg(root.path())
        .args(["generate", "--check"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn generating_outside_the_workspace_is_refused_and_writes_nothing() {
    let elsewhere = tempfile::tempdir().unwrap();
    let run = xtask()
        .args(["generate", "--out"])
        .arg(elsewhere.path())
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("inherit this workspace's dependencies"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Removes a worktree, whatever ends the test.
struct Worktree<'a> {
    repo: &'a Path,
    path: std::path::PathBuf,
}

impl Drop for Worktree<'_> {
    fn drop(&mut self) {
        let _ = Command::new("git")
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .current_dir(self.repo)
            .output();
    }
}

/// Two worktrees of one repository sharing one target folder share one xtask binary (this
/// test's): run inside the second, it must work on the second, never on the checkout it was
/// built from.
#[test]
fn xtask_works_on_the_checkout_it_runs_in() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let scratch = tempfile::tempdir().unwrap();
    let worktree = Worktree {
        repo: &repo,
        path: scratch.path().join("second"),
    };
    git(
        &repo,
        &[
            "worktree",
            "add",
            "--detach",
            "-q",
            worktree.path.to_str().unwrap(),
        ],
    );
    let second = &worktree.path;
    let ours = repo.join("generated/types/README.md");
    let ours_before = std::fs::read(&ours).unwrap();
    let in_second = |args: &[&str]| {
        // From a folder below the root, as a maintainer might run it.
        xtask()
            .args(args)
            .current_dir(second.join("spec"))
            .output()
            .unwrap()
    };
    // Regenerate the second checkout with this binary, then change its spec.
    let generate = in_second(&["generate"]);
    assert!(
        generate.status.success(),
        "{}",
        String::from_utf8_lossy(&generate.stderr)
    );
    let spec = second.join("spec/cni.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replacen("title: ", "title: Second ", 1)).unwrap();
    let check = in_second(&["generate", "--check"]);
    assert!(
        !check.status.success(),
        "the second checkout's edit is seen"
    );
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains("changed: types/README.md"), "{stderr}");
    let generate = in_second(&["generate"]);
    assert!(generate.status.success());
    let theirs = std::fs::read_to_string(second.join("generated/types/README.md")).unwrap();
    assert!(
        theirs.contains("Second "),
        "the second checkout was regenerated"
    );
    assert_eq!(
        std::fs::read(&ours).unwrap(),
        ours_before,
        "this checkout was left alone"
    );
}

/// A scratch checkout with the import's inputs and outputs.
fn scratch_import_checkout() -> tempfile::TempDir {
    let root = scratch_checkout();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::create_dir_all(root.path().join("spec/upstream")).unwrap();
    for file in [
        "spec/overlay.yaml",
        "spec/README.md",
        "spec/upstream/cloudflare-cni.yaml",
    ] {
        std::fs::copy(repo.join(file), root.path().join(file)).unwrap();
    }
    root
}

fn spec_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "spec/cni.yaml",
        "spec/README.md",
        "spec/upstream/cloudflare-cni.yaml",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(root.join(f)).unwrap()))
    .collect()
}

#[test]
fn an_overlay_action_that_no_longer_applies_fails_the_import_and_writes_nothing() {
    let root = scratch_import_checkout();
    // Cloudflare "renames" a schema an action patches: import a document where it is gone.
    let upstream = root.path().join("renamed.yaml");
    let text = std::fs::read_to_string(root.path().join("spec/upstream/cloudflare-cni.yaml"))
        .unwrap()
        .replace("nsc_MagicSettings", "nsc_MagicConfig");
    std::fs::write(&upstream, text).unwrap();
    let before = spec_files(root.path());
    let run = xtask()
        .arg("--root")
        .arg(root.path())
        .arg("import")
        .arg(&upstream)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("spec/overlay.yaml:")
            // The description-only action is skipped; the MTU's format is meaning, and stops it.
            && stderr.contains("matches nothing: its target `$.components.schemas.nsc_MagicSettings.properties.mtu`")
            && !stderr.contains("(“Descriptions where Cloudflare has none, for generated docs.”) matches nothing"),
        "{stderr}"
    );
    assert_eq!(spec_files(root.path()), before, "nothing written");
}

#[test]
fn import_check_passes_on_the_committed_spec_and_fails_naming_a_stale_file() {
    let root = scratch_import_checkout();
    let import = |args: &[&str]| {
        xtask()
            .arg("--root")
            .arg(root.path())
            .arg("import")
            .args(args)
            .output()
            .unwrap()
    };
    let clean = import(&["--check"]);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let spec = root.path().join("spec/cni.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replacen("summary: ", "summary: Hand-edited ", 1),
    )
    .unwrap();
    let stale = import(&["--check"]);
    assert!(!stale.status.success());
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(stderr.contains("changed: spec/cni.yaml"), "{stderr}");
    let fixed = import(&[]);
    assert!(
        fixed.status.success(),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), text);
}

/// The revision is an input: a document's dated file name (or `--revision`) labels the import,
/// and `info.version` (so the crates' docs, version metadata and `api-version`) follows it
/// with no overlay edit; another document under a label already used is refused, and a
/// document whose revision cannot be told asks for `--revision`. Refusals write nothing.
#[test]
fn the_revision_comes_from_the_document_and_one_label_names_one_document() {
    let root = scratch_import_checkout();
    let committed =
        std::fs::read_to_string(root.path().join("spec/upstream/cloudflare-cni.yaml")).unwrap();
    // Cloudflare's document without our header, as it is published, with one change.
    let published: String = committed
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replacen("summary: ", "summary: Revised ", 1);
    let import = |path: &std::path::Path, args: &[&str]| {
        xtask()
            .arg("--root")
            .arg(root.path())
            .arg("import")
            .arg(path)
            .args(args)
            .output()
            .unwrap()
    };

    let dated = root.path().join("cloudflare-cni-2026-09-01.yaml");
    std::fs::write(&dated, &published).unwrap();
    let run = import(&dated, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("(revision 2026-09-01)"));
    let spec = std::fs::read_to_string(root.path().join("spec/cni.yaml")).unwrap();
    assert!(
        spec.contains("  version: 2026.09.01\n"),
        "info.version follows the revision"
    );
    let upstream =
        std::fs::read_to_string(root.path().join("spec/upstream/cloudflare-cni.yaml")).unwrap();
    assert!(upstream.contains("# Revision: 2026-09-01."), "{upstream}");

    let before = spec_files(root.path());
    let other = root.path().join("other.yaml");
    std::fs::write(
        &other,
        published.replacen("summary: Revised ", "summary: Again ", 1),
    )
    .unwrap();
    let relabelled = import(&other, &["--revision", "2026-09-01"]);
    assert!(!relabelled.status.success());
    let stderr = String::from_utf8_lossy(&relabelled.stderr);
    assert!(
        stderr.contains("revision 2026-09-01 is already the label of a different document"),
        "{stderr}"
    );
    let undated = import(&other, &[]);
    assert!(!undated.status.success());
    let stderr = String::from_utf8_lossy(&undated.stderr);
    assert!(
        stderr.contains("cannot tell which revision") && stderr.contains("--revision"),
        "{stderr}"
    );
    assert_eq!(spec_files(root.path()), before, "nothing written");

    // The same document again under its own label is a no-op, not a conflict.
    let again = import(&dated, &[]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(spec_files(root.path()), before);
}
