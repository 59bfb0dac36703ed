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

/// A parameter's string bounds (`maxLength`, `minLength`, `pattern`) are dropped from what
/// progenitor sees, so the client's setter takes the same `String` the server's query struct
/// has (not a newtype of typify's for that one parameter): one type per parameter on every
/// side; so is an integer's minimum above 0 (typify would make `minimum: 1` a `NonZeroU64`,
/// the server's is a `u64`). The bounds still hold: the client checks them before sending
/// (`check_max_length`, `check_minimum`), the server's query struct validates them, both from
/// the spec. Parameters shared in `components/parameters` too.
pub fn plain_parameter_types(document: &mut Value) {
    if let Some(shared) = document
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        shared.values_mut().for_each(plain_parameter);
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (key, node) in item.iter_mut() {
            let parameters = if key == "parameters" {
                Some(node)
            } else {
                node.get_mut("parameters")
            };
            let Some(parameters) = parameters.and_then(Value::as_array_mut) else {
                continue;
            };
            parameters.iter_mut().for_each(plain_parameter);
        }
    }
}

fn plain_parameter(parameter: &mut Value) {
    let in_path = parameter.get("in").and_then(Value::as_str) == Some("path");
    let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    if in_path {
        // A path segment is never null (a `nullable` one made the client's setter an
        // `Option` that the URL cannot hold).
        schema.remove("nullable");
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            for bound in ["maxLength", "minLength", "pattern"] {
                schema.remove(bound);
            }
        }
        Some("integer")
            if schema
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| m > 0.0) =>
        {
            schema.insert("minimum".into(), Value::from(0));
        }
        _ => {}
    }
}

#[cfg(test)]
mod parameter_tests {
    use serde_json::json;

    #[test]
    fn string_parameters_lose_their_bounds_and_nothing_else_does() {
        let mut document = json!({"paths": {"/x/{id}": {
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "string", "maxLength": 5}}],
            "get": {"parameters": [
                {"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 200, "pattern": "^a"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}}
            ]}
        }}});
        super::plain_parameter_types(&mut document);
        let item = &document["paths"]["/x/{id}"];
        assert_eq!(item["parameters"][0]["schema"], json!({"type": "string"}));
        assert_eq!(
            item["get"]["parameters"][0]["schema"],
            json!({"type": "string"})
        );
        assert_eq!(
            item["get"]["parameters"][1]["schema"],
            json!({"type": "integer", "minimum": 0})
        );
    }

    #[test]
    fn shared_parameters_and_positive_minimums_are_plain_too() {
        let mut document = json!({
            "components": {"parameters": {"account_id": {"name": "account_id", "in": "path",
                "schema": {"type": "string", "maxLength": 32, "readOnly": true, "nullable": true}}}},
            "paths": {"/x": {"get": {"parameters": [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}
            ]}}}
        });
        super::plain_parameter_types(&mut document);
        assert_eq!(
            document["components"]["parameters"]["account_id"]["schema"],
            json!({"type": "string", "readOnly": true})
        );
        assert_eq!(
            document["paths"]["/x"]["get"]["parameters"][0]["schema"],
            json!({"type": "integer", "minimum": 0, "maximum": 50})
        );
    }
}
