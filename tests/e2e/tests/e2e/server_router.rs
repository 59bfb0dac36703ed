//! The generated router, driven with tower's `oneshot`: every operation's success path and
//! every rejection path, asserting status, content type and body.

use crate::fixtures::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cloudflare_cni_server::{router, router_with_config, RouterConfig};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "Bearer test-token";

fn path(rest: &str) -> String {
    format!("/accounts/{ACCOUNT}/cni/{rest}")
}

fn request(method: Method, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, TOKEN);
    match body {
        Some(v) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.bytes)))
    }

    /// Asserts an error envelope with this status, returning its `errors`.
    fn envelope(&self, status: StatusCode) -> Vec<Value> {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.bytes)
        );
        assert_eq!(self.content_type.as_deref(), Some("application/json"));
        let body = self.json();
        assert_eq!(body["success"], false);
        assert_eq!(body["messages"], json!([]));
        assert_eq!(body["result"], Value::Null);
        // It decodes as the spec's envelope type, as the client will decode it.
        serde_json::from_value::<cloudflare_cni_server::types::ErrorEnvelope>(body.clone())
            .unwrap();
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty());
        for e in &errors {
            assert!(e["code"].as_i64().unwrap() >= 1000);
            assert!(!e["message"].as_str().unwrap().is_empty());
        }
        errors
    }
}

async fn send(app: axum::Router, request: Request<Body>) -> Answer {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        content_type,
        bytes,
    }
}

