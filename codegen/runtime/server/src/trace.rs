//! One tracing span per request, as a tower layer: the span carries the operationId, the
//! method and path and, once answered, the status; rejections (401, 400, 404 …) happen inside
//! it too. A layer of its own rather than `axum::middleware::from_fn`, which boxes the
//! request's future and the rest of the stack on every call.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::response::Response;

/// Maps a method and the spec's path template to its operationId.
pub type OperationLookup = fn(&str, &str) -> Option<&'static str>;

/// Wraps each route in [`RequestSpan`].
#[derive(Clone, Copy)]
pub struct RequestSpanLayer {
    lookup: OperationLookup,
}

impl RequestSpanLayer {
    /// A layer that names each request's span after the operation `lookup` finds for its route.
    pub fn new(lookup: OperationLookup) -> Self {
        RequestSpanLayer { lookup }
    }
}

impl<S> tower::Layer<S> for RequestSpanLayer {
    type Service = RequestSpan<S>;

    fn layer(&self, inner: S) -> RequestSpan<S> {
        RequestSpan {
            inner,
            lookup: self.lookup,
        }
    }
}

/// Runs the inner service's call inside the request's span.
#[derive(Clone, Copy)]
pub struct RequestSpan<S> {
    inner: S,
    lookup: OperationLookup,
}

impl<S> tower::Service<Request> for RequestSpan<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = InSpan<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let operation = request
            .extensions()
            .get::<MatchedPath>()
            .and_then(|route| operation_of(self.lookup, request.method().as_str(), route.as_str()))
            .unwrap_or("unmatched");
        let span = tracing::info_span!(
            "cni_request",
            operation,
            method = %request.method(),
            path = %request.uri().path(),
            status = tracing::field::Empty,
        );
        let inner = span.in_scope(|| self.inner.call(request));
        InSpan { inner, span }
    }
}

pin_project_lite::pin_project! {
    /// The inner future, polled inside the span; records the status when it answers.
    pub struct InSpan<F> {
        #[pin]
        inner: F,
        span: tracing::Span,
    }
}

impl<F, E> Future for InSpan<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = std::task::ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            let status = response.status().as_u16();
            this.span.record("status", status);
            tracing::info!(status, "answered");
        }
        Poll::Ready(result)
    }
}

/// The operation of a matched route, however the router is mounted: nested under a prefix
/// (`/client/v4`), the matched path is the prefix plus the spec's template, so each suffix
/// that starts a segment is tried, longest first.
fn operation_of(lookup: OperationLookup, method: &str, matched: &str) -> Option<&'static str> {
    matched
        .match_indices('/')
        .find_map(|(start, _)| lookup(method, &matched[start..]))
}
