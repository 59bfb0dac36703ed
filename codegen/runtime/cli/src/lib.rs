//! What the generated `cloudflare-cni` command-line tool needs besides its generated command
//! table: the clap command tree built from that table, credentials and the account from flags
//! or Cloudflare's environment variables, request bodies from flags and `--body`, output as
//! JSON, JSON lines or a table, waiting with progress, and exit codes by class.
//!
//! The generated crate describes each operation ([`Operation`]) and maps a parsed call to the
//! typed client ([`App::dispatch`]); everything here is the same for every operation.
#![warn(missing_docs)]

mod command;
mod exit;
mod output;

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use clap::ArgMatches;
use cloudflare_cni_client::{ByteStream, Client, CniError, Wait};
use futures::stream::LocalBoxStream;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use exit::{CliError, ExitClass};

/// The tool: its groups of operations and how a call reaches the client.
pub struct App {
    /// The binary's name, as `--help` and completions spell it.
    pub name: &'static str,
    /// The tool's version, for `--version`.
    pub version: &'static str,
    /// What the tool is, for `--help`.
    pub about: &'static str,
    /// The resource groups, each a subcommand.
    pub groups: &'static [Group],
    /// Runs one parsed operation.
    pub dispatch: Dispatch,
}

/// Runs one parsed call on the client.
pub type Dispatch = for<'a> fn(
    &'a Client,
    &'a Call,
) -> Pin<Box<dyn Future<Output = Result<Answer<'a>, CliError>> + 'a>>;

/// A resource group (`cnis`, `interconnects` …) and its operations.
pub struct Group {
    /// The group's subcommand (`cnis`).
    pub name: &'static str,
    /// What the group is, for `--help`.
    pub about: &'static str,
    /// Its operations, each a subcommand of the group.
    pub operations: &'static [Operation],
}

/// One operation as a subcommand.
pub struct Operation {
    /// The subcommand (`list`, `get`, `loa` …).
    pub verb: &'static str,
    /// The operationId it sends.
    pub operation_id: &'static str,
    /// Its HTTP method (`GET`), for `--dry-run`.
    pub method: &'static str,
    /// Its path template (`/accounts/{account_id}/cni/cnis/{cni}`), for `--dry-run`.
    pub path: &'static str,
    /// One line, the spec's summary.
    pub about: &'static str,
    /// The spec's description.
    pub long_about: &'static str,
    /// Its path and query parameters, as flags.
    pub args: &'static [Arg],
    /// The request body's fields as flags, when the operation takes one.
    pub body: Option<Body>,
    /// What it answers.
    pub answer: AnswerKind,
}

/// A parameter of the operation.
pub struct Arg {
    /// The spec's name (`icon`, `address_contains`).
    pub name: &'static str,
    /// The flag's help text.
    pub help: &'static str,
    /// The value's type.
    pub value: ValueType,
    /// The values an enum allows (listed in `--help` and completions); empty: any value.
    pub values: &'static [&'static str],
    /// Whether the flag must be given.
    pub required: bool,
    /// A path parameter (a positional argument) rather than a query parameter (a flag).
    pub positional: bool,
    /// A list: the flag repeats (`--state Healthy --state Down`).
    pub many: bool,
    /// A header parameter (`Upload-Length`): a flag (`--upload-length`) whose value is sent
    /// as that header, not in the query.
    pub header: bool,
    /// A list sent as one value, its items comma-separated (`?ids=1,2`), not its key repeated.
    pub joined: bool,
}

impl Arg {
    /// The flag that sets it: its name with `-` for `_` (`--page-size`); a header's in lower
    /// case, as HTTP/2 writes header names (`Upload-Length`: `--upload-length`).
    pub fn flag(&self) -> String {
        let flag = self.name.replace('_', "-");
        match self.header {
            true => flag.to_ascii_lowercase(),
            false => flag,
        }
    }
}

/// The values a repeated flag was given, as text, in order: what the client's setter for a
/// list takes, converted into a list of the item type it holds (an enum, a number) by that
/// type's `FromStr`, so the command table need not name the type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListArg {
    name: &'static str,
    values: Vec<String>,
}

/// A flag's value (one of a repeated flag's) that the client's type for it does not take.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--{flag}: {value:?}: {problem}")]
pub struct ArgValueError {
    flag: String,
    value: String,
    problem: String,
}

/// A flag's value as text, for a parameter whose client type is not text (a `date-time`,
/// a `date`): what its setter takes, parsed by that type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextArg {
    name: &'static str,
    value: String,
}

impl TextArg {
    fn parsed<T: std::str::FromStr>(self) -> Result<T, ArgValueError>
    where
        T::Err: std::fmt::Display,
    {
        self.value.parse().map_err(|e: T::Err| ArgValueError {
            flag: self.name.replace('_', "-"),
            problem: e.to_string(),
            value: self.value,
        })
    }
}

