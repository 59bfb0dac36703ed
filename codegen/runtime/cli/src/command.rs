//! The clap command tree built from the generated table, and reading what it parsed.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg as ClapArg, ArgAction, ArgMatches, Command};
use cloudflare_cni_client::{Client, Wait};
use cloudflare_cni_client_runtime::__private::{check_path_segment, PathSegment};

use crate::{AnswerKind, BodyField, CliError, ExitClass, Operation, ValueType};

const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

/// The media type of a body given as JSON and field flags.
const JSON: &str = "application/json";
/// The media type of a request body sent as a multipart form.
pub(crate) const FORM: &str = "multipart/form-data";

const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  anything else (a file that cannot be written, say)
  2  usage: unknown command or flag, a missing argument, no credentials or account
  3  validation: the request body does not fit the spec's rules; nothing was sent
  4  the API answered 4xx (not found, conflict, refused credentials …)
  5  the API answered 5xx, or the connection failed or timed out
  6  --wait gave up: the state was not reached before --timeout

Credentials: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (or the flags);
the account: --account or CLOUDFLARE_ACCOUNT_ID. Secrets are never printed.";

/// The flag's parser: an enum's values are listed in `--help` and completions, and only they
/// are taken (the client would refuse any other before sending).
fn value_parser(value: ValueType, values: &'static [&'static str]) -> clap::builder::ValueParser {
    match value {
        ValueType::String if !values.is_empty() => {
            clap::builder::PossibleValuesParser::new(values.iter().copied()).into()
        }
        ValueType::String => clap::value_parser!(String),
        ValueType::Uuid => clap::builder::ValueParser::new(parse_uuid),
        ValueType::Integer => clap::value_parser!(i64).into(),
        ValueType::Number => clap::value_parser!(f64).into(),
        ValueType::Boolean => clap::value_parser!(bool),
    }
}

fn parse_uuid(text: &str) -> Result<uuid::Uuid, String> {
    text.parse()
        .map_err(|e| format!("{text:?} is not a UUID: {e}"))
}

