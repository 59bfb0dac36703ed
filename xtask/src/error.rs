//! The one error of xtask's workflow: what failed, typed, so callers (and tests) can tell a
//! program that failed from a file that could not be read from a request that cannot be carried
//! out, and every message names what and where. Each module's own error converts into it.

use std::path::{Path, PathBuf};

/// Why a task of `cargo xtask` failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Start {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// A program ran and failed; `outcome` says how (its status, what it printed).
    #[error("`{command}` failed ({outcome})")]
    Failed { command: String, outcome: String },
    /// A file or folder could not be read, written or made.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A document xtask reads (a manifest, a program's JSON answer) is not what it expects.
    #[error("{what}: {problem}")]
    Invalid { what: String, problem: String },
    /// The request cannot be carried out as things stand (a dirty tree, an existing tag, an
    /// unreachable registry): the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// A slow gate found a problem: the message names the gate's finding.
    #[error("{0}")]
    Gate(String),
    #[error(transparent)]
    Workspace(#[from] crate::workspace::WorkspaceError),
    #[error(transparent)]
    Tool(#[from] crate::tools::ToolError),
    #[error(transparent)]
    Record(#[from] crate::record::RecordError),
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error(transparent)]
    Release(#[from] crate::release::ReleaseError),
    #[error(transparent)]
    Conformance(#[from] crate::conformance::ConformanceError),
    #[error(transparent)]
    Generate(#[from] cloudflare_cni_codegen::GenerateError),
    #[error(transparent)]
    Import(#[from] cloudflare_cni_codegen::import::ImportError),
    #[error(transparent)]
    Spec(#[from] cloudflare_cni_codegen::Diagnostics),
    #[error(transparent)]
    Tree(#[from] cloudflare_cni_codegen::tree::TreeIoError),
    /// JSON that a program printed or a file holds does not read as expected.
    #[error("unreadable JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// xtask's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The error of an I/O `action` ("read", "write", "create") on `path`, for `map_err`.
    pub fn io(
        action: &'static str,
        path: impl AsRef<Path>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.as_ref().to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }

    /// The error of a program that could not be started, for `map_err`.
    pub fn start(program: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let program = program.into();
        move |source| Error::Start { program, source }
    }

    /// A document named `what` that is not as expected.
    pub fn invalid(what: impl Into<String>, problem: impl ToString) -> Error {
        Error::Invalid {
            what: what.into(),
            problem: problem.to_string(),
        }
    }
}
