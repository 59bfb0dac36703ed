//! The ways Cloudflare's document grows or breaks, as mutations of the document itself
//! (`spec/upstream/cloudflare-cni.yaml`, before the overlay), each derived from what the
//! document holds: a value for every enum, a member (by `$ref` and inline) for every tagged
//! union, a property of every shape for every object a response carries, an operation, a query
//! parameter, a required request field, a removed or retyped property, a renamed schema.
//!
//! The stable-names test (`tests/stable_names.rs`) and the evolution corpus (`cargo xtask ci`,
//! step `evolution`) run these through import → generate → build → diff → cargo-semver-checks.

use serde_json::{json, Map, Value};

use crate::diagnostic::escape_token;

/// What a mutation is to users of the generated crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// The API grew: a minor release at most, no existing name changes, an older client reads
    /// the new answers.
    Additive,
    /// The API broke: a major release.
    Breaking,
}

/// A property shape a response object can gain (the shapes typify can meet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    DateTime,
    Date,
    Uuid,
    Uri,
    Ipv4,
    Byte,
    Binary,
    Int32,
    Int64,
    Double,
    Boolean,
    NestedObject,
    ArrayOfUnion,
    NullableReference,
    Map,
    AllOf,
    UnionOfUnion,
    NumberEnum,
    OperatorEnum,
    UnionOfValues,
    SymbolNames,
}

impl Shape {
    pub const ALL: [Shape; 21] = [
        Shape::DateTime,
        Shape::Date,
        Shape::Uuid,
        Shape::Uri,
        Shape::Ipv4,
        Shape::Byte,
        Shape::Binary,
        Shape::Int32,
        Shape::Int64,
        Shape::Double,
        Shape::Boolean,
        Shape::NestedObject,
        Shape::ArrayOfUnion,
        Shape::NullableReference,
        Shape::Map,
        Shape::AllOf,
        Shape::UnionOfUnion,
        Shape::NumberEnum,
        Shape::OperatorEnum,
        Shape::UnionOfValues,
        Shape::SymbolNames,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::DateTime => "date-time",
            Shape::Date => "date",
            Shape::Uuid => "uuid",
            Shape::Uri => "uri",
            Shape::Ipv4 => "ipv4",
            Shape::Byte => "byte",
            Shape::Binary => "binary",
            Shape::Int32 => "int32",
            Shape::Int64 => "int64",
            Shape::Double => "double",
            Shape::Boolean => "boolean",
            Shape::NestedObject => "nested object",
            Shape::ArrayOfUnion => "array of a union",
            Shape::NullableReference => "nullable reference",
            Shape::Map => "map",
            Shape::AllOf => "allOf",
            Shape::UnionOfUnion => "union of a union",
            Shape::NumberEnum => "number enum",
            Shape::OperatorEnum => "enum of operators",
            Shape::UnionOfValues => "union of values",
            Shape::SymbolNames => "object of symbol names",
        }
    }

    /// The property's schema; `union` and `object` are component schemas of the document it
    /// may refer to (a tagged union, an object).
    pub fn schema(self, union: &str, object: &str) -> Value {
        let to = |name: &str| format!("#/components/schemas/{}", escape_token(name));
        let string =
            |format: &str| json!({"type": "string", "format": format, "description": "Added"});
        match self {
            Shape::DateTime => string("date-time"),
            Shape::Date => string("date"),
            Shape::Uuid => string("uuid"),
            Shape::Uri => string("uri"),
            Shape::Ipv4 => string("ipv4"),
            Shape::Byte => string("byte"),
            Shape::Binary => string("binary"),
            Shape::Int32 => json!({"type": "integer", "format": "int32", "description": "Added"}),
            Shape::Int64 => json!({"type": "integer", "format": "int64", "description": "Added"}),
            Shape::Double => json!({"type": "number", "format": "double", "description": "Added"}),
            Shape::Boolean => json!({"type": "boolean", "description": "Added"}),
            Shape::NestedObject => json!({"type": "object", "description": "Added",
                "required": ["label"],
                "properties": {"label": {"type": "string"}, "inner": {"type": "object",
                    "properties": {"depth": {"type": "integer", "format": "int32"}}}}}),
            Shape::ArrayOfUnion => {
                json!({"type": "array", "description": "Added", "items": {"$ref": to(union)}})
            }
            Shape::NullableReference => {
                json!({"description": "Added", "nullable": true, "allOf": [{"$ref": to(object)}]})
            }
            Shape::Map => {
                json!({"type": "object", "description": "Added", "additionalProperties": {"type": "integer", "format": "int64"}})
            }
            Shape::AllOf => json!({"description": "Added", "allOf": [{"$ref": to(object)},
                {"type": "object", "properties": {"since": {"type": "string", "format": "date-time"}}}]}),
            Shape::UnionOfUnion => {
                json!({"description": "Added", "oneOf": [{"$ref": to(union)}, {"type": "string"}]})
            }
            // Cloudflare's cache TTLs, device posture operators, DNS `ttl`, Radar buckets.
            Shape::NumberEnum => {
                json!({"type": "number", "description": "Added", "enum": [0, 30, 60, 1.5]})
            }
            Shape::OperatorEnum => {
                json!({"type": "string", "description": "Added", "enum": ["<", "<=", ">", ">=", "=="]})
            }
            Shape::UnionOfValues => json!({"description": "Added", "default": 1, "anyOf": [
                {"type": "number", "minimum": 30}, {"type": "number", "enum": [1]}]}),
            Shape::SymbolNames => json!({"type": "object", "description": "Added",
                "properties": {"<=1y": {"type": "string"}, ">1y": {"type": "string"}}}),
        }
    }
}

