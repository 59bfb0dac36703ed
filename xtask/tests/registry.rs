//! Releases reach users through a real registry server (cargo-http-registry, pinned in
//! `xtask::tools`, started here on a port the OS gives it, with a registry folder of its own):
//!
//! 1. a clone of this checkout makes its next release and publishes it with
//!    `cargo xtask release --publish --registry`, cut off after its first crate and run again
//!    (the second run publishes the rest and tags);
//! 2. the emulator and the command-line tool are `cargo install`ed from the registry; the tool
//!    runs a command against the emulator;
//! 3. a crate outside any workspace, depending on `cloudflare-cni-client` alone (a caret
//!    requirement, from that registry) plus tokio, builds and runs the provisioning flow against
//!    the emulator (`tests/user-client/examples/provision.rs` as its `main.rs`);
//! 4. a change to Cloudflare's document that is minor for the client (an optional response
//!    property, an enum value, an operation) is imported, generated, released and published;
//!    the outside crate's `cargo update` takes it, and it compiles and runs unchanged;
//! 5. a breaking change (a removed response property) is released and published; the outside
//!    crate's `cargo update` stays on the previous release, and it still runs.
//!
//! Slow (several builds): the slow gate runs it, `cargo xtask ci` (step `registry`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudflare_cni_codegen::evolution::{catalog, Mutation, Shape};
use cloudflare_cni_codegen::{import, source, SpecSource};
use serde_json::Value;
use xtask::conformance::{emulator_address, Server};
use xtask::tools::{self, Tools};

