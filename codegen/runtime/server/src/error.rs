//! One error type for every operation, answered in Cloudflare's v4 failure envelope.

use std::fmt;

use axum::http::StatusCode;
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

/// An error an operation answers with: an HTTP status and one or more messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    errors: Vec<ResponseMessage>,
    close_connection: bool,
}

impl ApiError {
    /// An error with one message.
    pub fn new(status: StatusCode, code: i32, message: impl Into<String>) -> Self {
        ApiError {
            status,
            errors: vec![ResponseMessage::new(code, message)],
            close_connection: false,
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

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.envelope())).into_response();
        if self.close_connection {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}
