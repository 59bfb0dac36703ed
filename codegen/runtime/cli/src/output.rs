//! What a call printed: one JSON document (pretty), JSON lines for a streamed listing, or a
//! table for people; a download to its file or to standard output.

use std::io::Write;

use futures::StreamExt;
use serde_json::Value;

use crate::{Answer, CliError, ExitClass};

/// `text` made safe for a terminal: every control character (C0, DEL and C1: ESC sequences,
/// BEL, CR, backspace, U+009B, a newline that would forge a table row) is shown escaped, as
/// Rust writes it (`\u{1b}`, `\n`), so what a server sends can never drive the terminal. JSON
/// output needs none of this: serde_json escapes control characters itself.
pub(crate) fn for_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            safe.extend(c.escape_default());
        } else {
            safe.push(c);
        }
    }
    std::borrow::Cow::Owned(safe)
}

/// A failed write of the output. A reader that went away (`| head`, `| true`) ends the tool
/// quietly, as Unix tools do: there is no one left to tell.
pub(crate) fn output_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::reader_gone();
    }
    CliError::other(format!("cannot write the output: {e}"))
}

pub(crate) async fn write(
    answer: Answer<'_>,
    table: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), CliError> {
    let io = output_error;
    match answer {
        Answer::Json(value) if table => write!(out, "{}", render_table(&value)).map_err(io),
        Answer::Json(value) => {
            let text = serde_json::to_string_pretty(&value)
                .map_err(|e| CliError::other(format!("cannot show the answer: {e}")))?;
            writeln!(out, "{text}").map_err(io)
        }
        Answer::Items(mut items) => {
            // Each item as it arrives: a long listing starts printing at once and its memory
            // stays one page.
            let mut rows = Vec::new();
            while let Some(item) = items.next().await {
                let item = item?;
                if table {
                    rows.push(item);
                } else {
                    writeln!(out, "{item}").map_err(io)?;
                }
            }
            if table {
                write!(out, "{}", render_table(&Value::Array(rows))).map_err(io)?;
            }
            Ok(())
        }
        Answer::Bytes(mut stream) => {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    CliError::new(ExitClass::Server, format!("the download failed: {e}"))
                })?;
                out.write_all(&chunk).map_err(io)?;
            }
            out.flush().map_err(io)
        }
        Answer::Saved { path, bytes } => writeln!(
            err,
            "wrote {} ({bytes} bytes)",
            for_terminal(&path.display().to_string())
        )
        .map_err(io),
        Answer::Empty => Ok(()),
    }
}

/// A scalar as a table cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

/// The columns people look for first: what identifies a row, then its kind and state, then
/// what they filter on. Every other column follows, in the order it first appears.
const FIRST_COLUMNS: &[&str] = &[
    "id",
    "name",
    "type",
    "state",
    "status",
    "site",
    "facility",
    "interconnect",
    "slot_id",
    "account",
];

fn column_rank(name: &str) -> usize {
    FIRST_COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or(FIRST_COLUMNS.len())
}

/// A nested object as one cell: its scalar leaves as `key=value`, deeper ones dotted.
fn summary(prefix: &str, value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                summary(&name, field, into);
            }
        }
        Value::Null => {}
        other => into.push(format!("{prefix}={}", cell(other))),
    }
}

/// An object's fields as (column, cell): scalars as they are, nested objects summarised in one
/// cell, identifying columns first.
fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut cells: Vec<(String, String)> = match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(key, field)| {
                let text = if field.is_object() {
                    let mut parts = Vec::new();
                    summary("", field, &mut parts);
                    parts.join(" ")
                } else {
                    cell(field)
                };
                (key.clone(), text)
            })
            .collect(),
        other => vec![(String::new(), cell(other))],
    };
    cells.sort_by_key(|(name, _)| column_rank(name));
    cells
}

/// A listing (`items`, or an array) as rows and columns; one object as name/value rows.
pub(crate) fn render_table(value: &Value) -> String {
    let items = match value {
        Value::Array(items) => Some(items.as_slice()),
        Value::Object(fields) => fields
            .get("items")
            .and_then(Value::as_array)
            .map(Vec::as_slice),
        _ => None,
    };
    let (header, rows): (Vec<String>, Vec<Vec<String>>) = match items {
        Some(items) => {
            let flat: Vec<Vec<(String, String)>> = items.iter().map(flatten).collect();
            let mut columns: Vec<String> = Vec::new();
            for (name, _) in flat.iter().flatten() {
                if !columns.contains(name) {
                    columns.push(name.clone());
                }
            }
            columns.sort_by_key(|name| column_rank(name));
            let rows = flat
                .iter()
                .map(|cells| {
                    columns
                        .iter()
                        .map(|c| {
                            cells
                                .iter()
                                .find(|(n, _)| n == c)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            (columns, rows)
        }
        None => {
            let rows = flatten(value)
                .into_iter()
                .map(|(n, v)| vec![n, v])
                .collect();
            (vec!["FIELD".to_string(), "VALUE".to_string()], rows)
        }
    };
    // What the server sent is shown, never obeyed: cells and column names escaped first (so
    // the widths count what is printed).
    let header: Vec<String> = header
        .iter()
        .map(|h| for_terminal(h).into_owned())
        .collect();
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| for_terminal(c).into_owned()).collect())
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(header[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut text = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    let header: Vec<String> = header.iter().map(|h| h.to_uppercase()).collect();
    let mut out = line(&header);
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listing_is_rows_with_flattened_columns() {
        let table = render_table(&json!({"items": [
            {"name": "a", "magic": {"mtu": 1500, "conduit_name": "dfw"}, "tags": ["x", "y"]},
            {"name": "bb", "extra": null}
        ], "next": null}));
        assert_eq!(
            table,
            // The name first; the others in the order they first appear (serde_json's maps are
            // sorted by key); a nested object summarised in one cell.
            "NAME  MAGIC                      TAGS  EXTRA\na     conduit_name=dfw mtu=1500  x,y\nbb\n"
        );
    }

    #[test]
    fn identifying_columns_come_first() {
        let table = render_table(&json!([
            {"ccr_device_name": "ccr-1", "account": "acc", "id": "s1", "site": "DFW"}
        ]));
        assert_eq!(
            table.lines().next(),
            Some("ID  SITE  ACCOUNT  CCR_DEVICE_NAME")
        );
    }

    /// The probe's finding: `--output table` passed ESC sequences, window-title changes, BEL,
    /// CR, backspace and U+009B through, and a newline in a field forged a row.
    #[test]
    fn what_the_server_sends_cannot_drive_the_terminal_or_forge_rows() {
        let hostile = "x\u{1b}[2J\u{1b}]0;owned\u{7}\r\u{8}\u{9b}31m\nforged  row";
        let table = render_table(&json!({"items": [{"name": hostile, "\u{1b}[1mkey": "v"}]}));
        assert!(
            !table.chars().any(|c| c.is_control() && c != '\n'),
            "{table:?}"
        );
        assert_eq!(table.lines().count(), 2, "a header and one row: {table}");
        assert!(table.contains("x\\u{1b}[2J"), "shown escaped: {table}");
        assert!(table.contains("\\n"), "{table}");
        assert_eq!(for_terminal("plain café ✓"), "plain café ✓");
        assert_eq!(for_terminal("a\tb\u{7f}"), "a\\tb\\u{7f}");
    }

    #[test]
    fn one_object_is_field_value_rows() {
        assert_eq!(
            render_table(&json!({"default_asn": 65000})),
            "FIELD        VALUE\ndefault_asn  65000\n"
        );
    }
}
