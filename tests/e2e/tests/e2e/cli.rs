//! The command-line tool end to end, in-process against the emulator over HTTP: its command
//! tree, flags and bodies, output formats, waiting, errors and exit codes.

use std::time::Duration;

use cloudflare_cni::APP;
use cloudflare_cni_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

const ACCOUNT: &str = "cli-account";

struct Ran {
    code: u8,
    out: String,
    err: String,
}

/// The tool's own environment variables would change what these tests see: none of them is
/// set here (every test removes them, so concurrent removals agree).
fn clean_env() {
    for name in [
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_EMAIL",
        "CLOUDFLARE_API_KEY",
        "CLOUDFLARE_ACCOUNT_ID",
        "CLOUDFLARE_API_BASE_URL",
    ] {
        std::env::remove_var(name);
    }
}

async fn cli(args: &[&str]) -> Ran {
    clean_env();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let all = std::iter::once("cloudflare-cni").chain(args.iter().copied());
    let code = cloudflare_cni_cli_runtime::run(&APP, all, &mut out, &mut err, false).await;
    // ExitCode has no accessor: compare with each class's code.
    let code = (0u8..=6)
        .find(|n| std::process::ExitCode::from(*n) == code)
        .unwrap_or(255);
    Ran {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

async fn emulator(config: EmulatorConfig) -> (Emulator, String) {
    let emulator = Emulator::new(config);
    let base = emulator.clone().spawn().await.unwrap();
    (emulator, base)
}

/// The tool against `base` as `ACCOUNT`, then `args`.
async fn on(base: &str, args: &[&str]) -> Ran {
    let mut all = vec!["--base-url", base, "--api-token", "t", "--account", ACCOUNT];
    all.extend_from_slice(args);
    cli(&all).await
}

async fn partner(base: &str) -> String {
    let ran = on(
        base,
        &[
            "interconnects",
            "create",
            "--type",
            "gcp_partner",
            "--pairing-key",
            "7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1",
            "--bandwidth",
            "1G",
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    let created: Value = serde_json::from_str(&ran.out).unwrap();
    created["name"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn help_lists_the_four_groups_and_the_tree_is_consistent() {
    cloudflare_cni_cli_runtime::command(&APP).debug_assert();
    let ran = cli(&["--help"]).await;
    assert_eq!(ran.code, 0);
    for group in ["cnis", "interconnects", "settings", "slots", "completions"] {
        assert!(ran.out.contains(group), "{group} missing:\n{}", ran.out);
    }
    assert!(ran.out.contains("Exit status"), "{}", ran.out);
}

#[tokio::test]
async fn every_operation_of_the_spec_has_a_command() {
    let mut commands: Vec<&str> = APP
        .groups
        .iter()
        .flat_map(|g| g.operations.iter().map(|o| o.operation_id))
        .collect();
    commands.sort();
    let mut operations = cloudflare_cni_server::OPERATIONS.to_vec();
    operations.sort();
    assert_eq!(commands, operations);
    let named: Vec<String> = APP
        .groups
        .iter()
        .flat_map(|g| {
            g.operations
                .iter()
                .map(move |o| format!("{} {}", g.name, o.verb))
        })
        .collect();
    for expected in [
        "cnis list",
        "cnis get",
        "cnis create",
        "cnis update",
        "cnis delete",
        "interconnects list",
        "interconnects get",
        "interconnects create",
        "interconnects delete",
        "interconnects loa",
        "interconnects status",
        "settings get",
        "settings update",
        "slots list",
        "slots get",
    ] {
        assert!(
            named.iter().any(|n| n == expected),
            "{expected} missing: {named:?}"
        );
    }
}

#[tokio::test]
async fn a_body_that_breaks_the_rules_exits_3_and_nothing_is_sent() {
    let (emulator, base) = emulator(EmulatorConfig::default()).await;
    let icon = partner(&base).await;
    let ran = on(
        &base,
        &[
            "cnis",
            "create",
            "--interconnect",
            &icon,
            "--magic-conduit-name",
            "c1",
            "--magic-description",
            "d",
            "--magic-mtu",
            "1500",
            "--bgp-customer-asn",
            "65000",
            "--bgp-extra-prefixes",
            "192.0.2.0/24",
            "--bgp-md5-key",
            "bad?key",
        ],
    )
    .await;
    assert_eq!(ran.code, 3, "out: {}\nerr: {}", ran.out, ran.err);
    assert!(ran.err.contains("md5_key"), "{}", ran.err);
    assert!(
        emulator.state().accounts[ACCOUNT].cnis.is_empty(),
        "nothing was created"
    );
    // A body that does not even decode names where.
    let ran = on(&base, &["cnis", "create", "--interconnect", &icon]).await;
    assert_eq!(ran.code, 3, "{}", ran.err);
    assert!(ran.err.contains("CniCreateRequest"), "{}", ran.err);
    assert!(ran.err.contains("magic"), "{}", ran.err);
    // A missing field is named by the flags that set it, not only by its JSON name.
    assert!(
        ran.err
            .contains("--magic-conduit-name, --magic-description, --magic-mtu"),
        "{}",
        ran.err
    );
    // The same body through flags, valid: created, with the account from --account.
    let ran = on(
        &base,
        &[
            "cnis",
            "create",
            "--interconnect",
            &icon,
            "--magic-conduit-name",
            "c1",
            "--magic-description",
            "d",
            "--magic-mtu",
            "1500",
            "--bgp-customer-asn",
            "65000",
            "--bgp-extra-prefixes",
            "192.0.2.0/24",
            "--bgp-extra-prefixes",
            "198.51.100.0/24",
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    let cni: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(cni["account"], ACCOUNT);
    assert_eq!(cni["bgp"]["extra_prefixes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_404_exits_4_naming_the_status_and_the_code() {
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let ran = on(
        &base,
        &["cnis", "get", "3f6d2f5e-1f0b-4c36-9e7f-2e1f4c8e0a11"],
    )
    .await;
    assert_eq!(ran.code, 4, "{}", ran.err);
    assert!(ran.err.starts_with("error: "), "{}", ran.err);
    assert!(ran.err.contains("404"), "{}", ran.err);
    assert!(ran.err.contains("1004 CNI not found"), "{}", ran.err);
    assert_eq!(ran.err.lines().count(), 1, "one line: {}", ran.err);
    // A malformed id is a usage error, before anything is sent.
    let ran = on(&base, &["cnis", "get", "not-a-uuid"]).await;
    assert_eq!(ran.code, 2, "{}", ran.err);
    assert!(ran.err.contains("not a UUID"), "{}", ran.err);
}

#[tokio::test]
async fn wait_reaches_healthy() {
    let (_, base) =
        emulator(EmulatorConfig::default().status_delay(Duration::from_millis(700))).await;
    let icon = partner(&base).await;
    let ran = on(&base, &["interconnects", "status", &icon]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&ran.out).unwrap()["state"],
        "Pending"
    );
    let ran = on(
        &base,
        &[
            "interconnects",
            "status",
            &icon,
            "--wait",
            "Healthy",
            "--timeout",
            "20s",
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert_eq!(
        serde_json::from_str::<Value>(&ran.out).unwrap()["state"],
        "Healthy"
    );
}

#[tokio::test]
async fn a_wait_that_times_out_exits_6_naming_the_last_state() {
    let (_, base) =
        emulator(EmulatorConfig::default().status_delay(Duration::from_secs(3600))).await;
    let icon = partner(&base).await;
    let ran = on(
        &base,
        &[
            "interconnects",
            "status",
            &icon,
            "--wait",
            "Healthy",
            "--timeout",
            "1s",
        ],
    )
    .await;
    assert_eq!(ran.code, 6, "{}", ran.err);
    assert!(ran.err.contains(r#""state":"Pending""#), "{}", ran.err);
}

#[tokio::test]
async fn jsonl_follows_the_cursor_over_several_pages() {
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(partner(&base).await);
    }
    let ran = on(&base, &["interconnects", "list", "--limit", "2", "--jsonl"]).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    let names: Vec<String> = ran
        .out
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names, made,
        "every item once, in order, over three pages of two"
    );
    // Without --jsonl: the one page, as the API answered it.
    let ran = on(&base, &["interconnects", "list", "--limit", "2"]).await;
    let page: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next"].is_number(), "{page}");
    // As a table.
    let ran = on(&base, &["interconnects", "list", "--output", "table"]).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    let header = ran.out.lines().next().unwrap();
    assert!(
        header.starts_with("NAME") && header.split_whitespace().nth(1) == Some("TYPE"),
        "identifying columns first: {}",
        ran.out
    );
    assert_eq!(
        ran.out.lines().count(),
        6,
        "a header and five rows:\n{}",
        ran.out
    );
}

#[tokio::test]
async fn the_loa_is_written_to_its_file() {
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let name = direct_interconnect(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    let ran = on(
        &base,
        &[
            "interconnects",
            "loa",
            &name,
            "-o",
            path.to_str().unwrap(),
            "--name",
            "Example Corp",
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(ran.err.contains("wrote"), "{}", ran.err);
    let pdf = std::fs::read(&path).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // Without -o, the file goes to standard output.
    let ran = on(&base, &["interconnects", "loa", &name]).await;
    assert!(ran.out.starts_with("%PDF"));
}

#[tokio::test]
async fn bodies_come_from_a_file_and_flags_override_them() {
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, r#"{"default_asn": 65010}"#).unwrap();
    let ran = on(
        &base,
        &["settings", "update", "--body", path.to_str().unwrap()],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert_eq!(
        serde_json::from_str::<Value>(&ran.out).unwrap()["default_asn"],
        65010
    );
    let ran = on(
        &base,
        &[
            "settings",
            "update",
            "--body",
            path.to_str().unwrap(),
            "--default-asn",
            "65020",
        ],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&ran.out).unwrap()["default_asn"],
        65020
    );
    std::fs::write(&path, "{not json").unwrap();
    let ran = on(
        &base,
        &["settings", "update", "--body", path.to_str().unwrap()],
    )
    .await;
    assert_eq!(ran.code, 3, "{}", ran.err);
    assert!(ran.err.contains("settings.json is not JSON"), "{}", ran.err);
}

#[tokio::test]
async fn usage_errors_exit_2_and_secrets_are_never_printed() {
    let ran = cli(&[
        "--base-url",
        "http://127.0.0.1:9",
        "--account",
        "a",
        "settings",
        "get",
    ])
    .await;
    assert_eq!(ran.code, 2, "{}", ran.err);
    assert!(ran.err.contains("no credentials"), "{}", ran.err);
    let ran = cli(&["--api-token", "t", "settings", "get"]).await;
    assert_eq!(ran.code, 2);
    assert!(ran.err.contains("CLOUDFLARE_ACCOUNT_ID"), "{}", ran.err);
    let ran = cli(&["cnis", "frobnicate"]).await;
    assert_eq!(ran.code, 2);
    // A connection that fails: class 5, and the token appears nowhere.
    let ran = cli(&[
        "--base-url",
        "http://127.0.0.1:9",
        "--api-token",
        "SECRET-TOKEN-123",
        "--account",
        "a",
        "settings",
        "get",
    ])
    .await;
    assert_eq!(ran.code, 5, "{}", ran.err);
    assert!(!ran.err.contains("SECRET-TOKEN-123") && !ran.out.contains("SECRET-TOKEN-123"));
}

#[tokio::test]
async fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let ran = cli(&["completions", shell]).await;
        assert_eq!(ran.code, 0, "{shell}: {}", ran.err);
        assert!(ran.out.contains("cloudflare-cni"), "{shell}");
        assert!(ran.out.contains("interconnects"), "{shell}");
    }
}

/// `--dry-run` prints the method, URL, headers (credentials redacted) and body, as the client
/// would send them, and sends nothing: the emulator sees no request and nothing is created.
#[tokio::test]
async fn dry_run_prints_the_request_and_sends_nothing() {
    let config = EmulatorConfig::default();
    let slot = config.slots[0].id.to_string();
    let (emulator, base) = emulator(config).await;
    let before = emulator.state();
    let ran = cli(&[
        "--base-url",
        &base,
        "--api-token",
        "secret-token-9",
        "--account",
        ACCOUNT,
        "--dry-run",
        "interconnects",
        "create",
        "--type",
        "direct",
        "--slot-id",
        &slot,
    ])
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert_eq!(
        ran.out,
        format!(
            "POST {base}/accounts/{ACCOUNT}/cni/interconnects\nauthorization: Bearer <redacted>\ncontent-type: application/json\n\n{{\n  \"type\": \"direct\",\n  \"account\": \"{ACCOUNT}\",\n  \"slot_id\": \"{slot}\"\n}}\n"
        )
    );
    assert!(!ran.out.contains("secret-token-9"));
    // A GET with path and query parameters, with the email and key.
    let ran = cli(&[
        "--base-url",
        &base,
        "--email",
        "me@example.com",
        "--api-key",
        "key-9",
        "--account",
        "a/b",
        "--dry-run",
        "slots",
        "list",
        "--occupied",
        "false",
    ])
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert_eq!(
        ran.out,
        format!("GET {base}/accounts/a%2Fb/cni/slots?occupied=false\nx-auth-email: me@example.com\nx-auth-key: <redacted>\n\n")
    );
    // A body that breaks the rules is refused as it would be before sending.
    let ran = cli(&[
        "--base-url",
        &base,
        "--account",
        ACCOUNT,
        "--dry-run",
        "settings",
        "update",
        "--default-asn",
        "-1",
    ])
    .await;
    assert_ne!(ran.code, 0, "{}", ran.out);
    assert_eq!(emulator.state(), before, "nothing was sent");
}

/// Enum-valued flags list their values in `--help` and in completions, and refuse others.
#[tokio::test]
async fn enum_flags_list_their_values() {
    let ran = cli(&["interconnects", "create", "--help"]).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(
        ran.out.contains("[possible values: direct, gcp_partner]"),
        "{}",
        ran.out
    );
    assert!(ran.out.contains("50M, 100M"), "{}", ran.out);
    let ran = cli(&["completions", "bash"]).await;
    assert!(
        ran.out.contains("direct gcp_partner"),
        "bash completions offer the tags"
    );
    let ran = cli(&[
        "--account",
        ACCOUNT,
        "--dry-run",
        "interconnects",
        "create",
        "--type",
        "dirct",
    ])
    .await;
    assert_eq!(ran.code, 2, "{}", ran.err);
    assert!(ran.err.contains("possible values"), "{}", ran.err);
}

/// A direct interconnect made through the tool, by its name.
async fn direct_interconnect(base: &str) -> String {
    let slots = on(
        base,
        &["slots", "list", "--occupied", "false", "--limit", "1"],
    )
    .await;
    let slots: Value = serde_json::from_str(&slots.out).unwrap();
    let slot = slots["items"][0]["id"].as_str().unwrap().to_string();
    let ran = on(
        base,
        &[
            "interconnects",
            "create",
            "--type",
            "direct",
            "--slot-id",
            &slot,
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    serde_json::from_str::<Value>(&ran.out).unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The probe's High finding, re-run as it was reported: `mknod d/null c 1 3; mkfifo d/fifo`,
/// then `-o d/null` and `-o d/fifo` made both regular files (as root, `-o /dev/null` replaced
/// the system's). Both are written through and stay what they were; a symlink stays a link.
#[cfg(unix)]
#[tokio::test]
async fn the_loa_written_to_a_device_fifo_or_symlink_never_replaces_it() {
    use std::os::unix::fs::FileTypeExt;
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let name = direct_interconnect(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let loa = |path: std::path::PathBuf| {
        let (base, name) = (base.clone(), name.clone());
        async move {
            on(
                &base,
                &["interconnects", "loa", &name, "-o", path.to_str().unwrap()],
            )
            .await
        }
    };
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let ran = loa(fifo.clone()).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(reader.join().unwrap().starts_with(b"%PDF"));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    let target = dir.path().join("target.pdf");
    let link = dir.path().join("link.pdf");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let ran = loa(link.clone()).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read(&target).unwrap().starts_with(b"%PDF"));
    let null = dir.path().join("null");
    let made = std::process::Command::new("mknod")
        .args(["-m", "666"])
        .arg(&null)
        .args(["c", "1", "3"])
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mknod refused (not root): the device case was not run");
        return;
    }
    let ran = loa(null.clone()).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(std::fs::metadata(&null)
        .unwrap()
        .file_type()
        .is_char_device());
}

/// `--body /dev/zero` grew to 17 GB; a body past the cap is refused at once, naming it.
#[cfg(unix)]
#[tokio::test]
async fn a_body_larger_than_the_cap_is_refused_without_reading_on() {
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let ran = on(&base, &["settings", "update", "--body", "/dev/zero"]).await;
    assert_eq!(ran.code, 2, "{}", ran.err);
    assert!(ran.err.contains("/dev/zero"), "{}", ran.err);
    assert!(
        ran.err
            .contains(&cloudflare_cni_cli_runtime::MAX_BODY_BYTES.to_string()),
        "{}",
        ran.err
    );
}

/// What a server sends never drives the terminal: a table cell and an error message with
/// ESC sequences, BEL, CR, backspace and U+009B are printed escaped, a newline forges no row;
/// JSON output keeps the text exactly (escaped the JSON way).
#[tokio::test]
async fn what_the_server_sends_is_printed_escaped_for_people_and_exact_in_json() {
    let hostile = "desc\u{1b}]0;owned\u{7}\r\u{8}\u{9b}31m\nFORGED ROW";
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let name = direct_interconnect(&base).await;
    let ran = on(
        &base,
        &[
            "cnis",
            "create",
            "--interconnect",
            &name,
            "--magic-conduit-name",
            "c1",
            "--magic-description",
            hostile,
            "--magic-mtu",
            "1500",
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    let json: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(
        json["magic"]["description"], hostile,
        "JSON keeps it exactly"
    );
    let ran = on(&base, &["--output", "table", "cnis", "list"]).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(
        !ran.out.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        ran.out
    );
    assert_eq!(
        ran.out.lines().count(),
        2,
        "a header and one row: {}",
        ran.out
    );
    assert!(
        !ran.out.lines().any(|l| l.starts_with("FORGED")),
        "{}",
        ran.out
    );
    // An error message from the envelope is escaped the same way.
    let ran = on(&base, &["interconnects", "get", "no-such\u{1b}[31m"]).await;
    assert_eq!(ran.code, 4, "{}", ran.err);
    assert!(
        !ran.err.trim_end().chars().any(char::is_control),
        "{:?}",
        ran.err
    );
}

/// `--dry-run` shows the path the real call sends: values with CR, LF or TAB are
/// percent-encoded as the client encodes them (they were stripped), and `.`/`..` are refused
/// as the client refuses them (they were dropped).
#[tokio::test]
async fn dry_run_shows_the_path_the_real_call_sends() {
    let (_, base) = emulator(EmulatorConfig::default()).await;
    let ran = on(&base, &["--dry-run", "interconnects", "get", "a\r\nb\tc"]).await;
    assert_eq!(ran.code, 0, "{}", ran.err);
    assert!(
        ran.out.starts_with(&format!(
            "GET {base}/accounts/{ACCOUNT}/cni/interconnects/a%0D%0Ab%09c\n"
        )),
        "{}",
        ran.out
    );
    let client = cloudflare_cni_client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    for dots in ["..", "."] {
        let ran = on(&base, &["--dry-run", "interconnects", "get", dots]).await;
        let real = client
            .get_interconnect()
            .account_id(ACCOUNT)
            .icon(dots)
            .send()
            .await
            .unwrap_err();
        assert_eq!(ran.code, 3, "{dots}: {}", ran.out);
        assert_eq!(ran.err.trim_end(), format!("error: {real}"), "{dots}");
    }
}
