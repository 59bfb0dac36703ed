//! Checks a parsed spec for everything the generators cannot handle, reporting every problem
//! at once, each at its JSON pointer.
//!
//! The checks run on the raw JSON value rather than on `openapiv3`'s model because the value
//! keeps the pointer of every node; `openapiv3` is used afterwards, on a spec known to be sound.

use serde_json::Value;

mod nodes;
mod operations;
mod security;

use crate::diagnostic::{pointer, Diagnostic};
use crate::document::{self, template_params, RefError};
use crate::source::ParsedSource;

/// Media types the generated client and server can carry as JSON.
const JSON_MEDIA_TYPE: &str = "application/json";

/// The `x-cni-*` extensions this generator understands; see spec/README.md.
pub const KNOWN_EXTENSIONS: [&str; 8] = [
    "x-cni-enum-names",
    "x-cni-format",
    "x-cni-former-names",
    "x-cni-former-variant-names",
    "x-cni-same-prefix-as",
    "x-cni-upstream",
    "x-cni-variant-names",
    "x-cni-wait-failures",
];

/// The values `x-cni-format` may take.
pub const KNOWN_FORMATS: [&str; 2] = ["ipv4-cidr", "md5-key"];

/// Checks the document's `openapi` version; the generators read OpenAPI 3.0.x only.
pub fn check_version(src: &ParsedSource) -> Option<Diagnostic> {
    match src.value.get("openapi") {
        None if src.value.get("swagger").is_some() => Some(src.diagnostic(
            "/swagger",
            "Swagger 2.0 documents are not supported: convert the spec to OpenAPI 3.0.x",
        )),
        None => Some(src.diagnostic(
            "",
            "missing `openapi` version field: expected an OpenAPI 3.0.x document",
        )),
        Some(Value::String(v)) if v.starts_with("3.0.") => None,
        Some(Value::String(v)) => Some(src.diagnostic(
            "/openapi",
            format!(
                "OpenAPI {v} documents are not supported: the generators read OpenAPI 3.0.x \
                 (openapiv3 and progenitor do not support 3.1)"
            ),
        )),
        Some(other) => Some(src.diagnostic(
            "/openapi",
            format!("`openapi` must be a version string such as \"3.0.3\", not {other}"),
        )),
    }
}

/// Runs every structural check and returns all problems found, sorted by position.
pub fn lint(src: &ParsedSource) -> Vec<Diagnostic> {
    let mut linter = Linter {
        src,
        root: &src.value,
        problems: Vec::new(),
    };
    linter.walk(&src.value, String::new());
    linter.servers();
    linter.paths();
    linter.schema_names();
    let mut problems = linter.problems;
    problems.sort();
    problems.dedup();
    problems
}

struct Linter<'a> {
    src: &'a ParsedSource,
    root: &'a Value,
    problems: Vec<Diagnostic>,
}

impl<'a> Linter<'a> {
    /// Component schemas are named as the Rust types they become (`cargo xtask import` names
    /// Cloudflare's by rule), so every pass names a type the same way.
    fn schema_names(&mut self) {
        let names: Vec<String> = self
            .root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            if !crate::naming::is_schema_name(&name) {
                self.report(
                    pointer(["components", "schemas", &name]),
                    format!(
                        "schema `{name}` is not named as a Rust type: call it `{}`",
                        crate::naming::type_name(&name)
                    ),
                );
            }
        }
    }

    fn report(&mut self, at: impl Into<String>, message: impl Into<String>) {
        let d = self.src.diagnostic(at, message);
        self.problems.push(d);
    }

    /// Follows `$ref`s from `value` (at `at`) to the node they name, with that node's pointer.
    /// Dangling and circular references are reported by `walk`, so here they end the chain.
    fn resolve(&self, value: &'a Value, at: String) -> Option<(&'a Value, String)> {
        document::resolve(self.root, value, at).ok()
    }
}
