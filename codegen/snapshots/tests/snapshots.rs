//! Renders every `fixtures/*.yaml` and compares with `src/NAME/{types,client,server}.rs`.
//! `EXPECTORATE=overwrite` rewrites the snapshots.

use std::fs;
use std::path::Path;

use cloudflare_cni_codegen::{crates, load, sources, Config, Paths, SpecSource};

#[test]
fn fixtures_match_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let mut names: Vec<String> = fs::read_dir(root.join("fixtures"))
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "yaml").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in &names {
        assert!(
            lib.lines()
                .any(|l| l.trim() == format!("fixture!({name});")),
            "add `fixture!({name});` to src/lib.rs so the snapshot is compiled"
        );
        let display = format!("fixtures/{name}.yaml");
        let spec = load(&SpecSource {
            display_path: display.clone(),
            text: fs::read_to_string(root.join(&display)).unwrap(),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let paths = Paths::new(&Config::default(), "super::types".parse().unwrap());
        let generated = sources(&spec, &paths).unwrap_or_else(|e| panic!("{name}: {e}"));
        let header = crates::header(&spec, "//");
        for (file, source) in [
            ("types", &generated.types),
            ("client", &generated.client),
            ("server", &generated.server),
        ] {
            expectorate::assert_contents(
                format!("src/{name}/{file}.rs"),
                &format!("{header}{}", prettyplease::unparse(source)),
            );
        }
    }
}
