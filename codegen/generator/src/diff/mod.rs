//! A structural diff of two specs. Each change gets two answers from the rule table below:
//! its **class** on the wire (does it break clients and servers already deployed?) and its
//! **impact** on each generated crate's Rust API (the SemVer bump it needs, as Cargo's SemVer
//! reference and cargo-semver-checks count it). A release bumps each crate by the strongest
//! impact on it; the client and server crates re-export the types crate, so they move at least
//! as far as it.
//!
//! The generated types are built for growth: structs and enums are `#[non_exhaustive]`
//! (built with builders), enums and unions keep values they do not know, response objects
//! keep fields they do not know, and the server trait's methods have defaults. So most
//! additions are minor.
//!
//! | Change | Class | types | client | server |
//! | --- | --- | --- | --- | --- |
//! | operation added | additive | | minor | minor (a default method) |
//! | operation removed | breaking | | major | major |
//! | operation's path or method changed | breaking | | patch | patch |
//! | parameter removed | breaking | | major | major |
//! | optional parameter added | additive | | minor | minor (a field of the operation's query struct, which every operation has, even empty) |
//! | required query parameter added | breaking | | minor | minor |
//! | required path parameter added | breaking | | minor | major (a new argument) |
//! | parameter made required / optional | breaking / additive | | patch | major (`T` ↔ `Option<T>`) |
//! | request body added / removed | breaking | | minor / major | major |
//! | success response removed or added, or its media type changed | breaking | | major | major |
//! | error status added / no longer declared | additive / documentation | | | |
//! | schema added / removed | additive / breaking | minor / major | | |
//! | property added (a new field of a `#[non_exhaustive]` struct) | additive; required in a request: breaking | minor | | |
//! | property removed | breaking | major | | |
//! | request property made required / optional | breaking / additive | major | | |
//! | response property made required / optional | additive / breaking | major | | |
//! | made nullable / no longer nullable | additive in a request, else breaking | major | | |
//! | enum value added (kept as `Unknown` by older versions) | additive | minor | | |
//! | enum value removed | breaking | major | | |
//! | union member added (kept as `Unknown` by older versions) | additive | minor | | |
//! | union member removed | breaking | major | | |
//! | type, format or `$ref` target changed | breaking | major | | |
//! | a constraint changed (`minimum`, `pattern`, `x-cni-*`, ...) | breaking | | | |
//! | descriptions, summaries, titles, examples, `info` | documentation | | | |
//!
//! An empty cell is a patch. A schema change inside an operation (a parameter's type, an inline
//! body) lands on the client and server instead of the types crate. "Request schema" means
//! reachable from a request, "response schema" from a response; a schema used by both follows
//! the stricter rule.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

mod operations;
mod schemas;

use crate::diagnostic::pointer;
use crate::document;
use crate::document::{deref, ref_name};

/// How a change affects users of the generated crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Breaking,
    Additive,
    /// Something marked `deprecated: true` (or no longer), or renamed in Rust with its former
    /// name kept: nothing changes on the wire, and the old name stays usable, with a warning
    /// (a renamed enum variant apart, whose `match` arms must change: the impact says major).
    Deprecation,
    Documentation,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Deprecation => "deprecation",
            Class::Documentation => "documentation",
        }
    }
}

/// How far a crate's version must move for a change, as Cargo's SemVer reference (and
/// cargo-semver-checks) count it. On 0.x, `Major` moves the minor number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    #[default]
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// A change's effect on each generated crate's public Rust API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Impact {
    pub types: Bump,
    pub client: Bump,
    pub server: Bump,
}

impl Impact {
    /// Documentation only: every crate takes a patch.
    pub const NONE: Impact = Impact {
        types: Bump::Patch,
        client: Bump::Patch,
        server: Bump::Patch,
    };

    /// A change to a schema: the types crate's items.
    pub fn types(bump: Bump) -> Impact {
        Impact {
            types: bump,
            ..Impact::NONE
        }
    }

    /// A change to an operation: the client's builders and the server's trait.
    pub fn operation(client: Bump, server: Bump) -> Impact {
        Impact {
            client,
            server,
            ..Impact::NONE
        }
    }

