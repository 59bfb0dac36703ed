//! Cloudflare's v4 failure envelope: the one model the types crate re-exports, the client
//! reads and the server writes, so that an error the server answers is the error a client sees.
//!
//! Fields a newer API adds are kept in `extra` on each level, so nothing of an answer is lost.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Path, Report, Validate};

/// The smallest code of a message (the spec's `minimum`).
pub const MINIMUM_CODE: i32 = 1000;

/// Cloudflare's v4 failure envelope, returned with every 4xx and 5xx status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorEnvelope {
    /// What went wrong, one entry per problem.
    pub errors: Vec<ResponseMessage>,
    /// Informational messages.
    pub messages: Vec<ResponseMessage>,
    /// Always null for a failure (required, and nullable).
    #[serde(deserialize_with = "Option::deserialize")]
    pub result: Option<Map<String, Value>>,
    /// Always `false` for a failure.
    pub success: bool,
    /// Fields this crate does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ErrorEnvelope {
    /// A failure envelope holding `errors`: `success` false, no messages, a null result.
    pub fn failure(errors: Vec<ResponseMessage>) -> Self {
        ErrorEnvelope {
            errors,
            messages: Vec::new(),
            result: None,
            success: false,
            extra: Map::new(),
        }
    }

    /// The codes of the errors, in order.
    pub fn codes(&self) -> impl Iterator<Item = i32> + '_ {
        self.errors.iter().map(|e| e.code)
    }
}

/// One error or informational message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseMessage {
    /// Stable numeric code of the message (at least 1000).
    pub code: i32,
    /// Human-readable text of the message.
    pub message: String,
    /// Where the message is documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Where in the request the problem lies, when it lies in the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResponseMessageSource>,
    /// Fields this crate does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResponseMessage {
    /// A message with a code and a text.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        ResponseMessage {
            code,
            message: message.into(),
            documentation_url: None,
            source: None,
            extra: Map::new(),
        }
    }

    /// The same message, saying where in the request the problem lies.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.source = Some(ResponseMessageSource::new(pointer));
        self
    }

    /// `source.pointer`: where in the request the problem lies.
    pub fn pointer(&self) -> Option<&str> {
        self.source.as_ref().and_then(|s| s.pointer.as_deref())
    }
}

impl std::fmt::Display for ResponseMessage {
    /// `1001 bad md5_key (at /bgp/md5_key)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.message)?;
        if let Some(pointer) = self.pointer() {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

/// Where in the request the problem lies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseMessageSource {
    /// JSON pointer to the offending part of the request body or parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Fields this crate does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResponseMessageSource {
    /// A source naming `pointer`.
    pub fn new(pointer: impl Into<String>) -> Self {
        ResponseMessageSource {
            pointer: Some(pointer.into()),
            extra: Map::new(),
        }
    }
}

impl Validate for ErrorEnvelope {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        self.errors.validate_into(&path.field("errors"), report);
        self.messages.validate_into(&path.field("messages"), report);
    }
}

impl Validate for ResponseMessage {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        crate::rules::check_minimum(
            i128::from(self.code),
            i128::from(MINIMUM_CODE),
            &path.field("code"),
            report,
        );
    }
}

impl Validate for ResponseMessageSource {
    fn validate_into(&self, _: &Path<'_>, _: &mut Report) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_envelope_keeps_what_a_newer_api_adds_on_every_level() {
        let wire = json!({
            "success": false,
            "errors": [{"code": 1001, "message": "bad", "source": {"pointer": "/a", "parameter": "x"}, "hint": 1}],
            "messages": [],
            "result": null,
            "trace": "t"
        });
        let envelope: ErrorEnvelope = serde_json::from_value(wire.clone()).expect("an envelope");
        assert_eq!(envelope.errors[0].pointer(), Some("/a"));
        assert_eq!(envelope.extra["trace"], "t");
        assert_eq!(serde_json::to_value(&envelope).expect("encodes"), wire);
    }

    #[test]
    fn result_is_required_and_codes_below_the_minimum_are_refused() {
        let missing = json!({"success": false, "errors": [], "messages": []});
        let error = serde_json::from_value::<ErrorEnvelope>(missing).expect_err("result missing");
        assert!(error.to_string().contains("result"), "{error}");
        let low = ErrorEnvelope::failure(vec![ResponseMessage::new(999, "low").at("/x")]);
        let errors = low.validate().expect_err("999 < 1000");
        assert_eq!(errors.violations[0].pointer, "/errors/0/code");
        assert_eq!(low.errors[0].to_string(), "999 low (at /x)");
    }
}
