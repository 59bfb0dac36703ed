//! The release plan: each published crate's next version from what changed since the last
//! release (the spec diff's impact on a generated crate, its sources for a hand-written one),
//! settled by cargo-semver-checks where the diff cannot see the change.
//!
//! Each crate moves by its own bump, as Cargo's SemVer reference counts it. A crate nothing
//! changed is not released (not packaged, not published) again. On 0.x a major change moves the
//! minor number and anything else the patch. The generated crates carry the spec's
//! `info.version` as build metadata (`0.2.0+spec.2026.07.27`); requirements between crates
//! never carry it (`=0.2.0`).

use std::path::Path;

use semver::{BuildMetadata, Prerelease, Version};

use cloudflare_cni_codegen::diff::{self, Bump, SpecDiff};

use super::ReleaseError;
use crate::git::changed_since;
use crate::record::{release_commit, ReleaseRecord};
use crate::workspace::{
    earlier_spec_value, read_spec_arg, spec_value, CrateKind, PublishedCrate, Workspace,
};

/// The version after `current` for a change that needs `bump`.
pub fn next_version(current: &Version, bump: Bump) -> Version {
    let mut next = Version::new(current.major, current.minor, current.patch);
    match (current.major, bump) {
        (0, Bump::Major) => {
            next.minor += 1;
            next.patch = 0;
        }
        (0, _) | (_, Bump::Patch) => next.patch += 1,
        (_, Bump::Minor) => {
            next.minor += 1;
            next.patch = 0;
        }
        (_, Bump::Major) => {
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

/// One crate's part in a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateRelease {
    pub name: String,
    pub current: Version,
    /// `None`: nothing changed, so the crate is not released again.
    pub next: Option<Version>,
    pub bump: Option<Bump>,
    /// Why it moves, for the CHANGELOG.
    pub reason: String,
    /// The least bump our own reading requires (the spec diff's impact on a generated crate);
    /// cargo-semver-checks may only raise it.
    pub floor: Option<Bump>,
    /// Whether the bump waits for cargo-semver-checks: the crate's code changed in ways the
    /// spec diff does not see (hand-written sources, or the generator), so until the tool
    /// has compared the APIs the bump is taken as major.
    pub provisional: bool,
    /// Published for the first time (not in the last release's record): nothing to compare
    /// its API with, so cargo-semver-checks does not check it.
    pub first_release: bool,
}

/// What a release would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasePlan {
    pub previous_tag: Option<String>,
    pub tag: String,
    pub diff: SpecDiff,
    pub info_version: String,
    /// In publishing order.
    pub crates: Vec<CrateRelease>,
}

impl ReleasePlan {
    /// The crates this release publishes, in order.
    pub fn released(&self) -> impl Iterator<Item = &CrateRelease> {
        self.crates.iter().filter(|c| c.next.is_some())
    }

    /// The record after this release.
    pub fn record(&self) -> ReleaseRecord {
        ReleaseRecord {
            tag: Some(self.tag.clone()),
            versions: self
                .crates
                .iter()
                .map(|c| {
                    let version = c.next.as_ref().unwrap_or(&c.current);
                    (c.name.clone(), version.to_string())
                })
                .collect(),
        }
    }
}

/// The tag after `previous` (`release-1`, `release-2`, ...).
pub fn next_tag(previous: Option<&str>) -> String {
    let n = previous
        .and_then(|t| t.strip_prefix("release-"))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    format!("release-{}", n + 1)
}

/// Plans the next release of `crates` (in publishing order) from the checkout at `root`: the
/// spec now against the spec at the last release's tag, and each runtime crate's sources.
pub fn plan(root: &Path, crates: &[PublishedCrate]) -> Result<ReleasePlan, ReleaseError> {
    let record = ReleaseRecord::read(root)?;
    let new_text =
        std::fs::read_to_string(root.join(Workspace::SPEC)).map_err(|source| ReleaseError::Io {
            path: root.join(Workspace::SPEC),
            source,
        })?;
    let new =
        spec_value(Workspace::SPEC, new_text).map_err(|e| ReleaseError::Spec(e.to_string()))?;
    let info_version = new
        .pointer("/info/version")
        .and_then(|v| v.as_str())
        .unwrap_or("unknown")
        .to_string();
    let diff = match &record.tag {
        None => SpecDiff::default(),
        Some(tag) => {
            let reference = format!("git:{}:{}", release_commit(root, tag)?, Workspace::SPEC);
            let (_, old_text) =
                read_spec_arg(root, &reference).map_err(|e| ReleaseError::Spec(e.to_string()))?;
            let old =
                earlier_spec_value(&reference, old_text).map_err(|e| ReleaseError::OldSpec {
                    reference,
                    message: e.to_string(),
                })?;
            diff::diff(&old, &new)
        }
    };
    let generator_changed = match &record.tag {
        Some(tag) => changed_since(root, &release_commit(root, tag)?, "codegen/generator")?,
        None => false,
    };
    let changes = Changes {
        root,
        impact: diff.crate_impact(),
        spec_changed: !diff.changes.is_empty(),
        generator_changed,
        info_version: &info_version,
    };
    let releases = crates
        .iter()
        .map(|krate| changes.crate_release(&record, krate))
        .collect::<Result<Vec<_>, _>>()?;
    if releases.iter().all(|c| c.next.is_none()) {
        return Err(ReleaseError::NothingToRelease(
            record.tag.clone().unwrap_or_default(),
        ));
    }
    Ok(ReleasePlan {
        previous_tag: record.tag.clone(),
        tag: next_tag(record.tag.as_deref()),
        diff,
        info_version,
        crates: releases,
    })
}

/// What changed since the last release, as each crate's release reads it.
struct Changes<'a> {
    root: &'a Path,
    impact: diff::Impact,
    spec_changed: bool,
    generator_changed: bool,
    info_version: &'a str,
}

