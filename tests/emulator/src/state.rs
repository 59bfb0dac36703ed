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
//! naming the file, and nothing is overwritten: the emulator does not start.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use cloudflare_cni_server::types::{Cni, Interconnect, InterconnectStatus};
use serde::{Deserialize, Serialize};

use crate::lifecycle::LifecycleMode;

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
    #[error("the state file {path} is inconsistent: {detail}")]
    Invalid { path: PathBuf, detail: String },
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
        let state: StateFile = serde_path_to_error::deserialize(value)
            .map_err(|e| not_state(format!("at {}: {}", e.path(), e.inner())))?;
        state.check().map_err(|detail| StateError::Invalid {
            path: path.to_path_buf(),
            detail,
        })?;
        Ok(state)
    }

    /// What loading would otherwise get wrong: duplicate sequence numbers, names or ids,
    /// sequence numbers above `last_seq`, a CNI on an interconnect that is not there.
    fn check(&self) -> Result<(), String> {
        if !(self.status_delay_seconds.is_finite() && self.status_delay_seconds >= 0.0) {
            return Err(format!(
                "status_delay_seconds is {}, not a number of seconds",
                self.status_delay_seconds
            ));
        }
        for (id, account) in &self.accounts {
            let mut seqs = BTreeSet::new();
            let mut names = BTreeSet::new();
            for stored in &account.interconnects {
                let name = crate::interconnect_name(&stored.interconnect);
                if name.is_empty() {
                    return Err(format!(
                        "account {id:?}: interconnect seq {} is of a kind the emulator does not make",
                        stored.seq
                    ));
                }
                if !names.insert(name.to_string()) {
                    return Err(format!(
                        "account {id:?}: interconnect {name:?} appears twice"
                    ));
                }
                if !(stored.age_seconds.is_finite() && stored.age_seconds >= 0.0) {
                    return Err(format!(
                        "account {id:?}: interconnect {name:?} has age_seconds {}",
                        stored.age_seconds
                    ));
                }
                if !seqs.insert(stored.seq) {
                    return Err(format!("account {id:?}: seq {} appears twice", stored.seq));
                }
            }
            let mut cni_ids = BTreeSet::new();
            for stored in &account.cnis {
                if !seqs.insert(stored.seq) {
                    return Err(format!("account {id:?}: seq {} appears twice", stored.seq));
                }
                if !cni_ids.insert(stored.cni.id) {
                    return Err(format!(
                        "account {id:?}: CNI {} appears twice",
                        stored.cni.id
                    ));
                }
                if !names.contains(&stored.cni.interconnect) {
                    return Err(format!(
                        "account {id:?}: CNI {} is on interconnect {:?}, which is not there",
                        stored.cni.id, stored.cni.interconnect
                    ));
                }
            }
            if let Some(highest) = seqs.last().filter(|s| **s > account.last_seq) {
                return Err(format!(
                    "account {id:?}: seq {highest} is above last_seq {}",
                    account.last_seq
                ));
            }
        }
        Ok(())
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
            std::fs::rename(&temporary, path)
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
    fn inconsistent_states_are_refused() {
        let with_account = |account: &str| {
            EMPTY.replace(
                "\"accounts\": {}",
                &format!("\"accounts\": {{\"a\": {account}}}"),
            )
        };
        let cni = r#"{"seq": 1, "cni": {"id": "3f6d2f5e-1f0b-4c36-9e7f-2e1f4c8e0a11", "account": "a",
            "interconnect": "missing", "p2p_ip": "100.64.0.0/31", "cust_ip": "100.64.0.1/31",
            "magic": {"conduit_name": "c", "description": "d", "mtu": 1500}}}"#;
        let error = parse(&with_account(&format!(
            r#"{{"last_seq": 1, "next_name": 0, "cnis": [{cni}]}}"#
        )))
        .unwrap_err()
        .to_string();
        assert!(error.contains("which is not there"), "{error}");
        let error = parse(&with_account(r#"{"last_seq": 0, "next_name": 0}"#));
        assert!(error.is_ok());
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
