//! Checks on every node of the document: `$ref`s, `x-cni-*` extensions, `required` lists.

use serde_json::Value;

use super::*;

impl<'a> Linter<'a> {
    /// Visits every node: `$ref` targets, `x-cni-*` extensions, `required` lists.
    pub(super) fn walk(&mut self, value: &'a Value, at: String) {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref") {
                    self.reference(reference, format!("{at}/$ref"));
                }
                for (key, child) in map {
                    if key.starts_with("x-cni-") {
                        self.extension(map, key, child, &at);
                    }
                }
                if map.contains_key("oneOf") && map.contains_key("discriminator") {
                    self.tagged_union(map, &at);
                }
                if map.contains_key("x-enum-varnames") {
                    self.report(
                        format!("{at}/x-enum-varnames"),
                        "`x-enum-varnames` names values by position, so a value added or removed \
                         upstream renames every later one: name them by value with \
                         `x-cni-enum-names: {VALUE: Name}`",
                    );
                }
                if let (Some(Value::Array(required)), properties) =
                    (map.get("required"), map.get("properties"))
                {
                    if map.get("type").and_then(Value::as_str) == Some("object")
                        || properties.is_some()
                    {
                        for (i, name) in required.iter().enumerate() {
                            let declared = name
                                .as_str()
                                .is_some_and(|n| properties.and_then(|p| p.get(n)).is_some());
                            if !declared {
                                self.report(
                                    format!("{at}/required/{i}"),
                                    format!(
                                        "required property {name} is not declared in `properties`"
                                    ),
                                );
                            }
                        }
                    }
                }
                for (key, child) in map {
                    // Extension payloads are data, not spec nodes.
                    if !key.starts_with("x-") {
                        self.walk(child, format!("{at}{}", pointer([key])));
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.walk(child, format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }

    pub(super) fn reference(&mut self, reference: &Value, at: String) {
        match reference.as_str() {
            None => self.report(at, "`$ref` must be a string"),
            Some(r) if !r.starts_with("#/") => self.report(
                at,
                format!("external $ref `{r}` is not supported: keep the whole spec in one file"),
            ),
            Some(r) if document::target(self.root, r).is_none() => self.report(
                at,
                format!("dangling $ref `{r}`: nothing is defined at that pointer"),
            ),
            Some(r) => {
                // A chain of aliases that comes back on itself names no schema at all.
                if let Some(target) = document::target(self.root, r) {
                    if let Err(RefError::Cycle(chain)) =
                        document::resolve(self.root, target, String::new())
                    {
                        if chain.iter().any(|link| link == r) {
                            self.report(
                                at,
                                format!(
                                    "circular $ref: `{r}` leads back to itself ({})",
                                    chain.join(" → ")
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    /// `x-cni-enum-names` / `x-cni-variant-names`: Rust names keyed by value (an enum's
    /// values, a union's tags). Every key must be one of them, and every name, given or by
    /// rule, a type name that no other value of the same schema has.
    fn names_by_value(
        &mut self,
        parent: &serde_json::Map<String, Value>,
        key: &str,
        value: &Value,
        here: String,
    ) {
        let values: Vec<String> = match key {
            "x-cni-enum-names" => parent.get("enum").and_then(Value::as_array).map(|v| {
                v.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            }),
            _ => parent
                .get("discriminator")
                .and_then(|d| d.get("mapping"))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect()),
        }
        .unwrap_or_default();
        let what = if key == "x-cni-enum-names" {
            "value of this schema's `enum`"
        } else {
            "tag of this union's discriminator mapping"
        };
        let Some(names) = value.as_object() else {
            self.report(here, format!("`{key}` must map each value to a Rust name"));
            return;
        };
        for (value, name) in names {
            let at = format!("{here}{}", pointer([value]));
            if !values.contains(value) {
                self.report(
                    at.clone(),
                    format!(
                        "`{value}` is not a {what}: an override names an existing value ({})",
                        values.join(", ")
                    ),
                );
            }
            if !name.as_str().is_some_and(crate::naming::is_type_name) || name == "Unknown" {
                self.report(at, format!("{name} is not a Rust name a variant can have (an upper-case identifier; `Unknown` is kept for values the crate does not know)"));
            }
        }
        let mut taken: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
        for value in &values {
            let name = names
                .get(value)
                .and_then(Value::as_str)
                .map_or_else(|| crate::naming::value_name(value), str::to_string);
            if let Some(other) = taken.insert(name.clone(), value) {
                self.report(here.clone(), format!("`{other}` and `{value}` would both be called `{name}`: name one of them in `{key}`"));
            }
        }
    }

    /// A discriminated union: every member a `$ref` that its mapping gives a tag (the import
    /// completes mappings and hoists inline members; see spec/README.md).
    pub(super) fn tagged_union(&mut self, union: &serde_json::Map<String, Value>, at: &str) {
        let mapping = union
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object);
        for (i, member) in union
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let reference = member.get("$ref").and_then(Value::as_str);
            let mapped = reference.is_some_and(|r| {
                mapping.is_some_and(|m| m.values().any(|t| t.as_str() == Some(r)))
            });
            if !mapped {
                self.report(
                    format!("{at}/oneOf/{i}"),
                    "a member of a discriminated union must be a `$ref` its `discriminator.mapping` \
                     names, so that its tag is known (`cargo xtask import` completes mappings and \
                     hoists inline members)",
                );
            }
        }
    }

    pub(super) fn extension(
        &mut self,
        parent: &serde_json::Map<String, Value>,
        key: &str,
        value: &Value,
        at: &str,
    ) {
        let here = format!("{at}{}", pointer([key]));
        match key {
            "x-cni-format" => match value.as_str() {
                Some(v) if KNOWN_FORMATS.contains(&v) => {
                    if parent.get("type").and_then(Value::as_str) != Some("string") {
                        self.report(
                            here,
                            "`x-cni-format` applies only to `type: string` schemas",
                        );
                    }
                }
                _ => self.report(
                    here,
                    format!(
                        "unknown value {value} for `x-cni-format`; expected one of: {}",
                        KNOWN_FORMATS.join(", ")
                    ),
                ),
            },
            "x-cni-same-prefix-as" => self.same_prefix(parent, value, at, here),
            "x-cni-enum-names" | "x-cni-variant-names" => {
                self.names_by_value(parent, key, value, here)
            }
            "x-cni-wait-failures" => self.wait_failures(parent, value, here),
            "x-cni-former-names" => {
                let names = value.as_array().filter(|names| !names.is_empty());
                let valid = names.is_some_and(|names| {
                    names
                        .iter()
                        .all(|n| n.as_str().is_some_and(crate::naming::is_schema_name))
                });
                if !valid {
                    self.report(
                        here,
                        "`x-cni-former-names` lists the names a renamed schema had (upper-case \
                         identifiers), kept as deprecated aliases",
                    );
                }
            }
            "x-cni-former-variant-names" => {
                let tags = union_tags(parent);
                let Some(names) = value.as_object() else {
                    self.report(
                        here,
                        "`x-cni-former-variant-names` maps a tag to the name its member had",
                    );
                    return;
                };
                for (tag, name) in names {
                    let at = format!("{here}{}", pointer([tag]));
                    if !tags.contains(&tag.as_str()) {
                        self.report(
                            at,
                            format!("`{tag}` is not a tag of this union ({})", tags.join(", ")),
                        );
                    } else if !name.as_str().is_some_and(crate::naming::is_type_name) {
                        self.report(at, format!("{name} is not a name a variant can have"));
                    }
                }
            }
            "x-cni-upstream" => {
                if !value.is_object() {
                    self.report(
                        here,
                        "`x-cni-upstream` must be an object holding Cloudflare's original keywords",
                    );
                }
            }
            _ => self.report(
                here,
                format!(
                    "unknown extension `{key}`; this generator knows {}",
                    KNOWN_EXTENSIONS.join(", ")
                ),
            ),
        }
    }

    /// `x-cni-wait-failures: {TAG: [TAG, ...]}` on a union: a wait for the first member ends as
    /// failed on any listed one. Every tag must be one of the union's, and a member cannot be
    /// its own failure.
    fn wait_failures(
        &mut self,
        parent: &serde_json::Map<String, Value>,
        value: &Value,
        here: String,
    ) {
        let tags = union_tags(parent);
        let Some(waits) = value.as_object() else {
            self.report(
                here,
                "`x-cni-wait-failures` maps a tag to the tags that end a wait for it",
            );
            return;
        };
        for (target, failures) in waits {
            let at = format!("{here}{}", pointer([target]));
            if !tags.contains(&target.as_str()) {
                self.report(
                    at.clone(),
                    format!(
                        "`{target}` is not a tag of this union ({})",
                        tags.join(", ")
                    ),
                );
            }
            let Some(failures) = failures.as_array() else {
                self.report(at, "a list of the tags that end the wait as failed");
                continue;
            };
            for (i, failure) in failures.iter().enumerate() {
                let tag = failure.as_str().unwrap_or_default();
                if !tags.contains(&tag) || tag == target {
                    self.report(
                        format!("{at}/{i}"),
                        format!(
                            "{failure} is not another tag of this union ({})",
                            tags.join(", ")
                        ),
                    );
                }
            }
        }
    }

    /// `x-cni-same-prefix-as: other` on property P: `other` must be a sibling CIDR property.
    pub(super) fn same_prefix(
        &mut self,
        parent: &serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
        here: String,
    ) {
        let Some(other) = value.as_str() else {
            self.report(here, "`x-cni-same-prefix-as` must name a sibling property");
            return;
        };
        let is_cidr = |schema: &Value| {
            schema.get("x-cni-format").and_then(Value::as_str) == Some("ipv4-cidr")
        };
        if !is_cidr(&Value::Object(parent.clone())) {
            self.report(
                here.clone(),
                "`x-cni-same-prefix-as` needs `x-cni-format: ipv4-cidr` on the same property",
            );
        }
        let Some(properties_at) = at
            .rfind("/properties/")
            .map(|i| &at[..i + "/properties".len()])
        else {
            self.report(
                here,
                "`x-cni-same-prefix-as` must sit on an object's property",
            );
            return;
        };
        let siblings = self.root.pointer(properties_at).and_then(Value::as_object);
        match siblings.and_then(|s| s.get(other)) {
            Some(sibling) if is_cidr(sibling) => {}
            Some(_) => self.report(
                here,
                format!(
                    "`x-cni-same-prefix-as` names `{other}`, which lacks `x-cni-format: ipv4-cidr`"
                ),
            ),
            None => {
                let names: Vec<&str> = siblings
                    .map(|s| s.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                self.report(
                    here,
                    format!(
                        "`x-cni-same-prefix-as` names `{other}`, which is not a property of this \
                         schema (its properties: {})",
                        names.join(", ")
                    ),
                );
            }
        }
    }
}

/// The tags of a union's discriminator mapping (none when it has no mapping).
fn union_tags(union: &serde_json::Map<String, Value>) -> Vec<&str> {
    union
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}
