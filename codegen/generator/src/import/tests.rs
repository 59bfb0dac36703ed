//! The import on the committed inputs: a whole-document-sized input, and broken overlays.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::*;

fn repo_file(path: &str) -> SpecSource {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    SpecSource {
        display_path: path.to_string(),
        text: std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display())),
    }
}

fn upstream() -> SpecSource {
    repo_file(UPSTREAM_PATH)
}

fn overlay() -> SpecSource {
    repo_file(OVERLAY_PATH)
}

/// The spec without its two header lines (which name the inputs' digests).
fn body(spec_text: &str) -> &str {
    spec_text.splitn(3, '\n').nth(2).unwrap()
}

/// Cloudflare's whole document is ~16 MB of unrelated products around the CNI paths. The
/// import must pick the same CNI part out of it as out of the extract.
#[test]
fn the_whole_document_imports_like_the_extract() {
    let extract = source::parse(&upstream()).unwrap().value;
    let mut whole = extract.clone();
    let mut paths = whole["paths"].as_object().unwrap().clone();
    let mut schemas = whole["components"]["schemas"].as_object().unwrap().clone();
    for i in 0..12_000 {
        paths.insert(
            format!("/zones/{{zone_id}}/product{i}/items/{{item_id}}"),
            json!({"get": {
                "operationId": format!("product{i}_get"),
                "summary": "Get an item of an unrelated product, with a long enough description to weigh",
                "parameters": [
                    {"name": "zone_id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "item_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
                ],
                "responses": {"200": {"description": "The item", "content": {"application/json":
                    {"schema": {"$ref": format!("#/components/schemas/product{i}_Item")}}}},
                    "4XX": {"description": "Failure", "content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/nsc_Cni"}}}}},
                "security": [{"api_token": []}],
                "tags": [format!("Product {i}")]
            }}),
        );
        schemas.insert(
            format!("product{i}_Item"),
            json!({"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "string", "format": "uuid", "description": "Identifier"},
                "name": {"type": "string", "description": "Name", "maxLength": 255},
                "tags": {"type": "array", "items": {"type": "string"}},
                "settings": {"$ref": format!("#/components/schemas/product{}_Item", (i + 1) % 12_000)}
            }}),
        );
    }
    whole["paths"] = Value::Object(paths);
    whole["components"]["schemas"] = Value::Object(schemas);
    let text = yaml::emit(&whole);
    assert!(
        text.len() > 15_000_000,
        "a document of the whole's order of size: {} bytes",
        text.len()
    );
    let from_whole = import(
        &SpecSource {
            display_path: "openapi-2026-08-14.yaml".into(),
            text,
        },
        &overlay(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let from_extract = import(&upstream(), &overlay()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body(&from_whole.spec_text), body(&from_extract.spec_text));
    assert_eq!(from_whole.report.operations, from_extract.report.operations);
    assert_eq!(from_whole.report.components, from_extract.report.components);
    assert!(!from_whole
        .report
        .components
        .iter()
        .any(|c| c.contains("product")));
}

#[test]
fn importing_twice_gives_the_same_bytes_and_reimporting_the_selection_changes_nothing() {
    let once = import(&upstream(), &overlay()).unwrap();
    let again = import(&upstream(), &overlay()).unwrap();
    assert_eq!(once.spec_text, again.spec_text);
    // Importing the written selection keeps its provenance header.
    let reimported = import(
        &SpecSource {
            display_path: UPSTREAM_PATH.into(),
            text: once.upstream_text.clone(),
        },
        &overlay(),
    )
    .unwrap();
    assert_eq!(reimported.upstream_text, once.upstream_text);
    assert_eq!(reimported.spec_text, once.spec_text);
}

fn overlay_error(overlay_text: &str) -> String {
    let result = import(
        &upstream(),
        &SpecSource {
            display_path: "spec/overlay.yaml".into(),
            text: overlay_text.into(),
        },
    );
    match result {
        Err(e @ ImportError::Overlay(_)) => e.to_string(),
        Err(other) => panic!("not an overlay error: {other}"),
        Ok(_) => panic!("the overlay was accepted"),
    }
}

#[test]
fn an_action_that_matches_nothing_names_itself_its_description_and_target() {
    // The real overlay, with one target renamed as if Cloudflare had renamed the schema (an
    // action that changes meaning: the MTU's format; one that only documents is skipped).
    let text = overlay().text.replacen(
        "  - target: $.components.schemas.nsc_MagicSettings.properties.mtu\n",
        "  - target: $.components.schemas.nsc_MagicConfig.properties.mtu\n",
        1,
    );
    let message = overlay_error(&text);
    let line = text
        .lines()
        .position(|l| l.contains("nsc_MagicConfig"))
        .unwrap()
        + 1;
    let index = text.matches("\n  - target:").count()
        - text[text.find("nsc_MagicConfig").unwrap()..]
            .matches("\n  - target:")
            .count();
    let summary = Overlay::from_source(&source::parse(&overlay()).unwrap())
        .unwrap()
        .actions[index - 1]
        .summary();
    assert_eq!(
        message,
        format!(
            "1 problem in the spec:\n  spec/overlay.yaml:{line}:13: at /actions/{}/target: action {} \
             ({summary}) matches nothing: its \
             target `$.components.schemas.nsc_MagicConfig.properties.mtu` selects no node of Cloudflare's \
             document, so Cloudflare renamed or removed what it changes; update the target or \
             drop the action",
            index - 1,
            index
        )
    );
}

#[test]
fn an_invalid_overlay_reports_every_problem_located() {
    let message = overlay_error(
        "overlay: 2.0.0
info: {title: t}
actions:
  - target: $.paths[
    description: broken path
    update: {}
  - description: no target
    update: {}
  - target: $.info
    update: {title: x}
  - target: $.info
    description: both
    update: {title: x}
    remove: true
  - target: $.info
    description: neither
  - target: $.info
    description: unknown field
    update: {}
    copy: $.servers
",
    );
    assert_eq!(
        message,
        "8 problems in the spec:
  spec/overlay.yaml:1:10: at /overlay: `overlay` is the string \"2.0.0\"; this tool reads Overlay 1.0.x (`overlay: 1.0.0`)
  spec/overlay.yaml:2:7: at /info/version: `info.version` must be a string
  spec/overlay.yaml:4:13: at /actions/0/target: `$.paths[` is not an RFC 9535 JSONPath query: parser error (at character 8)
  spec/overlay.yaml:7:16: at /actions/1/target: every action needs a `target` JSONPath string
  spec/overlay.yaml:9:11: at /actions/2/description: every action says why in a non-empty `description` (it is the deviation's record)
  spec/overlay.yaml:11:11: at /actions/3: an action either updates or removes, not both
  spec/overlay.yaml:15:11: at /actions/4: the action does nothing: give it `update` or `remove: true`
  spec/overlay.yaml:20:11: at /actions/5/copy: `copy` is not a field of Overlay 1.0 here (expected one of target, description, update, remove, or an `x-` extension)"
    );
}

#[test]
fn updates_of_primitives_and_removals_follow_overlay_1_0() {
    let message = overlay_error(
        "overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $.info.title
    description: a primitive cannot be updated in place
    update: {x: 1}
  - target: $.openapi
    description: nor removed
    remove: true
",
    );
    assert!(message.contains("action 1 (“a primitive cannot be updated in place”): `/info/title` is the string \"Cloudflare API\"; Overlay 1.0 targets objects or arrays"), "{message}");
    assert!(message.contains("action 2 (“nor removed”): `/openapi` is the string \"3.0.3\"; Overlay 1.0 removes objects or arrays only"), "{message}");
}

#[test]
fn overlay_merge_concatenates_lists_and_replaces_scalars() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\ntags: [{name: a}]\npaths: {}\n";
    let edited = edit_with_actions(
        spec,
        "
- {target: $.tags, description: append, update: {name: b}}
- {target: $.info, description: merge, update: {title: u, x-list: [1]}}
- {target: $.info, description: merge again, update: {x-list: [2]}}
",
    )
    .unwrap();
    let value: Value = source::parse(&SpecSource {
        display_path: "t".into(),
        text: edited,
    })
    .unwrap()
    .value;
    assert_eq!(value["tags"], json!([{"name": "a"}, {"name": "b"}]));
    assert_eq!(
        value["info"],
        json!({"title": "u", "version": "1", "x-list": [1, 2]})
    );
}

#[test]
fn the_deviations_table_has_a_row_per_action() {
    let imported = import(&upstream(), &overlay()).unwrap();
    let parsed = Overlay::from_source(&source::parse(&overlay()).unwrap()).unwrap();
    let rows = imported
        .deviations_markdown
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #") && !l.starts_with("| ---"))
        .count();
    assert_eq!(rows, parsed.actions.len());
    let readme = "a\n<!-- deviations: generated by `cargo xtask import` from spec/overlay.yaml -->\nold\n<!-- end of deviations -->\nb\n";
    let spliced = splice_deviations(readme, "| new |").unwrap();
    assert_eq!(spliced, "a\n<!-- deviations: generated by `cargo xtask import` from spec/overlay.yaml -->\n| new |\n<!-- end of deviations -->\nb\n");
    assert_eq!(splice_deviations("no markers", "x"), None);
}

/// Cloudflare drops `owner` from the physical interconnect: the action that only describes it
/// must not re-create it (an untyped field, a diff saying its type changed), nor stop the
/// import (the maintainer would get a failed sync instead of the major release the removal
/// is). The description is skipped and reported, naming the action and the property; the
/// rest of the action applies; the property is gone from the spec.
#[test]
fn a_description_of_a_property_cloudflare_removed_is_skipped_and_reported() {
    let mut document = source::parse(&upstream()).unwrap().value;
    let fragment = document
        .pointer_mut("/components/schemas/nsc_Interconnect_Physical_Body/allOf/0/properties")
        .and_then(Value::as_object_mut)
        .expect("Cloudflare's physical interconnect lists its common properties first");
    assert!(fragment.remove("owner").is_some());
    let source = SpecSource {
        display_path: "cloudflare-cni-2026-09-01.json".into(),
        text: serde_json::to_string(&document).unwrap(),
    };
    let imported = import(&source, &overlay()).unwrap();
    let owner = "the property `/components/schemas/nsc_Interconnect_Physical_Body/allOf/0/properties/owner`";
    assert_eq!(
        imported.report.skipped.len(),
        1,
        "{:?}",
        imported.report.skipped
    );
    assert!(
        imported.report.skipped[0].contains(owner)
            && imported.report.skipped[0].contains("skipped"),
        "{:?}",
        imported.report.skipped
    );
    let spec = source::parse(&SpecSource {
        display_path: "cni.yaml".into(),
        text: imported.spec_text.clone(),
    })
    .unwrap()
    .value;
    let physical = spec["components"]["schemas"]["InterconnectDirect"].to_string();
    assert!(!physical.contains("\"owner\""), "{physical}");
    assert!(
        physical.contains("Name of the interconnect"),
        "the rest applied: {physical}"
    );
}

/// An action that changes meaning (here a type) for something Cloudflare removed still stops
/// the import, naming the action and what it would create.
#[test]
fn a_meaning_changing_action_on_a_removed_property_still_stops_the_import() {
    let retyping = SpecSource {
        display_path: "overlay.yaml".into(),
        text: "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.components.schemas.nsc_FacilityInfo.properties\n    description: retypes\n    update: {floor: {type: integer, description: Floor}}\n  - target: $.components.schemas.nsc_Gone\n    description: retitles\n    update: {title: Gone}\n  - target: $.components.schemas.nsc_Gone\n    description: refines\n    update: {format: uuid}\n".into(),
    };
    let document = source::parse(&upstream()).unwrap().value;
    let parsed = Overlay::from_source(&source::parse(&retyping).unwrap()).unwrap();
    let problems = parsed.apply(&mut document.clone(), false).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0]
            .1
            .starts_with("action 1 (“retypes”) would create"),
        "{problems:?}"
    );
    assert!(
        problems[1]
            .1
            .starts_with("action 3 (“refines”) matches nothing"),
        "{problems:?}"
    );
}

