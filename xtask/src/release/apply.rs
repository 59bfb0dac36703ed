//! Writing a release into a checkout: the record, each released crate's version (in its own
//! manifest and in the workspace's requirement on it, both edited as TOML documents that keep
//! their comments and order), the generated crates, the CHANGELOG and the lock file.

use std::path::Path;

use semver::Version;
use toml_edit::{DocumentMut, Item};

use super::plan::ReleasePlan;
use super::{changelog, run};
use crate::record::ReleaseRecord;
use crate::workspace::{CrateKind, PublishedCrate, Workspace};

/// Sets a string value in place, keeping the whitespace and comments around it.
fn set_string(item: &mut Item, text: String) {
    match item.as_value_mut() {
        Some(value) => {
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(text);
            *value.decor_mut() = decor;
        }
        None => *item = toml_edit::value(text),
    }
}

/// A manifest read as a TOML document.
fn read_manifest(path: &Path) -> Result<DocumentMut, crate::Error> {
    std::fs::read_to_string(path)
        .map_err(crate::Error::io("read", &path))?
        .parse()
        .map_err(|e| crate::Error::Refused(format!("{} is not valid TOML: {e}", path.display())))
}

fn write_manifest(path: &Path, manifest: &DocumentMut) -> Result<(), crate::Error> {
    std::fs::write(path, manifest.to_string()).map_err(crate::Error::io("write", &path))
}

/// `manifest` (a crate's own Cargo.toml) with `[package] version = next`.
pub fn with_package_version(manifest: &str, next: &Version) -> Result<String, crate::Error> {
    let mut document: DocumentMut = manifest
        .parse()
        .map_err(|e| crate::Error::Refused(format!("not valid TOML: {e}")))?;
    let package = document
        .get_mut("package")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| crate::Error::invalid("the manifest", "it has no [package]"))?;
    match package.get_mut("version") {
        Some(version) if version.is_str() => {
            set_string(version, next.to_string());
            Ok(document.to_string())
        }
        _ => Err(crate::Error::Refused(
            "its [package] has no `version = \"…\"`".to_string(),
        )),
    }
}

/// `manifest` (the workspace's Cargo.toml) with the requirement on `name` in
/// `[workspace.dependencies]` set to `next`, without build metadata (Cargo ignores it in a
/// requirement, and warns). An entry with no version (a path only) is left alone.
pub fn with_workspace_requirement(
    manifest: &str,
    name: &str,
    next: &Version,
) -> Result<String, crate::Error> {
    let mut document: DocumentMut = manifest
        .parse()
        .map_err(|e| crate::Error::Refused(format!("not valid TOML: {e}")))?;
    let entry = document
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(|d| d.get_mut(name))
        .and_then(Item::as_table_like_mut);
    if let Some(entry) = entry {
        if let Some(version) = entry.get_mut("version") {
            set_string(
                version,
                format!("{}.{}.{}", next.major, next.minor, next.patch),
            );
        }
    }
    Ok(document.to_string())
}

/// Writes `next` as the version of a hand-written crate, in its own manifest and in the
/// workspace's requirement on it, the two places Cargo reads it from.
fn set_hand_written_version(
    root: &Path,
    krate: &PublishedCrate,
    next: &Version,
) -> Result<(), crate::Error> {
    let path = root.join(&krate.dir).join("Cargo.toml");
    let text = read_manifest(&path)?.to_string();
    let updated = with_package_version(&text, next)
        .map_err(|e| crate::Error::Refused(format!("{}: {e}", path.display())))?;
    std::fs::write(&path, updated).map_err(crate::Error::io("write", &path))?;
    set_workspace_requirement(root, krate, next)
}

/// Writes a crate's new version into the workspace's requirement on it (the generated crates'
/// own versions reach their manifests through the generator).
fn set_workspace_requirement(
    root: &Path,
    krate: &PublishedCrate,
    next: &Version,
) -> Result<(), crate::Error> {
    let path = root.join("Cargo.toml");
    let text = read_manifest(&path)?.to_string();
    let updated = with_workspace_requirement(&text, &krate.name, next)
        .map_err(|e| crate::Error::Refused(format!("{}: {e}", path.display())))?;
    if updated != text {
        let document: DocumentMut = updated
            .parse()
            .map_err(|e| crate::Error::Refused(format!("{e}")))?;
        write_manifest(&path, &document)?;
    }
    Ok(())
}

/// Writes a release's versions, generated crates and CHANGELOG into the checkout at `root`.
pub fn apply(
    root: &Path,
    plan: &ReleasePlan,
    crates: &[PublishedCrate],
) -> Result<(), crate::Error> {
    let record_path = root.join(ReleaseRecord::PATH);
    std::fs::write(&record_path, plan.record().render())
        .map_err(crate::Error::io("write", &record_path))?;
    for released in plan.released() {
        let Some(krate) = crates.iter().find(|c| c.name == released.name) else {
            continue;
        };
        match (krate.kind, &released.next) {
            (CrateKind::HandWritten, Some(next)) => set_hand_written_version(root, krate, next)?,
            (_, Some(next)) => set_workspace_requirement(root, krate, next)?,
            (_, None) => {}
        }
    }
    // The generated crates' versions reach their Cargo.toml files through the generator.
    Workspace {
        root: root.to_path_buf(),
    }
    .generate()?;
    let changelog_path = root.join("CHANGELOG.md");
    let existing = std::fs::read_to_string(&changelog_path).ok();
    std::fs::write(
        &changelog_path,
        changelog::prepend(existing.as_deref(), &changelog::section(plan)),
    )
    .map_err(crate::Error::io("write", &changelog_path))?;
    run(root, "cargo", &["update", "--workspace", "--offline"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crates_workspace_requirement_follows_its_release_and_keeps_the_rest() {
        let manifest = "[workspace.dependencies]\n# the server\nserver = { path = \"generated/server\", version = \"0.1.1\" }\ntypes = { path = \"generated/types\" }\n";
        let next = Version::parse("0.2.0+spec.2026.09.01").unwrap();
        let updated = with_workspace_requirement(manifest, "server", &next).unwrap();
        assert_eq!(
            updated,
            "[workspace.dependencies]\n# the server\nserver = { path = \"generated/server\", version = \"0.2.0\" }\ntypes = { path = \"generated/types\" }\n"
        );
        let runtime = "[workspace.dependencies]\nrt = { path = \"codegen/runtime/client\", version = \"0.1.0\", default-features = false }\n";
        assert_eq!(
            with_workspace_requirement(runtime, "rt", &Version::new(0, 2, 0)).unwrap(),
            "[workspace.dependencies]\nrt = { path = \"codegen/runtime/client\", version = \"0.2.0\", default-features = false }\n",
            "an entry with fields after its version"
        );
        assert_eq!(
            with_workspace_requirement(manifest, "types", &next).unwrap(),
            manifest,
            "a path-only entry stays"
        );
    }

    #[test]
    fn a_hand_written_crates_version_is_set_in_its_package_only() {
        let manifest = "[package]\nname = \"rt\"\nversion = \"0.1.0\" # released\n\n[dependencies]\nother = { version = \"0.1.0\" }\n";
        assert_eq!(
            with_package_version(manifest, &Version::new(0, 2, 0)).unwrap(),
            "[package]\nname = \"rt\"\nversion = \"0.2.0\" # released\n\n[dependencies]\nother = { version = \"0.1.0\" }\n"
        );
        assert!(
            with_package_version("[package]\nname = \"x\"\n", &Version::new(1, 0, 0))
                .unwrap_err()
                .to_string()
                .contains("no `version")
        );
    }
}
