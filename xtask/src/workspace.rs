//! The checkout xtask works on, found at run time: the nearest folder, from the current one
//! up, that holds the workspace's `Cargo.toml` and `xtask/`. Not the folder xtask was compiled
//! in: checkouts that share one `CARGO_TARGET_DIR` (worktrees, clones) share one xtask binary.

use std::path::{Path, PathBuf};

use cloudflare_cni_codegen::{
    load, render_file, Config, Drift, GenerateError, GeneratedTree, SpecSource, WriteSummary,
};

use crate::git::git;
use crate::record::{RecordError, ReleaseRecord};

/// Why xtask cannot work on a checkout.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("no checkout of this project at or above {}: run cargo xtask inside one, or pass --root", start.display())]
    NotFound { start: PathBuf },
    #[error("--root {}: there is no {} in it", root.display(), Workspace::SPEC)]
    NoSpec { root: PathBuf },
    #[error("{0}")]
    Usage(String),
    #[error("cannot read the current folder: {0}")]
    CurrentDir(#[source] std::io::Error),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("cargo metadata: {0}")]
    Metadata(String),
}

/// One checkout of the repository: `spec/cni.yaml` rendered into `generated/`.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
}

/// Whether `dir` is this project's workspace root.
fn is_root(dir: &Path) -> bool {
    dir.join("xtask/Cargo.toml").is_file()
        && dir.join(Workspace::SPEC).is_file()
        && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
}

impl Workspace {
    pub const SPEC: &'static str = "spec/cni.yaml";
    pub const GENERATED: &'static str = "generated";

    /// The checkout containing `start` (or `start` itself).
    pub fn find(start: &Path) -> Result<Workspace, WorkspaceError> {
        start
            .ancestors()
            .find(|dir| is_root(dir))
            .map(|root| Workspace {
                root: root.to_path_buf(),
            })
            .ok_or_else(|| WorkspaceError::NotFound {
                start: start.to_path_buf(),
            })
    }

    /// The checkout at `root`, named explicitly (`--root`): it needs only a spec.
    pub fn at(root: &Path) -> Result<Workspace, WorkspaceError> {
        if root.join(Self::SPEC).is_file() {
            Ok(Workspace {
                root: root.to_path_buf(),
            })
        } else {
            Err(WorkspaceError::NoSpec {
                root: root.to_path_buf(),
            })
        }
    }

    /// The checkout containing the current folder.
    pub fn current() -> Result<Workspace, WorkspaceError> {
        let here = std::env::current_dir().map_err(WorkspaceError::CurrentDir)?;
        Self::find(&here)
    }

    pub fn spec_path(&self) -> PathBuf {
        self.root.join(Self::SPEC)
    }

    pub fn generated_dir(&self) -> PathBuf {
        self.root.join(Self::GENERATED)
    }

    /// The generator's configuration, with the generated crates' versions from
    /// `spec/release.toml` when it exists.
    pub fn config(&self) -> Result<Config, WorkspaceError> {
        let mut config = Config::default();
        if self.root.join(ReleaseRecord::PATH).exists() {
            let record = ReleaseRecord::read(&self.root)?;
            for krate in [&mut config.types, &mut config.client, &mut config.server] {
                krate.version = record.version(&krate.package)?.to_string();
            }
            // The command-line tool keeps its version until its first release records one.
            if record.versions.contains_key(&config.cli.package) {
                config.cli.version = record.version(&config.cli.package)?.to_string();
            }
        }
        Ok(config)
    }