impl Changes<'_> {
    /// One crate's part in the release: its bump and why, whether cargo-semver-checks settles
    /// it, the least bump the spec requires, its next version.
    fn crate_release(
        &self,
        record: &ReleaseRecord,
        krate: &PublishedCrate,
    ) -> Result<CrateRelease, ReleaseError> {
        let first_release = record.tag.is_none() || !record.versions.contains_key(&krate.name);
        // A crate's first release is the version its manifest has now.
        let current = match manifest_version(&self.root.join(&krate.dir)) {
            Some(version) if !record.versions.contains_key(&krate.name) => version,
            _ => record.version(&krate.name)?,
        };
        let (bump, reason) = match (&record.tag, krate.kind) {
            (None, _) => (Some(Bump::Patch), "the first release".to_string()),
            (Some(_), _) if first_release => (
                Some(Bump::Patch),
                "its first release (new since the last release)".to_string(),
            ),
            (Some(tag), CrateKind::HandWritten) => {
                if changed_since(self.root, &release_commit(self.root, tag)?, &krate.dir)? {
                    // Until cargo-semver-checks decides, a changed hand-written crate is
                    // taken to break its API.
                    (
                        Some(Bump::Major),
                        format!("its sources changed since {tag}"),
                    )
                } else {
                    (None, String::new())
                }
            }
            (Some(_), kind) => {
                let from_spec = match kind {
                    CrateKind::Types => self.impact.types,
                    // The command line is the client's operations as subcommands and flags.
                    CrateKind::Client | CrateKind::Cli => self.impact.client,
                    _ => self.impact.server,
                };
                match (self.spec_changed, self.generator_changed) {
                    (false, false) => (None, String::new()),
                    (true, false) => (Some(from_spec), format!("the spec: {}", from_spec.as_str())),
                    (_, true) => (
                        Some(Bump::Major),
                        "the generator changed: cargo-semver-checks decides".to_string(),
                    ),
                }
            }
        };
        let provisional = !first_release
            && match krate.kind {
                CrateKind::HandWritten => bump.is_some(),
                _ => self.generator_changed,
            };
        let floor = match (krate.kind, provisional) {
            (CrateKind::HandWritten, _) | (_, false) => None,
            (CrateKind::Types, true) => Some(self.impact.types),
            (CrateKind::Client | CrateKind::Cli, true) => Some(self.impact.client),
            (CrateKind::Server, true) => Some(self.impact.server),
        };
        let next = bump.map(|bump| {
            next_crate_version(&current, bump, first_release, krate.kind, self.info_version)
        });
        Ok(CrateRelease {
            name: krate.name.clone(),
            current,
            next,
            bump,
            reason,
            floor,
            provisional,
            first_release,
        })
    }
}

/// The `[package] version` of the crate in `dir`, if its manifest says one.
fn manifest_version(dir: &Path) -> Option<Version> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let manifest: toml_edit::DocumentMut = text.parse().ok()?;
    Version::parse(manifest.get("package")?.get("version")?.as_str()?).ok()
}

fn next_crate_version(
    current: &Version,
    bump: Bump,
    first: bool,
    kind: CrateKind,
    info_version: &str,
) -> Version {
    let mut next = if first {
        Version::new(current.major, current.minor, current.patch)
    } else {
        next_version(current, bump)
    };
    if kind != CrateKind::HandWritten {
        next.build = spec_metadata(info_version);
    }
    next
}

impl ReleasePlan {
    /// The crates whose bump cargo-semver-checks decides.
    pub fn provisional(&self) -> impl Iterator<Item = &CrateRelease> {
        self.crates.iter().filter(|c| c.provisional)
    }

