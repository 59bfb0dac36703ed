//! Documentation's change to progenitor's input: every description made Markdown that rustdoc
//! renders as written, with no warning and no doctest of Cloudflare's examples
//! ([`for_rustdoc`]).

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
                    ("description", Value::String(text)) => *text = for_rustdoc(text),
                    (_, child) => indent_list_continuations(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(indent_list_continuations),
        _ => {}
    }
}

/// A description as rustdoc should see it. Cloudflare writes Markdown for its web docs:
/// - a code fence with no language (a `curl` command) would be compiled as a Rust doctest: it
///   is marked `text` (a `rust` one is marked `rust,ignore`: not ours to run), and so is an
///   indented code block, which rustdoc also takes for Rust;
/// - a bare URL is an autolink (`<https://…>`), as rustdoc asks (`bare_urls`);
/// - a `<` outside code is text (`&lt;`): `<API_TOKEN>` placeholders and stray HTML would be
///   unclosed HTML tags to rustdoc;
/// - a list item's wrapped lines are indented under it (see [`indented_lists`]).
///
/// Code spans and fenced blocks are left exactly as written.
pub fn for_rustdoc(text: &str) -> String {
    let text = indented_lists(text);
    let mut out: Vec<String> = Vec::new();
    // The fence that opened the code block we are in (its marker), if any.
    let mut fence: Option<String> = None;
    let mut indented_block = false;
    let mut previous_blank = true;
    let mut previous_plain = false;
    for line in text.split('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str())
                && trimmed
                    .trim_start_matches(marker.as_str())
                    .trim()
                    .is_empty()
            {
                fence = None;
            }
            out.push(line.to_string());
            previous_blank = false;
            continue;
        }
        if indent <= 3 && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            let marker_char = trimmed.chars().next().unwrap_or('`');
            let marker: String = trimmed.chars().take_while(|c| *c == marker_char).collect();
            let info = trimmed[marker.len()..].trim();
            let info = match info {
                "" => "text".to_string(),
                "rust" => "rust,ignore".to_string(),
                other => other.to_string(),
            };
            out.push(format!("{}{marker}{info}", &line[..indent]));
            fence = Some(marker);
            previous_blank = false;
            continue;
        }
        // An indented code block: four spaces after a blank line that follows a paragraph
        // (not a list, whose items' continuations are indented too).
        let code_line = indent >= 4 && !trimmed.is_empty();
        if indented_block {
            if code_line || trimmed.is_empty() {
                out.push(if trimmed.is_empty() {
                    String::new()
                } else {
                    line[4..].to_string()
                });
                continue;
            }
            close_indented_block(&mut out);
            indented_block = false;
        } else if code_line && previous_blank && previous_plain {
            out.push("```text".to_string());
            out.push(line[4..].to_string());
            indented_block = true;
            continue;
        }
        if !trimmed.is_empty() {
            let list_item = ["* ", "- ", "+ "].iter().any(|m| trimmed.starts_with(m))
                || trimmed
                    .split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            previous_plain = indent == 0 && !list_item;
        }
        previous_blank = trimmed.is_empty();
        out.push(outside_code(line));
    }
    if indented_block {
        close_indented_block(&mut out);
    }
    out.join("\n")
}

/// Ends an indented block turned fenced: its trailing blank lines go after the fence.
fn close_indented_block(out: &mut Vec<String>) {
    let mut blanks = 0;
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
        blanks += 1;
    }
    out.push("```".to_string());
    out.extend(std::iter::repeat_n(String::new(), blanks));
}

/// One line of prose: code spans kept; elsewhere bare URLs become autolinks and `<` is text.
fn outside_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        // A code span: a run of backticks up to the same run.
        if let Some(start) = rest.find('`') {
            let (prose, from) = rest.split_at(start);
            out.push_str(&prose_text(prose));
            let ticks = from.chars().take_while(|c| *c == '`').count();
            let marker = &from[..ticks];
            match from[ticks..].find(marker) {
                Some(end) => {
                    let span = ticks + end + ticks;
                    out.push_str(&from[..span]);
                    rest = &from[span..];
                }
                None => {
                    out.push_str(marker);
                    rest = &from[ticks..];
                }
            }
        } else {
            out.push_str(&prose_text(rest));
            break;
        }
    }
    out
}

