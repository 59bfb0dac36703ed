//! Adding to the API never renames: for every enum and every tagged union of Cloudflare's
//! document, a value (or a member, by `$ref` and inline) is added to the document itself; the
//! import and the generator run with no overlay change, and every Rust name of the generated
//! types before the addition (types, fields, variants, and which wire value each variant holds)
//! is there after it, unchanged.

use std::collections::{BTreeMap, BTreeSet};

use cloudflare_cni_codegen::evolution::{catalog, Mutation};
use cloudflare_cni_codegen::{import, load, render, Config, SpecSource};
use serde_json::Value;

fn read(path: &str) -> SpecSource {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    SpecSource {
        display_path: path.to_string(),
        text: std::fs::read_to_string(root.join(path)).unwrap(),
    }
}

/// Type name → its members' names (fields, variants).
type RustNames = BTreeMap<String, BTreeSet<String>>;
/// (schema, wire value or tag) → the Rust name it has.
type WireNames = BTreeMap<(String, String), String>;

/// Every generated type's name with its members' names (fields, variants).
fn rust_names(types: &str) -> RustNames {
    let file = syn::parse_file(types).unwrap();
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some((
                s.ident.to_string(),
                s.fields
                    .iter()
                    .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
                    .collect(),
            )),
            syn::Item::Enum(e) => Some((
                e.ident.to_string(),
                e.variants.iter().map(|v| v.ident.to_string()).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Which Rust name each wire value of each enum and each tag of each union has.
fn wire_names(spec: &cloudflare_cni_codegen::LoadedSpec) -> WireNames {
    let mut out = BTreeMap::new();
    for (name, schema) in &spec.model.schemas {
        for value in schema.enum_values.iter().flatten() {
            out.insert((name.clone(), value.wire.clone()), value.name.clone());
        }
        for variant in schema.union.iter().flat_map(|u| &u.variants) {
            out.insert(
                (name.clone(), variant.tag.clone()),
                format!("{}({})", variant.name, variant.schema),
            );
        }
    }
    out
}

fn generate(upstream: &Value, overlay: &SpecSource) -> (RustNames, WireNames) {
    let source = SpecSource {
        display_path: "upstream.json".into(),
        text: serde_json::to_string(upstream).unwrap(),
    };
    let imported = import::import_revision(&source, overlay, Some("2099-01-01"))
        .unwrap_or_else(|e| panic!("import: {e}"));
    let spec = load(&SpecSource {
        display_path: "spec/cni.yaml".into(),
        text: imported.spec_text,
    })
    .unwrap_or_else(|e| panic!("load: {e}"));
    let tree = render(&spec, &Config::default()).unwrap_or_else(|e| panic!("generate: {e}"));
    let types = tree.get("types/src/generated.rs").unwrap();
    (rust_names(types), wire_names(&spec))
}

#[test]
fn adding_a_value_or_a_member_renames_nothing() {
    let overlay = read(import::OVERLAY_PATH);
    let upstream = cloudflare_cni_codegen::source::parse(&read(import::UPSTREAM_PATH))
        .unwrap()
        .value;
    let (names_before, wires_before) = generate(&upstream, &overlay);
    let additions: Vec<Mutation> = catalog(&upstream)
        .into_iter()
        .filter(|m| {
            matches!(
                m,
                Mutation::AddEnumValue { .. } | Mutation::AddUnionMember { .. }
            )
        })
        .collect();
    let enums = additions
        .iter()
        .filter(|m| matches!(m, Mutation::AddEnumValue { .. }))
        .count();
    let unions = additions.len() - enums;
    assert!(
        enums >= 2 && unions >= 6,
        "every enum and union of the document: {additions:?}"
    );
    let mut problems = Vec::new();
    for mutation in &additions {
        let mut changed = upstream.clone();
        mutation.apply(&mut changed, "added_value").unwrap();
        let (names_after, wires_after) = generate(&changed, &overlay);
        for (item, members) in &names_before {
            match names_after.get(item) {
                None => problems.push(format!("{}: type {item} is gone", mutation.describe())),
                Some(after) => {
                    for lost in members.difference(after) {
                        problems.push(format!("{}: {item}::{lost} is gone", mutation.describe()));
                    }
                }
            }
        }
        for (key, name) in &wires_before {
            if wires_after.get(key) != Some(name) {
                problems.push(format!(
                    "{}: {}'s {:?} was {name}, is {:?}",
                    mutation.describe(),
                    key.0,
                    key.1,
                    wires_after.get(key)
                ));
            }
        }
        assert!(
            wires_after.len() > wires_before.len(),
            "{}: the addition got a name",
            mutation.describe()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each operation shape of the catalogue (as Cloudflare's other products write operations)
/// imports, loads and generates with no overlay change, and together with every other: the
/// evolution gate builds them, this finds a refusal in the fast loop.
#[test]
fn every_operation_shape_imports_and_generates() {
    use cloudflare_cni_codegen::evolution::OperationShape;
    let overlay = read(import::OVERLAY_PATH);
    let upstream = cloudflare_cni_codegen::source::parse(&read(import::UPSTREAM_PATH))
        .unwrap()
        .value;
    let mut together = upstream.clone();
    for (i, shape) in OperationShape::ALL.into_iter().enumerate() {
        let mutation = Mutation::AddOperationOf { shape };
        let mut changed = upstream.clone();
        mutation.apply(&mut changed, "added_value").unwrap();
        mutation
            .apply(&mut together, &format!("added_{i}"))
            .unwrap();
        let (names, _) = generate(&changed, &overlay);
        assert!(
            !names.is_empty(),
            "{}: generated no types",
            mutation.describe()
        );
    }
    generate(&together, &overlay);
    // Every doc link of the client names an item that exists (the docs gate builds them with
    // warnings as errors in the evolution gate; this finds a dangling one in the fast loop).
    let source = SpecSource {
        display_path: "upstream.json".into(),
        text: serde_json::to_string(&together).unwrap(),
    };
    let imported = import::import_revision(&source, &overlay, Some("2099-01-01")).unwrap();
    let spec = load(&SpecSource {
        display_path: "spec/cni.yaml".into(),
        text: imported.spec_text,
    })
    .unwrap();
    let tree = render(&spec, &Config::default()).unwrap();
    // The client's README shows each kind the revision has, as a call through the account
    // handle (compiled, and run where the README's examples run).
    let readme = tree.get("client/README.md").unwrap();
    for call in [
        "account.added_0_labels()",
        "account.added_1_script()",
        "account.added_4_upload()",
        "account.added_5_resumable()",
        "account.added_2_export()",
        "account.added_6_scans()",
    ] {
        assert!(readme.contains(call), "the client README has no `{call}`");
    }
    let client = tree.get("client/src/generated.rs").unwrap();
    let types = tree.get("types/src/generated.rs").unwrap();
    for (start, _) in client.match_indices("(super::types::") {
        let target: String = client[start + "(super::types::".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let name = target.rsplit("::").next().unwrap_or(&target);
        assert!(
            types.contains(&format!("pub struct {name}"))
                || types.contains(&format!("pub enum {name}"))
                || types.contains(&format!("pub type {name}")),
            "the client's docs link to `types::{target}`, which the types crate does not have"
        );
    }
}
