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
