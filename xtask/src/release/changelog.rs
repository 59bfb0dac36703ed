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
        (Class::Deprecation, "Deprecated"),
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

/// The heading of what is written by hand for the next release (a migration guide, say): a
/// release takes it into its own section.
const UNRELEASED: &str = "## Unreleased\n";

/// CHANGELOG.md with `section` prepended below its title. A `## Unreleased` section at the top
/// (written by hand, before the release) becomes the end of the new section, its `###`
/// headings beside the section's own, so the release carries it and nothing is left unreleased.
pub fn prepend(existing: Option<&str>, section: &str) -> String {
    const TITLE: &str =
        "# Changelog\n\nReleases of the generated crates (`cargo xtask release`).\n";
    let rest = existing
        .and_then(|e| e.strip_prefix(TITLE))
        .unwrap_or_else(|| existing.unwrap_or(""))
        .trim_start_matches('\n');
    let (unreleased, rest) = match rest.strip_prefix(UNRELEASED) {
        Some(after) => {
            let end = after.find("\n## ").map_or(after.len(), |i| i + 1);
            (after[..end].trim(), &after[end..])
        }
        None => ("", rest),
    };
    let mut section = section.to_string();
    if !unreleased.is_empty() {
        section = format!("{}\n\n{unreleased}\n", section.trim_end());
    }
    format!(
        "{TITLE}\n{section}{}{}",
        if rest.trim().is_empty() { "" } else { "\n" },
        rest.trim_start_matches('\n')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str =
        "# Changelog\n\nReleases of the generated crates (`cargo xtask release`).\n";

    #[test]
    fn a_release_goes_on_top_of_the_earlier_ones() {
        let earlier = format!("{TITLE}\n## release-1\n\nfirst\n");
        let got = prepend(Some(&earlier), "## release-2\n\nsecond\n");
        assert_eq!(
            got,
            format!("{TITLE}\n## release-2\n\nsecond\n\n## release-1\n\nfirst\n")
        );
    }

    #[test]
    fn the_unreleased_notes_become_part_of_the_release() {
        let earlier = format!(
            "{TITLE}\n## Unreleased\n\n### Migrating\n\n- `a` is now `b`.\n\n## release-1\n\nfirst\n"
        );
        let got = prepend(Some(&earlier), "## release-2\n\nsecond\n");
        assert_eq!(
            got,
            format!(
                "{TITLE}\n## release-2\n\nsecond\n\n### Migrating\n\n- `a` is now `b`.\n\n## release-1\n\nfirst\n"
            )
        );
        assert!(!got.contains("Unreleased"));
    }
}
