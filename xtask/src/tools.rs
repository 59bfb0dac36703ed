//! The pinned outside tools the slow gates and the benchmarks use, installed once per machine
//! and reused by every checkout (CI's fresh clones included) while their version matches.
//!
//! Each tool lives in its own folder named after its version under one machine-wide folder:
//! `$CNI_TOOLS_DIR`, else `$XDG_CACHE_HOME/cni-toolkit`, else `~/.cache/cni-toolkit`. A folder
//! counts only once it holds the `.installed` mark written after a complete install, so an
//! install cut short is redone, never half-used. cargo-semver-checks already on the `PATH` at
//! the pinned version (Cargo's own bin folder) is used as it is.

use std::path::{Path, PathBuf};
use std::process::Command;

/// cargo-semver-checks, the judge of every release (crates.io).
pub const SEMVER_CHECKS: &str = "0.51.0";
/// schemathesis, the conformance fuzzer (PyPI).
pub const SCHEMATHESIS: &str = "4.32.5";
/// openapi-spec-validator, the first spec linter (PyPI).
pub const SPEC_VALIDATOR: &str = "0.9.0";
/// @redocly/cli, the second spec linter (npm).
pub const REDOCLY: &str = "2.77.0";
/// @stoplight/prism-cli, the validating proxy of the conformance walk (npm).
pub const PRISM: &str = "5.14.2";
/// cargo-http-registry, the registry server the publishing test publishes to (crates.io).
pub const HTTP_REGISTRY: &str = "0.1.8";
/// openapi-generator-cli, the peer generator of the benchmarks (PyPI, runs on Java 17).
pub const OPENAPI_GENERATOR: &str = "7.26.0";

const MARK: &str = ".installed";

/// Why a tool could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("no folder for the pinned tools: set CNI_TOOLS_DIR (neither XDG_CACHE_HOME nor HOME is set)")]
    NoHome,
    #[error("cannot prepare {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("installing {tool} {version} failed: `{command}` {outcome}")]
    Install {
        tool: &'static str,
        version: &'static str,
        command: String,
        outcome: String,
    },
}

/// The machine-wide folder of pinned tools.
#[derive(Clone, Debug)]
pub struct Tools {
    dir: PathBuf,
}

