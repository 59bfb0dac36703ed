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

/// Objects flattened to `a.b` columns, in the order they first appear.
fn flatten(prefix: &str, value: &Value, into: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, field, into);
            }
        }
        other => into.push((prefix.to_string(), cell(other))),
    }
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
            let flat: Vec<Vec<(String, String)>> = items
                .iter()
                .map(|item| {
                    let mut cells = Vec::new();
                    flatten("", item, &mut cells);
                    cells
                })
                .collect();
            let mut columns: Vec<String> = Vec::new();
            for (name, _) in flat.iter().flatten() {
                if !columns.contains(name) {
                    columns.push(name.clone());
                }
            }
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
            let mut cells = Vec::new();
            flatten("", value, &mut cells);
            let rows = cells.into_iter().map(|(n, v)| vec![n, v]).collect();
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
            {"name": "a", "magic": {"mtu": 1500}, "tags": ["x", "y"]},
            {"name": "bb", "extra": null}
        ], "next": null}));
        assert_eq!(
            table,
            // Columns in the order they first appear (serde_json's maps are sorted by key).
            "MAGIC.MTU  NAME  TAGS  EXTRA\n1500       a     x,y\n           bb\n"
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
