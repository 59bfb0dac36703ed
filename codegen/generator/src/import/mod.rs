//! `cargo xtask import`: Cloudflare's published OpenAPI document in, `spec/cni.yaml` out.
//!
//! ```text
//! upstream text ─source::parse─▶ JSON ─select─▶ the CNI paths and every component they reach
//!   (written to spec/upstream/cloudflare-cni.yaml: what Cloudflare says, nothing of ours)
//!   ─overlay::apply (spec/overlay.yaml, OpenAPI Overlay 1.0.0)─▶ our deliberate deviations
//!   ─normalize─▶ one shape for the generator (allOf merged, aliases inlined, names chosen,
//!                unreachable components pruned)
//!   ─load (the generator's own lint)─▶ yaml::emit ─▶ spec/cni.yaml
//! ```
//!
//! Everything happens in memory and the result is linted before a byte is written, so a broken
//! overlay or an upstream change that an action no longer fits leaves `spec/` as it was.
//! Every deviation from Cloudflare's document is an overlay action with a description; the
//! normalizations are meaning-preserving rewrites, listed in `spec/README.md`.

mod normalize;
pub mod overlay;
mod repair;
mod select;
mod yaml;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{self, SpecSource};

pub use overlay::{Action, Applied, Overlay};
pub use select::operation_groups;

/// Where the import's inputs and outputs live, relative to the workspace root.
pub const UPSTREAM_PATH: &str = "spec/upstream/cloudflare-cni.yaml";
pub const OVERLAY_PATH: &str = "spec/overlay.yaml";
pub const SPEC_PATH: &str = "spec/cni.yaml";
pub const README_PATH: &str = "spec/README.md";

/// The paths the import keeps from Cloudflare's document.
pub const PATH_PREFIX: &str = "/accounts/{account_id}/cni/";

const UPSTREAM_HEADER: &str = "# The CNI part of Cloudflare's published OpenAPI document";

/// What an import produced, in memory.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The revision it is labelled with (`2026-08-14`); `info.version` is its dotted form.
    pub revision: String,
    /// The CNI part of Cloudflare's document, as selected (`spec/upstream/cloudflare-cni.yaml`).
    pub upstream_text: String,
    /// The spec the generator reads (`spec/cni.yaml`).
    pub spec_text: String,
    /// The deviations table for `spec/README.md`, generated from the overlay.
    pub deviations_markdown: String,
    pub report: ImportReport,
}

/// What the import did, for the command's output and for review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Operations kept, as `METHOD path (operationId)`.
    pub operations: Vec<String>,
    /// Components kept from Cloudflare's document, as `kind/name`.
    pub components: Vec<String>,
    /// Per overlay action (in order): how many nodes its target matched.
    pub actions: Vec<(usize, usize)>,
    /// Schema renames, `from → to`.
    pub renamed: Vec<(String, String)>,
    /// Components that nothing reaches once the overlay is applied, dropped.
    pub pruned: Vec<String>,
    /// operationIds named by rule (`cni-list-cnis` → `cni_list_cnis`), `from → to`.
    pub operations_renamed: Vec<(String, String)>,
    /// Tags used and not declared, declared by rule.
    pub tags_declared: Vec<String>,
    /// What documentation-only overlay actions could not document any more (Cloudflare
    /// removed it), one line each: the import went on without it.
    pub skipped: Vec<String>,
    /// Where Cloudflare's document is sloppy but its meaning plain, the rule applied (see
    /// `repair`), one warning each naming the operation or schema.
    pub repairs: Vec<String>,
}

/// Why an import failed. Nothing has been written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The upstream document is not YAML/JSON, or not a document the import can select from.
    #[error("{0}")]
    Upstream(Diagnostics),
    /// The overlay is not a valid Overlay 1.0.0 document, or an action cannot apply.
    #[error("{0}")]
    Overlay(Diagnostics),
    /// The imported spec does not pass the generator's own checks.
    #[error("the imported spec does not load:\n{0}")]
    Result(Diagnostics),
    /// The new document removes more than half of the CNI operations, or every operation of a
    /// group: refused unless removals are accepted (a publishing accident looks like this).
    #[error("{0}")]
    Removals(Removals),
}

