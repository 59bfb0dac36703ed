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
                if let Some(names) = map.get("x-enum-varnames") {
                    self.enum_varnames(map, names, &at);
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

    /// `x-enum-varnames`: one Rust identifier per enum value, none repeated.
    pub(super) fn enum_varnames(
        &mut self,
        parent: &serde_json::Map<String, Value>,
        names: &Value,
        at: &str,
    ) {
        let here = format!("{at}/x-enum-varnames");
        let Some(values) = parent.get("enum").and_then(Value::as_array) else {
            self.report(here, "`x-enum-varnames` belongs on a schema with an `enum`");
            return;
        };
        let Some(names) = names.as_array() else {
            self.report(here, "`x-enum-varnames` must be a list of names");
            return;
        };
        if names.len() != values.len() {
            self.report(
                here.clone(),
                format!(
                    "`x-enum-varnames` has {} names for {} values",
                    names.len(),
                    values.len()
                ),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, name) in names.iter().enumerate() {
            let valid = name
                .as_str()
                .is_some_and(|n| syn::parse_str::<syn::Ident>(n).is_ok() && n != "Unknown");
            if !valid {
                self.report(
                    format!("{here}/{i}"),
                    format!(
                        "{name} is not a Rust identifier a variant can have (`Unknown` is kept \
                         for values the crate does not know)"
                    ),
                );
            } else if !seen.insert(name.as_str()) {
                self.report(format!("{here}/{i}"), format!("{name} is repeated"));
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