impl TryFrom<TextArg> for chrono::DateTime<chrono::Utc> {
    type Error = ArgValueError;

    fn try_from(text: TextArg) -> Result<Self, Self::Error> {
        text.parsed()
    }
}

impl TryFrom<TextArg> for chrono::NaiveDate {
    type Error = ArgValueError;

    fn try_from(text: TextArg) -> Result<Self, Self::Error> {
        text.parsed()
    }
}

impl<T> TryFrom<ListArg> for Vec<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    type Error = ArgValueError;

    fn try_from(list: ListArg) -> Result<Self, Self::Error> {
        let name = list.name;
        list.values
            .into_iter()
            .map(|value| TextArg { name, value }.parsed())
            .collect()
    }
}

/// A request body: its schema's name and its fields as flags.
pub struct Body {
    /// The body's schema name.
    pub schema: &'static str,
    /// The media type it is sent as: `application/json`, or another whose body is a file's
    /// bytes as they are (a script, NDJSON), with no field flags.
    pub media_type: &'static str,
    /// Where the body repeats the account (`/account`), filled from `--account` when the body
    /// does not say.
    pub account: Option<&'static str>,
    /// The body's scalar fields, each a flag.
    pub fields: &'static [BodyField],
}

/// A scalar (or list of scalars) in the body, set by a flag.
pub struct BodyField {
    /// The flag, without dashes (`magic-conduit-name`).
    pub flag: &'static str,
    /// Where it goes in the body (`/magic/conduit_name`).
    pub pointer: &'static str,
    /// The flag's help text.
    pub help: &'static str,
    /// The value's type.
    pub value: ValueType,
    /// The values an enum allows (listed in `--help` and completions); empty: any value.
    pub values: &'static [&'static str],
    /// A list: the flag repeats.
    pub many: bool,
}

/// The type of a value on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    String,
    /// A UUID.
    Uuid,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
}

/// What the operation answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerKind {
    /// A JSON document.
    Json,
    /// A cursor-paginated listing (`--jsonl` streams its items).
    Listing,
    /// A status that can be waited on (`--wait STATE`).
    Status {
        /// The JSON property naming the state.
        property: &'static str,
    },
    /// A file (`-o FILE`, else standard output).
    Binary,
    /// Nothing.
    Empty,
}

/// What a call answered, for the output.
pub enum Answer<'a> {
    /// One JSON value.
    Json(serde_json::Value),
    /// The items of a listing, page by page.
    Items(LocalBoxStream<'a, Result<serde_json::Value, CliError>>),
    /// A download's bytes.
    Bytes(ByteStream),
    /// A download written to a file.
    Saved {
        /// The file.
        path: PathBuf,
        /// How many bytes were written.
        bytes: u64,
    },
    /// Nothing (a delete).
    Empty,
}

impl<'a> Answer<'a> {
    /// A typed answer as JSON.
    pub fn json<T: Serialize>(value: T) -> Result<Answer<'a>, CliError> {
        serde_json::to_value(value)
            .map(Answer::Json)
            .map_err(|e| CliError::other(format!("cannot show the answer as JSON: {e}")))
    }

    /// A listing's items, as they stream.
    pub fn items<T, S>(stream: S) -> Answer<'a>
    where
        T: Serialize,
        S: futures::Stream<Item = Result<T, CniError>> + 'a,
    {
        use futures::StreamExt;
        Answer::Items(
            stream
                .map(|item| match item {
                    Ok(value) => serde_json::to_value(value)
                        .map_err(|e| CliError::other(format!("cannot show an item as JSON: {e}"))),
                    Err(error) => Err(CliError::from(error)),
                })
                .boxed_local(),
        )
    }
}

/// A parsed call: the operation's arguments, typed, and the global settings it needs.
pub struct Call {
    matches: ArgMatches,
    operation: &'static Operation,
    account: Option<String>,
    jsonl: bool,
    output_path: Option<PathBuf>,
    wait: Option<(String, Wait)>,
    progress: bool,
    /// `--dry-run`: the method, URL and headers the call would send (credentials redacted);
    /// the body is added once it is assembled and checked.
    dry_run: Option<String>,
}

