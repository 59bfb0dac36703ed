//! The sorted, generator-neutral model of a linted spec: operations, parameters, schemas and
//! the constraints the spec states on their fields.
//!
//! Everything here is ordered (operations by id, schemas and properties by name), so whatever is
//! emitted from the model is deterministic.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::document::{self, OperationNode};
use crate::naming;

/// The whole API, lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiModel {
    pub title: String,
    pub version: String,
    pub description: String,
    /// The first `servers` URL: the client's default base URL.
    pub base_url: String,
    /// Resource groups, in the spec's order.
    pub tags: Vec<TagModel>,
    /// Operations sorted by operationId.
    pub operations: Vec<OperationModel>,
    /// Component schemas by name.
    pub schemas: BTreeMap<String, SchemaModel>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagModel {
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationModel {
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    pub path: String,
    pub summary: String,
    pub tag: String,
    /// Path parameters in template order.
    pub path_params: Vec<ParamModel>,
    /// Query parameters sorted by name.
    pub query_params: Vec<ParamModel>,
    /// Header parameters sorted by name (the client sends them; progenitor's code sets them
    /// when given).
    pub header_params: Vec<ParamModel>,
    /// The component schema of the JSON request body, if any.
    pub request_body: Option<String>,
    /// What JSON that body is: an object, or another kind (an array of values, a string).
    pub request_shape: JsonShape,
    /// The media type of a request body sent as bytes, when it is not JSON
    /// (`application/octet-stream`, `text/javascript`, `application/x-ndjson`): the client
    /// takes anything that converts into a `reqwest::Body`, the server hands the trait `Bytes`.
    pub request_bytes: Option<String>,
    /// The parts of a request body sent as a multipart form (`multipart/form-data`), in the
    /// schema's order: the client takes a `Multipart`, the server hands the trait the parts.
    pub request_form: Option<Vec<PartModel>>,
    /// `requestBody.required`: the body must be sent (an empty one of bytes is refused).
    pub request_required: bool,
    /// A minimal body of that schema that decodes (every required field, placeholder values).
    pub request_sample: Option<Value>,
    pub success: SuccessModel,
    /// The success statuses the spec declares, in order (`2XX` is 200): a success answers the
    /// first; the server trait's method may pick another.
    pub success_statuses: Vec<u16>,
    /// A minimal JSON success body that decodes, like `request_sample` (for examples).
    pub success_sample: Option<Value>,
    /// Declared error statuses, sorted.
    pub error_statuses: Vec<String>,
    /// For a cursor-paginated listing (a `cursor` query parameter, and a JSON response with
    /// `items` and `next`), the component schema of its items.
    pub paginated_item: Option<String>,
    /// The operation's `description` (its summary is `summary`).
    pub description: String,
    /// `deprecated: true`: the note users see (see [`deprecation_note`]).
    pub deprecated: Option<String>,
    /// The request body's scalar leaves (through nested objects and every member of a union)
    /// and lists of scalars, each at its JSON pointer, in the schema's order; lists of objects
    /// are not among them.
    pub request_fields: Vec<FieldModel>,
}

/// One part of a multipart form, as the form's schema names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartModel {
    /// Its name; Cloudflare writes `<any part name>` for parts the caller names (a Worker's
    /// modules).
    pub name: String,
    pub kind: PartKind,
    pub required: bool,
    /// A list: the part repeats, one per item.
    pub many: bool,
    pub description: String,
}

/// What a form's part holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// Text: a string, a number or a flag (`name=logo`).
    Text,
    /// A file: bytes with a file name and a media type (`format: binary`).
    File,
    /// A JSON value (an object or a list of them, as Cloudflare's `metadata` parts).
    Json,
}

