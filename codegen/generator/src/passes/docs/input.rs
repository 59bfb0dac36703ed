//! Documentation's change to progenitor's input: a list item's wrapped lines indented under the
//! item in every description.

/// Rewrites every `description` below `value` so that a list item's wrapped lines are indented
/// under the item. Markdown reads an unindented line after `* item` as the item's lazy
/// continuation; rustdoc renders it the same, but clippy (`doc_lazy_continuation`) refuses the
/// generated docs. Cloudflare writes such lists (`nsc_BgpMode`), so the generator fixes them.
pub fn indent_list_continuations(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("description", Value::String(text)) => *text = indented_lists(text),
                    (_, child) => indent_list_continuations(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(indent_list_continuations),
        _ => {}
    }
}

fn indented_lists(text: &str) -> String {
    let mut out = Vec::new();
    let mut item_indent: Option<usize> = None;
    for line in text.split('\n') {
        let trimmed = line.trim_start();
        let marker = ["* ", "- ", "+ "].iter().find(|m| trimmed.starts_with(**m));
        if let Some(marker) = marker {
            item_indent = Some(line.len() - trimmed.len() + marker.len());
            out.push(line.to_string());
        } else if trimmed.is_empty() {
            item_indent = None;
            out.push(line.to_string());
        } else if let Some(indent) = item_indent.filter(|i| line.len() - trimmed.len() < *i) {
            out.push(format!("{}{trimmed}", " ".repeat(indent)));
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapped_list_items_are_indented_under_their_marker() {
        let text = "Modes:\n* `A` — first line\nwrapped line.\n* `B` — one line\n\nAfter the list.";
        assert_eq!(
            super::indented_lists(text),
            "Modes:\n* `A` — first line\n  wrapped line.\n* `B` — one line\n\nAfter the list."
        );
    }
}
