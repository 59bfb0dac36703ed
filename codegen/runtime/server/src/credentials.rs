//! The request's credentials: an API token, or an email and global API key.

use axum::http::request::Parts;
use axum::http::{header, StatusCode};

use cloudflare_cni_validate::Secret;

use crate::error::{codes, ApiError};

pub use cloudflare_cni_validate::Credentials;

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

/// The token of an `Authorization` value whose scheme is `Bearer`, in any case (RFC 9110
/// §11.1: auth schemes are case-insensitive).
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Reads the credentials from request headers; a token takes precedence over a key pair.
pub(crate) fn from_parts(parts: &Parts) -> Result<Credentials, ApiError> {
    if let Some(authorization) = header_text(parts, header::AUTHORIZATION.as_str())? {
        let token = bearer_token(authorization).ok_or_else(|| {
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
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let header = format!("{scheme} abc");
            let credentials = from_parts(&parts(&[("authorization", &header)]));
            assert!(credentials.unwrap().matches_token("abc"), "{scheme}");
        }
        let tab = from_parts(&parts(&[("authorization", "Bearer\tabc")])).unwrap();
        assert!(tab.matches_token("abc"));
        let pair = from_parts(&parts(&[("x-auth-email", "a@b.c"), ("x-auth-key", "k")])).unwrap();
        assert!(pair.matches_key("a@b.c", "k"));
        assert!(!pair.matches_key("a@b.c", "K"));
        assert!(!pair.matches_key("x@b.c", "k"));
        assert!(!pair.matches_token("k"));
        for bad in [
            vec![],
            vec![("authorization", "Basic abc")],
            vec![("authorization", "Bearer ")],
            vec![("authorization", "Bearerabc")],
            vec![("authorization", "Bearer")],
            vec![("x-auth-email", "a@b.c")],
            vec![("x-auth-key", "k")],
        ] {
            let err = from_parts(&parts(&bad)).unwrap_err();
            assert_eq!(err.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        }
    }

    #[test]
    fn secrets_match_only_themselves() {
        let secret = Secret::new("tok-123");
        assert!(secret.matches("tok-123"));
        for other in ["", "tok-12", "tok-1234", "TOK-123", "tok-124"] {
            assert!(!secret.matches(other), "{other}");
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
