//! What the wire tests share: a request written on a socket, byte for byte as the test
//! means it (a malformed body, a missing header), which no typed client would send. A
//! socket, not `reqwest::Client::new()`: that panics without a TLS crypto provider when the
//! test runs alone, as CI's runner runs each.

#![allow(dead_code)]

/// Sends `method target` to the server at `base` (`http://127.0.0.1:PORT`) with the
/// credentials, `headers` and `body`, and reads its status and JSON answer.
pub async fn raw_request(
    base: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer t\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or_default())
}

/// Serves `router` on a port the OS gives; the server stops when the sender is dropped.
pub async fn serve(router: axum::Router) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(cloudflare_cni_server_runtime::serve(
        listener,
        router,
        cloudflare_cni_server_runtime::ServeConfig::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    (format!("http://{address}"), stop)
}