impl Call {
    /// The operation this call is for.
    pub fn operation_id(&self) -> &'static str {
        self.operation.operation_id
    }

    fn usage(message: String) -> CliError {
        CliError::new(ExitClass::Usage, message)
    }

    /// The account (`--account`, or `CLOUDFLARE_ACCOUNT_ID`).
    pub fn account(&self) -> Result<String, CliError> {
        self.account.clone().ok_or_else(|| {
            Self::usage("no account: pass --account ACCOUNT_ID or set CLOUDFLARE_ACCOUNT_ID".into())
        })
    }

    /// A required argument's value.
    pub fn required<T: Clone + Send + Sync + 'static>(&self, name: &str) -> Result<T, CliError> {
        self.optional(name)?
            .ok_or_else(|| Self::usage(format!("missing {}", name.replace('_', "-"))))
    }

    /// An optional argument's value.
    pub fn optional<T: Clone + Send + Sync + 'static>(
        &self,
        name: &str,
    ) -> Result<Option<T>, CliError> {
        self.matches
            .try_get_one::<T>(name)
            .map(|value| value.cloned())
            .map_err(|e| CliError::other(format!("argument {name}: {e}")))
    }

    /// An argument's value as text, for a setter that parses it (`None` when not given).
    pub fn text(&self, name: &'static str) -> Result<Option<TextArg>, CliError> {
        Ok(self
            .optional::<String>(name)?
            .map(|value| TextArg { name, value }))
    }

    /// A required argument's value as text, for a setter that parses it.
    pub fn required_text(&self, name: &'static str) -> Result<TextArg, CliError> {
        self.text(name)?
            .ok_or_else(|| Self::usage(format!("missing {}", name.replace('_', "-"))))
    }

    /// A list argument's values (its flag repeated), `None` when it was not given.
    pub fn list(&self, name: &'static str) -> Result<Option<ListArg>, CliError> {
        let arg = self
            .operation
            .args
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| CliError::other(format!("argument {name}: not in the command table")))?;
        let values = command::arg_texts(&self.matches, arg);
        Ok((!values.is_empty()).then_some(ListArg { name, values }))
    }

    /// The request body: `--body FILE|-` (JSON), then each body flag given, set at its place,
    /// decoded as the operation's body type. A body that does not fit names where.
    pub fn body<T>(&self) -> Result<T, CliError>
    where
        T: DeserializeOwned + Serialize + cloudflare_cni_validate::Validate,
    {
        let body = self.operation.body.as_ref();
        let mut value = match self.matches.try_get_one::<String>("body").ok().flatten() {
            Some(source) => read_body(source)?,
            None => serde_json::Value::Object(Default::default()),
        };
        if let (Some(pointer), Some(account)) = (body.and_then(|b| b.account), &self.account) {
            if value.pointer(pointer).is_none() {
                set_pointer(
                    &mut value,
                    pointer,
                    serde_json::Value::String(account.clone()),
                )?;
            }
        }
        for field in body.map(|b| b.fields).unwrap_or_default() {
            if let Some(given) = command::body_flag_value(&self.matches, field)? {
                set_pointer(&mut value, field.pointer, given)?;
            }
        }
        let schema = body.map_or("the body", |b| b.schema);
        let typed: T = serde_path_to_error::deserialize(value).map_err(|e| {
            let at = e.path().to_string();
            let (at, parent) = if at == "." {
                (String::new(), String::new())
            } else {
                (format!(" at {at}"), format!("/{}", at.replace('.', "/")))
            };
            let message = e.inner().to_string();
            let hint = missing_field(&message)
                .map(|field| flags_for(body, &format!("{parent}/{field}")))
                .unwrap_or_default();
            CliError::new(
                ExitClass::Validation,
                format!("the request body does not fit {schema}{at}: {message}{hint}"),
            )
        })?;
        if let Some(request) = &self.dry_run {
            // The body as the client would send it: decoded into its type, checked by the
            // spec's rules, encoded again. Then nothing is sent.
            if let Err(errors) = cloudflare_cni_validate::Validate::validate(&typed) {
                return Err(CliError::new(
                    ExitClass::Validation,
                    format!("request not sent: {errors}"),
                ));
            }
            let json = serde_json::to_string_pretty(&typed)
                .map_err(|e| CliError::other(format!("cannot show the body: {e}")))?;
            let mut done = CliError::other(String::new());
            done.dry_run = Some(format!(
                "{request}content-type: application/json\n\n{json}\n"
            ));
            return Err(done);
        }
        Ok(typed)
    }

    /// A request body sent as bytes: `--body FILE|-` as it is. With `--dry-run`, shown (as
    /// text when it is UTF-8, else its length) and not sent.
    pub fn raw_body(&self) -> Result<Vec<u8>, CliError> {
        let source = self
            .matches
            .try_get_one::<String>("body")
            .ok()
            .flatten()
            .ok_or_else(|| Self::usage("the request body is required: --body FILE|-".into()))?;
        let bytes = read_source(source)?;
        if let Some(request) = &self.dry_run {
            let media_type = self.operation.body.as_ref().map_or("", |b| b.media_type);
            let shown = match std::str::from_utf8(&bytes) {
                Ok(text) => text.to_string(),
                Err(_) => format!("({} bytes)", bytes.len()),
            };
            let mut done = CliError::other(String::new());
            done.dry_run = Some(format!("{request}content-type: {media_type}\n\n{shown}\n"));
            return Err(done);
        }
        Ok(bytes)
    }

    /// A request body sent as a multipart form: each `--part NAME=VALUE` and
    /// `--file NAME=@PATH` in the order given (a `;type=MEDIA` suffix gives a part's media
    /// type). With `--dry-run`, shown part by part and not sent.
    pub fn form(&self) -> Result<cloudflare_cni_client_runtime::Multipart, CliError> {
        let mut given: Vec<(usize, FormArg)> = Vec::new();
        for (id, file) in [("part", false), ("file", true)] {
            let values = self.matches.try_get_many::<String>(id).ok().flatten();
            let indices = self.matches.indices_of(id);
            if let (Some(values), Some(indices)) = (values, indices) {
                for (value, index) in values.zip(indices) {
                    given.push((index, FormArg::parse(value, file)?));
                }
            }
        }
        given.sort_by_key(|(index, _)| *index);
        let mut form = cloudflare_cni_client_runtime::Multipart::new();
        let mut shown = String::new();
        for (_, arg) in given {
            match arg.path {
                None => {
                    shown.push_str(&format!("part {}: {}\n", arg.name, arg.value));
                    form = match arg.media_type {
                        Some(media_type) => {
                            form.bytes(&arg.name, arg.value.into_bytes(), &media_type)
                        }
                        None => form.text(&arg.name, arg.value),
                    };
                }
                Some(path) => {
                    let bytes = read_source(&path)?;
                    let media_type = arg
                        .media_type
                        .unwrap_or_else(|| "application/octet-stream".into());
                    let file_name = std::path::Path::new(&path)
                        .file_name()
                        .map_or_else(|| "-".to_string(), |n| n.to_string_lossy().into_owned());
                    shown.push_str(&format!(
                        "file {}: {file_name} ({} bytes, {media_type})\n",
                        arg.name,
                        bytes.len()
                    ));
                    form = form.file(&arg.name, file_name, bytes, &media_type);
                }
            }
        }
        if let Some(request) = &self.dry_run {
            let mut done = CliError::other(String::new());
            done.dry_run = Some(format!(
                "{request}content-type: multipart/form-data\n\n{shown}"
            ));
            return Err(done);
        }
        Ok(form)
    }

    /// Whether a listing streams its items as JSON lines.
    pub fn jsonl(&self) -> bool {
        self.jsonl
    }

    /// Where a download goes (`-o FILE`); standard output when absent.
    pub fn output_path(&self) -> Option<&Path> {
        self.output_path.as_deref()
    }

    /// `--wait STATE` and its timeout, when given.
    pub fn wait(&self) -> Option<&Wait> {
        self.wait.as_ref().map(|(_, wait)| wait)
    }

    /// Whether `value`'s `property` is the state waited for; shows it as progress on a
    /// terminal (nothing when standard error is piped).
    pub fn reached<T: Serialize>(&self, value: &T, property: &str) -> bool {
        let Some((target, _)) = &self.wait else {
            return true;
        };
        let state = serde_json::to_value(value)
            .ok()
            .and_then(|v| v.get(property).and_then(|s| s.as_str()).map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string());
        if self.progress {
            let mut err = std::io::stderr();
            let state = output::for_terminal(&state);
            let _ = write!(err, "\rwaiting for {target}: {state}    ");
            let _ = err.flush();
        }
        state.eq_ignore_ascii_case(target)
    }
}

