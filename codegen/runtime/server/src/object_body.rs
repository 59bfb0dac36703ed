//! The one rule every request body meets before it is decoded: a body the spec describes as an
//! object is a JSON object ([`check`]; one it describes otherwise, an array of values say, may
//! be any JSON value: [`check_value`]), no object in it names a key twice, and nothing in it
//! nests deeper than [`MAX_BODY_DEPTH`].
//!
//! The depth bound is there because a server may keep what a body carries (unknown fields
//! included) and write it out again inside a larger document: a state file, a listing. A body
//! nested to serde_json's own reading limit (128) would be accepted here and refused when that
//! larger document is read back.
//!
//! Without it, serde's derive accepts a struct's sequence form (`[65011]` for
//! `{"default_asn": 65011}`), and duplicate keys are refused by some types and silently
//! resolved (last wins) by others: those that keep unknown fields (`#[serde(flatten)]`) buffer
//! the object first and lose the duplicate. One walk over the document, which allocates only
//! for keys with escapes, settles both for every body.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Where a value sits, kept on the stack; the pointer text is built only for a refusal.
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => format!(
                "{}/{}",
                parent.pointer(),
                key.replace('~', "~0").replace('/', "~1")
            ),
            At::Index(parent, index) => format!("{}/{index}", parent.pointer()),
        }
    }
}

/// How deep a request body may nest, counting the body itself as depth 1: far beyond any body
/// the spec describes (the deepest nests 4), and far enough below serde_json's reading limit of
/// 128 that anything kept from a body still reads back inside a document 60 levels deep.
pub const MAX_BODY_DEPTH: usize = 64;

/// Why a body was refused before decoding.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not JSON (or more than one value).
    Malformed(String),
    /// JSON, but not an object: what it is instead.
    NotAnObject(&'static str),
    /// An object names `key` twice; `pointer` is the object's place.
    DuplicateKey { pointer: String, key: String },
    /// A value at `pointer` opens a level deeper than [`MAX_BODY_DEPTH`].
    TooDeep { pointer: String },
}

/// Checks `bytes` against the rule, for a body the spec describes as an object.
pub fn check(bytes: &[u8]) -> Result<(), Refusal> {
    walk(bytes, true)
}

/// Checks `bytes` against the rule, for a body the spec describes as any other JSON (an
/// array, a string): no repeated key and no level too deep anywhere in it.
pub fn check_value(bytes: &[u8]) -> Result<(), Refusal> {
    walk(bytes, false)
}