/// The same action with `x-cni-adds: true` adds the property on purpose; one that only
/// describes a property Cloudflare's document never had is skipped and reported.
#[test]
fn an_action_that_says_it_adds_creates_what_it_names() {
    let adding = SpecSource {
        display_path: "overlay.yaml".into(),
        text: "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.components.schemas.nsc_FacilityInfo.properties\n    description: adds\n    x-cni-adds: true\n    update: {clli: {type: string, description: CLLI code}}\n  - target: $.components.schemas.nsc_FacilityInfo.properties\n    description: describes\n    update: {floor: {description: Floor}}\n".into(),
    };
    let mut document = source::parse(&upstream()).unwrap().value;
    let parsed = Overlay::from_source(&source::parse(&adding).unwrap()).unwrap();
    let applied = parsed.apply(&mut document, false).unwrap();
    assert_eq!(applied.skipped.len(), 1, "{applied:?}");
    assert!(
        applied.skipped[0].starts_with("action 2 (“describes”) documents the property")
            && applied.skipped[0].contains("properties/floor`"),
        "{applied:?}"
    );
    let properties = &document["components"]["schemas"]["nsc_FacilityInfo"]["properties"];
    assert!(properties.get("clli").is_some() && properties.get("floor").is_none());
    // As a deliberate edit (tests, tools), both apply.
    let mut edited = source::parse(&upstream()).unwrap().value;
    assert!(parsed.apply(&mut edited, true).is_ok());
    assert!(
        edited["components"]["schemas"]["nsc_FacilityInfo"]["properties"]
            .get("floor")
            .is_some()
    );
}

