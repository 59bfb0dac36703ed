//! Cloudflare's document where it is sloppy but its meaning is plain. Each construct below is
//! read by a written rule; each time a rule applies, the import warns, naming where (the
//! operation, or the schema's place) and the rule. None of them stops the rest of the
//! document.
//!
//! - **Parameters** (`parameters`): a parameter schema that reaches its type only through
//!   `$ref`s and one-member `allOf`s (`dlp_user_id: allOf: [$ref dlp_uuid]`) is written out,
//!   silently, since nothing changes (so is a `$ref` to a list, which the query and the
//!   command line spell as a list of its items, not as a named type); one with no type at all (`{}`), or a composition of
//!   types, is a string: a path segment, a query value and a header are text on the wire
//!   (one whose `enum` is of numbers or booleans is of that type); a list of untyped items is
//!   of strings. A query parameter that is an object, sent as an exploded form (the query's
//!   default), is its properties, each a query parameter: that is what goes on the wire. A
//!   query or header parameter that is a path parameter again (by name, or by the Rust name
//!   it would have) is left out: the path carries it.
//! - **Media types** (`media types`): a media type that is not `type/subtype` (Cloudflare
//!   writes `undefined` for a Worker script's download) is `application/octet-stream` in a
//!   success answer (bytes, whatever the server sends) and is dropped from an error answer,
//!   whose body the client keeps as the error's text. A request that offers a
//!   `multipart/form-data` form beside other media types that are not JSON (a Worker's script
//!   as `application/javascript`) is sent as the form.
//! - **Bodies** (`bodies`): a JSON body with no schema, or the empty schema `{}`, is any
//!   JSON object in a request (what Cloudflare's endpoints take there, `{}` at least), and is
//!   left out of an error answer, whose body the client keeps as the error's text. (A success
//!   answer's `{}` is any JSON, as written: the import hoists it like every body.)
//! - **Responses** (`responses`): a `default` answer beside a declared success is the
//!   operation's failures (Cloudflare writes its error envelope there, sometimes as a `oneOf`
//!   with the success): it is read as `4XX` and `5XX` where those are not declared. (A client
//!   has one success type; `default` counted as one more made progenitor stop.) Several
//!   success answers of different JSON schemas (a finished scan's 200, an accepted one's 202)
//!   each answer the union of them, `{Operation}Answer`; beside a success of bytes (a PNG),
//!   the others are read as those bytes too.
//! - **Errors** (`errors`): an operation whose failures carry different schemas (a
//!   product's own failure envelope at `4XX` beside the shared one an overlay declares at 401)
//!   answers every failure of the envelope's shape (an object with `errors` and `success`)
//!   as the shared envelope: `ErrorEnvelope` where the document has it, else the envelope most
//!   of its failures name; so is a failure with no body (Cloudflare answers every failure in
//!   its envelope). A failure whose body is of another shape is left out of the operation's
//!   statuses, and the client keeps such an answer whole as an unexpected response:
//!   progenitor has one error type per operation, and nothing is lost.
//! - **Defaults** (`defaults`): a `default` that is not a value of its schema's type is read
//!   as the JSON it spells where that is one (`"true"` for a boolean, `"[]"` for an array:
//!   Cloudflare quotes them), and is dropped otherwise (`"none"` for a list): a generated
//!   `Default` must hold a value the type can hold.
//! - **Types** (`types`): a schema that is `format: binary` and nothing else (Cloudflare's
//!   image upload's `file` part) is a string of bytes; an `enum` with no type whose values
//!   are of one type is of that type.
//! - **Required names** (`required`): a name in `required` that the object's `properties` do
//!   not declare (JSON Schema allows it: "present, any value") is dropped from `required`:
//!   the field is not demanded of answers, and an answer that has it keeps it (unknown fields
//!   are kept), so nothing is lost. A schema that is nothing but a `required` list is an
//!   object.

use serde_json::{Map, Value};

use crate::diagnostic::escape_token;
use crate::document::METHODS;

/// How far `$ref`s and one-member `allOf`s are followed; a longer chain is left as written
/// (and the lint says what is wrong with it).
const FOLLOW_DEPTH: usize = 16;

/// `{components: {schemas}}` of `document`, copied: what its `$ref`s name, for rules that
/// change the document while they follow them.
pub(super) fn components_snapshot(document: &Value) -> Value {
    serde_json::json!({"components": {"schemas": document
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()))}})
}

