//! Checks on each operation: its id and tag, parameters against the path template, the
//! request body and the responses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;

impl<'a> Linter<'a> {
    pub(super) fn paths(&mut self) {
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

    pub(super) fn operation(
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

    pub(super) fn parameters(
        &mut self,
        path: &str,
        template: &[String],
        item: &'a Value,
        op: &'a Value,
        item_at: &str,
        op_at: &str,
    ) {
        let mut path_params: BTreeMap<String, String> = BTreeMap::new();
        // The Rust name each parameter's setter gets (progenitor's), and whose it is.
        let mut setters: BTreeMap<String, (String, String)> = BTreeMap::new();
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
                let setter = crate::naming::progenitor_field_name(name);
                match setters.get(&setter) {
                    // Cloudflare's Radar: the path's `http_protocol` beside the query's
                    // `httpProtocol`, one builder field twice (or one name in the path and
                    // the query; the same name and place again is an operation's override).
                    Some((other, place)) if other != name || place != location => {
                        let both = match other == name {
                            true => {
                                format!("the {place} parameter `{name}` and the {location} one")
                            }
                            false => format!("parameters `{other}` and `{name}`"),
                        };
                        self.report(
                            at.clone(),
                            format!(
                                "{both} would both be the client's `{setter}`: progenitor's \
                                 request builder cannot hold them apart"
                            ),
                        )
                    }
                    _ => {
                        setters.insert(setter, (name.to_string(), location.to_string()));
                    }
                }
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
                    "query" if kind == Some("array") => {
                        self.query_list(param, schema, name, &at);
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

    /// A query parameter that is a list: of scalars, sent as its key repeated (`form`,
    /// exploded: OpenAPI's default and what Cloudflare mostly writes) or comma-separated
    /// (`form`, not exploded: Zaraz's `ids`), the forms both the client and the server speak.
    fn query_list(&mut self, param: &'a Value, schema: Option<&'a Value>, name: &str, at: &str) {
        let items = schema
            .and_then(|s| s.get("items"))
            .and_then(|i| self.resolve(i, format!("{at}/schema/items")))
            .map(|(i, _)| i);
        let item_kind = items.and_then(|i| i.get("type")).and_then(Value::as_str);
        if !matches!(item_kind, Some("string" | "integer" | "boolean" | "number")) {
            self.report(
                at.to_string(),
                format!(
                    "query parameter `{name}` is a list of {}: a query list holds scalars \
                     (string, integer, number or boolean)",
                    item_kind.unwrap_or("untyped items")
                ),
            );
        }
        let style = param.get("style").and_then(Value::as_str).unwrap_or("form");
        let explode = param
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        // `form`: the key repeated (exploded, the default) or one value comma-separated.
        if style != "form" {
            self.report(
                at.to_string(),
                format!(
                    "query parameter `{name}` is a list sent as `style: {style}, explode: \
                     {explode}`: lists are sent in `style: form`, the key repeated \
                     (`explode: true`) or the items comma-separated (`explode: false`)"
                ),
            );
        }
    }

    /// A JSON body is a component (`$ref`): the generated types name it, and forward
    /// compatibility and validation reach it like every other object.
    fn named_body(&mut self, media: &Value, at: String) {
        if let Some(schema) = media.get("schema") {
            if schema.get("$ref").is_none()
                && schema.get("type").and_then(Value::as_str) != Some("string")
            {
                self.report(
                    at,
                    "a JSON body must be a `$ref` to a component schema (`cargo xtask import` \
                     hoists an inline one as `{Operation}Request` or `{Operation}Response`)",
                );
            }
        }
    }

    pub(super) fn request_body(&mut self, op: &'a Value, op_at: &str) {
        let Some(body) = op.get("requestBody") else {
            return;
        };
        let Some((body, body_at)) = self.resolve(body, format!("{op_at}/requestBody")) else {
            return;
        };
        let content = body.get("content").and_then(Value::as_object);
        match content {
            // One media type sent as bytes (octet-stream, a script, NDJSON), whatever its
            // schema says of them.
            Some(content) if crate::document::bytes_media_type(content).is_some() => {}
            // A multipart form: its parts are the schema's properties, whatever they are.
            Some(content) if crate::document::multipart_schema(content).is_some() => {}
            Some(content) if !content.is_empty() => {
                for (media_type, media) in content {
                    let schema_at = format!(
                        "{body_at}{}",
                        pointer(["content", media_type.as_str(), "schema"])
                    );
                    self.named_body(media, schema_at.clone());
                    if media_type != JSON_MEDIA_TYPE {
                        self.report(
                            format!("{body_at}{}", pointer(["content", media_type.as_str()])),
                            format!(
                                "unsupported request media type `{media_type}`: a request body \
                                 is `{JSON_MEDIA_TYPE}`, a `multipart/form-data` form, or bytes of one other media type"
                            ),
                        );
                    }
                }
            }
            _ => self.report(body_at, "request body declares no `content`"),
        }
    }

    pub(super) fn responses(&mut self, op: &'a Value, op_at: &str) {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            self.report(op_at, "operation declares no `responses`");
            return;
        };
        let mut success: Vec<&str> = Vec::new();
        let mut success_contents: Vec<Value> = Vec::new();
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
            let Some((response, response_at)) = self.resolve(response, at) else {
                continue;
            };
            if is_success {
                success.push(status);
                // What the client would decode: the media types and their schemas.
                let content = response.get("content").cloned().unwrap_or(Value::Null);
                if !success_contents.contains(&content) {
                    success_contents.push(content);
                }
            }
            let content = response.get("content").and_then(Value::as_object);
            for (media_type, media) in content.into_iter().flatten() {
                let media_at =
                    format!("{response_at}{}", pointer(["content", media_type.as_str()]));
                // Resolving the schema reports a `$ref` that points at nothing.
                let _ = media
                    .get("schema")
                    .and_then(|s| self.resolve(s, format!("{media_at}/schema")));
                if is_success && media_type == JSON_MEDIA_TYPE {
                    self.named_body(media, format!("{media_at}/schema"));
                }
                // A success of any other media type (a PDF, `text/csv`, an image) is read as
                // bytes through the download path, whatever its schema says of them.
                let ok = media_type == JSON_MEDIA_TYPE || is_success;
                if !ok {
                    self.report(
                        media_at.clone(),
                        format!(
                            "unsupported error media type `{media_type}`: an error answer must \
                             be `{JSON_MEDIA_TYPE}`"
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
        // Several successes of one content (a 200 and a 202 of one schema) are one type.
        if success_contents.len() > 1 {
            self.report(
                format!("{op_at}/responses"),
                format!(
                    "operation declares {} success responses of different content ({}): the \
                     generated client returns exactly one success type (`cargo xtask import` \
                     makes their JSON schemas one union)",
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
