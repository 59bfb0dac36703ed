//! axum's extractors, with every rejection answered in the error envelope and a status the
//! spec declares.

use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum_extra::extract::QueryRejection;
use bytes::Bytes;
use cloudflare_cni_validate::Validate;
use serde::de::DeserializeOwned;

use crate::error::{codes, ApiError};
use crate::object_body::{self, Refusal};

/// Path parameters; a value of the wrong type (a bad uuid) answers 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // An empty segment (`/accounts//cni/...`) matches a route but names nothing.
        if let Ok(raw) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
            if let Some((name, _)) = raw.iter().find(|(_, value)| value.is_empty()) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    codes::BAD_REQUEST,
                    format!("the path parameter `{name}` is empty"),
                )
                .at(name));
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> ApiError {
    let message = match &rejection {
        PathRejection::FailedToDeserializePathParams(e) => {
            format!("invalid path parameter: {}", e.body_text())
        }
        other => format!("invalid path: {}", other.body_text()),
    };
    ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
}

/// Query parameters; an unparsable one (`limit=-1`, `occupied=maybe`) answers 400. A list
/// is its key repeated (`?state=Healthy&state=Down`, OpenAPI's `form` style, exploded), as
/// the client sends it: axum-extra's `Query` reads repeated keys, axum's does not.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum_extra::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum_extra::extract::Query(value)) => value,
            Err(rejection) => return Err(query_error(rejection)),
        };
        value.validate().map_err(|e| ApiError::validation(&e))?;
        Ok(ApiQuery(value))
    }
}

fn query_error(rejection: QueryRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::BAD_REQUEST,
        format!("invalid query parameter: {}", rejection.body_text()),
    )
}

/// A JSON body, checked against the spec's rules: malformed JSON or a body of the wrong shape
/// answers 400 (with the JSON pointer of the failing field as `source.pointer`), a body that is
/// not `application/json` 415, one over the limit 413, and a body that breaks a rule 400 with
/// one error per violation.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(request, state, object_body::check)
            .await
            .map(ApiJson)
    }
}

/// A JSON request body the spec describes as something other than an object (an array of
/// values, a string): read and checked like [`ApiJson`]'s, but any kind of JSON value may be
/// the body.
#[derive(Debug)]
pub struct ApiJsonValue<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequest<S> for ApiJsonValue<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(request, state, object_body::check_value)
            .await
            .map(ApiJsonValue)
    }
}

/// A request body the spec sends as bytes (a script, an NDJSON upload, an octet stream): read
/// whole within the server's body limit (413 past it), whatever its `Content-Type`.
#[derive(Debug)]
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, state)
            .await
            .map(ApiBytes)
            .map_err(body_error)
    }
}

/// Reads a JSON body: its media type, its size, the body rule `check`, then its type and its
/// constraints.
async fn read_json<S: Send + Sync, T: DeserializeOwned + Validate>(
    request: Request,
    state: &S,
    check: fn(&[u8]) -> Result<(), Refusal>,
) -> Result<T, ApiError> {
    if !is_json(request.headers()) {
        // Answered before the body is read: close the connection rather than leave the
        // unread bytes on it.
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be sent as `Content-Type: application/json`",
        )
        .closing_connection());
    }
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(body_error)?;
    let value = decode::<T>(&bytes, check)?;
    value.validate().map_err(|e| ApiError::validation(&e))?;
    Ok(value)
}

/// `application/json`, or any `+json` media type, as axum's own `Json` accepts.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            "the request body is larger than this server accepts",
        )
        .closing_connection()
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("unreadable request body: {}", rejection.body_text()),
        )
    }
}

/// Decodes a body, naming where it failed. Every body is first held to one rule (a JSON
/// object, no key twice: [`crate::object_body`]).
fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    check: fn(&[u8]) -> Result<(), Refusal>,
) -> Result<T, ApiError> {
    check(bytes).map_err(|refusal| match refusal {
        Refusal::Malformed(why) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("malformed JSON: {why}"),
        ),
        Refusal::NotAnObject(kind) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("the body must be a JSON object, not {kind}"),
        ),
        Refusal::TooDeep { pointer } => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!(
                "the body nests deeper than {} levels at {pointer}",
                object_body::MAX_BODY_DEPTH
            ),
        )
        .at(pointer),
        Refusal::DuplicateKey { pointer, key } => {
            let at = if pointer.is_empty() {
                "the body"
            } else {
                pointer.as_str()
            };
            let error = ApiError::new(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                format!("{at} names the key {key:?} twice"),
            );
            if pointer.is_empty() {
                error
            } else {
                error.at(pointer)
            }
        }
    })?;
    // Most bodies decode: do it at full speed, and track the path (which costs on every
    // field) only to name where a refused body failed.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let malformed = |inner: &serde_json::Error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("malformed JSON: {inner}"),
        )
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer = cloudflare_cni_validate::decode_pointer(error.path());
        let inner = error.inner();
        if inner.classify() != serde_json::error::Category::Data {
            return malformed(inner);
        }
        let at = if pointer.is_empty() {
            "the body"
        } else {
            pointer.as_str()
        };
        let rejection = ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("the body does not match its schema at {at}: {inner}"),
        );
        if pointer.is_empty() {
            rejection
        } else {
            rejection.at(pointer)
        }
    })?;
    // Trailing characters after the value are malformed JSON too.
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}
