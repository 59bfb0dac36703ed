//! Unions' changes to progenitor's input: a discriminated union's members lose their tag
//! property, which the union itself reads and writes; an untagged union's `default` is not
//! typify's to check; an `anyOf` of values that are not all objects is typify's `oneOf`.

use serde_json::Value;

/// A discriminated union's variants lose their tag property: the union's own `Serialize` and
/// `Deserialize` (see `unions.rs`) write and read it, so the variant structs do not repeat it
/// (`Interconnect::Direct(InterconnectDirect { slot_id, .. })`, no `type_` field holding a
/// one-value enum).
pub fn strip_union_tags(root: &mut Value) {
    let Some(schemas) = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let mut tagged: Vec<(String, String)> = Vec::new();
    for schema in schemas.values() {
        let Some(property) = schema
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str)
        else {
            continue;
        };
        for variant in schema
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = crate::document::ref_name(variant) {
                tagged.push((name, property.to_string()));
            }
        }
    }
    for (name, property) in tagged {
        let Some(variant) = root.pointer_mut(&format!("/components/schemas/{name}")) else {
            continue;
        };
        if let Some(properties) = variant.get_mut("properties").and_then(Value::as_object_mut) {
            properties.remove(&property);
        }
        if let Some(required) = variant.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r.as_str() != Some(property.as_str()));
        }
    }
}

/// A union's (`anyOf`, `oneOf`) `default` is left out of typify's input: typify checks it
/// against the members and refuses a number that one of them names (Cloudflare's DNS `ttl`:
/// `anyOf: [number ≥ 30, enum [1]]`, default 1). It stays in the spec and its docs; the union
/// has no `Default`, and a field of it none of its own.
pub fn strip_union_defaults(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.contains_key("anyOf") || object.contains_key("oneOf") {
                object.remove("default");
            }
            object.values_mut().for_each(strip_union_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_union_defaults),
        _ => {}
    }
}

/// typify reads an `anyOf` as a struct of its members flattened, each optional: right for
/// objects (their fields merge), wrong for any other member (Cloudflare's DNS `ttl`, a number
/// or the one value 1, did not decode from `1`). An `anyOf` whose members are not all objects
/// reaches typify as a `oneOf`: an untagged enum, whose first member that fits reads a value,
/// which is what `anyOf` asks of a reader.
pub fn any_of_values_as_one_of(root: &mut Value) {
    // The members' `$ref`s are read in the schemas as they were.
    let components = serde_json::json!({
        "components": {"schemas": root.pointer("/components/schemas").cloned().unwrap_or_default()}
    });
    rewrite_any_of(root, &components);
}

fn rewrite_any_of(value: &mut Value, components: &Value) {
    match value {
        Value::Object(object) => {
            let all_objects = object
                .get("anyOf")
                .and_then(Value::as_array)
                .map(|members| {
                    members
                        .iter()
                        .all(|member| is_object(member, components, 0))
                });
            if all_objects == Some(false) && !object.contains_key("oneOf") {
                if let Some(members) = object.remove("anyOf") {
                    object.insert("oneOf".to_string(), members);
                }
            }
            for child in object.values_mut() {
                rewrite_any_of(child, components);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_any_of(item, components)),
        _ => {}
    }
}

/// Whether a member is an object: `type: object` or properties, through `$ref`s.
fn is_object(schema: &Value, components: &Value, depth: usize) -> bool {
    if let Some(target) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .filter(|_| depth < 16)
        .and_then(|reference| crate::document::target(components, reference))
    {
        return is_object(target, components, depth + 1);
    }
    schema.get("type").and_then(Value::as_str) == Some("object")
        || schema.get("properties").is_some()
}