#[tokio::test]
async fn every_operation_answers_its_success_type() {
    let api = Fixed::default();
    let app = router(api.clone());
    let create_cni = json!({"account": ACCOUNT, "interconnect": "icon-dfw-1",
        "magic": {"conduit_name": "dfw", "description": "d", "mtu": 1500}});
    let create_icon = json!({"type": "direct", "account": ACCOUNT, "slot_id": SLOT_ID});
    let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::GET,
            path("cnis?cursor=3&limit=10&slot=s&tunnel_id=t"),
            None,
            "CniList",
        ),
        (Method::POST, path("cnis"), Some(create_cni), "Cni"),
        (Method::GET, path(&format!("cnis/{CNI_ID}")), None, "Cni"),
        (
            Method::PUT,
            path(&format!("cnis/{CNI_ID}")),
            Some(serde_json::to_value(cni()).unwrap()),
            "Cni",
        ),
        (
            Method::DELETE,
            path(&format!("cnis/{CNI_ID}")),
            None,
            "empty",
        ),
        (
            Method::GET,
            path("interconnects?site=DFW&type=direct"),
            None,
            "InterconnectList",
        ),
        (
            Method::POST,
            path("interconnects"),
            Some(create_icon),
            "Interconnect",
        ),
        (
            Method::GET,
            path("interconnects/icon-dfw-1"),
            None,
            "Interconnect",
        ),
        (
            Method::DELETE,
            path("interconnects/icon-dfw-1"),
            None,
            "empty",
        ),
        (
            Method::GET,
            path("interconnects/icon-dfw-1/loa?name=Acme%20Networks"),
            None,
            "pdf",
        ),
        (
            Method::GET,
            path("interconnects/icon-dfw-1/loa/default"),
            None,
            "DefaultNameResponse",
        ),
        (
            Method::GET,
            path("interconnects/icon-dfw-1/status"),
            None,
            "InterconnectStatus",
        ),
        (Method::GET, path("settings"), None, "Settings"),
        (
            Method::PUT,
            path("settings"),
            Some(json!({"default_asn": 4200000000u32})),
            "Settings",
        ),
        (
            Method::GET,
            path("slots?occupied=false&address_contains=Dal&speed=10G&limit=5"),
            None,
            "SlotList",
        ),
        (Method::GET, path(&format!("slots/{SLOT_ID}")), None, "Slot"),
    ];
    for (i, (method, uri, body, kind)) in cases.into_iter().enumerate() {
        let answer = send(app.clone(), request(method.clone(), &uri, body)).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{method} {uri}: {}",
            String::from_utf8_lossy(&answer.bytes)
        );
        assert_eq!(
            api.calls(),
            i + 1,
            "{method} {uri} reached the implementation"
        );
        use cloudflare_cni_server::types as t;
        let ok = match kind {
            "empty" => answer.bytes.is_empty(),
            "pdf" => {
                answer.content_type.as_deref() == Some("application/pdf") && answer.bytes == PDF
            }
            _ => {
                assert_eq!(
                    answer.content_type.as_deref(),
                    Some("application/json"),
                    "{uri}"
                );
                let v = answer.json();
                match kind {
                    "CniList" => serde_json::from_value::<t::CniList>(v).is_ok(),
                    "Cni" => serde_json::from_value::<t::Cni>(v).is_ok(),
                    "InterconnectList" => serde_json::from_value::<t::InterconnectList>(v).is_ok(),
                    "Interconnect" => serde_json::from_value::<t::Interconnect>(v).is_ok(),
                    "InterconnectStatus" => {
                        serde_json::from_value::<t::InterconnectStatus>(v).is_ok()
                    }
                    "Settings" => serde_json::from_value::<t::Settings>(v).is_ok(),
                    "SlotList" => serde_json::from_value::<t::SlotList>(v).is_ok(),
                    "Slot" => serde_json::from_value::<t::Slot>(v).is_ok(),
                    "DefaultNameResponse" => {
                        serde_json::from_value::<t::DefaultNameResponse>(v).is_ok()
                    }
                    other => panic!("{other}"),
                }
            }
        };
        assert!(ok, "{method} {uri} answered a {kind}");
    }
    // Every operation of the spec was exercised: the recorded calls name each one once.
    let seen = api.seen.lock().unwrap().clone();
    let mut called: Vec<&str> = seen
        .iter()
        .map(|s| s.split(' ').next().unwrap_or_default())
        .collect();
    called.sort();
    let mut all = cloudflare_cni_server::OPERATIONS.to_vec();
    all.sort();
    assert_eq!(called, all, "one case per operation of the spec");
    // Query parameters arrive typed.
    assert!(
        seen[0].contains(
            "cursor: Some(3), limit: Some(10), slot: Some(\"s\"), tunnel_id: Some(\"t\")"
        ),
        "{}",
        seen[0]
    );
    assert!(seen[5].contains("type_: Some(\"direct\")"), "{}", seen[5]);
    let call = |operation: &str| {
        seen.iter()
            .find(|s| s.split(' ').next() == Some(operation))
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        call("get_interconnect_loa").ends_with("Some(\"Acme Networks\")"),
        "{seen:?}"
    );
    assert!(
        call("list_slots").contains("occupied: Some(false)"),
        "{seen:?}"
    );
    assert!(
        call("update_settings").contains("Some(4200000000)"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn missing_or_malformed_credentials_answer_401_before_the_implementation() {
    let api = Fixed::default();
    for headers in [
        vec![],
        vec![("authorization", "Basic Zm9vOmJhcg==")],
        vec![("x-auth-email", "a@b.c")],
    ] {
        let mut builder = Request::builder().uri(path("settings"));
        for (k, v) in &headers {
            builder = builder.header(*k, *v);
        }
        let answer = send(router(api.clone()), builder.body(Body::empty()).unwrap()).await;
        let errors = answer.envelope(StatusCode::UNAUTHORIZED);
        assert_eq!(errors[0]["code"], 10000);
    }
    assert_eq!(api.calls(), 0);
    // The email + key pair is the other accepted alternative.
    let request = Request::builder()
        .uri(path("settings"))
        .header("x-auth-email", "ops@example.com")
        .header("x-auth-key", "global-key")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(router(api.clone()), request).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_json_answers_400() {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path("cnis"))
        .header(header::AUTHORIZATION, TOKEN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"account\": "))
        .unwrap();
    let errors = send(router(Fixed::default()), request)
        .await
        .envelope(StatusCode::BAD_REQUEST);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON"),
        "{errors:?}"
    );
    // Well-formed JSON of the wrong shape is a 400 too.
    let wrong = request_with(Method::POST, "cnis", json!({"account": 5}));
    let errors = send(router(Fixed::default()), wrong)
        .await
        .envelope(StatusCode::BAD_REQUEST);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("does not match"),
        "{errors:?}"
    );
}

fn request_with(method: Method, rest: &str, body: Value) -> Request<Body> {
    request(method, &path(rest), Some(body))
}

