//! `cargo xtask dialect`: Cloudflare's whole document (every product, 1,533 operations) through
//! the same import and generation the CNI crates go through, one operation at a time, with no
//! overlay. It prints, per shape of Cloudflare's dialect, how many operations import and
//! generate, and the reasons the others stop, most frequent first: the measure of how much of
//! what Cloudflare writes elsewhere the toolkit absorbs, and a floor it may not fall below.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use cloudflare_cni_codegen::document::deref;
use cloudflare_cni_codegen::{import, sources, Config, Paths};
use serde_json::Value;

use crate::Error;

/// The vendored corpus, relative to the workspace root.
pub const CORPUS: &str = "tests/corpus/cloudflare-openapi-2024-08-06.json.gz";
/// The counts the gate may not fall below, relative to the workspace root.
pub const FLOORS: &str = "tests/corpus/floors.toml";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How far one operation got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Refused,
    Imported,
    Generated,
}

/// One operation's outcome.
#[derive(Debug)]
pub struct Outcome {
    pub operation: String,
    pub shapes: BTreeSet<&'static str>,
    pub stage: Stage,
    /// Why it stopped, one line.
    pub reason: Option<String>,
    /// The import's warnings for it (a rule applied to sloppy input), whole.
    pub warnings: Vec<String>,
}

/// The whole run.
#[derive(Debug)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub seconds: f64,
}

impl Report {
    /// Operations that reached `stage` or further.
    pub fn reached(&self, stage: Stage) -> usize {
        self.outcomes.iter().filter(|o| o.stage >= stage).count()
    }

