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

/// One document through `cargo xtask sync` as the scheduled workflow runs it (`--revision`
/// with the day's date), timed and measured: its outcome, the wall time and the peak memory.
struct Run {
    ok: bool,
    text: String,
    seconds: f64,
    peak_kib: u64,
}

fn measured_sync(checkout: &Path, document: &Path, extra: &[&str]) -> Run {
    let measure = checkout.join("../time.txt");
    let started = std::time::Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-o")
        .arg(&measure)
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(checkout)
        .arg("sync")
        .arg(document)
        .args(["--revision", "2099-03-01", "--skip-tests"])
        .args(extra)
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let peak_kib = std::fs::read_to_string(&measure)
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    Run {
        ok: output.status.success(),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        seconds,
        peak_kib,
    }
}

fn git(checkout: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(checkout)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Puts the checkout back as committed (what the workflow starts from each day).
fn reset(checkout: &Path) {
    git(checkout, &["checkout", "-q", "--", "."]);
    git(checkout, &["clean", "-qfd"]);
}

/// The workflow's outcomes, each asserted, over the sequence of documents a maintainer meets:
/// Cloudflare's document republished with the CNI section as it was (nothing: no pull request,
/// no relabelling), another product changed (nothing), a CNI addition (the pull request's
/// content), a CNI removal (a major proposal, the skipped description reported), a partial
/// loss (refused, listing what is gone), an alias bomb and an over-sized document (refused, in
/// bounded time and memory), empty `paths` (refused). A refusal exits non-zero, which fails
/// the workflow's step visibly; only a change leaves `git diff` non-empty, which is what opens
/// a pull request.
#[test]
fn the_workflows_outcomes_over_a_sequence_of_documents() {
    let dir = clone();
    let checkout = dir.path().join("checkout");
    let source = SpecSource {
        display_path: import::UPSTREAM_PATH.to_string(),
        text: std::fs::read_to_string(checkout.join(import::UPSTREAM_PATH)).unwrap(),
    };
    let upstream = source::parse(&source).unwrap().value;
    let write_json = |name: &str, value: &serde_json::Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string(value).unwrap()).unwrap();
        path
    };
    let mut rows = Vec::new();
    let mut record = |name: &str, run: &Run, outcome: &str| {
        rows.push(format!(
            "| {name} | {outcome} | {:.2} s | {} MiB |",
            run.seconds,
            run.peak_kib / 1024
        ));
    };

    // 1. The same CNI section, republished as the whole openapi.json.
    let same = write_json("openapi-same.json", &upstream);
    let run = measured_sync(&checkout, &same, &[]);
    assert!(run.ok, "{}", run.text);
    assert!(
        run.text
            .contains("unchanged: nothing to do (revision 2026-08-14"),
        "{}",
        run.text
    );
    assert!(!run.text.contains("==> sync 2/5"), "{}", run.text);
    assert_eq!(
        git(&checkout, &["status", "--porcelain"]),
        "",
        "no pull request"
    );
    record(
        "same CNI section",
        &run,
        "unchanged, exit 0, nothing written",
    );

    // 2. Another product changed.
    let mut other = upstream.clone();
    other["paths"]["/accounts/{account_id}/magic/sites"] = serde_json::json!({
        "get": {"operationId": "magic-sites-list", "tags": ["Magic Sites"],
                "responses": {"200": {"description": "ok"}}}
    });
    let other = write_json("openapi-other.json", &other);
    let run = measured_sync(&checkout, &other, &[]);
    assert!(
        run.ok && run.text.contains("unchanged: nothing to do"),
        "{}",
        run.text
    );
    assert_eq!(git(&checkout, &["status", "--porcelain"]), "");
    record(
        "another product changed",
        &run,
        "unchanged, exit 0, nothing written",
    );

    // 3. A CNI addition: the pull request's content.
    let mut added = upstream.clone();
    catalog(&added)
        .into_iter()
        .find(|m| matches!(m, Mutation::AddEnumValue { .. }))
        .unwrap()
        .apply(&mut added, "synced_value")
        .unwrap();
    let added = write_json("openapi-added.json", &added);
    let run = measured_sync(&checkout, &added, &[]);
    assert!(run.ok, "{}", run.text);
    for expected in [
        "additive (1)",
        "crates: types minor",
        "commit message:",
        "revision 2099.03.01",
    ] {
        assert!(run.text.contains(expected), "{expected:?} in {}", run.text);
    }
    assert_ne!(
        git(&checkout, &["status", "--porcelain"]),
        "",
        "a pull request"
    );
    record("CNI addition", &run, "diff, bumps, plan: pull request");
    reset(&checkout);

    // 4. A CNI removal (`owner`, which an overlay action only describes).
    let mut removed = upstream.clone();
    for schema in [
        "nsc_Interconnect_Physical_Body",
        "nsc_Interconnect_GcpPartner_Body",
    ] {
        removed["components"]["schemas"][schema]["allOf"][0]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("owner")
            .unwrap();
    }
    let removed = write_json("openapi-removed.json", &removed);
    let run = measured_sync(&checkout, &removed, &[]);
    assert!(run.ok, "{}", run.text);
    for expected in [
        "skipped: action",
        "properties/owner`, which Cloudflare's document no longer has: skipped",
        "breaking (",
        "owner",
        "major",
        "Overlay descriptions of what Cloudflare removed, skipped:",
    ] {
        assert!(run.text.contains(expected), "{expected:?} in {}", run.text);
    }
    assert_ne!(
        git(&checkout, &["status", "--porcelain"]),
        "",
        "a pull request"
    );
    record(
        "CNI removal (`owner`)",
        &run,
        "major proposed, skipped description reported",
    );
    reset(&checkout);

    // 5. A publishing accident: one of the CNI operations kept.
    let mut partial = upstream.clone();
    let paths = partial["paths"].as_object_mut().unwrap();
    let keep = paths.keys().next().unwrap().clone();
    paths.retain(|path, _| *path == keep);
    let before = import::operation_groups(&upstream).len();
    let partial = write_json("openapi-partial.json", &partial);
    let run = measured_sync(&checkout, &partial, &[]);
    assert!(!run.ok, "{}", run.text);
    assert!(
        run.text.contains("sync stopped at step `import`"),
        "{}",
        run.text
    );
    assert!(
        run.text
            .contains(&format!("of the {before} CNI operations")),
        "{}",
        run.text
    );
    assert!(run.text.contains("--accept-removals"), "{}", run.text);
    assert!(
        run.text.contains("  - DELETE /accounts/{account_id}/cni/"),
        "lists them: {}",
        run.text
    );
    assert_eq!(git(&checkout, &["status", "--porcelain"]), "");
    record(
        "1 path of the CNI section kept",
        &run,
        "refused, operations listed, exit 1",
    );
    // Accepted when said: the removal check lets it through, and what stops it then is the
    // overlay's renaming actions whose schemas went with the operations (meaning, not
    // documentation), each named.
    let run = measured_sync(&checkout, &partial, &["--accept-removals"]);
    assert!(
        !run.text.contains("refused: the new document removes"),
        "{}",
        run.text
    );
    assert!(run.text.contains("matches nothing"), "{}", run.text);
    assert_eq!(git(&checkout, &["status", "--porcelain"]), "");
    reset(&checkout);

    // 6. An alias bomb (YAML): refused at once, in bounded memory.
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let prior = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            [prior.as_str(); 9].join(", ")
        ));
    }
    let bomb_path = dir.path().join("openapi-bomb.yaml");
    std::fs::write(&bomb_path, bomb).unwrap();
    let run = measured_sync(&checkout, &bomb_path, &[]);
    assert!(
        !run.ok && run.text.contains("more than 1000000 nodes"),
        "{}",
        run.text
    );
    assert!(run.seconds < 5.0, "{}", run.seconds);
    assert!(run.peak_kib < 512 * 1024, "{} KiB", run.peak_kib);
    record(
        "alias bomb (10 levels of 9)",
        &run,
        "refused, names the alias",
    );

    // 7. An over-sized document: refused unread (a sparse file of 129 MiB).
    let huge = dir.path().join("openapi-huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(129 << 20)
        .unwrap();
    let run = measured_sync(&checkout, &huge, &[]);
    assert!(
        !run.ok && run.text.contains("the most the import reads is"),
        "{}",
        run.text
    );
    assert!(run.peak_kib < 512 * 1024, "{} KiB", run.peak_kib);
    record("129 MiB document", &run, "refused unread");

    // 8. Empty `paths` (as Cloudflare once published).
    let mut empty = upstream.clone();
    empty["paths"] = serde_json::json!({});
    let empty = write_json("openapi-empty.json", &empty);
    let run = measured_sync(&checkout, &empty, &[]);
    assert!(
        !run.ok && run.text.contains("no path starts with"),
        "{}",
        run.text
    );
    record("empty `paths`", &run, "refused by name");
    assert_eq!(
        git(&checkout, &["status", "--porcelain"]),
        "",
        "no refusal wrote anything"
    );

    println!("| document | outcome | time | peak memory |\n| --- | --- | --- | --- |");
    for row in rows {
        println!("{row}");
    }
}
