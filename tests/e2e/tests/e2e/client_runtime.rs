//! The client as users expect it: retries, pagination, typed errors, credentials, LOA files.
//! Against a scripted server on 127.0.0.1; tokio's clock is paused where waiting is involved,
//! so backoffs take no real time and their length can be asserted exactly.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError};
use futures::StreamExt;
use serde_json::json;

use crate::scripted::*;

const ACCOUNT: &str = "acc";

fn client(server: &Scripted) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .api_token("secret-token-123")
        // Paused time and real sockets: keep reqwest's own timers out of the picture.
        .timeout(None)
        .connect_timeout(None)
        .build()
        .unwrap()
}

fn settings(asn: u32) -> Canned {
    json(200, json!({ "default_asn": asn }))
}

fn envelope(code: u32, message: &str) -> serde_json::Value {
    json!({"success": false, "errors": [{"code": code, "message": message, "source": {"pointer": "/x"}}], "messages": [], "result": null})
}

#[tokio::test(start_paused = true)]
async fn a_503_then_200_is_retried_once() {
    let server = serve_queue(vec![json(503, envelope(1006, "busy")), settings(65000)]).await;
    let got = client(&server)
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(got.default_asn, 65000);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_waits_that_long() {
    let server = serve_queue(vec![
        json(429, envelope(1015, "rate limited")).with_header("retry-after", "2"),
        settings(65001),
    ])
    .await;
    let start = tokio::time::Instant::now();
    client(&server)
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_millis(2100),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_http_date_is_honoured_and_capped() {
    let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    let server = serve_queue(vec![
        json(503, envelope(1006, "busy")).with_header("retry-after", &later),
        settings(1),
    ])
    .await;
    let start = tokio::time::Instant::now();
    client(&server)
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    // An hour away, cut to the policy's 60 s cap.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(59) && waited <= Duration::from_secs(61),
        "{waited:?}"
    );
}

fn create_body() -> types::CniCreateRequest {
    types::CniCreateRequest::builder()
        .account(ACCOUNT)
        .interconnect("i")
        .magic(
            types::MagicSettings::builder()
                .conduit_name("c")
                .description("")
                .mtu(1500),
        )
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_post_on_503_is_not_retried_unless_asked() {
    let server = serve_queue(vec![
        json(503, envelope(1006, "busy")),
        json(200, json!({})),
    ])
    .await;
    let error = client(&server)
        .create_cni()
        .account_id(ACCOUNT)
        .body(create_body())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CniError::Api { status, attempts: 1, .. } if status == 503),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);

    let cni = json!({"id": uuid::Uuid::nil(), "account": ACCOUNT, "interconnect": "i", "p2p_ip": "10.0.0.0/31", "cust_ip": "10.0.0.1/31", "magic": {"conduit_name": "c", "description": "", "mtu": 1500}});
    let server = serve_queue(vec![json(503, envelope(1006, "busy")), json(200, cni)]).await;
    let opted_in = Client::builder()
        .without_credentials()
        .base_url(&server.base_url)
        .timeout(None)
        .retry_non_idempotent(true)
        .build()
        .unwrap();
    opted_in
        .create_cni()
        .account_id(ACCOUNT)
        .body(create_body())
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_return_the_last_error_with_the_attempt_count() {
    let server = serve_queue(vec![
        json(500, envelope(1006, "first")),
        json(502, envelope(1006, "second")),
        json(503, envelope(1006, "third")),
        settings(1),
    ])
    .await;
    let error = client(&server)
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    match &error {
        CniError::Api {
            status,
            errors,
            attempts,
            ..
        } => {
            assert_eq!((status.as_u16(), *attempts), (503, 3));
            assert_eq!(errors[0].message, "third");
            assert_eq!(errors[0].pointer(), Some("/x"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "the API answered 503 Service Unavailable after 3 attempts: 1006 third (at /x)"
    );
    // 0 retries disables retrying.
    let server = serve_queue(vec![json(503, envelope(1006, "busy")), settings(1)]).await;
    let once = Client::builder()
        .without_credentials()
        .base_url(&server.base_url)
        .timeout(None)
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(
        once.get_settings()
            .account_id(ACCOUNT)
            .send()
            .await
            .unwrap_err()
            .attempts(),
        Some(1)
    );
}

#[tokio::test(start_paused = true)]
async fn connection_errors_are_retried_then_reported_as_transport() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .without_credentials()
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let error = client
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CniError::Transport { attempts: 3, .. }),
        "{error:?}"
    );
}

fn cni_json(n: u32) -> serde_json::Value {
    json!({"id": uuid::Uuid::from_u128(n.into()), "account": ACCOUNT, "interconnect": "i", "p2p_ip": "10.0.0.0/31",
           "cust_ip": "10.0.0.1/31", "magic": {"conduit_name": format!("c{n}"), "description": "", "mtu": 1500}})
}

#[tokio::test]
async fn pagination_follows_next_keeps_filters_and_continues_past_zero() {
    // Pages: (no cursor) -> next 0 -> next 7 -> end.
    let server = serve_fn(|seen| match seen.query("cursor") {
        None => json(200, json!({"items": [cni_json(1), cni_json(2)], "next": 0})),
        Some("0") => json(200, json!({"items": [cni_json(3)], "next": 7})),
        Some("7") => json(
            200,
            json!({"items": [cni_json(4), cni_json(5)], "next": null}),
        ),
        Some(other) => json(400, envelope(1000, &format!("unexpected cursor {other}"))),
    })
    .await;
    let client = client(&server);
    let names: Vec<String> = client
        .list_cnis()
        .account_id(ACCOUNT)
        .slot("slot-a")
        .limit(2u64)
        .stream()
        .map(|cni| cni.unwrap().magic.conduit_name)
        .collect()
        .await;
    assert_eq!(names, ["c1", "c2", "c3", "c4", "c5"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for (request, cursor) in requests.iter().zip([None, Some("0"), Some("7")]) {
        assert_eq!(request.query("cursor"), cursor);
        assert_eq!(request.query("slot"), Some("slot-a"), "filters are kept");
        assert_eq!(request.query("limit"), Some("2"));
    }
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    let server = serve_fn(|seen| match seen.query("cursor") {
        None => json(200, json!({"items": [slot_json()], "next": 5})),
        _ => json(200, json!({"items": [slot_json()], "next": 5})),
    })
    .await;
    let results: Vec<Result<types::Slot, CniError>> = client(&server)
        .list_slots()
        .account_id(ACCOUNT)
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 3, "two pages of items, then the error");
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(
        matches!(&results[2], Err(CniError::Pagination { reason: m, .. }) if m.contains("cursor 5")),
        "{:?}",
        results[2]
    );
    assert_eq!(server.requests().len(), 2);
}

fn slot_json() -> serde_json::Value {
    json!({"id": uuid::Uuid::nil(), "occupied": false, "site": "DFW", "speed": "10G", "facility": {"name": "f", "address": []}})
}

#[tokio::test]
async fn error_bodies_map_to_the_right_variant() {
    let server = serve_queue(vec![
        json(404, envelope(1004, "CNI not found")),
        raw(500, "text/html", "<html><body>Internal error</body></html>"),
        raw(200, "application/json", "{\"items\": [tru"),
        raw(200, "application/json", ""),
    ])
    .await;
    let client = Client::builder()
        .without_credentials()
        .base_url(&server.base_url)
        .max_retries(0)
        .build()
        .unwrap();
    let get = || {
        client
            .get_cni()
            .account_id(ACCOUNT)
            .cni(uuid::Uuid::nil())
            .send()
    };

    match get().await.unwrap_err() {
        CniError::Api { status, errors, .. } => {
            assert_eq!(status, 404);
            assert_eq!(
                (errors[0].code, errors[0].message.as_str()),
                (1004, "CNI not found")
            );
        }
        other => panic!("{other:?}"),
    }
    let html = get().await.unwrap_err();
    match &html {
        CniError::Api {
            status,
            errors,
            body_excerpt,
            ..
        } => {
            assert_eq!(*status, 500);
            assert!(errors.is_empty());
            assert!(body_excerpt.as_deref().unwrap().contains("<html>"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        html.to_string()
            .starts_with("the API answered 500 Internal Server Error: \"<html>"),
        "{html}"
    );
    match get().await.unwrap_err() {
        CniError::InvalidResponse {
            status,
            expected,
            excerpt,
            ..
        } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(200));
            assert!(expected.contains("Cni"), "{expected}");
            assert!(excerpt.contains("[tru"), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        get().await.unwrap_err(),
        CniError::InvalidResponse { .. }
    ));
}

#[tokio::test]
async fn both_credential_kinds_send_their_headers_and_debug_hides_secrets() {
    let server = serve_queue(vec![settings(1), settings(2)]).await;
    let token = client(&server);
    token
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    let keyed = Client::builder()
        .base_url(&server.base_url)
        .api_key("ops@example.com", "global-key-456")
        .build()
        .unwrap();
    keyed
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(
        requests[0].headers["authorization"],
        "Bearer secret-token-123"
    );
    assert!(requests[0].headers.get("x-auth-key").is_none());
    assert_eq!(requests[1].headers["x-auth-email"], "ops@example.com");
    assert_eq!(requests[1].headers["x-auth-key"], "global-key-456");
    assert!(requests[1].headers.get("authorization").is_none());
    let agent = requests[0].headers["user-agent"].to_str().unwrap();
    // Whatever version a release gave the client crate.
    let manifest = include_str!("../../../../generated/client/Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    assert_eq!(agent, format!("cloudflare-cni-client/{version}"));

    for shown in [format!("{token:?}"), format!("{keyed:?}")] {
        assert!(
            !shown.contains("secret-token-123") && !shown.contains("global-key-456"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_users_own_reqwest_client_still_gets_credentials_and_retries() {
    // reqwest is built here with rustls and no crypto provider of its own (the client
    // runtime's `rustls` feature picks ring and installs it when *it* makes the client): a
    // program that makes its own reqwest client installs one first, as a user would. (This
    // test passed under `cargo test` only when another test had installed it in the process.)
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = serve_queue(vec![json(503, envelope(1006, "busy")), settings(7)]).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .http_client(reqwest::Client::new())
        .api_token("t")
        .retry_policy(
            cloudflare_cni_client::RetryPolicy::default()
                .backoff(Duration::from_millis(1), Duration::from_secs(8)),
        )
        .build()
        .unwrap();
    assert_eq!(
        client
            .get_settings()
            .account_id(ACCOUNT)
            .send()
            .await
            .unwrap()
            .default_asn,
        7
    );
    assert_eq!(server.requests()[1].headers["authorization"], "Bearer t");
}

#[tokio::test]
async fn the_loa_is_saved_to_a_file_atomically() {
    let pdf = "%PDF-1.4\n% test\n%%EOF\n";
    let server = serve_queue(vec![
        raw(200, "application/pdf", pdf),
        raw(404, "application/json", envelope(1004, "gone").to_string()),
    ])
    .await;
    let client = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    let written = client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-1")
        .save_to(&path)
        .await
        .unwrap();
    assert_eq!(written, pdf.len() as u64);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), pdf);
    // A failed download leaves the existing file alone and no temporary file behind.
    assert!(client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-1")
        .save_to(&path)
        .await
        .is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), pdf);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_bad_base_url_or_credential_fails_at_build() {
    assert!(Client::builder()
        .base_url("api.example.com")
        .build()
        .is_err());
    let error = Client::builder()
        .api_token("bad\ntoken")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("API token"), "{error}");
    assert!(
        !error.to_string().contains("bad"),
        "the secret is not echoed"
    );
}

/// A function that builds a client and calls it returns one error type: `?` carries the
/// builder's error into `CniError`, naming what was wrong.
#[test]
fn a_build_error_crosses_the_question_mark_into_cni_error() {
    fn connect(base_url: &str) -> Result<Client, CniError> {
        Ok(Client::builder()
            .base_url(base_url)
            .api_token("t")
            .build()?)
    }
    let error = connect("api.example.com").unwrap_err();
    assert!(matches!(error, CniError::Build(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("the client could not be built: "),
        "{error}"
    );
    assert!(!error.is_retryable() && error.status().is_none());
    assert!(connect("https://api.example.com").is_ok());
}

// ---- Issue 11: what a misbehaving or hostile server cannot make the client do ----

#[tokio::test]
async fn a_cross_origin_redirect_is_an_error_and_no_credential_follows_it() {
    let elsewhere = serve_fn(|_| settings(1)).await;
    let target = format!("{}/steal", elsewhere.base_url);
    for status in [301u16, 302, 307, 308] {
        let location = target.clone();
        let server = serve_fn(move |_| {
            raw(status, "text/plain", "moved").with_header("location", &location)
        })
        .await;
        for credentials in ["token", "key"] {
            let builder = Client::builder().base_url(&server.base_url).max_retries(0);
            let builder = match credentials {
                "token" => builder.api_token("secret-token-123"),
                _ => builder.api_key("me@example.com", "global-key-456"),
            };
            let client = builder.build().unwrap();
            let error = client
                .update_settings()
                .account_id(ACCOUNT)
                .body(types::SettingsUpdateRequest::builder().default_asn(65001u32))
                .send()
                .await
                .unwrap_err();
            match &error {
                CniError::Redirect {
                    status: s,
                    location: Some(l),
                    ..
                } => {
                    assert_eq!(s.as_u16(), status);
                    assert_eq!(l, &target);
                }
                other => panic!("{status}: expected a redirect error, got {other:?}"),
            }
            assert!(error.to_string().contains(&target), "{error}");
        }
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the other host saw {:?}",
        elsewhere.requests()
    );
}

#[tokio::test]
async fn response_bodies_over_the_limit_fail_with_a_typed_error() {
    let big_items: Vec<_> = (0..2000).map(cni_json).collect();
    let big = json!({ "items": big_items });
    let body_len = big.to_string().len() as u64;
    let server = serve_queue(vec![
        json(200, big.clone()),
        raw(500, "application/json", "x".repeat(4096)),
        json(200, big),
    ])
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .api_token("t")
        .max_retries(0)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = client
        .list_cnis()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CniError::ResponseTooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("1024 bytes"), "{error}");
    // An error body is capped too.
    let error = client
        .list_cnis()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CniError::ResponseTooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    // The default limit reads the same body.
    let client = Client::builder()
        .base_url(&server.base_url)
        .api_token("t")
        .build()
        .unwrap();
    let page = client.list_cnis().account_id(ACCOUNT).send().await.unwrap();
    assert_eq!(
        page.items.len(),
        2000,
        "{body_len} bytes read under the default"
    );
}

#[tokio::test]
async fn a_download_over_its_cap_fails_and_leaves_no_file() {
    let server = serve_fn(|_| raw(200, "application/pdf", "%PDF".repeat(1000))).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .api_token("t")
        .max_download_bytes(Some(100))
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    let error = client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-1")
        .save_to(&path)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CniError::ResponseTooLarge { limit: 100, .. }),
        "{error:?}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn dot_segment_and_empty_path_parameters_are_refused_before_sending() {
    let server = serve_fn(|_| settings(1)).await;
    let client = client(&server);
    for icon in ["..", ".", ""] {
        let error = client
            .get_interconnect()
            .account_id(ACCOUNT)
            .icon(icon)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CniError::InvalidParameter { name, .. } if name == "icon"),
            "{icon:?}: {error:?}"
        );
    }
    let error = client
        .get_settings()
        .account_id("..")
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("`account_id`"), "{error}");
    let error = client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon("..")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CniError::InvalidParameter { .. }),
        "{error:?}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // Values that merely contain dots, or encoded ones, are sent as one segment.
    client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon("a..b")
        .send()
        .await
        .ok();
    client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon("%2e%2e")
        .send()
        .await
        .ok();
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/accounts/acc/cni/interconnects/a..b/status",
            "/accounts/acc/cni/interconnects/%252e%252e/status"
        ]
    );
}

