//! Forward compatibility's change to progenitor's input: the objects responses reach keep the
//! properties they do not declare (typify's flattened `extra` map), and string enums whose
//! values typify cannot name apart reach it encoded.

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

/// The prefix of a string enum value typify sees encoded ([`encode_unnameable_enums`]).
pub const ENCODED_VALUE: &str = "cni-hex-";

/// typify names a string enum's variants from its values' letters and digits, and panics when
/// two values have the same (Cloudflare's comparison operators `<`, `<=`, `>`, `>=`, `==` have
/// none). Such an enum's values reach typify hex-encoded (`<=` → `cni-hex-3c3d`), which it
/// names apart; the string-enum rewrite decodes them and names each by rule (`Le`). Every
/// other enum is left as it is.
pub fn encode_unnameable_enums(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(values)) = object.get_mut("enum") {
                let letters: Option<Vec<String>> = values
                    .iter()
                    .map(|v| {
                        v.as_str().map(|text| {
                            text.chars()
                                .filter(char::is_ascii_alphanumeric)
                                .map(|c| c.to_ascii_lowercase())
                                .collect()
                        })
                    })
                    .collect();
                let collide = letters.is_some_and(|letters| {
                    let unique: std::collections::BTreeSet<&String> = letters.iter().collect();
                    unique.len() < letters.len()
                });
                if collide {
                    values.iter_mut().for_each(encode);
                    // typify checks a default against the values.
                    if let Some(default) = object.get_mut("default") {
                        encode(default);
                    }
                }
            }
            for child in object.values_mut() {
                encode_unnameable_enums(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(encode_unnameable_enums),
        _ => {}
    }
}

/// A string value, hex-encoded behind [`ENCODED_VALUE`].
fn encode(value: &mut Value) {
    if let Some(text) = value.as_str() {
        let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        *value = Value::String(format!("{ENCODED_VALUE}{hex}"));
    }
}

/// The value an encoded enum value stands for; any other value as it is.
pub fn decode_enum_value(value: &str) -> String {
    let Some(hex) = value.strip_prefix(ENCODED_VALUE) else {
        return value.to_string();
    };
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect();
    bytes
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_typify_cannot_name_apart_reach_it_encoded_and_decode() {
        let mut schema = serde_json::json!({"properties": {
            "operator": {"type": "string", "enum": ["<", "<=", ">", ">=", "=="], "default": "=="},
            "state": {"type": "string", "enum": ["Healthy", "Down"]}
        }});
        encode_unnameable_enums(&mut schema);
        let operators = &schema["properties"]["operator"]["enum"];
        assert_eq!(operators[1], "cni-hex-3c3d");
        assert_eq!(schema["properties"]["operator"]["default"], "cni-hex-3d3d");
        assert_eq!(schema["properties"]["state"]["enum"][0], "Healthy");
        let decoded: Vec<String> = operators
            .as_array()
            .unwrap()
            .iter()
            .map(|v| decode_enum_value(v.as_str().unwrap()))
            .collect();
        assert_eq!(decoded, ["<", "<=", ">", ">=", "=="]);
        assert_eq!(decode_enum_value("Healthy"), "Healthy");
    }
}