impl Tools {
    /// The folder this machine keeps its pinned tools in (see the module docs).
    pub fn machine() -> Result<Tools, ToolError> {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = env("CNI_TOOLS_DIR")
            .map(PathBuf::from)
            .or_else(|| env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("cni-toolkit")))
            .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".cache/cni-toolkit")))
            .ok_or(ToolError::NoHome)?;
        Ok(Tools { dir })
    }

    /// Tools kept in `dir` (tests use a folder of their own).
    pub fn at(dir: impl Into<PathBuf>) -> Tools {
        Tools { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `cargo-semver-checks` binary at the pinned version: the one on the `PATH` if it is
    /// that version, else this folder's, built once from crates.io.
    pub fn semver_checks(&self) -> Result<PathBuf, ToolError> {
        let on_path = PathBuf::from("cargo-semver-checks");
        if reports_version(&on_path, &["semver-checks", "--version"], SEMVER_CHECKS) {
            return Ok(on_path);
        }
        // Its own release profile asks for fat LTO in one codegen unit, which triples the
        // build on a small machine for a tool that runs a few seconds per check.
        self.cargo_tool(
            "cargo-semver-checks",
            SEMVER_CHECKS,
            &[
                ("CARGO_PROFILE_RELEASE_LTO", "false"),
                ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
            ],
        )
    }

    /// The `cargo-http-registry` server, built once from crates.io.
    pub fn http_registry(&self) -> Result<PathBuf, ToolError> {
        self.cargo_tool("cargo-http-registry", HTTP_REGISTRY, &[])
    }

    /// A crates.io binary `package` at `version`, built once into a folder of its own with
    /// `cargo install --root` (with `env` set for the build); its path.
    fn cargo_tool(
        &self,
        package: &'static str,
        version: &'static str,
        env: &[(&str, &str)],
    ) -> Result<PathBuf, ToolError> {
        let root = self.folder(package, version);
        let binary = root.join("bin").join(package);
        self.ensure(&root, package, version, |root| {
            eprintln!(
                "tools: building {package} {version} into {} (once per machine)",
                root.display()
            );
            let mut install = Command::new(cargo());
            install
                .args(["install", "--quiet", "--locked", "--version", version])
                .arg("--root")
                .arg(root)
                .arg(package)
                .envs(env.iter().copied());
            run_install(package, version, &mut install)
        })?;
        Ok(binary)
    }

    /// schemathesis's `st` command.
    pub fn schemathesis(&self) -> Result<PathBuf, ToolError> {
        self.python_tool("schemathesis", SCHEMATHESIS, "st")
    }

    /// openapi-spec-validator's command.
    pub fn spec_validator(&self) -> Result<PathBuf, ToolError> {
        self.python_tool(
            "openapi-spec-validator",
            SPEC_VALIDATOR,
            "openapi-spec-validator",
        )
    }

    /// openapi-generator-cli's command (it needs Java 17 at run time).
    pub fn openapi_generator(&self) -> Result<PathBuf, ToolError> {
        self.python_tool(
            "openapi-generator-cli",
            OPENAPI_GENERATOR,
            "openapi-generator-cli",
        )
    }

    /// `redocly`, from @redocly/cli.
    pub fn redocly(&self) -> Result<PathBuf, ToolError> {
        self.npm_tool("@redocly/cli", REDOCLY, "redocly")
    }

    /// `prism`, from @stoplight/prism-cli.
    pub fn prism(&self) -> Result<PathBuf, ToolError> {
        self.npm_tool("@stoplight/prism-cli", PRISM, "prism")
    }

    /// Every tool above, so that a run reports their install as one step.
    pub fn install_all(&self) -> Result<(), ToolError> {
        self.semver_checks()?;
        self.schemathesis()?;
        self.spec_validator()?;
        self.redocly()?;
        self.prism()?;
        self.http_registry()?;
        Ok(())
    }

    fn folder(&self, name: &str, version: &str) -> PathBuf {
        let name = name.trim_start_matches('@').replace('/', "-");
        self.dir.join(format!("{name}-{version}"))
    }

    /// Runs `install` into `root` unless a complete install is there; marks it complete.
    fn ensure(
        &self,
        root: &Path,
        tool: &'static str,
        version: &'static str,
        install: impl FnOnce(&Path) -> Result<(), ToolError>,
    ) -> Result<(), ToolError> {
        if root.join(MARK).is_file() {
            return Ok(());
        }
        let io = |source| ToolError::Io {
            path: root.to_path_buf(),
            source,
        };
        if root.exists() {
            std::fs::remove_dir_all(root).map_err(io)?;
        }
        std::fs::create_dir_all(root).map_err(io)?;
        install(root)?;
        std::fs::write(root.join(MARK), format!("{tool} {version}\n")).map_err(io)
    }

    /// A PyPI package in a virtual environment of its own.
    fn python_tool(
        &self,
        package: &'static str,
        version: &'static str,
        command: &str,
    ) -> Result<PathBuf, ToolError> {
        let root = self.folder(package, version);
        self.ensure(&root, package, version, |root| {
            eprintln!(
                "tools: installing {package} {version} (PyPI) into {}",
                root.display()
            );
            run_install(
                package,
                version,
                Command::new("python3").args(["-m", "venv"]).arg(root),
            )?;
            run_install(
                package,
                version,
                Command::new(root.join("bin/pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check"])
                    .arg(format!("{package}=={version}")),
            )
        })?;
        Ok(root.join("bin").join(command))
    }

    /// An npm package in a prefix of its own.
    fn npm_tool(
        &self,
        package: &'static str,
        version: &'static str,
        command: &str,
    ) -> Result<PathBuf, ToolError> {
        let root = self.folder(package, version);
        self.ensure(&root, package, version, |root| {
            eprintln!(
                "tools: installing {package} {version} (npm) into {}",
                root.display()
            );
            run_install(
                package,
                version,
                Command::new("npm")
                    .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
                    .arg(root)
                    .arg(format!("{package}@{version}")),
            )
        })?;
        Ok(root.join("node_modules/.bin").join(command))
    }
}

/// The cargo that runs this process (or the one on the `PATH`).
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// Whether `program args` runs and prints `version`.
fn reports_version(program: &Path, args: &[&str], version: &str) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(version))
}

fn run_install(
    tool: &'static str,
    version: &'static str,
    command: &mut Command,
) -> Result<(), ToolError> {
    let shown = format!(
        "{} {}",
        command.get_program().to_string_lossy(),
        command
            .get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let failed = |outcome: String| ToolError::Install {
        tool,
        version,
        command: shown.clone(),
        outcome,
    };
    let status = command
        .status()
        .map_err(|e| failed(format!("could not start: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(format!("failed ({status})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_short_install_is_redone_and_a_complete_one_reused() {
        let dir = tempfile::tempdir().unwrap();
        let tools = Tools::at(dir.path());
        let root = tools.folder("@scope/tool", "1.2.3");
        assert!(root.ends_with("scope-tool-1.2.3"));
        // A folder without the mark: what an interrupted install leaves.
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("half"), "").unwrap();
        let mut runs = 0;
        tools
            .ensure(&root, "tool", "1.2.3", |r| {
                runs += 1;
                assert!(!r.join("half").exists(), "the half install is gone first");
                Ok(())
            })
            .unwrap();
        tools
            .ensure(&root, "tool", "1.2.3", |_| {
                runs += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(runs, 1);
    }

    #[test]
    fn a_failed_install_is_not_marked_complete() {
        let dir = tempfile::tempdir().unwrap();
        let tools = Tools::at(dir.path());
        let root = tools.folder("tool", "1");
        let error = tools
            .ensure(&root, "tool", "1", |_| {
                run_install("tool", "1", &mut Command::new("false"))
            })
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("installing tool 1 failed: `false"),
            "{error}"
        );
        assert!(!root.join(MARK).exists());
    }
}
