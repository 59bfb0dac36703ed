//! Path parameters written into a request's URL as they are formatted: the generated code's
//! `format!` of the URL percent-encodes each parameter on the way, with no intermediate
//! `String` per parameter (progenitor's `encode_path(&value.to_string())` makes two).

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS};

/// What a path segment cannot hold as itself (the WHATWG URL path-segment set, plus `/` and
/// `%` so that a value stays one segment and decodes to itself): the set progenitor's
/// `encode_path` uses, so the URLs are the same byte for byte.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Formats `value` percent-encoded as one URL path segment.
pub struct PathSegment<'a, T: fmt::Display + ?Sized>(pub &'a T);

impl<T: fmt::Display + ?Sized> fmt::Display for PathSegment<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        /// Encodes whatever the value writes, piece by piece, into the formatter.
        struct Encoding<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Encoding<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                for piece in percent_encoding::utf8_percent_encode(s, PATH_SEGMENT) {
                    self.0.write_str(piece)?;
                }
                Ok(())
            }
        }
        write!(Encoding(f), "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_progenitor_does() {
        let awkward = "a b/c%d?e#f{g}<h>\"i`j\u{7f}k\u{e9}l";
        assert_eq!(
            PathSegment(awkward).to_string(),
            progenitor_client::encode_path(awkward)
        );
        assert_eq!(
            PathSegment("plain-value_1.2~").to_string(),
            "plain-value_1.2~"
        );
    }

    #[test]
    fn formats_any_display_value() {
        let id = 42u32;
        assert_eq!(format!("/cnis/{}", PathSegment(&id)), "/cnis/42");
    }
}
