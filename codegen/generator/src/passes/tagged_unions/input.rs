//! Tagged unions' change to progenitor's input: a discriminated union's members lose their tag
//! property, which the union itself reads and writes.

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