/// The field serde's "missing field `x`" names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The flags that set the body at `pointer` or below it, as a hint: ` (set it with --bgp-customer-asn)`.
fn flags_for(body: Option<&Body>, pointer: &str) -> String {
    let below = format!("{pointer}/");
    let flags: Vec<String> = body
        .map(|b| b.fields)
        .unwrap_or_default()
        .iter()
        .filter(|f| f.pointer == pointer || f.pointer.starts_with(&below))
        .map(|f| format!("--{}", f.flag))
        .collect();
    match flags.as_slice() {
        [] => String::new(),
        [one] => format!(" (set it with {one}, or in --body)"),
        many => format!(" (set it with {}, or in --body)", many.join(", ")),
    }
}

/// The largest `--body` read, from a file or standard input: thousands of times any request
/// body of the API. Reading stops there (`--body /dev/zero` grew to 17 GB before).
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Reads `--body`: a file, or `-` for standard input, at most [`MAX_BODY_BYTES`].
fn read_body(source: &str) -> Result<serde_json::Value, CliError> {
    let bytes = read_source(source)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let name = if source == "-" {
            "standard input"
        } else {
            source
        };
        CliError::new(
            ExitClass::Validation,
            format!("the body in {name} is not JSON: {e}"),
        )
    })
}

/// The bytes of `--body FILE|-`, within [`MAX_BODY_BYTES`].
/// One `--part NAME=VALUE` or `--file NAME=@PATH`, with its `;type=MEDIA` if given.
#[derive(Debug, PartialEq, Eq)]
struct FormArg {
    name: String,
    value: String,
    path: Option<String>,
    media_type: Option<String>,
}

