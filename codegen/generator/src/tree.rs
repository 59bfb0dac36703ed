//! The generated tree, held in memory, and the only code that writes it to disk.
//!
//! `write` touches only files whose bytes change, replaces each through a temporary file and a
//! rename (so a reader never sees half a file), and removes files the tree no longer holds.
//! `check` compares without writing. Both walk the same rendered tree, so they cannot disagree.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Relative path (with `/`) to file contents, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeneratedTree {
    files: BTreeMap<String, String>,
}

/// How one file on disk differs from the rendered tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    /// On disk with other contents.
    Changed { path: String, diff: String },
    /// Rendered, not on disk.
    Missing { path: String },
    /// On disk, no longer rendered.
    Extra { path: String },
}

impl Drift {
    pub fn path(&self) -> &str {
        match self {
            Drift::Changed { path, .. } | Drift::Missing { path } | Drift::Extra { path } => path,
        }
    }
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Changed { path, .. } => write!(f, "changed: {path}"),
            Drift::Missing { path } => write!(f, "missing: {path}"),
            Drift::Extra { path } => write!(f, "extra:   {path}"),
        }
    }
}

/// An I/O failure, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct TreeIoError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> TreeIoError {
    let path = path.to_path_buf();
    move |source| TreeIoError {
        action,
        path,
        source,
    }
}

/// What `write` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
}

impl GeneratedTree {
    pub fn insert(&mut self, path: impl Into<String>, contents: impl Into<String>) {
        self.files.insert(path.into(), contents.into());
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c.as_str()))
    }

    /// Compares the tree with `root` on disk, writing nothing. Sorted by path.
    pub fn check(&self, root: &Path) -> Result<Vec<Drift>, TreeIoError> {
        self.check_under(root, true, true)
    }

    /// Like [`check`](Self::check) for the tree's own files only: files under `root` that the
    /// tree does not hold are not reported (for trees of a few files in a shared folder).
    pub fn check_listed(&self, root: &Path) -> Result<Vec<Drift>, TreeIoError> {
        self.check_under(root, false, true)
    }

    /// `diffs`: whether a changed file's drift carries its unified diff. A write needs none,
    /// and the diff of a large change costs far more than the write (the whole document's
    /// crates in place of the CNI ones: minutes of Myers' algorithm for nothing).
    fn check_under(
        &self,
        root: &Path,
        extras: bool,
        diffs: bool,
    ) -> Result<Vec<Drift>, TreeIoError> {
        let on_disk = if extras {
            list_files(root)?
        } else {
            BTreeSet::new()
        };
        let mut drift = Vec::new();
        for (path, contents) in &self.files {
            let full = root.join(path);
            match fs::read(&full) {
                Ok(bytes) if bytes == contents.as_bytes() => {}
                Ok(bytes) => drift.push(Drift::Changed {
                    path: path.clone(),
                    diff: if diffs {
                        unified_diff(path, &String::from_utf8_lossy(&bytes), contents)
                    } else {
                        String::new()
                    },
                }),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    drift.push(Drift::Missing { path: path.clone() })
                }
                Err(e) => return Err(io_error("reading", &full)(e)),
            }
        }
        for path in on_disk.difference(&self.files.keys().cloned().collect()) {
            drift.push(Drift::Extra { path: path.clone() });
        }
        drift.sort_by(|a, b| a.path().cmp(b.path()));
        Ok(drift)
    }

    /// Makes `root` hold exactly this tree: changed files replaced atomically, stale ones removed.
    pub fn write(&self, root: &Path) -> Result<WriteSummary, TreeIoError> {
        self.write_under(root, true)
    }

    /// Writes the tree's changed files atomically and leaves every other file alone.
    pub fn write_listed(&self, root: &Path) -> Result<WriteSummary, TreeIoError> {
        self.write_under(root, false)
    }

    fn write_under(&self, root: &Path, extras: bool) -> Result<WriteSummary, TreeIoError> {
        let mut summary = WriteSummary::default();
        for drift in self.check_under(root, extras, false)? {
            match drift {
                Drift::Changed { path, .. } | Drift::Missing { path } => {
                    write_atomically(&root.join(&path), self.files[&path].as_bytes())?;
                    summary.written.push(path);
                }
                Drift::Extra { path } => {
                    let full = root.join(&path);
                    fs::remove_file(&full).map_err(io_error("removing", &full))?;
                    remove_empty_parents(root, &full);
                    summary.removed.push(path);
                }
            }
        }
        summary.unchanged = self.files.len() - summary.written.len();
        Ok(summary)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TreeIoError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error("creating", dir))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error("writing", path))
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Every file below `root`, as relative `/`-separated paths; an absent root is empty.
fn list_files(root: &Path) -> Result<BTreeSet<String>, TreeIoError> {
    let mut out = BTreeSet::new();
    if !root.exists() {
        return Ok(out);
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).map_err(io_error("listing", &dir))? {
            let entry = entry.map_err(io_error("listing", &dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io_error("inspecting", &path))?;
            if kind.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(parts.join("/"));
            }
        }
    }
    Ok(out)
}

/// A unified diff from what is on disk to what would be written.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> GeneratedTree {
        let mut t = GeneratedTree::default();
        for (p, c) in files {
            t.insert(*p, *c);
        }
        t
    }

    #[test]
    fn write_then_check_is_clean() {
        let dir = tempfile::tempdir().unwrap();
        let t = tree(&[("a/x.rs", "x\n"), ("b.toml", "b\n")]);
        let summary = t.write(dir.path()).unwrap();
        assert_eq!(summary.written, vec!["a/x.rs", "b.toml"]);
        assert!(t.check(dir.path()).unwrap().is_empty());
        // A second write changes nothing.
        let again = t.write(dir.path()).unwrap();
        assert!(again.written.is_empty());
        assert_eq!(again.unchanged, 2);
    }

    #[test]
    fn check_reports_changed_missing_and_extra() {
        let dir = tempfile::tempdir().unwrap();
        tree(&[("a/x.rs", "old\n"), ("stale/y.rs", "y\n")])
            .write(dir.path())
            .unwrap();
        let t = tree(&[("a/x.rs", "new\n"), ("c.md", "c\n")]);
        let drift = t.check(dir.path()).unwrap();
        let names: Vec<String> = drift.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            names,
            vec!["changed: a/x.rs", "missing: c.md", "extra:   stale/y.rs"]
        );
        let Drift::Changed { diff, .. } = &drift[0] else {
            panic!()
        };
        assert!(diff.contains("-old") && diff.contains("+new"), "{diff}");
        // Writing removes the stale file and its now-empty folder.
        t.write(dir.path()).unwrap();
        assert!(!dir.path().join("stale").exists());
        assert!(t.check(dir.path()).unwrap().is_empty());
    }
}