    /// The table: per shape, operations, imported, generated; then the reasons.
    pub fn table(&self) -> String {
        let mut shapes: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
        for outcome in &self.outcomes {
            for shape in outcome.shapes.iter().copied().chain(["(every operation)"]) {
                let row = shapes.entry(shape).or_default();
                row[0] += 1;
                row[1] += usize::from(outcome.stage >= Stage::Imported);
                row[2] += usize::from(outcome.stage >= Stage::Generated);
            }
        }
        let width = shapes.keys().map(|s| s.len()).max().unwrap_or(10).max(5);
        let mut out = format!(
            "{:width$}  {:>10}  {:>8}  {:>9}\n",
            "shape", "operations", "imported", "generated"
        );
        for (shape, [total, imported, generated]) in &shapes {
            out.push_str(&format!(
                "{shape:width$}  {total:>10}  {imported:>8}  {generated:>9}\n"
            ));
        }
        out.push_str(
            "(compiled: `cargo xtask dialect --compile` generates all that generate as one set \
             of crates and checks them)\n",
        );
        // Each warning names its operation and its rule: counted here by rule.
        let mut rules: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
        for outcome in &self.outcomes {
            let mut seen = BTreeSet::new();
            for warning in &outcome.warnings {
                let rule = warning
                    .split_once("(rule `")
                    .and_then(|(_, rest)| rest.split_once('`'))
                    .map_or("(no rule named)", |(rule, _)| rule);
                let row = rules.entry(rule).or_default();
                row[0] += 1;
                row[1] += usize::from(seen.insert(rule));
            }
        }
        if !rules.is_empty() {
            out.push_str(
                "
import warnings (a written rule applied to sloppy input):
",
            );
            out.push_str(
                "  rule            warnings  operations
",
            );
            for (rule, [warnings, operations]) in &rules {
                out.push_str(&format!("  {rule:<14}  {warnings:>8}  {operations:>10}\n"));
            }
        }
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for outcome in &self.outcomes {
            if let Some(reason) = &outcome.reason {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
        }
        let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out.push_str("\nwhy operations stop (operations, first problem):\n");
        for (reason, count) in reasons.iter().take(25) {
            out.push_str(&format!("{count:>6}  {reason}\n"));
        }
        if reasons.len() > 25 {
            out.push_str(&format!(
                "        … and {} other reasons\n",
                reasons.len() - 25
            ));
        }
        out
    }
}

/// The compile stage: every operation that generates, generated together as one set of crates
/// and `cargo check`ed.
#[derive(Debug)]
pub struct Compiled {
    /// Operations in the set.
    pub operations: usize,
    /// Lines of the generated crates' Rust.
    pub lines: usize,
    /// Seconds to import and generate the set as one document.
    pub generate_seconds: f64,
    /// Seconds `cargo check` took.
    pub check_seconds: f64,
    /// The compiler's errors, one line each (empty: it compiles).
    pub errors: Vec<String>,
}

/// The generated crates, by package.
const GENERATED_PACKAGES: [&str; 4] = [
    "cloudflare-cni-types",
    "cloudflare-cni-client",
    "cloudflare-cni-server",
    "cloudflare-cni",
];

/// Generates every operation that got through generation alone as one document, in a scratch
/// worktree of this checkout (in place of the CNI crates, so the same runtimes and workspace
/// settings apply), and `cargo check`s the four generated crates, in `target/dialect/` (kept
/// across runs).
pub fn compile(
    root: &Path,
    document: &Value,
    through: &BTreeSet<&str>,
    display_path: &str,
) -> Result<Compiled, Error> {
    let started = Instant::now();
    let keep = |path: &str, method: &str| {
        through.contains(format!("{} {path}", method.to_ascii_uppercase()).as_str())
    };
    let gate = |problem: String| Error::Gate(format!("the whole document's crates: {problem}"));
    let (spec, _) = import::import_operations(document, keep, display_path).map_err(|e| {
        gate(format!(
            "the operations that generate alone do not import together: {e}"
        ))
    })?;
    if std::env::var_os("CNI_DIALECT_TRACE").is_some() {
        eprintln!(
            "imported together in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    // The checkout's versions, which the rest of its workspace asks for.
    let config = crate::Workspace::at(root)
        .and_then(|ws| ws.config())
        .map_err(|e| gate(format!("cannot read the crates' versions: {e}")))?;
    let tree = cloudflare_cni_codegen::render(&spec, &config)
        .map_err(|e| gate(format!("they do not generate together: {e}")))?;
    let lines = tree
        .files()
        .filter(|(path, _)| path.ends_with(".rs"))
        .map(|(_, text)| text.lines().count())
        .sum();
    let generate_seconds = started.elapsed().as_secs_f64();

    let worktree = crate::git::ScratchWorktree::new(root, "cni-dialect-")?;
    let dir = &worktree.path;
    tree.write(&dir.join("generated"))
        .map_err(|e| gate(format!("cannot write the crates: {e}")))?;
    // `CNI_DIALECT_KEEP=DIR`: a copy of the crates to read, for a maintainer.
    if let Some(keep) = std::env::var_os("CNI_DIALECT_KEEP") {
        tree.write(Path::new(&keep))
            .map_err(|e| gate(format!("cannot write the crates: {e}")))?;
    }
    let started = Instant::now();
    let mut check = std::process::Command::new(crate::tools::cargo());
    check
        .args(["check", "--message-format", "short"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root.join("target/dialect"));
    for package in GENERATED_PACKAGES {
        check.args(["-p", package]);
    }
    // The whole document's client, server and CLI crates (a million lines and more each)
    // take many GB each to check: two at once were killed for memory on a 24 GB machine.
    if through.len() > LARGE_SET {
        check.args(["--jobs", "1"]);
    }
    let output = check
        .output()
        .map_err(Error::start("cargo check".to_string()))?;
    let check_seconds = started.elapsed().as_secs_f64();
    let printed = String::from_utf8_lossy(&output.stderr);
    let mut errors: Vec<String> = printed
        .lines()
        .filter(|l| {
            (l.starts_with("error") || l.contains(": error"))
                && !l.starts_with("error: could not compile")
        })
        .map(|l| l.replace(&dir.display().to_string(), ""))
        .collect();
    if !output.status.success() && errors.is_empty() {
        errors.push(format!("cargo check failed ({}): {printed}", output.status));
    }
    Ok(Compiled {
        operations: through.len(),
        lines,
        generate_seconds,
        check_seconds,
        errors,
    })
}

/// Reads the gzip-compressed corpus.
pub fn read_corpus(path: &Path) -> Result<Value, Error> {
    let file = std::fs::File::open(path).map_err(Error::io("read", path))?;
    // Bounded: the corpus is 4 MiB; a file that inflates past 64 MiB is not it.
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .take(64 * 1024 * 1024)
        .read_to_string(&mut text)
        .map_err(Error::io("decompress", path))?;
    serde_json::from_str(&text).map_err(|e| Error::Invalid {
        what: path.display().to_string(),
        problem: format!("not JSON: {e}"),
    })
}

/// Every operation of `document`, one at a time, through import and generation.
pub fn run(document: &Value, display_path: &str) -> Report {
    let started = Instant::now();
    let paths = Paths::new(
        &Config::default(),
        "super::types".parse().unwrap_or_default(),
    );
    // A maintainer's debugging aids: `CNI_DIALECT_TRACE` prints each operation before it runs
    // (the last one printed is the one that hung or crashed) and the whole problem where one
    // stops; `CNI_DIALECT_ONLY="POST /accounts/{account_id}/access/apps"` runs that one alone (several: separated by `;`).
    let tracing = std::env::var_os("CNI_DIALECT_TRACE").is_some();
    let mut outcomes = Vec::new();
    let operations: Vec<(String, String)> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(move |m| item.get(**m).is_some())
                .map(move |m| (path.clone(), m.to_string()))
        })
        .collect();
    for (path, method) in operations {
        let shapes = shapes(document, &path, &method);
        let label = format!("{} {path}", method.to_ascii_uppercase());
        if tracing {
            eprintln!("{label}");
        }
        if std::env::var("CNI_DIALECT_ONLY").is_ok_and(|only| !only.split(';').any(|o| o == label))
        {
            continue;
        }
        let imported =
            import::import_operations(document, |p, m| p == path && m == method, display_path);
        let mut warnings = Vec::new();
        let (stage, problem) = match imported {
            Err(error) => (Stage::Refused, Some(error.to_string())),
            Ok((spec, report)) => {
                warnings = report.repairs;
                match sources(&spec, &paths) {
                    Err(error) => (Stage::Imported, Some(error.to_string())),
                    Ok(_) => (Stage::Generated, None),
                }
            }
        };
        if tracing {
            for warning in &warnings {
                eprintln!("  warning: {warning}");
            }
            if let Some(problem) = &problem {
                eprintln!("  stopped: {}", problem.replace('\n', "\n  "));
            }
        }
        let reason = problem.as_deref().map(first_line);
        outcomes.push(Outcome {
            operation: label,
            shapes,
            stage,
            reason,
            warnings,
        });
    }
    Report {
        outcomes,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// A problem's first line, with what names one operation (pointers, names in quotes and
/// backticks, numbers) generalised, so that the same problem counts once.
fn first_line(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        // A heading ("the imported spec does not load:", "3 problems in the spec:") is not
        // the problem.
        .find(|l| !l.is_empty() && !l.ends_with(':'))
        .unwrap_or(message);
    // Drop `file:line:col: at /pointer:` prefixes.
    let line = match line.find(": at ") {
        Some(at) => {
            let rest = &line[at + 5..];
            rest.split_once(": ").map_or(rest, |(_, message)| message)
        }
        None => line,
    };
    elide(line)
}

/// `line` with its quoted names (`…`, "…") and numbers elided, so that problems of one kind
/// count together.
fn elide(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quoted: Option<char> = None;
    for c in line.chars() {
        match quoted {
            Some(q) if c == q => {
                out.push(c);
                quoted = None;
            }
            Some(_) => {}
            None if c == '`' || c == '"' => {
                out.push(c);
                out.push('…');
                quoted = Some(c);
            }
            None if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            None => out.push(c),
        }
    }
    out.chars().take(160).collect()
}

/// The shapes of Cloudflare's dialect one operation uses.
pub fn shapes(root: &Value, path: &str, method: &str) -> BTreeSet<&'static str> {
    let mut shapes = BTreeSet::new();
    let Some(item) = root.get("paths").and_then(|p| p.get(path)) else {
        return shapes;
    };
    let Some(operation) = item.get(method) else {
        return shapes;
    };
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let snake = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        shapes.insert("operationId: not snake_case");
    }
    let declared: BTreeSet<&str> = root
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect();
    let tags: Vec<&str> = operation
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if tags.iter().any(|t| !declared.contains(t)) {
        shapes.insert("tag: not declared");
    }
    if operation.get("deprecated") == Some(&Value::Bool(true)) {
        shapes.insert("operation: deprecated");
    }
    let parameters = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for parameter in parameters {
        let parameter = deref(root, parameter);
        let location = parameter.get("in").and_then(Value::as_str).unwrap_or("");
        let schema = parameter.get("schema").unwrap_or(&Value::Null);
        let resolved = deref(root, schema);
        let ty = resolved.get("type").and_then(Value::as_str);
        match (location, ty) {
            ("query", Some("array")) => shapes.insert("parameter: query array"),
            ("query", Some("object")) | ("query", None) => {
                shapes.insert("parameter: query object or untyped")
            }
            ("header", _) => shapes.insert("parameter: header"),
            ("path", _) if schema.get("$ref").is_some() || ty.is_none() => {
                shapes.insert("parameter: path $ref or composed")
            }
            _ => false,
        };
        if parameter.get("deprecated") == Some(&Value::Bool(true)) {
            shapes.insert("parameter: deprecated");
        }
    }
    if let Some(body) = operation.get("requestBody").map(|b| deref(root, b)) {
        let content = body.get("content").and_then(Value::as_object);
        let media: Vec<&String> = content.into_iter().flat_map(|c| c.keys()).collect();
        if media.len() > 1 {
            shapes.insert("request: several media types");
        }
        for (media_type, entry) in content.into_iter().flatten() {
            let schema = deref(root, entry.get("schema").unwrap_or(&Value::Null));
            let shape = if media_type.starts_with("multipart/") {
                "request: multipart/form-data"
            } else if media_type.contains("json") && !media_type.contains("ndjson") {
                match schema.get("type").and_then(Value::as_str) {
                    Some("object") | None => "request: JSON object or composed",
                    _ => "request: JSON array or scalar",
                }
            } else {
                "request: bytes or text"
            };
            shapes.insert(shape);
        }
    }
    let responses = operation.get("responses").and_then(Value::as_object);
    for (status, response) in responses.into_iter().flatten() {
        let response = deref(root, response);
        let success = status.starts_with('2');
        for (media_type, entry) in response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let shape = if media_type == "undefined" || !media_type.contains('/') {
                "response: invalid media type"
            } else if !success {
                "response: error body"
            } else if media_type.contains("json") {
                "response: JSON"
            } else if media_type.starts_with("text/") {
                "response: text"
            } else {
                "response: bytes"
            };
            shapes.insert(shape);
            if success {
                schema_shapes(
                    root,
                    entry.get("schema").unwrap_or(&Value::Null),
                    &mut shapes,
                    &mut BTreeSet::new(),
                    0,
                );
            }
        }
        if response.get("headers").is_some() && success {
            shapes.insert("response: headers");
        }
    }
    shapes
}

/// The schema shapes a success body reaches (bounded depth; a revisited `$ref` is recursion).
fn schema_shapes<'v>(
    root: &'v Value,
    schema: &'v Value,
    shapes: &mut BTreeSet<&'static str>,
    seen: &mut BTreeSet<&'v str>,
    depth: usize,
) {
    if depth > 24 {
        return;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if !seen.insert(reference) {
            shapes.insert("schema: recursive");
            return;
        }
        let target = deref(root, schema);
        schema_shapes(root, target, shapes, seen, depth + 1);
        seen.remove(reference);
        return;
    }
    let Some(map) = schema.as_object() else {
        return;
    };
    if map.contains_key("oneOf") && !map.contains_key("discriminator") {
        shapes.insert("schema: oneOf without discriminator");
    }
    if map.contains_key("anyOf") {
        shapes.insert("schema: anyOf");
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        if values.iter().any(Value::is_number) {
            shapes.insert("schema: number enum");
        }
        if values.iter().any(Value::is_boolean) {
            shapes.insert("schema: boolean enum");
        }
    }
    if map
        .get("additionalProperties")
        .is_some_and(|a| a == &Value::Bool(true) || a.as_object().is_some_and(|o| o.is_empty()))
    {
        shapes.insert("schema: free-form object");
    }
    if map.get("readOnly") == Some(&Value::Bool(true)) {
        shapes.insert("schema: readOnly field");
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for member in map.get(key).and_then(Value::as_array).into_iter().flatten() {
            schema_shapes(root, member, shapes, seen, depth + 1);
        }
    }
    for property in map
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        schema_shapes(root, property, shapes, seen, depth + 1);
    }
    if let Some(items) = map.get("items") {
        schema_shapes(root, items, shapes, seen, depth + 1);
    }
}