impl FormArg {
    fn parse(text: &str, file: bool) -> Result<FormArg, CliError> {
        let flag = if file {
            "--file NAME=@PATH"
        } else {
            "--part NAME=VALUE"
        };
        let (name, rest) = text
            .split_once('=')
            .filter(|(name, _)| !name.is_empty())
            .ok_or_else(|| {
                CliError::new(ExitClass::Usage, format!("{flag}: {text:?} names no part"))
            })?;
        let (value, media_type) = match rest.rsplit_once(";type=") {
            Some((value, media)) if media.contains('/') => (value, Some(media.to_string())),
            _ => (rest, None),
        };
        let path = file.then(|| value.strip_prefix('@').unwrap_or(value).to_string());
        Ok(FormArg {
            name: name.to_string(),
            value: value.to_string(),
            path,
            media_type,
        })
    }
}

fn read_source(source: &str) -> Result<Vec<u8>, CliError> {
    let name = match source {
        "-" => "standard input".to_string(),
        file => format!("the body file {file}"),
    };
    let unreadable =
        |e: std::io::Error| CliError::new(ExitClass::Usage, format!("cannot read {name}: {e}"));
    let reader: Box<dyn std::io::Read> = match source {
        "-" => Box::new(std::io::stdin()),
        file => Box::new(std::fs::File::open(file).map_err(unreadable)?),
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(reader, MAX_BODY_BYTES + 1),
        &mut bytes,
    )
    .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_BODY_BYTES {
        return Err(CliError::new(
            ExitClass::Usage,
            format!("{name} is larger than the {MAX_BODY_BYTES} bytes a body may be"),
        ));
    }
    Ok(bytes)
}

/// Sets `pointer` (`/magic/mtu`) in `value`, making the objects on the way.
fn set_pointer(
    value: &mut serde_json::Value,
    pointer: &str,
    given: serde_json::Value,
) -> Result<(), CliError> {
    let mut at = value;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let object = match at {
            serde_json::Value::Object(object) => object,
            other => {
                return Err(CliError::new(
                    ExitClass::Validation,
                    format!("the body has {other} where {pointer} needs an object"),
                ))
            }
        };
        if i + 1 == parts.len() {
            object.insert(part.to_string(), given);
            return Ok(());
        }
        at = object
            .entry(part.to_string())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
    }
    Ok(())
}

/// The clap command tree of `app` (for its tests: `command(app).debug_assert()`).
pub fn command(app: &App) -> clap::Command {
    command::build(app)
}

/// Runs the tool on the process's arguments and standard streams: the `main` of the binary.
pub fn main(app: &'static App) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitClass::Other.code();
        }
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    use std::io::IsTerminal;
    let progress = std::io::stderr().is_terminal();
    runtime.block_on(async {
        let running = run(app, std::env::args_os(), &mut out, &mut err, progress);
        tokio::select! {
            code = running => code,
            // Interrupted or told to stop: the call is dropped, which removes a download's
            // temporary file (a SIGTERM used to leave the `.part` file behind).
            signal = interrupted() => {
                if progress {
                    eprintln!();
                }
                eprintln!("error: stopped by {signal}");
                ExitCode::from(128 + signal_number(signal))
            }
        }
    })
}

/// Waits for SIGINT or SIGTERM and names it.
async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The conventional exit status of a signal, less 128.
fn signal_number(name: &str) -> u8 {
    match name {
        "SIGTERM" => 15,
        _ => 2,
    }
}

