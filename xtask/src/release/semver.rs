//! cargo-semver-checks on the release: the least bump each provisional crate's API needs, and
//! the check that every released crate's bump allows every change the tool finds.

use std::path::{Path, PathBuf};

use cloudflare_cni_codegen::diff;

use super::plan::ReleasePlan;
use crate::record::release_commit;
use crate::workspace::PublishedCrate;

/// cargo-semver-checks at the pinned version, installed once per machine.
pub fn binary() -> Result<PathBuf, crate::Error> {
    crate::tools::Tools::machine()
        .and_then(|tools| tools.semver_checks())
        .map_err(crate::Error::from)
}

/// Whether the crate is a proc-macro crate, which cargo-semver-checks cannot check (rustdoc
/// JSON has no API for it).
fn is_proc_macro(root: &Path, krate: &PublishedCrate) -> bool {
    std::fs::read_to_string(root.join(&krate.dir).join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| t.get("lib")?.get("proc-macro")?.as_bool())
        .unwrap_or(false)
}

/// For each provisional crate, the least release type cargo-semver-checks accepts; a
/// proc-macro crate, which the tool cannot check, is taken as major.
pub fn least_bumps(
    root: &Path,
    binary: &Path,
    plan: &ReleasePlan,
    crates: &[PublishedCrate],
) -> Result<Vec<(String, diff::Bump)>, crate::Error> {
    let Some(tag) = &plan.previous_tag else {
        return Ok(Vec::new());
    };
    let baseline = release_commit(root, tag)?;
    let mut found = Vec::new();
    for provisional in plan.provisional() {
        let Some(krate) = crates.iter().find(|c| c.name == provisional.name) else {
            continue;
        };
        if is_proc_macro(root, krate) {
            println!(
                "  {}: major (cargo-semver-checks does not check proc-macro crates)",
                krate.name
            );
            found.push((krate.name.clone(), diff::Bump::Major));
            continue;
        }
        let mut least = diff::Bump::Major;
        for (release_type, bump) in [("patch", diff::Bump::Patch), ("minor", diff::Bump::Minor)] {
            println!(
                "$ cargo semver-checks check-release -p {} --baseline-rev {tag} --release-type {release_type}",
                krate.name
            );
            let status = std::process::Command::new(binary)
                .args([
                    "semver-checks",
                    "check-release",
                    "--baseline-rev",
                    &baseline,
                    "--release-type",
                    release_type,
                    "--manifest-path",
                ])
                .arg(root.join(&krate.dir).join("Cargo.toml"))
                .current_dir(root)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .map_err(crate::Error::start("cargo-semver-checks"))?;
            if status.success() {
                least = bump;
                break;
            }
        }
        println!("  {}: {}", krate.name, least.as_str());
        found.push((krate.name.clone(), least));
    }
    Ok(found)
}

/// Runs cargo-semver-checks on every released crate of the checkout at `root` (its new
/// version already written) against the last release's tag: the version each crate moves to
/// must allow every change the tool finds. A weaker bump is refused, naming the lints and the
/// items.
pub fn check(
    root: &Path,
    binary: &Path,
    plan: &ReleasePlan,
    crates: &[PublishedCrate],
) -> Result<(), crate::Error> {
    let Some(tag) = &plan.previous_tag else {
        return Ok(()); // a first release has nothing to compare with
    };
    let baseline = release_commit(root, tag)?;
    let mut refused = Vec::new();
    for released in plan.released() {
        let Some(krate) = crates.iter().find(|c| c.name == released.name) else {
            continue;
        };
        if released.first_release {
            println!(
                "  {}: not checked (its first release: no published API to compare with)",
                krate.name
            );
            continue;
        }
        if is_proc_macro(root, krate) {
            println!(
                "  {}: not checked (a proc-macro crate; its bump was taken as major)",
                krate.name
            );
            continue;
        }
        println!(
            "$ cargo semver-checks check-release -p {} --baseline-rev {tag}",
            krate.name
        );
        let output = std::process::Command::new(binary)
            .args([
                "semver-checks",
                "check-release",
                "--baseline-rev",
                &baseline,
                "--manifest-path",
            ])
            .arg(root.join(&krate.dir).join("Cargo.toml"))
            .current_dir(root)
            .output()
            .map_err(crate::Error::start("cargo-semver-checks"))?;
        if !output.status.success() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let findings: Vec<&str> = text
                .lines()
                .filter(|l| {
                    l.starts_with("--- failure") || l.starts_with("  ") || l.contains("Summary")
                })
                .collect();
            refused.push(format!(
                "{} {} -> {} ({}): cargo-semver-checks finds more:\n{}",
                krate.name,
                released.current,
                released
                    .next
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                released.bump.map(|b| b.as_str()).unwrap_or("unchanged"),
                findings.join("\n")
            ));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(crate::Error::Refused(format!(
            "the rule table's bump is weaker than cargo-semver-checks finds; not releasing:\n{}",
            refused.join("\n\n")
        )))
    }
}

/// A proc-macro crate whose sources changed is released as major: says so in its reason.
pub fn explain_proc_macros(root: &Path, plan: &mut ReleasePlan, crates: &[PublishedCrate]) {
    for krate in plan.crates.iter_mut() {
        let proc_macro = crates
            .iter()
            .any(|c| c.name == krate.name && is_proc_macro(root, c));
        if proc_macro && krate.bump.is_some() {
            krate.reason = "its sources changed; cargo-semver-checks cannot check a proc-macro \
                            crate, so major"
                .to_string();
        }
    }
}
