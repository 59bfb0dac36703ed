//! The request's credentials: an API token, or an email and global API key.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

use crate::error::{codes, ApiError};

/// A secret value: compared and used, never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for checking it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"<redacted>\")")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the request authenticated, as the spec's two security alternatives allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// `Authorization: Bearer <token>`.
    ApiToken(Secret),
    /// `X-Auth-Email` and `X-Auth-Key`, the account email and global API key.
    ApiKey { email: String, key: Secret },
}

fn header_text<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, ApiError> {
    match parts.headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.trim()))
            .map_err(|_| unauthorized(format!("the {name} header is not valid text"))),
    }
}

fn unauthorized(message: String) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, codes::AUTHENTICATION, message)
}

impl Credentials {
    /// Reads the credentials from request headers; a token takes precedence over a key pair.
    pub fn from_parts(parts: &Parts) -> Result<Credentials, ApiError> {
        if let Some(authorization) = header_text(parts, header::AUTHORIZATION.as_str())? {
            let token = authorization
                .strip_prefix("Bearer ")
                .or_else(|| authorization.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    unauthorized("the Authorization header must be `Bearer <API token>`".into())
                })?;
            return Ok(Credentials::ApiToken(Secret::new(token)));
        }
        let email = header_text(parts, "x-auth-email")?.filter(|v| !v.is_empty());
        let key = header_text(parts, "x-auth-key")?.filter(|v| !v.is_empty());
        match (email, key) {
            (Some(email), Some(key)) => Ok(Credentials::ApiKey {
                email: email.to_string(),
                key: Secret::new(key),
            }),
            (Some(_), None) => Err(unauthorized("X-Auth-Email needs X-Auth-Key alongside".into())),
            (None, Some(_)) => Err(unauthorized("X-Auth-Key needs X-Auth-Email alongside".into())),
            (None, None) => Err(unauthorized(
                "missing credentials: send `Authorization: Bearer <API token>`, or X-Auth-Email and X-Auth-Key"
                    .into(),
            )),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Credentials::from_parts(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = axum::http::Request::builder();
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn token_or_key_pair() {
        assert_eq!(
            Credentials::from_parts(&parts(&[("authorization", "Bearer abc")])).unwrap(),
            Credentials::ApiToken(Secret::new("abc"))
        );
        assert_eq!(
            Credentials::from_parts(&parts(&[("x-auth-email", "a@b.c"), ("x-auth-key", "k")]))
                .unwrap(),
            Credentials::ApiKey {
                email: "a@b.c".into(),
                key: Secret::new("k")
            }
        );
        for bad in [
            vec![],
            vec![("authorization", "Basic abc")],
            vec![("authorization", "Bearer ")],
            vec![("x-auth-email", "a@b.c")],
            vec![("x-auth-key", "k")],
        ] {
            let err = Credentials::from_parts(&parts(&bad)).unwrap_err();
            assert_eq!(err.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Credentials::ApiKey {
            email: "a@b.c".into(),
            key: Secret::new("hunter2"),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("a@b.c"));
        assert!(
            !format!("{:?}", Credentials::ApiToken(Secret::new("tok-123"))).contains("tok-123")
        );
    }
}
