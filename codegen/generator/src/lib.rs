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

pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod document;
pub mod emit;
pub mod import;
pub mod lint;
mod load;
pub mod model;
pub mod source;
pub mod tree;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use config::{Config, CrateConfig, RuntimeCrates};
pub use diagnostic::{Diagnostic, Diagnostics};
pub use load::load;
pub use source::SpecSource;
pub use tree::{Drift, GeneratedTree, WriteSummary};

/// A spec that parsed and linted clean.
#[derive(Clone, Debug)]
pub struct LoadedSpec {
    pub display_path: String,
    /// Hex SHA-256 of the spec's bytes, stamped into every generated file's header.
    pub sha256: String,
    pub model: model::ApiModel,
    /// The document as JSON, with each node's line and column.
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

impl LoadedSpec {
    /// The document as JSON.
    pub fn value(&self) -> &Value {
        &self.source.value
    }

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
            emit::progenitor::EmitError::Failed {
                operation: Some(id),
                ..
            }
            | emit::progenitor::EmitError::Panicked {
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
