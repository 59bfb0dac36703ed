//! Reads the spec's YAML into a JSON value while remembering where every node came from.
//!
//! Only this module reads the spec's text. It walks yaml-rust2's marked event stream, so one
//! pass yields both the `serde_json::Value` that later stages deserialize and a map from JSON
//! pointer to line and column, which every diagnostic uses to say where a problem is. A JSON
//! document (Cloudflare publishes `openapi.json`) is read as JSON, by serde_json; its
//! diagnostics name JSON pointers.
//!
//! A published document is input from the network, so reading it is bounded: the text's size
//! ([`MAX_SOURCE_BYTES`]), how deep it nests ([`MAX_DEPTH`]) and how many nodes YAML aliases
//! may add ([`MAX_ALIAS_NODES`]: ten levels of nine aliases, a "billion laughs", would be
//! 3.4 billion nodes). Each is refused at once, naming the limit and where it was passed.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

use crate::diagnostic::{escape_token, Diagnostic, Diagnostics};

/// The largest document read: several times Cloudflare's whole published document.
pub const MAX_SOURCE_BYTES: usize = 128 * 1024 * 1024;
/// The deepest nesting read (Cloudflare's whole document nests about 30 deep).
pub const MAX_DEPTH: usize = 128;
/// The most nodes YAML aliases may add to a document, all aliases together.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A spec's text and the name to report it under.
#[derive(Clone, Debug)]
pub struct SpecSource {
    /// How diagnostics name the file (`spec/cni.yaml`), not necessarily a real path.
    pub display_path: String,
    /// The YAML (or JSON) text.
    pub text: String,
}

/// A line and column, both 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// The parsed document and the position of each of its nodes.
#[derive(Clone, Debug)]
pub struct ParsedSource {
    pub display_path: String,
    pub value: Value,
    locations: HashMap<String, Location>,
}

impl ParsedSource {
    /// Where the node at `pointer` starts; for a node that does not exist (a missing key),
    /// where its nearest existing ancestor starts.
    pub fn locate(&self, pointer: &str) -> Location {
        let mut current = pointer;
        loop {
            if let Some(location) = self.locations.get(current) {
                return *location;
            }
            match current.rfind('/') {
                Some(i) => current = &current[..i],
                None => return Location { line: 1, column: 1 },
            }
        }
    }

    /// A diagnostic about the node at `pointer`.
    pub fn diagnostic(&self, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        let pointer = pointer.into();
        let Location { line, column } = self.locate(&pointer);
        Diagnostic {
            file: self.display_path.clone(),
            line,
            column,
            pointer,
            message: message.into(),
        }
    }
}

/// Parses YAML text into a located JSON value. Syntax errors, duplicate keys, non-string-like
/// keys and several documents in one file are all reported, never panicked on.
pub fn parse(source: &SpecSource) -> Result<ParsedSource, Diagnostics> {
    let diag = |line: usize, column: usize, pointer: String, message: String| Diagnostic {
        file: source.display_path.clone(),
        line,
        column,
        pointer,
        message,
    };
    if source.text.len() > MAX_SOURCE_BYTES {
        return Err(Diagnostics(vec![diag(
            1,
            1,
            String::new(),
            format!(
                "the document is {} bytes; the most read is {MAX_SOURCE_BYTES}",
                source.text.len()
            ),
        )]));
    }
    if source.text.trim_start().starts_with('{') {
        return parse_json(source);
    }
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(&source.text);
    if let Err(e) = parser.load(&mut builder, true) {
        let mark = e.marker();
        return Err(Diagnostics(vec![diag(
            mark.line(),
            mark.col() + 1,
            String::new(),
            format!("YAML syntax error: {}", e.info()),
        )]));
    }
    let mut problems: Vec<Diagnostic> = builder
        .problems
        .iter()
        .map(|(loc, pointer, message)| diag(loc.line, loc.column, pointer.clone(), message.clone()))
        .collect();
    if builder.documents.len() > 1 {
        problems.push(diag(
            1,
            1,
            String::new(),
            format!(
                "the file holds {} YAML documents; a spec is exactly one",
                builder.documents.len()
            ),
        ));
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(Diagnostics(problems));
    }
    let Some(value) = builder.documents.pop() else {
        return Err(Diagnostics(vec![diag(
            1,
            1,
            String::new(),
            "the file is empty".to_string(),
        )]));
    };
    Ok(ParsedSource {
        display_path: source.display_path.clone(),
        value,
        locations: builder.locations,
    })
}

/// A document that starts with `{`, read by serde_json (whose reader refuses nesting past 128
/// levels). Its nodes have no recorded positions: diagnostics name them by JSON pointer.
fn parse_json(source: &SpecSource) -> Result<ParsedSource, Diagnostics> {
    let fail = |line: usize, column: usize, message: String| {
        Diagnostics(vec![Diagnostic {
            file: source.display_path.clone(),
            line,
            column,
            pointer: String::new(),
            message,
        }])
    };
    let value: Value = serde_json::from_str(&source.text)
        .map_err(|e| fail(e.line(), e.column(), format!("JSON syntax error: {e}")))?;
    Ok(ParsedSource {
        display_path: source.display_path.clone(),
        value,
        locations: HashMap::new(),
    })
}