/// The parts of a form whose schema is `schema`: an object's properties, or each object
/// member's of a union, merged (the first description of a name wins; a part is required when
/// the object requires it in every member that names it).
fn form_parts(root: &Value, schema: &Value, depth: usize) -> Vec<PartModel> {
    let schema = deref(root, schema);
    let mut parts: Vec<PartModel> = Vec::new();
    if depth > 8 {
        return parts;
    }
    for keyword in ["oneOf", "anyOf", "allOf"] {
        for member in schema
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for part in form_parts(root, member, depth + 1) {
                match parts.iter_mut().find(|p| p.name == part.name) {
                    Some(known) => known.required &= part.required,
                    None => parts.push(PartModel {
                        // A member's requirement holds only when that member is sent.
                        required: part.required && keyword == "allOf",
                        ..part
                    }),
                }
            }
        }
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let property = deref(root, property);
        let many = property.get("type").and_then(Value::as_str) == Some("array");
        let item = match many {
            true => property
                .get("items")
                .map_or(&Value::Null, |i| deref(root, i)),
            false => property,
        };
        let kind = match (
            item.get("type").and_then(Value::as_str),
            item.get("format").and_then(Value::as_str),
        ) {
            (_, Some("binary")) => PartKind::File,
            (Some("object" | "array"), _) => PartKind::Json,
            (None, _) if item.get("properties").is_some() => PartKind::Json,
            _ => PartKind::Text,
        };
        if parts.iter().any(|p| &p.name == name) {
            continue;
        }
        parts.push(PartModel {
            name: name.clone(),
            kind,
            required: required.contains(&name.as_str()),
            many,
            description: text(property, "description"),
        });
    }
    parts
}

/// The kind of JSON a request body is. The server holds an object body to the object rule
/// (serde's derive would take a struct's array form); any other body may be any JSON value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JsonShape {
    /// `type: object`, properties, or a union or composition of such schemas.
    #[default]
    Object,
    /// An array (`type: array`, or `items`).
    Array,
    /// A string, a number or a boolean, or a union that holds one.
    Other,
}

/// Whether `schema` describes JSON objects only: `type: object`, properties, or a union or
/// composition of such schemas (`depth` stops a circle of aliases).
fn json_shape(root: &Value, schema: &Value, depth: usize) -> JsonShape {
    let schema = deref(root, schema);
    let object = depth > 32
        || schema.get("type").and_then(Value::as_str) == Some("object")
        || schema.get("properties").is_some()
        || ["oneOf", "anyOf", "allOf"].iter().any(|keyword| {
            schema
                .get(*keyword)
                .and_then(Value::as_array)
                .is_some_and(|members| {
                    !members.is_empty()
                        && members
                            .iter()
                            .all(|m| json_shape(root, m, depth + 1) == JsonShape::Object)
                })
        });
    let array = schema.get("type").and_then(Value::as_str) == Some("array")
        || schema.get("items").is_some();
    match (object, array) {
        (true, _) => JsonShape::Object,
        (false, true) => JsonShape::Array,
        (false, false) => JsonShape::Other,
    }
}

/// One scalar (or list of scalars) a request body holds, wherever it is nested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldModel {
    /// JSON pointer within the body: `/magic/mtu`.
    pub pointer: String,
    pub description: String,
    pub ty: ScalarType,
    /// A list of such values.
    pub many: bool,
    /// The values a string enum allows (every member's, for a union's tag), in the spec's
    /// order; empty when any value goes.
    pub values: Vec<String>,
}

/// What a successful response carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuccessModel {
    /// A JSON body of the named component schema.
    Json(String),
    /// Raw bytes of the given media type.
    Binary(String),
    /// No body.
    Empty,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamModel {
    pub name: String,
    pub description: String,
    pub required: bool,
    /// The value's type; for a list, each item's.
    pub ty: ScalarType,
    /// A list of such values (`type: array` of scalars): in a query, the key repeated
    /// (`?state=Healthy&state=Down`, OpenAPI's default `form` style, exploded).
    pub many: bool,
    /// A list sent as one value, its items comma-separated (`?ids=1,2`: `style: form`,
    /// `explode: false`), not as its key repeated.
    pub joined: bool,
    /// `maxLength` of a string parameter.
    pub max_length: Option<u64>,
    /// Its `format` (a list's items'): `date-time` and `date` are not text in the client.
    pub format: Option<String>,
    /// The values a string enum allows, in the spec's order; empty when any value goes.
    pub values: Vec<String>,
    /// `deprecated: true`: the note users see (see [`deprecation_note`]).
    pub deprecated: Option<String>,
}

