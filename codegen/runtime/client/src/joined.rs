//! A query list sent as one value, its items comma-separated (`?ids=1,2`: OpenAPI's `form`
//! style, not exploded), where the spec says so (Cloudflare's Zaraz `ids`).

use std::fmt::Display;

use serde::{Serialize, Serializer};

/// Serializes a list (or an optional one: nothing when `None`) as its items' text joined by
/// commas, for progenitor's `QueryParam`.
pub struct CommaJoined<'a, L: ?Sized>(pub &'a L);

fn joined<T: Display>(items: &[T]) -> String {
    let mut text = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&item.to_string());
    }
    text
}

impl<T: Display> Serialize for CommaJoined<'_, Vec<T>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&joined(self.0))
    }
}

impl<T: Display> Serialize for CommaJoined<'_, Option<Vec<T>>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(items) => serializer.serialize_str(&joined(items)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_one_value_comma_separated() {
        let ids = vec![12345, 23456];
        assert_eq!(
            serde_json::to_value(CommaJoined(&ids)).unwrap(),
            "12345,23456"
        );
        let none: Option<Vec<i64>> = None;
        assert!(serde_json::to_value(CommaJoined(&none)).unwrap().is_null());
    }
}