/// An operation's shape as Cloudflare's other products write them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationShape {
    /// A JSON body that is an array of objects (Access seats, list items).
    ArrayBody,
    /// A body sent as bytes of its own media type (a Worker script).
    ScriptBody,
    /// A `text/csv` answer.
    TextAnswer,
    /// A deprecated operation with a deprecated query parameter.
    Deprecated,
    /// A `multipart/form-data` body: a file with its metadata (an image upload).
    FormBody,
    /// Header parameters (a tus upload's `Upload-Length`) and a comma-separated query list.
    HeaderParameters,
    /// Two success answers of different JSON schemas (a finished scan's 200, an accepted
    /// one's 202).
    SeveralAnswers,
    /// An answer of bytes (`application/octet-stream`, a Worker's script download).
    BytesAnswer,
    /// As every product but CNI writes an operation: a kebab-case operationId, a tag the
    /// document does not declare, a path parameter whose schema is a composition, an enum
    /// query parameter, the product's own failure envelope inline, and a description in
    /// Markdown with a `curl` code fence, a bare URL and a `<API_TOKEN>` placeholder.
    Conventions,
}

impl OperationShape {
    pub const ALL: [OperationShape; 9] = [
        OperationShape::ArrayBody,
        OperationShape::ScriptBody,
        OperationShape::TextAnswer,
        OperationShape::Deprecated,
        OperationShape::FormBody,
        OperationShape::HeaderParameters,
        OperationShape::SeveralAnswers,
        OperationShape::BytesAnswer,
        OperationShape::Conventions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OperationShape::ArrayBody => "a JSON array body",
            OperationShape::ScriptBody => "a body of bytes (application/javascript)",
            OperationShape::TextAnswer => "a text/csv answer",
            OperationShape::Deprecated => "deprecated, with a deprecated parameter",
            OperationShape::FormBody => "a multipart form body",
            OperationShape::HeaderParameters => "header parameters and a comma-separated list",
            OperationShape::SeveralAnswers => "a 200 and a 202 of different schemas",
            OperationShape::BytesAnswer => "an answer of bytes (application/octet-stream)",
            OperationShape::Conventions => {
                "kebab-case id, undeclared tag, composed path parameter, enum query, own envelope, Markdown"
            }
        }
    }

    /// Adds the operation at `/accounts/{account_id}/cni/{label}_{kind}`.
    fn add(self, upstream: &mut Value, label: &str) -> Result<(), String> {
        let account = json!({"name": "account_id", "in": "path", "required": true,
            "schema": {"type": "string"}});
        let answer = json!({"200": {"description": "Done", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"count": {"type": "integer"}}}}}}});
        let (kind, method, operation) = match self {
            OperationShape::ArrayBody => (
                "labels",
                "put",
                json!({
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "array", "items": {"type": "object", "required": ["label"],
                        "properties": {"label": {"type": "string", "maxLength": 16}}}}}}},
                "responses": answer}),
            ),
            OperationShape::ScriptBody => (
                "script",
                "put",
                json!({
                "requestBody": {"required": true, "content": {"application/javascript": {
                    "schema": {"type": "string"}}}},
                "responses": answer}),
            ),
            OperationShape::TextAnswer => (
                "export",
                "get",
                json!({
                "responses": {"200": {"description": "One line each", "content": {
                    "text/csv": {"schema": {"type": "string"}}}}}}),
            ),
            OperationShape::Deprecated => (
                "legacy",
                "get",
                json!({
                "deprecated": true,
                "description": "Deprecated: use the listing instead.",
                "parameters": [{"name": "old_filter", "in": "query", "deprecated": true,
                    "schema": {"type": "string"}}],
                "responses": answer}),
            ),
            OperationShape::FormBody => (
                "upload",
                "post",
                json!({
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"], "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "metadata": {"type": "object"},
                        "name": {"type": "string"}}}}}},
                "responses": answer}),
            ),
            OperationShape::HeaderParameters => (
                "resumable",
                "post",
                json!({
                "parameters": [
                    {"name": "Upload-Length", "in": "header", "required": true,
                        "schema": {"type": "integer", "minimum": 0}},
                    {"name": "Upload-Metadata", "in": "header", "schema": {"type": "string"}},
                    {"name": "ids", "in": "query", "style": "form", "explode": false,
                        "schema": {"type": "array", "items": {"type": "integer"}}}],
                "responses": answer}),
            ),
            OperationShape::SeveralAnswers => (
                "scans",
                "post",
                json!({
                "responses": {
                    "200": {"description": "Finished", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["verdict"], "properties": {
                            "verdict": {"type": "string"}}}}}},
                    "202": {"description": "Accepted, still running", "content": {
                        "application/json": {"schema": {"type": "object", "required": ["job"],
                            "properties": {"job": {"type": "string"}}}}}}}}),
            ),
            OperationShape::BytesAnswer => (
                "content",
                "get",
                json!({
                "responses": {"200": {"description": "The bytes", "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}}),
            ),
            OperationShape::Conventions => (
                "facilities/{facility_id}",
                "get",
                json!({
                "tags": ["Facilities"],
                "description": "Reads one facility.\n\n```\ncurl https://api.cloudflare.com/client/v4/accounts/$ACCOUNT_ID/cni/facilities/ams01 \\\n  -H \"Authorization: Bearer <API_TOKEN>\"\n```\n\nSee https://developers.cloudflare.com/network-interconnect/ for <FACILITY> codes.",
                "parameters": [
                    {"name": "facility_id", "in": "path", "required": true,
                        "schema": {"allOf": [{"type": "string", "maxLength": 32}]}},
                    {"name": "status", "in": "query",
                        "schema": {"type": "string", "enum": ["active", "retired"]}}],
                "responses": {
                    "200": {"description": "The facility", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {
                            "code": {"type": "string"}, "city": {"type": "string"}}}}}},
                    "4XX": {"description": "Failure", "content": {"application/json": {
                        "schema": {"type": "object",
                            "required": ["errors", "messages", "result", "success"],
                            "properties": {
                                "errors": {"type": "array", "items": {"type": "object",
                                    "required": ["code", "message"], "properties": {
                                        "code": {"type": "integer", "minimum": 1000},
                                        "message": {"type": "string"}}}},
                                "messages": {"type": "array", "items": {"type": "object",
                                    "required": ["code", "message"], "properties": {
                                        "code": {"type": "integer", "minimum": 1000},
                                        "message": {"type": "string"}}}},
                                "result": {"type": "object", "nullable": true},
                                "success": {"type": "boolean", "enum": [false]}}}}}}}}),
            ),
        };
        let mut operation = operation;
        let fields = operation
            .as_object_mut()
            .ok_or("an operation is an object")?;
        let id = match self {
            // Every product but CNI names its operations so.
            OperationShape::Conventions => format!("{}-get-facility", label.replace('_', "-")),
            _ => format!("{label}_{kind}"),
        };
        fields.insert("operationId".into(), json!(id));
        fields.insert("summary".into(), json!(format!("Added: {}", self.name())));
        fields.entry("tags").or_insert_with(|| json!(["Slots"]));
        let parameters = fields
            .entry("parameters")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or("parameters are a list")?;
        parameters.insert(0, account);
        let paths = upstream
            .get_mut("paths")
            .and_then(Value::as_object_mut)
            .ok_or("the document has no paths")?;
        paths.insert(
            format!("/accounts/{{account_id}}/cni/{label}_{kind}"),
            json!({method: operation}),
        );
        Ok(())
    }
}