/// The parameter and media-type rules; returns one warning per application.
pub(super) fn parameters_and_media_types(document: &mut Value) -> Vec<String> {
    // The schemas as the document gives them, where `$ref`s resolve while parameters change.
    let components = components_snapshot(document);
    let mut warnings = Vec::new();
    if let Some(Value::Object(parameters)) = document.pointer_mut("/components/parameters") {
        for (name, parameter) in parameters.iter_mut() {
            let at = format!("components/parameters/{name}");
            parameter_schema(parameter, &components, &at, &mut warnings);
        }
    }
    // A shared request body (Cloudflare's `workers_script_upload`) by the same rules as an
    // operation's own.
    if let Some(Value::Object(bodies)) = document.pointer_mut("/components/requestBodies") {
        for (name, body) in bodies.iter_mut() {
            if let Some(Value::Object(content)) = body.get_mut("content") {
                let at = format!("components/requestBodies/{name}");
                media_types(content, "request", &at, &mut warnings);
            }
        }
    }
    let shared_parameters = document
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let shared_responses = serde_json::json!({"components": {"responses": document
        .pointer("/components/responses")
        .cloned()
        .unwrap_or(Value::Null)}});
    let mut unions: Vec<(String, Value)> = Vec::new();
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return warnings;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let item_parameters = item.get("parameters").cloned().unwrap_or(Value::Null);
        if let Some(Value::Array(list)) = item.get_mut("parameters") {
            let at = format!("path {path}");
            for parameter in list {
                parameter_schema(parameter, &components, &at, &mut warnings);
            }
        }
        for method in METHODS {
            let Some(Value::Object(op)) = item.get_mut(method) else {
                continue;
            };
            let at = format!("{} {path}", method.to_ascii_uppercase());
            if let Some(Value::Array(list)) = op.get_mut("parameters") {
                path_duplicates(
                    list,
                    &item_parameters,
                    &shared_parameters,
                    &at,
                    &mut warnings,
                );
                object_query_parameters(list, &components, &at, &mut warnings);
                for parameter in list {
                    parameter_schema(parameter, &components, &at, &mut warnings);
                }
            }
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(Value::Object(responses)) = op.get_mut("responses") {
                default_as_failures(responses, &at, &mut warnings);
                let taken = |name: &str| {
                    components
                        .pointer(&format!("/components/schemas/{name}"))
                        .is_some()
                        || unions.iter().any(|(n, _)| n == name)
                };
                if let Some(union) =
                    several_successes(responses, &operation_id, &taken, &at, &mut warnings)
                {
                    unions.push(union);
                }
                for (status, response) in responses.iter_mut() {
                    if let Some(Value::Object(content)) = response.get_mut("content") {
                        media_types(content, status, &at, &mut warnings);
                    }
                }
                one_failure_envelope(
                    responses,
                    &components,
                    &shared_responses,
                    &at,
                    &mut warnings,
                );
            }
            let request = op
                .get_mut("requestBody")
                .and_then(|b| b.get_mut("content"))
                .and_then(Value::as_object_mut);
            if let Some(content) = request {
                media_types(content, "request", &at, &mut warnings);
            }
        }
    }
    if !unions.is_empty() {
        if let Some(root) = document.as_object_mut() {
            let schemas = root
                .entry("components")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .map(|components| {
                    components
                        .entry("schemas")
                        .or_insert_with(|| Value::Object(Map::new()))
                });
            if let Some(Value::Object(schemas)) = schemas {
                schemas.extend(unions);
            }
        }
    }
    warnings
}

/// A parameter's name and place (`in`), through a `$ref` to a shared one.
fn name_and_place<'v>(parameter: &'v Value, shared: &'v Value) -> Option<(&'v str, &'v str)> {
    let parameter = match parameter.get("$ref").and_then(Value::as_str) {
        Some(reference) => shared.get(reference.strip_prefix("#/components/parameters/")?)?,
        None => parameter,
    };
    Some((
        parameter.get("name")?.as_str()?,
        parameter.get("in")?.as_str()?,
    ))
}

