//! Request bodies that are not JSON: bytes of one media type (Cloudflare's worker scripts as
//! `application/javascript`, NDJSON uploads, `application/octet-stream`) and multipart forms
//! (`multipart/form-data`: an image with its metadata, a Worker's modules). progenitor
//! generates a raw body (`body(impl TryInto<reqwest::Body>)`) only for
//! `application/octet-stream` with a `type: string, format: binary` schema, and no form at
//! all: it is told each is one ([`input::input`]). The `Content-Type` it then sends is set
//! back to the operation's own media type ([`output::apply`]); a form's builder takes the
//! client runtime's `Multipart` and sends its boundary ([`forms::apply`]). The server and the
//! command-line tool read the model's `request_bytes` and `request_form`.

pub mod forms;
pub mod input;
pub mod output;