    /// The stronger of two impacts, crate by crate.
    pub fn max(self, other: Impact) -> Impact {
        Impact {
            types: self.types.max(other.types),
            client: self.client.max(other.client),
            server: self.server.max(other.server),
        }
    }
}

/// One difference between the specs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// What it means on the wire, for clients and servers already deployed.
    pub class: Class,
    /// What it means for the generated crates' Rust API.
    pub impact: Impact,
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

impl Change {
    /// The change in one line, as the diff and the CHANGELOG print it: where, what, and its
    /// bump for each generated crate.
    pub fn line(&self) -> String {
        format!(
            "{}: {} [types {}, client {}, server {}]",
            self.pointer,
            self.message,
            self.impact.types.as_str(),
            self.impact.client.as_str(),
            self.impact.server.as_str()
        )
    }
}

impl SpecDiff {
    /// The strongest class present, if any change at all.
    pub fn strongest(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).min()
    }

    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// Each generated crate's bump. The client and server crates re-export the types crate
    /// (`pub use ... as types`), so each moves at least as far as it.
    pub fn crate_impact(&self) -> Impact {
        let own = self
            .changes
            .iter()
            .fold(Impact::NONE, |acc, c| acc.max(c.impact));
        Impact {
            types: own.types,
            client: own.client.max(own.types),
            server: own.server.max(own.types),
        }
    }

    /// The human-readable report.
    pub fn render(&self) -> String {
        if self.changes.is_empty() {
            return "no changes\n".to_string();
        }
        let mut out = String::new();
        for class in [
            Class::Breaking,
            Class::Additive,
            Class::Deprecation,
            Class::Documentation,
        ] {
            let changes: Vec<&Change> = self.of(class).collect();
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("{} ({}):\n", class.as_str(), changes.len()));
            for c in changes {
                out.push_str(&format!("  - {}\n", c.line()));
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

/// Whose API a schema being compared belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// A component schema: a type of the types crate.
    Types,
    /// An operation's parameter, body or response: the client's builder and the server's
    /// method signature.
    Operation,
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    usage: BTreeMap<String, Usage>,
    changes: BTreeSet<Change>,
    scope: Scope,
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
    fn push(
        &mut self,
        class: Class,
        impact: Impact,
        at: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.changes.insert(Change {
            class,
            impact,
            pointer: at.into(),
            message: message.into(),
        });
    }

    /// The impact of a change `bump` deep in the schema being compared: the types crate's for
    /// a component schema, the client's and server's for an operation's own (inline) schema.
    fn schema_impact(&self, bump: Bump) -> Impact {
        match self.scope {
            Scope::Types => Impact::types(bump),
            Scope::Operation => Impact::operation(bump, bump),
        }
    }

    /// `deprecated` set or cleared on an operation or a parameter: the client's method or
    /// setter gains (or loses) `#[deprecated]`, a minor change; the server's trait is as it was.
    fn deprecation(&mut self, old: &Value, new: &Value, at: &str, what: &str) {
        let flagged = |v: &Value| v.get("deprecated") == Some(&Value::Bool(true));
        match (flagged(old), flagged(new)) {
            (false, true) => self.push(
                Class::Deprecation,
                Impact::operation(Bump::Minor, Bump::Patch),
                format!("{at}/deprecated"),
                format!("{what} deprecated"),
            ),
            (true, false) => self.push(
                Class::Deprecation,
                Impact::operation(Bump::Minor, Bump::Patch),
                format!("{at}/deprecated"),
                format!("{what} no longer deprecated"),
            ),
            _ => {}
        }
    }

    fn docs(&mut self, old: &Value, new: &Value, at: &str) {
        for key in DOC_KEYS {
            if old.get(key) != new.get(key) {
                self.push(
                    Class::Documentation,
                    Impact::NONE,
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
        scope: Scope::Types,
    };
    if old.get("info") != new.get("info") {
        differ.push(
            Class::Documentation,
            Impact::NONE,
            "/info",
            "`info` changed",
        );
    }
    differ.operations();
    differ.components();
    let mut changes: Vec<Change> = differ.changes.into_iter().collect();
    changes.sort();
    SpecDiff { changes }
}
