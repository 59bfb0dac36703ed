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
