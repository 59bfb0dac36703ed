//! Every spec under `tests/broken/` must fail with exactly the message in its `.expected`
//! file (file, line, column, pointer and text), without a panic, and must leave an existing
//! output tree byte for byte as it was. Adding a case is one `.yaml` file; run with
//! `EXPECTORATE=overwrite` once to write its `.expected`, then read it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use cloudflare_cni_codegen::{render_file, Config, GenerateError};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken")
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// What `cargo xtask generate` does: render, then write only if rendering succeeded.
fn generate(spec: &Path, display: &str, out: &Path) -> Result<(), GenerateError> {
    render_file(spec, display, &Config::default())?.write(out)?;
    Ok(())
}

#[test]
fn broken_specs_fail_with_located_messages_and_write_nothing() {
    let out = tempfile::tempdir().unwrap();
    // Start from a real generated tree, so "unchanged" is checked against meaningful files.
    let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valid_fixture.yaml");
    generate(&valid, "valid_fixture.yaml", out.path()).expect("the valid fixture generates");
    let before = snapshot(out.path());
    assert!(before.len() >= 8);

    let mut names: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "at least 12 broken-spec fixtures");
    let mut failures = Vec::new();
    for spec in &names {
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let result = std::panic::catch_unwind(|| generate(spec, &name, out.path()));
        let message = match result {
            Err(_) => {
                failures.push(format!("{name}: panicked"));
                continue;
            }
            Ok(Ok(())) => {
                failures.push(format!("{name}: generated without an error"));
                continue;
            }
            Ok(Err(e)) => format!("{e}\n"),
        };
        assert!(
            message.contains(&format!("{name}:")),
            "{name}: the message names the file: {message}"
        );
        expectorate::assert_contents(spec.with_extension("expected"), &message);
        assert_eq!(
            snapshot(out.path()),
            before,
            "{name}: a failed run must leave the output tree untouched"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