/// What users are told of something the spec marks `deprecated: true`: the sentence of its
/// description that says so (Cloudflare writes "Deprecated: use …" there), else that the API
/// marks it deprecated.
pub fn deprecation_note(node: &Value) -> Option<String> {
    if node.get("deprecated").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let description = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let said = description
        .split(['\n', '.'])
        .map(|s| s.trim().trim_matches('*').trim())
        .find(|s| s.to_ascii_lowercase().contains("deprecat"));
    Some(match said {
        Some(sentence) => format!("{sentence}."),
        None => "The API marks this deprecated.".to_string(),
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScalarType {
    String,
    Uuid,
    Integer {
        format: Option<String>,
        minimum: Option<i64>,
    },
    Number,
    Boolean,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaModel {
    pub name: String,
    pub description: String,
    /// The rules the spec states on this schema's properties, sorted by property.
    pub constraints: Vec<Constraint>,
    /// For a `oneOf` with a `discriminator` and its `mapping`: the tag and its variants.
    pub union: Option<UnionModel>,
    /// Whether requests and responses reach the schema.
    pub usage: document::Usage,
    /// For a string enum: each value and its Rust name, in the spec's order.
    pub enum_values: Option<Vec<EnumValue>>,
    /// `x-cni-former-names`: the names the schema had before a rename, kept as deprecated,
    /// hidden aliases so that code written against them still compiles.
    pub former_names: Vec<String>,
}

/// One value of a string enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValue {
    /// As sent on the wire.
    pub wire: String,
    /// Its Rust name: the schema's `x-cni-enum-names` entry for it, else by rule
    /// ([`naming::value_name`]).
    pub name: String,
}

/// A union discriminated by one property's value, as the spec's `discriminator` states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnionModel {
    /// The discriminating property (`type`, `state`).
    pub property: String,
    /// Its members, in the `oneOf`'s order.
    pub variants: Vec<UnionVariant>,
    /// `x-cni-wait-failures`: for a member's tag, the tags that end a wait for it as failed.
    pub wait_failures: BTreeMap<String, Vec<String>>,
}

/// One member of a tagged union.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnionVariant {
    /// The tag's value that selects it.
    pub tag: String,
    /// The component schema of the member.
    pub schema: String,
    /// The Rust variant's name: the union's `x-cni-variant-names` entry for the tag, else by
    /// rule ([`naming::value_name`]).
    pub name: String,
    /// `x-cni-former-variant-names`: the name it had before a rename (its `is_`/`as_`
    /// accessors stay, deprecated and hidden).
    pub former_name: Option<String>,
}

/// One machine-readable rule on one property (by its wire name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Constraint {
    pub property: String,
    pub rule: Rule,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// `x-cni-format: ipv4-cidr` on a string.
    Ipv4Cidr,
    /// `x-cni-format: ipv4-cidr` on every item of an array of strings.
    EachIpv4Cidr,
    /// `x-cni-format: md5-key` on a string.
    Md5Key,
    /// `x-cni-same-prefix-as: <property>`.
    SamePrefixAs(String),
    /// `pattern` on a string.
    Pattern(String),
    /// `minimum` on an integer.
    Minimum(i64),
    /// `maximum` on an integer.
    Maximum(i64),
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string()
}

use crate::document::{deref, ref_name};

/// Lowers a linted spec. Call only after `lint` found no problems: missing pieces here become
/// empty strings rather than errors.
pub fn lower(root: &Value) -> ApiModel {
    let info = root.get("info").cloned().unwrap_or(Value::Null);
    let tags = root
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| TagModel {
            name: text(t, "name"),
            description: text(t, "description"),
        })
        .collect();
    let mut operations: Vec<OperationModel> = document::operations(root)
        .map(|node| lower_operation(root, node))
        .collect();
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    let usage = document::usage(root);
    let schemas = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            let model = SchemaModel {
                name: name.clone(),
                description: text(schema, "description"),
                constraints: constraints(root, schema),
                union: union(schema),
                usage: usage.get(name).copied().unwrap_or_default(),
                enum_values: enum_values(schema),
                former_names: schema
                    .get("x-cni-former-names")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect(),
            };
            (name.clone(), model)
        })
        .collect();
    ApiModel {
        title: text(&info, "title"),
        version: text(&info, "version"),
        description: text(&info, "description"),
        base_url: root
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        tags,
        operations,
        schemas,
    }
}

