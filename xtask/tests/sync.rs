//! `cargo xtask sync PATH` in a clone of this checkout: a new revision of Cloudflare's document
//! is imported, diffed with each crate's bump, generated and planned as a release with a commit
//! message; a document that does not import stops it at that step, naming it, with nothing
//! written. (The fast test command, its fourth step, is skipped here: this test is part of it.)

use std::path::Path;
use std::process::Command;

use cloudflare_cni_codegen::evolution::{catalog, Mutation};
use cloudflare_cni_codegen::{import, source, SpecSource};

fn clone() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new("git")
        .args(["clone", "-q"])
        .arg(&repo)
        .arg(dir.path().join("checkout"))
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn sync(checkout: &Path, document: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(checkout)
        .arg("sync")
        .arg(document)
        .args(["--revision", "2099-03-01", "--skip-tests"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn a_new_revision_is_imported_generated_and_planned_and_a_broken_one_stops_at_import() {
    let dir = clone();
    let checkout = dir.path().join("checkout");
    let source = SpecSource {
        display_path: import::UPSTREAM_PATH.to_string(),
        text: std::fs::read_to_string(checkout.join(import::UPSTREAM_PATH)).unwrap(),
    };
    let mut upstream = source::parse(&source).unwrap().value;
    let added = catalog(&upstream)
        .into_iter()
        .find(|m| matches!(m, Mutation::AddEnumValue { .. }))
        .unwrap();
    added.apply(&mut upstream, "synced_value").unwrap();
    let document = dir.path().join("openapi.json");
    std::fs::write(&document, serde_json::to_string(&upstream).unwrap()).unwrap();

    let (ok, text) = sync(&checkout, &document);
    assert!(ok, "{text}");
    for expected in [
        "==> sync 1/5 import",
        "==> sync 2/5 diff",
        "additive (1)",
        "crates: types minor",
        "==> sync 3/5 generate",
        "skipped (--skip-tests)",
        "==> sync 5/5 plan",
        "| `cloudflare-cni-types` |",
        "commit message:",
        "Import Cloudflare's document, revision 2099.03.01: 0 breaking, 1 additive",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let generated =
        std::fs::read_to_string(checkout.join("generated/types/src/generated.rs")).unwrap();
    assert!(
        generated.contains("synced_value"),
        "generated from the new revision"
    );

    // A document that does not parse: stopped at the import, spec/ and generated/ untouched.
    let status = Command::new("git")
        .args(["stash", "-q", "--include-untracked"])
        .current_dir(&checkout)
        .status()
        .unwrap();
    assert!(status.success());
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "openapi: [unclosed\n").unwrap();
    let (ok, text) = sync(&checkout, &broken);
    assert!(!ok);
    assert!(text.contains("sync stopped at step `import`"), "{text}");
    assert!(!text.contains("==> sync 2/5"), "{text}");
    let changed = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(&checkout)
        .output()
        .unwrap();
    assert!(
        changed.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&changed.stdout)
    );
}