/// Rule *parameters* on an operation's list: a query or header parameter that is a path
/// parameter again (a firewall rule's `id` in the path and the query; Radar's
/// `{http_protocol}` beside `httpProtocol`), by name or by the Rust name it would have, is
/// left out: the path carries the value, and one request builder cannot hold both.
fn path_duplicates(
    list: &mut Vec<Value>,
    item_parameters: &Value,
    shared: &Value,
    at: &str,
    warnings: &mut Vec<String>,
) {
    let in_path: Vec<String> = list
        .iter()
        .chain(item_parameters.as_array().into_iter().flatten())
        .filter_map(|p| name_and_place(p, shared))
        .filter(|(_, place)| *place == "path")
        .map(|(name, _)| crate::naming::progenitor_field_name(name))
        .collect();
    let mut dropped = Vec::new();
    list.retain(|p| match name_and_place(p, shared) {
        Some((name, place))
            if place != "path" && in_path.contains(&crate::naming::progenitor_field_name(name)) =>
        {
            dropped.push(format!("{place} parameter `{name}`"));
            false
        }
        _ => true,
    });
    for parameter in dropped {
        warnings.push(format!(
            "{at}: {parameter} is a path parameter again: left out (rule `parameters`: the \
             path carries it)"
        ));
    }
}

/// Rule *parameters* on an operation's list: a query parameter whose schema is an object
/// (Cloudflare's `start_end_params: {start, end}`), sent as a form and exploded (OpenAPI's
/// default for the query), is on the wire its properties, each a key of the query: it is
/// those properties, each a query parameter (required where the object is and lists it).
/// One whose property names a parameter the operation has is left as it is.
fn object_query_parameters(
    list: &mut Vec<Value>,
    components: &Value,
    at: &str,
    warnings: &mut Vec<String>,
) {
    let mut index = 0;
    while index < list.len() {
        let parameter = &list[index];
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let exploded_form = parameter.get("in").and_then(Value::as_str) == Some("query")
            && parameter.get("style").is_none_or(|s| s == "form")
            && parameter.get("explode").is_none_or(|e| e == true);
        let object = parameter
            .get("schema")
            .and_then(|schema| written_out(schema, components, 0))
            .filter(|schema| {
                schema.get("type").and_then(Value::as_str) == Some("object")
                    && schema.get("properties").is_some_and(Value::is_object)
            });
        let Some(object) = object.filter(|_| exploded_form) else {
            index += 1;
            continue;
        };
        let required_object = parameter.get("required") == Some(&Value::Bool(true));
        let required: Vec<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = object.get("properties").and_then(Value::as_object);
        let taken = |key: &str| {
            list.iter().any(|p| {
                p.get("name").and_then(Value::as_str) == Some(key)
                    && p.get("in") == Some(&Value::from("query"))
            })
        };
        let collides =
            properties.is_some_and(|props| props.keys().any(|key| key != name && taken(key)));
        if collides {
            index += 1;
            continue;
        }
        let expanded: Vec<Value> = properties
            .into_iter()
            .flatten()
            .map(|(key, schema)| {
                let mut parameter = Map::new();
                parameter.insert("name".into(), Value::String(key.clone()));
                parameter.insert("in".into(), Value::String("query".into()));
                if let Some(description) = schema.get("description") {
                    parameter.insert("description".into(), description.clone());
                }
                if required_object && required.contains(&key.as_str()) {
                    parameter.insert("required".into(), Value::Bool(true));
                }
                parameter.insert("schema".into(), schema.clone());
                Value::Object(parameter)
            })
            .collect();
        let keys: Vec<String> = expanded
            .iter()
            .filter_map(|p| {
                p.get("name")
                    .and_then(Value::as_str)
                    .map(|k| format!("`{k}`"))
            })
            .collect();
        warnings.push(format!(
            "{at}: query parameter `{name}` is an object: its properties {} are the query's keys \
             (rule `parameters`: an exploded form object is its properties)",
            keys.join(", ")
        ));
        let count = expanded.len();
        list.splice(index..=index, expanded);
        index += count;
    }
}

/// Rule *responses*: `default` beside a success is the failures.
fn default_as_failures(responses: &mut Map<String, Value>, at: &str, warnings: &mut Vec<String>) {
    if !responses.keys().any(|status| status.starts_with('2')) {
        return;
    }
    let Some(default) = responses.remove("default") else {
        return;
    };
    let mut read_as = Vec::new();
    for range in ["4XX", "5XX"] {
        if !responses.contains_key(range) {
            responses.insert(range.to_string(), default.clone());
            read_as.push(range);
        }
    }
    warnings.push(format!(
        "{at}: the `default` answer beside a success is read as {} (rule `responses`: the \
         operation's failures)",
        if read_as.is_empty() {
            "nothing more: 4XX and 5XX are declared".to_string()
        } else {
            read_as.join(" and ")
        }
    ));
}