/// The whole tree: global flags, a subcommand per group and per operation, completions.
pub(crate) fn build(app: &crate::App) -> Command {
    let mut root = Command::new(app.name)
        .version(app.version)
        .about(app.about)
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            ClapArg::new("account")
                .long("account")
                .env("CLOUDFLARE_ACCOUNT_ID")
                .value_name("ACCOUNT_ID")
                .global(true)
                .help("The account to act on"),
        )
        .arg(
            ClapArg::new("api-token")
                .long("api-token")
                .env("CLOUDFLARE_API_TOKEN")
                .hide_env_values(true)
                .value_name("TOKEN")
                .global(true)
                .help("An API token"),
        )
        .arg(
            ClapArg::new("email")
                .long("email")
                .env("CLOUDFLARE_EMAIL")
                .value_name("EMAIL")
                .global(true)
                .help("The account email, with --api-key"),
        )
        .arg(
            ClapArg::new("api-key")
                .long("api-key")
                .env("CLOUDFLARE_API_KEY")
                .hide_env_values(true)
                .value_name("KEY")
                .global(true)
                .help("The global API key, with --email"),
        )
        .arg(
            ClapArg::new("dry-run")
                .long("dry-run")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Print the method, URL, headers (credentials redacted) and body the command would send, and send nothing"),
        )
        .arg(
            ClapArg::new("base-url")
                .long("base-url")
                .env("CLOUDFLARE_API_BASE_URL")
                .value_name("URL")
                .default_value(DEFAULT_BASE_URL)
                .global(true)
                .help("The API's base URL (an emulator's, say)"),
        )
        .arg(
            ClapArg::new("output")
                .long("output")
                .value_name("FORMAT")
                .value_parser(["json", "table"])
                .default_value("json")
                .global(true)
                .help("JSON, or a table for people"),
        );
    for group in app.groups {
        let mut sub = Command::new(group.name)
            .about(group.about)
            .subcommand_required(true)
            .arg_required_else_help(true);
        for operation in group.operations {
            sub = sub.subcommand(operation_command(operation));
        }
        root = root.subcommand(sub);
    }
    root.subcommand(
        Command::new("completions")
            .about("Shell completions: cloudflare-cni completions bash > /etc/bash_completion.d/cloudflare-cni")
            .arg(
                ClapArg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

pub(crate) fn operation_command(operation: &Operation) -> Command {
    let mut command = Command::new(operation.verb)
        .about(operation.about)
        .long_about(operation.long_about);
    for arg in operation.args {
        let mut clap_arg = ClapArg::new(arg.name)
            .help(arg.help)
            .value_parser(value_parser(arg.value, arg.values));
        if arg.positional {
            clap_arg = clap_arg
                .value_name(arg.name.to_ascii_uppercase())
                .required(arg.required);
        } else {
            clap_arg = clap_arg
                .long(arg.flag())
                .value_name(arg.name.to_ascii_uppercase())
                .required(arg.required);
            if arg.many {
                // `--state Healthy --state Down`: one flag per value, as the query repeats
                // the key.
                clap_arg = clap_arg.action(ArgAction::Append);
            }
        }
        command = command.arg(clap_arg);
    }
    if operation
        .body
        .as_ref()
        .is_some_and(|b| b.media_type == FORM)
    {
        // A form, part by part, as curl's `-F` writes them.
        command = command
            .arg(
                ClapArg::new("part")
                    .long("part")
                    .value_name("NAME=VALUE")
                    .action(ArgAction::Append)
                    .help("A text part of the form (repeat for each); NAME=VALUE;type=MEDIA gives it a media type"),
            )
            .arg(
                ClapArg::new("file")
                    .long("file")
                    .value_name("NAME=@PATH")
                    .action(ArgAction::Append)
                    .help("A file part of the form, sent with the file's name (repeat for each); NAME=@PATH;type=MEDIA gives its media type (default application/octet-stream)"),
            );
    } else if let Some(body) = operation.body.as_ref().filter(|b| b.media_type != JSON) {
        command = command.arg(
            ClapArg::new("body")
                .long("body")
                // What curl users reach for, and what a bytes body is: a file.
                .visible_alias("body-file")
                .value_name("FILE|-")
                .required(true)
                .help(format!(
                    "The request body, sent as `{}`: a file's bytes as they are, or - for standard input",
                    body.media_type
                )),
        );
    } else if let Some(body) = &operation.body {
        command = command.arg(
            ClapArg::new("body")
                .long("body")
                .value_name("FILE|-")
                .help(format!(
                    "The request body ({}) as JSON, from a file or - for standard input; the flags below set or override its fields",
                    body.schema
                )),
        );
        for field in body.fields {
            let mut clap_arg = ClapArg::new(body_id(field))
                .long(field.flag)
                .help(field.help)
                .value_name(
                    field
                        .flag
                        .rsplit('-')
                        .next()
                        .unwrap_or("VALUE")
                        .to_ascii_uppercase(),
                )
                .value_parser(value_parser(field.value, field.values))
                .help_heading("Body");
            if field.many {
                clap_arg = clap_arg.action(ArgAction::Append);
            }
            command = command.arg(clap_arg);
        }
    }
    match operation.answer {
        AnswerKind::Listing => {
            command = command.arg(
                ClapArg::new("jsonl")
                    .long("jsonl")
                    .action(ArgAction::SetTrue)
                    .help(
                        "Every item, one JSON document per line, following the cursor page by page",
                    ),
            )
        }
        AnswerKind::Status { .. } => {
            command =
                command
                    .arg(ClapArg::new("wait").long("wait").value_name("STATE").help(
                        "Wait until the state is STATE (polling with backoff), then print it",
                    ))
                    .arg(
                        ClapArg::new("timeout")
                            .long("timeout")
                            .value_name("DURATION")
                            .requires("wait")
                            .value_parser(crate::parse_duration)
                            .default_value("10m")
                            .help("How long --wait waits (90s, 10m, 1h)"),
                    )
        }
        AnswerKind::Binary => {
            command = command.arg(
                ClapArg::new("output-file")
                    .short('o')
                    .long("output-file")
                    .value_name("FILE")
                    .value_parser(clap::value_parser!(PathBuf))
                    .help("Write the file here (atomically) instead of to standard output"),
            )
        }
        AnswerKind::Json | AnswerKind::Empty => {}
    }
    command
}

fn body_id(field: &BodyField) -> String {
    format!("body:{}", field.flag)
}

/// The value a body flag was given, as JSON; `None` when it was not given.
pub(crate) fn body_flag_value(
    matches: &ArgMatches,
    field: &BodyField,
) -> Result<Option<serde_json::Value>, CliError> {
    use serde_json::Value;
    let id = body_id(field);
    fn all<T: Clone + Send + Sync + 'static>(
        matches: &ArgMatches,
        id: &str,
        to_json: impl Fn(T) -> Value,
    ) -> Result<Vec<Value>, CliError> {
        Ok(matches
            .try_get_many::<T>(id)
            .map_err(|e| CliError::other(format!("argument {id}: {e}")))?
            .into_iter()
            .flatten()
            .cloned()
            .map(to_json)
            .collect())
    }
    let values = match field.value {
        ValueType::String => all::<String>(matches, &id, Value::String)?,
        ValueType::Uuid => all::<uuid::Uuid>(matches, &id, |u| Value::String(u.to_string()))?,
        ValueType::Integer => all::<i64>(matches, &id, Value::from)?,
        ValueType::Number => all::<f64>(matches, &id, Value::from)?,
        ValueType::Boolean => all::<bool>(matches, &id, Value::Bool)?,
    };
    Ok(match (values.is_empty(), field.many) {
        (true, _) => None,
        (false, true) => Some(Value::Array(values)),
        (false, false) => values.into_iter().next(),
    })
}

/// A client for `--dry-run`, which sends nothing: the base URL alone.
pub(crate) fn client_for_dry_run(matches: &ArgMatches) -> Result<Client, CliError> {
    let base_url = matches
        .get_one::<String>("base-url")
        .map_or(DEFAULT_BASE_URL, String::as_str);
    Client::builder()
        .without_credentials()
        .base_url(base_url)
        .build()
        .map_err(|e| CliError::new(ExitClass::Usage, format!("cannot make the client: {e}")))
}

/// The values of a parameter flag as the URL carries them: one, or each a repeated flag
/// (a list) was given, in order.
pub(crate) fn arg_texts(matches: &ArgMatches, arg: &crate::Arg) -> Vec<String> {
    fn texts<T: Clone + Send + Sync + ToString + 'static>(
        matches: &ArgMatches,
        name: &str,
    ) -> Vec<String> {
        matches
            .try_get_many::<T>(name)
            .ok()
            .flatten()
            .into_iter()
            .flatten()
            .map(T::to_string)
            .collect()
    }
    match arg.value {
        ValueType::String => texts::<String>(matches, arg.name),
        ValueType::Uuid => texts::<uuid::Uuid>(matches, arg.name),
        ValueType::Integer => texts::<i64>(matches, arg.name),
        ValueType::Number => texts::<f64>(matches, arg.name),
        ValueType::Boolean => texts::<bool>(matches, arg.name),
    }
}

