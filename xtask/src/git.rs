//! git, as the workflow runs it: in a checkout, stdout back, stderr in the error.

use std::path::Path;
use std::process::Command;

/// A git command that could not run or failed.
#[derive(Debug, thiserror::Error)]
#[error("git {args}: {message}")]
pub struct GitError {
    pub args: String,
    pub message: String,
}

/// Runs git in `root`, returning stdout.
pub fn git(root: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| GitError {
            args: args.join(" "),
            message: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(GitError {
            args: args.join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether anything under `dir` changed since `rev`.
pub fn changed_since(root: &Path, rev: &str, dir: &str) -> Result<bool, GitError> {
    let status = Command::new("git")
        .args(["diff", "--quiet", rev, "--", dir])
        .current_dir(root)
        .status()
        .map_err(|e| GitError {
            args: format!("diff --quiet {rev} -- {dir}"),
            message: e.to_string(),
        })?;
    Ok(!status.success())
}

/// A scratch worktree of `HEAD` in a temporary folder, removed from git and then from disk
/// whatever ends the run (its `Drop` runs before its fields'; the folder goes last).
pub struct ScratchWorktree {
    repo: std::path::PathBuf,
    pub path: std::path::PathBuf,
    _folder: tempfile::TempDir,
}

impl ScratchWorktree {
    pub fn new(root: &Path, prefix: &str) -> Result<ScratchWorktree, crate::Error> {
        let folder = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map_err(|e| crate::Error::Io {
                action: "create",
                path: std::env::temp_dir(),
                source: e,
            })?;
        let worktree = ScratchWorktree {
            repo: root.to_path_buf(),
            path: folder.path().join("checkout"),
            _folder: folder,
        };
        let path = worktree.path.display().to_string();
        git(root, &["worktree", "add", "--detach", "-q", &path, "HEAD"])?;
        Ok(worktree)
    }
}

impl Drop for ScratchWorktree {
    fn drop(&mut self) {
        let _ = Command::new("git")
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .current_dir(&self.repo)
            .output();
    }
}
