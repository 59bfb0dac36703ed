//! Loading a spec: parse, lint, and check its structure against `openapiv3`, reporting every
//! problem at once, each at the innermost node that fails.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::diagnostic::{self, Diagnostic, Diagnostics};
use crate::source::SpecSource;
use crate::{document, lint, model, source};

/// A spec that parsed and linted clean.
#[derive(Clone, Debug)]
pub struct LoadedSpec {
    pub display_path: String,
    /// Hex SHA-256 of the spec's bytes, stamped into every generated file's header.
    pub sha256: String,
    pub model: model::ApiModel,
    /// The document as JSON, with each node's line and column.
    source: source::ParsedSource,
}

impl LoadedSpec {
    /// The document as JSON.
    pub fn value(&self) -> &Value {
        &self.source.value
    }

    /// The pointer of the operation with this id, for locating generator failures.
    pub(crate) fn operation_pointer(&self, id: &str) -> String {
        self.model
            .operations
            .iter()
            .find(|o| o.id == id)
            .map(|o| {
                diagnostic::pointer(["paths", o.path.as_str(), &o.method.to_ascii_lowercase()])
            })
            .unwrap_or_else(|| "/paths".to_string())
    }

    /// A diagnostic about the node at `pointer` of this spec.
    pub(crate) fn diagnostic(&self, pointer: String, message: String) -> Diagnostic {
        self.source.diagnostic(pointer, message)
    }
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let tokens: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect();
    diagnostic::pointer(tokens)
}

/// Parses and lints a spec. Every problem is reported, each with file, line and pointer.
pub fn load(source: &SpecSource) -> Result<LoadedSpec, Diagnostics> {
    let parsed = source::parse(source)?;
    if let Some(problem) = lint::check_version(&parsed) {
        return Err(Diagnostics(vec![problem]));
    }
    let mut problems = lint::lint(&parsed);
    // The structure is checked here, once; progenitor gets its own copy of the document
    // (with the patterns validation covers stripped) when it generates.
    let structure_ok =
        match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&parsed.value) {
            Ok(_) => true,
            Err(e) => {
                let (at, message) = structure_error(&parsed.value)
                    .unwrap_or_else(|| (pointer_of(e.path()), e.inner().to_string()));
                problems.push(parsed.diagnostic(
                    at,
                    format!("not a valid OpenAPI 3.0 document here: {message}"),
                ));
                false
            }
        };
    if structure_ok && problems.is_empty() {
        Ok(LoadedSpec {
            display_path: source.display_path.clone(),
            sha256: format!("{:x}", Sha256::digest(source.text.as_bytes())),
            model: model::lower(&parsed.value),
            source: parsed,
        })
    } else {
        problems.sort();
        problems.dedup();
        Err(Diagnostics(problems))
    }
}

/// Deserializes `value` as `T`; on failure, the pointer (below `at`) and message of the error.
fn typed_error<T: serde::de::DeserializeOwned>(
    value: &Value,
    at: &str,
) -> Option<(String, String)> {
    // A `$ref` is checked by the linter; its target is checked where it is defined.
    if value.get("$ref").is_some() {
        return None;
    }
    serde_path_to_error::deserialize::<_, T>(value.clone())
        .err()
        .map(|e| {
            (
                format!("{at}{}", pointer_of(e.path())),
                e.inner().to_string(),
            )
        })
}

/// Finds the innermost object that fails to deserialize. openapiv3 deserializes many nodes
/// through untagged enums, which lose the error's path, so the whole-document error often
/// points only at `/paths`; trying the nested objects one by one recovers the precise place.
fn structure_error(root: &Value) -> Option<(String, String)> {
    use openapiv3::{
        Operation, Parameter, PathItem, RequestBody, Response, Schema, SecurityScheme,
    };
    let entries = |value: &Value, at: &str| -> Vec<(String, Value)> {
        value
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (format!("{at}{}", diagnostic::pointer([k])), v.clone()))
            .collect()
    };
    let items = |value: Option<&Value>, at: &str| -> Vec<(String, Value)> {
        value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, v)| (format!("{at}/{i}"), v.clone()))
            .collect()
    };
    for node in document::operations(root) {
        let (op, op_at) = (node.op, node.pointer());
        let found = items(op.get("parameters"), &format!("{op_at}/parameters"))
            .iter()
            .find_map(|(at, v)| typed_error::<Parameter>(v, at))
            .or_else(|| {
                op.get("requestBody")
                    .and_then(|b| typed_error::<RequestBody>(b, &format!("{op_at}/requestBody")))
            })
            .or_else(|| {
                let responses = op.get("responses").unwrap_or(&Value::Null);
                entries(responses, &format!("{op_at}/responses"))
                    .iter()
                    .find_map(|(at, v)| typed_error::<Response>(v, at))
            })
            .or_else(|| typed_error::<Operation>(op, &op_at));
        if found.is_some() {
            return found;
        }
    }
    for (item_at, item) in entries(root.get("paths").unwrap_or(&Value::Null), "/paths") {
        let found = items(item.get("parameters"), &format!("{item_at}/parameters"))
            .iter()
            .find_map(|(at, v)| typed_error::<Parameter>(v, at))
            .or_else(|| typed_error::<PathItem>(&item, &item_at));
        if found.is_some() {
            return found;
        }
    }
    let components = root.get("components").unwrap_or(&Value::Null);
    let section = |name: &str| {
        entries(
            components.get(name).unwrap_or(&Value::Null),
            &format!("/components/{name}"),
        )
    };
    section("schemas")
        .iter()
        .find_map(|(at, v)| typed_error::<Schema>(v, at))
        .or_else(|| {
            section("parameters")
                .iter()
                .find_map(|(at, v)| typed_error::<Parameter>(v, at))
        })
        .or_else(|| {
            section("responses")
                .iter()
                .find_map(|(at, v)| typed_error::<Response>(v, at))
        })
        .or_else(|| {
            section("requestBodies")
                .iter()
                .find_map(|(at, v)| typed_error::<RequestBody>(v, at))
        })
        .or_else(|| {
            section("securitySchemes")
                .iter()
                .find_map(|(at, v)| typed_error::<SecurityScheme>(v, at))
        })
}
