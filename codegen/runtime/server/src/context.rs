//! What an operation's method knows of its request beyond its parameters and body, and what it
//! adds to its answer: the credentials, the request's headers (an `Idempotency-Key`, the API
//! version), the peer's address, the request's extensions (what a tower layer put there), and
//! headers for the answer, success or error (an `ETag`, a `Location`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::{ApiError, Credentials};

/// The request an operation's method answers, as the trait receives it (its first argument).
/// Cheap to clone: a clone adds to the same answer.
#[derive(Clone, Debug)]
pub struct RequestContext {
    credentials: Credentials,
    headers: HeaderMap,
    peer: Option<SocketAddr>,
    extensions: Extensions,
    answer_headers: Arc<Mutex<Answer>>,
}

/// What a method set on its answer: headers, and the success status when the operation
/// declares more than one.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    headers: HeaderMap,
    status: Option<StatusCode>,
}

impl RequestContext {
    /// A request with these credentials and nothing else: for calling an implementation's
    /// methods in its own tests, with [`header`](Self::with_header) and
    /// [`peer`](Self::with_peer) to add what a test needs.
    pub fn new(credentials: Credentials) -> Self {
        RequestContext {
            credentials,
            headers: HeaderMap::new(),
            peer: None,
            extensions: Extensions::new(),
            answer_headers: Arc::default(),
        }
    }

    /// The same request with a header added.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The same request from this peer.
    pub fn with_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// How the request authenticated.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The request's headers, as they came.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The text of the request header `name` (the first, when it is repeated); `None` when it
    /// is missing or not visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The address the request came from, when the server knows it: [`serve`](crate::serve)
    /// records it, as does axum's `into_make_service_with_connect_info::<SocketAddr>()`.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The request's extensions: what tower layers in front of the router put there.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Sets a header on the answer, whether the method succeeds or fails (an error's own
    /// headers, [`ApiError::with_header`], win over it).
    pub fn set_answer_header(&self, name: HeaderName, value: HeaderValue) {
        self.answer_headers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .headers
            .insert(name, value);
    }

    /// The headers set for the answer so far.
    pub fn answer_headers(&self) -> HeaderMap {
        self.answer_headers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .headers
            .clone()
    }

    /// The status of a successful answer, for an operation that declares more than one (a
    /// 202 while the work goes on, beside the 200 when it is done). Without it, the method's
    /// success answers the first status the spec declares. A status that is not a success
    /// (2xx) is ignored: failures are [`ApiError`]s.
    pub fn set_answer_status(&self, status: StatusCode) {
        if status.is_success() {
            self.answer_headers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .status = Some(status);
        }
    }

    /// Where the answer's headers are kept, for the router to read once the method returned.
    pub(crate) fn answer_sink(&self) -> AnswerHeaders {
        AnswerHeaders(Arc::clone(&self.answer_headers))
    }
}

/// The headers a method set on its answer (see [`RequestContext::set_answer_header`]).
#[doc(hidden)]
#[derive(Debug)]
pub struct AnswerHeaders(Arc<Mutex<Answer>>);

impl AnswerHeaders {
    /// The request's sink, taken before the context moves into the method.
    pub fn of(context: &RequestContext) -> Self {
        context.answer_sink()
    }

    pub(crate) fn take(&self) -> (HeaderMap, Option<StatusCode>) {
        let answer = std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        (answer.headers, answer.status)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let credentials = crate::credentials::from_parts(parts)?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        Ok(RequestContext {
            credentials,
            headers: parts.headers.clone(),
            peer,
            extensions: parts.extensions.clone(),
            answer_headers: Arc::default(),
        })
    }
}

/// The request's credentials, checked first (a request without them answers 401 before its
/// parameters are read), for a handler that takes the rest of its context last with
/// [`RequestRest`].
#[doc(hidden)]
pub struct Authenticated(pub Credentials);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        crate::credentials::from_parts(parts).map(Authenticated)
    }
}

/// The request's headers, peer and extensions, moved out of it rather than copied: the last
/// extractor of a handler whose request has no body (nothing after it reads them).
#[doc(hidden)]
pub struct RequestRest {
    headers: HeaderMap,
    peer: Option<SocketAddr>,
    extensions: Extensions,
}

impl RequestRest {
    /// The context the method receives.
    pub fn with(self, Authenticated(credentials): Authenticated) -> RequestContext {
        RequestContext {
            credentials,
            headers: self.headers,
            peer: self.peer,
            extensions: self.extensions,
            answer_headers: Arc::default(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestRest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        Ok(RequestRest {
            headers: std::mem::take(&mut parts.headers),
            peer,
            extensions: std::mem::take(&mut parts.extensions),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudflare_cni_validate::Secret;

    /// A request's parts with a token, a header, a peer and an extension, and that peer.
    fn request_parts() -> (Parts, SocketAddr) {
        let peer: SocketAddr = "192.0.2.7:4242".parse().unwrap();
        let request = axum::http::Request::builder()
            .header("authorization", "Bearer t0k")
            .header("idempotency-key", "k-1")
            .extension(ConnectInfo(peer))
            .extension(7u32)
            .body(())
            .unwrap();
        (request.into_parts().0, peer)
    }

    #[tokio::test]
    async fn the_context_carries_the_requests_headers_peer_and_extensions() {
        let (mut parts, peer) = request_parts();
        let context = RequestContext::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        assert!(context.credentials().matches_token("t0k"));
        assert_eq!(context.header("idempotency-key"), Some("k-1"));
        assert_eq!(context.peer(), Some(peer));
        assert_eq!(context.extensions().get::<u32>(), Some(&7));
        let sink = AnswerHeaders::of(&context);
        context.clone().set_answer_header(
            HeaderName::from_static("etag"),
            HeaderValue::from_static("\"v1\""),
        );
        assert_eq!(sink.take().0.get("etag").unwrap(), "\"v1\"");
    }

    /// Credentials first and the rest moved out last make the same context the one
    /// extractor makes, and leave the request's parts without the headers they moved.
    #[tokio::test]
    async fn a_context_taken_in_two_steps_is_the_same_context() {
        let (mut parts, peer) = request_parts();
        let credentials = Authenticated::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        let Ok(rest) = RequestRest::from_request_parts(&mut parts, &()).await;
        let context = rest.with(credentials);
        assert!(context.credentials().matches_token("t0k"));
        assert_eq!(context.header("idempotency-key"), Some("k-1"));
        assert_eq!(context.peer(), Some(peer));
        assert_eq!(context.extensions().get::<u32>(), Some(&7));
        assert!(parts.headers.is_empty());
        let (mut anonymous, ()) = axum::http::Request::new(()).into_parts();
        let refused = Authenticated::from_request_parts(&mut anonymous, &()).await;
        assert!(matches!(refused, Err(e) if e.status() == StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn a_test_builds_a_context_of_its_own() {
        let context = RequestContext::new(Credentials::ApiToken(Secret::new("t")))
            .with_header(
                HeaderName::from_static("x-api-version"),
                HeaderValue::from_static("2"),
            )
            .with_peer("127.0.0.1:1".parse().unwrap());
        assert_eq!(context.header("x-api-version"), Some("2"));
        assert!(context.peer().is_some());
    }
}
