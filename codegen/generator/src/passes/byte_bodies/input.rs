//! Byte bodies' and forms' change to progenitor's input: each is an octet stream of binary
//! strings.

use serde_json::{json, Value};

use crate::model::ApiModel;

/// The one request media type progenitor sends as raw bytes.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// progenitor's input: every bytes body and every form is an octet stream of binary strings (the operation's
/// `requestBody` is written out in place, when it was a `$ref` to a shared one).
pub fn input(root: &mut Value, model: &ApiModel) {
    for op in model
        .operations
        .iter()
        .filter(|op| op.request_bytes.is_some() || op.request_form.is_some())
    {
        let pointer = format!(
            "/paths/{}/{}",
            crate::diagnostic::escape_token(&op.path),
            op.method.to_ascii_lowercase()
        );
        let Some(operation) = root.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        let required = operation
            .get("requestBody")
            .and_then(|body| body.get("required"))
            .cloned()
            .unwrap_or(Value::Bool(false));
        operation.insert(
            "requestBody".to_string(),
            json!({
                "required": required,
                "content": {OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}}
            }),
        );
    }
}
