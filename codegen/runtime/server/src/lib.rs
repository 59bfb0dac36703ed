//! What the generated `cloudflare-cni-server` crate needs besides its generated code: one
//! error type that answers in Cloudflare's v4 error envelope, the request's credentials, and
//! axum extractors whose every rejection answers in that envelope too.
//!
//! Users of the server crate meet [`ApiError`], [`Credentials`], [`Binary`] and
//! [`RouterConfig`] (re-exported there); the rest is for the generated router.
#![warn(missing_docs)]

mod bare_errors;
mod context;
mod credentials;
mod error;
mod extract;
mod multipart;
mod object_body;
mod params;
mod serve;
mod trace;
mod write_timeout;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
/// The bytes of a request body sent as bytes ([`ApiBytes`]), and of a [`Binary`] answer.
pub use bytes::Bytes;

pub use cloudflare_cni_validate::envelope::{
    ErrorEnvelope, ResponseMessage, ResponseMessageSource,
};
pub use cloudflare_cni_validate::Secret;
pub use context::RequestContext;
pub use credentials::Credentials;
pub use error::{codes, ApiError};
pub use extract::{ApiBytes, ApiJson, ApiJsonValue, ApiPath, ApiQuery};
pub use multipart::{ApiMultipart, FormPart, Multipart};
pub use object_body::MAX_BODY_DEPTH;
pub use serve::{serve, ServeConfig, MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URI_BYTES};

/// Settings of the generated router: `RouterConfig::default().body_limit(..)`. Settings may be
/// added in minor releases, so it is not built as a struct literal.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RouterConfig {
    /// The largest request body accepted, in bytes; larger bodies answer 413. Default 1 MiB.
    pub body_limit: usize,
}

/// The old name of [`RouterConfig`] (beside [`ServeConfig`], it did not say which it was).
#[deprecated(note = "renamed `RouterConfig`")]
#[doc(hidden)]
pub type ServerConfig = RouterConfig;

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            body_limit: 1024 * 1024,
        }
    }
}

impl RouterConfig {
    /// The largest request body accepted, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

/// A non-JSON success body, such as the Letter of Authorization PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binary {
    /// The media type sent as `Content-Type`, e.g. `application/pdf`.
    pub content_type: String,
    /// The body's bytes.
    pub bytes: Bytes,
}

impl Binary {
    /// A body of this media type.
    pub fn new(content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Binary {
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

impl IntoResponse for Binary {
    fn into_response(self) -> Response {
        match axum::http::HeaderValue::from_str(&self.content_type) {
            Ok(content_type) => (
                [(axum::http::header::CONTENT_TYPE, content_type)],
                self.bytes,
            )
                .into_response(),
            Err(_) => ApiError::internal(format!(
                "the implementation returned an invalid content type {:?}",
                self.content_type
            ))
            .into_response(),
        }
    }
}

/// The router's answer to a request no route matches: 404 in the envelope.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        codes::NO_ROUTE,
        format!("No route for the URI {}", uri.path()),
    )
}

/// The router's answer to a known path with a method it does not serve: 405 in the envelope.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        format!("Method {method} is not allowed on {}", uri.path()),
    )
}

/// Turns an implementation's result into the response, with the headers it set on the
/// request's context (an error's own headers win).
#[doc(hidden)]
pub fn respond<T: IntoResponse>(
    operation: &'static str,
    result: Result<T, ApiError>,
    answer_headers: context::AnswerHeaders,
) -> Response {
    respond_as(operation, result, answer_headers, StatusCode::OK)
}

/// [`respond`] for an operation whose first declared success is `success` (a 201, a 202):
/// a success answers it, or the status the method set
/// ([`RequestContext::set_answer_status`]).
#[doc(hidden)]
pub fn respond_as<T: IntoResponse>(
    operation: &'static str,
    result: Result<T, ApiError>,
    answer_headers: context::AnswerHeaders,
    success: StatusCode,
) -> Response {
    let (set, status) = answer_headers.take();
    let mut response = match result {
        Ok(value) => {
            let mut response = value.into_response();
            let status = status.unwrap_or(success);
            if response.status() == StatusCode::OK && status != StatusCode::OK {
                *response.status_mut() = status;
            }
            response
        }
        Err(error) => {
            match std::error::Error::source(&error) {
                Some(source) => {
                    tracing::warn!(operation, %error, %source, "the implementation answered an error")
                }
                None => tracing::debug!(operation, %error, "the implementation answered an error"),
            }
            error.into_response()
        }
    };
    let headers = response.headers_mut();
    for (name, value) in set.iter() {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    response
}

/// What the generated code calls; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::{AnswerHeaders, Authenticated, RequestRest};
    /// Parameters read as the spec writes them: headers, comma-separated lists, enums.
    pub mod params {
        pub use crate::params::{comma_list, list, one_of, optional, required, required_body};
    }
    pub use crate::trace::{InSpan, OperationLookup, RequestSpan, RequestSpanLayer};
    pub use crate::{method_not_allowed, not_found, respond, respond_as};
    pub use axum;
    pub use tower;
    pub use tracing;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A success answers the operation's first declared status (a 201), or the one the method
    /// set; an error keeps its own.
    #[test]
    fn a_success_answers_the_declared_status_or_the_one_set() {
        let context = RequestContext::new(Credentials::ApiToken(Secret::new("t")));
        let created = respond_as(
            "create",
            Ok::<_, ApiError>("made"),
            context::AnswerHeaders::of(&context),
            StatusCode::CREATED,
        );
        assert_eq!(created.status(), StatusCode::CREATED);
        context.set_answer_status(StatusCode::ACCEPTED);
        let accepted = respond_as(
            "create",
            Ok::<_, ApiError>("later"),
            context::AnswerHeaders::of(&context),
            StatusCode::CREATED,
        );
        assert_eq!(accepted.status(), StatusCode::ACCEPTED);
        let failed = respond_as(
            "create",
            Err::<&str, _>(ApiError::conflict("taken")),
            context::AnswerHeaders::of(&context),
            StatusCode::CREATED,
        );
        assert_eq!(failed.status(), StatusCode::CONFLICT);
    }
}