/// Cloudflare's dialect for names and groups (issue 34's first cases): a revision that adds an
/// operation as every other product writes one (a kebab-case operationId, a tag the document
/// does not declare) imports with no overlay edit, names the method by rule, declares the tag
/// as a group, and generates; every existing operation keeps its name.
#[test]
fn kebab_case_operation_ids_and_undeclared_tags_import_by_rule() {
    let mut document = source::parse(&upstream()).unwrap().value;
    document["paths"]["/accounts/{account_id}/cni/facilities"] = json!({
        "get": {
            "operationId": "cni-list-facilities",
            "summary": "List facilities",
            "tags": ["Facilities"],
            "parameters": [{"name": "account_id", "in": "path", "required": true,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The facilities", "content": {"application/json": {
                "schema": {"type": "object", "required": ["items"], "properties": {
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}}}}}}}}}}
        }
    });
    let source = SpecSource {
        display_path: "cloudflare-cni-2026-12-01.json".into(),
        text: serde_json::to_string(&document).unwrap(),
    };
    let imported = import(&source, &overlay()).unwrap();
    assert_eq!(
        imported.report.operations_renamed,
        [(
            "cni-list-facilities".to_string(),
            "cni_list_facilities".to_string()
        )]
    );
    assert_eq!(imported.report.tags_declared, ["Facilities"]);
    let loaded = crate::load::load(&SpecSource {
        display_path: SPEC_PATH.into(),
        text: imported.spec_text.clone(),
    })
    .unwrap();
    let ids: Vec<&str> = loaded
        .model
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert!(
        ids.contains(&"cni_list_facilities") && ids.contains(&"list_cnis"),
        "{ids:?}"
    );
    crate::render(&loaded, &crate::config::Config::default()).expect("generates");
}

