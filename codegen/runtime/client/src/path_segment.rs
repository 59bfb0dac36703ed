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

/// Room for a whole URL (the API's base and a path of a few segments) in one allocation:
/// `format!` starts small and grows as the pieces come.
const URL_CAPACITY: usize = 192;

/// A request's URL, written from its template's pieces into one buffer.
pub fn url(pieces: fmt::Arguments<'_>) -> String {
    let mut out = String::with_capacity(URL_CAPACITY);
    // Writing into a `String` fails only if a piece's `Display` does, which ours never do.
    let _ = fmt::write(&mut out, pieces);
    out
}

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

    /// The URL is what `format!` writes, in one buffer that a typical URL fits.
    #[test]
    fn a_url_is_written_in_one_buffer() {
        let base = "https://api.cloudflare.com/client/v4";
        let written = url(format_args!(
            "{}/accounts/{}/cni/cnis",
            base,
            PathSegment(&"a b")
        ));
        assert_eq!(written, format!("{base}/accounts/a%20b/cni/cnis"));
        assert!(written.capacity() >= URL_CAPACITY);
    }
}

/// A request body's field that names what the path names (`account` beside `account_id`): the
/// path's value when the body leaves it out, refused before sending when the body gives another
/// one (the request would be about two accounts at once). `given` reads the field from the body
/// as built so far, `None` when it is not set; `set` sets it.
pub fn fill_from_path<B>(
    body: B,
    field: &str,
    parameter: &str,
    path_value: &str,
    given: impl FnOnce(&B) -> Option<&str>,
    set: impl FnOnce(B, String) -> B,
) -> Result<B, String> {
    let refused = match given(&body) {
        Some(given) if given != path_value => Some(crate::problem::not_valid(
            "body",
            format_args!("`{field}` is {given:?} but the path's `{parameter}` is {path_value:?}; a request is about one of them, so they must be the same"),
        )),
        Some(_) => return Ok(body),
        None => None,
    };
    match refused {
        Some(refused) => Err(refused),
        None => Ok(set(body, path_value.to_string())),
    }
}

#[cfg(test)]
mod fill_tests {
    use super::fill_from_path;

    #[derive(Debug, PartialEq)]
    struct Body(Option<String>);

    fn fill(body: Body) -> Result<Body, String> {
        fill_from_path(
            body,
            "account",
            "account_id",
            "a1",
            |b| b.0.as_deref(),
            |_, v| Body(Some(v)),
        )
    }

    #[test]
    fn the_path_fills_a_missing_field_keeps_the_same_and_refuses_another_naming_both() {
        assert_eq!(fill(Body(None)), Ok(Body(Some("a1".into()))));
        assert_eq!(fill(Body(Some("a1".into()))), Ok(Body(Some("a1".into()))));
        let refused = fill(Body(Some("b2".into()))).expect_err("two accounts");
        assert!(
            refused.contains("\"b2\"")
                && refused.contains("\"a1\"")
                && refused.contains("account_id"),
            "{refused}"
        );
    }
}
