//! Selects the CNI part of Cloudflare's document: the paths under one prefix and, transitively,
//! every component they reference (schemas, parameters, responses, request bodies, headers,
//! examples) plus the security schemes their requirements name. Nothing is changed: values are
//! copied as Cloudflare wrote them, so the selection of an extract and of the whole document
//! are the same document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::diagnostic::{escape_token, pointer};

#[derive(Debug)]
pub struct Selection {
    pub document: Value,
    pub operations: Vec<String>,
    pub components: Vec<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The top-level members kept besides `paths` and `components`, in the order written.
const KEPT_ROOT: [&str; 5] = ["openapi", "info", "servers", "security", "externalDocs"];

/// Problems are `(pointer, message)` pairs in the upstream document.
pub fn select(document: &Value, prefix: &str) -> Result<Selection, Vec<(String, String)>> {
    let Some(root) = document.as_object() else {
        return Err(vec![(
            String::new(),
            "the document is not a mapping".into(),
        )]);
    };
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return Err(vec![(
            "/paths".into(),
            "the document has no `paths` mapping".into(),
        )]);
    };
    let kept_paths: Map<String, Value> = paths
        .iter()
        .filter(|(path, _)| path.starts_with(prefix))
        .map(|(path, item)| (path.clone(), item.clone()))
        .collect();
    if kept_paths.is_empty() {
        return Err(vec![(
            "/paths".into(),
            format!("no path starts with `{prefix}`: is this Cloudflare's API document?"),
        )]);
    }
    let named = Named::of(root, &kept_paths);
    let reached = reach(root, &kept_paths, &named.schemes)?;
    Ok(assemble(root, kept_paths, &named, reached))
}

/// The operations `keep` accepts (by path and lower-case method) and every component they
/// reach, as [`select`] does for a prefix: the whole-document gate selects one operation at a
/// time this way, without copying the document.
pub fn select_operations(
    document: &Value,
    keep: impl Fn(&str, &str) -> bool,
) -> Result<Selection, Vec<(String, String)>> {
    let Some(root) = document.as_object() else {
        return Err(vec![(
            String::new(),
            "the document is not a mapping".into(),
        )]);
    };
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return Err(vec![(
            "/paths".into(),
            "the document has no `paths` mapping".into(),
        )]);
    };
    let mut kept_paths = Map::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let kept: Map<String, Value> = item
            .iter()
            .filter(|(key, _)| !METHODS.contains(&key.as_str()) || keep(path, key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if kept.keys().any(|key| METHODS.contains(&key.as_str())) {
            kept_paths.insert(path.clone(), Value::Object(kept));
        }
    }
    if kept_paths.is_empty() {
        return Err(vec![("/paths".into(), "no operation is selected".into())]);
    }
    let named = Named::of(root, &kept_paths);
    let reached = reach(root, &kept_paths, &named.schemes)?;
    Ok(assemble(root, kept_paths, &named, reached))
}

/// Each operation of a (selected) document, `METHOD path`, with its group: its first tag, or
/// `(untagged)`.
pub fn operation_groups(document: &Value) -> BTreeMap<String, String> {
    let mut groups = BTreeMap::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return groups;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let group = operation
                .get("tags")
                .and_then(Value::as_array)
                .and_then(|tags| tags.first())
                .and_then(Value::as_str)
                .unwrap_or("(untagged)");
            groups.insert(
                format!("{} {path}", method.to_ascii_uppercase()),
                group.to_string(),
            );
        }
    }
    groups
}

/// What the kept operations name: themselves, the security schemes and the tags.
struct Named {
    operations: Vec<String>,
    schemes: BTreeSet<String>,
    tags: BTreeSet<String>,
}