#[test]
fn operation_ids_become_method_names_the_same_way_every_time() {
    for (id, name) in [
        ("accounts-list-accounts", "accounts_list_accounts"),
        ("getCNIs", "get_cnis"),
        (
            "zone-level-access-applications-list",
            "zone_level_access_applications_list",
        ),
        ("2fa-check", "op_2fa_check"),
        ("already_fine", "already_fine"),
    ] {
        assert_eq!(normalize::method_name(id), name, "{id}");
    }
    // Two that meet: told apart in the order of their original ids, each time.
    let mut document = json!({"paths": {
        "/b": {"get": {"operationId": "list-things"}},
        "/a": {"get": {"operationId": "list_things"}, "post": {"operationId": "List-Things"}}
    }});
    let renamed = normalize::name_operations(&mut document);
    assert_eq!(
        renamed,
        [
            ("List-Things".to_string(), "list_things_2".to_string()),
            ("list-things".to_string(), "list_things_3".to_string())
        ]
    );
    assert_eq!(document["paths"]["/a"]["get"]["operationId"], "list_things");
}

/// Cloudflare's whole document, as every product but the CNI section writes it: an answer
/// in the shared envelope (`allOf` of the envelope and `{result}`) whose `result` is an
/// `anyOf` of `allOf`s (Access's applications), path parameters that are `{}` or `allOf:
/// [$ref]`, a media type written `undefined` and a `required` name with no property. The
/// envelope used to be left to typify, whose merge grew exponentially with the union's
/// members (out of memory on `POST /accounts/{account_id}/access/apps`); the rest stopped the
/// import. Each now imports by its written rule, warns naming the operation or schema and the
/// rule, and generates.
#[test]
fn cloudflares_sloppy_constructs_import_by_written_rules_and_generate() {
    let members: Vec<Value> = (0..8)
        .map(|i| {
            json!({"allOf": [
                {"$ref": "#/components/schemas/app_basic"},
                {"$ref": format!("#/components/schemas/app_kind{i}")}
            ], "type": "object", "title": format!("Kind {i}")})
        })
        .collect();
    let mut schemas = serde_json::Map::new();
    schemas.insert(
        "app_basic".into(),
        json!({"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
               "required": ["id", "created_by"]}),
    );
    for i in 0..8 {
        schemas.insert(
            format!("app_kind{i}"),
            json!({"type": "object", "properties": {format!("setting{i}"): {"type": "string"}}}),
        );
    }
    schemas.insert("app".into(), json!({"anyOf": members}));
    schemas.insert(
        "envelope".into(),
        json!({"type": "object", "required": ["success"], "properties": {
            "success": {"type": "boolean"},
            "result": {"anyOf": [{"type": "object"}, {"type": "string"}], "nullable": true}}}),
    );
    schemas.insert(
        "user_id".into(),
        json!({"allOf": [{"$ref": "#/components/schemas/uuid"}], "description": "The user"}),
    );
    schemas.insert("uuid".into(), json!({"type": "string", "format": "uuid"}));
    schemas.insert("account".into(), json!({}));
    // Two names the rule makes one (Cloudflare's `stream_live_input`, `stream_liveInput`).
    schemas.insert(
        "live_input".into(),
        json!({"type": "object", "properties": {"a": {"type": "string"}}}),
    );
    schemas.insert(
        "liveInput".into(),
        json!({"type": "object", "properties": {"b": {"type": "string"}}}),
    );
    if let Some(Value::Object(props)) = schemas
        .get_mut("app_kind0")
        .and_then(|s| s.get_mut("properties"))
    {
        props.insert(
            "input".into(),
            json!({"$ref": "#/components/schemas/live_input"}),
        );
        props.insert(
            "input_too".into(),
            json!({"$ref": "#/components/schemas/liveInput"}),
        );
    }
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {"/accounts/{account_id}/users/{user_id}/apps": {
            "post": {
                "operationId": "access-applications-add-an-application",
                "summary": "Add an application",
                "tags": ["Access applications"],
                "parameters": [
                    {"name": "account_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/account"}},
                    {"name": "user_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/user_id"}}
                ],
                "responses": {
                    "201": {"description": "Added", "content": {"application/json": {"schema": {
                        "allOf": [{"$ref": "#/components/schemas/envelope"},
                                  {"properties": {"result": {"$ref": "#/components/schemas/app"}}}]
                    }}}},
                    "4XX": {"description": "Failure", "content": {"undefined": {"schema": {}}}}
                }
            },
            "get": {
                "operationId": "access-applications-download",
                "summary": "Download an application's script",
                "tags": ["Access applications"],
                "parameters": [
                    {"name": "account_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/account"}},
                    {"name": "user_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/user_id"}},
                    // Cloudflare's custom hostnames and SSL verification: untyped enums.
                    {"name": "ssl", "in": "query", "schema": {"enum": [0, 1], "default": "0"}},
                    {"name": "retry", "in": "query", "schema": {"enum": [true]}},
                    // Intel's DNS, analytics and load balancer search.
                    {"name": "range", "in": "query", "schema": {"type": "object", "required": ["start"],
                        "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string"}}}},
                    {"name": "sort", "in": "query", "schema": {"type": "array", "items": {}}},
                    {"name": "per_page", "in": "query", "schema": {"minimum": 1, "maximum": 1000, "default": 25}}
                ],
                "responses": {"200": {"description": "The script",
                    "content": {"undefined": {"schema": {"example": "addEventListener()"}}}}}
            },
            "delete": {
                "operationId": "access-applications-delete",
                "summary": "Delete an application",
                "tags": ["Access applications"],
                "parameters": [
                    {"name": "account_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/account"}},
                    {"name": "user_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/user_id"}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {}}},
                "responses": {
                    "200": {"description": "Deleted", "content": {"application/json": {"schema": {
                        "properties": {"success": {"type": "boolean", "default": "true"},
                                       "tags": {"type": "array", "items": {"type": "string"}, "default": "none"}}
                    }}}},
                    "4XX": {"description": "Failure", "content": {"application/json": {}}}
                }
            },
            "put": {
                "operationId": "access-applications-update",
                "summary": "Update an application",
                "tags": ["Access applications"],
                "parameters": [
                    {"name": "account_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/account"}},
                    {"name": "user_id", "in": "path", "required": true,
                     "schema": {"$ref": "#/components/schemas/user_id"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"required": ["name"]}}}},
                "responses": {
                    "200": {"description": "Updated", "content": {"application/json": {"schema": {}}}},
                    "default": {"description": "Failure", "content": {"application/json": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/envelope"}, {"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "string"}}}}]
                    }}}}
                }
            }
        }},
        "components": {"schemas": schemas}
    });
    let (spec, report) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let warnings = report.repairs.join("\n");
    for expected in [
        "POST /accounts/{account_id}/users/{user_id}/apps: path parameter `account_id` has no type: read as a string (rule `parameters`",
        "GET /accounts/{account_id}/users/{user_id}/apps: 200 media type `undefined` is not a media type: read as `application/octet-stream` (rule `media types`",
        "POST /accounts/{account_id}/users/{user_id}/apps: 4XX media type `undefined` is not a media type: dropped (rule `media types`",
        "required property `created_by` is not among the properties: not required (rule `required`",
        "DELETE /accounts/{account_id}/users/{user_id}/apps: the request's `application/json` body has no schema: any JSON object (rule `bodies`)",
        "DELETE /accounts/{account_id}/users/{user_id}/apps: the 4XX answer's `application/json` body has no schema: left out (rule `bodies`",
        "/properties/success: default \"true\" read as true (rule `defaults`)",
        "/properties/tags: default \"none\" is not a value of the schema: dropped (rule `defaults`)",
        "/requestBody/content/application~1json/schema: required property `name` is not among the properties",
        "PUT /accounts/{account_id}/users/{user_id}/apps: the `default` answer beside a success is read as 4XX and 5XX (rule `responses`",
        "/components/schemas/live_input: `live_input` would be called `LiveInput` like `liveInput`: called `LiveInput2` (rule `names`)",
        "GET /accounts/{account_id}/users/{user_id}/apps: query parameter `ssl` has no type: read as an integer, as its values are (rule `parameters`",
        "GET /accounts/{account_id}/users/{user_id}/apps: query parameter `retry` has no type: read as a boolean, as its values are (rule `parameters`",
        "default \"0\" read as 0 (rule `defaults`)",
        "GET /accounts/{account_id}/users/{user_id}/apps: query parameter `range` is an object: its properties `end`, `start` are the query's keys (rule `parameters`",
        "GET /accounts/{account_id}/users/{user_id}/apps: query parameter `sort` is a list of untyped items: of strings (rule `parameters`",
        "GET /accounts/{account_id}/users/{user_id}/apps: query parameter `per_page` has no type: read as an integer, as its bounds are (rule `parameters`",
    ] {
        assert!(warnings.contains(expected), "{expected}\nin:\n{warnings}");
    }
    // The object's properties are the query's keys, each a parameter of the operation.
    let get = spec
        .model
        .operations
        .iter()
        .find(|op| op.method == "GET")
        .expect("the GET operation");
    let query: Vec<&str> = get.query_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(query, ["end", "per_page", "retry", "sort", "ssl", "start"]);
    // `user_id` reaches its type through `allOf: [$ref]`: written out, nothing to warn.
    assert!(!warnings.contains("`user_id`"), "{warnings}");
    // The envelope is one object whose `result` is the union, before typify sees it: no
    // `allOf` is left for typify to merge (16 s for these 8 small members when it was; Access's
    // 8, with their own nested unions, ran out of memory).
    let answer =
        &spec.value()["components"]["schemas"]["AccessApplicationsAddAnApplicationResponse"];
    assert_eq!(answer.get("allOf"), None, "{answer}");
    assert_eq!(
        answer["properties"]["result"]["$ref"], "#/components/schemas/App",
        "{answer}"
    );
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

