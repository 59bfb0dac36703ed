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

    /// Writes the document to `path` atomically: a temporary file of its own beside the
    /// target, synced, then renamed over it, so a crash leaves the old file or the new one,
    /// never half of one. A `path` that is a symlink keeps being one: its target is replaced.
    ///
    /// One save runs at a time in a process (concurrent saves used to share one temporary
    /// name and interleave), and each temporary file is created exclusively, so a file or
    /// symlink planted at its name is never written through.
    pub fn write(&self, path: &Path) -> Result<(), StateError> {
        let write_error = |source| StateError::Write {
            path: path.to_path_buf(),
            source,
        };
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| write_error(std::io::Error::other(e)))?;
        let _one_at_a_time = SAVING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let target = resolve(path).map_err(write_error)?;
        let dir = directory_of(&target);
        let (temporary, mut file) = create_temporary(&target).map_err(write_error)?;
        let result = (|| {
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temporary, &target)?;
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

    /// Makes sure a state can be written to `path` before the emulator starts serving, so a
    /// save never fails only at shutdown: the target (a symlink's target) is a regular file or
    /// absent, its folder exists and takes a new file. Temporary files an earlier run left
    /// behind (killed during a save) are removed.
    pub fn prepare(path: &Path) -> Result<(), StateError> {
        let write_error = |source| StateError::Write {
            path: path.to_path_buf(),
            source,
        };
        let target = resolve(path).map_err(write_error)?;
        match std::fs::metadata(&target) {
            Ok(metadata) if !metadata.is_file() => {
                return Err(write_error(std::io::Error::other(format!(
                    "{} is not a regular file",
                    target.display()
                ))))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(write_error(e)),
        }
        remove_leftovers(&target);
        let (probe, file) = create_temporary(&target).map_err(write_error)?;
        drop(file);
        std::fs::remove_file(&probe).map_err(write_error)
    }
}

/// Saves in this process, one at a time.
static SAVING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What a state path names: itself, or the file its symlinks lead to (relative links are read
/// from the link's own folder). A dangling link names where its target would be.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // A loop of links is refused as the system refuses one (40 hops, as Linux allows).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = directory_of(&current).join(link);
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "{} is a loop of symbolic links",
        path.display()
    )))
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The prefix of every temporary file of `target`'s saves: `.NAME.` (then pid, a random
/// number and `.tmp`).
fn temporary_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_string());
    format!(".{name}.")
}

/// A new temporary file beside `target`, created exclusively (`O_EXCL`: nothing at that name,
/// not even a symlink, is opened).
fn create_temporary(target: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let dir = directory_of(target);
    let prefix = temporary_prefix(target);
    loop {
        let candidate = dir.join(format!(
            "{prefix}{}.{}.tmp",
            std::process::id(),
            fastrand::u64(..)
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary files of `target`'s saves that a killed run left behind: regular
/// files and symlinks named `.NAME.PID.RANDOM.tmp` whose PID is not a running process (a
/// symlink is removed, never followed).
fn remove_leftovers(target: &Path) {
    let dir = directory_of(target);
    let prefix = temporary_prefix(target);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if running(pid) {
            continue;
        }
        if entry
            .file_type()
            .is_ok_and(|t| t.is_file() || t.is_symlink())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether `pid` is a running process (this one included); where that cannot be told, every
/// process is taken as running, so nothing another emulator is writing is removed.
fn running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
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

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The probe's findings: 4 concurrent saves answered 500 eleven times in 168, and a save,
    /// a reset and a save left a document followed by NUL bytes (they shared one temporary
    /// file). Saves from many threads now all succeed and leave one whole document.
    #[test]
    fn concurrent_saves_each_write_a_whole_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let small = parse(EMPTY).unwrap();
        let mut large = small.clone();
        for n in 0..2000 {
            large
                .accounts
                .insert(format!("account-{n}"), AccountState::default());
        }
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let (path, state) = (&path, if thread % 2 == 0 { &small } else { &large });
                scope.spawn(move || {
                    for _ in 0..10 {
                        state.write(path).unwrap();
                    }
                });
            }
        });
        let written = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(written == small || written == large);
        assert_eq!(names_in(dir.path()), ["state.json"], "no temporary left");
    }

    /// A `--state` that is a symlink stays one (its target gets the state), and a symlink
    /// planted at the name the temporary file used to have is never written through.
    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_to_the_target_and_planted_ones_are_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let target = real.join("state.json");
        let link = dir.path().join("state.json");
        std::os::unix::fs::symlink("real/state.json", &link).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep me").unwrap();
        let planted = real.join(format!(".state.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let state = parse(EMPTY).unwrap();
        state.write(&link).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            parse(&std::fs::read_to_string(&target).unwrap()).unwrap(),
            state
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }

    /// `--state` is checked before the emulator serves: a missing folder or a target that is
    /// not a regular file is refused by name (a save used to fail only at shutdown, losing the
    /// state); temporary files a killed save left are removed, a running process's kept.
    #[test]
    fn prepare_refuses_what_cannot_be_saved_and_removes_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/state.json");
        let error = StateFile::prepare(&missing).unwrap_err().to_string();
        assert!(
            error.contains("cannot write the state file") && error.contains("no/such/dir"),
            "{error}"
        );
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        let error = StateFile::prepare(&folder).unwrap_err().to_string();
        assert!(error.contains("is not a regular file"), "{error}");
        let path = dir.path().join("state.json");
        // PIDs above Linux's largest (4194304) never run.
        let dead = dir.path().join(".state.json.999999999.42.tmp");
        let alive = dir
            .path()
            .join(format!(".state.json.{}.7.tmp", std::process::id()));
        let other = dir.path().join(".other.json.999999999.42.tmp");
        for leftover in [&dead, &alive, &other] {
            std::fs::write(leftover, vec![0u8; 1024]).unwrap();
        }
        StateFile::prepare(&path).unwrap();
        assert!(!dead.exists(), "a killed save's temporary is removed");
        assert!(
            alive.exists() && other.exists(),
            "{:?}",
            names_in(dir.path())
        );
        assert!(!path.exists(), "preparing writes no state");
    }
}