/// One change to Cloudflare's document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mutation {
    AddEnumValue {
        schema: String,
    },
    AddUnionMember {
        union: String,
        inline: bool,
    },
    AddProperty {
        schema: String,
        shape: Shape,
    },
    AddOperation,
    AddQueryParameter {
        path: String,
    },
    /// A list query parameter (`type: array` of enum values, the key repeated), as
    /// Cloudflare's other products filter their listings.
    AddQueryList {
        path: String,
    },
    /// A query parameter that is an object (its properties the query's keys), as Cloudflare's
    /// Intel and load balancer searches write them.
    AddQueryObject {
        path: String,
    },
    /// An operation on a new path of one of the shapes Cloudflare's other products use.
    AddOperationOf {
        shape: OperationShape,
    },
    AddRequiredResponseProperty {
        schema: String,
    },
    AddRequiredRequestProperty {
        schema: String,
    },
    RemoveResponseProperty {
        schema: String,
        property: String,
    },
    ChangePropertyType {
        schema: String,
        property: String,
    },
    RenameSchema {
        schema: String,
    },
}

impl Mutation {
    /// A line for a table: what changed where.
    pub fn describe(&self) -> String {
        match self {
            Mutation::AddEnumValue { schema } => format!("value added to enum {schema}"),
            Mutation::AddUnionMember { union, inline } => format!(
                "member added to union {union} ({})",
                if *inline { "inline" } else { "by $ref" }
            ),
            Mutation::AddProperty { schema, shape } => {
                format!("optional {} property added to {schema}", shape.name())
            }
            Mutation::AddOperation => "operation added on a new path".to_string(),
            Mutation::AddQueryParameter { path } => {
                format!("optional query parameter added to GET {path}")
            }
            Mutation::AddQueryList { path } => {
                format!("optional list query parameter (of enum values) added to GET {path}")
            }
            Mutation::AddQueryObject { path } => {
                format!("optional object query parameter added to GET {path}")
            }
            Mutation::AddOperationOf { shape } => {
                format!("operation added on a new path: {}", shape.name())
            }
            Mutation::AddRequiredResponseProperty { schema } => {
                format!("required property added to response object {schema}")
            }
            Mutation::AddRequiredRequestProperty { schema } => {
                format!("required property added to request body {schema}")
            }
            Mutation::RemoveResponseProperty { schema, property } => {
                format!("property {property} removed from {schema}")
            }
            Mutation::ChangePropertyType { schema, property } => {
                format!("property {schema}.{property} changed from string to integer")
            }
            Mutation::RenameSchema { schema } => format!("schema {schema} renamed"),
        }
    }