/// The schema of an error answer's JSON body (a `$ref` or inline), through a
/// `$ref` to a shared response.
fn failure_schema<'v>(response: &'v Value, shared_responses: &'v Value) -> Option<&'v Value> {
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => crate::document::target(shared_responses, reference)?,
        None => response,
    };
    let content = response.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| is_json(media))
        .and_then(|(_, body)| body.get("schema"))
}

/// Whether `schema` is of Cloudflare's failure envelope's shape: an object with `errors` and
/// `success`, directly or through `$ref`s and `allOf` members.
fn envelope_shaped(schema: &Value, components: &Value, depth: usize) -> bool {
    if depth > FOLLOW_DEPTH {
        return false;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return crate::document::target(components, reference)
            .is_some_and(|inner| envelope_shaped(inner, components, depth + 1));
    }
    let own = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.contains_key("errors") && p.contains_key("success"));
    own || schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|members| {
            members
                .iter()
                .any(|m| envelope_shaped(m, components, depth + 1))
        })
}

fn is_failure(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

/// Rule *errors*: one failure envelope per operation.
fn one_failure_envelope(
    responses: &mut Map<String, Value>,
    components: &Value,
    shared_responses: &Value,
    at: &str,
    warnings: &mut Vec<String>,
) {
    // Each failure's schema as written (a `$ref`, or the inline schema itself), `null` for a
    // failure with no JSON body.
    let written: Vec<(String, Value)> = responses
        .iter()
        .filter(|(status, _)| is_failure(status))
        .map(|(status, response)| {
            let schema = failure_schema(response, shared_responses);
            (status.clone(), schema.cloned().unwrap_or(Value::Null))
        })
        .collect();
    let mut distinct: Vec<&Value> = Vec::new();
    for (_, schema) in &written {
        if !distinct.contains(&schema) {
            distinct.push(schema);
        }
    }
    if distinct.len() < 2 {
        return;
    }
    const SHARED: &str = "#/components/schemas/ErrorEnvelope";
    let shared = if crate::document::target(components, SHARED).is_some() {
        SHARED.to_string()
    } else {
        // The envelope `$ref` most failures name; the first by name on a tie.
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for (_, schema) in &written {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                if envelope_shaped(schema, components, 0) {
                    *counts.entry(reference).or_default() += 1;
                }
            }
        }
        let most = counts.values().copied().max().unwrap_or(0);
        match counts.into_iter().find(|(_, n)| *n == most && most > 0) {
            Some((reference, _)) => reference.to_string(),
            None => return,
        }
    };
    let envelope = serde_json::json!({"$ref": shared});
    for (status, schema) in written {
        if schema == envelope {
            continue;
        }
        if schema.is_null() || envelope_shaped(&schema, components, 0) {
            let Some(response) = responses.get_mut(&status) else {
                continue;
            };
            // A shared response is copied into the operation, not changed for every user.
            let mut own = match response.get("$ref") {
                Some(_) => match failure_owner(response, shared_responses) {
                    Some(copy) => copy,
                    None => continue,
                },
                None => response.clone(),
            };
            let Some(fields) = own.as_object_mut() else {
                continue;
            };
            let content = fields
                .entry("content")
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(content) = content.as_object_mut() else {
                continue;
            };
            let json: Vec<String> = content.keys().filter(|m| is_json(m)).cloned().collect();
            if json.is_empty() {
                content.insert(
                    "application/json".into(),
                    serde_json::json!({"schema": envelope.clone()}),
                );
            }
            for media in &json {
                if let Some(Value::Object(body)) = content.get_mut(media) {
                    body.insert("schema".into(), envelope.clone());
                }
            }
            warnings.push(match schema.is_null() {
                true => format!(
                    "{at}: the {status} answer has no body beside failures in `{shared}`: \
                     read as `{shared}` (rule `errors`: Cloudflare answers every failure in \
                     its envelope)"
                ),
                false => format!(
                    "{at}: the {status} answer's failure envelope is read as `{shared}` (rule \
                     `errors`: one envelope for an operation's failures)"
                ),
            });
            *response = own;
        } else {
            responses.remove(&status);
            warnings.push(format!(
                "{at}: the {status} answer's body is not the failure envelope `{shared}`: \
                 the status is left out (rule `errors`: the client keeps such an answer whole, \
                 as an unexpected response)"
            ));
        }
    }
}

