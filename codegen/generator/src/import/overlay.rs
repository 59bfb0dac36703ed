//! `spec/overlay.yaml`: our deliberate deviations from Cloudflare's document, as an OpenAPI
//! Overlay 1.0.0 document. Targets are RFC 9535 JSONPath queries (`serde_json_path`).
//!
//! Semantics, from the Overlay 1.0.0 specification: actions apply in order, each to every node
//! its target selects; targets select objects or arrays, never primitives. `update` on an object
//! merges recursively (objects merge, arrays concatenate, any other value replaces); on an
//! array, it appends the value. `remove: true` deletes the selected nodes from their parent.
//!
//! Our stricter rules, so that a deviation cannot silently stop applying: a target that matches
//! nothing is an error (Cloudflare renamed or removed what the action patched), every action
//! says why in its `description`, and an action does exactly one thing (update or remove).
//!
//! And an overlay describes, it does not invent by accident: an `update` that would create a
//! property, a schema, a path or a parameter Cloudflare's document does not have (because
//! Cloudflare removed or renamed it, and the action that only described it now re-creates it
//! without a type) is an error naming the action and what it would create, unless the action
//! says it adds on purpose with `x-cni-adds: true`.
//!
//! Except where the action only documents (descriptions, titles, summaries, examples): then
//! what Cloudflare removed simply has nothing left to describe. Those parts of the action (or
//! the whole action, when its target selects nothing) are skipped and reported, so the removal
//! reaches the diff as the major change it is instead of stopping the import. An action that
//! changes meaning (a type, a format, a name, a rule) still stops the import.

use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use crate::diagnostic::{escape_token, Diagnostics};
use crate::source::ParsedSource;

/// A parsed, valid overlay.
#[derive(Clone, Debug)]
pub struct Overlay {
    pub title: String,
    pub version: String,
    /// `x-cni-strip-prefix`: the prefix of Cloudflare's schema names that our names drop.
    pub strip_prefix: String,
    pub actions: Vec<Action>,
}

/// One action of the overlay.
#[derive(Clone, Debug)]
pub struct Action {
    pub target: String,
    pub description: String,
    pub change: Change,
    /// `x-cni-adds: true`: the action creates properties, schemas, paths or parameters on
    /// purpose.
    pub adds: bool,
    path: JsonPath,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Update(Value),
    Remove,
}

/// The keys that only document a node: an update made only of these (at any depth) changes no
/// meaning.
const DOCUMENTATION_KEYS: [&str; 6] = [
    "description",
    "title",
    "summary",
    "example",
    "examples",
    "externalDocs",
];

/// What applying an overlay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Per action, in order: how many nodes its target selected.
    pub counts: Vec<usize>,
    /// What documentation-only actions could not document because Cloudflare's document no
    /// longer has it: one line each, naming the action and the node.
    pub skipped: Vec<String>,
}

/// Whether `update` only documents: an object whose every key is a documentation key, or
/// holds such an object (a property's or a schema's description).
fn documents_only(update: &Value) -> bool {
    match update {
        Value::Object(fields) => {
            !fields.is_empty()
                && fields.iter().all(|(key, value)| {
                    DOCUMENTATION_KEYS.contains(&key.as_str()) || documents_only(value)
                })
        }
        _ => false,
    }
}

const ROOT_FIELDS: [&str; 4] = ["overlay", "info", "extends", "actions"];
const ACTION_FIELDS: [&str; 4] = ["target", "description", "update", "remove"];

