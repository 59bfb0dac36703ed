//! A structural diff of two specs, each change classified by the rule table below, so that a
//! release can compute the next version of the generated crates.
//!
//! | Change | Class |
//! | --- | --- |
//! | operation removed; its path or method changed | breaking |
//! | operation added | additive |
//! | parameter removed; added as required; made required; its type or format changed | breaking |
//! | parameter added as optional; made optional | additive |
//! | request body added, removed or made required, or its schema replaced | breaking |
//! | property removed (from any schema) | breaking |
//! | property added: required in a request schema | breaking |
//! | property added: optional in a request schema, or to a response-only schema | additive |
//! | request property made required, or no longer nullable | breaking |
//! | response property made optional or nullable | breaking |
//! | response property made required, or no longer nullable | breaking (the Rust field type changes from `Option<T>` to `T`) |
//! | request property made optional or nullable | additive |
//! | type, format or `$ref` target changed | breaking |
//! | enum value removed | breaking |
//! | enum value added to a schema any response uses | breaking: the generated enums are exhaustive, so an older client fails to decode the new value and `match`es stop being exhaustive |
//! | enum value added to a request-only schema | additive |
//! | union variant added (response) / removed | breaking; added to a request-only union: additive |
//! | a constraint changed (`minimum`, `maximum`, `pattern`, `x-cni-*`, ...) | breaking |
//! | error status added | additive; removed: documentation |
//! | success response type or media type changed | breaking |
//! | descriptions, summaries, titles, examples, tags' text, `info` | documentation |
//!
//! "Request schema" means reachable from a request body, "response schema" from a response;
//! a schema used by both follows the stricter rule. The table is about the wire and the
//! generated API; building generated structs with their builders keeps additive changes
//! source-compatible (a struct literal must name every field, so it may not).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::pointer;
use crate::document;
use crate::model::{deref, ref_name};

/// How a change affects users of the generated crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Breaking,
    Additive,
    Documentation,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Documentation => "documentation",
        }
    }
}

/// One difference between the specs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    pub class: Class,
    /// Where, as a JSON pointer into the new spec (the old one for removals). Parameters are
    /// named by location and name rather than by index (`…/get/parameters/query:cursor`),
    /// because their index differs between the specs and between path and operation level.
    pub pointer: String,
    pub message: String,
}

/// All changes, sorted by class then pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SpecDiff {
    pub changes: Vec<Change>,
}

impl SpecDiff {
    /// The strongest class present, if any change at all.
    pub fn strongest(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).min()
    }

    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// The human-readable report.
    pub fn render(&self) -> String {
        if self.changes.is_empty() {
            return "no changes\n".to_string();
        }
        let mut out = String::new();
        for class in [Class::Breaking, Class::Additive, Class::Documentation] {
            let changes: Vec<&Change> = self.of(class).collect();
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("{} ({}):\n", class.as_str(), changes.len()));
            for c in changes {
                out.push_str(&format!("  - {}: {}\n", c.pointer, c.message));
            }
        }
        out
    }
}

const DOC_KEYS: [&str; 6] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];
const CONSTRAINT_KEYS: [&str; 12] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "x-cni-format",
    "x-cni-same-prefix-as",
    "multipleOf",
];

#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Usage {
    request: bool,
    response: bool,
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    usage: BTreeMap<String, Usage>,
    changes: BTreeSet<Change>,
}

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