    pub fn expected(&self) -> Expected {
        match self {
            Mutation::AddEnumValue { .. }
            | Mutation::AddUnionMember { .. }
            | Mutation::AddProperty { .. }
            | Mutation::AddOperation
            | Mutation::AddQueryParameter { .. }
            | Mutation::AddQueryList { .. }
            | Mutation::AddQueryObject { .. }
            | Mutation::AddOperationOf { .. }
            | Mutation::AddRequiredResponseProperty { .. } => Expected::Additive,
            _ => Expected::Breaking,
        }
    }

    /// Applies the change to Cloudflare's document (`upstream`, as selected). What it adds is
    /// named after `label` (snake case: the enum value, the tag, the property), so that
    /// several mutations can make one revision.
    pub fn apply(&self, upstream: &mut Value, label: &str) -> Result<(), String> {
        let schemas = upstream
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .ok_or("the document has no component schemas")?;
        match self {
            Mutation::AddEnumValue { schema } => {
                let values = schemas
                    .get_mut(schema)
                    .and_then(|s| s.get_mut("enum"))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| format!("{schema} has no enum"))?;
                values.push(json!(label));
            }
            Mutation::AddUnionMember { union, inline } => {
                add_member(schemas, union, *inline, label)?
            }
            Mutation::AddProperty { schema, shape } => {
                let (union, object) = (
                    first_union(schemas).unwrap_or_default(),
                    first_plain_object(schemas, schema).unwrap_or_default(),
                );
                let property = shape.schema(&union, &object);
                properties_of(schemas, schema)?.insert(
                    format!("{label}_{}", shape.name().replace(['-', ' '], "_")),
                    property,
                );
            }
            Mutation::AddOperation => add_operation(upstream, label)?,
            Mutation::AddQueryParameter { path } => {
                let parameters = upstream
                    .pointer_mut(&format!("/paths/{}/get/parameters", escape_token(path)))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| format!("GET {path} has no parameters"))?;
                parameters.push(
                    json!({"name": format!("{label}_filter"), "in": "query", "required": false,
                    "description": "Added", "schema": {"type": "string"}}),
                );
            }
            Mutation::AddQueryList { path } => {
                let parameters = upstream
                    .pointer_mut(&format!("/paths/{}/get/parameters", escape_token(path)))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| format!("GET {path} has no parameters"))?;
                parameters.push(json!({"name": format!("{label}_states"), "in": "query",
                    "required": false, "description": "Added: any of these states",
                    "schema": {"type": "array", "items": {"type": "string",
                        "enum": [format!("{label}_up"), format!("{label}_down")]}}}));
            }
            Mutation::AddQueryObject { path } => {
                let parameters = upstream
                    .pointer_mut(&format!("/paths/{}/get/parameters", escape_token(path)))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| format!("GET {path} has no parameters"))?;
                parameters.push(json!({"name": format!("{label}_range"), "in": "query",
                    "description": "Added: a range", "schema": {"type": "object", "properties": {
                        format!("{label}_since"): {"type": "string", "format": "date"},
                        format!("{label}_until"): {"type": "string", "format": "date"}}}}));
            }
            Mutation::AddOperationOf { shape } => shape.add(upstream, label)?,
            Mutation::AddRequiredResponseProperty { schema } => {
                let name = format!("{label}_required");
                properties_of(schemas, schema)?.insert(
                    name.clone(),
                    json!({"type": "string", "format": "uuid", "description": "Added"}),
                );
                required_of(schemas, schema)?.push(json!(name));
            }
            Mutation::AddRequiredRequestProperty { schema } => {
                let name = format!("{label}_required");
                properties_of(schemas, schema)?.insert(
                    name.clone(),
                    json!({"type": "string", "description": "Added"}),
                );
                required_of(schemas, schema)?.push(json!(name));
            }
            Mutation::RemoveResponseProperty { schema, property } => {
                properties_of(schemas, schema)?
                    .remove(property)
                    .ok_or_else(|| format!("{schema} has no property {property}"))?;
                for required in required_lists(schemas, schema) {
                    required.retain(|r| r.as_str() != Some(property));
                }
            }
            Mutation::ChangePropertyType { schema, property } => {
                let changed = properties_of(schemas, schema)?
                    .get_mut(property)
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| format!("{schema} has no property {property}"))?;
                changed.insert("type".into(), json!("integer"));
                changed.remove("format");
            }
            Mutation::RenameSchema { schema } => rename_schema(upstream, schema)?,
        }
        Ok(())
    }
}

