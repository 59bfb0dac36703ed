//! `cargo xtask bench`: every comparison of BENCHMARKS.md, side by side in one run, written to
//! BENCHMARKS.md with the command, the machine, and for each measurement the median, min and
//! max of several runs and the ratio. Installs openapi-generator-cli (PyPI, pinned) itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::tools::OPENAPI_GENERATOR as OPENAPI_GENERATOR_VERSION;
const RUNS: usize = 5;
/// The first heading of BENCHMARKS.md that `cargo xtask bench` does not write.
const KEPT_SECTIONS: &str = "## Test and CI cost";

type Result<T> = std::result::Result<T, crate::Error>;

fn run(root: &Path, program: &str, args: &[&str]) -> Result<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .map_err(crate::Error::start(program))?;
    if !output.status.success() {
        return Err(crate::Error::Failed {
            command: format!("{program} {}", args.join(" ")),
            outcome: format!(
                "{}:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn timed(root: &Path, program: &str, args: &[&str]) -> Result<f64> {
    let start = Instant::now();
    run(root, program, args)?;
    Ok(start.elapsed().as_secs_f64())
}

/// Median, min and max.
#[derive(Clone, Copy, Debug)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

fn stats(mut values: Vec<f64>) -> Stats {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Stats {
        median,
        min: values[0],
        max: values[n - 1],
    }
}

fn fmt(s: Stats, unit: &str, digits: usize) -> String {
    format!(
        "{:.d$} {unit} ({:.d$}–{:.d$})",
        s.median,
        s.min,
        s.max,
        d = digits
    )
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory} memory; {rustc}")
}

/// Lines and bytes of the `.rs` files below `dir`.
fn source_size(dir: &Path) -> (usize, u64) {
    let mut lines = 0;
    let mut bytes = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    lines += text.lines().count();
                    bytes += text.len() as u64;
                }
            }
        }
    }
    (lines, bytes)
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Per-iteration times (ns) of a criterion benchmark's samples.
fn criterion_samples(root: &Path, group: &str, name: &str) -> Result<Vec<f64>> {
    let path = crate::workspace::target_directory(root)?
        .join(format!("criterion/{group}/{name}/new/sample.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| crate::Error::Gate(format!("{}: {e}", path.display())))?;
    let sample: serde_json::Value = serde_json::from_str(&text)?;
    let iters = sample["iters"].as_array().cloned().unwrap_or_default();
    let times = sample["times"].as_array().cloned().unwrap_or_default();
    Ok(iters
        .iter()
        .zip(&times)
        .filter_map(|(i, t)| Some(t.as_f64()? / i.as_f64()?))
        .collect())
}

/// The `count` slowest units of the build whose `--timings` report is in `target`: name (with
/// the unit's kind when it is not the library) and seconds.
fn slowest_units(target: &Path, count: usize) -> Vec<(String, f64)> {
    let html =
        std::fs::read_to_string(target.join("cargo-timings/cargo-timing.html")).unwrap_or_default();
    let Some(start) = html.find("const UNIT_DATA = ") else {
        return Vec::new();
    };
    let json = &html[start + "const UNIT_DATA = ".len()..];
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<serde_json::Value>();
    let Some(Ok(serde_json::Value::Array(units))) = stream.next() else {
        return Vec::new();
    };
    let mut named: Vec<(String, f64)> = units
        .iter()
        .filter_map(|u| {
            let name = u["name"].as_str()?;
            let target = u["target"].as_str().unwrap_or("").trim();
            let label = if target.is_empty() {
                name.to_string()
            } else {
                format!("{name} ({target})")
            };
            Some((label, u["duration"].as_f64()?))
        })
        .collect();
    named.sort_by(|a, b| b.1.total_cmp(&a.1));
    named.truncate(count);
    named
}

/// What every comparison needs: the checkout, a scratch folder, where cargo puts binaries,
/// and the peer generator.
struct Bench<'a> {
    root: &'a Path,
    scratch: &'a Path,
    /// `cargo metadata`'s target directory: CARGO_TARGET_DIR may move it out of the checkout.
    release: PathBuf,
    ogc: String,
}

impl Bench<'_> {
    fn binary(&self, name: &str) -> String {
        self.release.join(name).display().to_string()
    }
}

/// The sections of BENCHMARKS.md this command writes, by the name `--only` takes, with the
/// start of each one's heading.
pub const SECTIONS: [(&str, &str); 7] = [
    ("generation", "## 1. "),
    ("round-trips", "## 2. "),
    ("validation", "## 3. "),
    ("build-cost", "## 4. "),
    ("pagination-memory", "## 5. "),
    ("emulator-writes", "## 6. "),
    ("scale", "## 7. "),
];

