//! Meaning-preserving rewrites of the overlaid document into the one shape the generator
//! reads. None of them changes what a valid request or response is; each exists because a
//! generator would otherwise produce worse Rust from the same meaning:
//!
//! 1. An `allOf` of object schemas, inline or `$ref`s to components (Cloudflare's
//!    interconnect variants; every product's response envelope around its `result`) becomes
//!    one object with all their properties: one flat struct, not a struct per fragment, and no
//!    exponential merge in typify.
//!    A `type: object` beside a `oneOf` of objects (Cloudflare's unions) says nothing the
//!    members do not: it is dropped, so a union is a pure `oneOf`.
//! 2. A `$ref` to a component that is a bare primitive (`nsc_AccountTag`: a described string)
//!    is replaced by that schema: a `String` field, not a newtype.
//! 3. A `$ref` with siblings (a description the overlay added) becomes `allOf: [$ref]` with
//!    the siblings beside it, the OpenAPI 3.0 way to describe a referenced schema.
//! 4. Names: a schema marked `x-cni-name: Name` by the overlay is called `Name` (hoisted into
//!    `components/schemas` when it is inline); every other schema drops the overlay's
//!    `x-cni-strip-prefix` and is named as a Rust type by rule (`nsc_Cni` → `Cni`,
//!    `nsc_Interconnect_AwsPartner_Body` → `InterconnectAwsPartnerBody`). Every `$ref` and
//!    discriminator mapping follows. Two names the rule would make one (Cloudflare's
//!    `stream_live_input` and `stream_liveInput`) are told apart by a number after the later
//!    one in the order of the document's names, with a warning (rule `names`).
//! 5. Tagged unions are completed, so that a member Cloudflare adds needs no overlay edit: each
//!    member's tag is its mapping key, or else its tag property's one-value `enum`; an inline
//!    member is hoisted into the components as the union's name and its variant's
//!    (`InterconnectStatus` + `Provisioning`); the mapping names every member; and every
//!    member's tag property is a one-value `enum` of its tag, which spec-driven tools read.
//! 6. An operation's inline JSON body (request, or success response; an object, a
//!    composition, an array or any JSON, anything but a string) is hoisted into the
//!    components as `{Operation}Request` / `{Operation}Response` (progenitor's own names for
//!    them), so every body is a component: forward compatibility and validation reach it, and
//!    an operation Cloudflare adds with an inline answer needs no overlay edit. A shared
//!    request body or response (`components/requestBodies`, `components/responses`) with an
//!    inline JSON schema is hoisted the same way, named after it (`{Name}Request`,
//!    `{Name}Response`).
//! 7. Components that nothing references any more are dropped.
//! 8. Operations are named and grouped by rule, as Cloudflare's whole document needs: an
//!    operationId that is not a Rust method name (`cni-list-cnis`, every product's but the CNI
//!    section's today) becomes its snake case (`cni_list_cnis`), before any body is named after
//!    it; two that would meet are told apart by a numeric suffix in the order of their original
//!    ids, the same every time. A tag the document uses without declaring it (Cloudflare's
//!    whole document declares none) is declared, in the order of first use, so every tag is a
//!    group (its docs, its command-line subcommand).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::select::collect_refs;
use crate::diagnostic::escape_token;

/// `(pointer in the document, message)` pairs.
type Problems = Vec<(String, String)>;

#[derive(Debug)]
pub struct Normalized {
    pub renamed: Vec<(String, String)>,
    pub pruned: Vec<String>,
    /// operationIds renamed by rule, `from → to`.
    pub operations_renamed: Vec<(String, String)>,
    /// Tags declared by rule (used and not declared).
    pub tags_declared: Vec<String>,
    /// Where a rule of `repair` read a sloppy construct, one warning each.
    pub repairs: Vec<String>,
}

const SCHEMAS: &str = "#/components/schemas/";

