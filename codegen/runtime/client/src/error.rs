//! One error type for every call, built from progenitor's error and what the call learned.

use std::future::Future;
use std::path::{Path, PathBuf};

use cloudflare_cni_validate::envelope::ResponseMessage;
use cloudflare_cni_validate::ValidationErrors;
use futures::StreamExt;
use progenitor_client::{ByteStream, Error, ResponseValue};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::context::{self, CallContext};
use crate::limits::{body_too_large, path_segment_problem};

/// Everything a call can fail with. `Display` is one line.
///
/// New kinds of failure may be added in minor releases, so a `match` needs a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CniError {
    /// The API answered an error status. `errors` holds the envelope's messages when the body
    /// was an envelope; `body_excerpt` the start of the body when it was something else.
    /// `headers` are the answer's; `request_id` is Cloudflare's `cf-ray` among them, the id
    /// support asks for. More fields may come in minor releases: match with `..`.
    #[error("{}", api_line(*status, errors, body_excerpt.as_deref(), *attempts, request_id.as_deref()))]
    #[non_exhaustive]
    Api {
        /// The answer's status.
        status: StatusCode,
        /// The envelope's error messages (empty when the body was not an envelope).
        errors: Vec<ResponseMessage>,
        /// The start of the body, when it was not an envelope.
        body_excerpt: Option<String>,
        /// How many attempts were made, retries included.
        attempts: u32,
        /// Cloudflare's request id (`cf-ray`), for a support ticket.
        request_id: Option<String>,
        /// Boxed: it is large, and `CniError` travels in every `Result`.
        headers: Box<reqwest::header::HeaderMap>,
    },
    /// The request body broke the spec's rules; nothing was sent.
    #[error("request not sent: {0}")]
    Validation(ValidationErrors),
    /// A required parameter of the request was not set; nothing was sent.
    #[error("request not sent: the required parameter `{name}` was not set")]
    #[non_exhaustive]
    MissingParameter {
        /// The parameter, as the spec names it (`cni`, `account_id`).
        name: String,
    },
    /// A parameter's value could not be used (it did not convert, or a path parameter would
    /// not stay one URL segment); nothing was sent.
    #[error("request not sent: the parameter `{name}` is not valid: {reason}")]
    #[non_exhaustive]
    InvalidParameter {
        /// The parameter, as the spec names it.
        name: String,
        /// Why, with the value where it helps.
        reason: String,
    },
    /// The request body could not be built (a required field left unset, a field that
    /// contradicts the path); nothing was sent.
    #[error("request not sent: the body is not complete or not consistent: {reason}")]
    #[non_exhaustive]
    InvalidBody {
        /// Why, naming the field.
        reason: String,
    },
    /// A value built by the caller (a builder's `build()`, through `?`) was incomplete: the
    /// message names the field. Nothing was sent.
    #[error("a value could not be built: {0}")]
    Conversion(#[from] cloudflare_cni_validate::ConversionError),
    /// The client could not be built (from [`ClientBuilder::build`](crate::ClientBuilder::build)
    /// through `?`): nothing was sent.
    #[error("the client could not be built: {0}")]
    Build(#[from] crate::BuildError),
    /// The connection failed.
    #[error("transport error after {attempts} attempt(s): {source}")]
    #[non_exhaustive]
    Transport {
        /// How many attempts were made, retries included.
        attempts: u32,
        #[source]
        /// reqwest's error.
        source: reqwest::Error,
    },
    /// An attempt took longer than the client's timeout.
    #[error("timed out after {attempts} attempt(s): {source}")]
    #[non_exhaustive]
    Timeout {
        /// How many attempts were made, retries included.
        attempts: u32,
        #[source]
        /// reqwest's error.
        source: reqwest::Error,
    },
    /// A success status whose body was not what the spec says. `expected` says what was
    /// expected and why decoding failed, naming the field; `pointer` is where (a JSON pointer,
    /// `/items/3/slot_id`), when the body was JSON.
    #[error("invalid response{}: expected {expected}, got {excerpt:?}", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    #[non_exhaustive]
    InvalidResponse {
        /// The answer's status, when one came.
        status: Option<StatusCode>,
        /// What was expected, and why decoding failed.
        expected: String,
        /// Where in the body, as a JSON pointer, when the body was JSON.
        pointer: Option<String>,
        /// The start of the body.
        excerpt: String,
    },
    /// The response body went over the client's limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes), or
    /// `max_download_bytes` for a download); it was not read on.
    #[error("the response{} is larger than the client's limit of {limit} bytes", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The answer's status, when one came.
        status: Option<StatusCode>,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The server answered with a redirect, which this API never does; it was not followed, so
    /// no credential went to where it pointed.
    #[error("the server redirected ({status}) to {}; redirects are not followed", location.as_deref().unwrap_or("an unnamed location"))]
    #[non_exhaustive]
    Redirect {
        /// The redirect's status.
        status: StatusCode,
        /// The `Location` header, when there was one.
        location: Option<String>,
    },
    /// A listing could not continue (the server sent back a cursor it had already given).
    #[error("pagination stopped: {reason}")]
    #[non_exhaustive]
    Pagination {
        /// Why, naming the cursor.
        reason: String,
    },
    /// A wait ([`wait_until`](crate::wait_until)) ran out of time. `last` is the last answer
    /// seen, typed (`last.get::<T>()`) and as JSON; `None` when the last look was a 404 that
    /// the wait was told to look past.
    #[error("gave up waiting after {waited:?} ({polls} looks); last seen: {}", last.as_ref().map_or_else(|| "not found (404)".to_string(), |l| l.to_string()))]
    #[non_exhaustive]
    WaitTimeout {
        /// How long the wait took.
        waited: std::time::Duration,
        /// How many times the request was sent.
        polls: u32,
        /// The last answer, typed; `None` when the last look was a 404 the wait looked past.
        last: Option<crate::LastAnswer>,
    },
    /// A wait's condition said the answer shows it will never be met
    /// ([`WaitOutcome::Failed`](crate::WaitOutcome::Failed)); `last` is that answer.
    #[error("stopped waiting after {waited:?} ({polls} looks): the answer will not do: {last}")]
    #[non_exhaustive]
    WaitFailed {
        /// How long the wait took.
        waited: std::time::Duration,
        /// How many times the request was sent.
        polls: u32,
        /// The answer the condition refused.
        last: crate::LastAnswer,
    },
    /// Writing a download to disk failed.
    #[error("cannot write {}: {source}", path.display())]
    #[non_exhaustive]
    Io {
        /// The file that could not be written.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
}

fn api_line(
    status: StatusCode,
    errors: &[ResponseMessage],
    excerpt: Option<&str>,
    attempts: u32,
    request_id: Option<&str>,
) -> String {
    let mut line = format!("the API answered {status}");
    if attempts > 1 {
        line.push_str(&format!(" after {attempts} attempts"));
    }
    if errors.is_empty() {
        if let Some(excerpt) = excerpt.filter(|e| !e.is_empty()) {
            line.push_str(&format!(": {excerpt:?}"));
        }
    }
    for (i, e) in errors.iter().enumerate() {
        line.push_str(if i == 0 { ": " } else { "; " });
        line.push_str(&e.to_string());
    }
    if let Some(id) = request_id {
        line.push_str(&format!(" [cf-ray {id}]"));
    }
    line
}

impl CniError {
    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            CniError::Api { status, .. } => Some(*status),
            CniError::InvalidResponse { status, .. } => *status,
            CniError::ResponseTooLarge { status, .. } => *status,
            CniError::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Cloudflare's request id (`cf-ray`) of an error answer, when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            CniError::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the API answered 404: the object (or the account's view of it) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.api_status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the API answered 409: the call conflicts with what exists (a conduit name in
    /// use, an exhausted address pool).
    pub fn is_conflict(&self) -> bool {
        self.api_status() == Some(StatusCode::CONFLICT)
    }

    /// Whether the same call may succeed later: the connection failed, an attempt timed out,
    /// or the API answered a status the client's retries are for (408, 429, 5xx). The client
    /// has already retried as its [`RetryPolicy`](crate::RetryPolicy) allows; this answers
    /// whether trying again later makes sense.
    pub fn is_retryable(&self) -> bool {
        match self {
            CniError::Transport { .. } | CniError::Timeout { .. } => true,
            CniError::Api { status, .. } => crate::retry::is_retryable_status(*status),
            _ => false,
        }
    }

    /// The codes of the error envelope's messages, in order (none when the answer was not an
    /// envelope, or the error did not come from an answer): `1000` for a refused body, ….
    pub fn codes(&self) -> impl Iterator<Item = i32> + '_ {
        let errors: &[ResponseMessage] = match self {
            CniError::Api { errors, .. } => errors,
            _ => &[],
        };
        errors.iter().map(|e| e.code)
    }

    /// The status of an error answer (not of a success answer the client could not read).
    fn api_status(&self) -> Option<StatusCode> {
        match self {
            CniError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How many attempts were made, for errors that came from sending.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            CniError::Api { attempts, .. }
            | CniError::Transport { attempts, .. }
            | CniError::Timeout { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }
}

fn api_error(
    status: StatusCode,
    errors: Vec<ResponseMessage>,
    body_excerpt: Option<String>,
    attempts: u32,
    headers: reqwest::header::HeaderMap,
) -> CniError {
    CniError::Api {
        status,
        errors,
        body_excerpt,
        attempts,
        request_id: crate::options::request_id(&headers).map(str::to_string),
        headers: Box::new(headers),
    }
}

const EXCERPT: usize = 300;

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(EXCERPT).collect();
    if text.chars().count() > EXCERPT {
        out.push('…');
    }
    out
}

/// The `errors` of a v4 envelope, read leniently from any JSON: an entry that is not a message
/// is skipped, the others kept whole.
fn envelope_messages(body: &serde_json::Value) -> Vec<ResponseMessage> {
    body.get("errors")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| ResponseMessage::deserialize(e).ok())
        .collect()
}

/// Where decoding a body as the expected type fails: (JSON pointer, message).
pub type Locate = fn(&[u8]) -> Option<(String, String)>;

/// Decodes `body` as `T` again, tracking the path, to say where and why it fails (only on the
/// error path: a successful call never pays for it).
pub fn locate<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<(String, String)> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let error = serde_path_to_error::deserialize::<_, T>(&mut deserializer).err()?;
    let pointer = cloudflare_cni_validate::decode_pointer(error.path());
    let message = error.into_inner().to_string();
    Some((pointer, message))
}

