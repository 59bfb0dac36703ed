//! Validation's change to progenitor's input: `pattern` is dropped where an `x-cni-format` rule
//! covers the same property, so the field stays a plain `String` that always decodes and the
//! validation layer reports a bad value with its pointer and a precise message, instead of
//! serde failing the whole body.

use serde_json::Value;

/// Drops every `pattern` beside an `x-cni-format`.
pub fn strip_covered_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("x-cni-format") {
                map.remove("pattern");
            }
            map.values_mut().for_each(strip_covered_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_covered_patterns),
        _ => {}
    }
}