impl Overlay {
    /// Checks the document against Overlay 1.0.0 (and our rules), reporting every problem.
    pub fn from_source(source: &ParsedSource) -> Result<Overlay, Diagnostics> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let root = source.value.as_object();
        let Some(root) = root else {
            return Err(diagnostics(
                source,
                vec![(
                    String::new(),
                    "an overlay is a mapping with `overlay`, `info` and `actions`".into(),
                )],
            ));
        };
        unknown_fields(root, "", &ROOT_FIELDS, &mut problems);
        match root.get("overlay") {
            Some(Value::String(v)) if is_overlay_1_0(v) => {}
            Some(other) => problems.push((
                "/overlay".into(),
                format!(
                    "`overlay` is {}; this tool reads Overlay 1.0.x (`overlay: 1.0.0`)",
                    show(other)
                ),
            )),
            None => problems.push((String::new(), "missing `overlay: 1.0.0`".into())),
        }
        let info = root.get("info").and_then(Value::as_object);
        let mut title = String::new();
        let mut version = String::new();
        match info {
            None => problems.push((
                "/info".into(),
                "missing `info` with `title` and `version`".into(),
            )),
            Some(info) => {
                unknown_fields(info, "/info", &["title", "version"], &mut problems);
                for (field, out) in [("title", &mut title), ("version", &mut version)] {
                    match info.get(field) {
                        Some(Value::String(s)) => *out = s.clone(),
                        _ => problems.push((
                            format!("/info/{field}"),
                            format!("`info.{field}` must be a string"),
                        )),
                    }
                }
            }
        }
        if let Some(extends) = root.get("extends") {
            if !extends.is_string() {
                problems.push(("/extends".into(), "`extends` must be a URI string".into()));
            }
        }
        let strip_prefix = match root.get("x-cni-strip-prefix") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                problems.push((
                    "/x-cni-strip-prefix".into(),
                    format!("must be a string, not {}", show(other)),
                ));
                String::new()
            }
        };
        let mut actions = Vec::new();
        match root.get("actions") {
            Some(Value::Array(items)) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(action) = parse_action(i, item, &mut problems) {
                        actions.push(action);
                    }
                }
            }
            _ => problems.push((
                "/actions".into(),
                "`actions` must be a non-empty list of action objects".into(),
            )),
        }
        if problems.is_empty() {
            Ok(Overlay {
                title,
                version,
                strip_prefix,
                actions,
            })
        } else {
            Err(diagnostics(source, problems))
        }
    }

    /// Applies every action in order. Returns how many nodes each action's target matched, or
    /// every action that could not apply, as `(pointer in the overlay, message)`. An action
    /// that would create what Cloudflare's document lacks is one of them, unless it says it
    /// adds (`x-cni-adds`) or `edit` (a deliberate change of a spec, in tests and tools) is set.
    pub fn apply(
        &self,
        document: &mut Value,
        edit: bool,
    ) -> Result<Applied, Vec<(String, String)>> {
        let mut applied = Applied {
            counts: Vec::with_capacity(self.actions.len()),
            skipped: Vec::new(),
        };
        let mut problems = Vec::new();
        for (i, action) in self.actions.iter().enumerate() {
            let pointers: Vec<String> = action
                .path
                .query_located(document)
                .locations()
                .map(|p| p.to_json_pointer())
                .collect();
            applied.counts.push(pointers.len());
            // A documentation-only action skips what is gone (see the module docs); a
            // deliberate edit applies as written.
            let skips_what_is_gone = !edit && !action.adds && action.documents_only();
            if pointers.is_empty() && skips_what_is_gone {
                applied.skipped.push(format!(
                    "action {} ({}) documents `{}`, which selects nothing in Cloudflare's \
                     document any more: skipped",
                    i + 1,
                    action.summary(),
                    action.target
                ));
                continue;
            }
            if pointers.is_empty() {
                problems.push((
                    format!("/actions/{i}/target"),
                    format!(
                        "action {} ({}) matches nothing: its target `{}` selects no node of \
                         Cloudflare's document, so Cloudflare renamed or removed what it \
                         changes; update the target or drop the action",
                        i + 1,
                        action.summary(),
                        action.target
                    ),
                ));
                continue;
            }
            match action.apply_at(document, pointers, skips_what_is_gone) {
                Err(message) => problems.push((
                    format!("/actions/{i}"),
                    format!("action {} ({}): {message}", i + 1, action.summary()),
                )),
                Ok(outcome) if skips_what_is_gone => {
                    applied.skipped.extend(outcome.created.iter().map(|what| {
                        format!(
                            "action {} ({}) documents {what}, which Cloudflare's document no \
                             longer has: skipped",
                            i + 1,
                            action.summary()
                        )
                    }));
                }
                Ok(outcome) if !outcome.created.is_empty() && !action.adds && !edit => problems
                    .push((
                        format!("/actions/{i}"),
                        format!(
                            "action {} ({}) would create what Cloudflare's document does not \
                             have: {}. Cloudflare removed or renamed it, or the action adds it: \
                             then say so with `x-cni-adds: true`",
                            i + 1,
                            action.summary(),
                            outcome.created.join(", ")
                        ),
                    )),
                Ok(_) => {}
            }
        }
        if problems.is_empty() {
            Ok(applied)
        } else {
            Err(problems)
        }
    }

    /// The deviations table of `spec/README.md`: one row per action.
    pub fn deviations_markdown(&self) -> String {
        let mut out = String::from("| # | Target | Change | Why |\n| --- | --- | --- | --- |\n");
        for (i, action) in self.actions.iter().enumerate() {
            let change = match &action.change {
                Change::Remove => "remove".to_string(),
                Change::Update(value) => format!("update: {}", describe_update(value)),
            };
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                i + 1,
                action.target.replace('|', "\\|"),
                cell(&change),
                cell(&action.description)
            ));
        }
        out
    }
}

