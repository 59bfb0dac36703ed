//! What `cargo xtask import`, `generate` and `diff` do: read the inputs, call the generator
//! library, write or check the files, and report. `main.rs` only parses the arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cloudflare_cni_codegen::{diff, Drift};

use crate::workspace::{earlier_spec_value, read_spec_arg, spec_value, Workspace, WorkspaceError};

/// What an import did, for `sync`.
#[derive(Debug)]
pub struct ImportOutcome {
    /// The exit code of `import` (failure: `--check` found differences).
    pub code: ExitCode,
    /// Whether any file of spec/ was (or, with `--check`, would be) written.
    pub changed: bool,
    /// The revision the import labelled the document with.
    pub revision: String,
    /// What documentation-only overlay actions could no longer document (Cloudflare removed
    /// it), one line each.
    pub skipped: Vec<String>,
}

/// What `import` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct ImportRequest {
    /// Cloudflare's document; default: the last imported selection.
    pub path: Option<PathBuf>,
    pub revision: Option<String>,
    /// Write nothing; report whether spec/ differs.
    pub check: bool,
    pub verbose: bool,
    /// Take a removal of most operations, or of a whole group, as meant.
    pub accept_removals: bool,
}

pub fn import(ws: &Workspace, request: &ImportRequest) -> Result<ImportOutcome, crate::Error> {
    use cloudflare_cni_codegen::import;
    use cloudflare_cni_codegen::SpecSource;
    let read = |path: &Path, display: String| {
        std::fs::read_to_string(path)
            .map(|text| SpecSource {
                display_path: display,
                text,
            })
            .map_err(crate::Error::io("read", &path))
    };
    // Read at most what the import reads (a larger file is refused unread).
    if let Some(path) = &request.path {
        let size = std::fs::metadata(path)
            .map_err(crate::Error::io("read", &path))?
            .len();
        if size > cloudflare_cni_codegen::source::MAX_SOURCE_BYTES as u64 {
            return Err(crate::Error::Refused(format!(
                "{}: the document is {size} bytes; the most the import reads is {}",
                path.display(),
                cloudflare_cni_codegen::source::MAX_SOURCE_BYTES
            )));
        }
    }
    let upstream = match &request.path {
        Some(path) => read(path, path.display().to_string())?,
        None => read(
            &ws.root.join(import::UPSTREAM_PATH),
            import::UPSTREAM_PATH.to_string(),
        )?,
    };
    let overlay = read(
        &ws.root.join(import::OVERLAY_PATH),
        import::OVERLAY_PATH.to_string(),
    )?;
    let readme = std::fs::read_to_string(ws.root.join(import::README_PATH))
        .map_err(crate::Error::io("read", ws.root.join(import::README_PATH)))?;
    let previous = std::fs::read_to_string(ws.root.join(import::UPSTREAM_PATH)).ok();
    let imported = import::import_with(
        &upstream,
        &overlay,
        import::ImportOptions {
            revision: request.revision.as_deref(),
            previous: previous.as_deref(),
            accept_removals: request.accept_removals,
        },
    )?;
    if let Some(previous) = &previous {
        import::check_revision(previous, &imported).map_err(crate::Error::Refused)?;
    }
    let files = import::files(&imported, &readme).map_err(crate::Error::Refused)?;
    let report = &imported.report;
    let outcome = |code, changed| ImportOutcome {
        code,
        changed,
        revision: imported.revision.clone(),
        skipped: report.skipped.clone(),
    };
    if request.check {
        let code = check_import(ws, &files, &upstream.display_path, request.verbose)?;
        let changed = code != ExitCode::SUCCESS;
        return Ok(outcome(code, changed));
    }
    let summary = files.write_listed(&ws.root)?;
    if summary.written.is_empty() {
        println!(
            "unchanged: the CNI section of {} is the one {} records (revision {}); nothing written",
            upstream.display_path,
            import::UPSTREAM_PATH,
            imported.revision
        );
        return Ok(outcome(ExitCode::SUCCESS, false));
    }
    println!(
        "imported {} (revision {}): {} operations, {} components; {} overlay actions applied",
        upstream.display_path,
        imported.revision,
        report.operations.len(),
        report.components.len(),
        report.actions.len()
    );
    for (from, to) in &report.renamed {
        println!("  schema {from} → {to}");
    }
    for (from, to) in &report.operations_renamed {
        println!("  operation {from} → {to} (a Rust method name, by rule)");
    }
    for tag in &report.tags_declared {
        println!("  tag {tag:?} declared (used by operations, not declared by the document)");
    }
    for pruned in &report.pruned {
        println!("  dropped {pruned} (nothing references it once the overlay applies)");
    }
    for skipped in &report.skipped {
        println!("  skipped: {skipped}");
    }
    for repair in &report.repairs {
        println!("  warning: {repair}");
    }
    for path in &summary.written {
        println!("wrote   {path}");
    }
    println!(
        "spec/: {} written, {} unchanged. Next: `cargo xtask diff git:HEAD:{} {}`, then `cargo xtask generate`",
        summary.written.len(),
        summary.unchanged,
        import::SPEC_PATH,
        import::SPEC_PATH
    );
    Ok(outcome(ExitCode::SUCCESS, true))
}