/// Problems are `(pointer in the document, message)`.
pub fn normalize(
    document: &mut Value,
    strip_prefix: &str,
) -> Result<Normalized, Vec<(String, String)>> {
    let operations_renamed = name_operations(document);
    let tags_declared = declare_tags(document);
    let mut repairs = super::repair::parameters_and_media_types(document);
    let aliases = primitive_aliases(document);
    let object_components = object_components(document);
    // Rule 1 reads the components as the document gives them, while the visit rewrites them.
    let components = super::repair::components_snapshot(document);
    visit_schemas(document, &mut |schema| {
        merge_all_of(schema, &components);
        drop_redundant_union_type(schema, &object_components);
        inline_alias(schema, &aliases);
        wrap_ref_siblings(schema);
    });
    repairs.extend(super::repair::required_names(document));
    let renamed = rename(document, strip_prefix, &mut repairs)?;
    hoist_bodies(document, &mut repairs);
    complete_unions(document)?;
    let pruned = prune(document);
    let mut problems = Vec::new();
    let mut refs = Vec::new();
    collect_refs(document, "", &mut refs);
    for (at, reference) in refs {
        let resolves = reference
            .strip_prefix('#')
            .is_some_and(|pointer| document.pointer(pointer).is_some());
        if !resolves {
            problems.push((
                at,
                format!("`$ref: {reference}` points at nothing once the overlay is applied"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(Normalized {
            renamed,
            pruned,
            operations_renamed,
            tags_declared,
            repairs,
        })
    } else {
        Err(problems)
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Whether `id` names a Rust method as it is: snake case, starting with a letter.
fn is_method_name(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `cni-list-cnis` → `cni_list_cnis`; `getCNIs` → `get_cnis`: words split at anything but a
/// letter or digit, and at lower-to-upper case changes, joined by `_`.
pub(super) fn method_name(id: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in id.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    let name = words.join("_");
    match name.chars().next() {
        Some(c) if c.is_ascii_lowercase() => name,
        Some(_) => format!("op_{name}"),
        None => "operation".to_string(),
    }
}

/// Rule 8's names: each operationId that is not a method name becomes one; returns `from →
/// to` for each renamed.
pub(super) fn name_operations(document: &mut Value) -> Vec<(String, String)> {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return Vec::new();
    };
    // Every operation's id, as written, with where it is.
    let mut ids: Vec<(String, String, String)> = Vec::new();
    for (path, item) in paths.iter() {
        for method in METHODS {
            if let Some(id) = item
                .get(method)
                .and_then(|op| op.get("operationId"))
                .and_then(Value::as_str)
            {
                ids.push((id.to_string(), path.clone(), method.to_string()));
            }
        }
    }
    ids.sort();
    let mut taken: BTreeSet<String> = ids
        .iter()
        .filter(|(id, _, _)| is_method_name(id))
        .map(|(id, _, _)| id.clone())
        .collect();
    let mut renamed = Vec::new();
    for (id, path, method) in ids {
        if is_method_name(&id) {
            continue;
        }
        let base = method_name(&id);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(name.clone());
        if let Some(op) = paths
            .get_mut(&path)
            .and_then(|item| item.get_mut(&method))
            .and_then(Value::as_object_mut)
        {
            op.insert("operationId".into(), Value::String(name.clone()));
        }
        renamed.push((id, name));
    }
    renamed
}

/// Rule 8's groups: each tag an operation uses that the top-level `tags` list does not
/// declare is declared, in the order of first use; returns those tags.
fn declare_tags(document: &mut Value) -> Vec<String> {
    let declared: BTreeSet<String> = document
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut used: Vec<String> = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for method in METHODS {
                let tags = item
                    .get(method)
                    .and_then(|op| op.get("tags"))
                    .and_then(Value::as_array);
                for tag in tags.into_iter().flatten().filter_map(Value::as_str) {
                    if !declared.contains(tag) && !used.iter().any(|u| u == tag) {
                        used.push(tag.to_string());
                    }
                }
            }
        }
    }
    if used.is_empty() {
        return used;
    }
    let Some(root) = document.as_object_mut() else {
        return Vec::new();
    };
    let list = root
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        list.extend(used.iter().map(|tag| serde_json::json!({ "name": tag })));
    }
    used
}

/// Calls `f` on every schema object of the document, parents before children (so a schema
/// that `f` rewrites is visited in its rewritten form).
fn visit_schemas(document: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    fn in_document(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    match key.as_str() {
                        "schema" => in_schema(child, f),
                        // `components/schemas` is handled by the caller.
                        _ => in_document(child, f),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| in_document(v, f)),
            _ => {}
        }
    }
    fn in_schema(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        let Value::Object(map) = value else { return };
        f(map);
        for (key, child) in map.iter_mut() {
            match key.as_str() {
                "properties" => {
                    if let Value::Object(props) = child {
                        props.values_mut().for_each(|p| in_schema(p, f));
                    }
                }
                "items" | "additionalProperties" | "not" => in_schema(child, f),
                "allOf" | "oneOf" | "anyOf" => {
                    if let Value::Array(members) = child {
                        members.iter_mut().for_each(|m| in_schema(m, f));
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(Value::Object(root)) = Some(&mut *document) {
        for (key, child) in root.iter_mut() {
            if key == "components" {
                if let Value::Object(components) = child {
                    for (kind, entries) in components.iter_mut() {
                        if kind == "schemas" {
                            if let Value::Object(schemas) = entries {
                                schemas.values_mut().for_each(|s| in_schema(s, f));
                            }
                        } else {
                            in_document(entries, f);
                        }
                    }
                }
            } else {
                in_document(child, f);
            }
        }
    }
}

/// Rule 1: an `allOf` of objects → one object. A member is an inline fragment (properties, required)
/// or a `$ref` to a component that is one, or an `allOf` of such, followed to a bounded
/// depth. Merging here rather than leaving it to typify is what keeps generation linear:
/// typify's own merge of a union inside an `allOf` (Cloudflare's envelope around
/// `access_apps`, an `anyOf` of `allOf`s) grows exponentially with the union's members.
///
/// Where two members give one property different schemas, the one that says only a type
/// (`anyOf: [{type: object}, {type: string}]`, the envelope's `result`) yields to the other,
/// which narrows it, as `allOf` means; two that both say more keep Cloudflare's `allOf`.
fn merge_all_of(schema: &mut Map<String, Value>, components: &Value) {
    let Some(Value::Array(members)) = schema.get("allOf") else {
        return;
    };
    if members.len() < 2 || schema.get("type").is_some_and(|t| t != "object") {
        return;
    }
    let mut fragments = Vec::new();
    for member in members {
        if !object_fragments(member, components, 0, &mut fragments) {
            return;
        }
    }
    let mut properties = match schema.get("properties") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    let mut required: Vec<Value> = match schema.get("required") {
        Some(Value::Array(r)) => r.clone(),
        _ => Vec::new(),
    };
    for fragment in fragments {
        if let Some(Value::Object(p)) = fragment.get("properties") {
            for (name, property) in p {
                match properties.get(name) {
                    Some(existing) if existing == property || says_only_a_type(property) => {}
                    Some(existing) if !says_only_a_type(existing) => return,
                    _ => {
                        properties.insert(name.clone(), property.clone());
                    }
                }
            }
        }
        for name in fragment
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
    }
    schema.remove("allOf");
    schema.insert("type".into(), Value::String("object".into()));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
}

/// How deep `$ref`s and nested `allOf`s are followed for rule 1; deeper is left to typify.
const MERGE_DEPTH: usize = 8;

/// Pushes the object fragments `member` stands for; false when it is not (only) an object.
fn object_fragments<'v>(
    member: &'v Value,
    components: &'v Value,
    depth: usize,
    into: &mut Vec<&'v Map<String, Value>>,
) -> bool {
    if depth > MERGE_DEPTH {
        return false;
    }
    let Some(map) = member.as_object() else {
        return false;
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let target = crate::document::target(components, reference);
        return target.is_some_and(|t| object_fragments(t, components, depth + 1, into));
    }
    let plain = map.iter().all(|(key, value)| match key.as_str() {
        "type" => value == "object",
        "properties" | "required" | "allOf" | "description" | "title" | "example" => true,
        other => other.starts_with("x-"),
    });
    if !plain {
        return false;
    }
    if let Some(inner) = map.get("allOf") {
        let Some(inner) = inner.as_array() else {
            return false;
        };
        if !inner
            .iter()
            .all(|m| object_fragments(m, components, depth + 1, into))
        {
            return false;
        }
    }
    into.push(map);
    true
}

/// A schema that names no component, property or value: only a type, or a choice of types.
fn says_only_a_type(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return matches!(schema, Value::Bool(true));
    };
    map.iter().all(|(key, value)| match key.as_str() {
        "$ref" | "properties" | "enum" | "required" => false,
        "items" | "additionalProperties" => value.is_boolean() || says_only_a_type(value),
        "anyOf" | "oneOf" | "allOf" => value
            .as_array()
            .is_some_and(|members| members.iter().all(says_only_a_type)),
        _ => true,
    })
}

/// Component schemas that are objects (`type: object`, or an `allOf` of objects), by `$ref`.
fn object_components(document: &Value) -> BTreeSet<String> {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return BTreeSet::new();
    };
    schemas
        .iter()
        .filter(|(_, schema)| is_object_schema(schema, &BTreeSet::new()))
        .map(|(name, _)| format!("{SCHEMAS}{}", escape_token(name)))
        .collect()
}

fn is_object_schema(schema: &Value, objects: &BTreeSet<String>) -> bool {
    if schema.get("type").is_some_and(|t| t == "object") {
        return true;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return objects.contains(reference);
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|members| {
            !members.is_empty()
                && members
                    .iter()
                    .all(|m| m.get("type").is_some_and(|t| t == "object"))
        })
}

/// 1b. `type: object` beside a `oneOf` whose members are all objects.
fn drop_redundant_union_type(schema: &mut Map<String, Value>, objects: &BTreeSet<String>) {
    let all_objects = schema
        .get("oneOf")
        .and_then(Value::as_array)
        .is_some_and(|members| {
            !members.is_empty() && members.iter().all(|m| is_object_schema(m, objects))
        });
    if all_objects && schema.get("type").is_some_and(|t| t == "object") {
        schema.remove("type");
    }
}

/// Component schemas that are a bare primitive: no enum, no name of ours.
fn primitive_aliases(document: &Value) -> BTreeMap<String, Map<String, Value>> {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return BTreeMap::new();
    };
    schemas
        .iter()
        .filter_map(|(name, schema)| {
            let map = schema.as_object()?;
            let primitive = map
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| matches!(t, "string" | "integer" | "number" | "boolean"));
            let plain = !map.contains_key("enum") && !map.contains_key("x-cni-name");
            (primitive && plain).then(|| (format!("{SCHEMAS}{}", escape_token(name)), map.clone()))
        })
        .collect()
}

/// 2. `{$ref: alias, ...}` → the alias's schema, with the siblings on top.
fn inline_alias(schema: &mut Map<String, Value>, aliases: &BTreeMap<String, Map<String, Value>>) {
    let Some(alias) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| aliases.get(r))
    else {
        return;
    };
    let mut inlined = alias.clone();
    schema.remove("$ref");
    for (key, value) in std::mem::take(schema) {
        inlined.insert(key, value);
    }
    *schema = inlined;
}

/// 3. `{$ref, description}` → `{description, allOf: [{$ref}]}`.
fn wrap_ref_siblings(schema: &mut Map<String, Value>) {
    if schema.len() < 2 {
        return;
    }
    if let Some(reference) = schema.remove("$ref") {
        let mut target = Map::new();
        target.insert("$ref".into(), reference);
        schema.insert("allOf".into(), Value::Array(vec![Value::Object(target)]));
    }
}

/// 4. Names. Returns the renames, sorted.
fn rename(
    document: &mut Value,
    strip_prefix: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, String)>, Problems> {
    let mut problems = Vec::new();
    // Inline schemas the overlay named are hoisted first, so that every named schema is a
    // component.
    let mut hoisted: Vec<(String, Value)> = Vec::new();
    visit_schemas(document, &mut |schema| {
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = schema.get_mut(key) {
                for member in members.iter_mut() {
                    hoist(member, &mut hoisted);
                }
            }
        }
        if let Some(Value::Object(props)) = schema.get_mut("properties") {
            props.values_mut().for_each(|p| hoist(p, &mut hoisted));
        }
        if let Some(items) = schema.get_mut("items") {
            hoist(items, &mut hoisted);
        }
    });
    let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
        return Ok(Vec::new());
    };
    for (name, schema) in hoisted {
        if schemas.contains_key(&name) {
            problems.push((
                format!("/components/schemas/{}", escape_token(&name)),
                format!(
                    "`x-cni-name: {name}` on an inline schema collides with an existing schema"
                ),
            ));
        }
        schemas.insert(name, schema);
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    // The names the overlay made (`x-cni-name`, or its strip prefix): never renumbered; one
    // meeting another is refused, for the overlay to name.
    let mut chosen_names: BTreeSet<String> = BTreeSet::new();
    for (name, schema) in schemas.iter_mut() {
        let chosen = match schema.as_object_mut().and_then(|s| s.remove("x-cni-name")) {
            Some(Value::String(chosen)) => {
                chosen_names.insert(chosen.clone());
                chosen
            }
            Some(other) => {
                problems.push((
                    format!("/components/schemas/{}", escape_token(name)),
                    format!("`x-cni-name` must be a string, not {other}"),
                ));
                continue;
            }
            None => match name.strip_prefix(strip_prefix) {
                Some(stripped) if !strip_prefix.is_empty() && !stripped.is_empty() => {
                    let named = crate::naming::type_name(stripped);
                    chosen_names.insert(named.clone());
                    named
                }
                _ => crate::naming::type_name(name),
            },
        };
        if &chosen != name {
            renames.insert(name.clone(), chosen);
        }
    }
    // Two names the rule makes one (`stream_live_input`, `stream_liveInput`): the first in
    // the order of the document's names keeps it, each later one gets the lowest free number
    // after it, the same every time.
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        let new = renames.get(name).unwrap_or(name).clone();
        let Some(other) = taken.get(&new).cloned() else {
            taken.insert(new, name.clone());
            continue;
        };
        if chosen_names.contains(&new) || !renames.contains_key(name) {
            problems.push((
                format!("/components/schemas/{}", escape_token(name)),
                format!("`{name}` and `{other}` would both be called `{new}`: name one with `x-cni-name`"),
            ));
            continue;
        }
        let numbered = (2..)
            .map(|n| format!("{new}{n}"))
            .find(|candidate| !taken.contains_key(candidate) && !schemas.contains_key(candidate))
            .unwrap_or_default();
        warnings.push(format!(
            "/components/schemas/{}: `{name}` would be called `{new}` like `{other}`: called \
             `{numbered}` (rule `names`)",
            escape_token(name)
        ));
        renames.insert(name.clone(), numbered.clone());
        taken.insert(numbered, name.clone());
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let old = std::mem::take(schemas);
    for (name, schema) in old {
        let new = renames.get(&name).cloned().unwrap_or(name);
        schemas.insert(new, schema);
    }
    let by_ref: BTreeMap<String, String> = renames
        .iter()
        .map(|(from, to)| {
            (
                format!("{SCHEMAS}{}", escape_token(from)),
                format!("{SCHEMAS}{}", escape_token(to)),
            )
        })
        .collect();
    rewrite_refs(document, &by_ref, &renames);
    Ok(renames.into_iter().collect())
}