const REGISTRY: &str = "cni-test";
const TOKEN: &str = "registry-test-token";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The registry server, stopped when dropped.
struct RegistryServer {
    child: std::process::Child,
    index: String,
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts cargo-http-registry on a port the OS gives it, in the empty folder `root`, and reads
/// the address from the `config.json` that this process writes there.
fn start_registry(binary: &Path, root: &Path) -> RegistryServer {
    assert!(!root.exists(), "a fresh registry folder");
    let mut child = Command::new(binary)
        .arg(root)
        .args(["--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .spawn()
        .expect("cargo-http-registry starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the registry's status") {
            panic!("cargo-http-registry exited at start: {status}");
        }
        let config: Option<Value> = std::fs::read_to_string(root.join("config.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let api = config.as_ref().and_then(|c| c["api"].as_str());
        if let Some(api) = api {
            let api = api.trim_end_matches('/').to_string();
            assert!(api.starts_with("http://127.0.0.1:"), "{api}");
            println!(
                "registry: cargo-http-registry (pid {}) at {api}",
                child.id()
            );
            return RegistryServer {
                child,
                index: format!("{api}/git"),
            };
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the registry never wrote its config.json"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every command here talks to the test registry, and builds in the test's own folders.
struct Env {
    index: String,
    target: PathBuf,
}

impl Env {
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut command = Command::new(program);
        let name = REGISTRY.to_ascii_uppercase().replace('-', "_");
        command
            .current_dir(dir)
            .env(format!("CARGO_REGISTRIES_{name}_INDEX"), &self.index)
            .env(format!("CARGO_REGISTRIES_{name}_TOKEN"), "test")
            // cargo-http-registry serves its index as a git repository over plain HTTP.
            .env("CARGO_NET_GIT_FETCH_WITH_CLI", "true")
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
            .env_remove("CARGO_MANIFEST_DIR");
        command
    }

    /// Runs to completion, printing what it says; fails the test when it fails.
    fn run(&self, what: &str, command: &mut Command) -> String {
        println!("\n$ {what}");
        let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        for line in text.lines().filter(|l| interesting(l)) {
            println!("  {line}");
        }
        assert!(output.status.success(), "{what} failed:\n{text}");
        text
    }

    fn xtask(&self, clone: &Path, args: &[&str]) -> Command {
        let mut command = self.command(env!("CARGO_BIN_EXE_xtask"), clone);
        command.arg("--root").arg(clone).args(args);
        command
    }
}

/// The lines of a command's output worth showing in the test's log.
fn interesting(line: &str) -> bool {
    let line = line.trim_start();
    [
        "release",
        "published",
        "publish:",
        "dry run",
        "Uploading",
        "Published",
        "Updating",
        "Locking",
        "Adding",
        "Installed",
        "interconnect ",
        "error",
        "warning: ",
        "  cloudflare",
        "| `cloudflare",
        "=>",
    ]
    .iter()
    .any(|p| line.starts_with(p))
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=registry test",
            "-c",
            "user.email=test@example.com",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// The version of `package` in the lock file of `dir`.
fn locked_version(dir: &Path, package: &str) -> String {
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("Cargo.lock")).unwrap()).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some(package))
        .and_then(|p| p["version"].as_str())
        .unwrap_or_else(|| panic!("{package} is not in the lock file"))
        .to_string()
}

/// The version `spec/release.toml` records for `package`, without build metadata.
fn released_version(clone: &Path, package: &str) -> semver::Version {
    let record = xtask::record::ReleaseRecord::read(clone).unwrap();
    let mut version = record.version(package).unwrap();
    version.build = semver::BuildMetadata::EMPTY;
    version
}

/// Cloudflare's document in the clone, changed by `mutations`, written for an import.
fn mutated_upstream(clone: &Path, out: &Path, mutations: &[(Mutation, &str)]) {
    let source = SpecSource {
        display_path: import::UPSTREAM_PATH.to_string(),
        text: std::fs::read_to_string(clone.join(import::UPSTREAM_PATH)).unwrap(),
    };
    let mut upstream = source::parse(&source).unwrap().value;
    for (mutation, label) in mutations {
        println!("change: {}", mutation.describe());
        mutation.apply(&mut upstream, label).unwrap();
    }
    std::fs::write(out, serde_json::to_string_pretty(&upstream).unwrap()).unwrap();
}

/// Imports, generates and commits a new revision of Cloudflare's document in the clone.
fn import_revision(env: &Env, clone: &Path, document: &Path, revision: &str) {
    let path = document.display().to_string();
    env.run(
        &format!(
            "cargo xtask import {} --revision {revision}",
            document.display()
        ),
        &mut env.xtask(clone, &["import", &path, "--revision", revision]),
    );
    env.run("cargo xtask generate", &mut env.xtask(clone, &["generate"]));
    git(clone, &["add", "-A"]);
    git(
        clone,
        &[
            "commit",
            "-q",
            "-m",
            &format!("Cloudflare's document of {revision}"),
        ],
    );
}

/// `cargo xtask release --publish --registry`, stopped (with everything it started) once it
/// says it published its first crate. Returns what it printed.
fn release_cut_off_after_first_crate(env: &Env, clone: &Path) -> String {
    use std::os::unix::process::CommandExt;
    println!(
        "\n$ cargo xtask release --publish --registry {REGISTRY}   (cut off after the first crate)"
    );
    let mut child = env
        .xtask(clone, &["release", "--publish", "--registry", REGISTRY])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(clone.with_file_name("cut-off.stderr")).unwrap(),
        ))
        .process_group(0)
        .spawn()
        .unwrap();
    let mut seen = String::new();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if interesting(&line) {
            println!("  {line}");
        }
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("published ") {
            // The whole process group: xtask and the `cargo publish` it may have started.
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{}", child.id())])
                .status();
            println!("  -- cut off here --");
            break;
        }
    }
    let _ = child.wait();
    if !seen.lines().any(|line| line.starts_with("published ")) {
        let stderr =
            std::fs::read_to_string(clone.with_file_name("cut-off.stderr")).unwrap_or_default();
        panic!("the cut-off run ended before publishing a crate:\n{seen}\n{stderr}");
    }
    seen
}

#[test]
#[ignore = "slow: `cargo xtask ci` runs it (step `registry`)"]
fn releases_published_to_a_registry_are_followed_by_a_users_crate() {
    let tools = Tools::machine().unwrap();
    let registry_binary = tools.http_registry().unwrap();
    let work = tempfile::Builder::new()
        .prefix("cni-registry-")
        .tempdir()
        .unwrap();
    let clone = work.path().join("checkout");
    let user = work.path().join("user");
    let bin = work.path().join("bin");
    let registry = start_registry(&registry_binary, &work.path().join("registry"));
    let env = Env {
        index: registry.index.clone(),
        // Kept across runs, like the evolution test's: the builds here are most of its time.
        target: repo().join("target/registry"),
    };

    // The checkout as committed.
    git(
        work.path(),
        &["clone", "-q", &repo().display().to_string(), "checkout"],
    );
    for (key, value) in [
        ("user.name", "registry test"),
        ("user.email", "test@example.com"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ] {
        git(&clone, &["config", key, value]);
    }

    // 1. Release N, published; cut off after its first crate, then resumed.
    let cut = release_cut_off_after_first_crate(&env, &clone);
    let first = cut
        .lines()
        .find_map(|l| l.strip_prefix("published "))
        .expect("the cut-off run published a crate")
        .to_string();
    let tag = xtask::record::ReleaseRecord::read(&clone)
        .unwrap()
        .tag
        .unwrap();
    assert!(
        !xtask::release::publish::tag_exists(&clone, &tag),
        "no tag before every crate is published"
    );
    let resumed = env.run(
        &format!("cargo xtask release --publish --registry {REGISTRY}   (again: resumes)"),
        &mut env.xtask(&clone, &["release", "--publish", "--registry", REGISTRY]),
    );
    let first_name = first.split(' ').next().unwrap();
    assert!(
        resumed.contains("is committed and not tagged: publishing it")
            && resumed.contains(&format!("publish: {first_name} ")),
        "the second run resumes and skips {first_name}:\n{resumed}"
    );
    assert!(
        xtask::release::publish::tag_exists(&clone, &tag),
        "tagged once all are published"
    );
    let release_n = released_version(&clone, "cloudflare-cni-client");

    // 2. The emulator and the tool from the registry; the tool against the emulator.
    for package in ["cloudflare-cni-emulator", "cloudflare-cni"] {
        env.run(
            &format!("cargo install {package} --registry {REGISTRY}"),
            env.command(tools::cargo(), work.path())
                .args([
                    "install",
                    "--quiet",
                    "--debug",
                    package,
                    "--registry",
                    REGISTRY,
                    "--root",
                ])
                .arg(&bin),
        );
    }
    let mut emulator = Command::new(bin.join("bin/cloudflare-cni-emulator"));
    emulator.args([
        "--listen",
        "127.0.0.1:0",
        "--status-delay",
        "0.3",
        "--api-token",
        TOKEN,
    ]);
    let emulator =
        Server::start("the emulator", emulator, "127.0.0.1:0", emulator_address).unwrap();
    let base_url = format!("http://{}/client/v4", emulator.address);
    println!("emulator: the installed binary at {base_url}");
    let listed = env.run(
        "cloudflare-cni slots list (the installed tool)",
        env.command(bin.join("bin/cloudflare-cni"), work.path())
            .args([
                "--base-url",
                &base_url,
                "--api-token",
                TOKEN,
                "--account",
                "acct-r",
            ])
            .args(["slots", "list"]),
    );
    let page: Value = serde_json::from_str(listed.trim()).expect("the tool prints JSON");
    let slots = page["items"].as_array().map_or(0, Vec::len);
    assert!(slots > 0, "{listed}");
    println!("  {slots} slots listed by the installed tool");

    // 3. A user's crate, outside any workspace: the client from the registry, and tokio.
    std::fs::create_dir_all(user.join("src")).unwrap();
    std::fs::write(
        user.join("Cargo.toml"),
        format!(
            "[package]\nname = \"follows-releases\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ncloudflare-cni-client = {{ version = \"{release_n}\", registry = \"{REGISTRY}\" }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n"
        ),
    )
    .unwrap();
    std::fs::copy(
        repo().join("tests/user-client/examples/provision.rs"),
        user.join("src/main.rs"),
    )
    .unwrap();
    let run_user = |label: &str| {
        env.run(
            &format!("cargo build ({label})"),
            env.command(tools::cargo(), &user).arg("build"),
        );
        let client = locked_version(&user, "cloudflare-cni-client");
        let ran = env.run(
            &format!("follows-releases (client {client})"),
            env.command(env.target.join("debug/follows-releases"), &user)
                .args([&base_url, TOKEN, "acct-r"]),
        );
        assert!(
            ran.contains("healthy") && ran.contains("both deleted"),
            "{ran}"
        );
        // Compared without the build metadata (`+spec.…`), which Cargo ignores.
        client.split('+').next().unwrap_or_default().to_string()
    };
    assert_eq!(run_user("release N"), release_n.to_string());

    // 4. Minor for the client: an optional response property, an enum value, an operation.
    let upstream = source::parse(&SpecSource {
        display_path: import::UPSTREAM_PATH.to_string(),
        text: std::fs::read_to_string(clone.join(import::UPSTREAM_PATH)).unwrap(),
    })
    .unwrap()
    .value;
    let all = catalog(&upstream);
    let pick = |wanted: fn(&Mutation) -> bool, what: &str| {
        all.iter()
            .find(|m| wanted(m))
            .cloned()
            .unwrap_or_else(|| panic!("the catalogue has {what}"))
    };
    let minor = [
        (
            pick(
                |m| {
                    matches!(
                        m,
                        Mutation::AddProperty {
                            shape: Shape::Boolean,
                            ..
                        }
                    )
                },
                "an added property",
            ),
            "registry_flag",
        ),
        (
            pick(
                |m| matches!(m, Mutation::AddEnumValue { .. }),
                "an added enum value",
            ),
            "registry_value",
        ),
        (
            pick(
                |m| matches!(m, Mutation::AddOperation),
                "an added operation",
            ),
            "registry_operation",
        ),
    ];
    let next = work.path().join("cloudflare-2099-01-01.json");
    mutated_upstream(&clone, &next, &minor);
    import_revision(&env, &clone, &next, "2099-01-01");
    env.run(
        &format!("cargo xtask release --publish --registry {REGISTRY}"),
        &mut env.xtask(&clone, &["release", "--publish", "--registry", REGISTRY]),
    );
    let release_minor = released_version(&clone, "cloudflare-cni-client");
    assert_eq!(
        (release_minor.major, release_minor.minor),
        (release_n.major, release_n.minor),
        "minor for the client: {release_n} -> {release_minor}"
    );
    assert!(release_minor > release_n);
    env.run(
        "cargo update (minor release out)",
        env.command(tools::cargo(), &user).arg("update"),
    );
    assert_eq!(
        run_user("release N+1, picked up"),
        release_minor.to_string()
    );

    // 5. Breaking: a response property removed.
    // A removal the overlay does not patch (one it patches is refused at import, naming the
    // action: the evolution corpus covers that), from the document as it is now.
    let current = source::parse(&SpecSource {
        display_path: import::UPSTREAM_PATH.to_string(),
        text: std::fs::read_to_string(clone.join(import::UPSTREAM_PATH)).unwrap(),
    })
    .unwrap()
    .value;
    let overlay = SpecSource {
        display_path: import::OVERLAY_PATH.to_string(),
        text: std::fs::read_to_string(clone.join(import::OVERLAY_PATH)).unwrap(),
    };
    // And one the emulator and the user's crate never name: the breaking release must build
    // them unchanged (a property they set would need their code changed, as a major release
    // says).
    let hand_written: String = ["tests/emulator/src", "tests/user-client/examples"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(repo().join(dir)).unwrap().flatten())
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    let unnamed = |property: &str| !hand_written.contains(property);
    let properties: Vec<Mutation> = current["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(schema, node)| {
            let properties = node
                .get("properties")
                .or_else(|| node.pointer("/allOf/1/properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            properties
                .into_iter()
                .filter(|p| unnamed(p))
                .map(|property| Mutation::RemoveResponseProperty {
                    schema: schema.clone(),
                    property,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let removal = properties
        .into_iter()
        .find(|m| {
            let mut document = current.clone();
            m.apply(&mut document, "registry_removed").is_ok()
                && import::import_revision(
                    &SpecSource {
                        display_path: "cloudflare-2099-02-01.json".to_string(),
                        text: serde_json::to_string(&document).unwrap(),
                    },
                    &overlay,
                    None,
                )
                .is_ok()
        })
        .expect("a removed response property that imports");
    let breaking = [(removal, "registry_removed")];
    let broken = work.path().join("cloudflare-2099-02-01.json");
    mutated_upstream(&clone, &broken, &breaking);
    import_revision(&env, &clone, &broken, "2099-02-01");
    env.run(
        &format!("cargo xtask release --publish --registry {REGISTRY}"),
        &mut env.xtask(&clone, &["release", "--publish", "--registry", REGISTRY]),
    );
    let release_major = released_version(&clone, "cloudflare-cni-client");
    assert!(
        release_major.major > release_n.major
            || (release_major.major == 0 && release_major.minor > release_n.minor),
        "major for the client: {release_minor} -> {release_major}"
    );
    env.run(
        "cargo update (major release out)",
        env.command(tools::cargo(), &user).arg("update"),
    );
    assert_eq!(
        run_user("release N+2 out, not picked up"),
        release_minor.to_string(),
        "a caret requirement stays below the major release"
    );
    println!(
        "\nregistry: client {release_n} (release N) -> {release_minor} (N+1, taken by cargo update) -> {release_major} (N+2, breaking, not taken); the tool and the emulator installed from the registry"
    );
    drop(emulator);
    drop(registry);
}
