//! A secret value (an API token, a global API key), shared by the client, which sends it, and
//! the server, which checks it.

use std::fmt;

/// A secret value: sent or checked, never shown by `Debug` or `Display`.
///
/// `==` runs in constant time (both sides hashed, the digests compared with `subtle`), so a
/// server comparing a guess with the real key tells nothing by its timing.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, to send or pass on (compare it with [`Secret::matches`] or `==`,
    /// never by comparing what this returns).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether this secret equals `expected`, in constant time: both are hashed (so that not
    /// even their lengths are compared) and the digests compared with `subtle`.
    pub fn matches(&self, expected: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        let given = Sha256::digest(self.0.as_bytes());
        let expected = Sha256::digest(expected.as_bytes());
        given.as_slice().ct_eq(expected.as_slice()).into()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for Secret {}

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

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_secret_is_never_shown_and_compares_by_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(
            format!("{secret:?} {secret}"),
            "Secret(\"<redacted>\") <redacted>"
        );
        assert!(secret.matches("hunter2") && !secret.matches("hunter"));
        assert_eq!(secret, Secret::new("hunter2"));
        assert_ne!(secret, Secret::new("hunter3"));
    }
}

/// How a request authenticates, as the spec's two security alternatives allow: the one type
/// the client sends and the server receives. Check the secrets with
/// [`matches_token`](Credentials::matches_token) and [`matches_key`](Credentials::matches_key)
/// (or [`Secret::matches`]), which run in constant time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// An API token, sent as `Authorization: Bearer <token>`.
    ApiToken(Secret),
    /// The account email and global API key, sent as `X-Auth-Email` and `X-Auth-Key`.
    ApiKey {
        /// The account's email.
        email: String,
        /// The global API key.
        key: Secret,
    },
}

impl Credentials {
    /// Whether these are an API token equal to `token` (constant time).
    pub fn matches_token(&self, token: &str) -> bool {
        matches!(self, Credentials::ApiToken(given) if given.matches(token))
    }

    /// Whether these are the email and API key `email`/`key` (the key in constant time; the
    /// email compared without regard to case).
    pub fn matches_key(&self, email: &str, key: &str) -> bool {
        match self {
            // Both checks run, so the timing does not tell whether the email was right.
            Credentials::ApiKey { email: e, key: k } => {
                k.matches(key) & e.eq_ignore_ascii_case(email)
            }
            Credentials::ApiToken(_) => false,
        }
    }
}
