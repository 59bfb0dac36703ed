//! Request bodies sent as bytes: a body whose one media type is not JSON (Cloudflare's
//! worker scripts as `application/javascript`, NDJSON uploads, `application/octet-stream`).
//! progenitor generates a raw body (`body(impl TryInto<reqwest::Body>)`) only for
//! `application/octet-stream` with a `type: string, format: binary` schema: it is told so
//! ([`input::input`]), and the `Content-Type` it then sends is set back to the operation's own media
//! type ([`output::apply`]). The server and the command-line tool read the model's `request_bytes`.

pub mod input;
pub mod output;
