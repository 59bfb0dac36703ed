//! `cargo xtask bench`: every comparison of BENCHMARKS.md, side by side in one run, written to
//! BENCHMARKS.md with the command, the machine, and for each measurement the median, min and
//! max of several runs and the ratio. Installs openapi-generator-cli (PyPI, pinned) itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const OPENAPI_GENERATOR_VERSION: &str = "7.26.0";
const RUNS: usize = 5;

type Result<T> = std::result::Result<T, String>;

fn run(root: &Path, program: &str, args: &[&str]) -> Result<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{program} {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
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

fn install_openapi_generator(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".tools/ogc");
    let bin = venv.join("bin/openapi-generator-cli");
    let pip = venv.join("bin/pip");
    let installed = Command::new(&pip)
        .args(["show", "openapi-generator-cli"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !installed.contains(&format!("Version: {OPENAPI_GENERATOR_VERSION}")) {
        eprintln!("bench: installing openapi-generator-cli {OPENAPI_GENERATOR_VERSION}");
        run(
            root,
            "python3",
            &["-m", "venv", &venv.display().to_string()],
        )?;
        run(
            root,
            &pip.display().to_string(),
            &[
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("openapi-generator-cli=={OPENAPI_GENERATOR_VERSION}"),
            ],
        )?;
    }
    Ok(bin)
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
    let path = root.join(format!("target/criterion/{group}/{name}/new/sample.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let sample: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let iters = sample["iters"].as_array().cloned().unwrap_or_default();
    let times = sample["times"].as_array().cloned().unwrap_or_default();
    Ok(iters
        .iter()
        .zip(&times)
        .filter_map(|(i, t)| Some(t.as_f64()? / i.as_f64()?))
        .collect())
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

/// Where cargo puts this workspace's build output.
fn target_directory(root: &Path) -> Result<PathBuf> {
    let metadata = run(
        root,
        "cargo",
        &[
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ],
    )?;
    let metadata: serde_json::Value =
        serde_json::from_str(&metadata).map_err(|e| format!("cargo metadata: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata names no target directory".to_string())
}

pub fn bench(root: &Path) -> Result<()> {
    // Inside the checkout (generated crates build only in their workspace), and removed when
    // dropped, whether the run succeeds or fails.
    let scratch_parent = root.join("target");
    std::fs::create_dir_all(&scratch_parent)
        .map_err(|e| format!("cannot create {}: {e}", scratch_parent.display()))?;
    let scratch_dir = tempfile::Builder::new()
        .prefix("cni-bench-")
        .tempdir_in(&scratch_parent)
        .map_err(|e| format!("cannot create a scratch folder: {e}"))?;
    let ogc = install_openapi_generator(root)?.display().to_string();
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
        release: target_directory(root)?.join("release"),
        ogc,
    };
    let mut out = String::new();
    out.push_str("# Benchmarks\n\nWritten by `cargo xtask bench` from one run of every comparison; the figures below are\nthat run's. Absolute times vary between machines; the ratios are what we track. Each cell\nis the median of the runs with (min–max).\n\n");
    out.push_str(&format!("Machine: {}.\n\n", machine()));
    out.push_str(&bench.generation()?);
    out.push_str(&bench.round_trips()?);
    out.push_str(&bench.validation()?);
    out.push_str(&bench.build_cost()?);
    out.push_str(&bench.pagination_memory()?);
    std::fs::write(root.join("BENCHMARKS.md"), &out)
        .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    println!("{out}");
    Ok(())
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

    /// Requests per second and latency of the generated pair against a hand-written one.
    fn round_trips(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        // 2. Round trips.
        eprintln!("bench: round trips");
        let roundtrip = self.binary("roundtrip");
        let mut samples: Vec<serde_json::Value> = Vec::new();
        for _ in 0..3 {
            samples.extend(json_lines(&run(root, &roundtrip, &["5", "16"])?));
        }
        out.push_str("## 2. Round trip over 127.0.0.1\n\n`target/release/roundtrip 5 16`, 3 runs: 5 s per measurement, 16 concurrent requests, client and server in one process on a 2-thread runtime. `list_cnis` answers 100 CNIs (each with BGP and 8 prefixes). The hand-written pair is plain axum handlers and plain reqwest calls with the same types; the two mixed pairs swap one side. Ratios are to the hand-written pair.\n\n| Operation | Pair | Requests/s | p50 | p99 | rps ratio |\n| --- | --- | --- | --- | --- | --- |\n");
        let mut roundtrip_met = true;
        let pairs = [
            "generated",
            "hand_written",
            "generated_client+hand_written_server",
            "hand_written_client+generated_server",
        ];
        for op in ["get_cni", "list_cnis"] {
            let pick = |pair: &str, key: &str| -> Vec<f64> {
                samples
                    .iter()
                    .filter(|s| s["operation"] == op && s["pair"] == pair)
                    .filter_map(|s| s[key].as_f64())
                    .collect()
            };
            let hand = stats(pick("hand_written", "rps"));
            for pair in pairs {
                let rps = stats(pick(pair, "rps"));
                let ratio = rps.median / hand.median;
                if pair == "generated" {
                    roundtrip_met &= ratio >= 0.9;
                }
                let p50 = stats(pick(pair, "p50_us"));
                let p99 = stats(pick(pair, "p99_us"));
                let ratio_cell = if pair == "generated" {
                    format!("**{ratio:.2}**")
                } else {
                    format!("{ratio:.2}")
                };
                out.push_str(&format!(
                    "| `{op}` | {pair} | {} | {} | {} | {ratio_cell} |\n",
                    fmt(rps, "", 0),
                    fmt(p50, "µs", 0),
                    fmt(p99, "µs", 0)
                ));
            }
        }
        let allocs: serde_json::Value =
            serde_json::from_str(run(root, &self.binary("allocs_per_request"), &[])?.trim())
                .map_err(|e| e.to_string())?;
        out.push_str(&format!(
            "\nThe mixed pairs place the cost: it is on the client side. `target/release/allocs_per_request` counts heap allocations per `get_cni` call against the same hand-written server: generated client {}, plain reqwest {} (server's share included in both). The generated client's extra allocations are progenitor's owned builder fields and URL formatting, its `api-version` header map, the request copy the retry loop keeps for a second attempt, and the per-call context that carries attempt counts into `CniError`.\n",
            allocs["generated_client"], allocs["hand_written_client"]
        ));
        out.push_str(&format!(
            "\nGoal: at least 0.9× the hand-written pair: **{}**.\n\n",
            if roundtrip_met { "met" } else { "missed" }
        ));
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
        out.push_str("## 3. Validation\n\n`cargo bench -p cloudflare-cni-tests --bench validate`: a full valid `Cni` (BGP, 8 extra prefixes, MD5 key). Per-iteration time over criterion's 100 samples. The benchmark also counts allocations of 1,000 derived validations and fails if there is one.\n\n| Implementation | Time per validation | Ratio to hand-written |\n| --- | --- | --- |\n");
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

    /// A clean debug build of our client against openapi-generator's.
    fn build_cost(&self) -> Result<String> {
        let root = self.root;
        let mut out = String::new();
        // 4. Build cost.
        eprintln!("bench: clean builds");
        let ours_target = self.scratch.join("target-ours").display().to_string();
        let ours_build = timed(
            root,
            "cargo",
            &[
                "build",
                "--locked",
                "-p",
                "cloudflare-cni-client",
                "--target-dir",
                &ours_target,
            ],
        )?;
        let theirs_dir = self.scratch.join("rust-0");
        let theirs_target = self.scratch.join("target-theirs").display().to_string();
        let theirs_build = timed(
            &theirs_dir,
            "cargo",
            &["build", "--target-dir", &theirs_target],
        )?;
        let (ours_lines, ours_bytes) = {
            let (a, b) = source_size(&root.join("generated/client/src"));
            let (c, d) = source_size(&root.join("generated/types/src"));
            (a + c, b + d)
        };
        let (their_lines, their_bytes) = source_size(&theirs_dir.join("src"));
        out.push_str(&format!("## 4. Build cost\n\nOne clean debug build each, in a fresh target directory, crates already downloaded: ours `cargo build -p cloudflare-cni-client` (with `cloudflare-cni-types` and the runtimes), theirs `cargo build` in openapi-generator's `rust` output. Sizes count the `.rs` sources of the client and the types it needs.\n\n| Client | Clean build | Source lines | Source bytes |\n| --- | --- | --- | --- |\n| ours | {ours_build:.1} s | {ours_lines} | {ours_bytes} |\n| openapi-generator `rust` | {theirs_build:.1} s | {their_lines} | {their_bytes} |\n| ratio ours ÷ theirs | {:.2} | {:.2} | {:.2} |\n\n", ours_build / theirs_build, ours_lines as f64 / their_lines as f64, ours_bytes as f64 / their_bytes as f64));
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
                    let json: serde_json::Value =
                        serde_json::from_str(line.trim()).map_err(|e| e.to_string())?;
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