fn lower_operation(root: &Value, node: OperationNode<'_>) -> OperationModel {
    let OperationNode {
        path, method, op, ..
    } = node;
    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    let mut header_params = Vec::new();
    for param in node.parameters().map(|p| deref(root, p)) {
        let schema = param
            .get("schema")
            .map(|s| deref(root, s))
            .unwrap_or(&Value::Null);
        let many = schema.get("type").and_then(Value::as_str) == Some("array");
        // A list's items are what its type, bounds and values describe.
        let schema = match schema.get("items") {
            Some(items) if many => deref(root, items),
            _ => schema,
        };
        let ty = scalar_type(schema).unwrap_or(ScalarType::String);
        let model = ParamModel {
            name: text(param, "name"),
            description: text(param, "description"),
            required: param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ty,
            many,
            joined: many && param.get("explode").and_then(Value::as_bool) == Some(false),
            max_length: schema.get("maxLength").and_then(Value::as_u64),
            format: schema
                .get("format")
                .and_then(Value::as_str)
                .map(str::to_string),
            values: allowed_values(schema),
            deprecated: deprecation_note(param),
        };
        match param.get("in").and_then(Value::as_str) {
            Some("path") => path_params.push(model),
            Some("query") => query_params.push(model),
            Some("header") => header_params.push(model),
            _ => {}
        }
    }
    let order = document::template_params(path);
    path_params.sort_by_key(|p| order.iter().position(|n| *n == p.name));
    query_params.sort_by(|a, b| a.name.cmp(&b.name));
    header_params.sort_by(|a, b| a.name.cmp(&b.name));

    let request_schema = op
        .get("requestBody")
        .map(|b| deref(root, b))
        .and_then(|b| b.pointer("/content/application~1json/schema"));
    let request_body = request_schema.and_then(ref_name);
    let request_bytes = op
        .get("requestBody")
        .map(|b| deref(root, b))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .and_then(|content| document::bytes_media_type(content))
        .map(str::to_string);
    let request_form = op
        .get("requestBody")
        .map(|b| deref(root, b))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .and_then(document::multipart_schema)
        .map(|schema| form_parts(root, schema, 0));
    let request_required = op
        .get("requestBody")
        .map(|b| deref(root, b))
        .and_then(|b| b.get("required"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let request_shape =
        request_schema.map_or(JsonShape::Object, |schema| json_shape(root, schema, 0));
    let mut request_fields = Vec::new();
    if let Some(schema) = request_schema {
        scalar_fields(root, schema, "", &mut request_fields, 0);
    }
    // One field per pointer; a union's members each name their tag, so its values merge.
    let mut merged: Vec<FieldModel> = Vec::new();
    for field in request_fields {
        match merged.iter_mut().find(|m| m.pointer == field.pointer) {
            Some(first) => {
                if !first.values.is_empty() && !field.values.is_empty() {
                    for value in field.values {
                        if !first.values.contains(&value) {
                            first.values.push(value);
                        }
                    }
                } else {
                    first.values.clear();
                }
            }
            None => merged.push(field),
        }
    }
    let request_fields = merged;
    let request_sample = request_schema.map(|schema| sample(root, schema, 0));
    let Responses {
        success,
        success_sample,
        success_statuses,
        mut error_statuses,
    } = lower_responses(root, op);
    error_statuses.sort();
    let paginated_item = match &success {
        SuccessModel::Json(name) if query_params.iter().any(|p| p.name == "cursor") => root
            .pointer(&format!("/components/schemas/{name}/properties"))
            .filter(|props| props.get("next").is_some())
            .and_then(|props| props.pointer("/items/items"))
            .and_then(ref_name),
        _ => None,
    };
    OperationModel {
        id: text(op, "operationId"),
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: text(op, "summary"),
        tag: op
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        path_params,
        query_params,
        header_params,
        request_body,
        request_shape,
        request_bytes,
        request_form,
        request_required,
        request_sample,
        success,
        success_statuses,
        success_sample,
        error_statuses,
        paginated_item,
        description: text(op, "description"),
        deprecated: deprecation_note(op),
        request_fields,
    }
}

/// What an operation's responses say: its success, a sample of it, its error statuses.
struct Responses {
    success: SuccessModel,
    success_sample: Option<Value>,
    success_statuses: Vec<u16>,
    error_statuses: Vec<String>,
}

fn lower_responses(root: &Value, op: &Value) -> Responses {
    let mut success = SuccessModel::Empty;
    let mut success_sample = None;
    let mut error_statuses = Vec::new();
    let mut success_statuses = Vec::new();
    for (status, response) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if !status.starts_with('2') {
            error_statuses.push(status.clone());
            continue;
        }
        success_statuses.push(status.parse::<u16>().unwrap_or(200));
        let response = deref(root, response);
        if let Some((media_type, media)) = response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().next())
        {
            success = match media.get("schema").and_then(ref_name) {
                Some(name) if media_type == "application/json" => {
                    success_sample = media.get("schema").map(|schema| sample(root, schema, 0));
                    SuccessModel::Json(name)
                }
                _ => SuccessModel::Binary(media_type.clone()),
            };
        }
    }
    success_statuses.sort_unstable();
    success_statuses.dedup();
    Responses {
        success,
        success_sample,
        success_statuses,
        error_statuses,
    }
}

