//! Conformance of the emulator (and so of the generated server and client) against
//! `spec/cni.yaml`, with the pinned outside tools:
//!
//! 1. schemathesis fuzzes a running emulator with every check, a fixed seed and 100 examples per
//!    operation; its warnings that mean "nothing was really tested" (only 401/403 answers, data
//!    the server mostly rejected) fail the run unless `tests/conformance/schemathesis.toml`
//!    names the operation and says why;
//!    It fuzzes the dialect fixture's generated server the same way (a test implementation of
//!    one operation of each shape of Cloudflare's dialect, `codegen/snapshots/examples/
//!    dialect_server.rs`), with `tests/conformance/dialect.toml`;
//! 2. Prism, as a validating proxy (`--errors`) in front of a second, fresh emulator, watches
//!    the walk through every operation (`tests/e2e/examples/walk.rs`): no violation in either
//!    direction.
//!
//! Every server started here listens on a port the OS gives it (or the one asked for, failing at
//! once when it is taken), and counts as started only when the process is alive and its own
//! output names the address it bound: a check can never pass against another program that
//! happens to answer on a port.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::tools::{self, Tools};
use crate::Workspace;

/// The API token the emulators accept and the tools send.
const TOKEN: &str = "conformance-token";
/// schemathesis's seed and examples per operation.
const SEED: &str = "20261126";
const EXAMPLES: &str = "100";
/// How long a server may take to say it listens.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Ports to listen on; `None` lets the OS choose.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub emulator_port: Option<u16>,
    pub prism_port: Option<u16>,
}

/// Why conformance failed: one line naming the step and what happened.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    #[error("conformance: {0}")]
    Tool(#[from] tools::ToolError),
    #[error("conformance: building the emulator and the walk: {0}")]
    Build(String),
    #[error("conformance: {what} did not start on {address}: {reason}")]
    NotStarted {
        what: String,
        address: String,
        reason: String,
    },
    #[error("conformance: {step} failed: {detail}")]
    Step { step: &'static str, detail: String },
}

/// A server process this run started, with its output kept.
pub struct Server {
    what: String,
    child: Child,
    /// Every line it printed, stdout and stderr interleaved as read.
    log: Arc<Mutex<Vec<String>>>,
    /// The address its own output names, `127.0.0.1:PORT`.
    pub address: String,
}

impl Server {
    /// Starts `command` and waits until a line of its output names the address it listens on
    /// (`find_address` picks it out of a line). Fails, naming `asked` (the address it was
    /// told), when the process exits first, says nothing in time, or names another port.
    pub fn start(
        what: &str,
        mut command: Command,
        asked: &str,
        find_address: fn(&str) -> Option<String>,
    ) -> Result<Server, ConformanceError> {
        let not_started = |reason: String| ConformanceError::NotStarted {
            what: what.to_string(),
            address: asked.to_string(),
            reason,
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| not_started(format!("cannot run {:?}: {e}", command.get_program())))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, address) = mpsc::channel();
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        for stream in [stdout, stderr].into_iter().flatten() {
            let (log, found) = (Arc::clone(&log), found.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(address) = find_address(&line) {
                        let _ = found.send(address);
                    }
                    if let Ok(mut log) = log.lock() {
                        log.push(line);
                    }
                }
            });
        }
        drop(found);
        let mut server = Server {
            what: what.to_string(),
            child,
            log,
            address: String::new(),
        };
        let exited = |server: &mut Server| {
            // The readers have its last words once the pipes close; then reap it.
            let status = server.child.wait().map(|s| s.to_string());
            not_started(format!(
                "it exited ({}): {}",
                status.unwrap_or_else(|e| e.to_string()),
                server.last_words()
            ))
        };
        let waited = std::time::Instant::now();
        loop {
            match address.recv_timeout(Duration::from_millis(100)) {
                Ok(bound) => {
                    if !asked.ends_with(":0") && bound != asked {
                        return Err(not_started(format!("it says it listens on {bound}")));
                    }
                    server.address = bound;
                    break;
                }
                // Both pipes closed without an address: the process is gone.
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(exited(&mut server)),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(_)) = server.child.try_wait() {
                        std::thread::sleep(Duration::from_millis(200));
                        return Err(exited(&mut server));
                    }
                    if waited.elapsed() >= START_TIMEOUT {
                        return Err(not_started(format!(
                            "it named no address within {}s: {}",
                            START_TIMEOUT.as_secs(),
                            server.last_words()
                        )));
                    }
                }
            }
        }
        Ok(server)
    }

    /// Fails unless the process is still running (a crash mid-run is not a pass).
    pub fn alive(&mut self) -> Result<(), ConformanceError> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(ConformanceError::Step {
                step: "server check",
                detail: format!(
                    "{} on {} exited ({status}): {}",
                    self.what,
                    self.address,
                    self.last_words()
                ),
            }),
            Err(e) => Err(ConformanceError::Step {
                step: "server check",
                detail: format!("{}: {e}", self.what),
            }),
        }
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// What it said last, on one line: its last line that reports an error (a program that
    /// fails to start may print its usage after the error), else its last line.
    fn last_words(&self) -> String {
        let log = self.log();
        let is_error = |line: &&String| {
            let lower = line.to_ascii_lowercase();
            lower.contains("error") || lower.contains("eaddrinuse") || lower.contains("panicked")
        };
        log.iter()
            .rev()
            .find(is_error)
            .or_else(|| log.iter().rev().find(|l| !l.trim().is_empty()))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| "no output".to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cloudflare-cni-emulator listening on http://127.0.0.1:PORT` (the emulator's first line).
pub fn emulator_address(line: &str) -> Option<String> {
    address_after(line, "cloudflare-cni-emulator listening on http://")
}

/// `dialect-server listening on http://127.0.0.1:PORT` (the dialect fixture's server).
pub fn dialect_address(line: &str) -> Option<String> {
    address_after(line, "dialect-server listening on http://")
}

/// `… Prism is listening on http://127.0.0.1:PORT`.
pub fn prism_address(line: &str) -> Option<String> {
    address_after(line, "Prism is listening on http://")
}

fn address_after(line: &str, marker: &str) -> Option<String> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let address: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']'))
        .collect();
    address.contains(':').then_some(address)
}

