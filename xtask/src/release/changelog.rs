//! The CHANGELOG: one section per release, newest first, each change written as the diff
//! writes it.

use cloudflare_cni_codegen::diff::Class;

use super::plan::ReleasePlan;

/// The CHANGELOG section for a release.
pub fn section(plan: &ReleasePlan) -> String {
    let mut out = format!(
        "## {}\n\nGenerated from spec version {}",
        plan.tag, plan.info_version
    );
    match &plan.previous_tag {
        Some(tag) => out.push_str(&format!("; changes since {tag}.\n")),
        None => out.push_str("; the first release.\n"),
    }
    out.push_str("\n| Crate | Version | Why |\n| --- | --- | --- |\n");
    for c in &plan.crates {
        match &c.next {
            Some(next) => out.push_str(&format!(
                "| `{}` | {} → {} | {} |\n",
                c.name, c.current, next, c.reason
            )),
            None => out.push_str(&format!(
                "| `{}` | {} (unchanged, not released) | |\n",
                c.name, c.current
            )),
        }
    }
    for (class, title) in [
        (Class::Breaking, "Breaking on the wire"),
        (Class::Additive, "Additive"),
        (Class::Documentation, "Documentation"),
    ] {
        let changes: Vec<_> = plan.diff.of(class).collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for c in changes {
            out.push_str(&format!("- {}\n", c.line()));
        }
    }
    out
}

/// CHANGELOG.md with `section` prepended below its title.
pub fn prepend(existing: Option<&str>, section: &str) -> String {
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