impl Named {
    fn of(root: &Map<String, Value>, kept_paths: &Map<String, Value>) -> Named {
        let mut named = Named {
            operations: Vec::new(),
            schemes: BTreeSet::new(),
            tags: BTreeSet::new(),
        };
        let list = |v: Option<&Value>| -> Vec<Value> {
            v.and_then(Value::as_array).cloned().unwrap_or_default()
        };
        let scheme_names = |requirement: &Value| -> Vec<String> {
            requirement
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        for (path, item) in kept_paths {
            for (method, operation) in METHODS.iter().filter_map(|m| Some((*m, item.get(m)?))) {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                named
                    .operations
                    .push(format!("{} {path} ({id})", method.to_ascii_uppercase()));
                for requirement in list(operation.get("security")) {
                    named.schemes.extend(scheme_names(&requirement));
                }
                for tag in list(operation.get("tags")) {
                    named.tags.extend(tag.as_str().map(str::to_string));
                }
            }
        }
        for requirement in list(root.get("security")) {
            named.schemes.extend(scheme_names(&requirement));
        }
        named
    }
}

/// Components by `(kind, name)`.
type Reached = BTreeMap<(String, String), Value>;

/// Every component the kept paths reach through `#/components/<kind>/<name>` references,
/// breadth first, and the security schemes they name.
fn reach(
    root: &Map<String, Value>,
    kept_paths: &Map<String, Value>,
    schemes: &BTreeSet<String>,
) -> Result<Reached, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let components = root.get("components").and_then(Value::as_object);
    let mut reached: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut pending: Vec<(String, Value)> = kept_paths
        .iter()
        .map(|(path, item)| (pointer(["paths", path.as_str()]), item.clone()))
        .collect();
    for scheme in schemes {
        match components
            .and_then(|c| c.get("securitySchemes"))
            .and_then(|s| s.get(scheme))
        {
            Some(value) => {
                reached.insert(("securitySchemes".into(), scheme.clone()), value.clone());
            }
            None => problems.push((
                "/components/securitySchemes".into(),
                format!("the security scheme `{scheme}` that an operation names is not defined"),
            )),
        }
    }
    while let Some((at, value)) = pending.pop() {
        let mut refs = Vec::new();
        collect_refs(&value, &at, &mut refs);
        for (ref_at, reference) in refs {
            let Some(target) = reference.strip_prefix("#/components/") else {
                problems.push((
                    ref_at,
                    format!(
                        "`$ref: {reference}` is not a reference into this document's components"
                    ),
                ));
                continue;
            };
            let mut tokens = target.splitn(3, '/');
            let (Some(kind), Some(name)) = (tokens.next(), tokens.next()) else {
                problems.push((ref_at, format!("`$ref: {reference}` names no component")));
                continue;
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            let key = (kind.to_string(), name.clone());
            if reached.contains_key(&key) {
                continue;
            }
            match components
                .and_then(|c| c.get(kind))
                .and_then(|k| k.get(&name))
            {
                Some(found) => {
                    reached.insert(key, found.clone());
                    pending.push((pointer(["components", kind, &name]), found.clone()));
                }
                None => problems.push((ref_at, format!("`$ref: {reference}` points at nothing"))),
            }
        }
    }
    if problems.is_empty() {
        Ok(reached)
    } else {
        problems.sort();
        problems.dedup();
        Err(problems)
    }
}

/// The selected document: the root's kept keys, the tags in use, the kept paths and the
/// reached components.
fn assemble(
    root: &Map<String, Value>,
    kept_paths: Map<String, Value>,
    named: &Named,
    reached: Reached,
) -> Selection {
    let mut out = Map::new();
    for key in KEPT_ROOT {
        if let Some(value) = root.get(key) {
            out.insert(key.to_string(), value.clone());
        }
    }
    if let Some(all_tags) = root.get("tags").and_then(Value::as_array) {
        let used: Vec<Value> = all_tags
            .iter()
            .filter(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| named.tags.contains(n))
            })
            .cloned()
            .collect();
        if !used.is_empty() {
            out.insert("tags".into(), Value::Array(used));
        }
    }
    out.insert("paths".into(), Value::Object(kept_paths));
    let mut kept_components = Map::new();
    let mut listed = Vec::new();
    for ((kind, name), value) in reached {
        listed.push(format!("{kind}/{name}"));
        kept_components
            .entry(kind)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .map(|m| m.insert(name, value));
    }
    if !kept_components.is_empty() {
        out.insert("components".into(), Value::Object(kept_components));
    }
    Selection {
        document: Value::Object(out),
        operations: named.operations.clone(),
        components: listed,
    }
}

/// Every `$ref` string below `value` (at pointer `at`), with its pointer.
pub fn collect_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_at = format!("{at}/{}", escape_token(key));
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => out.push((child_at, reference.clone())),
                    _ => collect_refs(child, &child_at, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_prefixed_paths_and_what_they_reach_only() {
        let doc = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/accounts/{account_id}/cni/a": {"get": {
                    "operationId": "a", "tags": ["A"], "security": [{"tok": []}],
                    "responses": {"200": {"description": "ok", "content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
                "/zones/{zone}": {"get": {"operationId": "z", "tags": ["Z"], "responses": {}}}
            },
            "tags": [{"name": "A"}, {"name": "Z"}],
            "components": {
                "schemas": {
                    "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
                    "B": {"type": "string"},
                    "Unrelated": {"type": "string"}
                },
                "securitySchemes": {"tok": {"type": "http", "scheme": "bearer"}, "other": {}}
            }
        });
        let s = select(&doc, "/accounts/{account_id}/cni/").unwrap();
        assert_eq!(s.operations, ["GET /accounts/{account_id}/cni/a (a)"]);
        assert_eq!(
            s.components,
            ["schemas/A", "schemas/B", "securitySchemes/tok"]
        );
        assert_eq!(s.document["tags"], json!([{"name": "A"}]));
        assert!(s.document["paths"].get("/zones/{zone}").is_none());
    }

    #[test]
    fn a_dangling_reference_is_located() {
        let doc = json!({"paths": {"/accounts/{account_id}/cni/a": {"get": {
            "responses": {"200": {"$ref": "#/components/responses/Gone"}}}}}});
        let problems = select(&doc, "/accounts/{account_id}/cni/").unwrap_err();
        assert_eq!(
            problems,
            [(
                "/paths/~1accounts~1{account_id}~1cni~1a/get/responses/200/$ref".to_string(),
                "`$ref: #/components/responses/Gone` points at nothing".to_string()
            )]
        );
    }

    #[test]
    fn a_document_without_the_paths_says_so() {
        let doc = json!({"paths": {"/zones": {}}});
        let problems = select(&doc, "/accounts/{account_id}/cni/").unwrap_err();
        assert!(
            problems[0].1.contains("no path starts with"),
            "{problems:?}"
        );
    }
}