    /// Settles a provisional crate's bump at what cargo-semver-checks found it needs (never
    /// below our own reading's floor), keeps the client and server at least as far as the types
    /// they re-export, and rewrites the versions and the CHANGELOG section.
    pub fn settle(&mut self, found: &[(String, Bump)], kinds: &[PublishedCrate]) {
        let kind_of = |name: &str| kinds.iter().find(|k| k.name == name).map(|k| k.kind);
        for krate in self.crates.iter_mut().filter(|c| c.provisional) {
            let Some((_, tool)) = found.iter().find(|(n, _)| *n == krate.name) else {
                continue;
            };
            let bump = krate.floor.map_or(*tool, |floor| floor.max(*tool));
            krate.bump = Some(bump);
            krate.provisional = false;
            krate.reason = match krate.floor {
                Some(floor) if floor >= *tool => format!("the spec: {}", floor.as_str()),
                _ => format!("cargo-semver-checks: {}", tool.as_str()),
            };
        }
        let types_bump = self
            .crates
            .iter()
            .find(|c| kind_of(&c.name) == Some(CrateKind::Types))
            .and_then(|c| c.bump);
        // The client and server re-export their runtime's public types (`CniError`,
        // `ApiError` …), which cargo-semver-checks does not follow into the runtime crate: a
        // runtime's bump is theirs too, released with them even when their own code is unchanged.
        let runtimes = cloudflare_cni_codegen::Config::default().runtime;
        let bump_of = |name: &str| {
            self.crates
                .iter()
                .find(|c| c.name == name)
                .and_then(|c| c.bump)
        };
        let (client_runtime, server_runtime) =
            (bump_of(&runtimes.client), bump_of(&runtimes.server));
        for krate in &mut self.crates {
            let kind = kind_of(&krate.name).unwrap_or(CrateKind::HandWritten);
            if let (CrateKind::Client | CrateKind::Server, Some(types), Some(own)) =
                (kind, types_bump, krate.bump)
            {
                if types > own {
                    krate.bump = Some(types);
                    krate.reason = format!("re-exports the types ({})", types.as_str());
                }
            }
            let runtime = match kind {
                CrateKind::Client => client_runtime.map(|b| (b, &runtimes.client)),
                CrateKind::Server => server_runtime.map(|b| (b, &runtimes.server)),
                _ => None,
            };
            if let Some((runtime_bump, runtime_name)) = runtime {
                if krate.bump.is_none_or(|own| runtime_bump > own) {
                    krate.bump = Some(runtime_bump);
                    krate.reason = format!("re-exports {runtime_name} ({})", runtime_bump.as_str());
                }
            }
            krate.next = krate.bump.map(|bump| {
                next_crate_version(
                    &krate.current,
                    bump,
                    krate.first_release,
                    kind,
                    &self.info_version,
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_moves_with_the_runtime_it_re_exports() {
        let runtimes = cloudflare_cni_codegen::Config::default().runtime;
        let krate = |name: &str, bump: Option<Bump>, provisional: bool| CrateRelease {
            name: name.to_string(),
            current: Version::new(0, 1, 1),
            next: None,
            bump,
            reason: String::new(),
            floor: None,
            provisional,
            first_release: false,
        };
        let mut plan = ReleasePlan {
            previous_tag: Some("release-2".into()),
            tag: "release-3".into(),
            diff: SpecDiff::default(),
            info_version: "2026.08.14".into(),
            crates: vec![
                krate(&runtimes.client, Some(Bump::Major), true),
                krate("client", None, false),
                krate("server", None, false),
            ],
        };
        let kinds = [
            PublishedCrate {
                name: runtimes.client.clone(),
                dir: "codegen/runtime/client".into(),
                kind: CrateKind::HandWritten,
            },
            PublishedCrate {
                name: "client".into(),
                dir: "generated/client".into(),
                kind: CrateKind::Client,
            },
            PublishedCrate {
                name: "server".into(),
                dir: "generated/server".into(),
                kind: CrateKind::Server,
            },
        ];
        plan.settle(&[(runtimes.client.clone(), Bump::Major)], &kinds);
        assert_eq!(
            plan.crates[1].bump,
            Some(Bump::Major),
            "{:?}",
            plan.crates[1]
        );
        assert!(plan.crates[1].reason.contains(&runtimes.client));
        assert_eq!(
            plan.crates[1].next.as_ref().map(|v| (v.major, v.minor)),
            Some((0, 2))
        );
        assert_eq!(
            plan.crates[2].bump, None,
            "the server does not re-export the client runtime"
        );
    }

    #[test]
    fn versions_follow_cargo_semver() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(next_version(&v("0.1.0"), Bump::Major), v("0.2.0"));
        assert_eq!(next_version(&v("0.1.3"), Bump::Minor), v("0.1.4"));
        assert_eq!(next_version(&v("0.1.3"), Bump::Patch), v("0.1.4"));
        assert_eq!(next_version(&v("1.2.3"), Bump::Major), v("2.0.0"));
        assert_eq!(next_version(&v("1.2.3"), Bump::Minor), v("1.3.0"));
        assert_eq!(next_version(&v("1.2.3"), Bump::Patch), v("1.2.4"));
        assert_eq!(next_version(&v("0.2.0+spec.1"), Bump::Patch), v("0.2.1"));
        assert_eq!(next_tag(None), "release-1");
        assert_eq!(next_tag(Some("release-9")), "release-10");
    }

    #[test]
    fn metadata_is_valid_semver() {
        assert_eq!(spec_metadata("2026.07.27").as_str(), "spec.2026.07.27");
        assert_eq!(spec_metadata("v1 beta/2").as_str(), "spec.v1-beta-2");
    }
}
