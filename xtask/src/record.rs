//! `spec/release.toml`, the record of the last release: each published crate's version and the
//! release's tag; and finding that release's commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::git::{git, GitError};

/// `spec/release.toml`: each published crate's version, and the tag of the release that made
/// them (absent before the first release).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Crate name → version.
    #[serde(default)]
    pub versions: BTreeMap<String, String>,
}

impl ReleaseRecord {
    pub const PATH: &'static str = "spec/release.toml";

    pub fn read(root: &Path) -> Result<ReleaseRecord, RecordError> {
        let path = root.join(Self::PATH);
        let text = std::fs::read_to_string(&path).map_err(|source| RecordError::Io {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| RecordError::Invalid {
            path,
            message: e.to_string(),
        })
    }

    pub fn render(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("# Each published crate's version, and the tag of the release that made them.\n# Written by `cargo xtask release`; `cargo xtask generate` reads the generated crates' versions.\n{body}")
    }

    /// A crate's recorded version (0.1.0 before its first release).
    pub fn version(&self, krate: &str) -> Result<Version, RecordError> {
        match self.versions.get(krate) {
            None => Ok(Version::new(0, 1, 0)),
            Some(text) => Version::parse(text).map_err(|e| RecordError::Invalid {
                path: PathBuf::from(Self::PATH),
                message: format!("{krate} = {text:?}: {e}"),
            }),
        }
    }
}

/// Why the record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid release record: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// The commit of the release `tag`: the tag itself when this clone has it, otherwise the commit
/// that first recorded `tag = "…"` in `spec/release.toml` (clones and mirrors do not always
/// carry tags, and the record says which release made the current versions).
pub fn release_commit(root: &Path, tag: &str) -> Result<String, RecordError> {
    let spec = format!("{tag}^{{commit}}");
    if let Ok(hash) = git(root, &["rev-parse", "--verify", "-q", &spec]) {
        return Ok(hash.trim().to_string());
    }
    let needle = format!("tag = \"{tag}\"");
    let log = git(
        root,
        &[
            "log",
            "--reverse",
            "--format=%H",
            "-S",
            &needle,
            "--",
            "spec/release.toml",
        ],
    )?;
    log.lines().next().map(str::to_string).ok_or_else(|| {
        RecordError::Git(GitError {
            args: format!("rev-parse {tag}"),
            message: format!(
                "no tag {tag} and no commit recording it in spec/release.toml: fetch the tags"
            ),
        })
    })
}