/// A GET operation on a new path whose answer is an inline object.
fn add_operation(upstream: &mut Value, label: &str) -> Result<(), String> {
    let paths = upstream
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or("the document has no paths")?;
    paths.insert(
            format!("/accounts/{{account_id}}/cni/{label}/{{{label}_id}}"),
            json!({"get": {
                "operationId": format!("get_{label}"),
                "summary": "Get an added thing",
                "tags": ["Slots"],
                "parameters": [
                    {"name": "account_id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": format!("{label}_id"), "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
                ],
                "responses": {"200": {"description": "The added thing", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}}}}}}}
            }}),
        );
    Ok(())
}

/// `schema` renamed to `{schema}Renamed`, every reference following.
fn rename_schema(upstream: &mut Value, schema: &str) -> Result<(), String> {
    let schemas = upstream
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the document has no component schemas")?;

    let body = schemas
        .remove(schema)
        .ok_or_else(|| format!("no schema {schema}"))?;
    let renamed = format!("{schema}Renamed");
    schemas.insert(renamed.clone(), body);
    let from = format!("#/components/schemas/{}", escape_token(schema));
    let to = format!("#/components/schemas/{}", escape_token(&renamed));
    rename_refs(upstream, &from, &to);
    Ok(())
}

/// The `properties` of an object schema (of its last `allOf` fragment for Cloudflare's
/// fragmented objects).
fn properties_of<'a>(
    schemas: &'a mut Map<String, Value>,
    schema: &str,
) -> Result<&'a mut Map<String, Value>, String> {
    let node = schemas
        .get_mut(schema)
        .ok_or_else(|| format!("no schema {schema}"))?;
    let node = match node.get("allOf").and_then(Value::as_array).map(Vec::len) {
        Some(n) if n > 0 && node.get("properties").is_none() => &mut node["allOf"][n - 1],
        _ => node,
    };
    node.as_object_mut()
        .ok_or_else(|| format!("{schema} is not an object"))?
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| format!("{schema}'s properties are not an object"))
}

