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
    let out = tempfile::tempdir().unwrap();
    let spec = broken("dangling_ref.yaml");
    let run = xtask()
        .args(["generate", "--spec", &spec, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("{spec}:26:23: at /paths/~1things~1{{id}}/get/responses/200/content/application~1json/schema/$ref: dangling $ref")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn check_lists_stale_files_and_fails_then_passes_after_generate() {
    let out = tempfile::tempdir().unwrap();
    let check = || {
        xtask()
            .args(["generate", "--check", "--verbose", "--out"])
            .arg(out.path())
            .output()
            .unwrap()
    };
    let stale = check();
    assert!(!stale.status.success());
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(
        stderr.contains("missing: types/src/generated.rs"),
        "{stderr}"
    );
    assert!(stderr.contains("missing: client/Cargo.toml"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "--check writes nothing"
    );

    let generate = xtask()
        .args(["generate", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        generate.status.success(),
        "{}",
        String::from_utf8_lossy(&generate.stderr)
    );
    assert!(check().status.success());

    // A hand edit is caught, with a diff under --verbose.
    let file = out.path().join("types/README.md");
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
        "version = \"3.1.4+spec.x\"\ntag = \"v3.1.4\"\n",
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
    assert!(
        client.contains(
            "cloudflare-cni-types = { path = \"../types\", version = \"=3.1.4+spec.x\" }"
        ),
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