/// The string values an `enum` schema allows (none: any value).
fn allowed_values(schema: &Value) -> Vec<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The scalar type of a schema that is one: `string` (`uuid` format apart), `integer`,
/// `number`, `boolean`.
fn scalar_type(schema: &Value) -> Option<ScalarType> {
    Some(
        match (
            schema.get("type").and_then(Value::as_str)?,
            schema.get("format").and_then(Value::as_str),
        ) {
            ("string", Some("uuid")) => ScalarType::Uuid,
            ("string", _) => ScalarType::String,
            ("integer", format) => ScalarType::Integer {
                format: format.map(str::to_string),
                minimum: schema.get("minimum").and_then(Value::as_i64),
            },
            ("number", _) => ScalarType::Number,
            ("boolean", _) => ScalarType::Boolean,
            _ => return None,
        },
    )
}

/// The scalar leaves of a request schema (through nested objects, every member of a union),
/// and lists of scalars; read-only properties are not sent. `depth` stops a recursive schema.
fn scalar_fields(
    root: &Value,
    schema: &Value,
    pointer: &str,
    out: &mut Vec<FieldModel>,
    depth: usize,
) {
    let schema = deref(root, schema);
    if depth > 8 {
        return;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            scalar_fields(root, member, pointer, out, depth + 1);
        }
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, property) in properties {
        let described = deref(root, property);
        // `allOf: [$ref]` beside a description is the reference itself.
        let property = match described
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([only]) => deref(root, only),
            _ => described,
        };
        if property.get("readOnly").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let at = format!("{pointer}/{name}");
        let description = described
            .get("description")
            .or_else(|| property.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let items = property.get("items").map(|i| deref(root, i));
        let leaf = match (
            scalar_type(property),
            property.get("type").and_then(Value::as_str),
        ) {
            (Some(ty), _) => Some((ty, false)),
            (None, Some("array")) => items.and_then(scalar_type).map(|ty| (ty, true)),
            _ => None,
        };
        if let Some((ty, many)) = leaf {
            let values = match many {
                true => items.map(allowed_values).unwrap_or_default(),
                false => allowed_values(property),
            };
            out.push(FieldModel {
                pointer: at,
                description,
                ty,
                many,
                values,
            });
        } else if ["properties", "allOf", "oneOf", "anyOf"]
            .iter()
            .any(|key| property.get(key).is_some())
        {
            // An object (also one wrapped in `allOf: [$ref]` beside its description).
            scalar_fields(root, property, &at, out, depth + 1);
        }
    }
}

