//! The client's and the server's README examples, run as a user's crate runs them: the
//! doctests of `tests/user-client` and `tests/user-server` (crates whose only dependencies are
//! the one generated crate and tokio) under `cargo test --doc`, with
//! `CNI_RUN_README_EXAMPLES` set (unset, they compile and return at once). The client's run
//! against an emulator started here, on an account given an interconnect first, with a token
//! only this emulator accepts; the server's example serves on a port the OS gives, is called
//! here over HTTP, and is stopped with SIGINT, as Ctrl-C stops it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloudflare_cni_client::{Client, CniError, Wait};
use cloudflare_cni_emulator::{Emulator, EmulatorConfig, Grant};
use cloudflare_cni_tests::{direct, status};

const ACCOUNT: &str = "readme-account";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README's examples: each fenced Rust block, and whether it runs live (has the gate).
fn examples(readme: &str) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(workspace().join(readme)).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.starts_with("```rust") => current = Some(String::new()),
            Some(block) if line == "```" => {
                let live = block.contains("CNI_RUN_README_EXAMPLES");
                blocks.push((std::mem::take(block), live));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// Every operation of the spec: id, method and path template.
fn operations() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(workspace().join("spec/cni.yaml")).unwrap();
    let spec = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_hash().unwrap() {
        for (method, operation) in item.as_hash().unwrap() {
            if let Some(id) = operation["operationId"].as_str() {
                operations.push((
                    id.to_string(),
                    method.as_str().unwrap().to_uppercase(),
                    path.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    operations
}

/// Whether `path` (as sent, after the base path) fits `template`, `{account_id}` being
/// `account`.
fn fits(template: &str, path: &str, account: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| match *t {
            "{account_id}" => *p == account,
            t if t.starts_with('{') => !p.is_empty(),
            t => t == *p,
        })
}

/// How many doctests of `source` (as rustdoc names them) passed, and the lines of any that
/// did not.
fn doctests(stdout: &str, source: &str) -> (usize, Vec<String>) {
    let prefix = format!("test {source} - ");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with(&prefix)).collect();
    // `no_run` and `ignore` examples report `- compile ... ok` and `... ignored`: not run.
    let ran = |line: &&&str| line.ends_with("... ok") && !line.contains(" - compile ");
    let passed = lines.iter().filter(ran).count();
    let other = lines
        .iter()
        .filter(|l| !ran(l))
        .map(|l| l.to_string())
        .collect();
    (passed, other)
}

/// The server example's process: SIGINT (its Ctrl-C) when asked, or when dropped unasked (a
/// failed check must not leave it serving).
struct Interrupt {
    pid: String,
    sent: bool,
}

impl Interrupt {
    fn send(&mut self) -> bool {
        self.sent = true;
        Command::new("kill")
            .args(["-INT", &self.pid])
            .status()
            .is_ok_and(|status| status.success())
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        if !self.sent {
            self.send();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_examples_run_against_the_emulator_and_serve() {
    // The emulator: a token only this run knows, good for one account; every request seen.
    let token = format!("readme-{}", cloudflare_cni_client::Uuid::new_v4());
    let emulator = Emulator::new(
        EmulatorConfig::default()
            .status_delay(Duration::from_millis(200))
            .grants(vec![
                Grant::parse_token(&format!("{token}:{ACCOUNT}")).unwrap()
            ]),
    );
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let record = seen.clone();
    let router = emulator.router().layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let record = record.clone();
            async move {
                let path = request.uri().path().to_string();
                let method = request.method().to_string();
                let response = next.run(request).await;
                if response.status().is_success() {
                    record.lock().unwrap().push((method, path));
                }
                response
            }
        },
    ));
    let base_url = crate::emulator_e2e::serve(router).await;

    // What the examples read: an interconnect on the account, healthy.
    let client = Client::builder()
        .base_url(&base_url)
        .api_token(&token)
        .build()
        .unwrap();
    let account = client.account(ACCOUNT);
    let slot = account
        .list_slots()
        .occupied(false)
        .stream()
        .next()
        .await
        .expect("a free slot")
        .unwrap();
    let icon = direct(&client, ACCOUNT, slot.id).await.unwrap().name;
    account
        .get_interconnect_status()
        .icon(&icon)
        .wait_until_healthy(&Wait::default().timeout(Duration::from_secs(30)))
        .await
        .unwrap();
    seen.lock().unwrap().clear();

    // The two user crates' doctests, live.
    let folder = tempfile::tempdir().unwrap();
    let server_file = folder.path().join("server-address");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    // What cargo set for this test's own package (CARGO_MANIFEST_DIR, CARGO_PKG_*...): a build
    // run with them sees the workspace's crates as changed and rebuilds them (from ring up),
    // and the next plain build rebuilds them back.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let package_variable = [
            "CARGO_MANIFEST_",
            "CARGO_PKG_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
            || name == "CARGO_PRIMARY_PACKAGE"
            || name == "CARGO_TARGET_TMPDIR";
        if package_variable {
            command.env_remove(&*name);
        }
    }
    command
        // The workspace's doc tests as scripts/test selects them, filtered to the two READMEs:
        // the same features, so the same artifacts (the two users' crates selected alone
        // resolve reqwest's and rustls's features otherwise, and each build undoes the other's).
        .args(["test", "--locked", "--workspace", "--doc"])
        .args(["--exclude", "cloudflare-cni-codegen-snapshots"])
        .args(["--", "client_readme", "server_readme"])
        .current_dir(workspace())
        .env("CNI_RUN_README_EXAMPLES", "1")
        .env("CLOUDFLARE_API_BASE_URL", &base_url)
        .env("CLOUDFLARE_API_TOKEN", &token)
        .env("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
        .env_remove("CLOUDFLARE_EMAIL")
        .env_remove("CLOUDFLARE_API_KEY")
        .env("CNI_LISTEN", "127.0.0.1:0")
        .env("CNI_README_SERVER_FILE", &server_file)
        // The examples' downloads land here, and go with it.
        .env("TMPDIR", folder.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("cargo runs");
    let pid_of_cargo = child.id();
    let (done, finished) = std::sync::mpsc::channel::<std::io::Result<Output>>();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let show = |output: &Output| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };

    // The server example: where it listens (it writes that, and its pid, once bound).
    let started = Instant::now();
    let (address, pid) = loop {
        if let Ok(text) = std::fs::read_to_string(&server_file) {
            if let Some((address, pid)) = text.strip_suffix('\n').and_then(|t| t.split_once(' ')) {
                break (address.to_string(), pid.to_string());
            }
        }
        if let Ok(output) = finished.try_recv() {
            let output = output.unwrap();
            panic!(
                "cargo ended before the server example served:\n{}",
                show(&output)
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "the server example did not start in 15 minutes (cargo pid {pid_of_cargo})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_ne!(
        pid,
        std::process::id().to_string(),
        "the example runs in its own process"
    );
    let mut server = Interrupt {
        pid: pid.clone(),
        sent: false,
    };

    // Called over HTTP: its one operation answers 404 in the envelope, the others 501, and a
    // call without credentials 401.
    let example = Client::builder()
        .base_url(format!("http://{address}"))
        .api_token("any")
        .max_retries(0)
        .build()
        .unwrap();
    let get_missing = |client: Client| async move {
        client
            .get_cni()
            .account_id(ACCOUNT)
            .cni(cloudflare_cni_client::Uuid::nil())
            .send()
            .await
            .unwrap_err()
    };
    let missing = get_missing(example.clone()).await;
    assert!(missing.is_not_found(), "{missing}");
    assert!(missing.to_string().contains("no such object"), "{missing}");
    // It reads a request header and answers with it.
    let options = cloudflare_cni_client::RequestOptions::default().header(
        cloudflare_cni_client::header::HeaderName::from_static("x-request-id"),
        cloudflare_cni_client::header::HeaderValue::from_static("readme-1"),
    );
    let echoed = example
        .get_cni()
        .account_id(ACCOUNT)
        .cni(cloudflare_cni_client::Uuid::nil())
        .send_with(&options)
        .await
        .unwrap_err();
    match &echoed {
        CniError::Api { headers, .. } => assert_eq!(headers["x-request-id"], "readme-1"),
        other => panic!("expected the 404, got {other:?}"),
    }
    let unimplemented = example
        .list_cnis()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&unimplemented), 501, "{unimplemented}");
    let anonymous = Client::builder()
        .without_credentials()
        .base_url(format!("http://{address}"))
        .max_retries(0)
        .build()
        .unwrap();
    let refused = get_missing(anonymous).await;
    assert_eq!(status(&refused), 401, "{refused}");

    // Ctrl-C, as its `stop` expects: it shuts down gracefully and its `main` returns Ok.
    assert!(server.send(), "kill -INT {pid}");
    let output =
        tokio::task::spawn_blocking(move || finished.recv_timeout(Duration::from_secs(600)))
            .await
            .unwrap()
            .expect("cargo ends once the server example stopped")
            .unwrap();
    let text = show(&output);
    assert!(
        output.status.success(),
        "the README examples failed:\n{text}"
    );

    // Every example of each README ran and passed: none ignored, none left out.
    let client_examples = examples("generated/client/README.md");
    let server_examples = examples("generated/server/README.md");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (readme, found, source) in [
        ("client", &client_examples, "tests/user-client/src/lib.rs"),
        ("server", &server_examples, "tests/user-server/src/lib.rs"),
    ] {
        let count = found.len();
        let (passed, other) = doctests(&stdout, source);
        assert!(
            passed == count && other.is_empty(),
            "the {readme} README has {count} examples; {passed} passed, and {other:?}:\n{text}"
        );
    }

    // The download example wrote the interconnect's LOA where `temp_dir()` is.
    let downloads: Vec<PathBuf> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert_eq!(downloads.len(), 1, "{downloads:?}");
    assert!(std::fs::read(&downloads[0]).unwrap().starts_with(b"%PDF-"));

    // The client's live examples reached this emulator: each calls operations of the spec,
    // and every one it calls was answered here, with success, on the account.
    let seen = seen.lock().unwrap().clone();
    let operations = operations();
    let live: Vec<&String> = client_examples
        .iter()
        .filter(|(_, live)| *live)
        .map(|(block, _)| block)
        .collect();
    let mut called = Vec::new();
    for block in &live {
        let calls: Vec<&(String, String, String)> = operations
            .iter()
            .filter(|(id, _, _)| block.contains(&format!("account.{id}()")))
            .collect();
        assert!(
            !calls.is_empty(),
            "a live example that calls nothing:\n{block}"
        );
        for (id, method, template) in calls {
            let template = format!("/client/v4{template}");
            assert!(
                seen.iter()
                    .any(|(m, path)| m == method && fits(&template, path, ACCOUNT)),
                "the README calls {id}, and the emulator answered no {method} {template}: {seen:?}"
            );
            if !called.contains(id) {
                called.push(id.clone());
            }
        }
    }
    println!(
        "README examples: client {} doctests passed ({} live against the emulator), server {} \
         (live); the emulator answered {} of their calls ({}); the server example answered 404, \
         501 and 401 at {address} and stopped on SIGINT",
        client_examples.len(),
        live.len(),
        server_examples.len(),
        seen.len(),
        called.join(", ")
    );
}
