//! One spec pair per rule of the diff's table: `tests/diff/NAME.yaml` against
//! `tests/diff/base.yaml` must classify exactly as `tests/diff/NAME.expected` says
//! (`EXPECTORATE=overwrite` writes the expectations; read them before committing).

use std::fs;
use std::path::Path;

use cloudflare_cni_codegen::{diff, load, SpecSource};

fn spec(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap();
    load(&SpecSource {
        display_path: path.display().to_string(),
        text,
    })
    .unwrap_or_else(|e| panic!("{e}"))
    .value()
    .clone()
}

/// Each case: (name, strongest class, types bump, client bump, server bump). The client and
/// server re-export the types crate, so they move at least as far as it.
const EXPECTED: &[(&str, &str, &str, &str, &str)] = &[
    ("constraint_changed", "breaking", "patch", "patch", "patch"),
    (
        "documentation_only",
        "documentation",
        "patch",
        "patch",
        "patch",
    ),
    ("enum_value_removed", "breaking", "major", "major", "major"),
    ("error_status_added", "additive", "patch", "patch", "patch"),
    ("format_changed", "breaking", "major", "major", "major"),
    ("no_change", "none", "patch", "patch", "patch"),
    (
        "inline_enum_value_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "inline_property_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "inline_union_member_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    ("union_tag_renamed", "breaking", "major", "major", "major"),
    ("operation_added", "additive", "patch", "minor", "minor"),
    // Reported twice: added, and deprecated from the start.
    (
        "deprecated_operation_added",
        "additive",
        "patch",
        "minor",
        "minor",
    ),
    (
        "operation_deprecated",
        "deprecation",
        "patch",
        "minor",
        "patch",
    ),
    ("operation_removed", "breaking", "patch", "major", "major"),
    ("schema_renamed", "deprecation", "minor", "minor", "minor"),
    (
        "optional_parameter_added",
        "additive",
        "patch",
        "minor",
        "minor",
    ),
    (
        "optional_request_property_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "parameter_made_required",
        "breaking",
        "patch",
        "patch",
        "major",
    ),
    ("parameter_removed", "breaking", "patch", "major", "major"),
    (
        "parameter_type_changed",
        "breaking",
        "patch",
        "major",
        "major",
    ),
    ("path_changed", "breaking", "patch", "patch", "patch"),
    ("property_removed", "breaking", "major", "major", "major"),
    (
        "request_enum_value_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "request_property_made_required",
        "breaking",
        "major",
        "major",
        "major",
    ),
    (
        "required_parameter_added",
        "breaking",
        "patch",
        "minor",
        "minor",
    ),
    (
        "required_request_property_added",
        "breaking",
        "major",
        "major",
        "major",
    ),
    (
        "required_response_property_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "response_enum_value_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "response_property_added",
        "additive",
        "minor",
        "minor",
        "minor",
    ),
    (
        "response_property_made_nullable",
        "breaking",
        "major",
        "major",
        "major",
    ),
    (
        "response_property_made_optional",
        "breaking",
        "major",
        "major",
        "major",
    ),
    (
        "response_property_made_required",
        "additive",
        "major",
        "major",
        "major",
    ),
    ("union_variant_added", "additive", "minor", "minor", "minor"),
];

#[test]
fn each_rule_classifies_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff");
    let base = spec(&dir.join("base.yaml"));
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "yaml" && p.file_stem()? != "base")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 20);
    let mut failures = Vec::new();
    for name in names {
        let result = diff::diff(&base, &spec(&dir.join(format!("{name}.yaml"))));
        let strongest = result.strongest().map(|c| c.as_str()).unwrap_or("none");
        let rendered = format!("strongest: {strongest}\n{}", result.render());
        expectorate::assert_contents(dir.join(format!("{name}.expected")), &rendered);
        // The file name says the class and the crates' bumps the rule must produce.
        let Some((_, class, types, client, server)) =
            EXPECTED.iter().find(|(case, ..)| *case == name)
        else {
            failures.push(format!("{name}: add its expectation to EXPECTED"));
            continue;
        };
        let impact = result.crate_impact();
        let got = (
            strongest,
            impact.types.as_str(),
            impact.client.as_str(),
            impact.server.as_str(),
        );
        if got != (*class, *types, *client, *server) {
            failures.push(format!(
                "{name}: got {got:?}, wanted {:?}",
                (class, types, client, server)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_json_form_lists_every_change() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff");
    let result = diff::diff(
        &spec(&dir.join("base.yaml")),
        &spec(&dir.join("response_enum_value_added.yaml")),
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["changes"][0]["class"], "additive");
    assert_eq!(json["changes"][0]["impact"]["types"], "minor");
    assert_eq!(json["changes"][0]["impact"]["client"], "patch");
    assert_eq!(
        json["changes"][0]["pointer"],
        "/components/schemas/Kind/enum"
    );
}