/// A minimal value of `schema` that decodes: every required property, the first enum value or
/// union member, placeholders elsewhere. `depth` stops a recursive schema.
fn sample(root: &Value, schema: &Value, depth: usize) -> Value {
    let schema = deref(root, schema);
    if depth > 16 {
        return Value::Null;
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema.pointer("/enum/0") {
        return first.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = serde_json::Map::new();
        for part in parts {
            match sample(root, part, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = schema.pointer("/oneOf/0") {
        return sample(root, first, depth + 1);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let fields = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|name| {
                    let property = properties?.get(name)?;
                    Some((name.to_string(), sample(root, property, depth + 1)))
                })
                .collect();
            Value::Object(fields)
        }
        Some("object") => Value::Object(Default::default()),
        Some("array") => Value::Array(Vec::new()),
        Some("integer") => Value::from(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0)),
        Some("number") => Value::from(0.0),
        Some("boolean") => Value::Bool(false),
        Some("string") => Value::String(
            match schema.get("format").and_then(Value::as_str) {
                Some("uuid") => "00000000-0000-0000-0000-000000000000",
                Some("date-time") => "1970-01-01T00:00:00Z",
                Some("date") => "1970-01-01",
                _ => "placeholder",
            }
            .to_string(),
        ),
        _ => Value::Null,
    }
}

/// A name the schema's `overrides` extension (`x-cni-enum-names`, `x-cni-variant-names`) gives
/// `value`, else the rule's.
fn named(schema: &Value, overrides: &str, value: &str) -> String {
    schema
        .get(overrides)
        .and_then(|names| names.get(value))
        .and_then(Value::as_str)
        .map_or_else(|| naming::value_name(value), str::to_string)
}

/// A string enum's values with their Rust names.
fn enum_values(schema: &Value) -> Option<Vec<EnumValue>> {
    let values = schema.get("enum")?.as_array()?;
    values
        .iter()
        .map(|v| {
            let wire = v.as_str()?.to_string();
            let name = named(schema, "x-cni-enum-names", &wire);
            Some(EnumValue { wire, name })
        })
        .collect()
}

fn union(schema: &Value) -> Option<UnionModel> {
    let property = schema.pointer("/discriminator/propertyName")?.as_str()?;
    let mapping = schema.pointer("/discriminator/mapping")?.as_object()?;
    let variants = schema
        .get("oneOf")?
        .as_array()?
        .iter()
        .filter_map(|variant| {
            let target = variant.get("$ref")?.as_str()?;
            let tag = mapping.iter().find(|(_, r)| r.as_str() == Some(target))?.0;
            Some(UnionVariant {
                tag: tag.clone(),
                schema: ref_name(variant)?,
                name: named(schema, "x-cni-variant-names", tag),
                former_name: schema
                    .get("x-cni-former-variant-names")
                    .and_then(|names| names.get(tag))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect();
    let wait_failures = schema
        .get("x-cni-wait-failures")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(target, failures)| {
            let failures = failures
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect();
            (target.clone(), failures)
        })
        .collect();
    Some(UnionModel {
        property: property.to_string(),
        variants,
        wait_failures,
    })
}

fn constraints(root: &Value, schema: &Value) -> Vec<Constraint> {
    let mut out = Vec::new();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let property = deref(root, property);
        let mut push = |rule| {
            out.push(Constraint {
                property: name.clone(),
                rule,
            })
        };
        match property.get("x-cni-format").and_then(Value::as_str) {
            Some("ipv4-cidr") => push(Rule::Ipv4Cidr),
            Some("md5-key") => push(Rule::Md5Key),
            _ => {}
        }
        if property
            .pointer("/items/x-cni-format")
            .and_then(Value::as_str)
            == Some("ipv4-cidr")
        {
            push(Rule::EachIpv4Cidr);
        }
        if let Some(other) = property.get("x-cni-same-prefix-as").and_then(Value::as_str) {
            push(Rule::SamePrefixAs(other.to_string()));
        }
        if let Some(pattern) = property.get("pattern").and_then(Value::as_str) {
            push(Rule::Pattern(pattern.to_string()));
        }
        // Bounds on integers only: a `number`'s are kept by its type as the spec writes it
        // (an exact JSON number), not checked.
        let integer = property.get("type").and_then(Value::as_str) == Some("integer");
        if let Some(minimum) = property
            .get("minimum")
            .and_then(Value::as_i64)
            .filter(|_| integer)
        {
            push(Rule::Minimum(minimum));
        }
        if let Some(maximum) = property
            .get("maximum")
            .and_then(Value::as_i64)
            .filter(|_| integer)
        {
            push(Rule::Maximum(maximum));
        }
    }
    out.sort();
    out
}

/// Small models for the passes' unit tests: each fills what a test does not name.
#[cfg(test)]
impl ApiModel {
    pub fn for_test(operations: Vec<OperationModel>) -> ApiModel {
        ApiModel {
            title: String::new(),
            version: String::new(),
            description: String::new(),
            base_url: String::new(),
            tags: Vec::new(),
            operations,
            schemas: Default::default(),
        }
    }
}

impl OperationModel {
    /// Whether a request carries a body: JSON, bytes or a form.
    pub fn sends_body(&self) -> bool {
        self.request_body.is_some() || self.request_bytes.is_some() || self.request_form.is_some()
    }

    /// The scope the operation's path starts with: its first path parameter when that is a
    /// `*_id` string whose stem is an identifier (`account_id`), with the handle's name
    /// (`account`). The scoped handle pass makes one handle per scope, and the README's
    /// runnable examples call through the same handle.
    pub fn scope(&self) -> Option<(&str, &str)> {
        let first = self.path_params.first()?;
        let name = first.name.strip_suffix("_id")?;
        (first.ty == ScalarType::String && syn::parse_str::<syn::Ident>(name).is_ok())
            .then_some((first.name.as_str(), name))
    }
}

#[cfg(test)]
impl OperationModel {
    /// A `GET` of `path` with these path parameters, answering nothing.
    pub fn for_test(id: &str, path: &str, path_params: Vec<ParamModel>) -> OperationModel {
        OperationModel {
            id: id.into(),
            method: "GET".into(),
            path: path.into(),
            summary: String::new(),
            tag: "Things".into(),
            header_params: Vec::new(),
            path_params,
            query_params: Vec::new(),
            request_body: None,
            request_shape: JsonShape::Object,
            request_bytes: None,
            request_form: None,
            request_required: false,
            request_sample: None,
            success_sample: None,
            success: SuccessModel::Empty,
            success_statuses: vec![200],
            error_statuses: Vec::new(),
            paginated_item: None,
            description: String::new(),
            deprecated: None,
            request_fields: Vec::new(),
        }
    }
}

#[cfg(test)]
impl ParamModel {
    /// A required parameter of this type.
    pub fn for_test(name: &str, ty: ScalarType) -> ParamModel {
        ParamModel {
            name: name.into(),
            description: String::new(),
            required: true,
            ty,
            many: false,
            joined: false,
            max_length: None,
            format: None,
            values: Vec::new(),
            deprecated: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_fields_reach_nested_scalars_and_every_union_member() {
        let root = serde_json::json!({"components": {"schemas": {
            "Req": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]},
            "A": {"properties": {"type": {"type": "string"}, "slot_id": {"type": "string", "format": "uuid"}}},
            "B": {"properties": {"type": {"type": "string"}, "magic": {"properties": {"mtu": {"type": "integer"}}},
                  "prefixes": {"type": "array", "items": {"type": "string"}},
                  "objects": {"type": "array", "items": {"properties": {"x": {"type": "string"}}}}}}
        }}});
        let mut fields = Vec::new();
        scalar_fields(
            &root,
            &root["components"]["schemas"]["Req"],
            "",
            &mut fields,
            0,
        );
        let found: Vec<(&str, bool)> = fields
            .iter()
            .map(|f| (f.pointer.as_str(), f.many))
            .collect();
        assert_eq!(
            found,
            [
                ("/slot_id", false),
                ("/type", false),
                ("/magic/mtu", false),
                ("/prefixes", true),
                ("/type", false)
            ]
        );
        assert_eq!(fields[0].ty, ScalarType::Uuid);
    }
}