/// A shared response a `$ref` names, copied.
fn failure_owner(response: &Value, shared_responses: &Value) -> Option<Value> {
    let reference = response.get("$ref")?.as_str()?;
    crate::document::target(shared_responses, reference).cloned()
}

/// Rule *responses*: several success answers whose JSON schemas differ (a finished scan's
/// 200 and an accepted one's 202) answer one union of them, a component named after the
/// operation (`{Operation}Answer`), so that the client returns one type for each and keeps
/// whichever came. Returns the union to add to `components/schemas`, if one is made.
fn several_successes(
    responses: &mut Map<String, Value>,
    operation_id: &str,
    taken: &dyn Fn(&str) -> bool,
    at: &str,
    warnings: &mut Vec<String>,
) -> Option<(String, Value)> {
    let json = "application/json";
    // A success of bytes (a screenshot's `image/png`) beside a JSON one (a 202 "not yet"):
    // every success is read as those bytes, through the download path, which keeps
    // whatever came.
    let bytes = responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .find_map(|(status, response)| {
            let content = response.get("content")?.as_object()?;
            content
                .keys()
                .any(|media| media != json)
                .then(|| (status.clone(), Value::Object(content.clone())))
        });
    if let Some((first, content)) = bytes {
        let mut read = Vec::new();
        for (status, response) in responses.iter_mut() {
            let other = status.starts_with('2')
                && *status != first
                && response.get("content").is_some_and(|c| *c != content);
            if let (true, Some(response)) = (other, response.as_object_mut()) {
                response.insert("content".into(), content.clone());
                read.push(status.clone());
            }
        }
        if !read.is_empty() {
            let media: Vec<&String> = content
                .as_object()
                .into_iter()
                .flat_map(|c| c.keys())
                .collect();
            warnings.push(format!(
                "{at}: the {} answer beside the {first} of `{}` is read as its bytes too (rule \
                 `responses`: one success type, the download path keeps whatever came)",
                read.join(" and "),
                media.first().map_or("", |m| m.as_str())
            ));
        }
        return None;
    }
    let schemas: Vec<(String, Value)> = responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .filter_map(|(status, response)| {
            let schema = response.get("content")?.get(json)?.get("schema")?;
            Some((status.clone(), schema.clone()))
        })
        .collect();
    let mut members: Vec<Value> = Vec::new();
    for (_, schema) in &schemas {
        if !members.contains(schema) {
            members.push(schema.clone());
        }
    }
    if members.len() < 2 {
        return None;
    }
    let base = crate::naming::type_name(&format!(
        "{}Answer",
        crate::naming::camel_case(operation_id)
    ));
    let mut name = base.clone();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    let reference = Value::String(format!("#/components/schemas/{name}"));
    for (status, _) in &schemas {
        if let Some(Value::Object(media)) = responses
            .get_mut(status)
            .and_then(|r| r.get_mut("content"))
            .and_then(|c| c.get_mut(json))
        {
            let mut schema = Map::new();
            schema.insert("$ref".into(), reference.clone());
            media.insert("schema".into(), Value::Object(schema));
        }
    }
    let statuses: Vec<&str> = schemas.iter().map(|(s, _)| s.as_str()).collect();
    warnings.push(format!(
        "{at}: the {} answers have different schemas: each is `{name}`, the union of them \
         (rule `responses`: one success type, whichever answer came)",
        statuses.join(" and ")
    ));
    let mut union = Map::new();
    union.insert(
        "description".into(),
        Value::String(format!(
            "What `{operation_id}` answers with: one of its {} answers.",
            statuses.join(" and ")
        )),
    );
    union.insert("oneOf".into(), Value::Array(members));
    Some((name, Value::Object(union)))
}