/// How many nodes `value` holds (itself included), without recursion.
fn node_count(value: &Value) -> usize {
    let mut count = 0;
    let mut open = vec![value];
    while let Some(value) = open.pop() {
        count += 1;
        match value {
            Value::Array(items) => open.extend(items),
            Value::Object(fields) => open.extend(fields.values()),
            _ => {}
        }
    }
    count
}

enum Frame {
    Mapping {
        map: Map<String, Value>,
        pointer: String,
        anchor: usize,
        pending_key: Option<String>,
    },
    Sequence {
        items: Vec<Value>,
        pointer: String,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    documents: Vec<Value>,
    /// Each anchor's value and its node count.
    anchors: BTreeMap<usize, (Value, usize)>,
    locations: HashMap<String, Location>,
    problems: Vec<(Location, String, String)>,
    /// Nodes added by aliases so far.
    alias_nodes: usize,
    /// A limit was passed: the rest of the document is read, not built.
    refused: bool,
}

impl Builder {
    /// The pointer the next node will have, or `None` when the next scalar is a mapping key.
    fn next_pointer(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Mapping {
                pointer,
                pending_key: Some(key),
                ..
            }) => Some(format!("{pointer}/{}", escape_token(key))),
            Some(Frame::Mapping { .. }) => None,
            Some(Frame::Sequence { items, pointer, .. }) => {
                Some(format!("{pointer}/{}", items.len()))
            }
        }
    }

    fn complete(&mut self, value: Value, anchor: usize) {
        if self.refused {
            // Past a limit nothing is built, so no value nests deeper than the limit (a
            // 500,000-deep value would overflow the stack when dropped).
            return;
        }
        if anchor > 0 {
            let count = node_count(&value);
            self.anchors.insert(anchor, (value.clone(), count));
        }
        match self.stack.last_mut() {
            None => self.documents.push(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping {
                map, pending_key, ..
            }) => {
                if let Some(key) = pending_key.take() {
                    map.insert(key, value);
                }
            }
        }
    }

    /// Records a mapping key, reporting duplicates at the second occurrence.
    fn key(&mut self, key: String, location: Location) {
        if let Some(Frame::Mapping {
            map,
            pointer,
            pending_key,
            ..
        }) = self.stack.last_mut()
        {
            let key_pointer = format!("{pointer}/{}", escape_token(&key));
            if map.contains_key(&key) {
                self.problems.push((
                    location,
                    key_pointer,
                    format!("duplicate key `{key}` in this mapping"),
                ));
            }
            *pending_key = Some(key);
        }
    }
}