/// Operations a new document removes, when that is too many to take on trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removals {
    /// How many operations the last import had.
    pub before: usize,
    /// The operations gone, `METHOD path (group)`.
    pub removed: Vec<String>,
    /// Groups (tags) none of whose operations is left.
    pub emptied_groups: Vec<String>,
}

impl std::fmt::Display for Removals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused: the new document removes {} of the {} CNI operations",
            self.removed.len(),
            self.before
        )?;
        if !self.emptied_groups.is_empty() {
            write!(
                f,
                ", and every operation of {}",
                self.emptied_groups.join(", ")
            )?;
        }
        writeln!(f, " (a publishing accident looks like this). Gone:")?;
        for operation in &self.removed {
            writeln!(f, "  - {operation}")?;
        }
        write!(
            f,
            "If Cloudflare did remove them, import again with --accept-removals."
        )
    }
}

/// How an import relates to the last one.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions<'a> {
    /// The revision to label the document with (see [`revision_of`]).
    pub revision: Option<&'a str>,
    /// The last import's selection (`spec/upstream/cloudflare-cni.yaml`), when there is one:
    /// an unchanged CNI section keeps its label, and removals are judged against it.
    pub previous: Option<&'a str>,
    /// Take a removal of more than half the operations, or of a whole group, as meant.
    pub accept_removals: bool,
}

/// Refuses `new` when it removes more than half of `previous`'s operations or every operation
/// of one of its groups.
pub fn check_removals(previous: &Value, new: &Value) -> Result<(), Removals> {
    let before = select::operation_groups(previous);
    let after = select::operation_groups(new);
    let removed: Vec<String> = before
        .iter()
        .filter(|(operation, _)| !after.contains_key(*operation))
        .map(|(operation, group)| format!("{operation} ({group})"))
        .collect();
    let groups_after: std::collections::BTreeSet<&String> = after.values().collect();
    let mut emptied_groups: Vec<String> = before
        .values()
        .filter(|group| !groups_after.contains(group))
        .cloned()
        .collect();
    emptied_groups.dedup();
    if removed.len() * 2 > before.len() || !emptied_groups.is_empty() {
        return Err(Removals {
            before: before.len(),
            removed,
            emptied_groups,
        });
    }
    Ok(())
}

/// The line of `spec/upstream/cloudflare-cni.yaml`'s header that records its revision.
const REVISION_LINE: &str = "# Revision: ";

/// Imports `upstream` (Cloudflare's whole document, or an extract of it) through `overlay`,
/// labelled with the revision its header records or its file name carries (see
/// [`import_revision`]).
pub fn import(upstream: &SpecSource, overlay: &SpecSource) -> Result<Imported, ImportError> {
    import_revision(upstream, overlay, None)
}

/// The revision `upstream` carries: `revision` when given; else the one the header of
/// `spec/upstream/cloudflare-cni.yaml` records (a re-import); else a date in its file name
/// (`cloudflare-cni-2026-08-14.yaml`, as Cloudflare's documents are dated).
pub fn revision_of(upstream: &SpecSource, revision: Option<&str>) -> Result<String, String> {
    let valid = |r: &str| {
        !r.is_empty()
            && r.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    if let Some(given) = revision {
        return match valid(given) {
            true => Ok(given.to_string()),
            false => Err(format!(
                "revision {given:?}: a revision is letters, digits, `-` and `.` (a date, 2026-08-14)"
            )),
        };
    }
    if let Some(recorded) = recorded_revision(&upstream.text) {
        return Ok(recorded);
    }
    let file_name = std::path::Path::new(&upstream.display_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = file_name.as_bytes();
    (0..bytes.len().saturating_sub(9))
        .map(|i| &file_name[i..i + 10])
        .find(|c| {
            c.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
        })
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "cannot tell which revision {} is: its name carries no date; pass --revision \
                 (Cloudflare's date for it, 2026-08-14)",
                upstream.display_path
            )
        })
}

/// The revision a selection's header records.
pub fn recorded_revision(upstream_text: &str) -> Option<String> {
    upstream_text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(REVISION_LINE))
        .map(|r| r.trim_end_matches('.').trim().to_string())
}