/// Cloudflare's rulesets share request bodies and responses (`components/requestBodies`,
/// `components/responses`) whose JSON schemas are inline: they are hoisted, named after the
/// component, and the operations that `$ref` them generate.
#[test]
fn shared_bodies_and_responses_with_inline_schemas_are_hoisted_by_their_name() {
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {"/accounts/{account_id}/rulesets": {"post": {
            "operationId": "createAccountRuleset",
            "summary": "Create an account ruleset",
            "tags": ["Account Rulesets"],
            "parameters": [{"name": "account_id", "in": "path", "required": true,
                            "schema": {"type": "string"}}],
            "requestBody": {"$ref": "#/components/requestBodies/rulesets_CreateRuleset"},
            "responses": {
                "200": {"$ref": "#/components/responses/rulesets_Ruleset"},
                "4XX": {"$ref": "#/components/responses/rulesets_Failure"}
            }
        }}},
        "components": {
            "requestBodies": {"rulesets_CreateRuleset": {"required": true, "content": {
                "application/json": {"schema": {"type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}}}}}}},
            "responses": {
                "rulesets_Ruleset": {"description": "A ruleset", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "id": {"type": "string"}, "name": {"type": "string"}}}}}},
                "rulesets_Failure": {"description": "A failure", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/failure"}}}}
            },
            "schemas": {"failure": {"type": "object", "required": ["success"], "properties": {
                "success": {"type": "boolean"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "integer"}, "message": {"type": "string"}}}}}}}
        }
    });
    let (spec, _) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let components = &spec.value()["components"];
    for (pointer, name) in [
        (
            "/requestBodies/rulesets_CreateRuleset",
            "RulesetsCreateRulesetRequest",
        ),
        ("/responses/rulesets_Ruleset", "RulesetsRulesetResponse"),
    ] {
        let schema = components
            .pointer(&format!("{pointer}/content/application~1json/schema/$ref"))
            .and_then(Value::as_str);
        assert_eq!(
            schema,
            Some(format!("#/components/schemas/{name}").as_str())
        );
        assert!(components["schemas"].get(name).is_some(), "{name}");
    }
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

