//! Publishing a release: every published crate at the version `spec/release.toml` records, in
//! dependency order, each only once the registry's index serves the crates it depends on. A
//! version the registry already has is skipped, so a run cut short resumes where it stopped;
//! the release's tag is made by the caller once every crate is there.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use semver::Version;

use crate::record::ReleaseRecord;
use crate::tools;
use crate::workspace::PublishedCrate;

/// How long a published version may take to appear in the registry's index.
const INDEX_WAIT: Duration = Duration::from_secs(180);

/// Where a release is published: a registry named in Cargo's configuration, or crates.io.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    name: Option<String>,
}

impl Registry {
    /// crates.io when `name` is `None`.
    pub fn new(name: Option<String>) -> Self {
        Registry { name }
    }

    /// `crates.io`, or `registry NAME`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("registry `{name}`"),
            None => "crates.io".to_string(),
        }
    }

    fn args(&self) -> Vec<&str> {
        match &self.name {
            Some(name) => vec!["--registry", name],
            None => Vec::new(),
        }
    }

    /// Whether the registry's index has `name` at `version` (its build metadata aside).
    /// `cargo info` asks the index itself, from outside any workspace so that a workspace
    /// member of that name is not the answer.
    pub fn has(&self, name: &str, version: &Version) -> Result<bool, crate::Error> {
        let plain = Version::new(version.major, version.minor, version.patch);
        let outside = std::env::temp_dir();
        let output = Command::new(tools::cargo())
            .args(["info", "--quiet", &format!("{name}@{plain}")])
            .args(self.args())
            .current_dir(&outside)
            .output()
            .map_err(crate::Error::start("cargo info"))?;
        if output.status.success() {
            return Ok(true);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("could not find") {
            return Ok(false);
        }
        let first = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("cargo info failed")
            .trim();
        Err(crate::Error::Refused(format!(
            "cannot reach {}: {first}; check its index URL in Cargo's configuration (or CARGO_REGISTRIES_<NAME>_INDEX) and that it is up",
            self.label()
        )))
    }

    /// Waits until the index serves `name` at `version`, so that what depends on it resolves.
    fn wait_for(&self, name: &str, version: &Version) -> Result<(), crate::Error> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(250);
        loop {
            if self.has(name, version)? {
                return Ok(());
            }
            if start.elapsed() > INDEX_WAIT {
                return Err(crate::Error::Refused(format!(
                    "{name} {version} was published but {} does not serve it after {} s; run the command again to resume",
                    self.label(),
                    INDEX_WAIT.as_secs()
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
}

/// One crate's step in publishing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub version: Version,
    /// The registry has this version already: skipped.
    pub present: bool,
}

/// What publishing would do: each published crate at its recorded version, in order, and
/// whether the registry has it already.
pub fn steps(
    record: &ReleaseRecord,
    crates: &[PublishedCrate],
    registry: &Registry,
) -> Result<Vec<Step>, crate::Error> {
    crates
        .iter()
        .map(|krate| {
            let version = record.version(&krate.name)?;
            let present = registry.has(&krate.name, &version)?;
            Ok(Step {
                name: krate.name.clone(),
                version,
                present,
            })
        })
        .collect()
}

/// Prints the steps as a table.
pub fn print_steps(steps: &[Step], registry: &Registry) {
    println!("\npublishing to {}, in order:", registry.label());
    for step in steps {
        let what = if step.present {
            "has it: skipped"
        } else {
            "publish"
        };
        println!(
            "  {:<34} {:<28} {what}",
            step.name,
            step.version.to_string()
        );
    }
}

/// Publishes every step the registry lacks, from the checkout at `root` (the release commit,
/// its dependencies pointed at the registry), in order, waiting for each to be served before
/// the next. The packages were verified when the release was made, so `cargo publish` does not
/// build them again.
pub fn publish(root: &Path, steps: &[Step], registry: &Registry) -> Result<(), crate::Error> {
    for step in steps {
        if step.present || registry.has(&step.name, &step.version)? {
            println!("publish: {} {} is there already", step.name, step.version);
            continue;
        }
        let mut args = vec!["publish", "--no-verify", "--allow-dirty", "-p", &step.name];
        args.extend(registry.args());
        super::run(root, tools::cargo().to_string_lossy().as_ref(), &args)?;
        registry.wait_for(&step.name, &step.version)?;
        println!(
            "published {} {} to {}",
            step.name,
            step.version,
            registry.label()
        );
    }
    Ok(())
}

/// Makes the checkout at `root` (a scratch copy of the release commit) ask a named registry for
/// the crates of this workspace: Cargo resolves a path dependency's version on crates.io unless
/// its entry names a registry, so each entry naming one of `crates` with a version gets
/// `registry = NAME`, in the workspace's requirements and in every crate's manifest.
pub fn point_dependencies_at(
    root: &Path,
    crates: &[PublishedCrate],
    registry: &Registry,
) -> Result<(), crate::Error> {
    let Some(name) = &registry.name else {
        return Ok(());
    };
    let ours: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
    let manifests = std::iter::once(root.join("Cargo.toml"))
        .chain(crates.iter().map(|c| root.join(&c.dir).join("Cargo.toml")));
    for path in manifests {
        let text = std::fs::read_to_string(&path).map_err(crate::Error::io("read", &path))?;
        let mut manifest: toml_edit::DocumentMut = text.parse().map_err(|e| {
            crate::Error::Refused(format!("{} is not valid TOML: {e}", path.display()))
        })?;
        let mut tables: Vec<&mut toml_edit::Item> = Vec::new();
        let (workspace, rest): (Vec<_>, Vec<_>) = manifest
            .as_table_mut()
            .iter_mut()
            .partition(|(key, _)| key.get() == "workspace");
        for (_, item) in workspace {
            if let Some(deps) = item.get_mut("dependencies") {
                tables.push(deps);
            }
        }
        for (key, item) in rest {
            if key.get().ends_with("dependencies") {
                tables.push(item);
            }
        }
        for table in tables {
            let Some(table) = table.as_table_like_mut() else {
                continue;
            };
            for (dependency, entry) in table.iter_mut() {
                let Some(entry) = entry.as_table_like_mut() else {
                    continue;
                };
                if ours.contains(&dependency.get()) && entry.contains_key("version") {
                    entry.insert("registry", toml_edit::value(name.as_str()));
                }
            }
        }
        std::fs::write(&path, manifest.to_string()).map_err(crate::Error::io("write", &path))?;
    }
    Ok(())
}

/// Whether the tag `tag` exists in the checkout at `root`.
pub fn tag_exists(root: &Path, tag: &str) -> bool {
    crate::git::git(
        root,
        &["rev-parse", "--verify", "-q", &format!("refs/tags/{tag}")],
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::CrateKind;

    #[test]
    fn our_dependencies_name_the_registry_and_nothing_else_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"a\"]\n\n[workspace.dependencies]\n# ours\nb = { path = \"b\", version = \"0.2.0\" }\nserde = \"1\"\ntool = { path = \"tool\" }\n",
        )
        .unwrap();
        std::fs::write(
            root.join("a/Cargo.toml"),
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nb = { path = \"../b\", version = \"=0.2.0\" }\nserde.workspace = true\n\n[dev-dependencies]\nb = { path = \"../b\" }\n",
        )
        .unwrap();
        let crates = [
            PublishedCrate {
                name: "a".into(),
                dir: "a".into(),
                kind: CrateKind::HandWritten,
            },
            PublishedCrate {
                name: "b".into(),
                dir: "missing".into(),
                kind: CrateKind::HandWritten,
            },
        ];
        let crates = &crates[..1];
        let all = [
            crates[0].clone(),
            PublishedCrate {
                name: "b".into(),
                dir: "a".into(),
                kind: CrateKind::HandWritten,
            },
        ];
        point_dependencies_at(root, &all, &Registry::new(Some("mine".into()))).unwrap();
        let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(
            workspace.contains(
                "# ours\nb = { path = \"b\", version = \"0.2.0\" , registry = \"mine\" }"
            ),
            "{workspace}"
        );
        assert!(
            workspace.contains("serde = \"1\"\ntool = { path = \"tool\" }"),
            "{workspace}"
        );
        let member = std::fs::read_to_string(root.join("a/Cargo.toml")).unwrap();
        assert!(
            member.contains("b = { path = \"../b\", version = \"=0.2.0\" , registry = \"mine\" }"),
            "{member}"
        );
        assert!(
            member.contains("[dev-dependencies]\nb = { path = \"../b\" }"),
            "a path-only entry is not published: {member}"
        );
        // crates.io: nothing to point.
        point_dependencies_at(root, &all, &Registry::new(None)).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("a/Cargo.toml")).unwrap(),
            member
        );
    }
}