/// The floors: how many operations must import and generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Floors {
    pub imported: usize,
    pub generated: usize,
}

/// Reads `tests/corpus/floors.toml` (none yet: zero).
pub fn read_floors(path: &Path) -> Result<Floors, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Floors::default()),
        Err(e) => return Err(Error::io("read", path)(e)),
    };
    let document: toml_edit::DocumentMut = text.parse().map_err(|e| Error::Invalid {
        what: path.display().to_string(),
        problem: format!("not TOML: {e}"),
    })?;
    let count = |key: &str| -> Result<usize, Error> {
        document
            .get(key)
            .and_then(|v| v.as_integer())
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Error::Invalid {
                what: path.display().to_string(),
                problem: format!("`{key}` must be a count of operations"),
            })
    };
    Ok(Floors {
        imported: count("imported")?,
        generated: count("generated")?,
    })
}

fn write_floors(path: &Path, floors: Floors, total: usize) -> Result<(), Error> {
    let mut document = toml_edit::DocumentMut::new();
    document.decor_mut().set_prefix(format!(
        "# The whole-document gate's floors (`cargo xtask dialect --record` writes them): of the\n\
         # corpus's {total} operations, at least this many import and generate. The goal is all.\n"
    ));
    document["imported"] = toml_edit::value(floors.imported as i64);
    document["generated"] = toml_edit::value(floors.generated as i64);
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, document.to_string()).map_err(Error::io("write", &temporary))?;
    std::fs::rename(&temporary, path).map_err(Error::io("write", path))
}