/// Which component schemas each spec's requests and responses reach (the union of both specs).
fn usage(specs: [&Value; 2]) -> BTreeMap<String, Usage> {
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    for root in specs {
        for op in document::operations(root).map(|node| node.op) {
            {
                let mut request = BTreeSet::new();
                if let Some(body) = op.get("requestBody") {
                    schema_refs(root, deref(root, body), &mut request);
                }
                let mut response = BTreeSet::new();
                if let Some(responses) = op.get("responses") {
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
        }
    }
    usage
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn operations(root: &Value) -> BTreeMap<String, (String, String, Value)> {
    document::operations(root)
        .map(|node| {
            // Path-level parameters belong to the operation.
            let mut op = node.op.clone();
            op["parameters"] = Value::Array(node.parameters().cloned().collect());
            (
                node.id().to_string(),
                (node.path.to_string(), node.method.to_string(), op),
            )
        })
        .collect()
}

impl Differ<'_> {
    fn push(&mut self, class: Class, at: impl Into<String>, message: impl Into<String>) {
        self.changes.insert(Change {
            class,
            pointer: at.into(),
            message: message.into(),
        });
    }

    fn docs(&mut self, old: &Value, new: &Value, at: &str) {
        for key in DOC_KEYS {
            if old.get(key) != new.get(key) {
                self.push(
                    Class::Documentation,
                    format!("{at}/{key}"),
                    format!("`{key}` changed"),
                );
            }
        }
    }

    fn operations(&mut self) {
        let (old_ops, new_ops) = (operations(self.old), operations(self.new));
        for (id, (path, method, op)) in &old_ops {
            let at = pointer(["paths", path.as_str(), method.as_str()]);
            match new_ops.get(id) {
                None => self.push(Class::Breaking, at, format!("operation `{id}` removed")),
                Some((new_path, new_method, new_op)) => {
                    let new_at = pointer(["paths", new_path.as_str(), new_method.as_str()]);
                    if (path, method) != (new_path, new_method) {
                        self.push(
                            Class::Breaking,
                            new_at.clone(),
                            format!(
                                "operation `{id}` moved from {} {path} to {} {new_path}",
                                method.to_uppercase(),
                                new_method.to_uppercase()
                            ),
                        );
                    }
                    self.operation(id, op, new_op, &new_at);
                }
            }
        }
        for (id, (path, method, _)) in &new_ops {
            if !old_ops.contains_key(id) {
                self.push(
                    Class::Additive,
                    pointer(["paths", path.as_str(), method.as_str()]),
                    format!("operation `{id}` added"),
                );
            }
        }
    }

    fn operation(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        self.docs(old, new, at);
        self.parameters(id, old, new, at);
        self.request_body(id, old, new, at);
        self.responses(id, old, new, at);
    }

    /// Parameters, matched by location and name.
    fn parameters(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        let params = |root: &Value, op: &Value| -> BTreeMap<(String, String), Value> {
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| deref(root, p).clone())
                .map(|p| ((text(&p["in"]), text(&p["name"])), p))
                .collect()
        };
        let (old_params, new_params) = (params(self.old, old), params(self.new, new));
        for ((location, name), p) in &old_params {
            let here = format!("{at}/parameters/{location}:{name}");
            let required = p.get("required") == Some(&Value::Bool(true));
            match new_params.get(&(location.clone(), name.clone())) {
                None => self.push(
                    Class::Breaking,
                    here,
                    format!("{location} parameter `{name}` of `{id}` removed"),
                ),
                Some(q) => {
                    let now_required = q.get("required") == Some(&Value::Bool(true));
                    if !required && now_required {
                        self.push(
                            Class::Breaking,
                            here.clone(),
                            format!("{location} parameter `{name}` made required"),
                        );
                    } else if required && !now_required {
                        self.push(
                            Class::Additive,
                            here.clone(),
                            format!("{location} parameter `{name}` made optional"),
                        );
                    }
                    self.docs(p, q, &here);
                    let (s, t) = (
                        p.get("schema").cloned().unwrap_or_default(),
                        q.get("schema").cloned().unwrap_or_default(),
                    );
                    self.schema(
                        &s,
                        &t,
                        &format!("{here}/schema"),
                        Usage {
                            request: true,
                            response: false,
                        },
                    );
                }
            }
        }
        for ((location, name), q) in &new_params {
            if !old_params.contains_key(&(location.clone(), name.clone())) {
                let here = format!("{at}/parameters/{location}:{name}");
                if q.get("required") == Some(&Value::Bool(true)) {
                    self.push(
                        Class::Breaking,
                        here,
                        format!("required {location} parameter `{name}` added to `{id}`"),
                    );
                } else {
                    self.push(
                        Class::Additive,
                        here,
                        format!("optional {location} parameter `{name}` added to `{id}`"),
                    );
                }
            }
        }
    }

    /// The JSON request body's schema.
    fn request_body(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        let body_schema = |root: &Value, op: &Value| {
            op.get("requestBody").map(|b| {
                deref(root, b)
                    .pointer("/content/application~1json/schema")
                    .cloned()
                    .unwrap_or_default()
            })
        };
        match (body_schema(self.old, old), body_schema(self.new, new)) {
            (None, None) => {}
            (Some(_), None) => self.push(
                Class::Breaking,
                format!("{at}/requestBody"),
                format!("request body of `{id}` removed"),
            ),
            (None, Some(_)) => self.push(
                Class::Breaking,
                format!("{at}/requestBody"),
                format!("request body added to `{id}`"),
            ),
            (Some(s), Some(t)) => self.schema(
                &s,
                &t,
                &format!("{at}/requestBody"),
                Usage {
                    request: true,
                    response: false,
                },
            ),
        }
    }

    /// Responses, matched by status.
    fn responses(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        let responses = |op: &Value| -> BTreeMap<String, Value> {
            op.get("responses")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let (old_r, new_r) = (responses(old), responses(new));
        for (status, r) in &old_r {
            let here = format!("{at}/responses/{status}");
            match new_r.get(status) {
                None if status.starts_with('2') => self.push(
                    Class::Breaking,
                    here,
                    format!("success response {status} of `{id}` removed"),
                ),
                None => self.push(
                    Class::Documentation,
                    here,
                    format!("error status {status} no longer declared for `{id}`"),
                ),
                Some(q) => {
                    let (r, q) = (deref(self.old, r).clone(), deref(self.new, q).clone());
                    self.docs(&r, &q, &here);
                    let media = |v: &Value| {
                        v.get("content")
                            .and_then(Value::as_object)
                            .map(|c| c.keys().cloned().collect::<Vec<_>>())
                            .unwrap_or_default()
                    };
                    if media(&r) != media(&q) {
                        self.push(
                            Class::Breaking,
                            here.clone(),
                            format!(
                                "media type of response {status} changed from {:?} to {:?}",
                                media(&r),
                                media(&q)
                            ),
                        );
                    }
                    let first = |v: &Value| {
                        v.get("content")
                            .and_then(Value::as_object)
                            .and_then(|c| c.values().next())
                            .and_then(|m| m.get("schema"))
                            .cloned()
                            .unwrap_or_default()
                    };
                    self.schema(
                        &first(&r),
                        &first(&q),
                        &format!("{here}/schema"),
                        Usage {
                            request: false,
                            response: true,
                        },
                    );
                }
            }
        }
        for status in new_r.keys() {
            if !old_r.contains_key(status) {
                let class = if status.starts_with('2') {
                    Class::Breaking
                } else {
                    Class::Additive
                };
                self.push(
                    class,
                    format!("{at}/responses/{status}"),
                    format!("response {status} added to `{id}`"),
                );
            }
        }
    }

    /// Compares two schemas at `at`. `$ref`s are compared by name here and their targets once,
    /// as components.
    fn schema(&mut self, old: &Value, new: &Value, at: &str, usage: Usage) {
        match (ref_name(old), ref_name(new)) {
            (Some(a), Some(b)) if a == b => return,
            (None, None) => {}
            (a, b) => {
                self.push(
                    Class::Breaking,
                    at,
                    format!(
                        "type changed from {} to {}",
                        a.as_deref().unwrap_or("an inline schema"),
                        b.as_deref().unwrap_or("an inline schema")
                    ),
                );
                return;
            }
        }
        self.docs(old, new, at);
        for key in ["type", "format"] {
            if old.get(key) != new.get(key) {
                self.push(
                    Class::Breaking,
                    format!("{at}/{key}"),
                    format!(
                        "`{key}` changed from {} to {}",
                        old.get(key).map(text).unwrap_or("none".into()),
                        new.get(key).map(text).unwrap_or("none".into())
                    ),
                );
            }
        }
        for key in CONSTRAINT_KEYS {
            if old.get(key) != new.get(key) {
                self.push(
                    Class::Breaking,
                    format!("{at}/{key}"),
                    format!(
                        "constraint `{key}` changed from {} to {}",
                        old.get(key).map(text).unwrap_or("none".into()),
                        new.get(key).map(text).unwrap_or("none".into())
                    ),
                );
            }
        }
        let nullable = |v: &Value| v.get("nullable") == Some(&Value::Bool(true));
        match (nullable(old), nullable(new)) {
            (false, true) if usage.response => {
                self.push(Class::Breaking, at, "made nullable in a response")
            }
            (false, true) => self.push(Class::Additive, at, "made nullable in a request"),
            (true, false) => self.push(Class::Breaking, at, "no longer nullable"),
            _ => {}
        }
        self.enums(old, new, at, usage);
        self.properties(old, new, at, usage);
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.schema(a, b, &format!("{at}/items"), usage);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            let variants = |v: &Value| -> Vec<Value> {
                v.get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let (a, b) = (variants(old), variants(new));
            let names =
                |list: &[Value]| -> BTreeSet<String> { list.iter().filter_map(ref_name).collect() };
            for removed in names(&a).difference(&names(&b)) {
                self.push(
                    Class::Breaking,
                    format!("{at}/{key}"),
                    format!("variant {removed} removed"),
                );
            }
            for added in names(&b).difference(&names(&a)) {
                let class = if usage.response {
                    Class::Breaking
                } else {
                    Class::Additive
                };
                self.push(
                    class,
                    format!("{at}/{key}"),
                    format!("variant {added} added"),
                );
            }
            if names(&a).is_empty() && names(&b).is_empty() {
                for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                    self.schema(x, y, &format!("{at}/{key}/{i}"), usage);
                }
                if a.len() != b.len() {
                    self.push(
                        Class::Breaking,
                        format!("{at}/{key}"),
                        format!("{key} went from {} to {} variants", a.len(), b.len()),
                    );
                }
            }
        }
    }

    fn enums(&mut self, old: &Value, new: &Value, at: &str, usage: Usage) {
        let values = |v: &Value| -> BTreeSet<String> {
            v.get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(text)
                .collect()
        };
        let (a, b) = (values(old), values(new));
        for removed in a.difference(&b) {
            self.push(
                Class::Breaking,
                format!("{at}/enum"),
                format!("enum value {removed:?} removed"),
            );
        }
        for added in b.difference(&a) {
            if usage.response {
                self.push(Class::Breaking, format!("{at}/enum"), format!("enum value {added:?} added to a schema responses use (generated enums are exhaustive)"));
            } else {
                self.push(
                    Class::Additive,
                    format!("{at}/enum"),
                    format!("enum value {added:?} added to a request-only schema"),
                );
            }
        }
    }

    fn properties(&mut self, old: &Value, new: &Value, at: &str, usage: Usage) {
        let props = |v: &Value| {
            v.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let required = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(text)
                .collect()
        };
        let (a, b) = (props(old), props(new));
        let (ra, rb) = (required(old), required(new));
        for (name, schema) in &a {
            let here = format!("{at}/properties/{}", crate::diagnostic::escape_token(name));
            match b.get(name) {
                None => self.push(Class::Breaking, here, format!("property `{name}` removed")),
                Some(next) => {
                    match (ra.contains(name), rb.contains(name)) {
                        (false, true) if usage.request => self.push(Class::Breaking, here.clone(), format!("request property `{name}` made required")),
                        (false, true) => self.push(Class::Breaking, here.clone(), format!("response property `{name}` made required (its Rust type changes from Option<T> to T)")),
                        (true, false) if usage.response => self.push(Class::Breaking, here.clone(), format!("response property `{name}` made optional")),
                        (true, false) => self.push(Class::Additive, here.clone(), format!("request property `{name}` made optional")),
                        _ => {}
                    }
                    self.schema(schema, next, &here, usage);
                }
            }
        }
        for name in b.keys() {
            if !a.contains_key(name) {
                let here = format!("{at}/properties/{}", crate::diagnostic::escape_token(name));
                if usage.request && rb.contains(name) {
                    self.push(
                        Class::Breaking,
                        here,
                        format!("required property `{name}` added to a request schema"),
                    );
                } else {
                    self.push(Class::Additive, here, format!("property `{name}` added"));
                }
            }
        }
    }

    fn components(&mut self) {
        let schemas = |root: &Value| {
            root.pointer("/components/schemas")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (a, b) = (schemas(self.old), schemas(self.new));
        for (name, schema) in &a {
            let at = pointer(["components", "schemas", name.as_str()]);
            let usage = self.usage.get(name).copied().unwrap_or_default();
            match b.get(name) {
                // A removal that broke an operation is reported there; an unused schema's
                // removal changes the generated types crate, which is breaking too.
                None => self.push(Class::Breaking, at, format!("schema `{name}` removed")),
                Some(next) => self.schema(schema, next, &at, usage),
            }
        }
        for name in b.keys() {
            if !a.contains_key(name) {
                self.push(
                    Class::Additive,
                    pointer(["components", "schemas", name.as_str()]),
                    format!("schema `{name}` added"),
                );
            }
        }
    }
}

/// Diffs two parsed specs (their JSON values).
pub fn diff(old: &Value, new: &Value) -> SpecDiff {
    let mut differ = Differ {
        old,
        new,
        usage: usage([old, new]),
        changes: BTreeSet::new(),
    };
    if old.get("info") != new.get("info") {
        differ.push(Class::Documentation, "/info", "`info` changed");
    }
    differ.operations();
    differ.components();
    let mut changes: Vec<Change> = differ.changes.into_iter().collect();
    changes.sort();
    SpecDiff { changes }
}