#[tokio::test]
async fn a_wrong_content_type_answers_415() {
    let request = Request::builder()
        .method(Method::PUT)
        .uri(path("settings"))
        .header(header::AUTHORIZATION, TOKEN)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    send(router(Fixed::default()), request)
        .await
        .envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn bad_path_and_query_values_answer_400() {
    let api = Fixed::default();
    for uri in [
        path("cnis/not-a-uuid"),
        path("slots/1234"),
        path("cnis?limit=-1"),
        path("cnis?cursor=abc"),
        path("cnis?cursor=99999999999"),
        path("slots?occupied=maybe"),
    ] {
        let answer = send(router(api.clone()), request(Method::GET, &uri, None)).await;
        answer.envelope(StatusCode::BAD_REQUEST);
    }
    assert_eq!(api.calls(), 0);
}

#[tokio::test]
async fn a_body_that_breaks_the_rules_answers_400_with_one_error_per_violation() {
    let api = Fixed::default();
    let mut bad = serde_json::to_value(cni()).unwrap();
    bad["cust_ip"] = json!("10.9.9.9/31");
    bad["bgp"]["md5_key"] = json!("no?");
    bad["bgp"]["extra_prefixes"] = json!(["10.0.0.0/8", "::/0"]);
    let answer = send(
        router(api.clone()),
        request_with(Method::PUT, &format!("cnis/{CNI_ID}"), bad),
    )
    .await;
    let errors = answer.envelope(StatusCode::BAD_REQUEST);
    let pointers: Vec<&str> = errors
        .iter()
        .map(|e| e["source"]["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/bgp/extra_prefixes/1", "/bgp/md5_key", "/cust_ip",]
    );
    assert!(errors.iter().all(|e| e["code"] == 1001));
    assert_eq!(
        api.calls(),
        0,
        "the implementation never sees an invalid body"
    );
}

#[tokio::test]
async fn an_unknown_route_answers_404_and_a_wrong_method_405() {
    let errors = send(
        router(Fixed::default()),
        request(Method::GET, "/accounts/x/cni/nothing", None),
    )
    .await
    .envelope(StatusCode::NOT_FOUND);
    assert_eq!(errors[0]["code"], 7003);
    let errors = send(
        router(Fixed::default()),
        request(Method::PATCH, &path("cnis"), None),
    )
    .await
    .envelope(StatusCode::METHOD_NOT_ALLOWED);
    assert!(errors[0]["message"].as_str().unwrap().contains("PATCH"));
}

#[tokio::test]
async fn a_body_over_the_limit_answers_413() {
    let config = RouterConfig::default().body_limit(1024);
    let mut big = serde_json::to_value(cni()).unwrap();
    big["magic"]["description"] = json!("x".repeat(4096));
    let answer = send(
        router_with_config(Fixed::default(), config),
        request_with(Method::PUT, &format!("cnis/{CNI_ID}"), big),
    )
    .await;
    answer.envelope(StatusCode::PAYLOAD_TOO_LARGE);
    // The default limit is 1 MiB: the same body passes.
    let mut ok = serde_json::to_value(cni()).unwrap();
    ok["magic"]["description"] = json!("x".repeat(4096));
    let answer = send(
        router(Fixed::default()),
        request_with(Method::PUT, &format!("cnis/{CNI_ID}"), ok),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn the_implementations_errors_answer_in_the_envelope() {
    let answer = send(
        router(Fixed::default()),
        request(
            Method::GET,
            &path(&format!("cnis/{}", uuid::Uuid::nil())),
            None,
        ),
    )
    .await;
    let errors = answer.envelope(StatusCode::NOT_FOUND);
    assert_eq!(errors[0]["message"], "CNI not found");
    let mut taken = json!({"account": ACCOUNT, "interconnect": "i", "magic": {"conduit_name": "taken", "description": "", "mtu": 0}});
    let answer = send(
        router(Fixed::default()),
        request_with(Method::POST, "cnis", taken.take()),
    )
    .await;
    answer.envelope(StatusCode::CONFLICT);
}

// ---- Issue 11: what the server runtime guarantees every implementer ----

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    for scheme in ["Bearer", "bearer", "BEARER", "bEARER"] {
        let request = Request::builder()
            .uri(path("settings"))
            .header(header::AUTHORIZATION, format!("{scheme} test-token"))
            .body(Body::empty())
            .unwrap();
        let answer = send(router(Fixed::default()), request).await;
        assert_eq!(answer.status, StatusCode::OK, "{scheme}");
    }
}

#[tokio::test]
async fn an_empty_path_parameter_answers_400_pointing_at_it() {
    let api = Fixed::default();
    for (uri, parameter) in [
        ("/accounts//cni/cnis".to_string(), "account_id"),
        ("/accounts//cni/settings".to_string(), "account_id"),
        (path("interconnects//status"), "icon"),
        (path("interconnects/"), "icon"),
    ] {
        let answer = send(router(api.clone()), request(Method::GET, &uri, None)).await;
        if answer.status == StatusCode::NOT_FOUND {
            // A trailing slash that no route matches is 404, which is fine too.
            continue;
        }
        let errors = answer.envelope(StatusCode::BAD_REQUEST);
        assert_eq!(errors[0]["source"]["pointer"], parameter, "{uri}");
    }
    assert_eq!(api.calls(), 0);
}

#[tokio::test]
async fn rejections_before_the_body_is_read_close_the_connection() {
    let too_large = router_with_config(Fixed::default(), RouterConfig::default().body_limit(16))
        .oneshot(request_with(
            Method::PUT,
            "settings",
            json!({"default_asn": 65000, "padding": "x".repeat(64)}),
        ))
        .await
        .unwrap();
    let wrong_type = router(Fixed::default())
        .oneshot(
            Request::builder()
                .method(Method::PUT)
                .uri(path("settings"))
                .header(header::AUTHORIZATION, TOKEN)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    for (response, status) in [
        (too_large, StatusCode::PAYLOAD_TOO_LARGE),
        (wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ] {
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()[header::CONNECTION], "close", "{status}");
    }
    // A request that was read whole keeps its connection.
    let ok = router(Fixed::default())
        .oneshot(request(Method::GET, &path("settings"), None))
        .await
        .unwrap();
    assert!(ok.headers().get(header::CONNECTION).is_none());
}

mod serving {
    //! `cloudflare_cni_server::serve` over real TCP: the timeouts and the bounded shutdown.

    use std::time::{Duration, Instant};

    use cloudflare_cni_server::{router, serve, ServeConfig};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    struct Running {
        address: std::net::SocketAddr,
        stop: tokio::sync::oneshot::Sender<()>,
        done: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    async fn start(config: ServeConfig) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(serve(listener, router(Fixed::default()), config, async {
            let _ = stopped.await;
        }));
        Running {
            address,
            stop,
            done,
        }
    }

    /// Reads until the server closes the connection (or `limit` passes), returning the text.
    async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> Option<String> {
        let mut out = Vec::new();
        match tokio::time::timeout(limit, stream.read_to_end(&mut out)).await {
            Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
            Err(_) => None,
        }
    }

    #[tokio::test]
    async fn a_half_sent_request_head_is_cut_off() {
        let server =
            start(ServeConfig::default().header_read_timeout(Duration::from_millis(300))).await;
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        stream
            .write_all(b"GET /accounts/a/cni/settings HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let closed = read_to_close(&mut stream, Duration::from_secs(10)).await;
        assert!(closed.is_some(), "the connection stayed open");
        assert!(started.elapsed() < Duration::from_secs(5));
        // An idle keep-alive connection is closed after the same time.
        let mut idle = TcpStream::connect(server.address).await.unwrap();
        assert!(read_to_close(&mut idle, Duration::from_secs(10))
            .await
            .is_some());
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_slow_body_answers_408_in_the_envelope_and_closes() {
        let server =
            start(ServeConfig::default().request_timeout(Duration::from_millis(300))).await;
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        let head = format!(
            "PUT /accounts/{ACCOUNT}/cni/settings HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"default",
            header::AUTHORIZATION
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let answer = read_to_close(&mut stream, Duration::from_secs(10))
            .await
            .expect("the server kept the connection");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("\"success\":false"), "{answer}");
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_415_with_an_unread_body_closes_the_connection() {
        let server = start(ServeConfig::default()).await;
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        let body = "x".repeat(256 * 1024);
        let request = format!(
            "PUT /accounts/{ACCOUNT}/cni/settings HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\n\
             Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            header::AUTHORIZATION,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        // Only part of the body goes out; the answer must not wait for the rest.
        stream.write_all(&body.as_bytes()[..1024]).await.unwrap();
        let answer = read_to_close(&mut stream, Duration::from_secs(10))
            .await
            .expect("the server kept the connection");
        assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    /// Reads one answer off a kept-alive connection: the head, then `Content-Length` bytes.
    async fn read_answer(stream: &mut TcpStream) -> String {
        let mut bytes = Vec::new();
        let mut byte = [0u8; 1];
        while !bytes.ends_with(b"\r\n\r\n") {
            let n = stream.read(&mut byte).await.unwrap();
            assert_eq!(
                n,
                1,
                "closed before the head ended: {:?}",
                String::from_utf8_lossy(&bytes)
            );
            bytes.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |n| n.trim().parse().unwrap());
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await.unwrap();
        format!("{head}{}", String::from_utf8_lossy(&body))
    }

    /// Every class of answer given before the body is read tells a keep-alive client that
    /// the connection ends (`Connection: close`) and then ends it, so the client's next
    /// request never meets a closed socket; an answer after a body read whole keeps it.
    #[tokio::test]
    async fn early_answers_say_connection_close_and_read_bodies_keep_it() {
        let server = start(ServeConfig::default()).await;
        let body = r#"{"default_asn": 65000}"#;
        let early = [
            (
                "PUT",
                format!("/accounts/{ACCOUNT}/cni/cnis/not-a-uuid"),
                "400",
            ),
            ("POST", "/no/such/route".to_string(), "404"),
            ("PATCH", format!("/accounts/{ACCOUNT}/cni/settings"), "405"),
            (
                "DELETE",
                format!("/accounts/{ACCOUNT}/cni/cnis/not-a-uuid"),
                "400",
            ),
        ];
        for (method, target, status) in early {
            let mut stream = TcpStream::connect(server.address).await.unwrap();
            let request = format!(
                "{method} {target} HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                header::AUTHORIZATION,
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let answer = read_to_close(&mut stream, Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("{method} {target}: the server kept the connection"));
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {status}")),
                "{method} {target}: {answer}"
            );
            assert!(
                answer.to_ascii_lowercase().contains("connection: close"),
                "{method} {target}: closed without saying so: {answer}"
            );
        }
        // Refused after the body was read (a rule broken): the connection serves on.
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        for value in ["-1", "65001"] {
            let body = format!(r#"{{"default_asn": {value}}}"#);
            let request = format!(
                "PUT /accounts/{ACCOUNT}/cni/settings HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                header::AUTHORIZATION,
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let answer = read_answer(&mut stream).await;
            assert!(!answer.contains("connection: close"), "{answer}");
        }
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    /// A head over the limits is answered in the envelope (414, 431), not with hyper's
    /// empty answer, and the connection ends.
    #[tokio::test]
    async fn an_oversized_head_answers_in_the_envelope() {
        let server = start(ServeConfig::default()).await;
        let long_uri = format!(
            "/accounts/{ACCOUNT}/cni/settings?pad={}",
            "x".repeat(cloudflare_cni_server::MAX_URI_BYTES)
        );
        let big_header = format!(
            "X-Pad: {}\r\n",
            "y".repeat(cloudflare_cni_server::MAX_HEADER_BYTES)
        );
        let many_headers: String = (0..=cloudflare_cni_server::MAX_HEADER_COUNT)
            .map(|i| format!("X-Pad-{i}: z\r\n"))
            .collect();
        let cases = [
            (long_uri, String::new(), "414"),
            (
                format!("/accounts/{ACCOUNT}/cni/settings"),
                big_header,
                "431",
            ),
            (
                format!("/accounts/{ACCOUNT}/cni/settings"),
                many_headers,
                "431",
            ),
        ];
        for (target, extra, status) in cases {
            let mut stream = TcpStream::connect(server.address).await.unwrap();
            let request = format!(
                "GET {target} HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\n{extra}\r\n",
                header::AUTHORIZATION
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let answer = read_to_close(&mut stream, Duration::from_secs(10))
                .await
                .expect("the server kept the connection");
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {status}")),
                "{}",
                &answer[..80.min(answer.len())]
            );
            assert!(answer.contains("\"success\":false"), "{answer}");
            assert!(answer.contains("\"code\":1009"), "{answer}");
        }
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    /// The probe's findings: a request with no `Host` or two, or two `Authorization` fields,
    /// was served (the first won); an HTTP/2 preface was closed without a word. Each answers
    /// 400 in the envelope and the connection ends; HTTP/1.0 without `Host` is still served.
    #[tokio::test]
    async fn ambiguous_heads_and_http2_prefaces_answer_400_in_the_envelope() {
        let server = start(ServeConfig::default()).await;
        let target = format!("/accounts/{ACCOUNT}/cni/settings");
        let auth = format!("{}: {TOKEN}\r\n", header::AUTHORIZATION);
        let cases = [
            (
                format!("GET {target} HTTP/1.1\r\n{auth}\r\n"),
                "must have a Host",
            ),
            (
                format!("GET {target} HTTP/1.1\r\nHost: x\r\nHost: y\r\n{auth}\r\n"),
                "more than one Host",
            ),
            (
                format!(
                    "GET {target} HTTP/1.1\r\nHost: x\r\n{auth}{}: Bearer other\r\n\r\n",
                    header::AUTHORIZATION
                ),
                "more than one Authorization",
            ),
            (
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_string(),
                "HTTP/1.1 only",
            ),
        ];
        for (request, message) in cases {
            let mut stream = TcpStream::connect(server.address).await.unwrap();
            // The preface arrives in two writes, as a slow client would send it.
            let (first, rest) = request.split_at(5);
            stream.write_all(first.as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            stream.write_all(rest.as_bytes()).await.unwrap();
            let answer = read_to_close(&mut stream, Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("{request:?}: the server kept the connection"));
            assert!(answer.starts_with("HTTP/1.1 400"), "{request:?}: {answer}");
            assert!(answer.contains("\"code\":1000"), "{answer}");
            assert!(answer.contains(message), "{request:?}: {answer}");
        }
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        let request = format!("GET {target} HTTP/1.0\r\n{auth}\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let answer = read_to_close(&mut stream, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(
            answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
            "{answer}"
        );
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    /// The probe's finding: 100 clients that sent requests and never read the answers held
    /// an emulator at 381 MB. A client that takes nothing for the write timeout is cut off:
    /// of a 64 MiB answer it then gets what the socket buffers held, and the end.
    #[tokio::test]
    async fn a_client_that_never_reads_is_disconnected() {
        const BIG: usize = 64 << 20;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app =
            axum::Router::new().route("/big", axum::routing::get(|| async { vec![b'x'; BIG] }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = ServeConfig::default().write_timeout(Duration::from_millis(300));
        let done = tokio::spawn(serve(listener, app, config, async {
            let _ = stopped.await;
        }));
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        // Reads nothing for well over the write timeout.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut sink = vec![0u8; 1 << 16];
        let mut read = 0usize;
        loop {
            match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut sink)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => read += n,
                Err(_) => panic!("the connection was kept after {read} bytes"),
            }
        }
        assert!(
            read < BIG,
            "the whole answer arrived: the client was never cut off"
        );
        stop.send(()).unwrap();
        done.await.unwrap().unwrap();
    }

    /// What hyper answers itself (a head that is not HTTP, one past its own size limits)
    /// goes out in the envelope too; a good request on another connection is unaffected.
    #[tokio::test]
    async fn heads_hyper_refuses_are_answered_in_the_envelope() {
        let server = start(ServeConfig::default()).await;
        let huge = format!(
            "GET /accounts/{ACCOUNT}/cni/settings HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
            "y".repeat(2 * 1024 * 1024)
        );
        for (request, status, code) in [
            ("NOT HTTP AT ALL\r\n\r\n".to_string(), "400", "1000"),
            (
                "GET /\u{1}bad HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
                "400",
                "1000",
            ),
            (huge, "431", "1009"),
        ] {
            let mut stream = TcpStream::connect(server.address).await.unwrap();
            // The server may answer and close before it has read all of a huge head.
            let _ = stream.write_all(request.as_bytes()).await;
            let answer = read_to_close(&mut stream, Duration::from_secs(10))
                .await
                .expect("the server kept the connection");
            let start = &answer[..answer.len().min(120)];
            assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{start}");
            assert!(answer.contains("\"success\":false"), "{answer}");
            assert!(answer.contains(&format!("\"code\":{code}")), "{answer}");
            assert!(
                answer
                    .to_ascii_lowercase()
                    .contains("content-type: application/json"),
                "{answer}"
            );
        }
        let ok = get_settings_raw(server.address).await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        server.stop.send(()).unwrap();
        server.done.await.unwrap().unwrap();
    }

    /// A plain GET of the settings on a fresh connection, its whole answer.
    async fn get_settings_raw(address: std::net::SocketAddr) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let request = format!(
            "GET /accounts/{ACCOUNT}/cni/settings HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\nConnection: close\r\n\r\n",
            header::AUTHORIZATION
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        read_to_close(&mut stream, Duration::from_secs(10))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn shutdown_finishes_within_the_grace_period_despite_a_stuck_client() {
        let server = start(ServeConfig::default().shutdown_grace(Duration::from_millis(300))).await;
        // A request whose body never finishes keeps its connection busy.
        let mut stuck = TcpStream::connect(server.address).await.unwrap();
        let head = format!(
            "PUT /accounts/{ACCOUNT}/cni/settings HTTP/1.1\r\nHost: x\r\n{}: {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
            header::AUTHORIZATION
        );
        stuck.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        server.stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server.done)
            .await
            .expect("shutdown did not finish")
            .unwrap()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(3));
        // The stuck connection was dropped.
        assert!(read_to_close(&mut stuck, Duration::from_secs(5))
            .await
            .is_some());
    }
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_answers_400_pointing_at_the_field() {
    let api = Fixed::default();
    let cases = [
        (
            json!({"type": "aws_partner", "account": ACCOUNT}),
            "/type",
            vec!["aws_partner", "\"direct\"", "\"gcp_partner\""],
        ),
        (
            json!({"account": ACCOUNT, "slot_id": SLOT_ID}),
            "",
            vec!["missing field `type`"],
        ),
        (
            json!({"type": "direct", "account": ACCOUNT}),
            "",
            vec!["missing field `slot_id`", "\"direct\""],
        ),
        (
            json!({"type": "gcp_partner", "account": ACCOUNT, "pairing_key": "k", "bandwidth": "7G"}),
            "/bandwidth",
            vec!["7G", "\"50M\"", "\"50G\""],
        ),
    ];
    for (body, pointer, words) in cases {
        let answer = send(
            router(api.clone()),
            request_with(Method::POST, "interconnects", body.clone()),
        )
        .await;
        let errors = answer.envelope(StatusCode::BAD_REQUEST);
        let message = errors[0]["message"].as_str().unwrap();
        for word in words {
            assert!(message.contains(word), "{body}: {message}");
        }
        match pointer {
            "" => assert!(errors[0].get("source").is_none(), "{body}: {errors:?}"),
            pointer => assert_eq!(errors[0]["source"]["pointer"], pointer, "{body}"),
        }
    }
    // A field deep in a plain object is pointed at too.
    let mut cni = serde_json::to_value(cni()).unwrap();
    cni["magic"]["mtu"] = json!("big");
    let answer = send(
        router(api.clone()),
        request_with(Method::PUT, &format!("cnis/{CNI_ID}"), cni),
    )
    .await;
    let errors = answer.envelope(StatusCode::BAD_REQUEST);
    assert_eq!(errors[0]["source"]["pointer"], "/magic/mtu");
    // Trailing bytes after the JSON value are malformed JSON.
    let request = Request::builder()
        .method(Method::PUT)
        .uri(path("settings"))
        .header(header::AUTHORIZATION, TOKEN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{} {}"))
        .unwrap();
    let errors = send(router(api.clone()), request)
        .await
        .envelope(StatusCode::BAD_REQUEST);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    assert_eq!(api.calls(), 0);
}

/// Serves one operation; every other answers the trait's default.
struct OnlySettings;

impl cloudflare_cni_server::CniApi for OnlySettings {
    const IMPLEMENTED: &'static [cloudflare_cni_server::Operation] =
        &[cloudflare_cni_server::Operation::GET_SETTINGS];

    async fn get_settings(
        &self,
        _: cloudflare_cni_server::RequestContext,
        _: String,
        _query: cloudflare_cni_server::GetSettingsQuery,
    ) -> Result<cloudflare_cni_server::types::Settings, cloudflare_cni_server::ApiError> {
        Ok(cloudflare_cni_server::types::Settings::builder()
            .default_asn(65000)
            .try_into()
            .unwrap())
    }
}

#[tokio::test]
async fn operations_left_to_the_default_answer_501_and_are_listed() {
    let answer = send(
        router(OnlySettings),
        request(Method::GET, &path("settings"), None),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let errors = send(
        router(OnlySettings),
        request(Method::GET, &path(&format!("cnis/{CNI_ID}")), None),
    )
    .await
    .envelope(StatusCode::NOT_IMPLEMENTED);
    assert_eq!(errors[0]["code"], 1008);
    assert!(errors[0]["message"].as_str().unwrap().contains("get_cni"));

    let missing = cloudflare_cni_server::unimplemented_operations::<OnlySettings>();
    let mut expected: Vec<&str> = cloudflare_cni_server::OPERATIONS
        .iter()
        .copied()
        .filter(|op| *op != "get_settings")
        .collect();
    expected.sort();
    let mut missing_sorted = missing.clone();
    missing_sorted.sort();
    assert_eq!(missing_sorted, expected);
    // The test doubles and the emulator implement every operation.
    assert!(cloudflare_cni_server::unimplemented_operations::<Fixed>().is_empty());
    assert!(
        cloudflare_cni_server::unimplemented_operations::<cloudflare_cni_emulator::Emulator>()
            .is_empty()
    );
}

/// Every body is a JSON object with no key twice: serde's sequence form of a struct, and
/// duplicates that types keeping unknown fields would resolve silently, are refused alike.
#[tokio::test]
async fn bodies_are_objects_with_each_key_once() {
    let api = Fixed::default();
    let raw = |method: Method, rest: &str, body: &str| {
        Request::builder()
            .method(method)
            .uri(path(rest))
            .header(header::AUTHORIZATION, TOKEN)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let cases = [
        (
            Method::PUT,
            "settings".to_string(),
            "[65011]".to_string(),
            "must be a JSON object, not an array",
            "",
        ),
        (
            Method::POST,
            "cnis".to_string(),
            format!(r#"["{ACCOUNT}", null, "icon", {{}}]"#),
            "must be a JSON object, not an array",
            "",
        ),
        (
            Method::PUT,
            "settings".to_string(),
            "65011".to_string(),
            "not a number",
            "",
        ),
        (
            Method::PUT,
            "settings".to_string(),
            r#"{"default_asn": 65011, "default_asn": 1}"#.to_string(),
            "names the key \"default_asn\" twice",
            "",
        ),
        (
            Method::POST,
            "cnis".to_string(),
            format!(
                r#"{{"account": "{ACCOUNT}", "account": "other", "interconnect": "i",
                   "magic": {{"conduit_name": "c", "description": "d", "mtu": 1500}}}}"#
            ),
            "names the key \"account\" twice",
            "",
        ),
        (
            Method::POST,
            "cnis".to_string(),
            format!(
                r#"{{"account": "{ACCOUNT}", "interconnect": "i",
                   "magic": {{"conduit_name": "c", "mtu": 1, "description": "d", "mtu": 1500}}}}"#
            ),
            "/magic names the key \"mtu\" twice",
            "/magic",
        ),
        (
            Method::POST,
            "interconnects".to_string(),
            format!(r#"{{"type": "direct", "type": "gcp_partner", "account": "{ACCOUNT}"}}"#),
            "names the key \"type\" twice",
            "",
        ),
    ];
    for (method, rest, body, words, pointer) in cases {
        let answer = send(router(api.clone()), raw(method.clone(), &rest, &body)).await;
        let errors = answer.envelope(StatusCode::BAD_REQUEST);
        let message = errors[0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{method} {rest} {body}: {message}");
        match pointer {
            "" => assert!(errors[0].get("source").is_none(), "{body}: {errors:?}"),
            pointer => assert_eq!(errors[0]["source"]["pointer"], pointer, "{body}"),
        }
    }
    assert_eq!(api.calls(), 0, "no refused body reached the implementation");
}

/// The request context (issue: the trait saw no headers, no peer, no extensions, and a
/// success could set no header; `ApiError` no `Retry-After`): served over TCP by `serve`, an
/// implementation reads the request's header and its peer, answers with headers on a success,
/// and an error carries its `Retry-After`.
struct Contextual;

impl cloudflare_cni_server::CniApi for Contextual {
    const IMPLEMENTED: &'static [cloudflare_cni_server::Operation] =
        &[cloudflare_cni_server::Operation::GET_SETTINGS];

    async fn get_settings(
        &self,
        request: cloudflare_cni_server::RequestContext,
        _: String,
        _query: cloudflare_cni_server::GetSettingsQuery,
    ) -> Result<cloudflare_cni_server::types::Settings, cloudflare_cni_server::ApiError> {
        use axum::http::{HeaderName, HeaderValue};
        if request.header("x-fail").is_some() {
            return Err(
                cloudflare_cni_server::ApiError::service_unavailable("draining")
                    .retry_after(std::time::Duration::from_secs(3)),
            );
        }
        let peer = request
            .peer()
            .map(|p| p.ip().to_string())
            .unwrap_or_default();
        request.set_answer_header(
            HeaderName::from_static("x-peer"),
            HeaderValue::from_str(&peer).unwrap(),
        );
        let key = request
            .header("idempotency-key")
            .unwrap_or("none")
            .to_string();
        request.set_answer_header(
            HeaderName::from_static("etag"),
            HeaderValue::from_str(&format!("\"{key}\"")).unwrap(),
        );
        Ok(cloudflare_cni_server::types::Settings::builder()
            .default_asn(65000u32)
            .build()?)
    }
}

#[tokio::test]
async fn a_method_reads_its_request_and_sets_headers_on_its_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cloudflare_cni_server::serve(
        listener,
        router(Contextual),
        cloudflare_cni_server::ServeConfig::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    use cloudflare_cni_client::header::{HeaderName, HeaderValue};
    let client = cloudflare_cni_client::Client::builder()
        .base_url(format!("http://{address}"))
        .api_token("test-token")
        .max_retries(0)
        .build()
        .unwrap();
    let with = |name: &'static str, value: &'static str| {
        cloudflare_cni_client::RequestOptions::default().header(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    let ok = client
        .get_settings()
        .account_id(ACCOUNT)
        .send_with(&with("idempotency-key", "k-42"))
        .await
        .unwrap();
    assert_eq!(
        ok.headers()["x-peer"],
        "127.0.0.1",
        "the peer, as serve saw it"
    );
    assert_eq!(ok.headers()["etag"], "\"k-42\"");
    let busy = client
        .get_settings()
        .account_id(ACCOUNT)
        .send_with(&with("x-fail", "1"))
        .await
        .unwrap_err();
    match &busy {
        cloudflare_cni_client::CniError::Api {
            status,
            headers,
            errors,
            ..
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(headers["retry-after"], "3");
            assert_eq!(errors[0].message, "draining");
        }
        other => panic!("expected the 503, got {other:?}"),
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A test of an implementation calls its methods with a context of its own making.
#[tokio::test]
async fn an_implementation_is_called_directly_with_a_context_of_its_own() {
    use cloudflare_cni_server::{CniApi, Credentials, RequestContext, Secret};
    let context = RequestContext::new(Credentials::ApiToken(Secret::new("t"))).with_header(
        axum::http::HeaderName::from_static("idempotency-key"),
        axum::http::HeaderValue::from_static("direct"),
    );
    let settings = Contextual
        .get_settings(context.clone(), ACCOUNT.to_string(), Default::default())
        .await
        .unwrap();
    assert_eq!(settings.default_asn, 65000);
    assert_eq!(context.answer_headers()["etag"], "\"direct\"");
}
