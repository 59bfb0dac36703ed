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
        // The file name says the class the rule must produce.
        let wanted = if name == "no_change" {
            "none"
        } else if name == "documentation_only" {
            "documentation"
        } else if [
            "operation_added",
            "optional_parameter_added",
            "optional_request_property_added",
            "response_property_added",
            "request_enum_value_added",
            "error_status_added",
        ]
        .contains(&name.as_str())
        {
            "additive"
        } else {
            "breaking"
        };
        if strongest != wanted {
            failures.push(format!(
                "{name}: strongest class {strongest}, wanted {wanted}"
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
    assert_eq!(json["changes"][0]["class"], "breaking");
    assert_eq!(
        json["changes"][0]["pointer"],
        "/components/schemas/Kind/enum"
    );
}
