//! Reads the spec's YAML into a JSON value while remembering where every node came from.
//!
//! Only this module reads the spec's text. It walks yaml-rust2's marked event stream, so one
//! pass yields both the `serde_json::Value` that later stages deserialize and a map from JSON
//! pointer to line and column, which every diagnostic uses to say where a problem is.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

use crate::diagnostic::{escape_token, Diagnostic, Diagnostics};

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
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(&source.text);
    let diag = |line: usize, column: usize, pointer: String, message: String| Diagnostic {
        file: source.display_path.clone(),
        line,
        column,
        pointer,
        message,
    };
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
    anchors: BTreeMap<usize, Value>,
    locations: HashMap<String, Location>,
    problems: Vec<(Location, String, String)>,
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
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
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
                let value = self.anchors.get(&id).cloned().unwrap_or(Value::Null);
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

    #[test]
    fn empty_file_is_an_error() {
        let err = parse(&src("")).unwrap_err();
        assert_eq!(err.0[0].message, "the file is empty");
    }
}