fn required_of<'a>(
    schemas: &'a mut Map<String, Value>,
    schema: &str,
) -> Result<&'a mut Vec<Value>, String> {
    let node = schemas
        .get_mut(schema)
        .ok_or_else(|| format!("no schema {schema}"))?;
    let node = match node.get("allOf").and_then(Value::as_array).map(Vec::len) {
        Some(n) if n > 0 && node.get("properties").is_none() => &mut node["allOf"][n - 1],
        _ => node,
    };
    node.as_object_mut()
        .ok_or_else(|| format!("{schema} is not an object"))?
        .entry("required")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| format!("{schema}'s required is not a list"))
}

/// Every `required` list of a schema (its own and its `allOf` fragments').
fn required_lists<'a>(
    schemas: &'a mut Map<String, Value>,
    schema: &str,
) -> Vec<&'a mut Vec<Value>> {
    let Some(node) = schemas.get_mut(schema) else {
        return Vec::new();
    };
    let mut lists = Vec::new();
    if let Value::Object(map) = node {
        let mut fragments: Vec<&mut Value> = Vec::new();
        let mut own = None;
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "required" => own = value.as_array_mut(),
                "allOf" => fragments.extend(value.as_array_mut().into_iter().flatten()),
                _ => {}
            }
        }
        lists.extend(own);
        for fragment in fragments {
            if let Some(list) = fragment.get_mut("required").and_then(Value::as_array_mut) {
                lists.push(list);
            }
        }
    }
    lists
}

fn add_member(
    schemas: &mut Map<String, Value>,
    union: &str,
    inline: bool,
    label: &str,
) -> Result<(), String> {
    let node = schemas
        .get(union)
        .ok_or_else(|| format!("no schema {union}"))?;
    let property = node
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{union} is not a tagged union"))?
        .to_string();
    let has_mapping = node.pointer("/discriminator/mapping").is_some();
    let member = json!({"type": "object", "required": [property],
    "description": "A kind added in the next revision",
    "properties": {
        property.clone(): {"type": "string", "enum": [label]},
        "eta": {"type": "string", "format": "date-time", "description": "When it is expected"}
    }});
    let member = if inline {
        member
    } else {
        let name = format!("{union}_{}_Body", crate::naming::value_name(label));
        schemas.insert(name.clone(), member);
        let reference = format!("#/components/schemas/{}", escape_token(&name));
        if has_mapping {
            if let Some(mapping) = schemas
                .get_mut(union)
                .and_then(|u| u.pointer_mut("/discriminator/mapping"))
                .and_then(Value::as_object_mut)
            {
                mapping.insert(label.to_string(), json!(reference));
            }
        }
        json!({"$ref": reference})
    };
    schemas
        .get_mut(union)
        .and_then(|u| u.get_mut("oneOf"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("{union} has no oneOf"))?
        .push(member);
    Ok(())
}

fn first_union(schemas: &Map<String, Value>) -> Option<String> {
    schemas
        .iter()
        .find(|(_, s)| s.pointer("/discriminator/propertyName").is_some())
        .map(|(n, _)| n.clone())
}

/// A plain object schema other than `not`, for references from an added property.
fn first_plain_object(schemas: &Map<String, Value>, not: &str) -> Option<String> {
    schemas
        .iter()
        .find(|(n, s)| {
            n.as_str() != not
                && s.get("type").and_then(Value::as_str) == Some("object")
                && s.get("properties").is_some()
                && s.get("oneOf").is_none()
        })
        .map(|(n, _)| n.clone())
}

fn rename_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(s) if (key == "$ref" || s.starts_with("#/")) && s == from => {
                        *s = to.to_string()
                    }
                    _ => rename_refs(child, from, to),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, from, to)),
        _ => {}
    }
}

