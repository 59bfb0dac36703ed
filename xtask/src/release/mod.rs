//! `cargo xtask release`: version, changelog, check, package, commit and tag the published
//! crates after a change, by steps, each its own module:
//!
//! - [`plan`]: each crate's next version from what changed since the last release;
//! - [`apply`]: the plan written into a checkout (record, versions, generated crates,
//!   CHANGELOG, lock file);
//! - [`semver`]: cargo-semver-checks settles what the diff cannot see and refuses a weaker bump;
//! - [`package`]: `cargo package` of every published crate, verified;
//! - [`changelog`]: the CHANGELOG section, rendered once.
//!
//! The release is first made in a scratch worktree (checked and packaged there, so packaging
//! sees the new versions); only then, and not for a dry run, is it made in the checkout.

pub mod apply;
pub mod changelog;
pub mod package;
pub mod plan;
pub mod semver;

use std::path::{Path, PathBuf};

pub use plan::{next_tag, next_version, spec_metadata, CrateRelease, ReleasePlan};

use crate::git::{git, GitError};
use crate::record::RecordError;
use crate::workspace::Workspace;

/// Why a release plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the spec of the last release ({reference}) does not load: {message}")]
    OldSpec { reference: String, message: String },
    #[error("{0}")]
    Spec(String),
    #[error("nothing to release: the spec has not changed since {0}")]
    NothingToRelease(String),
}

/// Runs a command in `root`, its output shown as it comes.
pub(crate) fn run(root: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    println!("$ {program} {}", args.join(" "));
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Removes a scratch worktree, whatever ends the dry run.
struct ScratchWorktree {
    repo: PathBuf,
    path: PathBuf,
}

impl Drop for ScratchWorktree {
    fn drop(&mut self) {
        let _ = std::process::Command::new("git")
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .current_dir(&self.repo)
            .output();
    }
}

/// Refuses a checkout a release cannot start from: uncommitted changes, a stale `generated/`.
fn refuse_unclean(ws: &Workspace) -> Result<(), String> {
    let status = git(&ws.root, &["status", "--porcelain"]).map_err(|e| e.to_string())?;
    if !status.trim().is_empty() {
        return Err(format!(
            "the working tree is dirty; commit or stash first:\n{status}"
        ));
    }
    let drift = ws.check().map_err(|e| e.to_string())?;
    if !drift.is_empty() {
        return Err("generated/ is stale: run `cargo xtask generate` and commit first".to_string());
    }
    Ok(())
}

/// Makes the release in the scratch checkout at `scratch`: the plan applied, settled by
/// cargo-semver-checks where the diff cannot see the change (and made again with the settled
/// bumps), then checked by it. Returns the settled plan.
fn make_in_scratch(
    scratch: &Path,
    mut plan: ReleasePlan,
    crates: &[crate::workspace::PublishedCrate],
) -> Result<ReleasePlan, String> {
    let binary = match plan.previous_tag {
        Some(_) => Some(semver::binary()?),
        None => None,
    };
    apply::apply(scratch, &plan, crates)?;
    let provisional = plan.provisional().next().is_some();
    if let (Some(binary), true) = (&binary, provisional) {
        let found = semver::least_bumps(scratch, binary, &plan, crates)?;
        plan.settle(&found, crates);
        semver::explain_proc_macros(scratch, &mut plan, crates);
        println!(
            "\nsettled by cargo-semver-checks; CHANGELOG.md gains:\n\n{}",
            changelog::section(&plan)
        );
        run(scratch, "git", &["checkout", "-q", "--", "."])?;
        run(scratch, "git", &["clean", "-fdq"])?;
        apply::apply(scratch, &plan, crates)?;
    }
    if let Some(binary) = &binary {
        semver::check(scratch, binary, &plan, crates)?;
    }
    Ok(plan)
}

/// Commits the release made in the checkout and tags it.
fn commit_and_tag(root: &Path, tag: &str) -> Result<(), String> {
    let message = format!("Release {tag}");
    run(root, "git", &["add", "-A"])?;
    run(root, "git", &["commit", "-q", "-m", &message])?;
    run(root, "git", &["tag", "-a", tag, "-m", &message])
}

/// The whole release (see the module docs); `dry_run` writes, commits and tags nothing here.
pub fn release(ws: &Workspace, dry_run: bool) -> Result<(), String> {
    let root = ws.root.clone();
    refuse_unclean(ws)?;
    let crates = ws.published().map_err(|e| e.to_string())?;
    let plan = plan::plan(&root, &crates).map_err(|e| e.to_string())?;
    match &plan.previous_tag {
        Some(previous) => println!("release: {previous} -> {}", plan.tag),
        None => println!("release: first release, {}", plan.tag),
    }
    print!("{}", plan.diff.render());
    println!("\nCHANGELOG.md gains:\n\n{}", changelog::section(&plan));
    let scratch = tempfile::Builder::new()
        .prefix("cni-release-")
        .tempdir()
        .map_err(|e| format!("cannot create a scratch folder: {e}"))?;
    let worktree = ScratchWorktree {
        repo: root.clone(),
        path: scratch.path().join("checkout"),
    };
    let path = worktree.path.display().to_string();
    run(&root, "git", &["worktree", "add", "--detach", "-q", &path])?;
    let plan = make_in_scratch(&worktree.path, plan, &crates)?;
    let released: Vec<String> = plan.released().map(|c| c.name.clone()).collect();
    package::verify(&worktree.path, &crates, &released)?;
    drop(worktree);
    if dry_run {
        println!("dry run: nothing was written, committed or tagged here");
        return Ok(());
    }
    apply::apply(&root, &plan, &crates)?;
    commit_and_tag(&root, &plan.tag)?;
    println!("\nreleased {}. To publish, in this order:", plan.tag);
    for p in &released {
        println!("  cargo publish -p {p}");
    }
    Ok(())
}
