//! hyper answers a request head it cannot parse (not HTTP: 400; past its size limits: 431,
//! 414) itself, before any router sees a request, with an empty body. This wraps the
//! connection so that such an answer goes out in the error envelope like every other.
//!
//! hyper's own answers are recognised by what only they are: an error status (400, 414, 431)
//! with `content-length: 0` as the first thing written after the last answer. Every answer the
//! router gives for an error carries the envelope (so a body), and a body never starts with
//! `HTTP/1.1 `. Only those writes are copied and replaced; every other write passes through.
//!
//! hyper gives no answer at all to a connection that opens with HTTP/2's preface (it closes
//! it): [`opens_with_http2`] looks at the first bytes before hyper does, and such a connection
//! is answered 400 in the envelope too.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{codes, ApiError};

/// The first line of HTTP/2's connection preface (RFC 9113 §3.4), what a client that speaks
/// HTTP/2 without negotiating it (prior knowledge) sends first.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n";

/// Whether the first bytes on `stream` are HTTP/2's preface. Waits (at most `wait`) only while
/// what has arrived could still be one, so an HTTP/1.1 request is told apart at its first
/// bytes; nothing is consumed.
pub(crate) async fn opens_with_http2(
    stream: &tokio::net::TcpStream,
    wait: std::time::Duration,
) -> bool {
    let look = async {
        let mut buf = [0u8; HTTP2_PREFACE.len()];
        let mut seen = 0;
        loop {
            let n = match stream.peek(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            if !HTTP2_PREFACE.starts_with(&buf[..n]) {
                return false;
            }
            if n == HTTP2_PREFACE.len() {
                return true;
            }
            if n == seen {
                // Nothing new yet: peek again after the next bytes can have arrived.
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            seen = n;
        }
    };
    tokio::time::timeout(wait, look).await.unwrap_or(false)
}

/// Answers a connection that opened with HTTP/2's preface: 400 in the envelope, then closes.
pub(crate) async fn refuse_http2(stream: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let answer = envelope_answer_with(
        StatusCode::BAD_REQUEST,
        codes::BAD_REQUEST,
        "this server speaks HTTP/1.1 only: HTTP/2 without negotiation is not served",
    );
    let _ = stream.write_all(&answer).await;
    let _ = stream.shutdown().await;
}

/// A connection whose bare error answers from hyper are replaced by the envelope.
pub(crate) struct EnvelopeBareErrors<S> {
    inner: S,
    /// A replacement answer accepted from hyper and not yet written to `inner`.
    pending: Vec<u8>,
    written: usize,
}

impl<S> EnvelopeBareErrors<S> {
    pub(crate) fn new(inner: S) -> Self {
        EnvelopeBareErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// The status of `bytes` when they are one of hyper's bare error answers, whole.
fn bare_error(bytes: &[u8]) -> Option<StatusCode> {
    let rest = bytes.strip_prefix(b"HTTP/1.1 ")?;
    let status = match rest.get(..3)? {
        b"400" => StatusCode::BAD_REQUEST,
        b"414" => StatusCode::URI_TOO_LONG,
        b"431" => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let head = std::str::from_utf8(bytes).ok()?;
    let ends_the_head = head.ends_with("\r\n\r\n");
    let empty = head
        .split("\r\n")
        .any(|line| line.eq_ignore_ascii_case("content-length: 0"));
    (ends_the_head && empty).then_some(status)
}

/// The answer in the envelope for `status`, closing the connection (hyper closes it anyway).
fn envelope_answer(status: StatusCode) -> Vec<u8> {
    let (code, message) = match status {
        StatusCode::URI_TOO_LONG => (
            codes::HEAD_TOO_LARGE,
            "the request URI is longer than this server reads",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            codes::HEAD_TOO_LARGE,
            "the request's header fields are larger than this server reads",
        ),
        _ => (
            codes::BAD_REQUEST,
            "the request is not an HTTP/1.1 request this server can read",
        ),
    };
    envelope_answer_with(status, code, message)
}

/// A whole HTTP/1.1 answer: `status` with the envelope of `code` and `message`, closing.
fn envelope_answer_with(status: StatusCode, code: i32, message: &str) -> Vec<u8> {
    let body =
        serde_json::to_vec(&ApiError::new(status, code, message).envelope()).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

impl<S: AsyncWrite + Unpin> EnvelopeBareErrors<S> {
    /// Writes what is pending; ready when nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for EnvelopeBareErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for EnvelopeBareErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        match bare_error(buf) {
            Some(status) => {
                self.pending = envelope_answer(status);
                // Taken whole: what is left of the replacement goes out on the next write,
                // flush or shutdown.
                if let Poll::Ready(Err(e)) = self.drain(cx) {
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(Ok(buf.len()))
            }
            None => Pin::new(&mut self.inner).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        // Only a write that starts like an error head is looked at as a whole.
        let first = bufs.iter().find(|b| !b.is_empty());
        let candidate = first.is_some_and(|b| b.starts_with(b"HTTP/1.1 4"));
        if candidate {
            let whole: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
            if let Some(status) = bare_error(&whole) {
                self.pending = envelope_answer(status);
                if let Poll::Ready(Err(e)) = self.drain(cx) {
                    return Poll::Ready(Err(e));
                }
                return Poll::Ready(Ok(whole.len()));
            }
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_error_answers_are_recognised() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 20:00:00 GMT\r\n\r\n";
        assert_eq!(bare_error(bare), Some(StatusCode::BAD_REQUEST));
        let large = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(
            bare_error(large),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        // The router's answers have a body; other statuses are never hyper's own.
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 99\r\n\r\n";
        assert_eq!(bare_error(ours), None);
        let ok = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_error(ok), None);
        assert_eq!(bare_error(b"{\"success\": false}"), None);
        let answer = String::from_utf8(envelope_answer(StatusCode::BAD_REQUEST)).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{answer}"
        );
        let envelope: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(envelope["success"], false);
        assert_eq!(envelope["errors"][0]["code"], 1000);
    }
}