/// For calls whose success is not JSON.
pub fn locate_nothing(_: &[u8]) -> Option<(String, String)> {
    None
}

async fn convert<E: Serialize>(
    error: Error<E>,
    call: &CallContext,
    expected: &'static str,
    locate: Locate,
) -> CniError {
    let attempts = call.attempts().max(1);
    match error {
        Error::InvalidRequest(message) => match call.take_validation() {
            Some(errors) => CniError::Validation(errors),
            None => crate::problem::decode(&message),
        },
        Error::Custom(message) => crate::problem::decode(&message),
        Error::CommunicationError(source)
        | Error::ResponseBodyError(source)
        | Error::InvalidUpgrade(source) => {
            if let Some(too_large) = body_too_large(&source) {
                CniError::ResponseTooLarge {
                    status: call.last_status(),
                    limit: too_large.limit,
                }
            } else if source.is_timeout() {
                CniError::Timeout { attempts, source }
            } else {
                CniError::Transport { attempts, source }
            }
        }
        Error::ErrorResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = serde_json::to_value(response.into_inner()).unwrap_or_default();
            api_error(status, envelope_messages(&body), None, attempts, headers)
        }
        Error::InvalidResponsePayload(bytes, decode_error) => match call.last_status() {
            // An error status whose body is not the envelope (an HTML 502 page, say).
            Some(status) if status.is_client_error() || status.is_server_error() => api_error(
                status,
                Vec::new(),
                Some(excerpt(&bytes)),
                attempts,
                call.take_error_headers().unwrap_or_default(),
            ),
            status => {
                let (pointer, why) = match locate(&bytes) {
                    Some((pointer, message)) if pointer.is_empty() => (Some(pointer), message),
                    Some((pointer, message)) => {
                        let why = format!("at {pointer}: {message}");
                        (Some(pointer), why)
                    }
                    None => (None, decode_error.to_string()),
                };
                CniError::InvalidResponse {
                    status,
                    expected: format!("{expected} ({why})"),
                    pointer,
                    excerpt: excerpt(&bytes),
                }
            }
        },
        Error::UnexpectedResponse(response) => {
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
                return CniError::Redirect { status, location };
            }
            let headers = response.headers().clone();
            let bytes = match response.bytes().await {
                Ok(bytes) => bytes,
                Err(error) => match body_too_large(&error) {
                    Some(too_large) => {
                        return CniError::ResponseTooLarge {
                            status: Some(status),
                            limit: too_large.limit,
                        }
                    }
                    None => Default::default(),
                },
            };
            if status.is_client_error() || status.is_server_error() {
                let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                api_error(
                    status,
                    envelope_messages(&body),
                    Some(excerpt(&bytes)),
                    attempts,
                    headers,
                )
            } else {
                CniError::InvalidResponse {
                    status: Some(status),
                    expected: format!("{expected} (an undeclared status)"),
                    pointer: None,
                    excerpt: excerpt(&bytes),
                }
            }
        }
    }
}