/// An inline answer whose name exists (Cloudflare's `vectorize-index-info` beside its schema
/// `vectorize_index-info-response`) is hoisted under the first free number, with a warning.
#[test]
fn an_inline_body_whose_name_exists_takes_the_next_number() {
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {"/accounts/{account_id}/vectorize/indexes/{index_name}/info": {"get": {
            "operationId": "vectorize-index-info",
            "summary": "Get index info",
            "tags": ["Vectorize"],
            "parameters": [
                {"name": "account_id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "index_name", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "Info", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "result": {"$ref": "#/components/schemas/vectorize_index-info-response"}}}}}}}
        }}},
        "components": {"schemas": {"vectorize_index-info-response": {
            "type": "object", "properties": {"dimensions": {"type": "integer"}}}}}
    });
    let (spec, report) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let schemas = &spec.value()["components"]["schemas"];
    assert!(schemas.get("VectorizeIndexInfoResponse").is_some());
    assert_eq!(
        schemas["VectorizeIndexInfoResponse2"]["properties"]["result"]["$ref"],
        "#/components/schemas/VectorizeIndexInfoResponse"
    );
    let warnings = report.repairs.join("\n");
    assert!(
        warnings.contains("would be hoisted as `VectorizeIndexInfoResponse`, which exists: called `VectorizeIndexInfoResponse2` (rule `names`)"),
        "{warnings}"
    );
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

/// A hoisted body is named as typify spells types: Stream's `stream-MP4-downloads-create`
/// answers `StreamMp4DownloadsCreateResponse`, not `StreamMP4…`, which typify would rename.
#[test]
fn hoisted_names_are_spelled_as_typify_spells_them() {
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {"/accounts/{account_id}/stream/{identifier}/downloads": {"post": {
            "operationId": "stream-MP4-downloads-create",
            "summary": "Create downloads",
            "tags": ["Stream MP4 Downloads"],
            "parameters": [
                {"name": "account_id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "identifier", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"quality": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Created", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"url": {"type": "string"}}}}}}}
        }}}
    });
    let (spec, _) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let schemas = spec.value()["components"]["schemas"].as_object().unwrap();
    let names: Vec<&String> = schemas.keys().collect();
    assert_eq!(
        names,
        [
            "StreamMp4DownloadsCreateRequest",
            "StreamMp4DownloadsCreateResponse"
        ]
    );
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

