//! The scale benchmark's one run (`cargo xtask scale-probe INPUT`, which `cargo xtask bench`
//! runs as a child process so that each run's peak memory is its own): import and generate
//! one input in memory, and print what it took as one JSON line. The inputs are the CNI
//! document (through its overlay, as `cargo xtask import` and `generate` take it), the first
//! tenth of the whole document's operations that generate alone, and all of them
//! (tests/corpus/generated.txt, which `cargo xtask dialect --record` writes). With
//! `--progenitor-only`, progenitor's own output on the same prepared input replaces ours.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use cloudflare_cni_codegen::{import, load, Config, SpecSource};

use crate::Error;

/// The operations of the whole document that generate alone, one `METHOD /path` a line.
pub const GENERATED_LIST: &str = "tests/corpus/generated.txt";

/// What one run measured.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    pub input: String,
    pub operations: usize,
    /// Lines of Rust generated (ours: every `.rs` file of the tree; progenitor's: its client).
    pub lines: usize,
    pub import_seconds: f64,
    pub generate_seconds: f64,
    /// The process's peak resident memory (`VmHWM`), in KiB.
    pub peak_kib: u64,
}

/// The inputs, smallest first.
pub const INPUTS: [&str; 3] = ["cni", "tenth", "whole"];

/// One run on `input`.
pub fn probe(root: &Path, input: &str, progenitor_only: bool) -> Result<Figures, Error> {
    let started = Instant::now();
    let spec = match input {
        "cni" => {
            let read = |relative: &str| -> Result<SpecSource, Error> {
                let path = root.join(relative);
                Ok(SpecSource {
                    display_path: relative.to_string(),
                    text: std::fs::read_to_string(&path).map_err(Error::io("read", &path))?,
                })
            };
            let upstream = read(import::UPSTREAM_PATH)?;
            let overlay = read(import::OVERLAY_PATH)?;
            let imported = import::import_revision(&upstream, &overlay, None)
                .map_err(|e| Error::Gate(format!("the CNI document does not import: {e}")))?;
            load(&SpecSource {
                display_path: "spec/cni.yaml".into(),
                text: imported.spec_text,
            })
            .map_err(|e| Error::Gate(format!("the CNI spec does not load: {e}")))?
        }
        "tenth" | "whole" => {
            let listed = root.join(GENERATED_LIST);
            let text = std::fs::read_to_string(&listed).map_err(Error::io("read", &listed))?;
            let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let count = match input {
                "tenth" => all.len().div_ceil(10),
                _ => all.len(),
            };
            let chosen: BTreeSet<&str> = all.into_iter().take(count).collect();
            let document = crate::dialect::read_corpus(&root.join(crate::dialect::CORPUS))?;
            let keep = |path: &str, method: &str| {
                chosen.contains(format!("{} {path}", method.to_ascii_uppercase()).as_str())
            };
            import::import_operations(&document, keep, crate::dialect::CORPUS)
                .map_err(|e| Error::Gate(format!("the {input} slice does not import: {e}")))?
                .0
        }
        other => {
            return Err(Error::Gate(format!(
                "no scale input {other:?}; the inputs are {}",
                INPUTS.join(", ")
            )))
        }
    };
    let import_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let config = Config::default();
    let lines = if progenitor_only {
        cloudflare_cni_codegen::progenitor_alone(&spec, &config)
            .map_err(|e| Error::Gate(format!("progenitor alone: {e}")))?
    } else {
        let tree = cloudflare_cni_codegen::render(&spec, &config)
            .map_err(|e| Error::Gate(format!("the {input} input does not generate: {e}")))?;
        tree.files()
            .filter(|(path, _)| path.ends_with(".rs"))
            .map(|(_, text)| text.lines().count())
            .sum()
    };
    let generate_seconds = started.elapsed().as_secs_f64();
    Ok(Figures {
        input: input.to_string(),
        operations: spec.model.operations.len(),
        lines,
        import_seconds,
        generate_seconds,
        peak_kib: peak_kib(),
    })
}

/// This process's peak resident memory in KiB (`VmHWM` of /proc/self/status; 0 where there
/// is none).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