/// Runs every comparison (or, with `only`, one section's, keeping the others as they are in
/// BENCHMARKS.md) and writes BENCHMARKS.md.
pub fn bench(root: &Path, only: Option<&str>) -> Result<()> {
    if let Some(name) = only {
        if !SECTIONS.iter().any(|(known, _)| *known == name) {
            let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
            return Err(crate::Error::Gate(format!(
                "no benchmark section {name:?}; the sections are {}",
                names.join(", ")
            )));
        }
    }
    let wanted = |name: &str| only.is_none_or(|only| only == name);
    // Inside the checkout (generated crates build only in their workspace), and removed when
    // dropped, whether the run succeeds or fails.
    let scratch_parent = root.join("target");
    std::fs::create_dir_all(&scratch_parent)
        .map_err(crate::Error::io("create", &scratch_parent))?;
    let scratch_dir = tempfile::Builder::new()
        .prefix("cni-bench-")
        .tempdir_in(&scratch_parent)
        .map_err(|e| crate::Error::Io {
            action: "create",
            path: std::env::temp_dir(),
            source: e,
        })?;
    // openapi-generator-cli is the peer of the generation and build-cost comparisons only.
    let ogc = match wanted("generation") || wanted("build-cost") {
        true => crate::tools::Tools::machine()
            .and_then(|tools| tools.openapi_generator())?
            .display()
            .to_string(),
        false => String::new(),
    };
    eprintln!("bench: building release binaries");
    run(
        root,
        "cargo",
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            "xtask",
            "-p",
            "cloudflare-cni-bench",
        ],
    )?;
    let bench = Bench {
        root,
        scratch: scratch_dir.path(),
        release: crate::workspace::target_directory(root)?.join("release"),
        ogc,
    };
    let existing = std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap_or_default();
    let mut out = String::new();
    out.push_str("# Benchmarks\n\nWritten by `cargo xtask bench` from one run of every comparison; the figures below are\nthat run's (a section rewritten alone, `cargo xtask bench --only NAME`, says so). Absolute\ntimes vary between machines; the ratios are what we track. Each cell is the median of the\nruns with (min–max).\n\n");
    out.push_str(&format!("Machine: {}.\n", machine()));
    for (name, heading) in SECTIONS {
        let section = match (wanted(name), only.is_some()) {
            (false, _) => kept_section(&existing, heading),
            (true, false) => bench.section(name)?,
            (true, true) => {
                let mut text = bench.section(name)?;
                text.push_str(&format!(
                    "\n(This section alone: `cargo xtask bench --only {name}`, on the machine above.)\n"
                ));
                text
            }
        };
        // One blank line between sections, however each ends.
        out.truncate(out.trim_end().len());
        out.push_str("\n\n");
        out.push_str(&section);
    }
    // Sections measured by other commands (the test and CI cost, from fresh clones) are kept
    // as they are, below the ones this run writes.
    if let Some(start) = existing.find(KEPT_SECTIONS) {
        out.truncate(out.trim_end().len());
        out.push_str("\n\n");
        out.push_str(&existing[start..]);
    }
    std::fs::write(root.join("BENCHMARKS.md"), &out)
        .map_err(crate::Error::io("write", root.join("BENCHMARKS.md")))?;
    println!("{out}");
    Ok(())
}

/// The section of `existing` under the heading starting `heading`, up to the next `## `
/// heading (empty when it has none yet).
fn kept_section(existing: &str, heading: &str) -> String {
    let Some(start) = existing.find(heading) else {
        return String::new();
    };
    let rest = &existing[start..];
    let end = rest[heading.len()..]
        .find("\n## ")
        .map_or(rest.len(), |at| heading.len() + at + 1);
    rest[..end].to_string()
}

impl Bench<'_> {
    fn section(&self, name: &str) -> Result<String> {
        match name {
            "generation" => self.generation(),
            "round-trips" => self.round_trips(),
            "validation" => self.validation(),
            "build-cost" => self.build_cost(),
            "pagination-memory" => self.pagination_memory(),
            "scale" => self.scale(),
            _ => self.emulator_writes(),
        }
    }
}

