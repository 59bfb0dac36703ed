//! A request body sent as a multipart form (`multipart/form-data`): read whole within the
//! router's body limit (413 past it) by axum's form reader, its parts handed to the trait in
//! order. A form that is not one, or that lacks a part the operation requires, answers 400
//! naming it.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use bytes::Bytes;

use crate::error::{codes, ApiError};

/// One part of a form: its name, the file name and media type it was sent with, its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormPart {
    /// The part's name (`file`, `metadata`).
    pub name: String,
    /// The file name it was sent with, for a file.
    pub file_name: Option<String>,
    /// Its media type, when it was sent with one.
    pub content_type: Option<String>,
    /// Its bytes, as they came.
    pub bytes: Bytes,
}

/// A multipart form as it came: every part, in order (a name repeats for each part of a
/// list, and any part the spec does not name is kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Multipart {
    /// The parts, in the order they were sent.
    pub parts: Vec<FormPart>,
}

impl Multipart {
    /// The first part called `name`.
    pub fn part(&self, name: &str) -> Option<&FormPart> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// Every part called `name`, in order.
    pub fn parts_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FormPart> + 'a {
        self.parts.iter().filter(move |p| p.name == name)
    }

    /// The text of the part `name`: `None` when it is missing, a 400 naming it when it is not
    /// UTF-8.
    pub fn text(&self, name: &str) -> Result<Option<&str>, ApiError> {
        self.part(name)
            .map(|part| {
                std::str::from_utf8(&part.bytes).map_err(|_| {
                    bad_request(format!("the form's part `{name}` is not UTF-8 text")).at(name)
                })
            })
            .transpose()
    }

    /// The part `name` decoded from JSON (a `metadata` part): `None` when it is missing, a 400
    /// naming it when it does not decode.
    pub fn json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.part(name)
            .map(|part| {
                serde_json::from_slice(&part.bytes).map_err(|e| {
                    bad_request(format!("the form's part `{name}` is not its JSON: {e}")).at(name)
                })
            })
            .transpose()
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
}

/// The extractor of a form body, holding the parts the operation requires.
#[derive(Debug)]
pub struct ApiMultipart(pub Multipart);

impl ApiMultipart {
    /// Refuses a form that lacks one of `required` (400 naming the part).
    pub fn require(self, required: &[&str]) -> Result<Multipart, ApiError> {
        match required.iter().find(|name| self.0.part(name).is_none()) {
            Some(missing) => Err(bad_request(format!(
                "the form lacks its required part `{missing}`"
            ))
            .at(*missing)),
            None => Ok(self.0),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut form = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    codes::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "the request body must be sent as `Content-Type: multipart/form-data` \
                         with its boundary: {}",
                        rejection.body_text()
                    ),
                )
                .closing_connection()
            })?;
        let mut parts = Vec::new();
        loop {
            let field = match form.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(form_error(e)),
            };
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(str::to_string);
            let content_type = field.content_type().map(str::to_string);
            let bytes = field.bytes().await.map_err(form_error)?;
            parts.push(FormPart {
                name,
                file_name,
                content_type,
                bytes,
            });
        }
        Ok(ApiMultipart(Multipart { parts }))
    }
}

fn form_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            "the request body is larger than this server accepts",
        )
        .closing_connection()
    } else {
        bad_request(format!("malformed multipart form: {}", error.body_text()))
    }
}
