//! ARCHITECTURE.md held to the code, as rust-analyzer's `tidy` holds its docs: every file and
//! folder the map names exists, its list of passes is `PASSES`, its crate table says what each
//! manifest says, its commands are `cargo xtask`'s, and the generator's floors hold (every
//! file is on one, and imports only from its own floor or below). A map that drifts fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use syn::visit::Visit;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn architecture() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap()
}

/// The text of every backticked span.
fn spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Where a path the map names may be relative to: the repository, or the folder its section
/// describes.
const BASES: &[&str] = &[
    "",
    "spec",
    "codegen/generator/src",
    "codegen/generator/src/passes",
    "codegen/generator",
    "codegen/snapshots",
    "codegen",
    "codegen/runtime",
    "xtask/src",
    "xtask",
    "tests",
    "tests/e2e",
    "tests/emulator/src",
];

/// Whether `named` (a path, perhaps with `*` segments or a trailing `/`, or a module path
/// such as `state/check`) exists below `base`.
fn exists(base: &Path, named: &str) -> bool {
    let module = !named.ends_with('/') && !named.contains('.');
    if module && exists(base, &format!("{named}.rs")) {
        return true;
    }
    let mut candidates = vec![base.to_path_buf()];
    for segment in named.trim_end_matches('/').split('/') {
        candidates = candidates
            .into_iter()
            .flat_map(|dir| match segment.split_once('*') {
                // `*` or `*.yaml`: what the folder holds, matched by its name's ends.
                Some((before, after)) => std::fs::read_dir(&dir)
                    .map(|entries| {
                        entries
                            .flatten()
                            .map(|e| e.path())
                            .filter(|p| {
                                p.file_name()
                                    .and_then(|n| n.to_str())
                                    .is_some_and(|n| n.starts_with(before) && n.ends_with(after))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                None => vec![dir.join(segment)],
            })
            .filter(|path| path.exists())
            .collect();
    }
    !candidates.is_empty()
}

/// The spans of `text` that name a path of this repository that does not exist, each once.
fn missing_paths(text: &str) -> Vec<String> {
    let root = root();
    let mut missing: Vec<String> = Vec::new();
    for span in spans(text) {
        let absent = names_a_path(span) && !BASES.iter().any(|base| exists(&root.join(base), span));
        if absent && !missing.iter().any(|m| m == span) {
            missing.push(span.to_string());
        }
    }
    missing
}

/// A backticked span that names a file or folder of this repository (not an API path, a
/// command or a type).
fn names_a_path(span: &str) -> bool {
    let file = [".rs", ".md", ".yaml", ".toml", ".json"]
        .iter()
        .any(|ext| span.ends_with(ext));
    let folder = span.contains('/');
    (file || folder)
        && !span.contains(['{', '…', ' ', '$', ':', '(', '<', '='])
        && !span.starts_with(['/', '.', '-'])
}

#[test]
fn every_file_and_folder_the_map_names_exists() {
    let missing = missing_paths(&architecture());
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names what does not exist: {missing:?}"
    );
}

#[test]
fn the_birds_eye_pass_list_is_passes() {
    let text = architecture();
    let start = text
        .find("──passes──▶")
        .expect("the bird's-eye view lists the passes")
        + "──passes──▶".len();
    let end = start + text[start..].find("(one ordered list)").unwrap();
    let listed: Vec<String> = text[start..end]
        .split(',')
        .map(|name| name.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let passes: Vec<String> = cloudflare_cni_codegen::passes::PASSES
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(listed, passes);
}

/// The crate table's rows: crate, folder, published.
fn crate_table(text: &str) -> Vec<(String, String, bool)> {
    let start = text
        .find("| crate | folder | published |")
        .expect("a crate table");
    text[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells[1].trim_matches('`').to_string();
            let folder = cells[2].trim_matches('`').to_string();
            (name, folder, cells[3] == "yes")
        })
        .collect()
}

#[test]
fn the_crate_table_says_what_each_manifest_says() {
    let root = root();
    let rows = crate_table(&architecture());
    let mut manifests: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let metadata = Command::new(env!("CARGO"))
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(&root)
        .output()
        .unwrap();
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let root = root.canonicalize().unwrap();
    for package in metadata["packages"].as_array().unwrap() {
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
        let folder = manifest
            .parent()
            .unwrap()
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        // `publish = false` is an empty list; no `publish` is null (any registry).
        let published = !package["publish"]
            .as_array()
            .is_some_and(|registries| registries.is_empty());
        manifests.insert(
            package["name"].as_str().unwrap().to_string(),
            (folder, published),
        );
    }
    let table: BTreeMap<String, (String, bool)> = rows
        .into_iter()
        .map(|(name, folder, published)| (name, (folder, published)))
        .collect();
    assert_eq!(
        table, manifests,
        "ARCHITECTURE.md's crate table against cargo metadata"
    );
}

#[test]
fn the_commands_listed_are_the_commands() {
    let text = architecture();
    let start = text
        .find("The maintainer's commands")
        .expect("a command list");
    let end = start + text[start..].find("\n\n").unwrap();
    let mut listed: Vec<&str> = spans(&text[start..end])
        .into_iter()
        .filter(|span| !span.contains(' '))
        .collect();
    listed.sort();
    let help = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let commands_start = help.find("Commands:").unwrap();
    let commands_end = commands_start + help[commands_start..].find("\n\n").unwrap();
    let mut commands: Vec<&str> = help[commands_start..commands_end]
        .lines()
        .skip(1)
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|command| *command != "help")
        .collect();
    commands.sort();
    assert_eq!(listed, commands);
    // The one-line summary names them all too.
    let about = help.lines().next().unwrap();
    for command in &commands {
        assert!(
            about.contains(command),
            "`cargo xtask --help`'s summary omits {command}: {about}"
        );
    }
}

/// The floors block: (pattern, floor), patterns as written (`lint/`, `passes/*/input.rs`).
fn floors(text: &str) -> Vec<(String, usize)> {
    let start = text.find("```text floors").expect("a floors block");
    text[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .flat_map(|line| {
            let (floor, files) = line.split_once(':').unwrap();
            let floor: usize = floor.trim().parse().unwrap();
            files
                .split_whitespace()
                .map(move |pattern| (pattern.to_string(), floor))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The floor of `file` (relative to the generator's `src`): an exact name first, then a
/// pattern with `*` segments, then the longest folder.
fn floor_of(file: &str, floors: &[(String, usize)]) -> Option<usize> {
    let matches = |pattern: &str| {
        let (p, f): (Vec<&str>, Vec<&str>) =
            (pattern.split('/').collect(), file.split('/').collect());
        p.len() == f.len() && p.iter().zip(&f).all(|(p, f)| *p == "*" || p == f)
    };
    floors
        .iter()
        .find(|(pattern, _)| pattern == file)
        .or_else(|| {
            floors
                .iter()
                .find(|(pattern, _)| pattern.contains('*') && matches(pattern))
        })
        .or_else(|| {
            floors
                .iter()
                .filter(|(pattern, _)| pattern.ends_with('/') && file.starts_with(pattern.as_str()))
                .max_by_key(|(pattern, _)| pattern.len())
        })
        .map(|(_, floor)| *floor)
}

/// Every `crate::…` and `super::…` path of a file, as module segments from the crate root.
struct Imports {
    /// The file's own module path (`passes/forward_compat/output.rs` → passes, forward_compat,
    /// output).
    module: Vec<String>,
    found: Vec<Vec<String>>,
}

impl Imports {
    fn absolute(&self, segments: Vec<String>) -> Option<Vec<String>> {
        let mut module = self.module.clone();
        let mut rest = segments.into_iter().peekable();
        match rest.peek().map(String::as_str) {
            Some("crate") => {
                rest.next();
                module.clear();
            }
            Some("super") => {
                while rest.peek().map(String::as_str) == Some("super") {
                    rest.next();
                    module.pop();
                }
            }
            _ => return None,
        }
        module.extend(rest);
        Some(module)
    }

    fn add(&mut self, segments: Vec<String>) {
        if let Some(path) = self.absolute(segments) {
            self.found.push(path);
        }
    }

    fn use_tree(&mut self, prefix: Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                let mut next = prefix;
                next.push(p.ident.to_string());
                self.use_tree(next, &p.tree);
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix;
                path.push(n.ident.to_string());
                self.add(path);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix;
                path.push(r.ident.to_string());
                self.add(path);
            }
            syn::UseTree::Glob(_) => self.add(prefix),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix.clone(), tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Imports {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // An inline module (`mod tests { .. }`): its `super::` is the file's module.
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.add(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }
}

/// The file a module path lands in: the longest prefix that is a file or a folder's `mod.rs`.
fn file_of(src: &Path, module: &[String]) -> Option<String> {
    (1..=module.len()).rev().find_map(|n| {
        let joined = module[..n].join("/");
        [format!("{joined}.rs"), format!("{joined}/mod.rs")]
            .into_iter()
            .find(|candidate| src.join(candidate).is_file())
    })
}

fn rust_files(dir: &Path, src: &Path, into: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, src, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path.strip_prefix(src).unwrap().display().to_string());
        }
    }
}

/// `file`'s module path: `lint/mod.rs` → lint; `passes/numbers.rs` → passes, numbers.
fn module_of(file: &str) -> Vec<String> {
    let without = file.trim_end_matches(".rs");
    let mut segments: Vec<String> = without.split('/').map(str::to_string).collect();
    if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
        segments.pop();
    }
    segments
}

/// Each import of the generator's files that goes up a floor, as `file (floor) → file (floor)`.
fn upward_imports(src: &Path, floors: &[(String, usize)]) -> Result<Vec<String>, Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, src, &mut files);
    files.sort();
    let unplaced: Vec<String> = files
        .iter()
        .filter(|f| floor_of(f, floors).is_none())
        .cloned()
        .collect();
    if !unplaced.is_empty() {
        return Err(unplaced);
    }
    let mut upward = Vec::new();
    for file in &files {
        let here = floor_of(file, floors).unwrap_or_default();
        let syntax = syn::parse_file(&std::fs::read_to_string(src.join(file)).unwrap()).unwrap();
        let mut imports = Imports {
            module: module_of(file),
            found: Vec::new(),
        };
        imports.visit_file(&syntax);
        for path in imports.found {
            let Some(target) = file_of(src, &path) else {
                continue;
            };
            // A folder's module named as such is a namespace (`use crate::passes::docs::input
            // as docs` is checked at `input.rs`); its own items are reached by longer paths.
            if target.ends_with("/mod.rs") && module_of(&target) == path {
                continue;
            }
            let there = floor_of(&target, floors).unwrap_or_default();
            if there > here {
                upward.push(format!(
                    "{file} ({here}) → {target} ({there}): {}",
                    path.join("::")
                ));
            }
        }
    }
    upward.sort();
    upward.dedup();
    Ok(upward)
}

#[test]
fn every_generator_file_is_on_a_floor_and_imports_only_downward() {
    let src = root().join("codegen/generator/src");
    let floors = floors(&architecture());
    match upward_imports(&src, &floors) {
        Err(unplaced) => panic!("files on no floor of ARCHITECTURE.md: {unplaced:?}"),
        Ok(upward) => assert!(
            upward.is_empty(),
            "imports that go up a floor:\n{}",
            upward.join("\n")
        ),
    }
}

/// The checks themselves: a renamed module, a missing pass and an upward import are caught.
#[test]
fn the_checks_catch_drift() {
    let text = architecture();
    // A module the map names, renamed in the map only: reported as missing.
    let renamed = text.replace("`syntax.rs`", "`syntax_helpers.rs`");
    assert_eq!(missing_paths(&renamed), ["syntax_helpers.rs"]);
    let root = root();
    // A floor map that puts `model.rs` below what it imports: upward imports reported.
    let src = root.join("codegen/generator/src");
    let mut lowered = floors(&text);
    for (pattern, floor) in &mut lowered {
        if pattern == "model.rs" {
            *floor = 0;
        }
    }
    let upward = upward_imports(&src, &lowered).unwrap();
    assert!(
        upward
            .iter()
            .any(|line| line.starts_with("model.rs (0) → document.rs (1)")),
        "{upward:?}"
    );
    // A file on no floor is reported.
    let without_tree: Vec<(String, usize)> = floors(&text)
        .into_iter()
        .filter(|(pattern, _)| pattern != "tree.rs")
        .collect();
    assert_eq!(
        upward_imports(&src, &without_tree).unwrap_err(),
        ["tree.rs"]
    );
}