    /// The published crates in dependency order, each with its folder and kind.
    pub fn published(&self) -> Result<Vec<PublishedCrate>, WorkspaceError> {
        let config = Config::default();
        let generated = [
            (config.types.package.clone(), CrateKind::Types),
            (config.client.package.clone(), CrateKind::Client),
            (config.server.package.clone(), CrateKind::Server),
            (config.cli.package.clone(), CrateKind::Cli),
        ];
        let metadata = self.metadata()?;
        let dirs: std::collections::BTreeMap<String, String> = metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let name = p["name"].as_str()?.to_string();
                let manifest = Path::new(p["manifest_path"].as_str()?);
                let dir = manifest.parent()?.strip_prefix(&self.root).ok()?;
                Some((name, dir.display().to_string()))
            })
            .collect();
        Ok(published_in_order(&metadata)
            .map_err(|e| WorkspaceError::Metadata(e.to_string()))?
            .into_iter()
            .map(|name| PublishedCrate {
                dir: dirs.get(&name).cloned().unwrap_or_default(),
                kind: generated
                    .iter()
                    .find(|(package, _)| *package == name)
                    .map_or(CrateKind::HandWritten, |(_, kind)| *kind),
                name,
            })
            .collect())
    }

    fn metadata(&self) -> Result<serde_json::Value, WorkspaceError> {
        metadata(&self.root)
    }

    /// Renders the checkout's spec with the version of `spec/release.toml`.
    pub fn render(&self) -> Result<GeneratedTree, WorkspaceError> {
        Ok(render_file(&self.spec_path(), Self::SPEC, &self.config()?)?)
    }

    /// Renders and compares with `generated/`, writing nothing.
    pub fn check(&self) -> Result<Vec<Drift>, WorkspaceError> {
        Ok(self
            .render()?
            .check(&self.generated_dir())
            .map_err(GenerateError::from)?)
    }

    /// Renders and writes `generated/`.
    pub fn generate(&self) -> Result<WriteSummary, WorkspaceError> {
        Ok(self
            .render()?
            .write(&self.generated_dir())
            .map_err(GenerateError::from)?)
    }

    /// The names of the published crates (`publish` not `false` in their own Cargo.toml), in
    /// dependency order: each after every workspace crate it depends on. This is the one list
    /// of crates: `release` packages and publishes it, `cargo xtask ci` documents and packages
    /// it, `cargo xtask crates` prints it.
    pub fn published_crates(&self) -> Result<Vec<String>, WorkspaceError> {
        Ok(self.published()?.into_iter().map(|c| c.name).collect())
    }
}

/// What kind of crate a published crate is, for its next version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrateKind {
    /// Written by the generator: bumped by the spec diff's impact on it.
    Types,
    Client,
    Server,
    /// The command-line tool (a binary): its command line is the client's operations, so it
    /// moves by the spec diff's impact on the client.
    Cli,
    /// Written by hand (the runtime crates, the emulator): released when its sources changed.
    HandWritten,
}

/// A published crate as the release sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedCrate {
    pub name: String,
    /// Its folder, relative to the checkout.
    pub dir: String,
    pub kind: CrateKind,
}

/// Reads a spec given as a path or as `git:REV:PATH`.
pub fn read_spec_arg(root: &Path, arg: &str) -> Result<(String, String), crate::Error> {
    match arg.strip_prefix("git:") {
        Some(rest) => {
            let (rev, path) = rest
                .rsplit_once(':')
                .ok_or_else(|| crate::Error::Refused(format!("{arg}: expected git:REV:PATH")))?;
            let text = git(root, &["show", &format!("{rev}:{path}")])?;
            Ok((arg.to_string(), text))
        }
        None => {
            let path = PathBuf::from(arg);
            let text = std::fs::read_to_string(&path).map_err(crate::Error::io("read", &path))?;
            Ok((arg.to_string(), text))
        }
    }
}

/// A spec something was made from (the last release's, the old side of a diff) as its JSON
/// value: parsed, not linted. The lint's rules tighten over time (`x-enum-varnames` became an
/// error after release-2 shipped with it), and what was released is what it was: the diff
/// needs its structure, not today's verdict on it.
pub fn earlier_spec_value(display: &str, text: String) -> Result<serde_json::Value, crate::Error> {
    cloudflare_cni_codegen::source::parse(&SpecSource {
        display_path: display.to_string(),
        text,
    })
    .map(|parsed| parsed.value)
    .map_err(crate::Error::from)
}

/// Loads and lints a spec's text into its JSON value.
pub fn spec_value(display: &str, text: String) -> Result<serde_json::Value, crate::Error> {
    load(&SpecSource {
        display_path: display.to_string(),
        text,
    })
    .map(|s| s.value().clone())
    .map_err(crate::Error::from)
}

