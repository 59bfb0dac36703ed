//! Checks a parsed spec for everything the generators cannot handle, reporting every problem
//! at once, each at its JSON pointer.
//!
//! The checks run on the raw JSON value rather than on `openapiv3`'s model because the value
//! keeps the pointer of every node; `openapiv3` is used afterwards, on a spec known to be sound.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostic::{pointer, Diagnostic};
use crate::document::{self, RefError};
use crate::source::ParsedSource;

/// Media types the generated client and server can carry as JSON.
const JSON_MEDIA_TYPE: &str = "application/json";

/// The `x-cni-*` extensions this generator understands; see spec/README.md.
pub const KNOWN_EXTENSIONS: [&str; 3] = ["x-cni-format", "x-cni-same-prefix-as", "x-cni-upstream"];

/// The values `x-cni-format` may take.
pub const KNOWN_FORMATS: [&str; 2] = ["ipv4-cidr", "md5-key"];

/// Checks the document's `openapi` version; the generators read OpenAPI 3.0.x only.
pub fn check_version(src: &ParsedSource) -> Option<Diagnostic> {
    match src.value.get("openapi") {
        None if src.value.get("swagger").is_some() => Some(src.diagnostic(
            "/swagger",
            "Swagger 2.0 documents are not supported: convert the spec to OpenAPI 3.0.x",
        )),
        None => Some(src.diagnostic(
            "",
            "missing `openapi` version field: expected an OpenAPI 3.0.x document",
        )),
        Some(Value::String(v)) if v.starts_with("3.0.") => None,
        Some(Value::String(v)) => Some(src.diagnostic(
            "/openapi",
            format!(
                "OpenAPI {v} documents are not supported: the generators read OpenAPI 3.0.x \
                 (openapiv3 and progenitor do not support 3.1)"
            ),
        )),
        Some(other) => Some(src.diagnostic(
            "/openapi",
            format!("`openapi` must be a version string such as \"3.0.3\", not {other}"),
        )),
    }
}

/// Runs every structural check and returns all problems found, sorted by position.
pub fn lint(src: &ParsedSource) -> Vec<Diagnostic> {
    let mut linter = Linter {
        src,
        root: &src.value,
        problems: Vec::new(),
    };
    linter.walk(&src.value, String::new());
    linter.servers();
    linter.paths();
    let mut problems = linter.problems;
    problems.sort();
    problems.dedup();
    problems
}

struct Linter<'a> {
    src: &'a ParsedSource,
    root: &'a Value,
    problems: Vec<Diagnostic>,
}

/// Unescapes a JSON pointer and looks it up.
fn lookup<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

impl<'a> Linter<'a> {
    fn report(&mut self, at: impl Into<String>, message: impl Into<String>) {
        let d = self.src.diagnostic(at, message);
        self.problems.push(d);
    }

    /// Follows `$ref`s from `value` (at `at`) to the node they name, with that node's pointer.
    /// Dangling and circular references are reported by `walk`, so here they end the chain.
    fn resolve(&self, value: &'a Value, at: String) -> Option<(&'a Value, String)> {
        document::resolve(self.root, value, at).ok()
    }

