//! The generator behind `cargo xtask generate`: it turns `spec/cni.yaml` into the crates under
//! `generated/`.
//!
//! The pipeline is parse → lint → model → emit → write, and only its two ends touch disk:
//!
//! ```text
//! spec text ─source::parse─▶ JSON value + pointer→line map ─lint─▶ every problem, located
//!           ─openapiv3─▶ OpenAPI ─model::lower─▶ sorted ApiModel
//!           ─emit (progenitor, syn, prettyplease)─▶ GeneratedTree { path → text } in memory
//!           ─tree.write (atomic, changed files only, stale removed) │ tree.check (never writes)
//! ```
//!
//! A broken spec therefore fails before anything is written, and `generate --check` renders
//! exactly what `generate` would write.

pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod lint;
pub mod model;
pub mod release;
pub mod source;
pub mod tree;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use diagnostic::{Diagnostic, Diagnostics};
pub use source::SpecSource;
pub use tree::{Drift, GeneratedTree, WriteSummary};

/// One generated crate: its package name, folder under `generated/` and version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateConfig {
    pub package: String,
    pub dir: String,
    pub version: String,
}

impl CrateConfig {
    /// The crate's name as Rust code spells it.
    pub fn lib_name(&self) -> String {
        self.package.replace('-', "_")
    }
}

/// What to call the generated crates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub types: CrateConfig,
    pub client: CrateConfig,
    pub server: CrateConfig,
}

impl Default for Config {
    fn default() -> Self {
        let krate = |package: &str, dir: &str| CrateConfig {
            package: package.to_string(),
            dir: dir.to_string(),
            version: "0.1.0".to_string(),
        };
        Config {
            types: krate("cloudflare-cni-types", "types"),
            client: krate("cloudflare-cni-client", "client"),
            server: krate("cloudflare-cni-server", "server"),
        }
    }
}

/// A spec that parsed and linted clean.
#[derive(Clone, Debug)]
pub struct LoadedSpec {
    pub display_path: String,
    /// Hex SHA-256 of the spec's bytes, stamped into every generated file's header.
    pub sha256: String,
    pub value: Value,
    pub openapi: openapiv3::OpenAPI,
    pub model: model::ApiModel,
    source: source::ParsedSource,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot read the spec {}: {source}", path.display())]
    ReadSpec {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Spec(#[from] Diagnostics),
    #[error(transparent)]
    Io(#[from] tree::TreeIoError),
    #[error("{0}")]
    Release(String),
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let tokens: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect();
    diagnostic::pointer(tokens)
}

/// Parses and lints a spec. Every problem is reported, each with file, line and pointer.
pub fn load(source: &SpecSource) -> Result<LoadedSpec, Diagnostics> {
    let parsed = source::parse(source)?;
    if let Some(problem) = lint::check_version(&parsed) {
        return Err(Diagnostics(vec![problem]));
    }
    let mut problems = lint::lint(&parsed);
    let openapi =
        match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(parsed.value.clone()) {
            Ok(openapi) => Some(openapi),
            Err(e) => {
                let (at, message) = structure_error(&parsed.value)
                    .unwrap_or_else(|| (pointer_of(e.path()), e.inner().to_string()));
                problems.push(parsed.diagnostic(
                    at,
                    format!("not a valid OpenAPI 3.0 document here: {message}"),
                ));
                None
            }
        };
    match openapi {
        Some(openapi) if problems.is_empty() => Ok(LoadedSpec {
            display_path: source.display_path.clone(),
            sha256: format!("{:x}", Sha256::digest(source.text.as_bytes())),
            model: model::lower(&parsed.value),
            value: parsed.value.clone(),
            openapi,
            source: parsed,
        }),
        _ => {
            problems.sort();
            problems.dedup();
            Err(Diagnostics(problems))
        }
    }
}

/// Deserializes `value` as `T`; on failure, the pointer (below `at`) and message of the error.
fn typed_error<T: serde::de::DeserializeOwned>(
    value: &Value,
    at: &str,
) -> Option<(String, String)> {
    // A `$ref` is checked by the linter; its target is checked where it is defined.
    if value.get("$ref").is_some() {
        return None;
    }
    serde_path_to_error::deserialize::<_, T>(value.clone())
        .err()
        .map(|e| {
            (
                format!("{at}{}", pointer_of(e.path())),
                e.inner().to_string(),
            )
        })
}

/// Finds the innermost object that fails to deserialize. openapiv3 deserializes many nodes
/// through untagged enums, which lose the error's path, so the whole-document error often
/// points only at `/paths`; trying the nested objects one by one recovers the precise place.
fn structure_error(root: &Value) -> Option<(String, String)> {
    use openapiv3::{
        Operation, Parameter, PathItem, RequestBody, Response, Schema, SecurityScheme,
    };
    let entries = |value: &Value, at: &str| -> Vec<(String, Value)> {
        value
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (format!("{at}{}", diagnostic::pointer([k])), v.clone()))
            .collect()
    };
    let items = |value: Option<&Value>, at: &str| -> Vec<(String, Value)> {
        value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, v)| (format!("{at}/{i}"), v.clone()))
            .collect()
    };
    for (item_at, item) in entries(root.get("paths").unwrap_or(&Value::Null), "/paths") {
        for method in lint::METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_at = format!("{item_at}/{method}");
            let found = items(op.get("parameters"), &format!("{op_at}/parameters"))
                .iter()
                .find_map(|(at, v)| typed_error::<Parameter>(v, at))
                .or_else(|| {
                    op.get("requestBody").and_then(|b| {
                        typed_error::<RequestBody>(b, &format!("{op_at}/requestBody"))
                    })
                })
                .or_else(|| {
                    let responses = op.get("responses").unwrap_or(&Value::Null);
                    entries(responses, &format!("{op_at}/responses"))
                        .iter()
                        .find_map(|(at, v)| typed_error::<Response>(v, at))
                })
                .or_else(|| typed_error::<Operation>(op, &op_at));
            if found.is_some() {
                return found;
            }
        }
        let found = items(item.get("parameters"), &format!("{item_at}/parameters"))
            .iter()
            .find_map(|(at, v)| typed_error::<Parameter>(v, at))
            .or_else(|| typed_error::<PathItem>(&item, &item_at));
        if found.is_some() {
            return found;
        }
    }
    let components = root.get("components").unwrap_or(&Value::Null);
    let section = |name: &str| {
        entries(
            components.get(name).unwrap_or(&Value::Null),
            &format!("/components/{name}"),
        )
    };
    section("schemas")
        .iter()
        .find_map(|(at, v)| typed_error::<Schema>(v, at))
        .or_else(|| {
            section("parameters")
                .iter()
                .find_map(|(at, v)| typed_error::<Parameter>(v, at))
        })
        .or_else(|| {
            section("responses")
                .iter()
                .find_map(|(at, v)| typed_error::<Response>(v, at))
        })
        .or_else(|| {
            section("requestBodies")
                .iter()
                .find_map(|(at, v)| typed_error::<RequestBody>(v, at))
        })
        .or_else(|| {
            section("securitySchemes")
                .iter()
                .find_map(|(at, v)| typed_error::<SecurityScheme>(v, at))
        })
}

