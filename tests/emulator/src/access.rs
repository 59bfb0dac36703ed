//! Who may call the emulator, and on which accounts: API tokens and email/key pairs, each
//! optionally bound to a set of accounts, as Cloudflare scopes its tokens.

use std::collections::BTreeSet;

use cloudflare_cni_server::{codes, ApiError, Credentials};

/// The accounts a credential may act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountScope {
    /// Every account.
    All,
    /// Only these account ids.
    Only(BTreeSet<String>),
}

impl AccountScope {
    fn allows(&self, account: &str) -> bool {
        match self {
            AccountScope::All => true,
            AccountScope::Only(accounts) => accounts.contains(account),
        }
    }
}

/// One accepted credential and its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// `Authorization: Bearer <token>`.
    ApiToken { token: String, scope: AccountScope },
    /// `X-Auth-Email` + `X-Auth-Key`.
    ApiKey {
        email: String,
        key: String,
        scope: AccountScope,
    },
}

/// Why a `--api-token` / `--api-key` argument could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{flag} takes {form}, got {given:?}")]
pub struct GrantSyntaxError {
    flag: &'static str,
    form: &'static str,
    given: String,
}

fn scope(accounts: Option<&str>) -> Option<AccountScope> {
    match accounts {
        None => Some(AccountScope::All),
        Some(list) => {
            // An empty entry (`accA,,accB`, a trailing comma) is a typo, not "no account".
            let accounts: Vec<&str> = list.split(',').map(str::trim).collect();
            if accounts.iter().any(|a| a.is_empty() || a.contains('/')) {
                return None;
            }
            let accounts: BTreeSet<String> = accounts.into_iter().map(str::to_string).collect();
            Some(AccountScope::Only(accounts))
        }
    }
}

impl Grant {
    /// Reads `TOKEN` or `TOKEN:ACCOUNT[,ACCOUNT…]` (Cloudflare's tokens hold no `:`).
    pub fn parse_token(text: &str) -> Result<Grant, GrantSyntaxError> {
        let error = || GrantSyntaxError {
            flag: "--api-token",
            form: "TOKEN or TOKEN:ACCOUNT[,ACCOUNT...]",
            given: text.to_string(),
        };
        let (token, accounts) = match text.split_once(':') {
            Some((token, accounts)) => (token, Some(accounts)),
            None => (text, None),
        };
        if token.is_empty() {
            return Err(error());
        }
        Ok(Grant::ApiToken {
            token: token.to_string(),
            scope: scope(accounts).ok_or_else(error)?,
        })
    }

    /// Reads `EMAIL:KEY` or `EMAIL:KEY:ACCOUNT[,ACCOUNT…]`.
    pub fn parse_key(text: &str) -> Result<Grant, GrantSyntaxError> {
        let error = || GrantSyntaxError {
            flag: "--api-key",
            form: "EMAIL:KEY or EMAIL:KEY:ACCOUNT[,ACCOUNT...]",
            given: text.to_string(),
        };
        let mut parts = text.splitn(3, ':');
        let (Some(email), Some(key)) = (parts.next(), parts.next()) else {
            return Err(error());
        };
        if email.is_empty() || key.is_empty() {
            return Err(error());
        }
        Ok(Grant::ApiKey {
            email: email.to_string(),
            key: key.to_string(),
            scope: scope(parts.next()).ok_or_else(error)?,
        })
    }

    fn accepts(&self, credentials: &Credentials) -> Option<&AccountScope> {
        match self {
            Grant::ApiToken { token, scope } => credentials.matches_token(token).then_some(scope),
            Grant::ApiKey { email, key, scope } => {
                credentials.matches_key(email, key).then_some(scope)
            }
        }
    }
}

/// Checks `credentials` against `grants` for `account`. With no grants, anything passes (the
/// emulator's permissive local mode). A credential that is not recognised, or that is not
/// granted this account, answers 401 with Cloudflare's authentication code.
pub fn authorize(
    grants: &[Grant],
    credentials: &Credentials,
    account: &str,
) -> Result<(), ApiError> {
    if grants.is_empty() {
        return Ok(());
    }
    // Every grant is checked, so the timing does not tell which one matched.
    let scopes: Vec<&AccountScope> = grants
        .iter()
        .filter_map(|g| g.accepts(credentials))
        .collect();
    let unauthorized = |message: String| {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            codes::AUTHENTICATION,
            message,
        )
    };
    if scopes.is_empty() {
        return Err(unauthorized(
            "Authentication error: the API token or the email and API key are not recognised"
                .to_string(),
        ));
    }
    if scopes.iter().any(|s| s.allows(account)) {
        Ok(())
    } else {
        Err(unauthorized(format!(
            "Authentication error: this credential is not granted account {account:?}"
        )))
    }
}

/// Whether `credentials` match a grant of every account (what the control plane needs).
pub fn grants_every_account(grants: &[Grant], credentials: &Credentials) -> bool {
    // Every grant is checked, so the timing does not tell which one matched.
    grants
        .iter()
        .filter_map(|g| g.accepts(credentials))
        .fold(false, |any, scope| any | (*scope == AccountScope::All))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse_with_and_without_accounts() {
        assert_eq!(
            Grant::parse_token("tok").unwrap(),
            Grant::ApiToken {
                token: "tok".into(),
                scope: AccountScope::All
            }
        );
        assert_eq!(
            Grant::parse_token("tok:a,b").unwrap(),
            Grant::ApiToken {
                token: "tok".into(),
                scope: AccountScope::Only(["a".to_string(), "b".to_string()].into())
            }
        );
        assert_eq!(
            Grant::parse_key("me@x.com:k:a").unwrap(),
            Grant::ApiKey {
                email: "me@x.com".into(),
                key: "k".into(),
                scope: AccountScope::Only(["a".to_string()].into())
            }
        );
        for bad in [
            "",
            ":a",
            "tok:",
            "tok:,",
            "t1:accA,,accB",
            "tok:a,",
            "tok:a/b",
        ] {
            assert!(Grant::parse_token(bad).is_err(), "{bad:?}");
        }
        for bad in ["me@x.com", "me@x.com:", ":k", "me@x.com:k:"] {
            assert!(Grant::parse_key(bad).is_err(), "{bad:?}");
        }
    }
}