/// Prose outside code spans: existing autolinks and Markdown links kept, bare URLs wrapped,
/// every other `<` written as `&lt;`.
fn prose_text(text: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with('<') {
            // An autolink someone already wrote: kept whole.
            if let Some(end) = rest.find('>') {
                let inner = &rest[1..end];
                if (inner.starts_with("http://") || inner.starts_with("https://"))
                    && !inner.contains(' ')
                {
                    out.push_str(&rest[..=end]);
                    i += end + 1;
                    continue;
                }
            }
            out.push_str("&lt;");
            i += 1;
            continue;
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            // Inside a Markdown link's target (`](https://…)`), a URL is already a link.
            let in_link_target = text[..i].ends_with("](");
            let length = rest
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
                .unwrap_or(rest.len());
            let mut url = &rest[..length];
            while url.ends_with(['.', ',', ';', ':', ')', '!', '?', '\'']) {
                // A closing parenthesis belongs to the URL when it opened one inside it.
                if url.ends_with(')') && url.matches('(').count() >= url.matches(')').count() {
                    break;
                }
                url = &url[..url.len() - 1];
            }
            if in_link_target {
                out.push_str(url);
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            i += url.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
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
    use super::for_rustdoc;

    /// A description as Cloudflare writes them (the probe's case): an unmarked code fence with
    /// a `curl` command, a bare URL, `<API_TOKEN>` placeholders, and HTML.
    #[test]
    fn cloudflare_markdown_renders_without_doctests_or_warnings() {
        let text = "Lists the CNIs. See https://developers.cloudflare.com/api/ (or <https://example.com>).\n\n```\ncurl -H 'Authorization: Bearer <API_TOKEN>' https://api.cloudflare.com/x\n```\n\nReplace <ACCOUNT_ID> with yours; `Vec<u8>` stays.<br>Done.";
        assert_eq!(
            for_rustdoc(text),
            "Lists the CNIs. See <https://developers.cloudflare.com/api/> (or <https://example.com>).\n\n```text\ncurl -H 'Authorization: Bearer <API_TOKEN>' https://api.cloudflare.com/x\n```\n\nReplace &lt;ACCOUNT_ID> with yours; `Vec<u8>` stays.&lt;br>Done."
        );
    }

    #[test]
    fn fences_keep_other_languages_and_indented_code_is_fenced() {
        assert_eq!(for_rustdoc("```json\n{}\n```"), "```json\n{}\n```");
        assert_eq!(
            for_rustdoc("```rust\nfn f() {}\n```"),
            "```rust,ignore\nfn f() {}\n```"
        );
        assert_eq!(
            for_rustdoc("Example:\n\n    curl https://x\n    --data 1\n\nAfter."),
            "Example:\n\n```text\ncurl https://x\n--data 1\n```\n\nAfter."
        );
        // A list's indented continuation is not code.
        let list = "Modes:\n\n* one\n\n    more about one";
        assert_eq!(for_rustdoc(list), list);
        // Markdown links keep their targets; a sentence's final period is not the URL's.
        assert_eq!(
            for_rustdoc("[docs](https://example.com/a) and https://example.com/b."),
            "[docs](https://example.com/a) and <https://example.com/b>."
        );
    }

    #[test]
    fn wrapped_list_items_are_indented_under_their_marker() {
        let text = "Modes:\n* `A` — first line\nwrapped line.\n* `B` — one line\n\nAfter the list.";
        assert_eq!(
            super::indented_lists(text),
            "Modes:\n* `A` — first line\n  wrapped line.\n* `B` — one line\n\nAfter the list."
        );
    }
}
