//! Forward compatibility's change to progenitor's input: the objects responses reach keep the
//! properties they do not declare (typify's flattened `extra` map).

use serde_json::Value;

use crate::model::ApiModel;

/// What the field that keeps unknown fields says about itself.
pub const UNKNOWN_FIELDS_DOC: &str = "Fields the spec this crate was generated from does not \
    name, kept as they came: a newer API's additions survive a read, modify and write back.";

/// Every object schema that responses reach keeps the properties it does not declare
/// (typify's `#[serde(flatten)] extra` map), so a value read from a newer API and sent back
/// (GET, modify, PUT) loses nothing. Request-only schemas stay strict: the client builds them,
/// and sends only what the spec names.
pub fn keep_unknown_fields(root: &mut Value, model: &ApiModel) {
    let Some(schemas) = root
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        let in_response = model.schemas.get(name).is_some_and(|s| s.usage.response);
        let is_object = schema.get("properties").is_some()
            && schema.get("additionalProperties").is_none()
            && schema.get("oneOf").is_none();
        if in_response && is_object {
            schema["additionalProperties"] =
                serde_json::json!({ "description": UNKNOWN_FIELDS_DOC });
        }
    }
}