impl Action {
    /// Whether the action only documents (see [`DOCUMENTATION_KEYS`]).
    pub fn documents_only(&self) -> bool {
        matches!(&self.change, Change::Update(update) if documents_only(update))
    }

    /// The first sentence of the description, for messages.
    pub fn summary(&self) -> String {
        let first = self.description.lines().next().unwrap_or("").trim();
        format!("“{}”", first.trim_end_matches(':'))
    }

    /// Applies the change at each of `pointers`; returns what it created that is a property,
    /// a schema, a path or a parameter (their pointers). With `skip_creations`, those are not
    /// created: they are only named.
    fn apply_at(
        &self,
        document: &mut Value,
        mut pointers: Vec<String>,
        skip_creations: bool,
    ) -> Result<Merged, String> {
        let mut created = Merged {
            created: Vec::new(),
            skip_creations,
        };
        match &self.change {
            Change::Remove => {
                // Deepest and last first, so earlier removals do not shift later pointers.
                pointers.sort_by_key(|p| std::cmp::Reverse(sort_key(p)));
                for at in pointers {
                    remove_at(document, &at)?;
                }
                Ok(created)
            }
            Change::Update(update) => {
                for at in pointers {
                    let Some(node) = document.pointer_mut(&at) else {
                        continue;
                    };
                    match node {
                        Value::Object(map) => {
                            let Value::Object(fields) = update else {
                                return Err(format!(
                                    "`{at}` is an object, so `update` must be a mapping to merge into it"
                                ));
                            };
                            merge(map, fields, &at, &mut created);
                        }
                        Value::Array(items) => {
                            if at.ends_with("/parameters") {
                                created.created.push(format!("a parameter in `{at}`"));
                            }
                            items.push(update.clone())
                        }
                        other => {
                            return Err(format!(
                                "`{at}` is {}; Overlay 1.0 targets objects or arrays, so target \
                                 the object that holds it",
                                show(other)
                            ))
                        }
                    }
                }
                Ok(created)
            }
        }
    }
}

fn parse_action(i: usize, item: &Value, problems: &mut Vec<(String, String)>) -> Option<Action> {
    let at = format!("/actions/{i}");
    let Some(fields) = item.as_object() else {
        problems.push((
            at,
            "an action is a mapping with `target` and `update` or `remove`".into(),
        ));
        return None;
    };
    unknown_fields(fields, &at, &ACTION_FIELDS, problems);
    let target = match fields.get("target") {
        Some(Value::String(t)) => t.clone(),
        _ => {
            problems.push((
                format!("{at}/target"),
                "every action needs a `target` JSONPath string".into(),
            ));
            return None;
        }
    };
    let path = match JsonPath::parse(&target) {
        Ok(path) => path,
        Err(e) => {
            problems.push((
                format!("{at}/target"),
                format!(
                    "`{target}` is not an RFC 9535 JSONPath query: {} (at character {})",
                    e.message(),
                    e.position() + 1
                ),
            ));
            return None;
        }
    };
    let description = match fields.get("description") {
        Some(Value::String(d)) if !d.trim().is_empty() => d.trim().to_string(),
        _ => {
            problems.push((
                format!("{at}/description"),
                "every action says why in a non-empty `description` (it is the deviation's record)"
                    .into(),
            ));
            String::new()
        }
    };
    let remove = match fields.get("remove") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.push((
                format!("{at}/remove"),
                format!("`remove` must be true or false, not {}", show(other)),
            ));
            false
        }
    };
    let change = match (fields.get("update"), remove) {
        (Some(_), true) => {
            problems.push((
                at.clone(),
                "an action either updates or removes, not both".into(),
            ));
            return None;
        }
        (Some(update), false) => Change::Update(update.clone()),
        (None, true) => Change::Remove,
        (None, false) => {
            problems.push((
                at.clone(),
                "the action does nothing: give it `update` or `remove: true`".into(),
            ));
            return None;
        }
    };
    let adds = match fields.get("x-cni-adds") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.push((
                format!("{at}/x-cni-adds"),
                format!("`x-cni-adds` must be true or false, not {}", show(other)),
            ));
            false
        }
    };
    Some(Action {
        target,
        description,
        change,
        adds,
        path,
    })
}

