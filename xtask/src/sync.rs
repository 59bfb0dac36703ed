//! `cargo xtask sync PATH`: the maintainer's whole job when Cloudflare publishes a document, in
//! one command: import it through the overlay, show the diff with each crate's bump, generate,
//! run the fast test command, and print the release plan and a commit message. It stops at the
//! first step that fails and names it; what a failed import or generation would have written
//! is not written (both write atomically).

use std::path::PathBuf;
use std::process::Command;

use crate::release::{changelog, plan};
use crate::workspace::Workspace;
use crate::{commands, record::ReleaseRecord};

/// What `sync` is asked to do.
pub struct SyncOptions {
    /// Cloudflare's document (`openapi.json`, `openapi.yaml`, or an extract).
    pub path: PathBuf,
    /// Its revision, when its file name does not say.
    pub revision: Option<String>,
    /// Skip the fast test command (a look at what a document would change; the scheduled
    /// workflow never skips it).
    pub skip_tests: bool,
    /// Take a removal of most operations, or of a whole group, as meant.
    pub accept_removals: bool,
}

/// A step that failed: its name and why.
#[derive(Debug, thiserror::Error)]
#[error("sync stopped at step `{step}`: {source}")]
pub struct SyncError {
    pub step: &'static str,
    #[source]
    pub source: crate::Error,
}

fn step<T>(name: &'static str, result: Result<T, crate::Error>) -> Result<T, SyncError> {
    result.map_err(|source| SyncError { step: name, source })
}

fn heading(n: usize, name: &str, what: &str) {
    println!("\n==> sync {n}/5 {name}: {what}");
}

/// Runs the steps in order (see the module docs).
pub fn sync(ws: &Workspace, options: &SyncOptions) -> Result<(), SyncError> {
    let spec = crate::workspace::Workspace::SPEC;
    heading(
        1,
        "import",
        "Cloudflare's document through spec/overlay.yaml",
    );
    let imported = step(
        "import",
        commands::import(
            ws,
            &commands::ImportRequest {
                path: Some(options.path.clone()),
                revision: options.revision.clone(),
                accept_removals: options.accept_removals,
                ..commands::ImportRequest::default()
            },
        ),
    )?;
    if imported.code != std::process::ExitCode::SUCCESS {
        return Err(SyncError {
            step: "import",
            source: crate::Error::Refused("spec/ differs from what the import produces".into()),
        });
    }
    if !imported.changed {
        // Cloudflare republished its document with the CNI section as it was: nothing to
        // generate, test or release, and nothing for a pull request.
        println!(
            "\nunchanged: nothing to do (revision {} stays the spec's label)",
            imported.revision
        );
        return Ok(());
    }

    heading(
        2,
        "diff",
        "what changed since the last commit, and each crate's bump",
    );
    step(
        "diff",
        commands::diff(
            ws,
            &format!("git:HEAD:{spec}"),
            &ws.root.join(spec).display().to_string(),
            false,
        ),
    )?;

    let changes = step("diff", head_diff(ws))?;

    heading(3, "generate", "generated/ from the imported spec");
    let code = step(
        "generate",
        commands::generate(ws, false, false, None, None).map_err(crate::Error::from),
    )?;
    if code != std::process::ExitCode::SUCCESS {
        return Err(SyncError {
            step: "generate",
            source: crate::Error::Refused("generated/ differs from what the spec renders".into()),
        });
    }

    heading(4, "test", "the fast test command, ./scripts/test");
    if options.skip_tests {
        println!("skipped (--skip-tests)");
    } else {
        let status = step(
            "test",
            Command::new("bash")
                .arg("scripts/test")
                .current_dir(&ws.root)
                .status()
                .map_err(crate::Error::start("scripts/test")),
        )?;
        if !status.success() {
            return Err(SyncError {
                step: "test",
                source: crate::Error::Failed {
                    command: "./scripts/test".into(),
                    outcome: status.to_string(),
                },
            });
        }
    }

    heading(
        5,
        "plan",
        "the release this would make, and a commit message",
    );
    let crates = step("plan", ws.published().map_err(crate::Error::from))?;
    let record = step(
        "plan",
        ReleaseRecord::read(&ws.root).map_err(crate::Error::from),
    )?;
    match plan::plan(&ws.root, &crates) {
        Ok(plan) => {
            println!("{}", changelog::section(&plan));
            println!(
                "(a bump marked \"cargo-semver-checks decides\" is settled by `cargo xtask release`)"
            );
            println!(
                "\ncommit message:\n\n{}",
                commit_message(
                    &changes,
                    &plan.info_version,
                    &options.path,
                    &imported.skipped
                )
            );
        }
        Err(crate::release::ReleaseError::NothingToRelease(_)) => println!(
            "nothing to release: the spec is as {} left it",
            record.tag.as_deref().unwrap_or("the last release")
        ),
        Err(e) => return step("plan", Err(e.into())),
    }
    println!(
        "\nNext: review the diff, commit, then `cargo xtask release`, then `cargo xtask release --publish`."
    );
    Ok(())
}

/// What the import changed since the last commit.
fn head_diff(ws: &Workspace) -> Result<cloudflare_cni_codegen::diff::SpecDiff, crate::Error> {
    use crate::workspace::{earlier_spec_value, read_spec_arg, spec_value};
    let spec = Workspace::SPEC;
    let (old_display, old_text) = read_spec_arg(&ws.root, &format!("git:HEAD:{spec}"))?;
    let new_text = std::fs::read_to_string(ws.root.join(spec))
        .map_err(crate::Error::io("read", ws.root.join(spec)))?;
    Ok(cloudflare_cni_codegen::diff::diff(
        &earlier_spec_value(&old_display, old_text)?,
        &spec_value(spec, new_text)?,
    ))
}

/// The commit message for the imported document: its revision and what it changed.
fn commit_message(
    changes: &cloudflare_cni_codegen::diff::SpecDiff,
    revision: &str,
    path: &std::path::Path,
    skipped: &[String],
) -> String {
    use cloudflare_cni_codegen::diff::Class;
    let count = |class| changes.of(class).count();
    let mut message = format!(
        "Import Cloudflare's document, revision {revision}: {} breaking, {} additive, {} deprecation, {} documentation changes\n\nFrom {}.\n",
        count(Class::Breaking),
        count(Class::Additive),
        count(Class::Deprecation),
        count(Class::Documentation),
        path.display()
    );
    for change in changes.changes.iter().take(40) {
        message.push_str(&format!(
            "- {}: {}\n",
            change.class.as_str(),
            change.message
        ));
    }
    if !skipped.is_empty() {
        message.push_str("\nOverlay descriptions of what Cloudflare removed, skipped:\n");
        for line in skipped {
            message.push_str(&format!("- {line}\n"));
        }
    }
    message
}