/// Cloudflare's uploads: a Worker script offered as a form beside its own media types (in a
/// shared request body), an image form whose `file` is `format: binary` with no type, and an
/// `enum` with no type. Each is read by a written rule, warned about, and generates: the form's
/// parts reach the model.
#[test]
fn forms_and_untyped_formats_import_by_rule_and_generate() {
    let account = json!({"name": "account_id", "in": "path", "required": true,
        "schema": {"type": "string"}});
    let answer = json!({"200": {"description": "Done", "content": {"application/json": {
        "schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}});
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {
            "/accounts/{account_id}/workers/scripts/{script_name}": {"put": {
                "operationId": "worker-script-upload-worker-module",
                "tags": ["Worker Script"],
                "parameters": [account, {"name": "script_name", "in": "path", "required": true,
                    "schema": {"type": "string"}}],
                "requestBody": {"$ref": "#/components/requestBodies/workers_script_upload"},
                "responses": answer
            }},
            "/accounts/{account_id}/images/v1": {"post": {
                "operationId": "cloudflare-images-upload-an-image-via-url",
                "tags": ["Cloudflare Images"],
                "parameters": [account],
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "properties": {
                        "file": {"description": "The image.", "format": "binary"},
                        "mode": {"enum": ["fit", "crop"]}}}}}},
                "responses": answer
            }}
        },
        "components": {"requestBodies": {"workers_script_upload": {"required": true, "content": {
            "application/javascript": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "<any part name>": {"type": "array", "items": {"type": "string", "format": "binary"}},
                "metadata": {"type": "object", "properties": {"main_module": {"type": "string"}}}}}},
            "text/javascript": {"schema": {"type": "string"}}}}}}
    });
    let (spec, report) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let warnings = report.repairs.join("\n");
    for expected in [
        "components/requestBodies/workers_script_upload: request offers `multipart/form-data` beside `application/javascript`, `text/javascript`: sent as the form (rule `media types`",
        "`format: binary` with no type: a string of bytes (rule `types`)",
        "an `enum` with no type: of its values' type, string (rule `types`)",
    ] {
        assert!(warnings.contains(expected), "{expected}\nin:\n{warnings}");
    }
    let model = &spec.model;
    let upload = model
        .operations
        .iter()
        .find(|op| op.id == "worker_script_upload_worker_module")
        .expect("the script upload");
    let parts = upload.request_form.as_ref().expect("a form");
    let described: Vec<(&str, crate::model::PartKind, bool)> = parts
        .iter()
        .map(|p| (p.name.as_str(), p.kind, p.many))
        .collect();
    assert_eq!(
        described,
        [
            ("<any part name>", crate::model::PartKind::File, true),
            ("metadata", crate::model::PartKind::Json, false)
        ]
    );
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

