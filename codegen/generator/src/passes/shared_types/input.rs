//! The shared types' input change: typify uses the validation runtime's model for each shared
//! schema the spec has, after checking the spec still describes what the model holds.

use serde_json::Value;

use crate::error::EmitError;
use crate::paths::Paths;

/// A schema the runtimes model, by its name in the spec and its path in the validation runtime.
pub(super) struct Shared {
    pub(super) schema: &'static str,
    pub(super) path: &'static str,
    /// The fields the model names: (property, JSON type, whether the model requires it).
    fields: &'static [(&'static str, &'static str, bool)],
}

pub(super) const SHARED: &[Shared] = &[
    Shared {
        schema: "ErrorEnvelope",
        path: "envelope::ErrorEnvelope",
        fields: &[
            ("errors", "array", true),
            ("messages", "array", true),
            ("result", "object", true),
            ("success", "boolean", true),
        ],
    },
    Shared {
        schema: "ResponseMessage",
        path: "envelope::ResponseMessage",
        fields: &[
            ("code", "integer", true),
            ("message", "string", true),
            ("documentation_url", "string", false),
            ("source", "object", false),
        ],
    },
    Shared {
        schema: "ResponseMessageSource",
        path: "envelope::ResponseMessageSource",
        fields: &[("pointer", "string", false)],
    },
];

/// The shared types this spec has, each checked against the model.
fn present(document: &Value) -> Result<Vec<&'static Shared>, EmitError> {
    let mut found = Vec::new();
    for shared in SHARED {
        let Some(schema) = document.pointer(&format!("/components/schemas/{}", shared.schema))
        else {
            continue;
        };
        check(shared, schema, document)?;
        found.push(shared);
    }
    Ok(found)
}

/// The JSON type a property's schema has, following `$ref` (through the one resolver) and a
/// one-item `allOf`.
fn json_type<'a>(schema: &'a Value, document: &'a Value) -> Option<&'a str> {
    let schema = crate::document::deref(document, schema);
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return json_type(only, document);
    }
    schema.get("type").and_then(Value::as_str)
}

fn check(shared: &Shared, schema: &Value, document: &Value) -> Result<(), EmitError> {
    let refuse = |message: String| EmitError::SharedType {
        schema: shared.schema.to_string(),
        message,
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, expected, model_requires) in shared.fields {
        let Some(property) = schema.pointer(&format!("/properties/{name}")) else {
            return Err(refuse(format!(
                "the spec no longer has the property `{name}`"
            )));
        };
        let found = json_type(property, document).unwrap_or("untyped");
        if found != *expected {
            return Err(refuse(format!(
                "property `{name}` is `{found}` in the spec, `{expected}` in the model"
            )));
        }
        if *model_requires && !required.contains(name) {
            return Err(refuse(format!(
                "property `{name}` is optional in the spec, required in the model"
            )));
        }
    }
    Ok(())
}

/// progenitor's input: typify uses the shared model for each shared schema the document has.
pub fn replacements(
    document: &Value,
    paths: &Paths,
) -> Result<Vec<(&'static str, String)>, EmitError> {
    let validate = &paths.validate_crate;
    Ok(present(document)?
        .into_iter()
        .map(|s| (s.schema, format!("::{validate}::{}", s.path)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(response_message: Value) -> Value {
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"ResponseMessage": response_message}}
        })
    }

    #[test]
    fn a_retyped_or_no_longer_required_field_is_named_and_an_added_one_fits() {
        let fits = spec_with(serde_json::json!({
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "integer"}, "message": {"type": "string"},
                "documentation_url": {"type": "string"}, "source": {"type": "object"},
                "hint": {"type": "string"}}
        }));
        assert_eq!(present(&fits).expect("fits").len(), 1);
        let retyped = spec_with(serde_json::json!({
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                "documentation_url": {"type": "string"}, "source": {"type": "object"}}
        }));
        let error = present(&retyped).err().expect("refused").to_string();
        assert!(
            error.contains("`ResponseMessage`") && error.contains("property `code` is `string`"),
            "{error}"
        );
        let optional = spec_with(serde_json::json!({
            "type": "object", "required": ["message"],
            "properties": {"code": {"type": "integer"}, "message": {"type": "string"},
                "documentation_url": {"type": "string"}, "source": {"type": "object"}}
        }));
        let error = present(&optional).err().expect("refused").to_string();
        assert!(error.contains("`code` is optional"), "{error}");
    }
}