/// Rule *parameters* on one parameter (one given by `$ref` is repaired where it is defined).
fn parameter_schema(
    parameter: &mut Value,
    components: &Value,
    at: &str,
    warnings: &mut Vec<String>,
) {
    let name = parameter
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let location = parameter
        .get("in")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !matches!(location.as_str(), "path" | "query" | "header") {
        return;
    }
    let Some(schema) = parameter.get_mut("schema") else {
        return;
    };
    // A `$ref` to a typed component stays: it may be a named type (an enum) users know. A
    // list is written out, so that it is a `Vec` of its items on every side (a named list
    // would be a newtype that neither the query nor a repeated flag spells).
    let names_a_typed_component = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| crate::document::target(components, r))
        .is_some_and(|target| target.get("type").is_some_and(|t| t != "array"));
    if names_a_typed_component {
        return;
    }
    let Some(mut written) = written_out(schema, components, 0) else {
        return;
    };
    if !written.contains_key("type") {
        let composed = ["anyOf", "oneOf", "allOf"]
            .iter()
            .any(|k| written.contains_key(*k));
        for key in ["anyOf", "oneOf", "allOf", "not"] {
            written.remove(key);
        }
        // An `enum` of numbers or booleans (Cloudflare's `ssl: enum [0, 1]`) says the type.
        let values = written.get("enum").and_then(Value::as_array);
        let all =
            |test: fn(&Value) -> bool| values.is_some_and(|v| !v.is_empty() && v.iter().all(test));
        // So do bounds (Cloudflare's `per_page: {minimum: 1, maximum: 1000, default: 25}`).
        let bounds: Vec<&Value> = ["minimum", "maximum", "default"]
            .iter()
            .filter_map(|key| written.get(*key))
            .collect();
        let bounded = written.contains_key("minimum") || written.contains_key("maximum");
        let whole = bounds.iter().all(|v| v.is_i64() || v.is_u64());
        let (ty, read_as) = if composed {
            ("string", "a string")
        } else if bounded && whole && values.is_none() {
            ("integer", "an integer, as its bounds are")
        } else if bounded && bounds.iter().all(|v| v.is_number()) && values.is_none() {
            ("number", "a number, as its bounds are")
        } else if all(|v| v.is_i64() || v.is_u64()) {
            ("integer", "an integer, as its values are")
        } else if all(Value::is_number) {
            ("number", "a number, as its values are")
        } else if all(Value::is_boolean) {
            ("boolean", "a boolean, as its values are")
        } else {
            ("string", "a string")
        };
        if ty == "string" {
            // Values of another kind (`enum: [0, "a"]`) are their text on the wire.
            if let Some(Value::Array(values)) = written.get_mut("enum") {
                for value in values.iter_mut().filter(|v| !v.is_string()) {
                    *value = Value::String(value.to_string());
                }
            }
        }
        written.insert("type".into(), Value::String(ty.into()));
        warnings.push(format!(
            "{at}: {location} parameter `{name}` {}: read as {read_as} \
             (rule `parameters`: a parameter is text on the wire)",
            if composed {
                "is a composition of types"
            } else {
                "has no type"
            }
        ));
    }
    // A list of untyped items (Cloudflare's analytics `sort: items: {}`) is of strings.
    if written.get("type").and_then(Value::as_str) == Some("array") {
        let items = written
            .get("items")
            .and_then(|items| written_out(items, components, 0));
        let untyped = items
            .as_ref()
            .is_none_or(|items| !items.contains_key("type") && !items.contains_key("enum"));
        if untyped {
            let mut items = items.unwrap_or_default();
            for key in ["anyOf", "oneOf", "allOf", "not"] {
                items.remove(key);
            }
            items.insert("type".into(), Value::String("string".into()));
            written.insert("items".into(), Value::Object(items));
            warnings.push(format!(
                "{at}: {location} parameter `{name}` is a list of untyped items: of strings \
                 (rule `parameters`: a parameter is text on the wire)"
            ));
        }
    }
    if schema.as_object() != Some(&written) {
        *schema = Value::Object(written);
    }
}

/// `schema` with its `$ref`s and one-member `allOf`s followed (what the outer schema says,
/// a description, stays on top); `None` when the chain is too long or dangles.
fn written_out(schema: &Value, components: &Value, depth: usize) -> Option<Map<String, Value>> {
    if depth > FOLLOW_DEPTH {
        return None;
    }
    let map = schema.as_object()?;
    let inner = if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        Some(crate::document::target(components, reference)?)
    } else {
        match map.get("allOf").and_then(Value::as_array) {
            Some(members) if members.len() == 1 && !map.contains_key("type") => members.first(),
            _ => None,
        }
    };
    let Some(inner) = inner else {
        return Some(map.clone());
    };
    let mut written = written_out(inner, components, depth + 1)?;
    for (key, value) in map {
        if key != "$ref" && key != "allOf" {
            written.insert(key.clone(), value.clone());
        }
    }
    Some(written)
}