fn arg_text(matches: &ArgMatches, arg: &crate::Arg) -> Option<String> {
    arg_texts(matches, arg).into_iter().next()
}

/// `--dry-run`: the method and URL the call would send, and its headers with the credentials
/// redacted (`<redacted>`), one a line, ending with a blank line when there is no body.
pub(crate) fn dry_run_request(
    global: &ArgMatches,
    matches: &ArgMatches,
    operation: &Operation,
    account: Option<&str>,
) -> Result<String, CliError> {
    let usage = |message: String| CliError::new(ExitClass::Usage, message);
    let base_url = global
        .get_one::<String>("base-url")
        .map_or(DEFAULT_BASE_URL, String::as_str);
    // The path is written as the client writes it (each parameter percent-encoded by the same
    // encoder, after the same check), not through `Url::path_segments_mut`, which drops `.`
    // and `..` segments and strips tabs and newlines: the request shown is the one sent.
    let mut path = String::new();
    for segment in operation.path.trim_start_matches('/').split('/') {
        let value = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            None => {
                path.push('/');
                path.push_str(segment);
                continue;
            }
            Some("account_id") => account
                .ok_or_else(|| {
                    usage(
                        "no account: pass --account ACCOUNT_ID or set CLOUDFLARE_ACCOUNT_ID".into(),
                    )
                })?
                .to_string(),
            Some(name) => operation
                .args
                .iter()
                .find(|a| a.name == name)
                .and_then(|a| arg_text(matches, a))
                .ok_or_else(|| usage(format!("missing {}", name.replace('_', "-"))))?,
        };
        let name = segment.trim_start_matches('{').trim_end_matches('}');
        check_path_segment(name, &Ok::<_, String>(value.as_str())).map_err(CliError::from)?;
        path.push('/');
        path.push_str(&PathSegment(&value).to_string());
    }
    let joined = format!("{}{path}", base_url.trim_end_matches('/'));
    let mut url = cloudflare_cni_client::reqwest::Url::parse(&joined)
        .map_err(|e| usage(format!("--base-url {base_url}: {e}")))?;
    if url.cannot_be_a_base() {
        return Err(usage(format!("--base-url {base_url} cannot take a path")));
    }
    // A list is its key repeated, or one value comma-separated, as the client sends it.
    let query: Vec<(String, String)> = operation
        .args
        .iter()
        .filter(|a| !a.positional && !a.header)
        .flat_map(|a| {
            let values = arg_texts(matches, a);
            match a.joined {
                true if values.is_empty() => Vec::new(),
                true => vec![(a.name.to_string(), values.join(","))],
                false => values
                    .into_iter()
                    .map(|v| (a.name.to_string(), v))
                    .collect(),
            }
        })
        .collect();
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let mut request = format!("{} {url}\n", operation.method);
    match (
        global.get_one::<String>("api-token"),
        global.get_one::<String>("email"),
    ) {
        (Some(_), _) => request.push_str("authorization: Bearer <redacted>\n"),
        (None, Some(email)) => {
            request.push_str(&format!("x-auth-email: {email}\nx-auth-key: <redacted>\n"))
        }
        (None, None) => request.push_str("(no credentials given)\n"),
    }
    // Header parameters, as the client sends them: a list's values comma-separated.
    for arg in operation.args.iter().filter(|a| a.header) {
        let values = arg_texts(matches, arg);
        if !values.is_empty() {
            request.push_str(&format!("{}: {}\n", arg.flag(), values.join(",")));
        }
    }
    if operation.body.is_none() {
        request.push('\n');
    }
    Ok(request)
}