fn is_overlay_1_0(version: &str) -> bool {
    version
        .strip_prefix("1.0.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()))
}

fn unknown_fields(
    map: &Map<String, Value>,
    at: &str,
    known: &[&str],
    problems: &mut Vec<(String, String)>,
) {
    for key in map.keys() {
        if !known.contains(&key.as_str()) && !key.starts_with("x-") {
            problems.push((
                format!("{at}/{}", escape_token(key)),
                format!("`{key}` is not a field of Overlay 1.0 here (expected one of {}, or an `x-` extension)", known.join(", ")),
            ));
        }
    }
}

/// What a new key under the node at `at` creates, if it is a property, a schema or a path.
fn created_kind(at: &str) -> Option<&'static str> {
    if at.ends_with("/properties") {
        Some("property")
    } else if at == "/components/schemas" {
        Some("schema")
    } else if at == "/paths" {
        Some("path")
    } else {
        None
    }
}

/// What a merge created (properties, schemas, paths, parameters), and whether it may.
struct Merged {
    created: Vec<String>,
    /// Name what would be created instead of creating it.
    skip_creations: bool,
}

/// Overlay merge: objects merge recursively, arrays concatenate, anything else replaces. Each
/// property, schema, path or parameter the merge creates is added to `merged.created` (and,
/// with `skip_creations`, left uncreated).
fn merge(
    target: &mut Map<String, Value>,
    update: &Map<String, Value>,
    at: &str,
    merged: &mut Merged,
) {
    for (key, value) in update {
        let here = format!("{at}/{}", escape_token(key));
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(fields)) => {
                merge(existing, fields, &here, merged)
            }
            (Some(Value::Array(existing)), Value::Array(items)) => {
                if key == "parameters" && !items.is_empty() {
                    merged.created.push(format!("a parameter in `{here}`"));
                }
                existing.extend(items.iter().cloned())
            }
            (existing, _) => {
                if let (None, Some(kind)) = (existing, created_kind(at)) {
                    merged.created.push(format!("the {kind} `{here}`"));
                    if merged.skip_creations {
                        continue;
                    }
                }
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

fn remove_at(document: &mut Value, at: &str) -> Result<(), String> {
    let Some(split) = at.rfind('/') else {
        return Err("the target selects the document itself, which cannot be removed".into());
    };
    let (parent_at, token) = (&at[..split], &at[split + 1..]);
    let token = token.replace("~1", "/").replace("~0", "~");
    match document.pointer(at) {
        None => return Ok(()), // inside a node this action already removed
        Some(Value::Object(_) | Value::Array(_)) => {}
        Some(other) => {
            return Err(format!(
                "`{at}` is {}; Overlay 1.0 removes objects or arrays only, so remove the object \
                 that holds it, or update its holder",
                show(other)
            ))
        }
    }
    match document.pointer_mut(parent_at) {
        Some(Value::Object(map)) => {
            map.remove(&token);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = token.parse::<usize>() {
                if index < items.len() {
                    items.remove(index);
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Orders pointers so that array indices compare as numbers.
fn sort_key(pointer: &str) -> Vec<(u64, String)> {
    pointer
        .split('/')
        .map(|t| match t.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, t.to_string()),
        })
        .collect()
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// A short description of an update's content: its top-level keys (and nested ones, one level).
fn describe_update(value: &Value) -> String {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Object(inner) if !inner.is_empty() && inner.len() <= 6 => {
                    let keys: Vec<&str> = inner.keys().map(String::as_str).collect();
                    format!("`{k}` ({})", keys.join(", "))
                }
                _ => format!("`{k}`"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(_) => "appends a list".into(),
        other => format!("appends {}", show(other)),
    }
}

fn cell(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("<br><br>")
        .replace('|', "\\|")
}

/// `(pointer, message)` problems as diagnostics located in `source`, sorted.
pub(super) fn diagnostics(source: &ParsedSource, problems: Vec<(String, String)>) -> Diagnostics {
    let mut out: Vec<_> = problems
        .into_iter()
        .map(|(at, message)| source.diagnostic(at, message))
        .collect();
    out.sort();
    Diagnostics(out)
}
