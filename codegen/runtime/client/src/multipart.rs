//! A request body sent as a multipart form (`multipart/form-data`): Cloudflare's uploads
//! (an image with its metadata, a Worker's modules, a DNS zone file). Built part by part,
//! encoded by reqwest's form writer, sent with its boundary in the `Content-Type`.

use reqwest::header::HeaderValue;
use reqwest::multipart::{Form, Part};

/// A multipart form, part by part. A part that cannot be made (a media type that is not
/// one, JSON that does not encode) is reported when the request is sent, naming the part.
///
/// ```
/// # use cloudflare_cni_client_runtime::Multipart;
/// let form = Multipart::new()
///     .text("name", "logo")
///     .file("file", "logo.png", vec![0x89, b'P', b'N', b'G'], "image/png")
///     .json("metadata", &serde_json::json!({"team": "network"}));
/// assert_eq!(form.part_names(), ["name", "file", "metadata"]);
/// ```
#[derive(Debug)]
pub struct Multipart {
    form: Form,
    names: Vec<String>,
    problem: Option<String>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart {
            form: Form::new(),
            names: Vec::new(),
            problem: None,
        }
    }

    fn with(mut self, name: &str, part: Result<Part, String>) -> Self {
        match part {
            Ok(part) => self.form = self.form.part(name.to_string(), part),
            Err(problem) => {
                self.problem
                    .get_or_insert_with(|| format!("the form's part `{name}`: {problem}"));
            }
        }
        self.names.push(name.to_string());
        self
    }

    /// A text part (`name=value`, no file name): a string, a number or a flag as text.
    pub fn text(self, name: &str, value: impl Into<String>) -> Self {
        let value: String = value.into();
        self.with(name, Ok(Part::text(value)))
    }

    /// A file part: its bytes, the file name the server sees and its media type
    /// (`image/png`, `application/javascript+module`).
    pub fn file(
        self,
        name: &str,
        file_name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        media_type: &str,
    ) -> Self {
        let file_name: String = file_name.into();
        let part = Part::bytes(bytes.into())
            .file_name(file_name)
            .mime_str(media_type)
            .map_err(|_| format!("`{media_type}` is not a media type"));
        self.with(name, part)
    }

    /// A part of bytes with a media type and no file name (`metadata` as `application/json`
    /// text one has at hand).
    pub fn bytes(self, name: &str, bytes: impl Into<Vec<u8>>, media_type: &str) -> Self {
        let part = Part::bytes(bytes.into())
            .mime_str(media_type)
            .map_err(|_| format!("`{media_type}` is not a media type"));
        self.with(name, part)
    }

    /// A JSON part (`application/json`): a value encoded, as Cloudflare's `metadata` parts are.
    pub fn json<T: serde::Serialize + ?Sized>(self, name: &str, value: &T) -> Self {
        let part = serde_json::to_vec(value)
            .map_err(|e| format!("cannot encode it as JSON: {e}"))
            .and_then(|json| {
                Part::bytes(json)
                    .mime_str("application/json")
                    .map_err(|e| e.to_string())
            });
        self.with(name, part)
    }

    /// The names of its parts, in order (a name repeats for each of a list's parts).
    pub fn part_names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The form, or what is wrong with it: a part that could not be made, or a part the
    /// operation requires (`required`, by name) that it lacks.
    #[doc(hidden)]
    pub fn checked(self, required: &[&str]) -> Result<Multipart, String> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        match required
            .iter()
            .find(|name| !self.names.iter().any(|n| n == *name))
        {
            Some(missing) => Err(format!("the form lacks its required part `{missing}`")),
            None => Ok(self),
        }
    }

    /// The `Content-Type` it is sent with: `multipart/form-data` and its boundary.
    #[doc(hidden)]
    pub fn content_type(&self) -> HeaderValue {
        // The boundary is reqwest's: visible ASCII, so the header is always valid.
        HeaderValue::from_str(&format!(
            "multipart/form-data; boundary={}",
            self.form.boundary()
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("multipart/form-data"))
    }
}

impl From<Multipart> for reqwest::Body {
    fn from(form: Multipart) -> Self {
        reqwest::Body::wrap_stream(form.form.into_stream())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_that_cannot_be_made_or_a_missing_one_is_named() {
        let bad = Multipart::new().file("file", "a.png", vec![1], "not a type");
        let error = bad.checked(&[]).unwrap_err();
        assert!(
            error.contains("part `file`") && error.contains("not a media type"),
            "{error}"
        );
        let missing = Multipart::new()
            .text("name", "x")
            .checked(&["file"])
            .unwrap_err();
        assert_eq!(missing, "the form lacks its required part `file`");
        let form = Multipart::new()
            .text("file", "x")
            .checked(&["file"])
            .unwrap();
        let content_type = form.content_type();
        assert!(content_type
            .to_str()
            .unwrap()
            .starts_with("multipart/form-data; boundary="));
    }
}