/// Rule *media types* on one request or response `content`.
fn media_types(
    content: &mut Map<String, Value>,
    status: &str,
    at: &str,
    warnings: &mut Vec<String>,
) {
    json_without_schema(content, status, at, warnings);
    let invalid: Vec<String> = content
        .keys()
        .filter(|media| {
            let mut parts = media.split('/');
            !matches!(
                (parts.next(), parts.next(), parts.next()),
                (Some(kind), Some(sub), None) if !kind.is_empty() && !sub.is_empty()
            )
        })
        .cloned()
        .collect();
    let success = status.starts_with('2') || status == "request";
    // A form offered beside a script's own media types (Cloudflare's Workers uploads: a
    // script as `application/javascript`, or the form with the script as a part): the form,
    // which carries everything the others do.
    if status == "request"
        && content.contains_key(crate::document::MULTIPART)
        && !content.keys().any(|media| is_json(media))
        && content.len() > 1
    {
        let others: Vec<String> = content
            .keys()
            .filter(|media| *media != crate::document::MULTIPART)
            .cloned()
            .collect();
        content.retain(|media, _| media == crate::document::MULTIPART);
        warnings.push(format!(
            "{at}: request offers `{}` beside `{}`: sent as the form (rule `media types`: a \
             form carries the script as one of its parts)",
            crate::document::MULTIPART,
            others.join("`, `")
        ));
    }
    for media in invalid {
        let Some(mut body) = content.remove(&media) else {
            continue;
        };
        if success && !content.contains_key("application/octet-stream") {
            if let Some(body) = body.as_object_mut() {
                let mut schema = Map::new();
                if let Some(description) = body
                    .get("schema")
                    .and_then(|s| s.get("description"))
                    .cloned()
                {
                    schema.insert("description".into(), description);
                }
                schema.insert("type".into(), Value::String("string".into()));
                schema.insert("format".into(), Value::String("binary".into()));
                body.insert("schema".into(), Value::Object(schema));
            }
            content.insert("application/octet-stream".into(), body);
            warnings.push(format!(
                "{at}: {status} media type `{media}` is not a media type: read as \
                 `application/octet-stream` (rule `media types`: bytes, whatever is sent)"
            ));
        } else {
            warnings.push(format!(
                "{at}: {status} media type `{media}` is not a media type: dropped \
                 (rule `media types`: the client keeps such an error body as text)"
            ));
        }
    }
}