impl Bench<'_> {
    /// Spec → generated crates, ours against openapi-generator's.
    fn generation(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        // 1. Generation.
        eprintln!("bench: generation");
        let xtask = self.binary("xtask");
        let spec = root.join("spec/cni.yaml").display().to_string();
        let ogc = &self.ogc;
        let mut ours = Vec::new();
        let mut rust = Vec::new();
        let mut axum = Vec::new();
        for i in 0..RUNS {
            let dir = |name: &str| {
                self.scratch
                    .join(format!("{name}-{i}"))
                    .display()
                    .to_string()
            };
            ours.push(timed(root, &xtask, &["generate", "--out", &dir("ours")])?);
            rust.push(timed(
                root,
                ogc,
                &[
                    "generate",
                    "-g",
                    "rust",
                    "-i",
                    &spec,
                    "-o",
                    &dir("rust"),
                    "--additional-properties=packageVersion=0.1.0",
                ],
            )?);
            axum.push(timed(
                root,
                ogc,
                &[
                    "generate",
                    "-g",
                    "rust-axum",
                    "-i",
                    &spec,
                    "-o",
                    &dir("axum"),
                    "--additional-properties=packageVersion=0.1.0",
                ],
            )?);
        }
        let both: Vec<f64> = rust.iter().zip(&axum).map(|(a, b)| a + b).collect();
        let (o, r, a, b) = (
            stats(ours.iter().map(|s| s * 1000.0).collect()),
            stats(rust.iter().map(|s| s * 1000.0).collect()),
            stats(axum.iter().map(|s| s * 1000.0).collect()),
            stats(both.iter().map(|s| s * 1000.0).collect()),
        );
        out.push_str(&format!("## 1. Generation\n\nSpec → generated crates, written. Ours: `target/release/xtask generate --out DIR` (types, client and server crates, formatted). openapi-generator-cli {OPENAPI_GENERATOR_VERSION} (PyPI, on the machine's Java): `generate -g rust` and `generate -g rust-axum`. {RUNS} runs each, alternating.\n\n| Generator | Time | Ours ÷ it |\n| --- | --- | --- |\n"));
        out.push_str(&format!(
            "| ours (types + client + server) | {} | |\n",
            fmt(o, "ms", 1)
        ));
        out.push_str(&format!(
            "| openapi-generator `rust` (client) | {} | {:.4} |\n",
            fmt(r, "ms", 0),
            o.median / r.median
        ));
        out.push_str(&format!(
            "| openapi-generator `rust-axum` (server) | {} | {:.4} |\n",
            fmt(a, "ms", 0),
            o.median / a.median
        ));
        out.push_str(&format!(
            "| openapi-generator, both | {} | **{:.4}** |\n\n",
            fmt(b, "ms", 0),
            o.median / b.median
        ));
        let generation_met = o.median / r.median <= 0.1;
        out.push_str(&format!(
            "Goal: at most 1/10 of its time: **{}** (ours ÷ `rust` alone = {:.4}).\n\n",
            if generation_met { "met" } else { "missed" },
            o.median / r.median
        ));
        Ok(out)
    }

    /// Import and generation of the CNI document, a tenth of Cloudflare's whole document and
    /// all of it (each run a process of its own, so its peak memory is its own), ours and
    /// progenitor's alone on the same prepared input, interleaved; then one `cargo check` of
    /// the whole document's crates.
    fn scale(&self) -> Result<String> {
        use crate::scale::{Figures, INPUTS};
        const SCALE_RUNS: usize = 3;
        eprintln!("bench: scale");
        let xtask = self.binary("xtask");
        let probe = |input: &str, progenitor: bool| -> Result<Figures> {
            let mut args = vec!["scale-probe", input];
            if progenitor {
                args.push("--progenitor-only");
            }
            let line = run(self.root, &xtask, &args)?;
            serde_json::from_str(line.trim()).map_err(|e| {
                crate::Error::Gate(format!(
                    "scale-probe {input}: not its JSON line: {e}: {line}"
                ))
            })
        };
        let mut rows = Vec::new();
        for input in INPUTS {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for _ in 0..SCALE_RUNS {
                ours.push(probe(input, false)?);
                theirs.push(probe(input, true)?);
            }
            rows.push((input, ours, theirs));
        }
        let seconds = |runs: &[Figures]| stats(runs.iter().map(|f| f.generate_seconds).collect());
        let imports = |runs: &[Figures]| stats(runs.iter().map(|f| f.import_seconds).collect());
        let peak =
            |runs: &[Figures]| stats(runs.iter().map(|f| f.peak_kib as f64 / 1024.0).collect());
        let mut out = format!("## 7. Scale

Cloudflare's whole document (`tests/corpus/`), as the dialect gate takes it: the operations that generate alone (`tests/corpus/generated.txt`), the first tenth of them and all, imported together (no overlay) and generated in memory; and the CNI document through its overlay. Each run is `target/release/xtask scale-probe INPUT` (peak memory: its `VmHWM`), ours then progenitor's own output on the same prepared input (`--progenitor-only`: its client and types, formatted; none of our passes, readmes, server or CLI), {SCALE_RUNS} runs each, alternating.

| Input | Operations | Lines ours / progenitor's | Import | Generate, ours | progenitor alone | Ours ÷ it (worst run) | Peak memory, ours / progenitor |
| --- | --- | --- | --- | --- | --- | --- | --- |
");
        for (input, ours, theirs) in &rows {
            let worst = ours
                .iter()
                .zip(theirs)
                .map(|(o, t)| o.generate_seconds / t.generate_seconds)
                .fold(0.0_f64, f64::max);
            out.push_str(&format!(
                "| {input} | {} | {} / {} | {} | {} | {} | {worst:.1} | {} / {} |\n",
                ours[0].operations,
                ours[0].lines,
                theirs[0].lines,
                fmt(imports(ours), "s", 2),
                fmt(seconds(ours), "s", 2),
                fmt(seconds(theirs), "s", 2),
                fmt(peak(ours), "MiB", 0),
                fmt(peak(theirs), "MiB", 0),
            ));
        }
        // Growth: time per operation, the whole document against its tenth.
        let per_operation = |runs: &[Figures]| {
            let s = seconds(runs);
            s.max / runs[0].operations.max(1) as f64
        };
        let (tenth, whole) = (per_operation(&rows[1].1), per_operation(&rows[2].1));
        let growth = whole / tenth;
        let whole_seconds = seconds(&rows[2].1).max;
        out.push_str(&format!(
            "\nGoals: the whole document generates within 2 s: **{}** (worst run {whole_seconds:.1} s); growth no worse than linear (time per operation, whole ÷ tenth, worst runs, at most 1.25): **{}** ({growth:.2}).\n",
            if whole_seconds <= 2.0 { "met" } else { "missed" },
            if growth <= 1.25 { "met" } else { "missed" },
        ));
        // One build of the whole document's crates (minutes: a single run, not a comparison).
        eprintln!("bench: scale: cargo check of the whole document's crates");
        let listed =
            std::fs::read_to_string(self.root.join(crate::scale::GENERATED_LIST)).map_err(
                crate::Error::io("read", self.root.join(crate::scale::GENERATED_LIST)),
            )?;
        let through: std::collections::BTreeSet<&str> =
            listed.lines().filter(|l| !l.is_empty()).collect();
        let document = crate::dialect::read_corpus(&self.root.join(crate::dialect::CORPUS))?;
        let compiled =
            crate::dialect::compile(self.root, &document, &through, crate::dialect::CORPUS)?;
        out.push_str(&format!(
            "\nCompiling them (`cargo check` of the four generated crates, one run, dependencies already built): {} operations, {} lines, {:.0} s: {}.\n",
            compiled.operations,
            compiled.lines,
            compiled.check_seconds,
            if compiled.errors.is_empty() {
                "compiles".to_string()
            } else {
                format!("{} errors (`cargo xtask dialect --compile` lists them)", compiled.errors.len())
            }
        ));
        for error in compiled.errors.iter().take(5) {
            out.push_str(&format!("- `{}`\n", error.replace('`', "'")));
        }
        Ok(out)
    }

    /// Requests per second and latency of the generated pair against a hand-written one, the
    /// pairs interleaved within each run, over [`RUNS`] runs; the ratios are taken within a run
    /// and a goal is met only when the worst run's ratio meets it.
    fn round_trips(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        eprintln!("bench: round trips");
        let roundtrip = self.binary("roundtrip");
        let mut samples: Vec<(usize, serde_json::Value)> = Vec::new();
        for run_index in 0..RUNS {
            let text = run(root, &roundtrip, &["4", "16", "4"])?;
            samples.extend(json_lines(&text).into_iter().map(|v| (run_index, v)));
        }
        let allocs: serde_json::Value =
            serde_json::from_str(run(root, &self.binary("allocs_per_request"), &[])?.trim())?;
        out.push_str(&format!("## 2. Round trip over 127.0.0.1\n\n`target/release/roundtrip 4 16 4`, {RUNS} runs: per operation and pair 4 s in 4 slices of 1 s, the pairs' slices interleaved (A B A B …) so that the machine's drift lands on all of them; 16 concurrent requests; client and server in one process on a 2-thread runtime. `list_cnis` answers 100 CNIs (each with BGP and 8 prefixes), `list_interconnects` 100 interconnects (direct and partner mixed: the union's decoding), `create_cni` sends a body with BGP, 8 prefixes and an MD5 key that both sides validate. The hand-written pair is plain axum handlers and plain reqwest calls with the same types (and the same validation for `create_cni`); the two mixed pairs swap one side. A ratio is the pair's requests/s over the hand-written pair's in the same run; the cells show the median over the runs and (min–max).\n\n| Operation | Pair | Requests/s | p50 | p99 | Ratio to hand-written |\n| --- | --- | --- | --- | --- | --- |\n"));
        // Parity with the hand-written pair: a generated client and server do nothing per
        // call a careful person would not.
        let goals = [
            ("get_cni", ROUND_TRIP_GOAL),
            ("list_cnis", ROUND_TRIP_GOAL),
            ("list_interconnects", ROUND_TRIP_GOAL),
            ("create_cni", ROUND_TRIP_GOAL),
        ];
        let mut verdicts = Vec::new();
        let mut ratios_of = std::collections::BTreeMap::new();
        for (op, goal) in goals {
            let value = |run_index: usize, pair: &str, key: &str| -> Option<f64> {
                samples
                    .iter()
                    .find(|(r, s)| *r == run_index && s["operation"] == op && s["pair"] == pair)
                    .and_then(|(_, s)| s[key].as_f64())
            };
            let pairs: Vec<String> = {
                let mut seen: Vec<String> = Vec::new();
                for (_, s) in samples.iter().filter(|(_, s)| s["operation"] == op) {
                    let pair = s["pair"].as_str().unwrap_or_default().to_string();
                    if !seen.contains(&pair) {
                        seen.push(pair);
                    }
                }
                seen
            };
            for pair in &pairs {
                let collect = |key: &str| -> Vec<f64> {
                    (0..RUNS).filter_map(|r| value(r, pair, key)).collect()
                };
                let ratios: Vec<f64> = (0..RUNS)
                    .filter_map(|r| Some(value(r, pair, "rps")? / value(r, "hand_written", "rps")?))
                    .collect();
                if ratios.is_empty() {
                    return Err(crate::Error::Gate(format!(
                        "no round-trip figures for {op} {pair}"
                    )));
                }
                let ratio = stats(ratios);
                ratios_of.insert((op, pair.clone()), ratio);
                let ratio_cell = if pair == "generated" {
                    format!(
                        "**{:.2}** ({:.2}–{:.2})",
                        ratio.median, ratio.min, ratio.max
                    )
                } else {
                    format!("{:.2} ({:.2}–{:.2})", ratio.median, ratio.min, ratio.max)
                };
                out.push_str(&format!(
                    "| `{op}` | {pair} | {} | {} | {} | {ratio_cell} |\n",
                    fmt(stats(collect("rps")), "", 0),
                    fmt(stats(collect("p50_us")), "µs", 0),
                    fmt(stats(collect("p99_us")), "µs", 0)
                ));
            }
            let generated = ratios_of[&(op, "generated".to_string())];
            verdicts.push((op, goal, generated, generated.min >= goal));
        }
        out.push_str(&allocation_table(&allocs, &goals));
        out.push_str(&goal_lines(&verdicts, &ratios_of, &allocs));
        out.push('\n');
        Ok(out)
    }

    /// The derived validation against a hand-written function and the `validator` crate.
    fn validation(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        // 3. Validation.
        eprintln!("bench: validation");
        run(
            root,
            "cargo",
            &[
                "bench",
                "--locked",
                "-p",
                "cloudflare-cni-tests",
                "--bench",
                "validate",
            ],
        )?;
        let derived = stats(criterion_samples(root, "validate_cni", "derived")?);
        let hand = stats(criterion_samples(root, "validate_cni", "hand_written")?);
        let validator = stats(criterion_samples(root, "validate_cni", "validator_crate")?);
        out.push_str("## 3. Validation\n\n`cargo bench -p cloudflare-cni-bench --bench validate`: a full valid `Cni` (BGP, 8 extra prefixes, MD5 key). Per-iteration time over criterion's 100 samples. The benchmark also counts allocations of 1,000 derived validations and fails if there is one.\n\n| Implementation | Time per validation | Ratio to hand-written |\n| --- | --- | --- |\n");
        for (name, s) in [
            ("derived `Validate` (generated attributes)", derived),
            ("hand-written, same rule functions", hand),
            (
                "`validator` 0.21 derive, closest equivalent (custom fns for CIDR, items, cross-field)",
                validator,
            ),
        ] {
            out.push_str(&format!(
                "| {name} | {} | {:.3} |\n",
                fmt(s, "ns", 1),
                s.median / hand.median
            ));
        }
        let validation_met = derived.median / hand.median <= 1.1;
        out.push_str(&format!("\nGoal: within 1.1× of the hand-written function and no allocation on valid input: **{}**.\n\n", if validation_met { "met" } else { "missed" }));
        Ok(out)
    }

    /// Clean debug builds of our client and server against openapi-generator's `rust` client
    /// and `rust-axum` server, and the units that dominate ours (`cargo build --timings`).
    fn build_cost(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        eprintln!("bench: clean builds");
        let mut rows = Vec::new();
        let mut dominant = Vec::new();
        for (ours, theirs_dir, theirs_name) in [
            ("cloudflare-cni-client", "rust-0", "`rust`"),
            ("cloudflare-cni-server", "axum-0", "`rust-axum`"),
        ] {
            let ours_target = self.scratch.join(format!("target-{ours}"));
            let ours_build = timed(
                root,
                "cargo",
                &[
                    "build",
                    "--locked",
                    "--timings",
                    "-p",
                    ours,
                    "--target-dir",
                    &ours_target.display().to_string(),
                ],
            )?;
            dominant.push((ours, slowest_units(&ours_target, 6)));
            let theirs = self.scratch.join(theirs_dir);
            // Their crate sits below our workspace (generated crates build only there): an
            // empty `[workspace]` table keeps cargo from taking it for a forgotten member.
            let manifest = theirs.join("Cargo.toml");
            let text = std::fs::read_to_string(&manifest)
                .map_err(|e| crate::Error::Gate(format!("{}: {e}", manifest.display())))?;
            if !text.contains("[workspace]") {
                std::fs::write(&manifest, format!("{text}\n[workspace]\n"))
                    .map_err(|e| crate::Error::Gate(format!("{}: {e}", manifest.display())))?;
            }
            let theirs_target = self.scratch.join(format!("target-{theirs_dir}"));
            // The peer's output may not compile (rust-axum's does not on this spec): reported,
            // not fatal.
            let theirs_build = timed(
                &theirs,
                "cargo",
                &[
                    "build",
                    "--target-dir",
                    &theirs_target.display().to_string(),
                ],
            )
            .map_err(|e| {
                e.to_string()
                    .lines()
                    .find(|l| l.starts_with("error[") || l.starts_with("error:"))
                    .unwrap_or("the build failed")
                    .to_string()
            });
            rows.push((ours, ours_build, theirs_name, theirs_build));
        }
        out.push_str("## 4. Build cost\n\nOne clean debug build each, in a fresh target directory, crates already downloaded, default features (ours: TLS by rustls on *ring*; openapi-generator's `rust` client: reqwest's native TLS): ours `cargo build -p CRATE` (with `cloudflare-cni-types` and the runtimes), theirs `cargo build` in openapi-generator's output.\n\n| Ours | Clean build | openapi-generator | Clean build | Ours ÷ theirs |\n| --- | --- | --- | --- | --- |\n");
        for (ours, ours_build, theirs, theirs_build) in &rows {
            match theirs_build {
                Ok(theirs_build) => out.push_str(&format!(
                    "| `{ours}` | {ours_build:.1} s | {theirs} | {theirs_build:.1} s | **{:.2}** |\n",
                    ours_build / theirs_build
                )),
                Err(error) => out.push_str(&format!(
                    "| `{ours}` | {ours_build:.1} s | {theirs} | does not compile: `{}` | |\n",
                    error.replace('`', "'")
                )),
            }
        }
        let (lines, bytes) = {
            let (a, b) = source_size(&root.join("generated/client/src"));
            let (c, d) = source_size(&root.join("generated/types/src"));
            (a + c, b + d)
        };
        let (their_lines, their_bytes) = source_size(&self.scratch.join("rust-0/src"));
        out.push_str(&format!("\nSources of the client and the types it needs: ours {lines} lines ({bytes} bytes), openapi-generator's `rust` {their_lines} lines ({their_bytes} bytes).\n\nWhere our clean builds spend their time (`cargo build --timings`, the slowest units of that build, each unit's own time; units build two at a time on this machine):\n\n"));
        for (krate, units) in &dominant {
            let list: Vec<String> = units
                .iter()
                .map(|(name, seconds)| format!("{name} {seconds:.1} s"))
                .collect();
            out.push_str(&format!("- `{krate}`: {}\n", list.join(", ")));
        }
        let theirs_client = rows[0].3.clone().map_err(crate::Error::Gate)?;
        let client_met = rows[0].1 <= theirs_client;
        out.push_str(&format!(
            "\nGoal: a clean build of `cloudflare-cni-client` no slower than openapi-generator's `rust` client: **{}** ({:.1} s against {:.1} s).\n\n",
            if client_met { "met" } else { "missed" },
            rows[0].1,
            theirs_client
        ));
        Ok(out)
    }

    /// Peak memory of streaming a long listing against collecting it.
    fn pagination_memory(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        // 5. Pagination memory.
        eprintln!("bench: pagination memory");
        let pagination = self.binary("pagination_memory");
        out.push_str("## 5. Pagination memory\n\n`target/release/pagination_memory MODE N`: the client reads a listing of N CNIs in pages of 100 from the generated server in another process; peak RSS (`VmHWM`) of the client process, 3 runs each.\n\n| Items | `stream()` peak RSS | collected into a `Vec` | stream ÷ collect |\n| --- | --- | --- | --- |\n");
        let mut peaks = Vec::new();
        for items in ["10000", "100000"] {
            let measure = |mode: &str| -> Result<Stats> {
                let mut v = Vec::new();
                for _ in 0..3 {
                    let line = run(root, &pagination, &[mode, items])?;
                    let json: serde_json::Value = serde_json::from_str(line.trim())?;
                    v.push(json["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0);
                }
                Ok(stats(v))
            };
            let (stream, collect) = (measure("stream")?, measure("collect")?);
            peaks.push(stream.median);
            out.push_str(&format!(
                "| {items} | {} | {} | {:.2} |\n",
                fmt(stream, "MiB", 1),
                fmt(collect, "MiB", 1),
                stream.median / collect.median
            ));
        }
        let flat = peaks[1] <= peaks[0] * 1.1;
        out.push_str(&format!("\nGoal: the stream's peak does not grow with the item count (10k → 100k: {:.1} → {:.1} MiB): **{}**.\n", peaks[0], peaks[1], if flat { "met" } else { "missed" }));
        Ok(out)
    }
}

impl Bench<'_> {
    /// The emulator's write cost as an account grows.
    fn emulator_writes(&self) -> Result<String> {
        eprintln!("bench: emulator writes");
        let output = run(
            self.root,
            &self.binary("emulator_writes"),
            &[&RUNS.to_string()],
        )?;
        let lines = json_lines(&output);
        let per = |cnis: u64, field: &str| -> Vec<f64> {
            lines
                .iter()
                .filter(|l| l["cnis"].as_u64() == Some(cnis))
                .filter_map(|l| l[field].as_f64())
                .collect()
        };
        let mut out = format!("## 6. Emulator writes as an account grows\n\n`target/release/emulator_writes {RUNS}`: the emulator as a library (its `CniApi` methods, no HTTP), one account loaded with N CNIs through `Emulator::restore`, then 20,000 `create_cni` calls (each deleted again, untimed, so the account keeps its size) and 20,000 `update_cni` (PUT) calls on loaded CNIs picked at random; each call timed on its own, the mean per call. {RUNS} rounds, each loading every size afresh, one after another.\n\n| CNIs in the account | `create_cni` | `update_cni` |\n| --- | --- | --- |\n");
        for cnis in [100u64, 10_000, 100_000] {
            out.push_str(&format!(
                "| {cnis} | {} | {} |\n",
                fmt(stats(per(cnis, "create_us")), "µs", 2),
                fmt(stats(per(cnis, "put_us")), "µs", 2)
            ));
        }
        // The ratio of the largest account to the smallest, per round; the worst round decides.
        let worst = |field: &str| {
            per(100_000, field)
                .iter()
                .zip(per(100, field))
                .map(|(large, small)| large / small)
                .fold(0.0_f64, f64::max)
        };
        let (create, put) = (worst("create_us"), worst("put_us"));
        let met = create <= 2.0 && put <= 2.0;
        out.push_str(&format!("\nGoal: a write at 100,000 CNIs within 2× of one at 100 (the worst round's ratio): create {create:.2}×, PUT {put:.2}×: **{}**.\n", if met { "met" } else { "missed" }));
        Ok(out)
    }
}

/// Each round trip's goal: this share of the hand-written pair's requests per second, in the
/// worst run.
const ROUND_TRIP_GOAL: f64 = 0.97;

/// The most allocations per call either generated side may add to the hand-written one's.
const EXTRA_ALLOCATIONS_GOAL: f64 = 2.0;

/// Where the generated sides' allocations went, as `allocs_per_request --trace OPERATION`
/// shows them (each allocation's call stack, generated side against hand-written): what was
/// removed, and what is left and why.
const ALLOCATION_FINDINGS: &str = "Where the extra allocations went (`allocs_per_request --trace OPERATION`, built with `CARGO_PROFILE_RELEASE_DEBUG=line-tables-only`, prints the call stack of every allocation of one call, generated side against hand-written). Removed: on the client, a formatted `String` per required parameter per call (each builder field started as its own \"not set\" message; it starts empty now and is named when sent unset), the same in typify's body builders, a copy of the answer's header map in progenitor's `ResponseValue::from_response`, a URL grown piece by piece, the timeout entry `Request::try_clone` writes for the retry copy, and a clone and build of the whole body to read one field the path fills; on the server, a copy of the request's headers and extensions into every `RequestContext` (a request without a body now moves them in, after its parameters are read). Left: on the client, a retry copy of each idempotent request (its URL and headers: the price of retrying without the caller's help), the boxed total-timeout timer reqwest makes because the client has a timeout, the owned `String` a builder keeps for a path parameter, and reqwest's query serializer for a query parameter; on the server, the boxed clones axum makes per request of a route wrapped by `Router::layer` (the request span and the body limit, whose `DefaultBodyLimit` also writes an extension), the credentials' own copy of the token, and the shared cell the method's answer headers go into.\n";

/// The round trips' allocation table: each generated side's allocations per call.
fn allocation_table(allocs: &serde_json::Value, goals: &[(&str, f64)]) -> String {
    let mut out = String::new();
    out.push_str("\nHeap allocations per call (`target/release/allocs_per_request`, 1,000 calls after a warm-up, one process): the generated client and the hand-written client against the same hand-written server, and the hand-written client against the generated server. Their differences are each generated side's own allocations.\n\n| Operation | Generated client | Hand-written pair | Hand-written client, generated server | Client's extra | Server's extra |\n| --- | --- | --- | --- | --- | --- |\n");
    let alloc = |op: &str, key: &str| allocs[op][key].as_f64().unwrap_or(f64::NAN);
    for (op, _) in goals {
        let (client, hand, server) = (
            alloc(op, "generated_client"),
            alloc(op, "hand_written"),
            alloc(op, "hand_written_client+generated_server"),
        );
        out.push_str(&format!(
            "| `{op}` | {client:.1} | {hand:.1} | {server:.1} | {:+.1} | {:+.1} |\n",
            client - hand,
            server - hand
        ));
    }
    out
}

/// The round trips' goals, each met or missed, with the profile of a missed one.
fn goal_lines(
    verdicts: &[(&str, f64, Stats, bool)],
    ratios_of: &std::collections::BTreeMap<(&str, String), Stats>,
    allocs: &serde_json::Value,
) -> String {
    let mut out = String::new();
    let alloc = |op: &str, key: &str| allocs[op][key].as_f64().unwrap_or(f64::NAN);
    out.push_str("\nGoals (met when the worst run's ratio reaches them):\n\n");
    for (op, goal, ratio, met) in verdicts {
        out.push_str(&format!(
            "- `{op}` at least {goal:.2}× the hand-written pair: **{}** (median {:.2}, worst run {:.2}).",
            if *met { "met" } else { "missed" },
            ratio.median,
            ratio.min
        ));
        if !met {
            // The profile of this run: which side the mixed pairs put the cost on, and
            // the allocations each generated side adds.
            let side = match (
                ratios_of.get(&(*op, "generated_client+hand_written_server".to_string())),
                ratios_of.get(&(*op, "hand_written_client+generated_server".to_string())),
            ) {
                (Some(c), Some(s)) => format!(
                    " The mixed pairs place the cost on the {} side (generated client alone {:.2}, generated server alone {:.2}).",
                    if c.median < s.median { "client" } else { "server" },
                    c.median,
                    s.median
                ),
                _ => String::new(),
            };
            out.push_str(&format!(
                "{side} The generated client allocates {:+.1} per call against the hand-written client, the generated server {:+.1} against the hand-written server.",
                alloc(op, "generated_client") - alloc(op, "hand_written"),
                alloc(op, "hand_written_client+generated_server") - alloc(op, "hand_written")
            ));
        }
        out.push('\n');
    }
    // What a ratio of two identical pairs comes to here: the goals are met in the worst run,
    // and this says how far that run can fall with nothing to find.
    if let Some(floor) = ratios_of.get(&("get_cni", "hand_written_again".to_string())) {
        out.push_str(&format!(
            "- The noise floor: the hand-written pair against itself (`get_cni`, interleaved as every pair is) is {:.2}× in its median run and {:.2}× in its worst ({:.2}–{:.2}).\n",
            floor.median, floor.min, floor.min, floor.max
        ));
    }
    // At most two allocations per call more than the hand-written side, client and server,
    // for every operation.
    for (side, key) in [
        ("client", "generated_client"),
        ("server", "hand_written_client+generated_server"),
    ] {
        let extras: Vec<(&str, f64)> = verdicts
            .iter()
            .map(|(op, ..)| (*op, alloc(op, key) - alloc(op, "hand_written")))
            .collect();
        let worst = extras
            .iter()
            .map(|(_, extra)| *extra)
            .fold(f64::NEG_INFINITY, f64::max);
        let listed: Vec<String> = extras
            .iter()
            .map(|(op, extra)| format!("`{op}` {extra:+.1}"))
            .collect();
        out.push_str(&format!(
            "- The generated {side} at most {EXTRA_ALLOCATIONS_GOAL:.0} allocations per call more than the hand-written {side}: **{}** ({}).\n",
            if worst <= EXTRA_ALLOCATIONS_GOAL { "met" } else { "missed" },
            listed.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(ALLOCATION_FINDINGS);
    out
}
