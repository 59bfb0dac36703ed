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
pub mod emit;
pub mod lint;
pub mod model;
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
                let at = pointer_of(e.path());
                problems.push(parsed.diagnostic(
                    at,
                    format!("not a valid OpenAPI 3.0 document here: {}", e.inner()),
                ));
                None
            }
        };
    match openapi {
        Some(openapi) if problems.is_empty() => Ok(LoadedSpec {
            display_path: source.display_path.clone(),
            sha256: hex(&Sha256::digest(source.text.as_bytes())),
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

    /// Renders the workspace's spec with the default crate names.
    pub fn render(&self) -> Result<GeneratedTree, GenerateError> {
        render_file(&self.spec_path(), Self::SPEC, &Config::default())
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