/// The client, from the global flags (and their environment variables).
pub(crate) fn client(matches: &ArgMatches) -> Result<Client, CliError> {
    let usage = |message: String| CliError::new(ExitClass::Usage, message);
    let base_url = matches
        .get_one::<String>("base-url")
        .map_or(DEFAULT_BASE_URL, String::as_str);
    let token = matches.get_one::<String>("api-token");
    let email = matches.get_one::<String>("email");
    let key = matches.get_one::<String>("api-key");
    let builder = Client::builder().base_url(base_url);
    let builder = match (token, email, key) {
        (Some(token), _, _) => builder.api_token(token.as_str()),
        (None, Some(email), Some(key)) => builder.api_key(email.as_str(), key.as_str()),
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(usage(
                "an API key needs both CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (or --email and --api-key)".into(),
            ))
        }
        (None, None, None) => {
            return Err(usage(
                "no credentials: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (or pass --api-token, or --email and --api-key)".into(),
            ))
        }
    };
    builder
        .build()
        .map_err(|e| usage(format!("cannot make the client: {e}")))
}

/// `--wait STATE --timeout DURATION`, when given.
pub(crate) fn wait(matches: &ArgMatches) -> Result<Option<(String, Wait)>, CliError> {
    let Some(target) = matches.try_get_one::<String>("wait").ok().flatten() else {
        return Ok(None);
    };
    let timeout = matches
        .try_get_one::<Duration>("timeout")
        .ok()
        .flatten()
        .copied()
        .unwrap_or(Duration::from_secs(600));
    let wait = Wait::default()
        .timeout(timeout)
        .interval(Duration::from_millis(500), Duration::from_secs(15));
    Ok(Some((target.clone(), wait)))
}