/// The emulator binary and the walk example, as the test build made them (same profile and
/// features as `./scripts/test`, so nothing is built twice after it).
pub fn executables(ws: &Workspace) -> Result<BTreeMap<String, PathBuf>, ConformanceError> {
    let output = Command::new(tools::cargo())
        .args([
            "test",
            "--locked",
            "--workspace",
            "--no-run",
            "--message-format",
            "json-render-diagnostics",
        ])
        .current_dir(&ws.root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| ConformanceError::Build(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(ConformanceError::Build(format!(
            "cargo test --no-run failed ({})",
            output.status
        )));
    }
    let mut found = BTreeMap::new();
    for line in output.stdout.split(|b| *b == b'\n') {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let kinds = message["target"]["kind"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let runnable = kinds.iter().any(|k| k == "bin" || k == "example");
        if message["reason"] != "compiler-artifact"
            || message["profile"]["test"] == true
            || !runnable
        {
            continue;
        }
        if let (Some(name), Some(path)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            found.insert(name.to_string(), PathBuf::from(path));
        }
    }
    Ok(found)
}

/// The programs a conformance run starts.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub emulator: PathBuf,
    pub walk: PathBuf,
    /// The dialect fixture's generated server with a test implementation
    /// (`codegen/snapshots/examples/dialect_server.rs`).
    pub dialect_server: PathBuf,
}

impl Binaries {
    /// The emulator and the walk, from the test build (see [`executables`]).
    pub fn from_test_build(ws: &Workspace) -> Result<Binaries, ConformanceError> {
        let found = executables(ws)?;
        let take = |name: &str| {
            found
                .get(name)
                .cloned()
                .ok_or_else(|| ConformanceError::Build(format!("the test build made no `{name}`")))
        };
        Ok(Binaries {
            emulator: take("cloudflare-cni-emulator")?,
            walk: take("walk")?,
            dialect_server: take("dialect_server")?,
        })
    }
}

fn listen(port: Option<u16>) -> String {
    format!("127.0.0.1:{}", port.unwrap_or(0))
}

/// Starts an emulator of the spec on `port` (the OS's choice when `None`).
pub fn start_emulator(emulator: &Path, port: Option<u16>) -> Result<Server, ConformanceError> {
    let asked = listen(port);
    let mut command = Command::new(emulator);
    command.args([
        "--listen",
        &asked,
        "--status-delay",
        "0.5",
        "--api-token",
        TOKEN,
    ]);
    Server::start("the emulator", command, &asked, emulator_address)
}

/// Starts Prism as a validating proxy in front of `upstream`.
pub fn start_prism(
    prism: &Path,
    spec: &Path,
    upstream: &str,
    port: Option<u16>,
) -> Result<Server, ConformanceError> {
    let asked = listen(port);
    let mut command = Command::new(prism);
    command
        .args(["proxy"])
        .arg(spec)
        .arg(upstream)
        .args(["--errors", "--host", "127.0.0.1", "--port"])
        .arg(port.unwrap_or(0).to_string());
    Server::start("Prism", command, &asked, prism_address)
}

/// The whole conformance run; returns its summary.
pub fn run(
    ws: &Workspace,
    binaries: &Binaries,
    tools: &Tools,
    options: &Options,
) -> Result<String, ConformanceError> {
    let Binaries {
        emulator,
        walk,
        dialect_server,
    } = binaries;
    let spec = ws.spec_path();
    // Every server first, so that a port that cannot be had fails the run before any tool runs.
    let mut fuzzed = start_emulator(emulator, options.emulator_port)?;
    let mut walked = start_emulator(emulator, None)?;
    let prism_binary = tools.prism()?;
    let upstream = format!("http://{}/client/v4", walked.address);
    let mut prism = start_prism(&prism_binary, &spec, &upstream, options.prism_port)?;
    println!(
        "conformance: emulators on {} (schemathesis) and {} (behind Prism on {})",
        fuzzed.address, walked.address, prism.address
    );

    let mut dialect = Server::start(
        "the dialect fixture's server",
        {
            let mut command = Command::new(dialect_server);
            command.args(["--listen", &listen(None), "--api-token", TOKEN]);
            command
        },
        &listen(None),
        dialect_address,
    )?;
    println!(
        "conformance: the dialect fixture's server on {} (schemathesis)",
        dialect.address
    );

    let url = format!("http://{}/client/v4", fuzzed.address);
    fuzz(ws, tools, &spec, CNI_CONFIG, None, &url, &mut fuzzed)?;
    let url = format!("http://{}", dialect.address);
    let dialect_spec = ws.root.join(DIALECT_SPEC);
    fuzz(
        ws,
        tools,
        &dialect_spec,
        DIALECT_CONFIG,
        Some(DIALECT_HOOKS),
        &url,
        &mut dialect,
    )?;
    walk_through_prism(walk, &mut walked, &mut prism)
}

/// schemathesis's settings for the CNI spec and for the dialect fixture.
const CNI_CONFIG: &str = "tests/conformance/schemathesis.toml";
const DIALECT_CONFIG: &str = "tests/conformance/dialect.toml";
/// Its hooks (a serializer for `application/javascript`), as a module from the checkout.
const DIALECT_HOOKS: &str = "tests.conformance.dialect_hooks";
/// The fixture that holds one operation of each shape of Cloudflare's dialect.
const DIALECT_SPEC: &str = "codegen/snapshots/fixtures/dialect.yaml";

/// schemathesis against the emulator `fuzzed`: every check, the fixed seed; its warnings that
/// mean nothing was tested fail (see the config). Prints its summary.
fn fuzz(
    ws: &Workspace,
    tools: &Tools,
    spec: &Path,
    config: &str,
    hooks: Option<&str>,
    url: &str,
    fuzzed: &mut Server,
) -> Result<(), ConformanceError> {
    let schemathesis = tools.schemathesis()?;
    println!(
        "conformance: schemathesis {} on {}, --checks all, seed {SEED}, {EXAMPLES} examples per operation",
        tools::SCHEMATHESIS,
        spec.strip_prefix(&ws.root).unwrap_or(spec).display()
    );
    let mut command = Command::new(&schemathesis);
    if let Some(hooks) = hooks {
        command.env("SCHEMATHESIS_HOOKS", hooks);
    }
    let report = command
        .args(["--config-file", config, "run"])
        .arg(spec)
        .arg("--url")
        .arg(url)
        .args([
            "--checks",
            "all",
            "--seed",
            SEED,
            "--max-examples",
            EXAMPLES,
        ])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--generation-database", "none", "--no-color"])
        .current_dir(&ws.root)
        .output()
        .map_err(|e| ConformanceError::Step {
            step: "schemathesis",
            detail: format!("cannot run {}: {e}", schemathesis.display()),
        })?;
    let text = String::from_utf8_lossy(&report.stdout).into_owned()
        + &String::from_utf8_lossy(&report.stderr);
    fuzzed.alive()?;
    if !report.status.success() {
        println!("{text}");
        return Err(ConformanceError::Step {
            step: "schemathesis",
            detail: format!(
                "it found failures or a warning that fails the run ({}); its report is above",
                report.status
            ),
        });
    }
    let summary: String = text
        .lines()
        .skip_while(|l| !l.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");

    Ok(())
}

/// The walk through every operation, through Prism in front of the emulator `walked`: the walk
/// must pass, Prism must have seen it and reported no violation. Returns the summary line.
fn walk_through_prism(
    walk: &Path,
    walked: &mut Server,
    prism: &mut Server,
) -> Result<String, ConformanceError> {
    println!(
        "conformance: Prism {} (--errors) between the generated client and the emulator",
        tools::PRISM
    );
    let walked_run = Command::new(walk)
        .arg(format!("http://{}", prism.address))
        .arg(TOKEN)
        .output()
        .map_err(|e| ConformanceError::Step {
            step: "walk",
            detail: format!("cannot run {}: {e}", walk.display()),
        })?;
    let walk_text = String::from_utf8_lossy(&walked_run.stdout).into_owned()
        + &String::from_utf8_lossy(&walked_run.stderr);
    if !walked_run.status.success() {
        return Err(ConformanceError::Step {
            step: "walk through Prism",
            detail: walk_text.trim().to_string(),
        });
    }
    print!("{walk_text}");
    walked.alive()?;
    prism.alive()?;
    let log = prism.log();
    let violations: Vec<&String> = log
        .iter()
        .filter(|l| {
            l.contains('✖') || l.contains('⚠') || l.contains("warning") || l.contains("error ")
        })
        .collect();
    let requests = log
        .iter()
        .filter(|l| l.contains("Request received"))
        .count();
    if !violations.is_empty() {
        return Err(ConformanceError::Step {
            step: "Prism",
            detail: format!(
                "{} violation(s): {}",
                violations.len(),
                violations
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        });
    }
    if requests == 0 {
        return Err(ConformanceError::Step {
            step: "Prism",
            detail: "it saw no request: the walk did not go through it".to_string(),
        });
    }
    Ok(format!(
        "conformance: Prism validated {requests} requests and responses: 0 violations"
    ))
}

/// `cargo xtask conformance`: the run, on the test build's emulator and walk.
pub fn command(ws: &Workspace, options: Options) -> Result<(), crate::Error> {
    let tools = Tools::machine()?;
    let binaries = Binaries::from_test_build(ws)?;
    let summary = run(ws, &binaries, &tools, &options)?;
    println!("{summary}");
    Ok(())
}

/// A stand-in for another program on a port: answers every request with `status` and `body`.
pub struct Stub {
    pub port: u16,
}

impl Stub {
    /// Starts a stub on an OS-given port; it serves until the process ends.
    pub fn start(status: &'static str, body: &'static str) -> std::io::Result<Stub> {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().map_while(Result::ok) {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Ok(Stub { port })
    }
}

/// Conformance refuses ports held by another program: the emulator's, then Prism's, each taken
/// by a stub answering 401 and by one answering 200 `{}`. Every run must fail before any tool
/// runs, naming the port. Returns one line per case.
pub fn refuses_occupied_ports(
    ws: &Workspace,
    binaries: &Binaries,
    tools: &Tools,
) -> Result<Vec<String>, ConformanceError> {
    let mut lines = Vec::new();
    for (status, body) in [
        ("401 Unauthorized", r#"{"success":false}"#),
        ("200 OK", "{}"),
    ] {
        for which in ["emulator", "Prism"] {
            let stub = Stub::start(status, body).map_err(|e| ConformanceError::Step {
                step: "occupied-port check",
                detail: format!("cannot start a stub: {e}"),
            })?;
            let options = match which {
                "emulator" => Options {
                    emulator_port: Some(stub.port),
                    prism_port: None,
                },
                _ => Options {
                    emulator_port: None,
                    prism_port: Some(stub.port),
                },
            };
            let outcome = run(ws, binaries, tools, &options);
            let port = format!("127.0.0.1:{}", stub.port);
            match outcome {
                Err(e @ ConformanceError::NotStarted { .. }) if e.to_string().contains(&port) => {
                    lines.push(format!(
                        "{which} port {port} taken by a stub answering {status}: refused: {e}"
                    ));
                }
                other => {
                    return Err(ConformanceError::Step {
                        step: "occupied-port check",
                        detail: format!(
                            "with the {which} port {port} taken by a stub answering {status}, \
                             the run should fail naming it; it ended {:?}",
                            other.map_err(crate::Error::from)
                        ),
                    })
                }
            }
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn addresses_are_read_from_the_servers_own_words() {
        assert_eq!(
            emulator_address(
                "cloudflare-cni-emulator listening on http://127.0.0.1:4321/client/v4"
            )
            .as_deref(),
            Some("127.0.0.1:4321")
        );
        assert_eq!(
            prism_address(
                "[3:13:37 PM] › [CLI] ▶  start     Prism is listening on http://127.0.0.1:35861"
            )
            .as_deref(),
            Some("127.0.0.1:35861")
        );
        assert_eq!(emulator_address("listening on http://127.0.0.1:1"), None);
    }

    #[test]
    fn a_server_that_exits_before_naming_its_address_fails_naming_the_port_and_its_words() {
        let error = Server::start(
            "the emulator",
            shell("echo 'error: cannot listen on 127.0.0.1:18787: Address in use' >&2; exit 1"),
            "127.0.0.1:18787",
            emulator_address,
        )
        .err()
        .expect("refused");
        let text = error.to_string();
        assert!(
            text.contains("the emulator did not start on 127.0.0.1:18787"),
            "{text}"
        );
        assert!(text.contains("Address in use"), "{text}");
    }

    #[test]
    fn the_error_line_is_picked_out_of_a_usage_text_printed_after_it() {
        let error = Server::start(
            "Prism",
            shell("echo 'listen EADDRINUSE: address already in use 127.0.0.1:4010' >&2; echo '  --port  The port  [number]' >&2; exit 1"),
            "127.0.0.1:4010",
            prism_address,
        )
        .err()
        .expect("refused");
        let text = error.to_string();
        assert!(
            text.ends_with("listen EADDRINUSE: address already in use 127.0.0.1:4010"),
            "{text}"
        );
    }

    #[test]
    fn a_server_naming_another_port_than_asked_is_refused() {
        let error = Server::start(
            "the emulator",
            shell("echo 'cloudflare-cni-emulator listening on http://127.0.0.1:5555'; sleep 5"),
            "127.0.0.1:18787",
            emulator_address,
        )
        .err()
        .expect("refused");
        assert!(
            error
                .to_string()
                .contains("it says it listens on 127.0.0.1:5555"),
            "{error}"
        );
    }

    #[test]
    fn a_server_that_names_its_address_is_started_and_stopped_on_drop() {
        let mut server = Server::start(
            "the emulator",
            shell("echo 'cloudflare-cni-emulator listening on http://127.0.0.1:4242/client/v4'; sleep 30"),
            "127.0.0.1:0",
            emulator_address,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(server.address, "127.0.0.1:4242");
        server.alive().unwrap();
        let pid = server.child.id();
        drop(server);
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists() || {
                // Reaped: /proc may briefly keep a zombie entry on some kernels.
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .map_or(true, |s| s.contains(") Z"))
            }
        );
    }

    #[test]
    fn a_server_that_dies_mid_run_fails_the_check() {
        let mut server = Server::start(
            "the emulator",
            shell("echo 'cloudflare-cni-emulator listening on http://127.0.0.1:4243'; echo 'panicked' >&2; exit 3"),
            "127.0.0.1:0",
            emulator_address,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_millis(300));
        let error = server.alive().unwrap_err().to_string();
        assert!(error.contains("exited"), "{error}");
    }
}