/// Runs the tool on `args` (the binary's name first), writing to `out` and `err`; `progress`
/// shows waiting on `err`. Returns the exit code.
pub async fn run<I, A>(
    app: &'static App,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> ExitCode
where
    I: IntoIterator<Item = A>,
    A: Into<std::ffi::OsString> + Clone,
{
    match run_inner(app, args, out, err, progress).await {
        Ok(()) => ExitCode::SUCCESS,
        // `… | head` closed the pipe: what was wanted was read, as with any Unix tool.
        Err(error) if error.reader_gone => ExitCode::SUCCESS,
        Err(error) => {
            if progress && error.after_progress {
                let _ = writeln!(err);
            }
            // Messages carry the server's words (the envelope's): shown, never obeyed.
            let _ = writeln!(err, "error: {}", output::for_terminal(&error.message));
            error.class.code()
        }
    }
}

async fn run_inner<I, A>(
    app: &'static App,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> Result<(), CliError>
where
    I: IntoIterator<Item = A>,
    A: Into<std::ffi::OsString> + Clone,
{
    let mut command = command::build(app);
    let matches = match command.clone().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(out, "{}", e.render());
                    Ok(())
                }
                _ => Err(CliError::new(
                    ExitClass::Usage,
                    e.render()
                        .to_string()
                        .trim_start_matches("error: ")
                        .trim_end()
                        .to_string(),
                )),
            };
        }
    };
    let (group_name, group_matches) = matches
        .subcommand()
        .ok_or_else(|| CliError::new(ExitClass::Usage, "no command given; see --help".into()))?;
    if group_name == "completions" {
        let shell = group_matches
            .get_one::<clap_complete::Shell>("shell")
            .copied()
            .ok_or_else(|| CliError::new(ExitClass::Usage, "completions needs a shell".into()))?;
        clap_complete::generate(shell, &mut command, app.name, out);
        return Ok(());
    }
    let (verb, op_matches) = group_matches.subcommand().ok_or_else(|| {
        CliError::new(
            ExitClass::Usage,
            format!("{group_name} needs a command; see {group_name} --help"),
        )
    })?;
    let operation = app
        .groups
        .iter()
        .find(|g| g.name == group_name)
        .and_then(|g| g.operations.iter().find(|o| o.verb == verb))
        .ok_or_else(|| CliError::other(format!("no operation for {group_name} {verb}")))?;
    let account = matches.get_one::<String>("account").cloned();
    let dry_run = match matches.get_flag("dry-run") {
        true => Some(command::dry_run_request(
            &matches,
            op_matches,
            operation,
            account.as_deref(),
        )?),
        false => None,
    };
    if let (Some(request), None) = (&dry_run, &operation.body) {
        let _ = write!(out, "{request}");
        return Ok(());
    }
    let client = match dry_run {
        // Nothing is sent: the client needs no credentials.
        Some(_) => command::client_for_dry_run(&matches)?,
        None => command::client(&matches)?,
    };
    let wait = command::wait(op_matches)?;
    let call = Call {
        matches: op_matches.clone(),
        operation,
        account,
        jsonl: op_matches
            .try_get_one::<bool>("jsonl")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false),
        output_path: op_matches
            .try_get_one::<PathBuf>("output-file")
            .ok()
            .flatten()
            .cloned(),
        wait,
        progress,
        dry_run,
    };
    let table = matches
        .get_one::<String>("output")
        .is_some_and(|o| o == "table");
    let answer = match (app.dispatch)(&client, &call).await {
        Ok(answer) => answer,
        Err(CliError {
            dry_run: Some(request),
            ..
        }) => {
            let _ = write!(out, "{request}");
            return Ok(());
        }
        Err(mut e) => {
            e.after_progress = call.wait.is_some();
            return Err(e);
        }
    };
    if progress && call.wait.is_some() {
        let _ = writeln!(err);
    }
    output::write(answer, table, out, err).await
}

