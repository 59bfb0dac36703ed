//! Wires the spec's machine-readable constraints into the generated code: `#[derive(Validate)]`
//! and `#[validate(...)]` field attributes on the types, from the model's constraints.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use syn::{parse_quote, Fields, Item, Type};

use super::docs::serde_rename;
use crate::model::{ApiModel, Rule};

/// The spec as progenitor should see it: `pattern` is dropped where an `x-cni-format` rule
/// covers the same property, so the field stays a plain `String` that always decodes and the
/// validation layer reports a bad value with its pointer and a precise message, instead of
/// serde failing the whole body.
pub fn progenitor_input(value: &Value, model: &ApiModel) -> Value {
    let mut value = value.clone();
    strip_covered_patterns(&mut value);
    super::docs::indent_list_continuations(&mut value);
    strip_union_tags(&mut value);
    keep_unknown_fields(&mut value, model);
    value
}

/// What the field that keeps unknown fields says about itself.
pub const UNKNOWN_FIELDS_DOC: &str = "Fields the spec this crate was generated from does not \
    name, kept as they came: a newer API's additions survive a read, modify and write back.";

/// Every object schema that responses reach keeps the properties it does not declare
/// (typify's `#[serde(flatten)] extra` map), so a value read from a newer API and sent back
/// (GET, modify, PUT) loses nothing. Request-only schemas stay strict: the client builds them,
/// and sends only what the spec names.
fn keep_unknown_fields(root: &mut Value, model: &ApiModel) {
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

/// A discriminated union's variants lose their tag property: the union's own `Serialize` and
/// `Deserialize` (see `unions.rs`) write and read it, so the variant structs do not repeat it
/// (`Interconnect::Physical(InterconnectPhysical { slot_id, .. })`, no `type_` field holding a
/// one-value enum).
fn strip_union_tags(root: &mut Value) {
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
            if let Some(name) = crate::model::ref_name(variant) {
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

fn strip_covered_patterns(value: &mut Value) {
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

/// The type a field ultimately holds, through `Option`, `Vec` and `Box`.
fn innermost(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    let name = segment.ident.to_string();
    if matches!(name.as_str(), "Option" | "Vec" | "Box") {
        if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return innermost(inner);
            }
        }
    }
    Some(name)
}

/// Adds the derive to every top-level struct and enum of the types file, and to each field the
/// rules the spec states on its property, plus `nested` for fields of generated types.
pub fn add_validation(file: &mut syn::File, model: &ApiModel, validate_crate: &TokenStream) {
    let generated: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    let derive: syn::Attribute = parse_quote!(#[derive(#validate_crate::Validate)]);
    for item in &mut file.items {
        match item {
            Item::Enum(e) => e.attrs.push(derive.clone()),
            Item::Struct(s) => {
                s.attrs.push(derive.clone());
                let Fields::Named(fields) = &mut s.fields else {
                    continue;
                };
                // Wire name → Rust field name, for `same_prefix` targets.
                let idents: BTreeMap<String, String> = fields
                    .named
                    .iter()
                    .filter_map(|f| {
                        let ident = f.ident.as_ref()?.to_string();
                        Some((
                            serde_rename(&f.attrs).unwrap_or_else(|| ident.clone()),
                            ident,
                        ))
                    })
                    .collect();
                let constraints = model
                    .schemas
                    .get(&s.ident.to_string())
                    .map(|schema| schema.constraints.as_slice())
                    .unwrap_or_default();
                for field in fields.named.iter_mut() {
                    let Some(ident) = field.ident.as_ref().map(ToString::to_string) else {
                        continue;
                    };
                    let wire = serde_rename(&field.attrs).unwrap_or_else(|| ident.clone());
                    let mut rules: Vec<TokenStream> = constraints
                        .iter()
                        .filter(|c| c.property == wire)
                        .filter_map(|c| match &c.rule {
                            Rule::Ipv4Cidr => Some(quote!(cidr)),
                            Rule::EachIpv4Cidr => Some(quote!(each(cidr))),
                            Rule::Md5Key => Some(quote!(md5_key)),
                            Rule::SamePrefixAs(other) => {
                                let target =
                                    idents.get(other).cloned().unwrap_or_else(|| other.clone());
                                Some(quote!(same_prefix = #target))
                            }
                            Rule::Minimum(n) => {
                                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                                Some(quote!(minimum = #n))
                            }
                            Rule::Maximum(n) => {
                                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                                Some(quote!(maximum = #n))
                            }
                            // A pattern without an x-cni-format rule stays with typify's
                            // validating newtype.
                            Rule::Pattern(_) => None,
                        })
                        .collect();
                    if innermost(&field.ty).is_some_and(|t| generated.contains(&t)) {
                        rules.push(quote!(nested));
                    }
                    if !rules.is_empty() {
                        field.attrs.push(parse_quote!(#[validate(#(#rules),*)]));
                    }
                }
            }
            _ => {}
        }
    }
}