fn location(mark: Marker) -> Location {
    Location {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

/// Resolves a plain scalar as YAML 1.2's core schema does (via yaml-rust2), as JSON.
fn plain_scalar(text: &str) -> Value {
    match Yaml::from_str(text) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Number(i.into()),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_string())),
        _ => Value::String(text.to_string()),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let here = location(mark);
        match event {
            Event::Scalar(text, style, anchor, _tag) => match self.next_pointer() {
                None => self.key(text, here),
                Some(pointer) => {
                    self.locations.insert(pointer, here);
                    let value = if style == TScalarStyle::Plain {
                        plain_scalar(&text)
                    } else {
                        Value::String(text)
                    };
                    self.complete(value, anchor);
                }
            },
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH && !self.refused {
                    self.refused = true;
                    self.problems.push((
                        here,
                        self.next_pointer().unwrap_or_default(),
                        format!("the document nests deeper than {MAX_DEPTH} levels here"),
                    ));
                }
                let Some(pointer) = self.next_pointer() else {
                    self.problems.push((
                        here,
                        String::new(),
                        "a mapping key must be a scalar, not a mapping or sequence".to_string(),
                    ));
                    // Keep the structure balanced: parse the complex key as a throwaway value.
                    self.key(String::new(), here);
                    self.stack.push(Frame::Sequence {
                        items: Vec::new(),
                        pointer: String::from("/<complex key>"),
                        anchor: 0,
                    });
                    return;
                };
                self.locations.insert(pointer.clone(), here);
                if matches!(event, Event::MappingStart(..)) {
                    self.stack.push(Frame::Mapping {
                        map: Map::new(),
                        pointer,
                        anchor,
                        pending_key: None,
                    });
                } else {
                    self.stack.push(Frame::Sequence {
                        items: Vec::new(),
                        pointer,
                        anchor,
                    });
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping { map, anchor, .. }) = self.stack.pop() {
                    self.complete(Value::Object(map), anchor);
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence { items, anchor, .. }) = self.stack.pop() {
                    self.complete(Value::Array(items), anchor);
                }
            }
            Event::Alias(id) => {
                let size = self.anchors.get(&id).map_or(1, |(_, count)| *count);
                if !self.refused && self.alias_nodes + size > MAX_ALIAS_NODES {
                    self.refused = true;
                    self.problems.push((
                        here,
                        self.next_pointer().unwrap_or_default(),
                        format!(
                            "YAML aliases here would add more than {MAX_ALIAS_NODES} nodes to the \
                             document (an alias bomb, or a document no spec needs)"
                        ),
                    ));
                }
                self.alias_nodes += size;
                let value = match self.refused {
                    // Past a limit, nothing more is copied: the document is refused anyway.
                    true => Value::Null,
                    false => self
                        .anchors
                        .get(&id)
                        .map_or(Value::Null, |(v, _)| v.clone()),
                };
                match self.next_pointer() {
                    None => match value {
                        Value::String(s) => self.key(s, here),
                        _ => self.problems.push((
                            here,
                            String::new(),
                            "an alias used as a mapping key must name a string".to_string(),
                        )),
                    },
                    Some(pointer) => {
                        self.locations.insert(pointer, here);
                        self.complete(value, 0);
                    }
                }
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> SpecSource {
        SpecSource {
            display_path: "t.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn values_and_locations() {
        let parsed = parse(&src("a:\n  b: 1\n  c: [x, 'y', 2.5, true, ~]\n'200': ok\n")).unwrap();
        assert_eq!(
            parsed.value,
            serde_json::json!({"a": {"b": 1, "c": ["x", "y", 2.5, true, null]}, "200": "ok"})
        );
        assert_eq!(parsed.locate("/a/b"), Location { line: 2, column: 6 });
        assert_eq!(
            parsed.locate("/a/c/1"),
            Location {
                line: 3,
                column: 10
            }
        );
        // A missing node is located at its nearest ancestor.
        assert_eq!(parsed.locate("/a/missing/deep").line, 2);
    }

    #[test]
    fn quoted_numbers_stay_strings() {
        let parsed = parse(&src("v: '3.0.3'\nw: 3.0.3\nx: 2026.07.27\n")).unwrap();
        assert_eq!(
            parsed.value,
            serde_json::json!({"v": "3.0.3", "w": "3.0.3", "x": "2026.07.27"})
        );
    }

    #[test]
    fn syntax_error_is_located() {
        let err = parse(&src("a: 1\nb: [1, 2\nc: 3\n")).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert!(err.0[0].message.starts_with("YAML syntax error"), "{}", err);
        assert!(err.0[0].line >= 2);
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let err = parse(&src("a:\n  b: 1\n  b: 2\n")).unwrap_err();
        assert_eq!(err.0[0].pointer, "/a/b");
        assert_eq!(err.0[0].line, 3);
        assert_eq!(err.0[0].message, "duplicate key `b` in this mapping");
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let parsed = parse(&src("a: &x {k: v}\nb: *x\n")).unwrap();
        assert_eq!(parsed.value["b"], serde_json::json!({"k": "v"}));
    }

    /// The probe's finding: ten levels of nine aliases made the import grow to 20 GB within
    /// 60 s. It is refused at the alias that passes the limit, having copied at most that.
    #[test]
    fn an_alias_bomb_is_refused_at_the_limit() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let prior = format!("*a{}", level - 1);
            let items = [prior.as_str(); 9].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let started = std::time::Instant::now();
        let error = parse(&src(&text)).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            error.0[0].message.contains("more than 1000000 nodes"),
            "{error}"
        );
        assert!(error.0[0].pointer.starts_with("/a"), "names where: {error}");
    }

    #[test]
    fn nesting_past_the_limit_is_refused_where_it_passes() {
        // Block mappings, one level an indent: the limit is this reader's.
        let block = |levels: usize| -> String {
            (0..levels)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect::<String>()
                + &" ".repeat(levels)
                + "x\n"
        };
        let error = parse(&src(&block(MAX_DEPTH + 10))).unwrap_err();
        assert!(error.0[0].message.contains("deeper than 128"), "{error}");
        assert!(error.0[0].pointer.starts_with("/k0/k1/"), "{error}");
        assert!(parse(&src(&block(100))).is_ok());
        // Flow collections 500,000 deep: refused (yaml-rust2's own limit comes first), with no
        // deep value built or dropped.
        let deep = format!("{}x{}", "[".repeat(500_000), "]".repeat(500_000));
        assert!(parse(&src(&format!("a: {deep}\n"))).is_err());
    }

    #[test]
    fn json_is_read_as_json_and_an_oversized_document_is_refused() {
        let parsed = parse(&src("  {\"a\": {\"b\": [1, \"x\"]}}")).unwrap();
        assert_eq!(parsed.value, serde_json::json!({"a": {"b": [1, "x"]}}));
        let error = parse(&src("{\"a\": }")).unwrap_err();
        assert!(
            error.0[0].message.starts_with("JSON syntax error"),
            "{error}"
        );
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let error = parse(&src(&format!("{{\"a\": {deep}}}"))).unwrap_err();
        assert!(error.0[0].message.contains("recursion limit"), "{error}");
        let big = format!("a: '{}'\n", "x".repeat(MAX_SOURCE_BYTES));
        let error = parse(&src(&big)).unwrap_err();
        assert!(error.0[0].message.contains("the most read is"), "{error}");
    }

    #[test]
    fn empty_file_is_an_error() {
        let err = parse(&src("")).unwrap_err();
        assert_eq!(err.0[0].message, "the file is empty");
    }
}
