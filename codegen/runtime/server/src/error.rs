//! One error type for every operation, answered in Cloudflare's v4 failure envelope.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cloudflare_cni_validate::envelope::{ErrorEnvelope, ResponseMessage, ResponseMessageSource};
use cloudflare_cni_validate::ValidationErrors;

/// The `code` values this runtime uses (Cloudflare's codes are at least 1000).
pub mod codes {
    /// The request was malformed: unparsable JSON, a bad path or query parameter.
    pub const BAD_REQUEST: i32 = 1000;
    /// The body broke one of the spec's rules; `source.pointer` says where.
    pub const VALIDATION: i32 = 1001;
    /// The body was not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: i32 = 1002;
    /// The body was larger than the server accepts.
    pub const PAYLOAD_TOO_LARGE: i32 = 1003;
    /// The object does not exist.
    pub const NOT_FOUND: i32 = 1004;
    /// The request conflicts with existing state (e.g. a name already in use).
    pub const CONFLICT: i32 = 1005;
    /// The server failed.
    pub const INTERNAL: i32 = 1006;
    /// The request took longer than the server allows (a slow body, say).
    pub const REQUEST_TIMEOUT: i32 = 1007;
    /// The implementation does not provide the operation (the trait's default answer).
    pub const NOT_IMPLEMENTED: i32 = 1008;
    /// The request's head is larger than the server reads: its URI (414) or its headers (431).
    pub const HEAD_TOO_LARGE: i32 = 1009;
    /// The method is not served on that path.
    pub const METHOD_NOT_ALLOWED: i32 = 7001;
    /// No route matches the URI (Cloudflare's own code).
    pub const NO_ROUTE: i32 = 7003;
    /// Missing or invalid credentials (Cloudflare's own code).
    pub const AUTHENTICATION: i32 = 10000;
}

/// An error an operation answers with: an HTTP status, one or more messages, the headers it
/// adds (`Retry-After`, say), and what caused it (`source()`, logged by the router, never
/// sent). `?` converts the errors an implementation meets: I/O, JSON, a builder's
/// `ConversionError` and boxed errors answer 500 with a generic message (their text stays in
/// the logs), and `ValidationErrors` answer 400 with one message per violation.
#[derive(Clone, Debug)]
pub struct ApiError {
    status: StatusCode,
    errors: Vec<ResponseMessage>,
    close_connection: bool,
    /// Boxed and absent by default: most errors add no header, and `ApiError` travels in
    /// every `Result` of an implementation.
    headers: Option<Box<HeaderMap>>,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

/// Equal when they answer the same: status, messages and headers (the source is not sent).
impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status
            && self.errors == other.errors
            && self.close_connection == other.close_connection
            && self.headers() == other.headers()
    }
}

impl Eq for ApiError {}

impl ApiError {
    /// An error with one message.
    pub fn new(status: StatusCode, code: i32, message: impl Into<String>) -> Self {
        ApiError {
            status,
            errors: vec![ResponseMessage::new(code, message)],
            close_connection: false,
            headers: None,
            source: None,
        }
    }

    /// An error of any status, with the code this runtime uses for it (see [`codes`]): for a
    /// status the spec declares and no constructor below names.
    pub fn status_with(status: StatusCode, message: impl Into<String>) -> Self {
        let code = match status.as_u16() {
            401 | 403 => codes::AUTHENTICATION,
            404 => codes::NOT_FOUND,
            405 => codes::METHOD_NOT_ALLOWED,
            408 => codes::REQUEST_TIMEOUT,
            409 => codes::CONFLICT,
            413 => codes::PAYLOAD_TOO_LARGE,
            415 => codes::UNSUPPORTED_MEDIA_TYPE,
            422 => codes::VALIDATION,
            501 => codes::NOT_IMPLEMENTED,
            500..=599 => codes::INTERNAL,
            _ => codes::BAD_REQUEST,
        };
        Self::new(status, code, message)
    }

