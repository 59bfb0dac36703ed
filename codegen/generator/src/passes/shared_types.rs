//! The types the runtimes share: Cloudflare's error envelope (`ErrorEnvelope`,
//! `ResponseMessage`, `ResponseMessageSource`) is one hand-written model in the validation
//! runtime, which the client's errors hold and the server's answers write. typify is told to
//! use it for the spec's schemas of those names (its input), and the types crate re-exports it
//! under the spec's names (its output), so `types::ErrorEnvelope` is that same type.
//!
//! A field Cloudflare adds to the envelope lands in the model's `extra` maps (nothing is lost);
//! a field the model names that the spec retypes or stops requiring fails generation here,
//! naming it: that is a breaking change, which the diff calls major.

use openapiv3::OpenAPI;
use serde_json::Value;
use syn::parse_quote;

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

/// A schema the runtimes model, by its name in the spec and its path in the validation runtime.
struct Shared {
    schema: &'static str,
    path: &'static str,
    /// The fields the model names: (property, JSON type, whether the model requires it).
    fields: &'static [(&'static str, &'static str, bool)],
}

const SHARED: &[Shared] = &[
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
fn present(spec: &OpenAPI) -> Result<Vec<&'static Shared>, EmitError> {
    let schemas = serde_json::to_value(&spec.components)
        .ok()
        .and_then(|c| c.get("schemas").cloned())
        .unwrap_or(Value::Null);
    let mut found = Vec::new();
    for shared in SHARED {
        let Some(schema) = schemas.get(shared.schema) else {
            continue;
        };
        check(shared, schema, &schemas)?;
        found.push(shared);
    }
    Ok(found)
}

/// The JSON type a property's schema has, following `$ref` and a one-item `allOf`.
fn json_type<'a>(schema: &'a Value, schemas: &'a Value) -> Option<&'a str> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next()?;
        return json_type(schemas.get(name)?, schemas);
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return json_type(only, schemas);
    }
    schema.get("type").and_then(Value::as_str)
}

fn check(shared: &Shared, schema: &Value, schemas: &Value) -> Result<(), EmitError> {
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
        let found = json_type(property, schemas).unwrap_or("untyped");
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

/// progenitor's input: typify uses the shared model for each shared schema the spec has.
pub fn replacements(
    spec: &OpenAPI,
    paths: &Paths,
) -> Result<Vec<(&'static str, String)>, EmitError> {
    let validate = &paths.validate_crate;
    Ok(present(spec)?
        .into_iter()
        .map(|s| (s.schema, format!("::{validate}::{}", s.path)))
        .collect())
}

/// The types crate re-exports each shared type under its schema's name.
pub fn apply(
    generated: &mut super::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let validate = &paths.validate;
    for shared in SHARED.iter().rev() {
        if !model.schemas.contains_key(shared.schema) {
            continue;
        }
        let path: syn::Path = syn::parse_str(shared.path)
            .map_err(|e| EmitError::Output(format!("the path {}: {e}", shared.path)))?;
        generated
            .types
            .items
            .insert(0, parse_quote!(pub use #validate::#path;));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(response_message: Value) -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"ResponseMessage": response_message}}
        }))
        .expect("a spec")
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
