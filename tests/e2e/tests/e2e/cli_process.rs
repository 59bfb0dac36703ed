//! The command-line tool as a process (`src/bin/cli-as-built.rs`, its generated `main`):
//! what only a real process shows, a pipe closed by its reader and a signal mid-download.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudflare_cni_emulator::{Emulator, EmulatorConfig};

const TOOL: &str = env!("CARGO_BIN_EXE_cli-as-built");

fn tool(base: &str, args: &[&str]) -> Command {
    let mut command = Command::new(TOOL);
    command
        .args(["--base-url", base, "--api-token", "t", "--account", "acct"])
        .args(args)
        .env_remove("CLOUDFLARE_API_TOKEN")
        .env_remove("CLOUDFLARE_ACCOUNT_ID")
        .env_remove("CLOUDFLARE_API_BASE_URL");
    command
}

/// The probe's finding: `cloudflare-cni slots list | true` printed "error: cannot write the
/// output: Broken pipe" and exited 1, ten runs of ten. A reader that goes away ends the tool
/// quietly, as with any Unix tool: nothing on standard error, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_output_pipe_ends_the_tool_quietly() {
    let emulator = Emulator::new(EmulatorConfig::default());
    let base = emulator.spawn().await.unwrap();
    let runs = tokio::task::spawn_blocking(move || {
        (0..10)
            .map(|_| {
                let mut child = tool(&base, &["slots", "list", "--limit", "1000"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                // `| true`: the reader is gone before the tool writes.
                drop(child.stdout.take());
                child.wait_with_output().unwrap()
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (i, run) in runs.iter().enumerate() {
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            "",
            "run {i}: standard error"
        );
        assert!(run.status.success(), "run {i}: {:?}", run.status);
    }
}

/// The probe's finding: SIGTERM during `-o` left the `.part` file behind. A signal now drops
/// the call, which removes the temporary file; the tool exits 128 + the signal's number.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_a_download_leaves_no_temporary_file() {
    // A server that sends the start of a PDF and then nothing more, keeping the call open.
    let app = axum::Router::new().fallback(|| async {
        let start = futures::stream::once(async {
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"%PDF-1.4 start"))
        });
        let stall = futures::stream::pending();
        axum::response::Response::builder()
            .header("content-type", "application/pdf")
            .body(axum::body::Body::from_stream(futures::StreamExt::chain(
                start, stall,
            )))
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/client/v4", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    let folder = dir.path().to_path_buf();
    let (status, stderr, left) = tokio::task::spawn_blocking(move || {
        let child = tool(
            &base,
            &[
                "interconnects",
                "loa",
                "icon-1",
                "-o",
                path.to_str().unwrap(),
            ],
        )
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        // Wait for the download to have started writing its temporary file.
        let started = Instant::now();
        while std::fs::read_dir(&folder).unwrap().count() == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no download started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let killed = Command::new("kill")
            .args(["-s", "TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let output = child.wait_with_output().unwrap();
        let left: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        (
            output.status,
            String::from_utf8_lossy(&output.stderr).into_owned(),
            left,
        )
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(128 + 15), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");
    assert!(left.is_empty(), "left behind: {left:?}");
}
