//! Why a request could not be built, carried through progenitor's `Error::InvalidRequest`,
//! which holds only a `String`: the generated builders record a missing or invalid parameter
//! with [`not_set`] and [`not_valid`], and [`decode`] turns the text back into the
//! [`CniError`] variant, so users match on `MissingParameter { name }` instead of parsing
//! messages. The marker is a control character no parameter name or message of ours holds.

use crate::CniError;

const MARK: char = '\u{1f}';

/// A required parameter left unset (the initial value of a request builder's field).
pub fn not_set(name: &str) -> String {
    format!("{MARK}missing{MARK}{name}")
}

/// The initial value of a request builder's required parameter: nothing allocated for each
/// call; [`unset_or`] says which parameter it was when the call is sent without it.
pub const UNSET: String = String::new();

/// A builder field's error text, or, for [`UNSET`], that the parameter `name` was not set.
pub fn unset_or(message: String, name: &str) -> String {
    match message.is_empty() {
        true => not_set(name),
        false => message,
    }
}

/// A parameter whose value could not be used; `body` is the request body.
pub fn not_valid(name: &str, reason: impl std::fmt::Display) -> String {
    format!("{MARK}invalid{MARK}{name}{MARK}{reason}")
}

/// The variant a builder's text stands for; text without the marker is a body problem
/// (progenitor's own conversion of the body at send time).
pub(crate) fn decode(message: &str) -> CniError {
    let mut parts = message.split(MARK);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(""), Some("missing"), Some(name), None) => CniError::MissingParameter {
            name: name.to_string(),
        },
        (Some(""), Some("invalid"), Some("body"), Some(reason)) => CniError::InvalidBody {
            reason: reason.to_string(),
        },
        (Some(""), Some("invalid"), Some(name), Some(reason)) => CniError::InvalidParameter {
            name: name.to_string(),
            reason: reason.to_string(),
        },
        _ => CniError::InvalidBody {
            reason: message.replace(MARK, " "),
        },
    }
}

/// A parameter below the spec's `minimum`: refused before sending, naming it.
pub fn check_minimum<T>(name: &str, value: Option<T>, minimum: i64) -> Result<(), CniError>
where
    T: Into<i128>,
{
    match value.map(Into::into) {
        Some(value) if value < i128::from(minimum) => Err(CniError::InvalidParameter {
            name: name.to_string(),
            reason: format!("{value} is below the minimum of {minimum}"),
        }),
        _ => Ok(()),
    }
}

/// A text parameter longer than the spec's `maxLength` (in characters): refused before
/// sending, naming it.
pub fn check_max_length<T>(name: &str, value: Option<&T>, max_length: u64) -> Result<(), CniError>
where
    T: std::fmt::Display + ?Sized,
{
    let Some(value) = value else { return Ok(()) };
    let length = value.to_string().chars().count() as u64;
    if length > max_length {
        return Err(CniError::InvalidParameter {
            name: name.to_string(),
            reason: format!("{length} characters, more than the {max_length} allowed"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_decodes_into_its_variant_with_a_message_of_its_own() {
        let missing = decode(&not_set("cni"));
        assert!(matches!(&missing, CniError::MissingParameter { name } if name == "cni"));
        let invalid = decode(&not_valid("limit", "must be at least 1"));
        assert!(
            matches!(&invalid, CniError::InvalidParameter { name, reason } if name == "limit" && reason == "must be at least 1")
        );
        let body = decode(&not_valid("body", "no value supplied for account"));
        assert!(
            matches!(&body, CniError::InvalidBody { reason } if reason == "no value supplied for account")
        );
        let plain = decode("no value supplied for magic");
        assert!(matches!(&plain, CniError::InvalidBody { .. }));
        let texts = [missing, invalid, body].map(|e| e.to_string());
        assert_eq!(
            texts,
            [
                "request not sent: the required parameter `cni` was not set",
                "request not sent: the parameter `limit` is not valid: must be at least 1",
                "request not sent: the body is not complete or not consistent: no value supplied for account",
            ]
        );
        assert!(!texts.iter().any(|t| t.contains(MARK)));
    }

    /// An unset parameter costs nothing until the call is sent without it, and then names it.
    #[test]
    fn an_unset_parameter_is_named_when_sent() {
        assert_eq!(UNSET.capacity(), 0);
        assert!(matches!(
            decode(&unset_or(UNSET, "account_id")),
            CniError::MissingParameter { name } if name == "account_id"
        ));
        let invalid = not_valid("cni", "not a uuid");
        assert_eq!(unset_or(invalid.clone(), "cni"), invalid);
    }

    #[test]
    fn query_values_are_held_to_their_bounds() {
        let error = check_minimum("limit", Some(-1i64), 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "request not sent: the parameter `limit` is not valid: -1 is below the minimum of 0"
        );
        assert!(check_minimum("limit", None::<i64>, 0).is_ok());
        assert!(check_max_length("name", Some(&"é".repeat(201)), 200).is_err());
        assert!(check_max_length("name", Some(&"é".repeat(200)), 200).is_ok());
    }
}