/// Refuses to label a different document with the revision the last import recorded:
/// `previous` is `spec/upstream/cloudflare-cni.yaml` as it is, `imported` the new import.
pub fn check_revision(previous: &str, imported: &Imported) -> Result<(), String> {
    let body = |text: &str| -> String {
        text.lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match recorded_revision(previous) {
        Some(recorded)
            if recorded == imported.revision && body(previous) != body(&imported.upstream_text) =>
        {
            Err(format!(
                "revision {recorded} is already the label of a different document \
                 ({UPSTREAM_PATH}): a changed document is a new revision; pass --revision \
                 with Cloudflare's date for it"
            ))
        }
        _ => Ok(()),
    }
}

/// `info.version` of a revision: a date's dashes become dots (`2026-08-14` → `2026.08.14`),
/// the form the crates' version metadata (`+spec.2026.08.14`) and the client's `api-version`
/// header carry.
pub fn info_version(revision: &str) -> String {
    revision.replace('-', ".")
}

/// [`import`], labelled with `revision` when given (see [`revision_of`]).
pub fn import_revision(
    upstream: &SpecSource,
    overlay: &SpecSource,
    revision: Option<&str>,
) -> Result<Imported, ImportError> {
    import_with(
        upstream,
        overlay,
        ImportOptions {
            revision,
            ..ImportOptions::default()
        },
    )
}

/// The body of a selection's text, without its header of comments.
fn without_header(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// [`import`] as `cargo xtask import` runs it: against the last import's selection, so that a
/// document whose CNI section did not change (Cloudflare republishes its whole document many
/// times a day) imports to exactly what is there, label included, whatever `revision` says;
/// and so that a document that lost most of the operations is refused (see [`check_removals`]).
pub fn import_with(
    upstream: &SpecSource,
    overlay: &SpecSource,
    options: ImportOptions<'_>,
) -> Result<Imported, ImportError> {
    let problem = |message: String| {
        ImportError::Upstream(Diagnostics(vec![Diagnostic {
            file: upstream.display_path.clone(),
            line: 1,
            column: 1,
            pointer: String::new(),
            message,
        }]))
    };
    let parsed = source::parse(upstream).map_err(ImportError::Upstream)?;
    let selected = select::select(&parsed.value, PATH_PREFIX).map_err(|problems| {
        ImportError::Upstream(Diagnostics(
            problems
                .into_iter()
                .map(|(at, message)| parsed.diagnostic(at, message))
                .collect(),
        ))
    })?;
    drop(parsed);
    let upstream_body = yaml::emit(&selected.document);
    // The CNI section as the last import recorded it: the same text means the same revision.
    let unchanged = options
        .previous
        .filter(|previous| without_header(previous) == upstream_body)
        .and_then(|previous| recorded_revision(previous).map(|revision| (previous, revision)));
    if let (Some(previous), None, false) = (options.previous, &unchanged, options.accept_removals) {
        let earlier = source::parse(&SpecSource {
            display_path: UPSTREAM_PATH.to_string(),
            text: previous.to_string(),
        })
        .map_err(ImportError::Upstream)?;
        check_removals(&earlier.value, &selected.document).map_err(ImportError::Removals)?;
    }
    let (revision, upstream_text) = match unchanged {
        Some((previous, recorded)) => (recorded, previous.to_string()),
        None => {
            let revision = revision_of(upstream, options.revision).map_err(problem)?;
            let text = if upstream.text.starts_with(UPSTREAM_HEADER)
                && upstream.text.ends_with(&upstream_body)
                && recorded_revision(&upstream.text).as_deref() == Some(revision.as_str())
            {
                // Re-importing spec/upstream/cloudflare-cni.yaml itself: keep its provenance.
                upstream.text.clone()
            } else {
                let file_name = std::path::Path::new(&upstream.display_path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| upstream.display_path.clone());
                format!(
                    "{UPSTREAM_HEADER} (BSD-3-Clause, see info.license):\n\
                     # every path under {PATH_PREFIX} and every component those paths reach, selected by\n\
                     # `cargo xtask import` from {file_name} (sha256 {}), values unchanged.\n\
                     # Input of the import, not edited by hand: spec/overlay.yaml holds our changes.\n\
                     {REVISION_LINE}{revision}.\n{upstream_body}",
                    sha256(&upstream.text),
                )
            };
            (revision, text)
        }
    };
    let upstream_sha = sha256(&upstream_text);
    let mut spec = import_selected(selected.document, overlay, &info_version(&revision))?;
    spec.report.operations = selected.operations;
    spec.report.components = selected.components;
    let overlay_sha = sha256(&overlay.text);
    let spec_text = format!(
        "# @generated by `cargo xtask import` from {UPSTREAM_PATH} (sha256 {upstream_sha})\n\
         # and {OVERLAY_PATH} (sha256 {overlay_sha}). Do not edit: change the overlay and re-run.\n{}",
        spec.body
    );
    // The generator's own checks, on exactly the text that would be written, and proof that
    // the YAML says what the import computed.
    let loaded = crate::load::load(&SpecSource {
        display_path: SPEC_PATH.to_string(),
        text: spec_text.clone(),
    })
    .map_err(ImportError::Result)?;
    if loaded.value() != &spec.document {
        return Err(ImportError::Result(Diagnostics(vec![Diagnostic {
            file: SPEC_PATH.to_string(),
            line: 1,
            column: 1,
            pointer: String::new(),
            message: "the YAML written does not read back as the imported document (a bug in the \
                      import's YAML writer)"
                .into(),
        }])));
    }
    Ok(Imported {
        revision,
        upstream_text,
        spec_text,
        deviations_markdown: spec.overlay.deviations_markdown(),
        report: spec.report,
    })
}

/// The import as the whole-document gate runs it on Cloudflare's document: the operations
/// `keep` accepts (path, lower-case method) and what they reach, with no overlay, normalized,
/// written as YAML and loaded (linted and modelled) exactly as `spec/cni.yaml` is. The
/// selection and the absence of an overlay are the only differences from `cargo xtask
/// import`.
pub fn import_operations(
    document: &Value,
    keep: impl Fn(&str, &str) -> bool,
    display_path: &str,
) -> Result<(crate::load::LoadedSpec, ImportReport), ImportError> {
    let selected = select::select_operations(document, keep).map_err(|problems| {
        ImportError::Upstream(Diagnostics(
            problems
                .into_iter()
                .map(|(at, message)| Diagnostic {
                    file: display_path.to_string(),
                    line: 1,
                    column: 1,
                    pointer: at,
                    message,
                })
                .collect(),
        ))
    })?;
    let version = document
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("1")
        .to_string();
    let mut selected = selected.document;
    let mut report = ImportReport::default();
    normalized(&mut selected, "", &version, display_path, &mut report)?;
    let spec = crate::load::load(&SpecSource {
        display_path: display_path.to_string(),
        text: yaml::emit(&selected),
    })
    .map_err(ImportError::Result)?;
    Ok((spec, report))
}

struct ImportedSpec {
    body: String,
    document: Value,
    overlay: Overlay,
    report: ImportReport,
}

/// Overlay and normalization, on an already selected document; `info.version` is the
/// revision's, whatever the overlay says.
fn import_selected(
    mut document: Value,
    overlay: &SpecSource,
    info_version: &str,
) -> Result<ImportedSpec, ImportError> {
    let parsed_overlay = source::parse(overlay).map_err(ImportError::Overlay)?;
    let parsed = Overlay::from_source(&parsed_overlay).map_err(ImportError::Overlay)?;
    let applied = parsed.apply(&mut document, false).map_err(|problems| {
        ImportError::Overlay(overlay::diagnostics(&parsed_overlay, problems))
    })?;
    let mut report = ImportReport {
        actions: applied.counts.into_iter().enumerate().collect(),
        skipped: applied.skipped,
        ..ImportReport::default()
    };
    normalized(
        &mut document,
        &parsed.strip_prefix,
        info_version,
        &overlay.display_path,
        &mut report,
    )?;
    Ok(ImportedSpec {
        body: yaml::emit(&document),
        document,
        overlay: parsed,
        report,
    })
}

/// Normalization and the revision's `info.version`, on an (overlaid) selection; `file` names
/// where a problem is reported (the overlay, or the document when there is none).
fn normalized(
    document: &mut Value,
    strip_prefix: &str,
    info_version: &str,
    file: &str,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let normalized = normalize::normalize(document, strip_prefix).map_err(|problems| {
        // These are about the overlaid document, which has no file: name the overlay, and
        // the place in the result.
        ImportError::Overlay(Diagnostics(
            problems
                .into_iter()
                .map(|(at, message)| Diagnostic {
                    file: file.to_string(),
                    line: 1,
                    column: 1,
                    pointer: String::new(),
                    message: format!("in the overlaid document at {at}: {message}"),
                })
                .collect(),
        ))
    })?;
    report.renamed = normalized.renamed;
    report.pruned = normalized.pruned;
    report.operations_renamed = normalized.operations_renamed;
    report.tags_declared = normalized.tags_declared;
    report.repairs = normalized.repairs;
    if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("version".into(), Value::String(info_version.to_string()));
    }
    Ok(())
}

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

const DEVIATIONS_START: &str =
    "<!-- deviations: generated by `cargo xtask import` from spec/overlay.yaml -->";
const DEVIATIONS_END: &str = "<!-- end of deviations -->";

/// Replaces the text between the deviation markers of `readme` with `table`; `None` when the
/// markers are missing.
pub fn splice_deviations(readme: &str, table: &str) -> Option<String> {
    let start = readme.find(DEVIATIONS_START)? + DEVIATIONS_START.len();
    let end = start + readme[start..].find(DEVIATIONS_END)?;
    Some(format!(
        "{}\n{}\n{}",
        &readme[..start],
        table.trim_end(),
        &readme[end..]
    ))
}

/// Applies an overlay's actions to a spec's text and writes the result as YAML, without the
/// import's selection or normalization: a structural edit of `spec/cni.yaml`, for tests and
/// tools that change a spec the way a new upstream revision would.
pub fn edit(spec: &SpecSource, overlay: &SpecSource) -> Result<String, ImportError> {
    let mut document = source::parse(spec).map_err(ImportError::Upstream)?.value;
    let parsed_overlay = source::parse(overlay).map_err(ImportError::Overlay)?;
    let parsed = Overlay::from_source(&parsed_overlay).map_err(ImportError::Overlay)?;
    parsed.apply(&mut document, true).map_err(|problems| {
        ImportError::Overlay(overlay::diagnostics(&parsed_overlay, problems))
    })?;
    Ok(yaml::emit(&document))
}

/// [`edit`] with the overlay's actions only (a YAML list of action objects); the overlay
/// around them is supplied.
pub fn edit_with_actions(spec_text: &str, actions_yaml: &str) -> Result<String, ImportError> {
    let actions: String = actions_yaml
        .trim_matches('\n')
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect();
    edit(
        &SpecSource {
            display_path: SPEC_PATH.to_string(),
            text: spec_text.to_string(),
        },
        &SpecSource {
            display_path: "(edit)".to_string(),
            text: format!(
                "overlay: 1.0.0\ninfo:\n  title: edit\n  version: '1'\nactions:\n{actions}"
            ),
        },
    )
}

/// The files an import writes, relative to the workspace root, for
/// [`GeneratedTree::check_listed`](crate::tree::GeneratedTree::check_listed) and
/// [`write_listed`](crate::tree::GeneratedTree::write_listed). `readme` is the current
/// `spec/README.md`, whose deviations section is replaced.
pub fn files(imported: &Imported, readme: &str) -> Result<crate::tree::GeneratedTree, String> {
    let readme = splice_deviations(readme, &imported.deviations_markdown).ok_or_else(|| {
        format!(
            "{README_PATH} has no deviations section: keep the lines `{DEVIATIONS_START}` and \
             `{DEVIATIONS_END}`, between which the import writes the overlay's table"
        )
    })?;
    let mut tree = crate::tree::GeneratedTree::default();
    tree.insert(UPSTREAM_PATH, imported.upstream_text.clone());
    tree.insert(SPEC_PATH, imported.spec_text.clone());
    tree.insert(README_PATH, readme);
    Ok(tree)
}

#[cfg(test)]
mod tests;
