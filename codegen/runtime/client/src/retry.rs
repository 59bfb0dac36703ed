//! The retry loop that runs in progenitor's `exec` hook: connection errors, timeouts, 408, 429
//! and 5xx are retried with exponential backoff and jitter, honouring `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};

use crate::builder::ClientOptions;
use crate::context;

/// When and how often requests are retried: `RetryPolicy::default()` (or
/// [`none`](RetryPolicy::none)) and the methods below. Settings may be added in minor
/// releases, so it is not built as a struct literal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying. Default 2.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, up to `max_backoff`. Default 500 ms.
    pub initial_backoff: Duration,
    /// The longest backoff between attempts. Default 8 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is cut to this. Default 60 s.
    pub max_retry_after: Duration,
    /// Also retry POST (not idempotent: the first attempt may have created the object).
    /// Default false.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt; 0 disables retrying.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first backoff, and the longest: each retry doubles the pause, up to `max`.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub fn max_retry_after(mut self, longest: Duration) -> Self {
        self.max_retry_after = longest;
        self
    }

    /// Whether POST is retried too (the first attempt may have created the object).
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }

    fn allows(&self, method: &Method) -> bool {
        matches!(
            *method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD | Method::OPTIONS
        ) || self.retry_non_idempotent
    }

    /// The wait before retry number `retry` (1-based): the server's `Retry-After` when given
    /// (capped), else exponential backoff with equal jitter (between half and all of it).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_retry_after);
        }
        let exponent = retry.saturating_sub(1).min(20);
        let full = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let half = full / 2;
        half + full.saturating_sub(half).mul_f64(fastrand::f64())
    }
}

/// Whether a status is worth another attempt.
pub fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// `Retry-After` as seconds or an HTTP date, relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A copy of `request` for a retry: what `try_clone` copies, without the per-request timeout
/// entry `try_clone` always writes (two allocations on every call that has none); `None` when
/// the body cannot be replayed (a stream).
fn retry_copy(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() || request.timeout().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    Some(copy)
}

/// Sends `request`, retrying as the policy allows. Each attempt is logged with its number.
pub async fn execute(
    http: &reqwest::Client,
    options: &ClientOptions,
    mut request: reqwest::Request,
    operation_id: &str,
) -> reqwest::Result<reqwest::Response> {
    let policy = &options.retry;
    // Before the first attempt: every retry is a copy of this request.
    context::apply_options(&mut request);
    let retries_allowed = policy.allows(request.method());
    // A download (a request that does not ask for JSON, as the LOA's) has its own cap; JSON
    // bodies, including every error body, have the response limit.
    let download = request
        .headers()
        .get(reqwest::header::ACCEPT)
        .is_none_or(|accept| accept.as_bytes() != b"application/json");
    let limit_body = |response: reqwest::Response| {
        let limit = match download && response.status().is_success() {
            true => options.max_download_bytes,
            false => Some(options.max_response_bytes),
        };
        match limit {
            Some(limit) => crate::limits::limit_body(response, limit),
            None => response,
        }
    };
    loop {
        let attempt = context::record_attempt();
        let next = if retries_allowed && attempt <= policy.max_retries {
            retry_copy(&request)
        } else {
            None
        };
        let result = http.execute(request).await;
        let retry_after = match &result {
            Ok(response) => {
                context::record_status(response.status());
                // Every attempt, at DEBUG: an application's INFO log is not a request log.
                tracing::debug!(
                    operation = operation_id,
                    attempt,
                    status = response.status().as_u16(),
                    "attempt answered"
                );
                if !response.status().is_success() {
                    context::record_error_headers(response.headers());
                }
                if !is_retryable_status(response.status()) {
                    return result.map(limit_body);
                }
                response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()))
            }
            Err(error) => {
                tracing::debug!(operation = operation_id, attempt, %error, "attempt failed");
                if !(error.is_connect() || error.is_timeout() || error.is_request()) {
                    return result;
                }
                None
            }
        };
        let Some(next) = next else {
            return result.map(limit_body);
        };
        let delay = policy.delay(attempt, retry_after);
        tracing::info!(
            operation = operation_id,
            attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(delay).await;
        request = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A retry sends what the first attempt sent: method, URL, headers, version, and the
    /// body and timeout when there are.
    #[test]
    fn a_retry_copy_is_the_request_again() {
        let url: reqwest::Url = "http://127.0.0.1:1/x?y=1".parse().unwrap();
        let mut request = reqwest::Request::new(Method::GET, url.clone());
        request
            .headers_mut()
            .insert("api-version", "2026-08-14".parse().unwrap());
        *request.version_mut() = reqwest::Version::HTTP_11;
        let copy = retry_copy(&request).unwrap();
        assert_eq!(
            (
                copy.method(),
                copy.url(),
                copy.headers(),
                copy.version(),
                copy.timeout()
            ),
            (
                &Method::GET,
                &url,
                request.headers(),
                reqwest::Version::HTTP_11,
                None
            )
        );
        *request.body_mut() = Some("{}".into());
        *request.timeout_mut() = Some(Duration::from_secs(3));
        let copy = retry_copy(&request).unwrap();
        assert_eq!(copy.body().and_then(|b| b.as_bytes()), Some(&b"{}"[..]));
        assert_eq!(copy.timeout(), Some(&Duration::from_secs(3)));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        // A date in the past means now.
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let first = policy.delay(1, None);
            assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
            let third = policy.delay(3, None);
            assert!(third >= Duration::from_secs(1) && third <= Duration::from_secs(2));
            assert!(policy.delay(30, None) <= policy.max_backoff);
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            policy.max_retry_after
        );
    }

    #[test]
    fn only_idempotent_methods_by_default() {
        let policy = RetryPolicy::default();
        assert!(
            policy.allows(&Method::GET)
                && policy.allows(&Method::PUT)
                && policy.allows(&Method::DELETE)
        );
        assert!(!policy.allows(&Method::POST));
        let opted_in = RetryPolicy {
            retry_non_idempotent: true,
            ..policy
        };
        assert!(opted_in.allows(&Method::POST));
    }
}
