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
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let address = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("the banner names the address: {banner}"))
        .to_string();

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
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
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
