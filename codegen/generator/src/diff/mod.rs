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

mod operations;
mod schemas;

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

use crate::document::Usage;

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    usage: BTreeMap<String, Usage>,
    changes: BTreeSet<Change>,
}

/// Which component schemas each spec's requests and responses reach (the union of both specs).
fn usage(specs: [&Value; 2]) -> BTreeMap<String, Usage> {
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    for root in specs {
        for (name, used) in document::usage(root) {
            let entry = usage.entry(name).or_default();
            entry.request |= used.request;
            entry.response |= used.response;
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