impl LoadedSpec {
    /// The pointer of the operation with this id, for locating generator failures.
    fn operation_pointer(&self, id: &str) -> String {
        self.model
            .operations
            .iter()
            .find(|o| o.id == id)
            .map(|o| {
                diagnostic::pointer(["paths", o.path.as_str(), &o.method.to_ascii_lowercase()])
            })
            .unwrap_or_else(|| "/paths".to_string())
    }
}

/// Renders the whole generated tree in memory.
pub fn render(spec: &LoadedSpec, config: &Config) -> Result<GeneratedTree, Diagnostics> {
    emit::tree(spec, config).map_err(|e| {
        let at = match &e {
            emit::progenitor::ProgenitorError::Failed {
                operation: Some(id),
                ..
            }
            | emit::progenitor::ProgenitorError::Panicked {
                operation: Some(id),
                ..
            } => spec.operation_pointer(id),
            _ => "/paths".to_string(),
        };
        Diagnostics(vec![spec.source.diagnostic(at, e.to_string())])
    })
}

/// Reads the spec at `spec_path` (reported as `display_path`) and renders the tree.
pub fn render_file(
    spec_path: &Path,
    display_path: &str,
    config: &Config,
) -> Result<GeneratedTree, GenerateError> {
    let text = std::fs::read_to_string(spec_path).map_err(|source| GenerateError::ReadSpec {
        path: spec_path.to_path_buf(),
        source,
    })?;
    let spec = load(&SpecSource {
        display_path: display_path.to_string(),
        text,
    })?;
    Ok(render(&spec, config)?)
}

/// The repository's own layout: `spec/cni.yaml` rendered into `generated/`.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    pub const SPEC: &'static str = "spec/cni.yaml";
    pub const GENERATED: &'static str = "generated";

    pub fn spec_path(&self) -> PathBuf {
        self.root.join(Self::SPEC)
    }

    pub fn generated_dir(&self) -> PathBuf {
        self.root.join(Self::GENERATED)
    }

    /// The crate names, with the version from `spec/release.toml` when it exists.
    pub fn config(&self) -> Result<Config, GenerateError> {
        let mut config = Config::default();
        if self.root.join(release::ReleaseRecord::PATH).exists() {
            let record = release::ReleaseRecord::read(&self.root)
                .map_err(|e| GenerateError::Release(e.to_string()))?;
            record
                .version()
                .map_err(|e| GenerateError::Release(e.to_string()))?;
            for krate in [&mut config.types, &mut config.client, &mut config.server] {
                krate.version = record.version.clone();
            }
        }
        Ok(config)
    }

    /// Renders the workspace's spec with the version of `spec/release.toml`.
    pub fn render(&self) -> Result<GeneratedTree, GenerateError> {
        render_file(&self.spec_path(), Self::SPEC, &self.config()?)
    }

    /// Renders and compares with `generated/`, writing nothing.
    pub fn check(&self) -> Result<Vec<Drift>, GenerateError> {
        Ok(self.render()?.check(&self.generated_dir())?)
    }

    /// Renders and writes `generated/`.
    pub fn generate(&self) -> Result<WriteSummary, GenerateError> {
        Ok(self.render()?.write(&self.generated_dir())?)
    }
}