/// Every mutation the document supports, in a fixed order: at least one per enum, tagged union
/// and object a response carries.
/// Every mutation the document supports, in a fixed order: at least one per enum, tagged union
/// and object a response carries, then the breaks.
pub fn catalog(upstream: &Value) -> Vec<Mutation> {
    let Some(document) = Catalogued::of(upstream) else {
        return Vec::new();
    };
    let mut out = additions(&document);
    out.extend(breaks(&document));
    out
}

/// What the catalogue reads off the document.
struct Catalogued<'v> {
    upstream: &'v Value,
    schemas: &'v Map<String, Value>,
    usage: std::collections::BTreeMap<String, crate::document::Usage>,
    /// The objects responses carry, by name.
    objects: Vec<&'v String>,
}

impl<'v> Catalogued<'v> {
    fn of(upstream: &'v Value) -> Option<Catalogued<'v>> {
        let schemas = upstream.pointer("/components/schemas")?.as_object()?;
        let usage = crate::document::usage(upstream);
        let objects: Vec<&String> = schemas
            .iter()
            .filter(|(name, schema)| {
                usage.get(*name).is_some_and(|u| u.response)
                    && schema.get("oneOf").is_none()
                    && (schema.get("properties").is_some() || schema.get("allOf").is_some())
            })
            .map(|(name, _)| name)
            .collect();
        Some(Catalogued {
            upstream,
            schemas,
            usage,
            objects,
        })
    }
}

/// The ways the document grows.
fn additions(document: &Catalogued<'_>) -> Vec<Mutation> {
    let Catalogued {
        upstream,
        schemas,
        usage,
        objects,
    } = document;
    let (upstream, schemas): (&Value, &Map<String, Value>) = (upstream, schemas);
    let mut out = Vec::new();
    for (name, schema) in schemas {
        if schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|v| v.iter().all(Value::is_string))
        {
            out.push(Mutation::AddEnumValue {
                schema: name.clone(),
            });
        }
    }
    for (name, schema) in schemas {
        if schema.pointer("/discriminator/propertyName").is_some() && schema.get("oneOf").is_some()
        {
            for inline in [false, true] {
                out.push(Mutation::AddUnionMember {
                    union: name.clone(),
                    inline,
                });
            }
        }
    }
    for (i, name) in objects.iter().enumerate() {
        // Every object gets one shape, in turn; the first object gets every shape.
        let shapes: Vec<Shape> = if i == 0 {
            Shape::ALL.to_vec()
        } else {
            vec![Shape::ALL[i % Shape::ALL.len()]]
        };
        for shape in shapes {
            out.push(Mutation::AddProperty {
                schema: (*name).clone(),
                shape,
            });
        }
    }
    out.push(Mutation::AddOperation);
    for shape in OperationShape::ALL {
        out.push(Mutation::AddOperationOf { shape });
    }
    // A GET with query parameters, and one with none yet (its first is a new field of the
    // server's query struct, not a new argument of the trait method).
    let has_query = |o: &crate::document::OperationNode<'_>| {
        o.parameters()
            .any(|p| p.get("in").and_then(Value::as_str) == Some("query"))
    };
    for with_query in [true, false] {
        if let Some(path) = crate::document::operations(upstream)
            .find(|o| {
                o.method == "get"
                    && o.op.get("parameters").and_then(Value::as_array).is_some()
                    && has_query(o) == with_query
            })
            .map(|o| o.path.to_string())
        {
            if with_query {
                out.push(Mutation::AddQueryList { path: path.clone() });
                out.push(Mutation::AddQueryObject { path: path.clone() });
            }
            out.push(Mutation::AddQueryParameter { path });
        }
    }
    // A required property on an object only responses carry (on one requests carry too,
    // it breaks the requests).
    if let Some(name) = objects
        .iter()
        .find(|name| usage.get(**name).is_some_and(|u| !u.request))
    {
        out.push(Mutation::AddRequiredResponseProperty {
            schema: (*name).clone(),
        });
    }
    out
}