/// A query parameter that repeats a path parameter (a firewall rule's `id` in both places;
/// Radar's `{http_protocol}` beside `httpProtocol`) is left out by rule, with a warning naming
/// it, and the operation generates.
#[test]
fn a_query_parameter_that_repeats_a_path_parameter_is_left_out() {
    let answer = json!({"200": {"description": "Done", "content": {"application/json": {
        "schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}});
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {
            "/zones/{zone_id}/firewall/rules/{id}": {"get": {
                "operationId": "firewall-rules-get-a-firewall-rule",
                "tags": ["Firewall rules"],
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "zone_id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"$ref": "#/components/parameters/rule_id"}],
                "responses": answer
            }},
            "/radar/http/top/ases/http_protocol/{http_protocol}": {"get": {
                "operationId": "radar-get-http-top-ases-by-http-protocol",
                "tags": ["Radar"],
                "parameters": [
                    {"name": "http_protocol", "in": "path", "required": true,
                        "schema": {"type": "string", "enum": ["HTTP", "HTTPS"]}},
                    {"name": "httpProtocol", "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}}}],
                "responses": answer
            }}
        },
        "components": {"parameters": {"rule_id": {"name": "id", "in": "query",
            "schema": {"type": "string"}}}}
    });
    let (spec, report) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let warnings = report.repairs.join("\n");
    for expected in [
        "GET /zones/{zone_id}/firewall/rules/{id}: query parameter `id` is a path parameter again: left out (rule `parameters`",
        "GET /radar/http/top/ases/http_protocol/{http_protocol}: query parameter `httpProtocol` is a path parameter again: left out",
    ] {
        assert!(warnings.contains(expected), "{expected}\nin:\n{warnings}");
    }
    assert!(spec
        .model
        .operations
        .iter()
        .all(|op| op.query_params.is_empty()));
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

/// Several success answers (Cloudflare's URL scanner: a 200 when the scan is done, a 202 while
/// it works; a screenshot's `image/png` 200 beside a JSON 202): different JSON schemas answer
/// their union, named after the operation; beside bytes, every success is those bytes. The
/// operations generate, and the server knows each declared status.
#[test]
fn several_success_answers_are_one_type_by_rule() {
    let object =
        |property: &str| json!({"type": "object", "properties": {property: {"type": "string"}}});
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "paths": {
            "/accounts/{accountId}/urlscanner/scan/{scanId}": {"get": {
                "operationId": "urlscanner-get-scan",
                "tags": ["URL Scanner"],
                "parameters": [
                    {"name": "accountId", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "scanId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "Done", "content": {"application/json": {"schema": object("result")}}},
                    "202": {"description": "Working", "content": {"application/json": {"schema": object("message")}}}
                }
            }},
            "/accounts/{accountId}/urlscanner/scan/{scanId}/screenshot": {"get": {
                "operationId": "urlscanner-get-scan-screenshot",
                "tags": ["URL Scanner"],
                "parameters": [
                    {"name": "accountId", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "scanId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "PNG", "content": {"image/png": {"schema": {"type": "string"}}}},
                    "202": {"description": "Working", "content": {"application/json": {"schema": object("message")}}}
                }
            }}
        }
    });
    let (spec, report) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let warnings = report.repairs.join("\n");
    for expected in [
        "the 200 and 202 answers have different schemas: each is `UrlscannerGetScanAnswer`, the union of them (rule `responses`",
        "the 202 answer beside the 200 of `image/png` is read as its bytes too (rule `responses`",
    ] {
        assert!(warnings.contains(expected), "{expected}\nin:\n{warnings}");
    }
    let union = &spec.value()["components"]["schemas"]["UrlscannerGetScanAnswer"];
    assert_eq!(union["oneOf"].as_array().map(Vec::len), Some(2), "{union}");
    for op in &spec.model.operations {
        assert_eq!(op.success_statuses, [200, 202], "{}", op.id);
    }
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}

#[test]
fn one_operation_answers_its_failures_in_one_envelope_by_rule() {
    let envelope = json!({"type": "object", "required": ["errors", "success"], "properties": {
        "errors": {"type": "array", "items": {"type": "object"}},
        "messages": {"type": "array", "items": {"type": "object"}},
        "success": {"type": "boolean"}}});
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Cloudflare API", "version": "4.0.0"},
        "servers": [{"url": "https://api.cloudflare.com/client/v4"}],
        "components": {
            "schemas": {"ImagesApiResponseCommonFailure": envelope.clone()},
            "responses": {"Unauthorized": {"description": "No", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ImagesApiResponseCommonFailure"}}}}}
        },
        "paths": {
            "/accounts/{accountId}/facilities/{id}": {"get": {
                "operationId": "facilities-get-facility",
                "tags": ["Facilities"],
                "parameters": [
                    {"name": "accountId", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "Done", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "4XX": {"description": "Its own envelope", "content": {"application/json": {"schema": envelope}}},
                    "404": {"description": "Not found"},
                    "503": {"description": "Not an envelope", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"retry_after": {"type": "integer"}}}}}}
                }
            }}
        }
    });
    let (spec, report) = import_operations(&document, |_, _| true, "whole.json").unwrap();
    let warnings = report.repairs.join("\n");
    for expected in [
        "GET /accounts/{accountId}/facilities/{id}: the 4XX answer's failure envelope is read as `#/components/schemas/ImagesApiResponseCommonFailure` (rule `errors`",
        "GET /accounts/{accountId}/facilities/{id}: the 404 answer has no body beside failures in `#/components/schemas/ImagesApiResponseCommonFailure`: read as",
        "GET /accounts/{accountId}/facilities/{id}: the 503 answer's body is not the failure envelope `#/components/schemas/ImagesApiResponseCommonFailure`: the status is left out (rule `errors`",
    ] {
        assert!(warnings.contains(expected), "{expected}\nin:\n{warnings}");
    }
    let responses =
        &spec.value()["paths"]["/accounts/{accountId}/facilities/{id}"]["get"]["responses"];
    assert_eq!(
        responses["4XX"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ImagesApiResponseCommonFailure"
    );
    assert!(responses.get("503").is_none(), "{responses}");
    assert_eq!(
        responses["404"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ImagesApiResponseCommonFailure"
    );
    crate::render(&spec, &crate::config::Config::default()).expect("generates");
}