fn hoist(member: &mut Value, hoisted: &mut Vec<(String, Value)>) {
    let Some(map) = member.as_object_mut() else {
        return;
    };
    let Some(Value::String(name)) = map.remove("x-cni-name") else {
        return;
    };
    let schema = std::mem::replace(member, Value::Null);
    let mut reference = Map::new();
    reference.insert(
        "$ref".into(),
        Value::String(format!("{SCHEMAS}{}", escape_token(&name))),
    );
    *member = Value::Object(reference);
    hoisted.push((name, schema));
}

/// Rewrites `$ref`s (and discriminator mappings, which hold refs or bare names).
fn rewrite_refs(
    value: &mut Value,
    by_ref: &BTreeMap<String, String>,
    by_name: &BTreeMap<String, String>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => {
                        *reference = renamed_ref(reference, by_ref)
                    }
                    ("mapping", Value::Object(mapping)) => {
                        for target in mapping.values_mut() {
                            if let Value::String(t) = target {
                                *t = match by_name.get(t.as_str()) {
                                    Some(new) => new.clone(),
                                    None => renamed_ref(t, by_ref),
                                };
                            }
                        }
                    }
                    (_, child) => rewrite_refs(child, by_ref, by_name),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| rewrite_refs(v, by_ref, by_name)),
        _ => {}
    }
}

