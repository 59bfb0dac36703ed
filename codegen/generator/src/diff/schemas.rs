//! Schemas compared: types, formats, enums, properties, constraints, and the components
//! themselves.

use serde_json::Value;

use super::*;

impl Differ<'_> {
    /// Compares two schemas at `at`. `$ref`s are compared by name here and their targets once,
    /// as components.
    pub(super) fn schema(&mut self, old: &Value, new: &Value, at: &str, usage: Usage) {
        match (ref_name(old), ref_name(new)) {
            (Some(a), Some(b)) if a == b => return,
            // The same schema under its new name (reported, and compared, as a component).
            (Some(a), Some(b)) if self.renamed(&a).as_deref() == Some(b.as_str()) => return,
            (None, None) => {}
            (a, b) => {
                self.push(
                    Class::Breaking,
                    self.schema_impact(Bump::Major),
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
                    self.schema_impact(Bump::Major),
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
                // The rule is checked at run time; no Rust item changes.
                self.push(
                    Class::Breaking,
                    Impact::NONE,
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
            // Either way the Rust type goes between `T` and `Option<T>`.
            (false, true) if usage.response => self.push(
                Class::Breaking,
                self.schema_impact(Bump::Major),
                at,
                "made nullable in a response",
            ),
            (false, true) => self.push(
                Class::Additive,
                self.schema_impact(Bump::Major),
                at,
                "made nullable in a request",
            ),
            (true, false) => self.push(
                Class::Breaking,
                self.schema_impact(Bump::Major),
                at,
                "no longer nullable",
            ),
            _ => {}
        }
        self.enums(old, new, at);
        self.properties(old, new, at, usage);
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.schema(a, b, &format!("{at}/items"), usage);
        }
        if let (Some(a), Some(b)) = (
            old.get("additionalProperties").filter(|v| v.is_object()),
            new.get("additionalProperties").filter(|v| v.is_object()),
        ) {
            self.schema(a, b, &format!("{at}/additionalProperties"), usage);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            self.members(old, new, at, key, usage);
        }
        self.tags(old, new, at);
    }

    /// A composition's members: those by `$ref` matched by name, inline ones by position
    /// among the inline ones. A member added to a union is minor everywhere (the union keeps a
    /// kind it does not know as `Unknown`, and its enum is `#[non_exhaustive]`); one removed
    /// is major.
    fn members(&mut self, old: &Value, new: &Value, at: &str, key: &str, usage: Usage) {
        let list = |v: &Value| -> Vec<Value> {
            v.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (a, b) = (list(old), list(new));
        let names =
            |list: &[Value]| -> BTreeSet<String> { list.iter().filter_map(ref_name).collect() };
        let inline = |list: &[Value]| -> Vec<Value> {
            list.iter()
                .filter(|m| ref_name(m).is_none())
                .cloned()
                .collect()
        };
        let here = format!("{at}/{key}");
        let mut renamed_to = BTreeSet::new();
        for removed in names(&a).difference(&names(&b)) {
            if let Some(new_name) = self.renamed(removed) {
                // The member's schema was renamed, its former name kept: nothing changes on
                // the wire (the tag selects it), the old type name still compiles.
                self.push(
                    Class::Deprecation,
                    self.schema_impact(Bump::Minor),
                    here.clone(),
                    format!("variant {removed} renamed {new_name}; the old name stays, deprecated"),
                );
                renamed_to.insert(new_name);
                continue;
            }
            self.push(
                Class::Breaking,
                self.schema_impact(Bump::Major),
                here.clone(),
                format!("variant {removed} removed"),
            );
        }
        for added in names(&b).difference(&names(&a)) {
            if renamed_to.contains(added) {
                continue;
            }
            self.push(
                Class::Additive,
                self.schema_impact(Bump::Minor),
                here.clone(),
                format!("variant {added} added"),
            );
        }
        let (x, y) = (inline(&a), inline(&b));
        for (i, (m, n)) in x.iter().zip(&y).enumerate() {
            self.schema(m, n, &format!("{here}/inline {i}"), usage);
        }
        for i in y.len()..x.len() {
            self.push(
                Class::Breaking,
                self.schema_impact(Bump::Major),
                here.clone(),
                format!("inline variant {} removed", i + 1),
            );
        }
        for i in x.len()..y.len() {
            self.push(
                Class::Additive,
                self.schema_impact(Bump::Minor),
                here.clone(),
                format!("inline variant {} added", i + 1),
            );
        }
    }

    /// A tagged union's tags, where the members did not change with them (a member added or
    /// removed is reported as such): a tag gone from a member that stays breaks every peer
    /// that sends or reads it; a tag added to a member that was there is additive.
    fn tags(&mut self, old: &Value, new: &Value, at: &str) {
        let tags = |v: &Value| -> BTreeMap<String, String> {
            v.pointer("/discriminator/mapping")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, t)| (k.clone(), text(t))).collect())
                .unwrap_or_default()
        };
        let members = |v: &Value| -> BTreeSet<String> {
            v.get("oneOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get("$ref").map(text))
                .collect()
        };
        let (a, b) = (tags(old), tags(new));
        let (ma, mb) = (members(old), members(new));
        let here = format!("{at}/discriminator/mapping");
        // A tag's Rust variant name (`x-cni-variant-names`, else the rule's): nothing on the
        // wire, but a `match` on the old name no longer compiles.
        let variant_name = |v: &Value, tag: &str| {
            v.get("x-cni-variant-names")
                .and_then(|names| names.get(tag))
                .and_then(Value::as_str)
                .map_or_else(|| crate::naming::value_name(tag), str::to_string)
        };
        for tag in a.keys().filter(|tag| b.contains_key(*tag)) {
            let (before, after) = (variant_name(old, tag), variant_name(new, tag));
            if before != after {
                let kept = new
                    .pointer(&format!(
                        "/x-cni-former-variant-names/{}",
                        tag.replace('~', "~0").replace('/', "~1")
                    ))
                    .and_then(Value::as_str)
                    == Some(before.as_str());
                self.push(
                    Class::Deprecation,
                    self.schema_impact(Bump::Major),
                    format!("{at}/x-cni-variant-names"),
                    format!(
                        "member {tag:?} is `{after}` in Rust, was `{before}`: a `match` on the old name must change{}",
                        if kept { "; its accessors stay, deprecated" } else { "" }
                    ),
                );
            }
        }
        for (tag, target) in &a {
            if !b.contains_key(tag) && mb.contains(target) {
                self.push(
                    Class::Breaking,
                    self.schema_impact(Bump::Major),
                    here.clone(),
                    format!("tag {tag:?} removed"),
                );
            }
        }
        for (tag, target) in &b {
            if !a.contains_key(tag) && ma.contains(target) {
                self.push(
                    Class::Additive,
                    self.schema_impact(Bump::Minor),
                    here.clone(),
                    format!("tag {tag:?} added"),
                );
            }
        }
    }

    pub(super) fn enums(&mut self, old: &Value, new: &Value, at: &str) {
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
                self.schema_impact(Bump::Major),
                format!("{at}/enum"),
                format!("enum value {removed:?} removed"),
            );
        }
        // An enum keeps a value it does not know (`Unknown`) and is `#[non_exhaustive]`:
        // an older client decodes the new value, and a new variant is a minor change.
        for added in b.difference(&a) {
            self.push(
                Class::Additive,
                self.schema_impact(Bump::Minor),
                format!("{at}/enum"),
                format!("enum value {added:?} added"),
            );
        }
    }

    pub(super) fn properties(&mut self, old: &Value, new: &Value, at: &str, usage: Usage) {
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
                None => self.push(
                    Class::Breaking,
                    self.schema_impact(Bump::Major),
                    here,
                    format!("property `{name}` removed"),
                ),
                Some(next) => {
                    // Either way the field goes between `Option<T>` and `T`: major for the
                    // crates. On the wire, a request that must now carry it, or a response
                    // that may now lack it, breaks deployed peers; the reverse does not.
                    let major = self.schema_impact(Bump::Major);
                    match (ra.contains(name), rb.contains(name)) {
                        (false, true) if usage.request => self.push(
                            Class::Breaking,
                            major,
                            here.clone(),
                            format!("request property `{name}` made required"),
                        ),
                        (false, true) => self.push(
                            Class::Additive,
                            major,
                            here.clone(),
                            format!("response property `{name}` made required"),
                        ),
                        (true, false) if usage.response => self.push(
                            Class::Breaking,
                            major,
                            here.clone(),
                            format!("response property `{name}` made optional"),
                        ),
                        (true, false) => self.push(
                            Class::Additive,
                            major,
                            here.clone(),
                            format!("request property `{name}` made optional"),
                        ),
                        _ => {}
                    }
                    self.schema(schema, next, &here, usage);
                }
            }
        }
        for name in b.keys() {
            if !a.contains_key(name) {
                let here = format!("{at}/properties/{}", crate::diagnostic::escape_token(name));
                // A new field of a `#[non_exhaustive]` struct (set through its builder): minor,
                // whether required or not. On the wire, only a request that must now carry it
                // breaks deployed clients; a response's new field reaches older clients in
                // their map of unknown fields.
                let minor = self.schema_impact(Bump::Minor);
                if usage.request && rb.contains(name) {
                    // It compiles, but a body a user's code builds without it no longer
                    // converts (its builder's `try_into` fails): major for the crates too.
                    self.push(
                        Class::Breaking,
                        self.schema_impact(Bump::Major),
                        here,
                        format!("required property `{name}` added to a request schema"),
                    );
                } else {
                    self.push(
                        Class::Additive,
                        minor,
                        here,
                        format!("property `{name}` added"),
                    );
                }
            }
        }
    }

    /// The new name of a schema the old document has and the new one renamed, keeping the
    /// old name in its `x-cni-former-names`.
    fn renamed(&self, old_name: &str) -> Option<String> {
        let schemas = self.new.pointer("/components/schemas")?.as_object()?;
        if schemas.contains_key(old_name) {
            return None;
        }
        schemas.iter().find_map(|(name, schema)| {
            schema
                .get("x-cni-former-names")?
                .as_array()?
                .iter()
                .any(|former| former.as_str() == Some(old_name))
                .then(|| name.clone())
        })
    }

    pub(super) fn components(&mut self) {
        let schemas = |root: &Value| {
            root.pointer("/components/schemas")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (a, b) = (schemas(self.old), schemas(self.new));
        let mut renamed_to = BTreeSet::new();
        for (name, schema) in &a {
            let at = pointer(["components", "schemas", name.as_str()]);
            let usage = self.usage.get(name).copied().unwrap_or_default();
            match b.get(name) {
                // Renamed with its former name kept (`x-cni-former-names`): a deprecated alias
                // keeps code compiling, and the wire does not name schemas. Compared as one.
                None if self.renamed(name).is_some() => {
                    let new_name = self.renamed(name).unwrap_or_default();
                    self.push(
                        Class::Deprecation,
                        Impact::types(Bump::Minor),
                        at.clone(),
                        format!(
                            "schema `{name}` renamed `{new_name}`; the old name stays, deprecated"
                        ),
                    );
                    if let Some(next) = b.get(&new_name) {
                        self.schema(schema, next, &at, usage);
                    }
                    renamed_to.insert(new_name);
                }
                // A removal that broke an operation is reported there; an unused schema's
                // removal changes the generated types crate, which is breaking too.
                None => self.push(
                    Class::Breaking,
                    Impact::types(Bump::Major),
                    at,
                    format!("schema `{name}` removed"),
                ),
                Some(next) => self.schema(schema, next, &at, usage),
            }
        }
        for name in b.keys() {
            if !a.contains_key(name) && !renamed_to.contains(name) {
                self.push(
                    Class::Additive,
                    Impact::types(Bump::Minor),
                    pointer(["components", "schemas", name.as_str()]),
                    format!("schema `{name}` added"),
                );
            }
        }
    }
}