pub fn generate(
    ws: &Workspace,
    check: bool,
    verbose: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<ExitCode, WorkspaceError> {
    let (spec_path, display) = match spec {
        Some(path) => {
            let display = path.display().to_string();
            (path, display)
        }
        None => (ws.spec_path(), Workspace::SPEC.to_string()),
    };
    let out = out.unwrap_or_else(|| ws.generated_dir());
    // The generated Cargo.toml files inherit the workspace's dependencies (`x.workspace =
    // true`), so they build only inside this workspace: refuse to write them elsewhere.
    if !check && !inside(&out, &ws.root) {
        return Err(WorkspaceError::Usage(format!(
            "--out {}: the generated crates inherit this workspace's dependencies and build only \
             inside it; choose a folder under {} (or use --check to compare anywhere)",
            out.display(),
            ws.root.display()
        )));
    }
    // The versions come from spec/release.toml, as `cargo xtask release` wrote them.
    let config = ws.config()?;
    let tree = cloudflare_cni_codegen::render_file(&spec_path, &display, &config)?;
    if check {
        let drift = tree
            .check(&out)
            .map_err(cloudflare_cni_codegen::GenerateError::from)?;
        if drift.is_empty() {
            println!("generated/ is up to date with {display}");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "generated/ is stale: {} file(s) differ from what {display} renders:",
            drift.len()
        );
        report_drift(&drift, verbose);
        eprintln!("run `cargo xtask generate` to update it");
        return Ok(ExitCode::FAILURE);
    }
    let summary = tree
        .write(&out)
        .map_err(cloudflare_cni_codegen::GenerateError::from)?;
    for path in &summary.written {
        println!("wrote   {path}");
    }
    for path in &summary.removed {
        println!("removed {path}");
    }
    println!(
        "generated/: {} written, {} removed, {} unchanged",
        summary.written.len(),
        summary.removed.len(),
        summary.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

/// `import --check`: the files an import would write, against `spec/`.
fn check_import(
    ws: &Workspace,
    files: &cloudflare_cni_codegen::GeneratedTree,
    upstream: &str,
    verbose: bool,
) -> Result<ExitCode, crate::Error> {
    use cloudflare_cni_codegen::import;
    let drift = files.check_listed(&ws.root)?;
    if drift.is_empty() {
        println!(
            "spec/ is up to date with {upstream} through {}",
            import::OVERLAY_PATH
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "spec/ is stale: {} file(s) differ from what importing {upstream} produces:",
        drift.len()
    );
    report_drift(&drift, verbose);
    eprintln!("run `cargo xtask import` to update it");
    Ok(ExitCode::FAILURE)
}

/// Each drifted file, with its diff under `--verbose`.
fn report_drift(drift: &[Drift], verbose: bool) {
    for d in drift {
        eprintln!("  {d}");
        if let (true, Drift::Changed { diff, .. }) = (verbose, d) {
            eprintln!("{diff}");
        }
    }
}

/// Whether `path` (which may not exist yet) lies under `root`.
fn inside(path: &Path, root: &Path) -> bool {
    let absolute = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Resolve what exists (symlinks, `..`); the rest is appended as given.
        let existing = p.ancestors().find(|a| a.exists()).unwrap_or(Path::new("/"));
        let rest = p.strip_prefix(existing).unwrap_or(Path::new(""));
        existing
            .canonicalize()
            .unwrap_or_else(|_| existing.to_path_buf())
            .join(rest)
    };
    absolute(path).starts_with(absolute(root))
}

pub fn diff(ws: &Workspace, old: &str, new: &str, json: bool) -> Result<(), crate::Error> {
    let root = &ws.root;
    // The old side is what it was (an earlier release's spec may predate today's lint rules);
    // the new side must load as `generate` would load it.
    let (old_display, old_text) = read_spec_arg(root, old)?;
    let (new_display, new_text) = read_spec_arg(root, new)?;
    let result = diff::diff(
        &earlier_spec_value(&old_display, old_text)?,
        &spec_value(&new_display, new_text)?,
    );
    let crates = result.crate_impact();
    if json {
        let report = serde_json::json!({
            "strongest": result.strongest().map(|c| c.as_str()),
            "crates": crates,
            "changes": result.changes,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", result.render());
        if let Some(class) = result.strongest() {
            println!("strongest on the wire: {}", class.as_str());
            println!(
                "crates: types {}, client {}, server {}",
                crates.types.as_str(),
                crates.client.as_str(),
                crates.server.as_str()
            );
        }
    }
    Ok(())
}

/// `cargo xtask crates`: the published crates, in dependency order, as `-p NAME` arguments for
/// cargo (or one name a line).
pub fn crates(ws: &Workspace, names: bool) -> Result<(), crate::Error> {
    let crates = ws.published_crates()?;
    if names {
        crates.iter().for_each(|c| println!("{c}"));
    } else {
        let args: Vec<String> = crates.iter().map(|c| format!("-p {c}")).collect();
        println!("{}", args.join(" "));
    }
    Ok(())
}
