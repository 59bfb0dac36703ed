//! The emulator binary: it serves on the address it was given, stops cleanly on SIGTERM, and
//! refuses a broken slot catalogue with a clear message.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn emulator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cloudflare-cni-emulator"))
}

#[test]
fn serves_then_shuts_down_gracefully_on_sigterm() {
    let mut child = emulator()
        .args(["--listen", "127.0.0.1:0", "--api-token", "t"])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        BufReader::new(log).read_to_string(&mut text).map(|_| text)
    });
    // Standard output holds one line, the address the emulator holds; the log is on stderr.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let address = banner
        .strip_prefix("cloudflare-cni-emulator listening on http://")
        .and_then(|rest| rest.strip_suffix("/client/v4"))
        .unwrap_or_else(|| panic!("the banner names the address: {banner}"))
        .to_string();
    assert_ne!(
        address, "127.0.0.1:0",
        "the port the OS gave, not the one asked for"
    );

    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET /client/v4/accounts/a/cni/settings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("{\"default_asn\":65000}"), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "a graceful shutdown exits 0, not {status}"
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.is_empty(),
        "nothing but the address on stdout: {rest:?}"
    );
    let log = log.join().unwrap().unwrap();
    assert!(log.contains("shutting down"), "{log}");
}

#[test]
fn a_port_already_taken_fails_at_once_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = emulator().args(["--listen", &address]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no address announced");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("error: cannot listen on {address}")),
        "{stderr}"
    );
}

#[test]
fn start_up_values_the_emulator_cannot_use_are_refused_in_one_line() {
    for (args, expected) in [
        (
            &["--header-timeout", "0"][..],
            "--header-timeout 0: must be a number of seconds above 0",
        ),
        (
            &["--link-pool", "100.64.0.0/32"],
            "--link-pool 100.64.0.0/32: a CNI link is a /31",
        ),
        (&["--api-token", "t1:accA,,accB"], "--api-token"),
        (&["--default-asn=-5"], "--default-asn -5: an ASN is from 0"),
        (
            &["--status-delay", "1e300"],
            "--status-delay 1e300: must be a number of seconds from 0",
        ),
        // The probe's finding: a --state under a missing folder started, then failed every
        // save (and SIGTERM lost the state). It is refused before anything is served.
        (
            &["--api-token", "t", "--state", "/no/such/folder/state.json"],
            "cannot write the state file /no/such/folder/state.json",
        ),
        (
            &["--api-token", "t", "--state", "/"],
            "is not a regular file",
        ),
    ] {
        let output = emulator()
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing announced");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{args:?}: one line: {stderr}"
        );
    }
}

#[test]
fn a_broken_catalogue_is_refused_with_its_name() {
    let dir = std::env::temp_dir().join(format!("cni-emulator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("slots.json");
    std::fs::write(&path, "{\"slots\": [{\"id\": 5}]}").unwrap();
    let output = emulator().args(["--slots"]).arg(&path).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("slots.json is not valid"), "{stderr}");
    let missing = emulator()
        .args(["--slots", "/nonexistent/slots.json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("cannot read the slot catalogue /nonexistent/slots.json"));
}

/// A running emulator binary, stopped with SIGTERM when dropped or by [`Running::stop`].
struct Running {
    child: std::process::Child,
    address: String,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = emulator()
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let banner = lines
            .by_ref()
            .map_while(Result::ok)
            .find(|l| l.contains("http://"))
            .expect("the banner names the address");
        // Keep reading, so that the emulator's later log lines have somewhere to go.
        std::thread::spawn(move || lines.for_each(drop));
        let address = banner
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_string();
        Running { child, address }
    }

    /// One request over a fresh connection; the status and the body.
    fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child.wait().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let args = [
        "--api-token",
        "t",
        "--state",
        state_arg,
        "--manual-lifecycle",
    ];

    let first = Running::start(&args);
    let (status, body) = first.request(
        "POST",
        "/client/v4/accounts/acct/cni/interconnects",
        r#"{"type": "gcp_partner", "account": "acct", "bandwidth": "1G", "pairing_key": "7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let icon: serde_json::Value = serde_json::from_str(&body).unwrap();
    let name = icon["name"].as_str().unwrap().to_string();
    let (status, body) = first.request(
        "PUT",
        &format!("/__emulator/accounts/acct/interconnects/{name}/status"),
        r#"{"state": "Down", "reason": "fibre cut"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = first.request(
        "PUT",
        "/client/v4/accounts/acct/cni/settings",
        r#"{"default_asn": 4200000000}"#,
    );
    assert_eq!(status, 200);
    assert!(first.stop().success(), "a graceful shutdown exits 0");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("\"version\": 1"), "{saved}");

    let second = Running::start(&args);
    let (status, body) = second.request(
        "GET",
        &format!("/client/v4/accounts/acct/cni/interconnects/{name}/status"),
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"state": "Down", "reason": "fibre cut"})
    );
    let (_, body) = second.request("GET", "/client/v4/accounts/acct/cni/settings", "");
    assert_eq!(body, r#"{"default_asn":4200000000}"#);
    // The listing continues the creation order: a new interconnect comes after it.
    let (status, body) = second.request(
        "POST",
        "/client/v4/accounts/acct/cni/interconnects",
        r#"{"type": "gcp_partner", "account": "acct", "bandwidth": "1G", "pairing_key": "7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (_, body) = second.request("GET", "/client/v4/accounts/acct/cni/interconnects", "");
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0], name);
    assert_ne!(names[1], name, "a new name, not a reused one");
    // Saved on request too.
    let (status, body) = second.request("POST", "/__emulator/state/save", "");
    assert_eq!(status, 200, "{body}");
    assert!(std::fs::read_to_string(&state).unwrap().contains(names[1]));
    assert!(second.stop().success());
}

#[test]
fn a_corrupt_or_newer_state_file_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        ("{ not json", "is not an emulator state file: not JSON"),
        (
            r#"{"format": "cloudflare-cni-emulator-state", "version": 7, "accounts": {}}"#,
            "was written by a newer emulator (state version 7",
        ),
    ] {
        let path = dir.path().join("state.json");
        std::fs::write(&path, text).unwrap();
        let output = emulator()
            .args(["--listen", "127.0.0.1:0", "--state"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("state.json"), "names the file: {stderr}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
    }
}

#[test]
fn help_lists_the_flags_and_the_control_plane() {
    let output = emulator().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--state <FILE>",
        "--manual-lifecycle",
        "--fault-seed",
        "--status-delay",
        "/__emulator/faults",
        "/__emulator/clock/advance",
        "Exit status",
    ] {
        assert!(help.contains(expected), "{expected} missing from:\n{help}");
    }
}