/// Which operations `cargo xtask dialect` compiles together after its run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileSet {
    /// None: the run and its table only.
    None,
    /// Up to [`PER_SHAPE`] of each shape's operations that generate alone: every shape of the
    /// dialect compiles, in about a minute (the CI gate).
    Shapes,
    /// Every operation that generates alone (minutes: the bench and a maintainer's run).
    All,
}

/// Above this many operations, the generated crates are checked one at a time (memory).
const LARGE_SET: usize = 500;

/// How many operations of each shape [`CompileSet::Shapes`] compiles.
pub const PER_SHAPE: usize = 3;

/// `cargo xtask dialect`: the run, its table, the floors held (or raised with `record`).
pub fn command(
    root: &Path,
    corpus: Option<&Path>,
    record: bool,
    compile: CompileSet,
) -> Result<(), Error> {
    let corpus = corpus.map_or_else(|| root.join(CORPUS), Path::to_path_buf);
    let document = if corpus.extension().is_some_and(|e| e == "gz") {
        read_corpus(&corpus)?
    } else {
        let text = std::fs::read_to_string(&corpus).map_err(Error::io("read", &corpus))?;
        serde_json::from_str(&text).map_err(|e| Error::Invalid {
            what: corpus.display().to_string(),
            problem: format!("not JSON: {e}"),
        })?
    };
    let report = run(&document, &corpus.display().to_string());
    print!("{}", report.table());
    let total = report.outcomes.len();
    let now = Floors {
        imported: report.reached(Stage::Imported),
        generated: report.reached(Stage::Generated),
    };
    println!(
        "\n{total} operations in {:.1} s: {} import, {} generate (one at a time, no overlay)",
        report.seconds, now.imported, now.generated
    );
    if compile != CompileSet::None {
        // `CNI_DIALECT_COMPILE_LIMIT=N`: only the first N, to see how generation grows.
        let limit = std::env::var("CNI_DIALECT_COMPILE_LIMIT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX);
        let generated = report
            .outcomes
            .iter()
            .filter(|o| o.stage == Stage::Generated);
        let through: BTreeSet<&str> = match compile {
            CompileSet::Shapes => {
                let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
                generated
                    .filter(|o| {
                        let wanted = o
                            .shapes
                            .iter()
                            .any(|shape| taken.get(shape).copied().unwrap_or(0) < PER_SHAPE);
                        if wanted {
                            for shape in &o.shapes {
                                *taken.entry(shape).or_default() += 1;
                            }
                        }
                        wanted
                    })
                    .map(|o| o.operation.as_str())
                    .collect()
            }
            _ => generated
                .map(|o| o.operation.as_str())
                .take(limit)
                .collect(),
        };
        let compiled = self::compile(root, &document, &through, &corpus.display().to_string())?;
        println!(
            "compiled together: {} operations, {} lines of Rust generated in {:.1} s, `cargo check` {:.1} s: {}",
            compiled.operations,
            compiled.lines,
            compiled.generate_seconds,
            compiled.check_seconds,
            if compiled.errors.is_empty() {
                "compiles".to_string()
            } else {
                format!("{} errors", compiled.errors.len())
            }
        );
        // By kind (the error code and its message with names elided), then the first ones;
        // every error is in target/dialect/errors.txt.
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for error in &compiled.errors {
            let kind = error
                .split_once(": error")
                .map_or(error.as_str(), |(_, kind)| kind);
            *kinds.entry(elide(kind)).or_default() += 1;
        }
        for (kind, count) in &kinds {
            println!("  {count:>5}  error{kind}");
        }
        for error in compiled.errors.iter().take(40) {
            println!("  {error}");
        }
        let listing = root.join("target/dialect/errors.txt");
        let _ = std::fs::write(&listing, compiled.errors.join("\n"));
        if !compiled.errors.is_empty() {
            return Err(Error::Gate(format!(
                "the whole document's crates do not compile: {} errors",
                compiled.errors.len()
            )));
        }
    }
    let floors_path = root.join(FLOORS);
    if record {
        write_floors(&floors_path, now, total)?;
        // The operations that generate alone, for the scale benchmark's slices.
        let generated: Vec<&str> = report
            .outcomes
            .iter()
            .filter(|o| o.stage == Stage::Generated)
            .map(|o| o.operation.as_str())
            .collect();
        let listed = root.join(crate::scale::GENERATED_LIST);
        let temporary = listed.with_extension("txt.tmp");
        std::fs::write(&temporary, generated.join("\n") + "\n")
            .map_err(Error::io("write", &temporary))?;
        std::fs::rename(&temporary, &listed).map_err(Error::io("write", &listed))?;
        println!("recorded in {FLOORS}");
        return Ok(());
    }
    let floors = read_floors(&floors_path)?;
    if now.imported < floors.imported || now.generated < floors.generated {
        return Err(Error::Gate(format!(
            "fewer operations of Cloudflare's whole document get through than {FLOORS} records: \
             {} import (floor {}), {} generate (floor {})",
            now.imported, floors.imported, now.generated, floors.generated
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_operation_is_classified_by_the_shapes_it_uses() {
        let root = json!({
            "tags": [{"name": "Declared"}],
            "components": {"schemas": {"Id": {"type": "string"}}},
            "paths": {"/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "schema": {"$ref": "#/components/schemas/Id"}}],
                "get": {
                    "operationId": "things-get",
                    "tags": ["Undeclared"],
                    "parameters": [
                        {"name": "state", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"content": {"text/csv": {"schema": {"type": "string"}}}},
                        "4XX": {"content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }
            }}
        });
        let shapes = shapes(&root, "/things/{id}", "get");
        for expected in [
            "operationId: not snake_case",
            "tag: not declared",
            "parameter: path $ref or composed",
            "parameter: query array",
            "parameter: header",
            "response: text",
            "response: error body",
        ] {
            assert!(shapes.contains(expected), "{expected} in {shapes:?}");
        }
    }

    #[test]
    fn the_same_problem_counts_once_whatever_it_names() {
        let a = first_line("the imported spec does not load:\n  x.yaml:1:2: at /paths/~1a: query parameter `a` must have a scalar schema (string), not array");
        let b = first_line("the imported spec does not load:\n  x.yaml:9:9: at /paths/~1b: query parameter `bee` must have a scalar schema (string), not array");
        assert_eq!(a, b);
        assert!(a.starts_with("query parameter `…`"), "{a}");
    }

    /// The CNI section of the whole document goes through the gate's import and generation
    /// one operation at a time: the gate's path works on what the crates are made from.
    #[test]
    fn the_cni_operations_of_the_whole_document_get_through() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join("spec/upstream/cloudflare-cni.yaml")).unwrap();
        let document = cloudflare_cni_codegen::source::parse(&cloudflare_cni_codegen::SpecSource {
            display_path: "cloudflare-cni.yaml".into(),
            text,
        })
        .unwrap()
        .value;
        let report = run(&document, "cloudflare-cni.yaml");
        assert!(report.outcomes.len() >= 16);
        let stopped: Vec<_> = report
            .outcomes
            .iter()
            .filter(|o| o.stage < Stage::Generated)
            .map(|o| (&o.operation, &o.reason))
            .collect();
        assert!(stopped.is_empty(), "{stopped:?}");
    }
}
