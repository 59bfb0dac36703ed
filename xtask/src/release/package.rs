//! `cargo package` of the released crates, verified against each other.

use std::path::Path;

use super::run;
use crate::workspace::PublishedCrate;

/// Packages every published crate of the checkout at `root` and verifies each builds from its
/// package. Verifying a released crate needs its workspace dependencies at their recorded
/// versions; an unchanged one is taken from the local overlay too (it is published already, or
/// will be by its own release), but it is not part of this release and is not published again.
pub fn verify(
    root: &Path,
    crates: &[PublishedCrate],
    released: &[String],
) -> Result<(), crate::Error> {
    let all: Vec<String> = crates.iter().map(|c| c.name.clone()).collect();
    let unchanged: Vec<&str> = all
        .iter()
        .filter(|n| !released.contains(n))
        .map(String::as_str)
        .collect();
    if !unchanged.is_empty() {
        println!(
            "packaged for verification only (unchanged, not published again): {}",
            unchanged.join(", ")
        );
    }
    package(root, &all, true)
}

/// `cargo package` for every published crate, in dependency order, verifying that each builds
/// from its packaged sources (unpublished workspace dependencies come from a local overlay).
pub fn package(root: &Path, crates: &[String], allow_dirty: bool) -> Result<(), crate::Error> {
    forget_earlier_packaging(root, crates)?;
    let mut args = vec!["package", "--locked"];
    if allow_dirty {
        args.push("--allow-dirty");
    }
    for p in crates {
        args.extend(["-p", p]);
    }
    run(root, "cargo", &args)
}

/// Forgets what an earlier packaging left of `crates`: Cargo's unpacked copies in CARGO_HOME,
/// and the packages in `target/package` with their builds. Cargo takes a crate from a registry
/// (here the local one packaging verifies against) as never changing, so a copy or build of the
/// same name and version from an earlier run (a release retried after a failure makes the same
/// versions) would be used instead of the new package's sources.
pub fn forget_earlier_packaging(root: &Path, crates: &[String]) -> Result<(), crate::Error> {
    drop_unpacked_copies(crates);
    let _ = std::fs::remove_dir_all(crate::workspace::target_directory(root)?.join("package"));
    let mut args = vec!["clean", "--quiet"];
    for p in crates {
        args.extend(["-p", p]);
    }
    run(root, "cargo", &args)
}

/// Forgets Cargo's unpacked copies of `crates` in CARGO_HOME. `cargo package` verifies each
/// package against the others through a local registry whose sources it unpacks once per name
/// and version and then reuses: a crate packaged again at a version already unpacked would be
/// verified against the stale copy.
fn drop_unpacked_copies(crates: &[String]) {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")));
    let Some(sources) = cargo_home.map(|h| h.join("registry/src")) else {
        return;
    };
    for registry in std::fs::read_dir(&sources).into_iter().flatten().flatten() {
        for entry in std::fs::read_dir(registry.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let ours = crates.iter().any(|name| {
                file_name.strip_prefix(name.as_str()).is_some_and(|rest| {
                    rest.starts_with('-') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
                })
            });
            if ours {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}
