//! `cargo xtask release`: version, changelog, check, package, commit and tag the published
//! crates after a change, by steps, each its own module:
//!
//! - [`plan`]: each crate's next version from what changed since the last release;
//! - [`apply`]: the plan written into a checkout (record, versions, generated crates,
//!   CHANGELOG, lock file);
//! - [`semver`]: cargo-semver-checks settles what the diff cannot see and refuses a weaker bump;
//! - [`package`]: `cargo package` of every published crate, verified;
//! - [`changelog`]: the CHANGELOG section, rendered once;
//! - [`publish`]: each crate to a registry, in order, skipping what it has.
//!
//! The release is first made in a scratch worktree (checked and packaged there, so packaging
//! sees the new versions); only then, and not for a dry run, is it made in the checkout and
//! committed. The tag is made once every crate is published (`--publish`): a release committed
//! but not tagged is published by the next `--publish` run, which resumes where the last one
//! stopped.

pub mod apply;
pub mod changelog;
pub mod package;
pub mod plan;
pub mod publish;
pub mod semver;

use std::path::{Path, PathBuf};

pub use plan::{next_tag, next_version, spec_metadata, CrateRelease, ReleasePlan};
pub use publish::Registry;

use crate::git::{git, GitError, ScratchWorktree};
use crate::record::{self, RecordError, ReleaseRecord};
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
pub(crate) fn run(root: &Path, program: &str, args: &[&str]) -> Result<(), crate::Error> {
    println!("$ {program} {}", args.join(" "));
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(crate::Error::start(program))?;
    if status.success() {
        Ok(())
    } else {
        Err(crate::Error::Failed {
            command: format!("{program} {}", args.join(" ")),
            outcome: status.to_string(),
        })
    }
}

/// Refuses a checkout a release cannot start from: uncommitted changes, a stale `generated/`.
fn refuse_unclean(ws: &Workspace) -> Result<(), crate::Error> {
    let status = git(&ws.root, &["status", "--porcelain"])?;
    if !status.trim().is_empty() {
        return Err(crate::Error::Refused(format!(
            "the working tree is dirty; commit or stash first:\n{status}"
        )));
    }
    let drift = ws.check()?;
    if !drift.is_empty() {
        return Err(crate::Error::Refused(
            "generated/ is stale: run `cargo xtask generate` and commit first".to_string(),
        ));
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
) -> Result<ReleasePlan, crate::Error> {
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

/// Commits the release made in the checkout.
fn commit(root: &Path, tag: &str) -> Result<(), crate::Error> {
    let message = format!("Release {tag}");
    run(root, "git", &["add", "-A"])?;
    run(root, "git", &["commit", "-q", "-m", &message])
}

/// Tags the release commit, once every crate is published.
fn tag(root: &Path, tag: &str) -> Result<(), crate::Error> {
    run(
        root,
        "git",
        &["tag", "-a", tag, "-m", &format!("Release {tag}")],
    )
}

/// The release `spec/release.toml` records, when it is committed (`HEAD` is its commit) but
/// not tagged: a `--publish` run that was cut short, or a release made without `--publish`.
fn unpublished_release(
    root: &Path,
    record: &ReleaseRecord,
) -> Result<Option<String>, crate::Error> {
    let Some(tag) = &record.tag else {
        return Ok(None);
    };
    if publish::tag_exists(root, tag) {
        return Ok(None);
    }
    let head = git(root, &["rev-parse", "HEAD"])?;
    let commit = record::release_commit(root, tag)?;
    Ok((head.trim() == commit).then(|| tag.clone()))
}

/// Publishes the recorded release to `registry` and tags it; `dry_run` only shows the steps.
fn publish_recorded(
    root: &Path,
    record: &ReleaseRecord,
    crates: &[crate::workspace::PublishedCrate],
    registry: &Registry,
    dry_run: bool,
) -> Result<(), crate::Error> {
    let tag_name = record.tag.clone().unwrap_or_default();
    let steps = publish::steps(record, crates, registry)?;
    publish::print_steps(&steps, registry);
    if dry_run {
        println!("dry run: nothing was published or tagged");
        return Ok(());
    }
    // From a scratch copy of the release commit, whose manifests may be pointed at the registry.
    let worktree = ScratchWorktree::new(root, "cni-publish-")?;
    publish::point_dependencies_at(&worktree.path, crates, registry)?;
    publish::publish(&worktree.path, &steps, registry)?;
    drop(worktree);
    tag(root, &tag_name)?;
    println!(
        "
published {tag_name} to {} and tagged it",
        registry.label()
    );
    Ok(())
}

/// The whole release (see the module docs); `dry_run` writes, commits, publishes and tags
/// nothing. With `publish`, a release committed but not yet published is published (and
/// tagged) instead of planning a new one.
pub fn release(
    ws: &Workspace,
    dry_run: bool,
    publish: Option<&Registry>,
) -> Result<(), crate::Error> {
    let root = ws.root.clone();
    refuse_unclean(ws)?;
    let crates = ws.published()?;
    let record = ReleaseRecord::read(&root)?;
    if let Some(registry) = publish {
        if let Some(tag) = unpublished_release(&root, &record)? {
            println!("release: {tag} is committed and not tagged: publishing it");
            return publish_recorded(&root, &record, &crates, registry, dry_run);
        }
    }
    let plan = plan::plan(&root, &crates)?;
    if publish.is_some() && publish::tag_exists(&root, &plan.tag) {
        return Err(crate::Error::Refused(format!(
            "the tag {} exists already: this release was made; fetch the branch it is on, or delete the tag if it is a mistake",
            plan.tag
        )));
    }
    if let Some(registry) = publish {
        // Refuse an unreachable registry before anything is made.
        let first = crates
            .first()
            .ok_or_else(|| crate::Error::Refused("the workspace publishes no crate".into()))?;
        registry.has(&first.name, &record.version(&first.name)?)?;
    }
    match &plan.previous_tag {
        Some(previous) => println!("release: {previous} -> {}", plan.tag),
        None => println!("release: first release, {}", plan.tag),
    }
    print!("{}", plan.diff.render());
    println!("\nCHANGELOG.md gains:\n\n{}", changelog::section(&plan));
    let worktree = ScratchWorktree::new(&root, "cni-release-")?;
    let plan = make_in_scratch(&worktree.path, plan, &crates)?;
    let released: Vec<String> = plan.released().map(|c| c.name.clone()).collect();
    package::verify(&worktree.path, &crates, &released)?;
    drop(worktree);
    if dry_run {
        if let Some(registry) = publish {
            publish::print_steps(
                &publish::steps(&plan.record(), &crates, registry)?,
                registry,
            );
        }
        println!("dry run: nothing was written, committed, published or tagged here");
        return Ok(());
    }
    apply::apply(&root, &plan, &crates)?;
    commit(&root, &plan.tag)?;
    match publish {
        Some(registry) => publish_recorded(&root, &plan.record(), &crates, registry, false),
        None => {
            println!(
                "\nreleased {} (committed). Publish it, in order, and tag it when all is there:\n  cargo xtask release --publish [--registry NAME]",
                plan.tag
            );
            Ok(())
        }
    }
}