/// A server whose LOA sends a first chunk, then nothing, forever.
async fn stalling_download_server() -> String {
    use axum::body::Body;
    let app = axum::Router::new().fallback(|| async {
        let first = futures::stream::once(async {
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"%PDF-1.4\n"))
        });
        let stall = futures::stream::pending();
        axum::response::Response::builder()
            .header("content-type", "application/pdf")
            .body(Body::from_stream(first.chain(stall)))
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn a_cancelled_download_leaves_no_temporary_file() {
    let base_url = stalling_download_server().await;
    let client = Client::builder()
        .base_url(&base_url)
        .api_token("t")
        .timeout(None)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    let download = client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-1")
        .save_to(&path);
    // The download is under way (its temporary file exists) when the caller gives up.
    let dir_path = dir.path().to_path_buf();
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        tokio::select! {
            result = download => panic!("the stalled download ended: {result:?}"),
            _ = async {
                while std::fs::read_dir(&dir_path).unwrap().count() == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            } => {}
        }
    })
    .await;
    assert!(outcome.is_ok(), "the download never started");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn saving_over_a_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let server = serve_fn(|_| raw(200, "application/pdf", "%PDF-1.4\n%%EOF\n")).await;
    let client = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-1")
        .save_to(&path)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "%PDF-1.4\n%%EOF\n");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test]