    /// Visits every node: `$ref` targets, `x-cni-*` extensions, `required` lists.
    fn walk(&mut self, value: &'a Value, at: String) {
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

    fn reference(&mut self, reference: &Value, at: String) {
        match reference.as_str() {
            None => self.report(at, "`$ref` must be a string"),
            Some(r) if !r.starts_with("#/") => self.report(
                at,
                format!("external $ref `{r}` is not supported: keep the whole spec in one file"),
            ),
            Some(r) if lookup(self.root, r).is_none() => self.report(
                at,
                format!("dangling $ref `{r}`: nothing is defined at that pointer"),
            ),
            Some(r) => {
                // A chain of aliases that comes back on itself names no schema at all.
                if let Some(target) = lookup(self.root, r) {
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

    fn extension(
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
    fn same_prefix(
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

    fn servers(&mut self) {
        let url = self
            .root
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        if url.is_none() {
            self.report(
                "/servers",
                "the spec needs a `servers` entry with an absolute http(s) URL: it is the \
                 client's default base URL",
            );
        }
    }

    fn declared_security_schemes(&self) -> BTreeSet<&'a str> {
        self.root
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn security(&mut self, requirements: &'a Value, at: String) {
        let declared = self.declared_security_schemes();
        for (i, requirement) in requirements.as_array().into_iter().flatten().enumerate() {
            for name in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
                if !declared.contains(name.as_str()) {
                    self.report(
                        format!("{at}/{i}{}", pointer([name])),
                        format!("security requirement names `{name}`, which is not declared in components.securitySchemes"),
                    );
                }
            }
        }
    }

    fn paths(&mut self) {
        if let Some(security) = self.root.get("security") {
            self.security(security, "/security".into());
        }
        let declared_tags: BTreeSet<&str> = self
            .root
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .collect();
        let Some(paths) = self.root.get("paths").and_then(Value::as_object) else {
            self.report("/paths", "the spec declares no `paths`");
            return;
        };
        for path in paths.keys().filter(|p| !p.starts_with('/')) {
            self.report(
                pointer(["paths", path.as_str()]),
                format!("path `{path}` must start with `/`"),
            );
        }
        let mut seen_ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for node in document::operations(self.root) {
            let (item_at, op_at) = (node.item_pointer(), node.pointer());
            self.operation(node.op, &op_at, &mut seen_ids, &declared_tags);
            let template = template_params(node.path);
            self.parameters(node.path, &template, node.item, node.op, &item_at, &op_at);
            if let Some(security) = node.op.get("security") {
                self.security(security, format!("{op_at}/security"));
            }
        }
        // Report each repeated operationId where it repeats, in file order.
        for (id, mut places) in seen_ids {
            places.sort_by_key(|p| {
                let l = self.src.locate(p);
                (l.line, l.column)
            });
            let first = self.src.locate(&places[0]).line;
            for place in &places[1..] {
                self.report(
                    place.clone(),
                    format!("duplicate operationId `{id}`: already used at line {first}"),
                );
            }
        }
    }

    fn operation(
        &mut self,
        op: &'a Value,
        op_at: &str,
        seen_ids: &mut BTreeMap<&'a str, Vec<String>>,
        declared_tags: &BTreeSet<&str>,
    ) {
        match op.get("operationId").and_then(Value::as_str) {
            None => self.report(
                op_at,
                "operation has no `operationId`: every operation needs one to name its method",
            ),
            Some(id) => {
                let valid = id.starts_with(|c: char| c.is_ascii_lowercase())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !valid {
                    self.report(
                        format!("{op_at}/operationId"),
                        format!("operationId `{id}` must be snake_case (a-z, 0-9, _), as it names a Rust method"),
                    );
                }
                seen_ids
                    .entry(id)
                    .or_default()
                    .push(format!("{op_at}/operationId"));
            }
        }
        let tags: Vec<&str> = op
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match tags.as_slice() {
            [tag] if declared_tags.contains(tag) => {}
            [tag] => self.report(
                format!("{op_at}/tags/0"),
                format!("tag `{tag}` is not declared in the top-level `tags` list"),
            ),
            _ => self.report(
                op_at,
                "operation must have exactly one tag: it names the operation's resource group",
            ),
        }
        self.request_body(op, op_at);
        self.responses(op, op_at);
    }

    fn parameters(
        &mut self,
        path: &str,
        template: &[String],
        item: &'a Value,
        op: &'a Value,
        item_at: &str,
        op_at: &str,
    ) {
        let mut path_params: BTreeMap<String, String> = BTreeMap::new();
        let lists = [(item, item_at.to_string()), (op, op_at.to_string())];
        for (owner, owner_at) in lists {
            let Some(params) = owner.get("parameters").and_then(Value::as_array) else {
                continue;
            };
            for (i, param) in params.iter().enumerate() {
                let at = format!("{owner_at}/parameters/{i}");
                let Some((param, _)) = self.resolve(param, at.clone()) else {
                    continue;
                };
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let location = param.get("in").and_then(Value::as_str).unwrap_or_default();
                let schema = param
                    .get("schema")
                    .and_then(|s| self.resolve(s, format!("{at}/schema")))
                    .map(|(s, _)| s);
                let kind = schema.and_then(|s| s.get("type")).and_then(Value::as_str);
                match location {
                    "path" => {
                        path_params.insert(name.to_string(), at.clone());
                        if !matches!(kind, Some("string" | "integer")) {
                            self.report(
                                at,
                                format!("path parameter `{name}` must be a string or integer"),
                            );
                        }
                    }
                    "query" => {
                        if !matches!(kind, Some("string" | "integer" | "boolean" | "number")) {
                            self.report(
                                at,
                                format!(
                                    "query parameter `{name}` must have a scalar schema \
                                     (string, integer, number or boolean), not {}",
                                    kind.unwrap_or("an untyped one")
                                ),
                            );
                        }
                    }
                    "header" => {}
                    other => self.report(
                        format!("{at}/in"),
                        format!("parameters `in: {other}` are not supported (path, query and header are)"),
                    ),
                }
            }
        }
        for name in template {
            if !path_params.contains_key(name) {
                self.report(
                    op_at,
                    format!("path `{path}` has `{{{name}}}` but the operation declares no path parameter `{name}`"),
                );
            }
        }
        for (name, at) in path_params {
            if !template.contains(&name) {
                self.report(
                    at,
                    format!(
                        "path parameter `{name}` does not appear in the path template `{path}`"
                    ),
                );
            }
        }
    }

    fn request_body(&mut self, op: &'a Value, op_at: &str) {
        let Some(body) = op.get("requestBody") else {
            return;
        };
        let Some((body, body_at)) = self.resolve(body, format!("{op_at}/requestBody")) else {
            return;
        };
        let content = body.get("content").and_then(Value::as_object);
        match content {
            Some(content) if !content.is_empty() => {
                for media_type in content.keys() {
                    if media_type != JSON_MEDIA_TYPE {
                        self.report(
                            format!("{body_at}{}", pointer(["content", media_type.as_str()])),
                            format!(
                                "unsupported request media type `{media_type}`: request bodies \
                                 must be `{JSON_MEDIA_TYPE}`"
                            ),
                        );
                    }
                }
            }
            _ => self.report(body_at, "request body declares no `content`"),
        }
    }

    fn responses(&mut self, op: &'a Value, op_at: &str) {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            self.report(op_at, "operation declares no `responses`");
            return;
        };
        let mut success: Vec<&str> = Vec::new();
        let mut error_schemas: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (status, response) in responses {
            let at = format!("{op_at}{}", pointer(["responses", status.as_str()]));
            let is_success = status.starts_with('2');
            let is_error =
                status.starts_with('4') || status.starts_with('5') || status == "default";
            if !(is_success || is_error) {
                self.report(
                    at.clone(),
                    format!("response status `{status}` is not supported (2xx, 4xx, 5xx or default are)"),
                );
            }
            if is_success {
                success.push(status);
            }
            let Some((response, response_at)) = self.resolve(response, at) else {
                continue;
            };
            let content = response.get("content").and_then(Value::as_object);
            for (media_type, media) in content.into_iter().flatten() {
                let media_at =
                    format!("{response_at}{}", pointer(["content", media_type.as_str()]));
                let schema = media
                    .get("schema")
                    .and_then(|s| self.resolve(s, format!("{media_at}/schema")))
                    .map(|(s, _)| s);
                let binary = schema.is_some_and(|s| {
                    s.get("type").and_then(Value::as_str) == Some("string")
                        && s.get("format").and_then(Value::as_str) == Some("binary")
                });
                let ok = media_type == JSON_MEDIA_TYPE || (is_success && binary);
                if !ok {
                    self.report(
                        media_at.clone(),
                        format!(
                            "unsupported response media type `{media_type}`: responses must be \
                             `{JSON_MEDIA_TYPE}`, or for a success a `type: string, format: binary` body"
                        ),
                    );
                }
                if is_error {
                    let name = media
                        .get("schema")
                        .and_then(|s| s.get("$ref"))
                        .and_then(Value::as_str)
                        .unwrap_or("an inline schema")
                        .to_string();
                    error_schemas.entry(name).or_default().push(status);
                }
            }
        }
        if success.len() > 1 {
            self.report(
                format!("{op_at}/responses"),
                format!(
                    "operation declares {} success responses ({}): the generated client returns \
                     exactly one success type",
                    success.len(),
                    success.join(", ")
                ),
            );
        }
        if success.is_empty() {
            self.report(
                format!("{op_at}/responses"),
                "operation declares no 2xx response",
            );
        }
        if error_schemas.len() > 1 {
            let listing: Vec<String> = error_schemas
                .iter()
                .map(|(schema, statuses)| format!("{} for {}", schema, statuses.join(", ")))
                .collect();
            self.report(
                format!("{op_at}/responses"),
                format!(
                    "error responses use different schemas ({}): every 4xx/5xx must share one \
                     error envelope",
                    listing.join("; ")
                ),
            );
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_params_in_order() {
        assert_eq!(
            template_params("/accounts/{account_id}/cni/cnis/{cni}"),
            vec!["account_id".to_string(), "cni".to_string()]
        );
        assert!(template_params("/a/b").is_empty());
    }
}
