//! The generator behind `cargo xtask generate`: it turns `spec/cni.yaml` into the crates under
//! `generated/`.
//!
//! The data moves one way, and only the two ends touch disk:
//!
//! ```text
//! spec text ─load (source → lint → model)─▶ LoadedSpec { JSON, sorted ApiModel }
//!           ─prepare (each feature's input change)─▶ progenitor's input
//!           ─progenitor─▶ types, client, httpmock helpers (syntax trees)
//!           ─passes (one ordered list)─▶ + validation, tagged unions, forward compatibility,
//!                                        client wiring, docs, the server, the CLI
//!           ─readme─▶ each crate's README ─crates─▶ GeneratedTree { path → text } in memory
//!           ─tree.write (atomic, changed files only, stale removed) │ tree.check (never writes)
//! ```
//!
//! A broken spec therefore fails before anything is written, and `generate --check` renders
//! exactly what `generate` would write. No stage calls back into an earlier one.

pub mod config;
pub mod crates;
pub mod diagnostic;
pub mod diff;
pub mod document;
pub mod error;
pub mod evolution;
mod examples;
pub mod import;
pub mod lint;
mod load;
pub mod model;
pub mod naming;
pub mod passes;
pub mod paths;
pub mod prepare;
pub mod progenitor;
pub mod readme;
pub mod source;
pub mod syntax;
pub mod tree;

use std::path::{Path, PathBuf};

pub use config::{Config, CrateConfig, RuntimeCrates};
pub use diagnostic::{Diagnostic, Diagnostics};
pub use error::EmitError;
pub use load::{load, LoadedSpec};
pub use paths::Paths;
pub use source::SpecSource;
pub use tree::{Drift, GeneratedTree, WriteSummary};

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

/// Renders the whole generated tree in memory: the road from a loaded spec to the files.
pub fn render(spec: &LoadedSpec, config: &Config) -> Result<GeneratedTree, Diagnostics> {
    generate(spec, config).map_err(|e| {
        let at = match &e {
            EmitError::Failed {
                operation: Some(id),
                ..
            }
            | EmitError::Panicked {
                operation: Some(id),
                ..
            } => spec.operation_pointer(id),
            _ => "/paths".to_string(),
        };
        Diagnostics(vec![spec.diagnostic(at, e.to_string())])
    })
}

/// prepare → progenitor → passes → readme → crates.
fn generate(spec: &LoadedSpec, config: &Config) -> Result<GeneratedTree, EmitError> {
    let types_path: proc_macro2::TokenStream = format!("::{}", config.types.lib_name())
        .parse()
        .map_err(|e| EmitError::Output(format!("{e}")))?;
    let generated = sources(spec, &Paths::new(config, types_path))?;
    let readmes = readme::all(&spec.model, config, &generated);
    Ok(crates::tree(spec, config, &generated, readmes))
}

/// progenitor's own output for the same input (its client and types, formatted), with none
/// of the passes, the readmes or the other crates: the baseline the scale benchmark sets
/// generation beside. Returns its number of lines.
pub fn progenitor_alone(spec: &LoadedSpec, config: &Config) -> Result<usize, EmitError> {
    let types_path: proc_macro2::TokenStream = format!("::{}", config.types.lib_name())
        .parse()
        .map_err(|e| EmitError::Output(format!("{e}")))?;
    let paths = Paths::new(config, types_path);
    let input = prepare::progenitor_input(spec, &paths)?;
    let tokens = progenitor::generate(&input.spec, &paths.client_runtime, &input.replacements)?;
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| EmitError::Output(format!("progenitor's output: {e}")))?;
    Ok(prettyplease::unparse(&file).lines().count())
}

/// The generated sources, as syntax trees whose code names its crates by `paths` (the
/// snapshots name the types `super::types`): prepare → progenitor → passes.
pub fn sources(spec: &LoadedSpec, paths: &Paths) -> Result<passes::Generated, EmitError> {
    let input = prepare::progenitor_input(spec, paths)?;
    let output = progenitor::run(&input, paths)?;
    passes::run(output, &spec.model, paths)
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
