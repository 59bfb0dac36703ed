//! The spec as a JSON document: its operations and its `$ref`s, walked and followed the same
//! way by every stage (lint, model, diff, the structure check), so they cannot disagree.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostic::pointer;

/// HTTP methods an OpenAPI path item may hold, in the order the spec lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation where the document holds it.
#[derive(Clone, Copy, Debug)]
pub struct OperationNode<'v> {
    pub path: &'v str,
    /// Lower-case, as the document keys it.
    pub method: &'static str,
    /// The path item (its `parameters` apply to the operation too).
    pub item: &'v Value,
    pub op: &'v Value,
}

impl<'v> OperationNode<'v> {
    /// The path item's JSON pointer: `/paths/~1accounts~1{account_id}~1cni~1cnis`.
    pub fn item_pointer(&self) -> String {
        pointer(["paths", self.path])
    }

    /// The operation's JSON pointer.
    pub fn pointer(&self) -> String {
        format!("{}/{}", self.item_pointer(), self.method)
    }

    /// Its `operationId`, or `""`.
    pub fn id(&self) -> &'v str {
        self.op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The path item's parameters, then the operation's.
    pub fn parameters(&self) -> impl Iterator<Item = &'v Value> {
        [self.item, self.op]
            .into_iter()
            .filter_map(|o| o.get("parameters").and_then(Value::as_array))
            .flatten()
    }
}

/// Every operation of the document, by path in document order, then by method.
pub fn operations(root: &Value) -> impl Iterator<Item = OperationNode<'_>> {
    root.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter_map(move |method| {
                item.get(method).map(|op| OperationNode {
                    path,
                    method,
                    item,
                    op,
                })
            })
        })
}

/// The `{name}` parameters of a path template, in order.
pub fn template_params(path: &str) -> Vec<String> {
    let mut params = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        params.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    params
}

/// The component name a `$ref` points at (its last pointer token).
pub fn ref_name(value: &Value) -> Option<String> {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

/// Why a `$ref` chain does not end at a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefError {
    /// A `$ref` that is not a local pointer, or names nothing.
    Dangling(String),
    /// The chain comes back to a reference it already followed: the references, in order.
    Cycle(Vec<String>),
}

/// The node a local reference (`#/components/schemas/Cni`) names, one step, or `None` when it
/// is not local or names nothing.
pub fn target<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    root.pointer(reference.strip_prefix('#')?)
}

/// Follows local `$ref`s from `value` (whose pointer is `at`) to the node they name, with that
/// node's pointer. A chain is followed until it ends or repeats; no depth limit.
pub fn resolve<'v>(
    root: &'v Value,
    mut value: &'v Value,
    mut at: String,
) -> Result<(&'v Value, String), RefError> {
    let mut followed: Vec<String> = Vec::new();
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        if followed.iter().any(|r| r == reference) {
            followed.push(reference.to_string());
            return Err(RefError::Cycle(followed));
        }
        followed.push(reference.to_string());
        value = target(root, reference).ok_or_else(|| RefError::Dangling(reference.to_string()))?;
        at = reference.trim_start_matches('#').to_string();
    }
    Ok((value, at))
}

/// The node `value`'s `$ref`s lead to, or `value` itself when the chain is broken (the linter
/// reports broken chains; later stages run on linted specs).
pub fn deref<'v>(root: &'v Value, value: &'v Value) -> &'v Value {
    resolve(root, value, String::new()).map_or(value, |(node, _)| node)
}

/// Where a component schema is used: in request bodies and parameters, in responses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub request: bool,
    pub response: bool,
}