fn renamed_ref(reference: &str, by_ref: &BTreeMap<String, String>) -> String {
    for (from, to) in by_ref {
        if reference == from {
            return to.clone();
        }
        if let Some(rest) = reference.strip_prefix(from.as_str()) {
            if rest.starts_with('/') {
                return format!("{to}{rest}");
            }
        }
    }
    reference.to_string()
}

/// Whether a JSON body's schema is hoisted: every inline body but a string (text or bytes):
/// objects, compositions, arrays and `{}` (any JSON) are named types.
fn is_hoisted(schema: &Value) -> bool {
    schema.get("$ref").is_none() && schema.get("type").and_then(Value::as_str) != Some("string")
}

/// Step 6: inline JSON bodies of operations, hoisted; and those of the shared request bodies
/// and responses operations `$ref` (Cloudflare's rulesets: `components/requestBodies/
/// rulesets_CreateRuleset`), named after the component (`RulesetsCreateRulesetRequest`).
fn hoist_bodies(document: &mut Value, repairs: &mut Vec<String>) {
    let mut hoisted: Vec<(String, String, Value)> = Vec::new();
    for (section, suffix) in [("requestBodies", "Request"), ("responses", "Response")] {
        let shared = document
            .pointer(&format!("/components/{section}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten();
        for (name, body) in shared {
            if let Some(schema) = body
                .pointer("/content/application~1json/schema")
                .filter(|schema| is_hoisted(schema))
            {
                hoisted.push((
                    format!(
                        "/components/{section}/{}/content/application~1json/schema",
                        escape_token(name)
                    ),
                    format!("{}{suffix}", crate::naming::type_name(name)),
                    schema.clone(),
                ));
            }
        }
    }
    for node in crate::document::operations(document) {
        let id = crate::naming::camel_case(node.id());
        let mut bodies = Vec::new();
        if let Some(schema) = node
            .op
            .pointer("/requestBody/content/application~1json/schema")
        {
            bodies.push((
                format!(
                    "{}/requestBody/content/application~1json/schema",
                    node.pointer()
                ),
                crate::naming::type_name(&format!("{id}Request")),
                schema,
            ));
        }
        for (status, response) in node
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let (true, Some(schema)) = (
                status.starts_with('2'),
                response.pointer("/content/application~1json/schema"),
            ) {
                bodies.push((
                    format!(
                        "{}/responses/{}/content/application~1json/schema",
                        node.pointer(),
                        escape_token(status)
                    ),
                    crate::naming::type_name(&format!("{id}Response")),
                    schema,
                ));
            }
        }
        for (at, name, schema) in bodies {
            if is_hoisted(schema) {
                hoisted.push((at, name, schema.clone()));
            }
        }
    }
    for (at, name, schema) in hoisted {
        // A document whose operations reference no component has no `components` to hoist
        // into yet.
        let Some(Value::Object(schemas)) = components_schemas(document) else {
            break;
        };
        // A name that exists (a schema Cloudflare called `vectorize_index-info-response`
        // beside the operation `vectorize-index-info`; a second success of one operation)
        // gets the first free number, in document order, the same every time.
        let mut unique = name.clone();
        let mut n = 2;
        while schemas.contains_key(&unique) {
            unique = format!("{name}{n}");
            n += 1;
        }
        if unique != name {
            repairs.push(format!(
                "{at}: an inline body would be hoisted as `{name}`, which exists: called `{unique}` (rule `names`)"
            ));
        }
        schemas.insert(unique.clone(), schema);
        if let Some(slot) = document.pointer_mut(&at) {
            *slot = serde_json::json!({ "$ref": format!("{SCHEMAS}{}", escape_token(&unique)) });
        }
    }
}

/// `components/schemas`, made when the document has none.
fn components_schemas(document: &mut Value) -> Option<&mut Value> {
    let root = document.as_object_mut()?;
    let components = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()?;
    Some(
        components
            .entry("schemas")
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// Step 5: every tagged union's members known by tag, named, hoisted and mapped.
fn complete_unions(document: &mut Value) -> Result<(), Problems> {
    let mut problems = Vec::new();
    let names: Vec<String> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    for name in names {
        let at = format!("/components/schemas/{}", escape_token(&name));
        let is_union = document.pointer(&at).is_some_and(|s| {
            s.get("oneOf").is_some() && s.pointer("/discriminator/propertyName").is_some()
        });
        if is_union {
            if let Err(problem) = complete_union(document, &name, &at) {
                problems.push(problem);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// One union's members (see step 5). A member whose tag cannot be told is a problem naming it.
fn complete_union(document: &mut Value, union: &str, at: &str) -> Result<(), (String, String)> {
    let schema = document.pointer(at).cloned().unwrap_or_default();
    let property = schema
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let members = schema
        .get("oneOf")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut completed = Vec::new();
    let mut hoisted = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let tag = member_tag(document, &schema, member, &property).ok_or_else(|| {
            (
                format!("{at}/oneOf/{i}"),
                format!(
                    "cannot tell the tag of this member of `{union}`: name it in \
                     `discriminator.mapping`, or give its `{property}` a one-value `enum`"
                ),
            )
        })?;
        let reference = match member.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference.to_string(),
            None => {
                let variant = schema
                    .pointer(&format!("/x-cni-variant-names/{}", escape_token(&tag)))
                    .and_then(Value::as_str)
                    .map_or_else(|| crate::naming::value_name(&tag), str::to_string);
                let name = crate::naming::member_schema_name(union, &variant);
                hoisted.push((name.clone(), member.clone()));
                format!("{SCHEMAS}{}", escape_token(&name))
            }
        };
        completed.push((reference, tag));
    }
    for (name, member) in hoisted {
        let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
            break;
        };
        if schemas.contains_key(&name) {
            return Err((
                format!("/components/schemas/{}", escape_token(&name)),
                format!("an inline member of `{union}` would be hoisted as `{name}`, which exists"),
            ));
        }
        schemas.insert(name, member);
    }
    tag_every_member(document, &completed, &property);
    if let Some(Value::Object(union_schema)) = document.pointer_mut(at) {
        let members = completed
            .iter()
            .map(|(reference, _)| serde_json::json!({ "$ref": reference }))
            .collect();
        union_schema.insert("oneOf".into(), Value::Array(members));
        if let Some(Value::Object(discriminator)) = union_schema.get_mut("discriminator") {
            let mapping = completed
                .iter()
                .map(|(reference, tag)| (tag.clone(), Value::String(reference.clone())))
                .collect();
            discriminator.insert("mapping".into(), Value::Object(mapping));
        }
    }
    Ok(())
}

/// A member's tag: the mapping's key for it, else its tag property's one-value `enum`.
fn member_tag(document: &Value, union: &Value, member: &Value, property: &str) -> Option<String> {
    let as_ref = |target: &str| match target.starts_with('#') {
        true => target.to_string(),
        false => format!("{SCHEMAS}{}", escape_token(target)),
    };
    let reference = member.get("$ref").and_then(Value::as_str);
    let mapped = reference.and_then(|r| {
        union
            .pointer("/discriminator/mapping")?
            .as_object()?
            .iter()
            .find(|(_, t)| t.as_str().is_some_and(|t| as_ref(t) == r))
            .map(|(tag, _)| tag.clone())
    });
    let resolved = reference
        .and_then(|r| crate::document::target(document, r))
        .unwrap_or(member);
    mapped.or_else(|| one_value(resolved, property))
}

/// Every member's tag property a one-value `enum` of its tag (where it has none).
fn tag_every_member(document: &mut Value, members: &[(String, String)], property: &str) {
    for (reference, tag) in members {
        let tag_property = format!(
            "{}/properties/{}",
            reference.trim_start_matches('#'),
            escape_token(property)
        );
        if let Some(Value::Object(tag_schema)) = document.pointer_mut(&tag_property) {
            tag_schema
                .entry("enum")
                .or_insert_with(|| Value::Array(vec![Value::String(tag.clone())]));
        }
    }
}

/// The single value of `schema`'s property `property`'s `enum`, if it has exactly one.
fn one_value(schema: &Value, property: &str) -> Option<String> {
    let values = schema
        .get("properties")?
        .get(property)?
        .get("enum")?
        .as_array()?;
    match values.as_slice() {
        [Value::String(only)] => Some(only.clone()),
        _ => None,
    }
}

/// Step 5: drops components that nothing reaches from the paths. Security schemes stay: they
/// are named by security requirements, not referenced.
fn prune(document: &mut Value) -> Vec<String> {
    let mut reached: BTreeSet<(String, String)> = BTreeSet::new();
    let mut pending = Vec::new();
    if let Value::Object(root) = &*document {
        for (key, value) in root {
            if key != "components" {
                collect_refs(value, "", &mut pending);
            }
        }
    }
    while let Some((_, reference)) = pending.pop() {
        let Some(target) = reference.strip_prefix("#/components/") else {
            continue;
        };
        let mut tokens = target.splitn(3, '/');
        let (Some(kind), Some(name)) = (tokens.next(), tokens.next()) else {
            continue;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if reached.insert((kind.to_string(), name.clone())) {
            if let Some(found) =
                document.pointer(&format!("/components/{kind}/{}", escape_token(&name)))
            {
                collect_refs(found, "", &mut pending);
            }
        }
    }
    let mut pruned = Vec::new();
    if let Some(Value::Object(components)) = document.get_mut("components") {
        for (kind, entries) in components.iter_mut() {
            if kind == "securitySchemes" {
                continue;
            }
            if let Value::Object(entries) = entries {
                entries.retain(|name, _| {
                    let keep = reached.contains(&(kind.clone(), name.clone()));
                    if !keep {
                        pruned.push(format!("{kind}/{name}"));
                    }
                    keep
                });
            }
        }
        components.retain(|_, entries| entries.as_object().is_none_or(|e| !e.is_empty()));
    }
    pruned
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_of_fragments_merge_into_one_object() {
        let mut doc = json!({"components": {"schemas": {"A": {"type": "object", "title": "A", "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"type": "object", "properties": {"b": {"type": "string"}}, "required": ["b", "a"]}
        ]}}}, "paths": {"/p": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/A"}}}}}}}}});
        normalize(&mut doc, "").unwrap();
        assert_eq!(
            doc["components"]["schemas"]["A"],
            json!({"type": "object", "title": "A", "required": ["a", "b"],
                   "properties": {"a": {"type": "string"}, "b": {"type": "string"}}})
        );
    }

    #[test]
    fn aliases_inline_refs_with_siblings_wrap_and_names_follow() {
        let mut doc = json!({
            "paths": {"/p": {"get": {"parameters": [{"name": "a", "in": "path",
                "schema": {"$ref": "#/components/schemas/nsc_Tag"}}],
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/nsc_Thing"}}}}}}}},
            "components": {"schemas": {
                "nsc_Tag": {"type": "string", "description": "A tag"},
                "nsc_Unused": {"type": "object"},
                "nsc_Status": {"type": "string", "enum": ["up"]},
                "nsc_Thing": {"x-cni-name": "Thing2", "type": "object", "properties": {
                    "tag": {"$ref": "#/components/schemas/nsc_Tag"},
                    "status": {"$ref": "#/components/schemas/nsc_Status", "description": "Now"},
                    "either": {"oneOf": [{"x-cni-name": "Left", "type": "object"}],
                               "discriminator": {"propertyName": "k", "mapping": {"l": "nsc_Status"}}}
                }}
            }}
        });
        let done = normalize(&mut doc, "nsc_").unwrap();
        assert_eq!(
            doc["paths"]["/p"]["get"]["parameters"][0]["schema"],
            json!({"type": "string", "description": "A tag"})
        );
        let thing = &doc["components"]["schemas"]["Thing2"];
        assert_eq!(
            thing["properties"]["tag"],
            json!({"type": "string", "description": "A tag"})
        );
        assert_eq!(
            thing["properties"]["status"],
            json!({"description": "Now", "allOf": [{"$ref": "#/components/schemas/Status"}]})
        );
        assert_eq!(
            thing["properties"]["either"]["oneOf"][0],
            json!({"$ref": "#/components/schemas/Left"})
        );
        assert_eq!(
            thing["properties"]["either"]["discriminator"]["mapping"]["l"],
            "Status"
        );
        let names: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(names, ["Left", "Status", "Thing2"]);
        assert_eq!(done.pruned, ["schemas/Tag", "schemas/Unused"]);
    }

    #[test]
    fn colliding_names_are_refused() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {
            "nsc_A": {"type": "object"}, "A": {"type": "object"}}}});
        let problems = normalize(&mut doc, "nsc_").unwrap_err();
        assert!(
            problems[0].1.contains("would both be called `A`"),
            "{problems:?}"
        );
    }
}
