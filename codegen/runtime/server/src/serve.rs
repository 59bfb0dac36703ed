//! Serving a router with the timeouts a public server needs. `axum::serve` has none: a client
//! that sends half a request head, or a body one byte a minute, holds its connection (and
//! delays a graceful shutdown) for as long as it likes.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::error::{codes, ApiError};

/// How [`serve`] bounds each connection and the shutdown: `ServeConfig::default()` and the
/// methods below. Settings may be added in minor releases, so it is not built as a struct
/// literal.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServeConfig {
    /// How long a client may take to send a request head, counted from when the server is
    /// ready to read one: it also closes a connection left idle that long, new or between
    /// keep-alive requests. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long one request may take from its head to its answer, body upload included; a
    /// slower one answers 408 in the envelope and the connection is closed. Default 60 s.
    pub request_timeout: Duration,
    /// After the shutdown signal, how long open connections may finish their requests before
    /// they are dropped. Default 10 s.
    pub shutdown_grace: Duration,
    /// How long a write to a client may wait for it to take anything: a client that stops
    /// reading is disconnected after it, so it cannot hold answers in memory. Default 30 s.
    pub write_timeout: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
        }
    }
}

impl ServeConfig {
    /// How long a client may take to send a request head (and an idle connection may stay).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long one request may take from its head to its answer.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long open connections may finish after the shutdown signal.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long a write may wait for the client to read before the connection is dropped.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }
}

async fn request_timeout(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            codes::REQUEST_TIMEOUT,
            format!("the request took longer than {limit:?}"),
        )
        .closing_connection()
        .into_response(),
    }
}

/// The longest request URI [`serve`] answers (Cloudflare's own limit is 16 KiB); a longer one
/// answers 414 in the envelope.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// The most header bytes (names and values) [`serve`] answers (Cloudflare's: 32 KiB); more
/// answer 431 in the envelope.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most header fields [`serve`] answers; more answer 431 in the envelope.
pub const MAX_HEADER_COUNT: usize = 100;

/// hyper's own limits, set well above the ones above, so that a head over a limit reaches
/// `head_limits` and is answered with its sizes named; past these, hyper answers itself (in
/// the envelope too, through `bare_errors`).
const HYPER_MAX_BUF_BYTES: usize = 1024 * 1024;
const HYPER_MAX_HEADERS: usize = 1000;

/// Refuses a request whose head is over the limits, in the envelope.
async fn head_limits(request: Request, next: Next) -> Response {
    let uri = request.uri().to_string().len();
    if uri > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            codes::HEAD_TOO_LARGE,
            format!("the request URI is {uri} bytes; this server reads at most {MAX_URI_BYTES}"),
        )
        .closing_connection()
        .into_response();
    }
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADER_COUNT || bytes > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            codes::HEAD_TOO_LARGE,
            format!(
                "the request has {} header fields of {bytes} bytes; this server reads at most \
                 {MAX_HEADER_COUNT} fields of {MAX_HEADER_BYTES} bytes",
                headers.len()
            ),
        )
        .closing_connection()
        .into_response();
    }
    next.run(request).await
}

/// Refuses a head that names its host or its credentials ambiguously, as RFC 9112 (§3.2)
/// requires of a server and Cloudflare does: an HTTP/1.1 request without `Host`, or any request
/// with two `Host` fields, answers 400; so do two `Authorization` fields (which one a proxy in
/// front would have checked, and which one this server reads, could differ).
async fn unambiguous_head(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let hosts = headers.get_all(header::HOST).iter().count();
    let problem = if hosts > 1 {
        Some("the request has more than one Host header field")
    } else if hosts == 0 && request.version() == axum::http::Version::HTTP_11 {
        Some("an HTTP/1.1 request must have a Host header field")
    } else if headers.get_all(header::AUTHORIZATION).iter().count() > 1 {
        Some("the request has more than one Authorization header field")
    } else {
        None
    };
    match problem {
        Some(message) => ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
            .closing_connection()
            .into_response(),
        None => next.run(request).await,
    }
}

/// Marks an answer given before the request's body was read whole with `Connection: close`.
/// hyper closes such a connection after the answer (the unread bytes would otherwise be read
/// as the next request); saying so lets a keep-alive client open a new one instead of
/// sending its next request into a closing socket.
async fn close_when_body_unread(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let read = Arc::new(AtomicBool::new(body.is_end_stream()));
    let body = Body::new(WatchedBody {
        inner: body,
        read: Arc::clone(&read),
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if !read.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body that records when it has been read to its end.
struct WatchedBody {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.read.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `router` on `listener` (HTTP/1.1: the API's clients do not speak cleartext HTTP/2,
/// and HTTP/2's protocol sniffing would wait for a first byte with no timeout) until `shutdown`
/// completes, then stops
/// accepting, lets open requests finish for at most `config.shutdown_grace` and drops the
/// connections still open. Use it instead of `axum::serve` for anything reachable by others.
///
/// An answer given before the request's body was read whole says `Connection: close` (see
/// `close_when_body_unread`). A head over [`MAX_URI_BYTES`], [`MAX_HEADER_BYTES`] or
/// [`MAX_HEADER_COUNT`] answers 414 or 431 in the envelope; so do the answers hyper gives
/// itself before any router sees a request (a head that is not HTTP: 400; one past hyper's own
/// limits of 1 MiB and 1,000 fields: 431), rewritten on the way out (`bare_errors`), and a
/// connection that opens with HTTP/2's preface (400). An HTTP/1.1 request without `Host`, or
/// with two `Host` or two `Authorization` fields, answers 400. A client that takes nothing
/// written to it for `config.write_timeout` is disconnected.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limit = config.request_timeout;
    let router = router
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| request_timeout(limit, request, next),
        ))
        .layer(axum::middleware::from_fn(close_when_body_unread))
        .layer(axum::middleware::from_fn(unambiguous_head))
        .layer(axum::middleware::from_fn(head_limits));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .max_buf_size(HYPER_MAX_BUF_BYTES)
        .max_headers(HYPER_MAX_HEADERS);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, say: wait a little rather than spin.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // The peer's address, where `RequestContext::peer` (and axum's
                // `ConnectInfo`) find it.
                let service = TowerToHyperService::new(
                    tower::ServiceBuilder::new()
                        .map_request(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                            request
                                .extensions_mut()
                                .insert(axum::extract::ConnectInfo(peer));
                            request
                        })
                        .service(router.clone()),
                );
                let builder = builder.clone();
                let watcher = graceful.watcher();
                let (head_wait, write_timeout) = (config.header_read_timeout, config.write_timeout);
                connections.spawn(async move {
                    // hyper closes a connection that opens with HTTP/2's preface without a
                    // word; it gets the envelope's 400 like any head that is not HTTP/1.1.
                    let mut stream = stream;
                    if crate::bare_errors::opens_with_http2(&stream, head_wait).await {
                        crate::bare_errors::refuse_http2(&mut stream).await;
                        return;
                    }
                    // No upgrades: the API has no WebSocket or CONNECT endpoint.
                    let stream = crate::write_timeout::WriteTimeout::new(stream, write_timeout);
                    let stream = crate::bare_errors::EnvelopeBareErrors::new(stream);
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    if let Err(error) = watcher.watch(connection).await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "shutdown grace period over: dropping the connections still open"
        );
    }
    connections.shutdown().await;
    Ok(())
}