/// The ways the document breaks.
fn breaks(document: &Catalogued<'_>) -> Vec<Mutation> {
    let Catalogued {
        schemas,
        usage,
        objects,
        ..
    } = document;
    let schemas: &Map<String, Value> = schemas;
    let mut out = Vec::new();
    let request_only = schemas.iter().find(|(name, schema)| {
        usage.get(*name).is_some_and(|u| u.request && !u.response)
            && schema.get("oneOf").is_none()
            && schema.get("properties").is_some()
    });
    if let Some((name, _)) = request_only {
        out.push(Mutation::AddRequiredRequestProperty {
            schema: name.clone(),
        });
    }
    // A property removed and one retyped, on the first few objects that have a string one:
    // where the overlay describes the property, the import refuses the removal (a person
    // decides); elsewhere it flows through and the diff must call it major.
    let strings: Vec<(String, String)> = objects
        .iter()
        .filter_map(|name| {
            let node = schemas.get(*name)?;
            let props = node
                .get("properties")
                .or_else(|| node.pointer("/allOf/0/properties"))?
                .as_object()?;
            let string = props
                .iter()
                .find(|(_, p)| p.get("type").and_then(Value::as_str) == Some("string"))?;
            Some(((*name).clone(), string.0.clone()))
        })
        .take(4)
        .collect();
    for (schema, property) in &strings {
        out.push(Mutation::RemoveResponseProperty {
            schema: schema.clone(),
            property: property.clone(),
        });
    }
    for (schema, property) in strings {
        out.push(Mutation::ChangePropertyType { schema, property });
    }
    // A renamed schema: the enums first, then the objects (the overlay names most objects by
    // their upstream name, and refuses a rename of one: a person decides).
    let enums = schemas
        .iter()
        .filter(|(name, s)| s.get("enum").is_some() && usage.get(*name).is_some_and(|u| u.response))
        .map(|(name, _)| name);
    for schema in enums.chain(objects.iter().copied()).take(4) {
        out.push(Mutation::RenameSchema {
            schema: schema.clone(),
        });
    }
    out
}

/// A value of `schema` with every property present, each enum at its last value and each
/// union at its last member (where a revision's additions land), placeholders elsewhere: an
/// answer of the newer API as an older client would meet it. `depth` stops a recursive schema.
pub fn full_sample(root: &Value, schema: &Value, depth: usize) -> Value {
    let schema = crate::document::deref(root, schema);
    if depth > 12 {
        return Value::Null;
    }
    if let Some(last) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.last())
    {
        return last.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            match full_sample(root, part, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    if let Some(last) = schema
        .get("oneOf")
        .and_then(Value::as_array)
        .and_then(|v| v.last())
    {
        return full_sample(root, last, depth + 1);
    }
    let string = |format: Option<&str>| match format {
        Some("uuid") => "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        Some("date-time") => "2026-09-01T12:00:00Z",
        Some("date") => "2026-09-01",
        Some("ipv4") => "192.0.2.1",
        Some("uri") => "https://example.com/added",
        Some("byte") => "YWRkZWQ=",
        _ => "sample",
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None
            if schema.get("properties").is_some()
                || schema.get("additionalProperties").is_some() =>
        {
            let mut fields = Map::new();
            for (name, property) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                fields.insert(name.clone(), full_sample(root, property, depth + 1));
            }
            if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                fields.insert("added_key".into(), full_sample(root, values, depth + 1));
            }
            Value::Object(fields)
        }
        Some("object") => Value::Object(Map::new()),
        Some("array") => Value::Array(
            schema
                .get("items")
                .map(|i| vec![full_sample(root, i, depth + 1)])
                .unwrap_or_default(),
        ),
        Some("integer") => Value::from(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(7)
                .max(
                    schema
                        .get("maximum")
                        .and_then(Value::as_i64)
                        .map_or(7, |m| m.min(7)),
                ),
        ),
        Some("number") => Value::from(1.5),
        Some("boolean") => Value::Bool(true),
        Some("string") => {
            Value::String(string(schema.get("format").and_then(Value::as_str)).into())
        }
        _ => Value::Null,
    }
}