/// Rule *bodies*: the JSON media types of one `content` with no schema, or `{}`.
fn json_without_schema(
    content: &mut Map<String, Value>,
    status: &str,
    at: &str,
    warnings: &mut Vec<String>,
) {
    let empty: Vec<String> = content
        .iter()
        .filter(|(media, body)| {
            is_json(media)
                && body.get("schema").is_none_or(|s| {
                    s.as_object()
                        .is_some_and(|s| s.keys().all(|k| k == "description" || k == "example"))
                })
        })
        .map(|(media, _)| media.clone())
        .collect();
    for media in empty {
        match status {
            // The request: any JSON object.
            "request" => {
                if let Some(Value::Object(body)) = content.get_mut(&media) {
                    let mut schema = body
                        .get("schema")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    schema.insert("type".into(), Value::String("object".into()));
                    body.insert("schema".into(), Value::Object(schema));
                }
                warnings.push(format!(
                    "{at}: the request's `{media}` body has no schema: any JSON object \
                     (rule `bodies`)"
                ));
            }
            success if success.starts_with('2') => {
                if let Some(Value::Object(body)) = content.get_mut(&media) {
                    body.entry("schema")
                        .or_insert_with(|| Value::Object(Map::new()));
                }
            }
            _ => {
                content.remove(&media);
                warnings.push(format!(
                    "{at}: the {status} answer's `{media}` body has no schema: left out \
                     (rule `bodies`: the client keeps such an error body as text)"
                ));
            }
        }
    }
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

/// Rule *required* on every schema of the document; returns one warning per name dropped.
pub(super) fn required_names(document: &mut Value) -> Vec<String> {
    let mut warnings = Vec::new();
    visit(document, String::new(), &mut warnings);
    warnings
}

/// Whether `value` is one of `schema`'s type and `enum`, as far as they say.
fn conforms(value: &Value, schema: &Map<String, Value>) -> bool {
    let of_type = match schema.get("type").and_then(Value::as_str) {
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    };
    let in_enum = schema
        .get("enum")
        .and_then(Value::as_array)
        .is_none_or(|values| values.contains(value));
    of_type && in_enum && (!value.is_null() || schema.get("nullable") == Some(&Value::Bool(true)))
}

/// Rule *defaults* on one schema: what it did, if anything.
fn default_value(schema: &mut Map<String, Value>) -> Option<String> {
    let value = schema.get("default")?;
    if conforms(value, schema) {
        return None;
    }
    let spelled = value
        .as_str()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(|parsed| conforms(parsed, schema));
    let written = value.to_string();
    match spelled {
        Some(parsed) => {
            let read = parsed.to_string();
            schema.insert("default".into(), parsed);
            Some(format!("default {written} read as {read}"))
        }
        None => {
            schema.remove("default");
            Some(format!(
                "default {written} is not a value of the schema: dropped"
            ))
        }
    }
}

fn visit(value: &mut Value, at: String, warnings: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let only_required = map.contains_key("required")
                && [
                    "type",
                    "properties",
                    "allOf",
                    "oneOf",
                    "anyOf",
                    "$ref",
                    "items",
                ]
                .iter()
                .all(|k| !map.contains_key(*k))
                && map.get("required").is_some_and(Value::is_array);
            if only_required {
                map.insert("type".into(), Value::String("object".into()));
            }
            // Rule *types*: `format: binary` alone (Cloudflare's image upload's `file`) is
            // bytes, a string: typify stops at a format with no type.
            let untyped = [
                "type",
                "$ref",
                "allOf",
                "oneOf",
                "anyOf",
                "enum",
                "properties",
                "items",
            ]
            .iter()
            .all(|k| !map.contains_key(*k));
            if untyped && map.get("format").and_then(Value::as_str) == Some("binary") {
                map.insert("type".into(), Value::String("string".into()));
                warnings.push(format!(
                    "{}: `format: binary` with no type: a string of bytes (rule `types`)",
                    if at.is_empty() { "/" } else { &at }
                ));
            }
            // An `enum` with no type (a firewall rule's `action`) is of its values' one type.
            let enum_type = map
                .get("enum")
                .and_then(Value::as_array)
                .filter(|_| {
                    !["type", "$ref", "allOf", "oneOf", "anyOf"]
                        .iter()
                        .any(|k| map.contains_key(*k))
                })
                .and_then(|values| {
                    let kinds: std::collections::BTreeSet<&str> = values
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(|v| match v {
                            Value::String(_) => "string",
                            Value::Bool(_) => "boolean",
                            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                            Value::Number(_) => "number",
                            _ => "mixed",
                        })
                        .collect();
                    match kinds.len() {
                        1 => kinds.into_iter().next().filter(|k| *k != "mixed"),
                        _ => None,
                    }
                });
            if let Some(kind) = enum_type {
                map.insert("type".into(), Value::String(kind.into()));
                warnings.push(format!(
                    "{}: an `enum` with no type: of its values' type, {kind} (rule `types`)",
                    if at.is_empty() { "/" } else { &at }
                ));
            }
            if let Some(warning) = default_value(map) {
                warnings.push(format!(
                    "{}: {warning} (rule `defaults`)",
                    if at.is_empty() { "/" } else { &at }
                ));
            }
            let declares = map.contains_key("properties")
                || map.get("type").and_then(Value::as_str) == Some("object");
            if declares {
                let properties = map.get("properties").and_then(Value::as_object);
                let undeclared: Vec<String> = map
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|name| properties.is_none_or(|p| !p.contains_key(*name)))
                    .map(str::to_string)
                    .collect();
                if !undeclared.is_empty() {
                    if let Some(Value::Array(required)) = map.get_mut("required") {
                        required.retain(|n| {
                            n.as_str()
                                .is_none_or(|n| !undeclared.iter().any(|u| u == n))
                        });
                        if required.is_empty() {
                            map.remove("required");
                        }
                    }
                    for name in undeclared {
                        warnings.push(format!(
                            "{}: required property `{name}` is not among the properties: \
                             not required (rule `required`: an answer that has it keeps it)",
                            if at.is_empty() { "/" } else { &at }
                        ));
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                // Extension payloads and examples are data, not schemas.
                if !key.starts_with("x-") && key != "example" && key != "examples" {
                    visit(child, format!("{at}/{}", escape_token(key)), warnings);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                visit(child, format!("{at}/{i}"), warnings);
            }
        }
        _ => {}
    }
}
