//! Releases of the generated crates: the record of the last release (`spec/release.toml`), the
//! next version from the spec's changes since then, and the CHANGELOG section.
//!
//! Versions follow Cargo's semver rules. On 0.x, a breaking change bumps the minor version and
//! anything else the patch; from 1.0, breaking bumps the major, additive the minor and
//! documentation the patch. The spec's `info.version` rides along as build metadata
//! (`0.2.0+spec.2026.07.27`).

use std::path::{Path, PathBuf};
use std::process::Command;

use semver::{BuildMetadata, Prerelease, Version};
use serde::{Deserialize, Serialize};

use cloudflare_cni_codegen::diff::{self, Class, SpecDiff};
use cloudflare_cni_codegen::{load, SpecSource};

use crate::workspace::Workspace;

/// `spec/release.toml`: the version the generated crates carry, and the tag of the release
/// that produced it (absent before the first release).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

impl ReleaseRecord {
    pub const PATH: &'static str = "spec/release.toml";

    pub fn read(root: &Path) -> Result<ReleaseRecord, ReleaseError> {
        let path = root.join(Self::PATH);
        let text = std::fs::read_to_string(&path).map_err(|source| ReleaseError::Io {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ReleaseError::Record {
            path,
            message: e.to_string(),
        })
    }

    pub fn render(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("# The generated crates' version and the tag of the release that made it.\n# Written by `cargo xtask release`; the generator reads it.\n{body}")
    }

    pub fn version(&self) -> Result<Version, ReleaseError> {
        Version::parse(&self.version).map_err(|e| ReleaseError::Record {
            path: PathBuf::from(Self::PATH),
            message: format!("version {:?}: {e}", self.version),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid release record: {message}", path.display())]
    Record { path: PathBuf, message: String },
    #[error("git {args}: {message}")]
    Git { args: String, message: String },
    #[error("the spec of the last release ({reference}) does not load: {message}")]
    OldSpec { reference: String, message: String },
    #[error("{0}")]
    Spec(String),
    #[error("nothing to release: the spec has not changed since {0}")]
    NothingToRelease(String),
}

/// Runs git in `root`, returning stdout.
pub fn git(root: &Path, args: &[&str]) -> Result<String, ReleaseError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| ReleaseError::Git {
            args: args.join(" "),
            message: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(ReleaseError::Git {
            args: args.join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Reads a spec given as a path or as `git:REV:PATH`.
pub fn read_spec_arg(root: &Path, arg: &str) -> Result<(String, String), ReleaseError> {
    match arg.strip_prefix("git:") {
        Some(rest) => {
            let (rev, path) = rest
                .rsplit_once(':')
                .ok_or_else(|| ReleaseError::Spec(format!("{arg}: expected git:REV:PATH")))?;
            Ok((
                arg.to_string(),
                git(root, &["show", &format!("{rev}:{path}")])?,
            ))
        }
        None => {
            let path = PathBuf::from(arg);
            let text = std::fs::read_to_string(&path)
                .map_err(|source| ReleaseError::Io { path, source })?;
            Ok((arg.to_string(), text))
        }
    }
}

/// Loads and lints a spec's text into its JSON value.
pub fn spec_value(display: &str, text: String) -> Result<serde_json::Value, String> {
    load(&SpecSource {
        display_path: display.to_string(),
        text,
    })
    .map(|s| s.value().clone())
    .map_err(|e| e.to_string())
}

/// The version after `current` for changes of class `strongest`.
pub fn next_version(current: &Version, strongest: Class) -> Version {
    let mut next = Version::new(current.major, current.minor, current.patch);
    match (current.major, strongest) {
        (0, Class::Breaking) => {
            next.minor += 1;
            next.patch = 0;
        }
        (0, _) | (_, Class::Documentation) => next.patch += 1,
        (_, Class::Additive) => {
            next.minor += 1;
            next.patch = 0;
        }
        (_, Class::Breaking) => {
            next.major += 1;
            next.minor = 0;
            next.patch = 0;
        }
    }
    next.pre = Prerelease::EMPTY;
    next
}

/// `info.version` as semver build metadata: `spec.` and its characters, others turned to `-`.
pub fn spec_metadata(info_version: &str) -> BuildMetadata {
    let cleaned: String = info_version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('.').replace("..", ".");
    BuildMetadata::new(&format!(
        "spec.{}",
        if cleaned.is_empty() {
            "unknown"
        } else {
            &cleaned
        }
    ))
    .unwrap_or(BuildMetadata::EMPTY)
}

/// What a release would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasePlan {
    pub previous: Option<(Version, String)>,
    pub next: Version,
    pub diff: SpecDiff,
    pub changelog_section: String,
}

/// The CHANGELOG section for a release.
pub fn changelog_section(
    version: &Version,
    info_version: &str,
    previous: Option<&str>,
    diff: &SpecDiff,
) -> String {
    let mut out = format!("## {version}\n\nGenerated from spec version {info_version}");
    match previous {
        Some(tag) => out.push_str(&format!("; changes since {tag}.\n")),
        None => out.push_str("; the first release.\n"),
    }
    for (class, title) in [
        (Class::Breaking, "Breaking"),
        (Class::Additive, "Additive"),
        (Class::Documentation, "Documentation"),
    ] {
        let changes: Vec<_> = diff.of(class).collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for c in changes {
            out.push_str(&format!("- {} (`{}`)\n", c.message, c.pointer));
        }
    }
    out
}

/// Plans the next release from the repository at `root`: the spec now against the spec at the
/// last release's tag.
pub fn plan(root: &Path) -> Result<ReleasePlan, ReleaseError> {
    let record = ReleaseRecord::read(root)?;
    let current = record.version()?;
    let new_text =
        std::fs::read_to_string(root.join(Workspace::SPEC)).map_err(|source| ReleaseError::Io {
            path: root.join(Workspace::SPEC),
            source,
        })?;
    let new = spec_value(Workspace::SPEC, new_text).map_err(ReleaseError::Spec)?;
    let info_version = new
        .pointer("/info/version")
        .and_then(|v| v.as_str())
        .unwrap_or("unknown")
        .to_string();
    let (previous, diff, mut next) = match &record.tag {
        None => (
            None,
            SpecDiff::default(),
            Version::new(current.major, current.minor, current.patch),
        ),
        Some(tag) => {
            let reference = format!("git:{tag}:{}", Workspace::SPEC);
            let (_, old_text) = read_spec_arg(root, &reference)?;
            let old = spec_value(&reference, old_text)
                .map_err(|message| ReleaseError::OldSpec { reference, message })?;
            let diff = diff::diff(&old, &new);
            let Some(strongest) = diff.strongest() else {
                return Err(ReleaseError::NothingToRelease(tag.clone()));
            };
            let next = next_version(&current, strongest);
            (Some((current.clone(), tag.clone())), diff, next)
        }
    };
    next.build = spec_metadata(&info_version);
    let changelog_section = changelog_section(
        &next,
        &info_version,
        previous.as_ref().map(|(_, t)| t.as_str()),
        &diff,
    );
    Ok(ReleasePlan {
        previous,
        next,
        diff,
        changelog_section,
    })
}

/// The tag a version is released under.
pub fn tag_for(version: &Version) -> String {
    format!("v{}.{}.{}", version.major, version.minor, version.patch)
}

/// CHANGELOG.md with `section` prepended below its title.
pub fn prepend_changelog(existing: Option<&str>, section: &str) -> String {
    const TITLE: &str =
        "# Changelog\n\nReleases of the generated crates (`cargo xtask release`).\n";
    let rest = existing
        .and_then(|e| e.strip_prefix(TITLE))
        .unwrap_or_else(|| existing.unwrap_or(""));
    format!(
        "{TITLE}\n{section}{}{}",
        if rest.trim().is_empty() { "" } else { "\n" },
        rest.trim_start_matches('\n')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_cargo_semver() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(next_version(&v("0.1.0"), Class::Breaking), v("0.2.0"));
        assert_eq!(next_version(&v("0.1.3"), Class::Additive), v("0.1.4"));
        assert_eq!(next_version(&v("0.1.3"), Class::Documentation), v("0.1.4"));
        assert_eq!(next_version(&v("1.2.3"), Class::Breaking), v("2.0.0"));
        assert_eq!(next_version(&v("1.2.3"), Class::Additive), v("1.3.0"));
        assert_eq!(next_version(&v("1.2.3"), Class::Documentation), v("1.2.4"));
        assert_eq!(
            next_version(&v("0.2.0+spec.1"), Class::Documentation),
            v("0.2.1")
        );
    }

    #[test]
    fn metadata_is_valid_semver() {
        assert_eq!(spec_metadata("2026.07.27").as_str(), "spec.2026.07.27");
        assert_eq!(spec_metadata("v1 beta/2").as_str(), "spec.v1-beta-2");
    }
}