fn walk(bytes: &[u8], object: bool) -> Result<(), Refusal> {
    let found = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let walked = Walk {
        at: At::Root,
        depth: 1,
        object,
        found: &found,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    match (walked, found.into_inner()) {
        (_, Some(found)) => Err(found),
        (Ok(()), None) => Ok(()),
        (Err(error), None) => match error.to_string() {
            message if message.starts_with(NOT_AN_OBJECT) => {
                Err(Refusal::NotAnObject(kind_of(bytes)))
            }
            _ => Err(Refusal::Malformed(error.to_string())),
        },
    }
}

const NOT_AN_OBJECT: &str = "not an object";

/// What a JSON document's first value is, by its first byte.
fn kind_of(bytes: &[u8]) -> &'static str {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

struct Walk<'a, 'c> {
    at: At<'a>,
    /// The nesting level of the value this walks (the body is 1).
    depth: usize,
    /// Whether the body must be an object.
    object: bool,
    /// The refusal found on the way (a repeated key, a level too deep), if any.
    found: &'c RefCell<Option<Refusal>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.within_depth()?;
        let mut keys: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let seed = Walk {
                at: At::Key(&self.at, &key),
                depth: self.depth + 1,
                object: self.object,
                found: self.found,
            };
            map.next_value_seed(seed)?;
            if keys.contains(&key) {
                *self.found.borrow_mut() = Some(Refusal::DuplicateKey {
                    pointer: self.at.pointer(),
                    key: key.into_owned(),
                });
                return Err(serde::de::Error::custom("duplicate key"));
            }
            keys.insert(key);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.top_is_object()?;
        self.within_depth()?;
        let mut index = 0;
        loop {
            let seed = Walk {
                at: At::Index(&self.at, index),
                depth: self.depth + 1,
                object: self.object,
                found: self.found,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.top_is_object()
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.top_is_object()
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.top_is_object()
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.top_is_object()
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.top_is_object()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.top_is_object()
    }
}

impl Walk<'_, '_> {
    /// An object or array that opens a level past the bound is refused where it opens.
    fn within_depth<E: serde::de::Error>(&self) -> Result<(), E> {
        if self.depth <= MAX_BODY_DEPTH {
            return Ok(());
        }
        *self.found.borrow_mut() = Some(Refusal::TooDeep {
            pointer: self.at.pointer(),
        });
        Err(E::custom("too deep"))
    }

    /// Anything but an object is fine inside the body, and refused as a body that must be one.
    fn top_is_object<E: serde::de::Error>(&self) -> Result<(), E> {
        match self.at {
            At::Root if self.object => Err(E::custom(NOT_AN_OBJECT)),
            _ => Ok(()),
        }
    }
}

/// An object key, borrowed from the body unless it has escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_pass_and_everything_else_is_named() {
        assert_eq!(check(br#" {"a": [1, {"b": null}], "c": "x"} "#), Ok(()));
        assert_eq!(check(b"{}"), Ok(()));
        for (body, kind) in [
            (&b"[65011]"[..], "an array"),
            (br#"["accA", null, {}]"#, "an array"),
            (b"\"x\"", "a string"),
            (b"true", "a boolean"),
            (b"null", "null"),
            (b"-4.5", "a number"),
        ] {
            assert_eq!(check(body), Err(Refusal::NotAnObject(kind)), "{body:?}");
        }
        assert!(matches!(check(b"{\"a\": }"), Err(Refusal::Malformed(_))));
        assert!(matches!(check(b"{} {}"), Err(Refusal::Malformed(_))));
    }

    #[test]
    fn a_body_of_any_other_kind_is_held_to_the_rest_of_the_rule() {
        for body in [&b"[65011]"[..], b"\"x\"", b"true", b"null", b"-4.5", b"{}"] {
            assert_eq!(check_value(body), Ok(()), "{body:?}");
        }
        assert_eq!(
            check_value(br#"[{"a": 1}, {"a": 1, "a": 2}]"#),
            Err(Refusal::DuplicateKey {
                pointer: "/1".into(),
                key: "a".into()
            })
        );
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_BODY_DEPTH + 1),
            "]".repeat(MAX_BODY_DEPTH + 1)
        );
        assert!(matches!(
            check_value(deep.as_bytes()),
            Err(Refusal::TooDeep { .. })
        ));
        assert!(matches!(
            check_value(b"[1] [2]"),
            Err(Refusal::Malformed(_))
        ));
    }

    /// `depth` levels of `{"a": …}` around an empty object (which is one more level).
    fn nested(depth: usize) -> String {
        format!(
            "{}{{}}{}",
            "{\"a\": ".repeat(depth - 1),
            "}".repeat(depth - 1)
        )
    }

    #[test]
    fn nesting_past_the_bound_is_refused_where_it_opens() {
        assert_eq!(check(nested(MAX_BODY_DEPTH).as_bytes()), Ok(()));
        let pointer = "/a".repeat(MAX_BODY_DEPTH);
        assert_eq!(
            check(nested(MAX_BODY_DEPTH + 1).as_bytes()),
            Err(Refusal::TooDeep {
                pointer: pointer.clone()
            })
        );
        // Arrays count as levels too, and a body far past serde_json's own limit is refused
        // by the bound, not by the reader's recursion limit.
        let arrays = format!("{{\"a\": {}{}}}", "[".repeat(500), "]".repeat(500));
        assert!(matches!(
            check(arrays.as_bytes()),
            Err(Refusal::TooDeep { .. })
        ));
    }

    #[test]
    fn a_key_twice_is_refused_where_it_is() {
        assert_eq!(
            check(br#"{"account": "a", "account": "b"}"#),
            Err(Refusal::DuplicateKey {
                pointer: String::new(),
                key: "account".into()
            })
        );
        assert_eq!(
            check(br#"{"bgp": {"extra_prefixes": [{"x/y": 1, "x\/y": 2}]}}"#),
            Err(Refusal::DuplicateKey {
                pointer: "/bgp/extra_prefixes/0".into(),
                key: "x/y".into()
            }),
            "an escaped key is the same key"
        );
        // The same key in two objects is fine.
        assert_eq!(check(br#"{"a": {"k": 1}, "b": {"k": 1}}"#), Ok(()));
    }
}
