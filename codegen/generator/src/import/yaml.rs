//! Writes a JSON value as YAML: block style, keys sorted (serde_json's map order) except the
//! document's top level, which follows the order OpenAPI documents are read in. Deterministic
//! by construction: the same value always gives the same bytes.

use serde_json::Value;
use yaml_rust2::{Yaml, YamlEmitter};

/// The order of an OpenAPI document's top-level members; any other key follows, sorted.
const ROOT_ORDER: [&str; 9] = [
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "externalDocs",
    "paths",
    "webhooks",
    "components",
];

pub fn emit(document: &Value) -> String {
    let mut out = String::new();
    match document {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = ROOT_ORDER
                .iter()
                .filter_map(|key| map.get_key_value(*key))
                .collect();
            entries.extend(
                map.iter()
                    .filter(|(k, _)| !ROOT_ORDER.contains(&k.as_str())),
            );
            emit_entries(&mut out, entries, 0);
        }
        other => {
            emit_inline(&mut out, other, 0);
            out.push('\n');
        }
    }
    out
}

const STEP: usize = 2;

fn emit_entries<'a>(
    out: &mut String,
    entries: impl IntoIterator<Item = (&'a String, &'a Value)>,
    indent: usize,
) {
    for (key, value) in entries {
        push_indent(out, indent);
        out.push_str(&scalar(key));
        out.push(':');
        emit_after_indicator(out, value, indent);
    }
}

/// A value after `key:` or `-`: nested collections go on the next lines, scalars on this one.
fn emit_after_indicator(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            emit_entries(out, map, indent + STEP);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            emit_items(out, items, indent + STEP);
        }
        other => {
            out.push(' ');
            emit_inline(out, other, indent);
            out.push('\n');
        }
    }
}

fn emit_items(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        push_indent(out, indent);
        out.push('-');
        match item {
            // `- key: value` with the mapping's other keys aligned under the first.
            Value::Object(map) if !map.is_empty() => {
                let mut nested = String::new();
                emit_entries(&mut nested, map, indent + STEP);
                out.push(' ');
                out.push_str(&nested[indent + STEP..]);
            }
            other => emit_after_indicator(out, other, indent),
        }
    }
}

/// A scalar, or an empty collection, where the line already holds its indentation.
fn emit_inline(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push('~'),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => match literal_block(s, indent + STEP) {
            Some(block) => out.push_str(&block),
            None => out.push_str(&scalar(s)),
        },
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A multi-line string as a literal block scalar (`|`), when every line can be written
/// verbatim; `None` otherwise (it is then written quoted, with escapes).
fn literal_block(s: &str, indent: usize) -> Option<String> {
    if !s.contains('\n') {
        return None;
    }
    let verbatim = s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !s.starts_with('\n')
        && s.lines()
            .all(|line| !line.ends_with([' ', '\t']) && !line.starts_with('\t'))
        && !s.contains('\u{feff}');
    if !verbatim {
        return None;
    }
    let content = s.trim_end_matches('\n');
    let trailing = s.len() - content.len();
    let mut block = String::from("|");
    if content.starts_with(' ') {
        // The first line's own spaces would be read as indentation: state the indentation.
        block.push_str(&STEP.to_string());
    }
    block.push_str(match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    });
    for line in content.split('\n') {
        block.push('\n');
        if !line.is_empty() {
            block.push_str(&" ".repeat(indent));
            block.push_str(line);
        }
    }
    for _ in 1..trailing {
        block.push('\n');
    }
    Some(block)
}

/// A one-line scalar, quoted only when YAML would otherwise read something else (yaml-rust2's
/// own rules).
fn scalar(s: &str) -> String {
    let mut out = String::new();
    let mut emitter = YamlEmitter::new(&mut out);
    // Emitting into a String cannot fail: fmt::Write for String is infallible.
    let _ = emitter.dump(&Yaml::String(s.to_string()));
    out.strip_prefix("---\n")
        .or_else(|| out.strip_prefix("--- "))
        .unwrap_or(&out)
        .to_string()
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{parse, SpecSource};
    use serde_json::json;

    fn round_trip(value: &Value) -> Value {
        let text = emit(value);
        parse(&SpecSource {
            display_path: "t".into(),
            text: text.clone(),
        })
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .value
    }

    #[test]
    fn awkward_scalars_survive_a_round_trip() {
        let value = json!({
            "paths": {"/a/{b}": {"get": {"responses": {"200": {"description": "ok"}}}}},
            "openapi": "3.0.3",
            "strings": ["50M", "10G", "true", "null", "~", "0x1F", "1e3", "2026.07.27", "- a", "#x",
                        "'q'", "a: b", "", " lead", "trail ", "^[ !#->@-~]+$", "@x", "`x`", "*x", "&x",
                        "!x", "%x", "|", ">", "?", "{}", "[]", "é", "tab\there"],
            "multi": ["one\ntwo", "para\n\nafter\n", "  indented\nfirst", "ends\n\n", "trail \nx", "\nlead",
                      "a\r\nb", "\ttab\nx", "x\n\n\n"],
            "nested": [[1, [2]], [{"a": [{"b": "c\nd"}], "e": {}}], {"f": {"g": ["h"]}}],
            "numbers": [0, -1, 4294967295u64, 9223372036854775807i64, 1.5],
            "flags": [true, false, null],
            "empty": {"map": {}, "list": []}
        });
        assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn the_top_level_reads_in_openapi_order() {
        let text =
            emit(&json!({"components": {}, "paths": {}, "info": {}, "openapi": "3.0.3", "x-a": 1}));
        let keys: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(
            keys,
            [
                "openapi: 3.0.3",
                "info: {}",
                "paths: {}",
                "components: {}",
                "x-a: 1"
            ]
        );
    }
}
