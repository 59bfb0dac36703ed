//! The emulator's state as a file: every account's CNIs, interconnects (with where each is in
//! its lifecycle) and settings, in a versioned JSON document. `--state FILE` loads it at start
//! and writes it on a graceful shutdown; `POST /__emulator/state/save` writes it on request;
//! `GET /__emulator/state` answers the same document.
//!
//! The format (version 1):
//!
//! ```json
//! {
//!   "format": "cloudflare-cni-emulator-state",
//!   "version": 1,
//!   "lifecycle": "automatic",
//!   "status_delay_seconds": 5.0,
//!   "accounts": {
//!     "ACCOUNT_ID": {
//!       "default_asn": 65001,
//!       "last_seq": 2,
//!       "next_name": 1,
//!       "interconnects": [
//!         {"seq": 1, "age_seconds": 12.5, "pinned_status": {"state": "Down", "reason": "…"},
//!          "interconnect": {…the API's Interconnect…}}
//!       ],
//!       "cnis": [{"seq": 2, "cni": {…the API's Cni…}}]
//!     }
//!   }
//! }
//! ```
//!
//! `seq` is the creation order (what listings and their cursors follow); `age_seconds` is how
//! long the interconnect had existed on the emulator's clock; `pinned_status` is a status a
//! test set (absent: the automatic lifecycle). Slot occupancy is not stored: it follows from
//! the direct interconnects, whose slots must be in the catalogue the emulator runs with.
//!
//! A file that is not JSON, not this format, or of a newer version is refused with a message
//! naming the file, and nothing is overwritten: the emulator does not start. So is a state the
//! API could not have made (see [`StateFile::problems`]: the spec's rules on every object, links in the
//! pool, unique names, counters ahead of what they issued), with the JSON pointers of its
//! first problems; `PUT /__emulator/state` applies the same judgement.

mod check;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cloudflare_cni_server::types::{Cni, Interconnect, InterconnectStatus};
use serde::{Deserialize, Serialize};

use crate::lifecycle::LifecycleMode;

pub use check::{link_in_pool, name_serial, Catalogue, Problem, Problems, MAX_SECONDS};

/// The `format` value of a state file.
pub const STATE_FORMAT: &str = "cloudflare-cni-emulator-state";
/// The version this emulator writes and the newest it reads.
pub const STATE_VERSION: u32 = 1;

/// The whole state, as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    pub format: String,
    pub version: u32,
    pub lifecycle: LifecycleMode,
    pub status_delay_seconds: f64,
    pub accounts: BTreeMap<String, AccountState>,
}

/// One account's objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_asn: Option<i64>,
    /// The last creation sequence number given out.
    pub last_seq: u64,
    /// The serial of the last generated interconnect name.
    pub next_name: u32,
    #[serde(default)]
    pub interconnects: Vec<StoredInterconnectState>,
    #[serde(default)]
    pub cnis: Vec<StoredCniState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredInterconnectState {
    pub seq: u64,
    pub age_seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_status: Option<InterconnectStatus>,
    pub interconnect: Interconnect,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredCniState {
    pub seq: u64,
    pub cni: Cni,
}

/// Why a state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an emulator state file: {detail}")]
    NotState { path: PathBuf, detail: String },
    #[error("{path} was written by a newer emulator (state version {version}; this one reads up to {STATE_VERSION}): upgrade the emulator or start from another file")]
    Newer { path: PathBuf, version: u64 },
    #[error("{path} holds a state the API could not have made: {problems}")]
    Invalid { path: PathBuf, problems: Problems },
    #[error("cannot write the state file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StateFile {
    /// Reads `path`; `Ok(None)` when it does not exist yet (the emulator starts empty and
    /// writes it at shutdown).
    pub fn read(path: &Path) -> Result<Option<StateFile>, StateError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Self::parse(&text, path).map(Some)
    }

    /// Parses a state document; `path` names it in errors. The version is read first, so a
    /// newer file is named as such rather than as a list of unknown fields.
    pub fn parse(text: &str, path: &Path) -> Result<StateFile, StateError> {
        let not_state = |detail: String| StateError::NotState {
            path: path.to_path_buf(),
            detail,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| not_state(format!("not JSON: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(STATE_FORMAT) {
            return Err(not_state(format!("its \"format\" is not {STATE_FORMAT:?}")));
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| not_state("it has no numeric \"version\"".to_string()))?;
        if version > u64::from(STATE_VERSION) {
            return Err(StateError::Newer {
                path: path.to_path_buf(),
                version,
            });
        }
        // Whether the objects make a state the API could have made is judged where the
        // state is loaded, against that emulator's catalogue: `Emulator::restore`.
        serde_path_to_error::deserialize(value)
            .map_err(|e| not_state(format!("at {}: {}", e.path(), e.inner())))
    }

    /// Writes the document to `path` atomically: a temporary file beside it, synced, then
    /// renamed over it, so a crash leaves the old file or the new one, never half of one.
    pub fn write(&self, path: &Path) -> Result<(), StateError> {
        let write_error = |source| StateError::Write {
            path: path.to_path_buf(),
            source,
        };
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| write_error(std::io::Error::other(e)))?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".to_string());
        let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)?;
            // The rename is durable once the directory is: sync it too (where directories
            // can be opened, as on Unix).
            #[cfg(unix)]
            std::fs::File::open(dir)?.sync_all()?;
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        result.map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StateFile, StateError> {
        StateFile::parse(text, Path::new("state.json"))
    }

    const EMPTY: &str = r#"{"format": "cloudflare-cni-emulator-state", "version": 1,
        "lifecycle": "manual", "status_delay_seconds": 5, "accounts": {}}"#;

    #[test]
    fn an_empty_state_parses() {
        let state = parse(EMPTY).unwrap();
        assert_eq!(state.lifecycle, LifecycleMode::Manual);
        assert!(state.accounts.is_empty());
    }

    #[test]
    fn other_files_are_refused_by_name() {
        for (text, expected) in [
            ("{", "state.json is not an emulator state file: not JSON"),
            ("{\"slots\": []}", "its \"format\" is not"),
            (
                r#"{"format": "cloudflare-cni-emulator-state"}"#,
                "no numeric \"version\"",
            ),
            (
                r#"{"format": "cloudflare-cni-emulator-state", "version": 2}"#,
                "state.json was written by a newer emulator (state version 2",
            ),
            (
                &EMPTY.replace("\"accounts\"", "\"acounts\""),
                "unknown field `acounts`",
            ),
        ] {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn writing_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "old").unwrap();
        let state = parse(EMPTY).unwrap();
        state.write(&path).unwrap();
        assert_eq!(
            parse(&std::fs::read_to_string(&path).unwrap()).unwrap(),
            state
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        let missing = dir.path().join("no/such/dir/state.json");
        let error = state.write(&missing).unwrap_err().to_string();
        assert!(error.contains("cannot write the state file"), "{error}");
    }
}