/// The publishable packages of `cargo metadata --no-deps`, dependencies first.
pub fn published_in_order(metadata: &serde_json::Value) -> Result<Vec<String>, crate::Error> {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    // `publish: []` is `publish = false`; null means any registry.
    let published: Vec<(String, Vec<String>)> = packages
        .iter()
        .filter(|p| !p["publish"].as_array().is_some_and(Vec::is_empty))
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default().to_string();
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null()) // normal dependencies, not dev or build
                .filter_map(|d| d["name"].as_str().map(str::to_string))
                .collect();
            (name, deps)
        })
        .collect();
    let names: Vec<&String> = published.iter().map(|(n, _)| n).collect();
    let mut ordered: Vec<String> = Vec::new();
    while ordered.len() < published.len() {
        let before = ordered.len();
        let mut ready: Vec<&String> = published
            .iter()
            .filter(|(name, _)| !ordered.contains(name))
            .filter(|(_, deps)| {
                deps.iter()
                    .all(|d| !names.contains(&d) || ordered.contains(d))
            })
            .map(|(name, _)| name)
            .collect();
        ready.sort();
        ordered.extend(ready.into_iter().cloned());
        if ordered.len() == before {
            return Err(crate::Error::Refused(
                "the published crates depend on each other in a cycle".to_string(),
            ));
        }
    }
    Ok(ordered)
}

/// `cargo metadata --no-deps` of the workspace at `root`: the one runner, with the cargo
/// that runs xtask ([`crate::tools::cargo`]).
pub fn metadata(root: &Path) -> Result<serde_json::Value, WorkspaceError> {
    let output = std::process::Command::new(crate::tools::cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| WorkspaceError::Metadata(format!("cannot run cargo metadata: {e}")))?;
    if !output.status.success() {
        return Err(WorkspaceError::Metadata(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| WorkspaceError::Metadata(e.to_string()))
}

/// Where cargo puts the build output of the workspace at `root` (`cargo metadata`'s target
/// directory: CARGO_TARGET_DIR or `build.target-dir` may move it out of the checkout).
pub fn target_directory(root: &Path) -> Result<PathBuf, WorkspaceError> {
    metadata(root)?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| WorkspaceError::Metadata("it names no target directory".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An earlier spec is read as it was: a rule the lint gained later (here: positional
    /// `x-enum-varnames`, which release-2's spec used) does not stop the diff against it.
    #[test]
    fn an_earlier_spec_is_read_as_it_was_not_linted_by_todays_rules() {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Speed:\n      type: string\n      enum: [1G, 10G]\n      x-enum-varnames: [One, Ten]\n";
        let value = earlier_spec_value("old.yaml", spec.to_string()).unwrap();
        assert_eq!(
            value.pointer("/components/schemas/Speed/enum/1").unwrap(),
            "10G"
        );
        let linted = spec_value("old.yaml", spec.to_string())
            .unwrap_err()
            .to_string();
        assert!(linted.contains("x-enum-varnames"), "{linted}");
        let broken = earlier_spec_value("old.yaml", "openapi: [".to_string())
            .unwrap_err()
            .to_string();
        assert!(broken.contains("old.yaml"), "{broken}");
    }

    #[test]
    fn dependencies_come_first_and_scaffolding_is_left_out() {
        let metadata = serde_json::json!({"packages": [
            {"name": "client", "publish": null, "dependencies": [
                {"name": "types", "kind": null}, {"name": "runtime", "kind": null}, {"name": "tests", "kind": "dev"}]},
            {"name": "types", "publish": null, "dependencies": [{"name": "serde", "kind": null}]},
            {"name": "runtime", "publish": null, "dependencies": [{"name": "types", "kind": null}]},
            {"name": "tests", "publish": [], "dependencies": [{"name": "client", "kind": null}]},
        ]});
        assert_eq!(
            published_in_order(&metadata).unwrap(),
            ["types", "runtime", "client"]
        );
    }
}