/// Runs one generated call and turns its failure into a [`CniError`]; `expected` names the
/// success body, for messages, and `locate` finds where a body that does not decode fails.
pub async fn run<T, E, F>(
    call: F,
    expected: &'static str,
    locate: Locate,
) -> Result<ResponseValue<T>, CniError>
where
    E: Serialize,
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
{
    run_with(call, None, expected, locate).await
}

/// [`run`] with the call's own [`RequestOptions`](crate::RequestOptions).
pub async fn run_with<T, E, F>(
    call: F,
    options: Option<crate::RequestOptions>,
    expected: &'static str,
    locate: Locate,
) -> Result<ResponseValue<T>, CniError>
where
    E: Serialize,
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
{
    let (result, context) = context::scoped(call, options).await;
    match result {
        Ok(value) => Ok(value),
        Err(error) => Err(convert(error, &context, expected, locate).await),
    }
}

/// Refuses a path parameter that URL parsing would not keep as one segment (`.`, `..`) or
/// that is empty, before anything is sent; `value` is the builder's field (an unset one is
/// left for `send` to report).
pub fn check_path_segment<T: AsRef<str>>(
    name: &str,
    value: &Result<T, String>,
) -> Result<(), CniError> {
    match value.as_ref().ok().map(|v| v.as_ref()) {
        Some(value) => match path_segment_problem(value) {
            Some(problem) => Err(CniError::InvalidParameter {
                name: name.to_string(),
                reason: format!("a path parameter {problem}: {value:?}"),
            }),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// A temporary file that is removed when dropped, unless it was renamed into place: whatever
/// ends the download (an error, a cancelled future, a panic) leaves nothing behind.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes a downloaded body to `path`. A regular file (or a new one) is written atomically:
/// into a temporary file beside it, then renamed over it, so `path` never holds half a file;
/// an existing file keeps its permissions. A symlink is followed, so its target is replaced
/// and the link stays. Anything else that takes writes (`/dev/null`, a FIFO, a terminal) is
/// written through, never replaced; a directory is refused, naming it. Returns the byte count.
pub async fn save_stream(stream: ByteStream, path: &Path) -> Result<u64, CniError> {
    let io = |source| CniError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Following the link (when there is one) keeps a rename from replacing the link itself
    // with a regular file.
    let target = resolve_links(path).await.map_err(io)?;
    let existing = match tokio::fs::metadata(&target).await {
        Ok(metadata) => Some(metadata),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    if let Some(metadata) = &existing {
        if metadata.is_dir() {
            return Err(io(std::io::Error::other("it is a directory")));
        }
        if !metadata.is_file() {
            // A device, FIFO or socket: renaming over it would replace the system's
            // `/dev/null` with a regular file (as root). Write into it as it is.
            let file = tokio::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .await
                .map_err(io)?;
            return write_body(stream, file, path).await;
        }
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("download");
    let (mut temp, file) = loop {
        let candidate = dir.join(format!(
            ".{name}.part-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        // Created exclusively: nothing planted at the name, not even a symlink, is opened.
        match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
            .await
        {
            Ok(file) => {
                break (
                    TempFile {
                        path: candidate,
                        keep: false,
                    },
                    file,
                )
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(e)),
        }
    };
    let written = write_body(stream, file, path).await?;
    // Replacing a file keeps its mode (a user's 0600 LOA stays 0600); a new one gets the
    // usual default.
    if let Some(existing) = existing {
        tokio::fs::set_permissions(&temp.path, existing.permissions())
            .await
            .map_err(io)?;
    }
    tokio::fs::rename(&temp.path, &target).await.map_err(io)?;
    temp.keep = true;
    Ok(written)
}

/// What `path` names once its symlinks are followed (relative links read from the link's own
/// folder); a dangling link names where its target would be, so the download creates it.
async fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // As many hops as Linux follows before it calls it a loop.
    for _ in 0..40 {
        match tokio::fs::symlink_metadata(&current).await {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = tokio::fs::read_link(&current).await?;
                let dir = current.parent().map(Path::to_path_buf).unwrap_or_default();
                current = dir.join(link);
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("a loop of symbolic links"))
}

/// Writes the whole body into `file` and syncs it; `path` names it in errors. A device that
/// cannot be synced (`/dev/null`) is fine.
/// Reads a download whole (within the client's `max_download_bytes`): the bytes of a non-JSON
/// answer, a `text/csv` export, say. Behind the generated `bytes()`.
pub async fn read_stream(stream: ByteStream) -> Result<bytes::Bytes, CniError> {
    let mut stream = stream.into_inner();
    let mut whole = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        whole.extend_from_slice(&chunk.map_err(download_error)?);
    }
    Ok(whole.freeze())
}

/// Reads a text download whole (`text/*`): its bytes as UTF-8. Bytes that are not UTF-8 are an
/// [`CniError::InvalidResponse`] saying where, never replaced. Behind the generated `text()`.
pub async fn read_text(stream: ByteStream) -> Result<String, CniError> {
    let bytes = read_stream(stream).await?;
    String::from_utf8(bytes.to_vec()).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        CniError::InvalidResponse {
            status: None,
            expected: format!("UTF-8 text (byte {at} is not)"),
            pointer: None,
            excerpt: String::from_utf8_lossy(&bytes[..at.min(bytes.len()).min(200)]).into_owned(),
        }
    })
}

/// A chunk that could not be read: over the download limit, or the connection failed.
fn download_error(source: reqwest::Error) -> CniError {
    match body_too_large(&source) {
        Some(too_large) => CniError::ResponseTooLarge {
            status: None,
            limit: too_large.limit,
        },
        None => CniError::Transport {
            attempts: 1,
            source,
        },
    }
}

async fn write_body(
    stream: ByteStream,
    mut file: tokio::fs::File,
    path: &Path,
) -> Result<u64, CniError> {
    let io = |source| CniError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut stream = stream.into_inner();
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(download_error)?;
        file.write_all(&chunk).await.map_err(io)?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(io)?;
    let regular = file.metadata().await.map(|m| m.is_file()).unwrap_or(false);
    if regular {
        file.sync_all().await.map_err(io)?;
    }
    Ok(written)
}

#[cfg(test)]
mod save_tests {
    use super::*;

    fn body(chunks: &[&'static [u8]]) -> ByteStream {
        let chunks: Vec<reqwest::Result<bytes::Bytes>> = chunks
            .iter()
            .map(|c| Ok(bytes::Bytes::from_static(c)))
            .collect();
        ByteStream::new(Box::pin(futures::stream::iter(chunks)))
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_download_reads_whole_and_text_must_be_utf8() {
        let csv = read_stream(body(&[b"id,name\n", b"1,a\n"])).await.unwrap();
        assert_eq!(&csv[..], b"id,name\n1,a\n");
        let text = read_text(body(&[b"caf", b"\xc3\xa9"])).await.unwrap();
        assert_eq!(text, "café");
        // A multi-byte character split across chunks is whole once read; bytes that are
        // not UTF-8 are an error that says where, never replaced.
        match read_text(body(&[b"ok", b"\xff"])).await {
            Err(CniError::InvalidResponse {
                expected, excerpt, ..
            }) => {
                assert_eq!(expected, "UTF-8 text (byte 2 is not)");
                assert_eq!(excerpt, "ok");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_regular_file_is_replaced_whole_and_a_symlink_keeps_pointing_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("loa.pdf");
        assert_eq!(
            save_stream(body(&[b"%PDF", b"-1"]), &file).await.unwrap(),
            6
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"%PDF-1");
        #[cfg(unix)]
        {
            let link = dir.path().join("latest.pdf");
            std::os::unix::fs::symlink("loa.pdf", &link).unwrap();
            save_stream(body(&[b"second"]), &link).await.unwrap();
            assert!(std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(std::fs::read(&file).unwrap(), b"second");
        }
        assert_eq!(
            names_in(dir.path()),
            ["latest.pdf", "loa.pdf"],
            "no temporary left"
        );
        let error = save_stream(body(&[b"x"]), dir.path()).await.unwrap_err();
        assert!(error.to_string().contains("it is a directory"), "{error}");
    }

    /// The probe's High finding: `-o /dev/null` as root replaced the system's `/dev/null`
    /// with a regular file (so did `/dev/full`, FIFOs and symlinks). Reproduced on copies made
    /// in a folder of the test's own (`mknod` needs root, as CI and this machine have; the FIFO
    /// case runs everywhere): each is written through and stays what it was.
    #[cfg(unix)]
    #[tokio::test]
    async fn devices_and_fifos_are_written_through_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        save_stream(body(&[b"through ", b"the pipe"]), &fifo)
            .await
            .unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
        let null = dir.path().join("null");
        let full = dir.path().join("full");
        let root = std::process::Command::new("mknod")
            .args(["-m", "666"])
            .arg(&null)
            .args(["c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success());
        if !root {
            eprintln!("mknod refused (not root): the device cases were not run");
            return;
        }
        let made = std::process::Command::new("mknod")
            .args(["-m", "666"])
            .arg(&full)
            .args(["c", "1", "7"])
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(save_stream(body(&[b"gone"]), &null).await.unwrap(), 4);
        assert!(std::fs::metadata(&null)
            .unwrap()
            .file_type()
            .is_char_device());
        let error = save_stream(body(&[b"no room"]), &full).await.unwrap_err();
        assert!(
            error.to_string().contains("full"),
            "names the file: {error}"
        );
        assert!(std::fs::metadata(&full)
            .unwrap()
            .file_type()
            .is_char_device());
        assert_eq!(
            names_in(dir.path()),
            ["fifo", "full", "null"],
            "no temporary left"
        );
    }

    /// A symlink planted where the temporary file goes is never written through: temporary
    /// files are created exclusively, under a name of their own.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_planted_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep me").unwrap();
        for n in 0..4u64 {
            let planted = dir
                .path()
                .join(format!(".loa.pdf.part-{}-{n}", std::process::id()));
            std::os::unix::fs::symlink(&victim, planted).unwrap();
        }
        save_stream(body(&[b"pdf"]), &dir.path().join("loa.pdf"))
            .await
            .unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(std::fs::read(dir.path().join("loa.pdf")).unwrap(), b"pdf");
    }
}