/// The component schemas `value` reaches through `$ref`s, transitively.
fn schema_refs(root: &Value, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = ref_name(value) {
                if out.insert(name.clone()) {
                    if let Some(target) = root.pointer(&format!("/components/schemas/{name}")) {
                        schema_refs(root, target, out);
                    }
                }
            }
            for (k, v) in map {
                if !k.starts_with("x-") {
                    schema_refs(root, v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(root, v, out)),
        _ => {}
    }
}

/// Which component schemas the operations' requests (bodies and parameters) and responses
/// reach.
pub fn usage(root: &Value) -> BTreeMap<String, Usage> {
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    for node in operations(root) {
        let mut request = BTreeSet::new();
        if let Some(body) = node.op.get("requestBody") {
            schema_refs(root, deref(root, body), &mut request);
        }
        for parameter in node.parameters() {
            schema_refs(root, deref(root, parameter), &mut request);
        }
        let mut response = BTreeSet::new();
        if let Some(responses) = node.op.get("responses") {
            for r in responses.as_object().into_iter().flat_map(|m| m.values()) {
                schema_refs(root, deref(root, r), &mut response);
            }
        }
        for name in request {
            usage.entry(name).or_default().request = true;
        }
        for name in response {
            usage.entry(name).or_default().response = true;
        }
    }
    usage
}

/// The media type of a request body sent as bytes: its one media type, when that is neither
/// JSON nor a form (multipart or URL-encoded), which are not bytes.
/// The media type of a request body sent as a multipart form.
pub const MULTIPART: &str = "multipart/form-data";

/// The schema of a request body sent as a multipart form: `multipart/form-data` is its one
/// media type (the import keeps the form where Cloudflare offers a script's own media type
/// beside it). `Value::Null` when the form declares no schema.
pub fn multipart_schema(content: &serde_json::Map<String, Value>) -> Option<&Value> {
    let media = content.get(MULTIPART).filter(|_| content.len() == 1)?;
    Some(media.get("schema").unwrap_or(&Value::Null))
}

pub fn bytes_media_type(content: &serde_json::Map<String, Value>) -> Option<&str> {
    let mut media_types = content.keys();
    let media_type = media_types.next()?;
    let is_bytes = media_types.next().is_none()
        && media_type != "application/json"
        && !media_type.starts_with("multipart/")
        && media_type != "application/x-www-form-urlencoded";
    is_bytes.then_some(media_type.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_params_in_order() {
        assert_eq!(
            template_params("/accounts/{account_id}/cni/cnis/{cni}"),
            vec!["account_id".to_string(), "cni".to_string()]
        );
        assert!(template_params("/a/b").is_empty());
    }

    #[test]
    fn chains_end_dangle_or_cycle() {
        let root = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "LoopA": {"$ref": "#/components/schemas/LoopB"},
            "LoopB": {"$ref": "#/components/schemas/LoopA"},
            "Self": {"$ref": "#/components/schemas/Self"},
            "Gone": {"$ref": "#/components/schemas/Nothing"},
        }}});
        let schema = |n: &str| &root["components"]["schemas"][n];
        let (node, at) = resolve(&root, schema("A"), "/a".into()).unwrap();
        assert_eq!(
            (node, at.as_str()),
            (&json!({"type": "string"}), "/components/schemas/B")
        );
        assert_eq!(
            resolve(&root, schema("LoopA"), String::new()).unwrap_err(),
            RefError::Cycle(vec![
                "#/components/schemas/LoopB".into(),
                "#/components/schemas/LoopA".into(),
                "#/components/schemas/LoopB".into()
            ])
        );
        assert!(matches!(
            resolve(&root, schema("Self"), String::new()),
            Err(RefError::Cycle(_))
        ));
        assert_eq!(
            resolve(&root, schema("Gone"), String::new()).unwrap_err(),
            RefError::Dangling("#/components/schemas/Nothing".into())
        );
    }

    #[test]
    fn operations_in_document_order() {
        let root = json!({"paths": {
            "/b": {"post": {"operationId": "b_post"}, "get": {"operationId": "b_get"}},
            "/a": {"parameters": [{"name": "p"}], "delete": {"operationId": "a_delete", "parameters": [{"name": "q"}]}},
        }});
        let ops: Vec<(String, &str)> = operations(&root).map(|o| (o.pointer(), o.id())).collect();
        // serde_json keeps keys sorted unless `preserve_order`; either way, methods in METHODS order.
        assert!(ops.contains(&("/paths/~1b/get".to_string(), "b_get")));
        let b: Vec<&str> = ops
            .iter()
            .filter(|(p, _)| p.starts_with("/paths/~1b"))
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(b, ["b_get", "b_post"]);
        let a = operations(&root).find(|o| o.path == "/a").unwrap();
        let names: Vec<&str> = a.parameters().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, ["p", "q"]);
    }
}