    /// 401: missing or invalid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::AUTHENTICATION, message)
    }

    /// 403: the credentials may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::AUTHENTICATION, message)
    }

    /// 405: the operation is not allowed on this object.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::METHOD_NOT_ALLOWED,
            message,
        )
    }

    /// 413: the request is larger than the implementation takes.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            message,
        )
    }

    /// 415: the request's media type is not one the operation takes.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            message,
        )
    }

    /// 429: too many requests; say when to come back with [`retry_after`](Self::retry_after).
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, codes::BAD_REQUEST, message)
    }

    /// 503: the implementation cannot serve now; say when with
    /// [`retry_after`](Self::retry_after).
    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, codes::INTERNAL, message)
    }

    /// 500 for an error the implementation met, kept as the [`source`](std::error::Error::source)
    /// (logged, not sent: its text may say more than a client should see).
    pub fn internal_from(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::internal("internal error").with_source(source)
    }

    /// The same error, caused by `source` (logged by the router, not sent).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The same error, answered with this header too.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers
            .get_or_insert_with(Box::default)
            .insert(name, value);
        self
    }

    /// The same error, telling the client when to try again (`Retry-After`, in whole seconds,
    /// rounded up).
    pub fn retry_after(self, after: Duration) -> Self {
        let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        self.with_header(RETRY_AFTER, HeaderValue::from(seconds))
    }

    /// The headers the error adds to its answer.
    pub fn headers(&self) -> &HeaderMap {
        static NONE: std::sync::OnceLock<HeaderMap> = std::sync::OnceLock::new();
        match &self.headers {
            Some(headers) => headers,
            None => NONE.get_or_init(HeaderMap::new),
        }
    }

    /// 400, for a request the implementation refuses.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    /// 404: the object does not exist (or is another account's).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    /// 409: the request conflicts with existing state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, codes::CONFLICT, message)
    }

    /// 500: the implementation failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }

    /// 501: the implementation does not provide `operation`. Every method of the generated
    /// trait answers this unless the implementation overrides it.
    pub fn not_implemented(operation: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            codes::NOT_IMPLEMENTED,
            format!("this server does not implement `{operation}`"),
        )
    }

    /// Whether this is the answer of an operation the implementation does not provide.
    pub fn is_not_implemented(&self) -> bool {
        self.status == StatusCode::NOT_IMPLEMENTED
            && self.errors.iter().any(|e| e.code == codes::NOT_IMPLEMENTED)
    }

    /// 400 with one error per violation, each with its `source.pointer`.
    pub fn validation(errors: &ValidationErrors) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            errors: errors
                .violations
                .iter()
                .map(|v| {
                    ResponseMessage::new(codes::VALIDATION, format!("{} ({})", v.message, v.code))
                        .at(v.pointer.clone())
                })
                .collect(),
            close_connection: false,
            headers: None,
            source: None,
        }
    }

    /// Sets the `source.pointer` of every message.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        let pointer = pointer.into();
        for e in &mut self.errors {
            e.source = Some(ResponseMessageSource::new(pointer.clone()));
        }
        self
    }

    /// Answers with `Connection: close`: for a rejection sent before the request body was
    /// read, so that unread bytes cannot be taken for the next request on the connection.
    pub fn closing_connection(mut self) -> Self {
        self.close_connection = true;
        self
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The envelope's error messages.
    pub fn errors(&self) -> &[ResponseMessage] {
        &self.errors
    }

    /// The envelope this error answers with.
    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope::failure(self.errors.clone())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        for e in &self.errors {
            write!(f, "; {} {}", e.code, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        ApiError::internal_from(error)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        ApiError::internal_from(error)
    }
}

/// A value the implementation built was incomplete: its bug, so 500.
impl From<cloudflare_cni_validate::ConversionError> for ApiError {
    fn from(error: cloudflare_cni_validate::ConversionError) -> Self {
        ApiError::internal_from(error)
    }
}

/// A value that broke the spec's rules: 400, one message per violation.
impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::validation(&errors)
    }
}

impl From<Box<dyn std::error::Error + Send + Sync + 'static>> for ApiError {
    fn from(error: Box<dyn std::error::Error + Send + Sync + 'static>) -> Self {
        ApiError {
            source: Some(Arc::from(error)),
            ..ApiError::internal("internal error")
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.envelope())).into_response();
        if let Some(headers) = self.headers {
            response.headers_mut().extend(*headers);
        }
        if self.close_connection {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    /// The findings: no `Retry-After`, five statuses only, no `From`, `source()`
    /// always `None`.
    #[test]
    fn an_error_carries_headers_any_status_and_its_cause() {
        let busy = ApiError::service_unavailable("draining")
            .retry_after(Duration::from_millis(1500))
            .with_header(
                HeaderName::from_static("x-request-id"),
                HeaderValue::from_static("r-1"),
            );
        let response = busy.clone().into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "2");
        assert_eq!(response.headers()["x-request-id"], "r-1");

        let teapot = ApiError::status_with(StatusCode::IM_A_TEAPOT, "short and stout");
        assert_eq!(teapot.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(
            ApiError::status_with(StatusCode::NOT_FOUND, "x"),
            ApiError::not_found("x")
        );

        fn read() -> Result<(), ApiError> {
            Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "/var/secret",
            ))?;
            Ok(())
        }
        let failed = read().unwrap_err();
        assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            !failed.to_string().contains("/var/secret"),
            "not sent: {failed}"
        );
        let source = std::error::Error::source(&failed).expect("the cause is kept");
        assert!(source.to_string().contains("/var/secret"));

        let invalid: ApiError = serde_json::from_str::<u8>("x").unwrap_err().into();
        assert_eq!(invalid.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let boxed: Box<dyn std::error::Error + Send + Sync> = "boom".into();
        assert!(std::error::Error::source(&ApiError::from(boxed)).is_some());
    }
}
