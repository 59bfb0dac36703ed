//! A bound on how long a connection may refuse to take what the server writes. hyper has a
//! timeout for reading a request head but none for writing: a client that sends requests and
//! never reads the answers holds each answer (and the connection) in memory for as long as it
//! stays connected (100 such clients held an emulator at 381 MB).
//!
//! A write (or flush) that makes no progress for the whole timeout fails with
//! `ErrorKind::TimedOut`, and hyper drops the connection. Any progress restarts the clock, so
//! a slow but reading client is never cut off.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A connection whose writes must make progress within `timeout`.
pub(crate) struct WriteTimeout<S> {
    inner: S,
    timeout: Duration,
    /// Armed while a write is waiting on the peer; cleared by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteTimeout<S> {
    pub(crate) fn new(inner: S, timeout: Duration) -> Self {
        WriteTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// What a write that returned `polled` means once the clock is taken into account.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let timeout = self.timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(Instant::now() + timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the peer took nothing written for {timeout:?}"),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_reads_nothing_is_cut_off_and_a_reading_one_is_not() {
        // A pipe of 64 bytes: writes stall once it is full and nobody reads.
        let (near, mut far) = tokio::io::duplex(64);
        let mut connection = WriteTimeout::new(near, Duration::from_secs(30));
        let stalled = connection.write_all(&[b'x'; 4096]).await.unwrap_err();
        assert_eq!(stalled.kind(), io::ErrorKind::TimedOut, "{stalled}");
        // A reader slower than the writer but never stalled for 30 s gets everything.
        let (near, mut far_reader) = tokio::io::duplex(64);
        let mut connection = WriteTimeout::new(near, Duration::from_secs(30));
        let reader = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut got = Vec::new();
            let mut chunk = [0u8; 64];
            while got.len() < 4096 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                let n = far_reader.read(&mut chunk).await.unwrap();
                got.extend_from_slice(&chunk[..n]);
            }
            got.len()
        });
        connection.write_all(&[b'y'; 4096]).await.unwrap();
        assert_eq!(reader.await.unwrap(), 4096);
        drop(far.shutdown().await);
    }
}