/// `10m`, `90s`, `1h30m`, `500ms` or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("{text:?} is not a duration (like 90s, 10m, 1h30m)"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|e| format!("{text:?}: {e}"))?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number * 60),
            "h" => Duration::from_secs(number * 3600),
            other => {
                return Err(format!(
                    "{text:?}: unknown unit {other:?} (use ms, s, m or h)"
                ))
            }
        };
        total += part;
        rest = &rest[unit..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_duration("10x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("-1").is_err());
    }

    static LIST_ARGS: &[Arg] = &[
        Arg {
            name: "state",
            help: "",
            value: ValueType::String,
            values: &["Healthy", "Down"],
            required: false,
            positional: false,
            header: false,
            joined: false,
            many: true,
        },
        Arg {
            name: "size",
            help: "",
            value: ValueType::Integer,
            values: &[],
            required: false,
            positional: false,
            header: false,
            joined: false,
            many: true,
        },
        Arg {
            name: "ids",
            help: "",
            value: ValueType::Integer,
            values: &[],
            required: false,
            positional: false,
            header: false,
            joined: true,
            many: true,
        },
    ];
    static SEARCH: Operation = Operation {
        verb: "search",
        operation_id: "search_widgets",
        method: "GET",
        path: "/widgets/search",
        about: "",
        long_about: "",
        args: LIST_ARGS,
        body: None,
        answer: AnswerKind::Json,
    };

    static UPLOAD: Operation = Operation {
        verb: "upload-script",
        operation_id: "upload_widget_script",
        method: "PUT",
        path: "/widgets/script",
        about: "",
        long_about: "",
        args: &[],
        body: Some(Body {
            schema: "bytes",
            media_type: "application/javascript",
            account: None,
            fields: &[],
        }),
        answer: AnswerKind::Json,
    };

    /// A body sent as bytes is `--body FILE|-` (required, also `--body-file`), the file's
    /// bytes as they are;
    /// `--dry-run` shows them with their media type, as text when they are UTF-8.
    #[test]
    fn a_bytes_body_is_a_files_bytes_shown_by_dry_run() {
        assert!(command::operation_command(&UPLOAD)
            .try_get_matches_from(["upload-script"])
            .is_err());
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("worker.js");
        std::fs::write(&script, "export default {};\n").unwrap();
        let binary = dir.path().join("blob.bin");
        std::fs::write(&binary, [0xffu8, 0, 1]).unwrap();
        let call = |file: &std::path::Path, dry_run: Option<&str>| Call {
            matches: command::operation_command(&UPLOAD)
                .try_get_matches_from(["upload-script", "--body", file.to_str().unwrap()])
                .unwrap(),
            operation: &UPLOAD,
            account: None,
            jsonl: false,
            output_path: None,
            wait: None,
            progress: false,
            dry_run: dry_run.map(str::to_string),
        };
        assert_eq!(
            call(&script, None).raw_body().unwrap(),
            b"export default {};\n"
        );
        assert_eq!(call(&binary, None).raw_body().unwrap(), [0xff, 0, 1]);
        // `--body-file` is the same flag, shown in the help.
        let mut command = command::operation_command(&UPLOAD);
        let by_alias = command
            .clone()
            .try_get_matches_from(["upload-script", "--body-file", binary.to_str().unwrap()])
            .unwrap();
        assert_eq!(
            by_alias.get_one::<String>("body").map(String::as_str),
            binary.to_str()
        );
        assert!(command.render_help().to_string().contains("--body-file"));
        let shown = |file| {
            call(file, Some("PUT http://x/widgets/script\n"))
                .raw_body()
                .unwrap_err()
                .dry_run
        };
        assert_eq!(
            shown(&script).as_deref(),
            Some("PUT http://x/widgets/script\ncontent-type: application/javascript\n\nexport default {};\n\n")
        );
        assert_eq!(
            shown(&binary).as_deref(),
            Some(
                "PUT http://x/widgets/script\ncontent-type: application/javascript\n\n(3 bytes)\n"
            )
        );
    }

    /// A list parameter is a repeatable flag (`--state Healthy --state Down`); `--dry-run`
    /// shows it as the client sends it, the key repeated; its values convert into the
    /// client's list of any item type, and one that does not parse names its flag.
    #[test]
    fn a_list_is_a_repeated_flag_and_its_key_repeated() {
        let matches = command::operation_command(&SEARCH)
            .try_get_matches_from([
                "search", "--state", "Healthy", "--state", "Down", "--size", "1", "--size", "20",
                "--ids", "7", "--ids", "8",
            ])
            .unwrap();
        assert_eq!(
            command::arg_texts(&matches, &LIST_ARGS[0]),
            ["Healthy", "Down"]
        );
        assert_eq!(command::arg_texts(&matches, &LIST_ARGS[1]), ["1", "20"]);
        let global = clap::Command::new("cloudflare-cni")
            .arg(clap::Arg::new("base-url").long("base-url"))
            .arg(clap::Arg::new("api-token").long("api-token"))
            .arg(clap::Arg::new("email").long("email"))
            .try_get_matches_from(["cloudflare-cni", "--base-url", "http://example.test"])
            .unwrap();
        let shown = command::dry_run_request(&global, &matches, &SEARCH, None).unwrap();
        assert_eq!(
            shown.lines().next(),
            Some("GET http://example.test/widgets/search?state=Healthy&state=Down&size=1&size=20&ids=7%2C8")
        );
        // An enum's values are the only ones taken.
        assert!(command::operation_command(&SEARCH)
            .try_get_matches_from(["search", "--state", "Up"])
            .is_err());

        let sizes: Result<Vec<i64>, _> = ListArg {
            name: "size",
            values: vec!["1".into(), "20".into()],
        }
        .try_into();
        assert_eq!(sizes, Ok(vec![1, 20]));
        let bad: Result<Vec<u8>, ArgValueError> = ListArg {
            name: "page_size",
            values: vec!["1".into(), "300".into()],
        }
        .try_into();
        let message = bad.unwrap_err().to_string();
        assert!(message.starts_with("--page-size: \"300\": "), "{message}");
    }

    static HEADER_ARGS: &[Arg] = &[
        Arg {
            name: "Upload-Length",
            help: "The size of the upload in bytes.",
            value: ValueType::Integer,
            values: &[],
            required: true,
            positional: false,
            header: true,
            joined: false,
            many: false,
        },
        Arg {
            name: "Upload-Metadata",
            help: "",
            value: ValueType::String,
            values: &[],
            required: false,
            positional: false,
            header: true,
            joined: false,
            many: false,
        },
    ];
    static START_UPLOAD: Operation = Operation {
        verb: "start-upload",
        operation_id: "start_widget_upload",
        method: "POST",
        path: "/widgets/uploads",
        about: "",
        long_about: "",
        args: HEADER_ARGS,
        body: None,
        answer: AnswerKind::Json,
    };

    /// A header parameter is a flag named as the header in lower case (`--upload-length`),
    /// required when the header is; `--dry-run` shows it as a header, never in the query.
    #[test]
    fn a_header_parameter_is_a_flag_sent_as_its_header() {
        assert!(command::operation_command(&START_UPLOAD)
            .try_get_matches_from(["start-upload"])
            .is_err());
        let matches = command::operation_command(&START_UPLOAD)
            .try_get_matches_from([
                "start-upload",
                "--upload-length",
                "1024",
                "--upload-metadata",
                "name d2lkZ2V0",
            ])
            .unwrap();
        let global = clap::Command::new("cloudflare-cni")
            .arg(clap::Arg::new("base-url").long("base-url"))
            .arg(clap::Arg::new("api-token").long("api-token"))
            .arg(clap::Arg::new("email").long("email"))
            .try_get_matches_from(["cloudflare-cni", "--base-url", "http://example.test"])
            .unwrap();
        let shown = command::dry_run_request(&global, &matches, &START_UPLOAD, None).unwrap();
        assert_eq!(
            shown,
            "POST http://example.test/widgets/uploads\n(no credentials given)\n\
             upload-length: 1024\nupload-metadata: name d2lkZ2V0\n\n"
        );
    }

    static FORM_UPLOAD: Operation = Operation {
        verb: "upload-media",
        operation_id: "upload_widget_media",
        method: "POST",
        path: "/widgets/media",
        about: "",
        long_about: "",
        args: &[],
        body: Some(Body {
            schema: "form",
            media_type: "multipart/form-data",
            account: None,
            fields: &[],
        }),
        answer: AnswerKind::Json,
    };

    /// A form is `--part NAME=VALUE` and `--file NAME=@PATH` (each with an optional
    /// `;type=MEDIA`), in the order given; `--dry-run` shows each part and sends nothing.
    #[test]
    fn a_form_is_its_parts_and_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let logo = dir.path().join("logo.png");
        std::fs::write(&logo, [0x89u8, b'P', b'N', b'G']).unwrap();
        let file = format!("file=@{};type=image/png", logo.display());
        let matches = command::operation_command(&FORM_UPLOAD)
            .try_get_matches_from([
                "upload-media",
                "--part",
                "name=logo",
                "--file",
                &file,
                "--part",
                "metadata={\"team\":\"network\"};type=application/json",
            ])
            .unwrap();
        let call = |dry_run: Option<&str>| Call {
            matches: matches.clone(),
            operation: &FORM_UPLOAD,
            account: None,
            jsonl: false,
            output_path: None,
            wait: None,
            progress: false,
            dry_run: dry_run.map(str::to_string),
        };
        let form = call(None).form().unwrap();
        assert_eq!(form.part_names(), ["name", "file", "metadata"]);
        let shown = call(Some("POST http://x/widgets/media\n"))
            .form()
            .unwrap_err()
            .dry_run;
        assert_eq!(
            shown.as_deref(),
            Some(
                "POST http://x/widgets/media\ncontent-type: multipart/form-data\n\n\
                 part name: logo\nfile file: logo.png (4 bytes, image/png)\n\
                 part metadata: {\"team\":\"network\"}\n"
            )
        );
        let unnamed = FormArg::parse("=x", false).unwrap_err();
        assert!(unnamed.to_string().contains("names no part"), "{unnamed}");
        assert!(FormArg::parse("file=@/no/such/file", true).is_ok());
    }

    /// A `date-time` parameter's client type is chrono's: the flag's text is parsed by it,
    /// and text that is not one names the flag.
    #[test]
    fn a_date_time_flag_is_parsed_by_the_clients_type() {
        let text = |value: &str| TextArg {
            name: "since_time",
            value: value.into(),
        };
        let at: Result<chrono::DateTime<chrono::Utc>, _> = text("2026-12-07T10:00:00Z").try_into();
        assert_eq!(
            at.map(|t| t.to_rfc3339()),
            Ok("2026-12-07T10:00:00+00:00".into())
        );
        let day: Result<chrono::NaiveDate, _> = text("2026-12-07").try_into();
        assert!(day.is_ok());
        let bad: Result<chrono::DateTime<chrono::Utc>, ArgValueError> =
            text("yesterday").try_into();
        assert!(bad
            .unwrap_err()
            .to_string()
            .starts_with("--since-time: \"yesterday\": "));
    }

    #[test]
    fn body_flags_land_at_their_pointer() {
        let mut body = serde_json::json!({"magic": {"mtu": 1500}});
        set_pointer(&mut body, "/magic/conduit_name", serde_json::json!("c1")).unwrap();
        set_pointer(&mut body, "/bgp/customer_asn", serde_json::json!(65000)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"magic": {"mtu": 1500, "conduit_name": "c1"}, "bgp": {"customer_asn": 65000}})
        );
        let mut scalar = serde_json::json!({"magic": 5});
        assert!(set_pointer(&mut scalar, "/magic/mtu", serde_json::json!(1)).is_err());
    }
}