async fn a_response_that_does_not_decode_names_the_field_and_where_it_is() {
    let good = json!({"type": "direct", "account": ACCOUNT, "name": "a", "slot_id": uuid::Uuid::nil(),
        "site": "DFW", "speed": "10G", "facility": {"name": "DA3", "address": []},
        "virtual_port_reservation_id": "0b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"});
    let mut broken = good.clone();
    broken.as_object_mut().unwrap().remove("slot_id");
    let server = serve_queue(vec![json(
        200,
        json!({"items": [good, broken], "next": null}),
    )])
    .await;
    let error = client(&server)
        .list_interconnects()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    match &error {
        CniError::InvalidResponse {
            pointer, expected, ..
        } => {
            assert_eq!(pointer.as_deref(), Some("/items/1"), "{error}");
            assert!(
                expected
                    .contains(r#"at /items/1: missing field `slot_id` in a "direct" Interconnect"#),
                "{expected}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn per_call_headers_are_sent_and_the_request_id_comes_back() {
    use cloudflare_cni_client::{RequestOptions, ResponseMetadata};
    use reqwest::header::{HeaderName, HeaderValue};
    let server = serve_queue(vec![
        settings(65000).with_header("cf-ray", "8f1c2a3b4d5e6f70-DFW"),
        json(404, envelope(1004, "not here")).with_header("cf-ray", "8f1c2a3b4d5e6f71-DFW"),
        raw(502, "text/html", "<html>bad gateway</html>")
            .with_header("cf-ray", "8f1c2a3b4d5e6f72-DFW"),
    ])
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .api_token("secret-token-123")
        .max_retries(0)
        .build()
        .unwrap();
    let options = RequestOptions::new().header(
        HeaderName::from_static("x-trace-id"),
        HeaderValue::from_static("trace-1"),
    );
    let answer = client
        .get_settings()
        .account_id(ACCOUNT)
        .send_with(&options)
        .await
        .unwrap();
    assert_eq!(answer.request_id(), Some("8f1c2a3b4d5e6f70-DFW"));
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(server.last().header("x-trace-id"), Some("trace-1"));
    // The client's own headers are still sent beside the extra one.
    assert_eq!(
        server.last().header("authorization"),
        Some("Bearer secret-token-123")
    );

    // A declared error status: the envelope, its headers and the request id.
    let error = client
        .get_settings()
        .account_id(ACCOUNT)
        .send_with(&options)
        .await
        .unwrap_err();
    assert_eq!(error.request_id(), Some("8f1c2a3b4d5e6f71-DFW"));
    match &error {
        CniError::Api { headers, .. } => {
            assert_eq!(headers["cf-ray"], "8f1c2a3b4d5e6f71-DFW")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().ends_with("[cf-ray 8f1c2a3b4d5e6f71-DFW]"),
        "{error}"
    );
    // An error body that is not the envelope (a proxy's HTML page) keeps its headers too.
    let error = client
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(error.request_id(), Some("8f1c2a3b4d5e6f72-DFW"));
}

/// A union body built through `body_<member>` takes the handle's account as its `account`;
/// without the path's account set first, the build fails naming the field and nothing is sent.
#[tokio::test]
async fn a_union_body_built_per_member_takes_the_path_account() {
    let server = serve_fn(|_| json(400, envelope(1000, "stop here"))).await;
    let client = client(&server);
    let slot = uuid::Uuid::from_u128(7);
    let _ = client
        .account(ACCOUNT)
        .create_interconnect()
        .body_direct(|direct| direct.slot_id(slot))
        .send()
        .await;
    let sent: serde_json::Value = serde_json::from_slice(&server.last().body).unwrap();
    assert_eq!(
        sent,
        json!({"type": "direct", "account": ACCOUNT, "slot_id": slot.to_string()})
    );
    let _ = client
        .account(ACCOUNT)
        .create_interconnect()
        .body_gcp_partner(|gcp| gcp.pairing_key("k").bandwidth(types::ApiBandwidth::Mbps50))
        .send()
        .await;
    let sent: serde_json::Value = serde_json::from_slice(&server.last().body).unwrap();
    assert_eq!(sent["account"], ACCOUNT, "{sent}");

    let unscoped = client
        .create_interconnect()
        .body_direct(|direct| direct.slot_id(slot))
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert!(
        unscoped
            .to_string()
            .contains("no value supplied for account"),
        "{unscoped}"
    );
    assert_eq!(server.requests().len(), 2, "the unscoped call sent nothing");
}
