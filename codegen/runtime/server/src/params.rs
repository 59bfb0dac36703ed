//! Parameters read from text the way the spec says they are written. Header parameters the
//! spec declares (`Upload-Length`, `Tus-Resumable`): read from the
//! request's headers into the typed fields of an operation's parameter struct. A missing
//! required one, or one that does not parse as its type, answers 400 naming the header.

use std::str::FromStr;

use axum::http::StatusCode;

use crate::context::RequestContext;
use crate::error::{codes, ApiError};

fn refused(name: &str, message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message).at(name)
}

/// The text of header `name`: `None` when it is absent, an error when it is not visible
/// ASCII (a header's value is text on the wire).
fn text<'a>(request: &'a RequestContext, name: &str) -> Result<Option<&'a str>, ApiError> {
    match request.headers().get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(|text| Some(text.trim())).map_err(|_| {
            refused(
                name,
                format!("the header `{name}` is not visible ASCII text"),
            )
        }),
    }
}

fn parse<T: FromStr>(name: &str, text: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>()
        .map_err(|e| refused(name, format!("invalid header `{name}`: {text:?}: {e}")))
}

/// An optional header parameter.
pub fn optional<T: FromStr>(request: &RequestContext, name: &str) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    text(request, name)?.map(|t| parse(name, t)).transpose()
}

/// A required header parameter: missing, it is a 400 naming it.
pub fn required<T: FromStr>(request: &RequestContext, name: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    optional(request, name)?
        .ok_or_else(|| refused(name, format!("the header `{name}` is required")))
}

/// A header parameter that is a list: its values comma-separated (OpenAPI's `simple` style,
/// the only one a header has), empty when it is absent and not required.
pub fn list<T: FromStr>(
    request: &RequestContext,
    name: &str,
    required: bool,
) -> Result<Vec<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    match text(request, name)? {
        None if required => Err(refused(name, format!("the header `{name}` is required"))),
        None => Ok(Vec::new()),
        Some("") => Ok(Vec::new()),
        Some(t) => t.split(',').map(|item| parse(name, item.trim())).collect(),
    }
}

/// A query list sent as one value, its items comma-separated (`?ids=1,2`: `form`, not
/// exploded): serde's `deserialize_with` for the field of a query struct.
pub fn comma_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|item| {
            item.parse::<T>()
                .map_err(|e| serde::de::Error::custom(format!("{item:?}: {e}")))
        })
        .collect()
}

/// Refuses a parameter whose value is not one the spec's `enum` allows (400 naming it and
/// the values it allows).
pub fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match allowed.contains(&value) {
        true => Ok(()),
        false => Err(refused(
            name,
            format!(
                "invalid parameter `{name}`: {value:?} is not one of {}",
                allowed
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Refuses a missing body where the spec requires one (a script, an upload): no bytes and no
/// `Content-Type` (an empty body of a stated media type is an empty script, and is one).
pub fn required_body(request: &RequestContext, body: &[u8]) -> Result<(), ApiError> {
    let stated = request
        .headers()
        .contains_key(axum::http::header::CONTENT_TYPE);
    match body.is_empty() && !stated {
        true => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "the request body is required",
        )),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;
    use axum::http::{HeaderName, HeaderValue};

    fn request(headers: &[(&'static str, &'static [u8])]) -> RequestContext {
        headers.iter().fold(
            RequestContext::new(Credentials::ApiToken(crate::Secret::new("t"))),
            |request, (name, value)| {
                request.with_header(
                    HeaderName::from_static(name),
                    HeaderValue::from_bytes(value).unwrap(),
                )
            },
        )
    }

    #[test]
    fn a_header_parameter_is_read_as_its_type_and_refused_by_name() {
        let r = request(&[("upload-length", b"1024"), ("tags", b"a, b,c")]);
        assert_eq!(required::<u64>(&r, "Upload-Length").unwrap(), 1024);
        assert_eq!(optional::<u64>(&r, "Upload-Offset").unwrap(), None);
        assert_eq!(list::<String>(&r, "Tags", false).unwrap(), ["a", "b", "c"]);
        let missing = required::<String>(&r, "Tus-Resumable").unwrap_err();
        assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
        assert!(
            missing.to_string().contains("`Tus-Resumable` is required"),
            "{missing}"
        );
        let bad = request(&[("upload-length", b"lots")]);
        let error = required::<u64>(&bad, "Upload-Length").unwrap_err();
        assert!(
            error.to_string().contains("invalid header `Upload-Length`"),
            "{error}"
        );
        assert_eq!(
            error.envelope().errors[0]
                .source
                .as_ref()
                .and_then(|s| s.pointer.as_deref()),
            Some("Upload-Length")
        );
        let wrong = one_of("state", "Up", &["Healthy", "Down"]).unwrap_err();
        assert!(
            wrong
                .to_string()
                .contains("\"Up\" is not one of \"Healthy\", \"Down\""),
            "{wrong}"
        );
        assert!(one_of("state", "Down", &["Healthy", "Down"]).is_ok());
        let bare = request(&[]);
        assert!(required_body(&bare, b"").is_err() && required_body(&bare, b"x").is_ok());
        let typed = request(&[("content-type", b"application/javascript")]);
        assert!(required_body(&typed, b"").is_ok());
        let binary = request(&[("upload-metadata", b"caf\xe9")]);
        assert!(optional::<String>(&binary, "Upload-Metadata").is_err());
    }
}
