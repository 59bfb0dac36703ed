//! What a call printed: one JSON document (pretty), JSON lines for a streamed listing, or a
//! table for people; a download to its file or to standard output.

use std::io::Write;

use futures::StreamExt;
use serde_json::Value;

use crate::{Answer, CliError, ExitClass};

pub(crate) async fn write(
    answer: Answer<'_>,
    table: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::other(format!("cannot write the output: {e}"));
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
        Answer::Saved { path, bytes } => {
            writeln!(err, "wrote {} ({bytes} bytes)", path.display()).map_err(io)
        }
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

    #[test]
    fn one_object_is_field_value_rows() {
        assert_eq!(
            render_table(&json!({"default_asn": 65000})),
            "FIELD        VALUE\ndefault_asn  65000\n"
        );
    }
}
