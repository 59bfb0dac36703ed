//! Options for one call (`send_with`), and what a response says about the request that made it.

use std::time::Duration;

use progenitor_client::ResponseValue;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// Per-call settings that override the client's for one call: a timeout per attempt and extra
/// headers (an `Idempotency-Key`, a tracing header). An extra header replaces one the client
/// would send under the same name, credentials included.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    headers: HeaderMap,
}

impl RequestOptions {
    /// No options: the client's own timeout, no extra headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest one attempt of this call may take (the client's `timeout` otherwise).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends `name: value` with this call.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The per-attempt timeout, if set.
    pub fn timeout_value(&self) -> Option<Duration> {
        self.timeout
    }

    /// The extra headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Applies the options to a request before its first attempt (retries are copies of it).
    pub(crate) fn apply(&self, request: &mut reqwest::Request) {
        if let Some(timeout) = self.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        for (name, value) in &self.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
    }
}

/// Cloudflare's request id header: the id support asks for.
pub const REQUEST_ID_HEADER: &str = "cf-ray";

/// The request id in `headers`, when the server sent one.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
}

/// What a successful response says beyond its body: status and headers come with
/// [`ResponseValue`] itself; this adds Cloudflare's request id.
pub trait ResponseMetadata {
    /// Cloudflare's request id (`cf-ray`), when the server sent one.
    fn request_id(&self) -> Option<&str>;
}

impl<T> ResponseMetadata for ResponseValue<T> {
    fn request_id(&self) -> Option<&str> {
        request_id(self.headers())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_set_the_timeout_and_headers_of_a_request() {
        let options = RequestOptions::new()
            .timeout(Duration::from_millis(250))
            .header(
                HeaderName::from_static("idempotency-key"),
                HeaderValue::from_static("abc"),
            );
        let mut request =
            reqwest::Request::new(reqwest::Method::GET, "http://127.0.0.1/".parse().unwrap());
        request.headers_mut().insert(
            HeaderName::from_static("idempotency-key"),
            HeaderValue::from_static("old"),
        );
        options.apply(&mut request);
        assert_eq!(request.timeout(), Some(&Duration::from_millis(250)));
        assert_eq!(request.headers()["idempotency-key"], "abc");
        assert_eq!(
            request.headers().get_all("idempotency-key").iter().count(),
            1
        );
    }

    #[test]
    fn the_request_id_is_cf_ray() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_id(&headers), None);
        headers.insert("cf-ray", HeaderValue::from_static("8f1c2a3b4d5e6f70-DFW"));
        assert_eq!(request_id(&headers), Some("8f1c2a3b4d5e6f70-DFW"));
    }
}
