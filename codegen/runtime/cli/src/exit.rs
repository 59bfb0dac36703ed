//! Errors as one line and an exit code by class, so that scripts can tell a typo from a
//! refused request from an outage.

use std::process::ExitCode;

use cloudflare_cni_client::CniError;

/// The class of a failure, and its exit code (documented in `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitClass {
    /// 1: anything else (a file that cannot be written).
    Other,
    /// 2: the command line: an unknown flag, a missing argument, no credentials.
    Usage,
    /// 3: the request body breaks the spec's rules; nothing was sent.
    Validation,
    /// 4: the API answered 4xx.
    Client,
    /// 5: the API answered 5xx, or the connection failed or timed out.
    Server,
    /// 6: `--wait` gave up.
    WaitTimeout,
}

impl ExitClass {
    /// The process exit status for this class.
    pub fn number(self) -> u8 {
        match self {
            ExitClass::Other => 1,
            ExitClass::Usage => 2,
            ExitClass::Validation => 3,
            ExitClass::Client => 4,
            ExitClass::Server => 5,
            ExitClass::WaitTimeout => 6,
        }
    }

    /// The exit code for this class.
    pub fn code(self) -> ExitCode {
        ExitCode::from(self.number())
    }
}

/// A failure of the tool: one line, and its class.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// What kind of failure, which sets the exit status.
    pub class: ExitClass,
    /// The one-line message printed.
    pub message: String,
    /// Whether a progress line is on the terminal (the error starts a new line).
    pub(crate) after_progress: bool,
    /// `--dry-run`: the request that would have been sent, printed instead (exit 0).
    pub(crate) dry_run: Option<String>,
    /// The output's reader went away (a closed pipe): end quietly, with success.
    pub(crate) reader_gone: bool,
}

impl CliError {
    /// A failure of this class.
    pub fn new(class: ExitClass, message: String) -> Self {
        CliError {
            class,
            message,
            after_progress: false,
            dry_run: None,
            reader_gone: false,
        }
    }

    /// The reader of the output closed it: nothing more to say, to anyone.
    pub(crate) fn reader_gone() -> Self {
        CliError {
            reader_gone: true,
            ..Self::other("the output was closed by its reader".into())
        }
    }

    /// A failure of no more specific class.
    pub fn other(message: String) -> Self {
        Self::new(ExitClass::Other, message)
    }
}

/// The client's error, classed: its message already names the status, Cloudflare's codes and
/// messages, and the request id when the server sent one.
impl From<CniError> for CliError {
    fn from(error: CniError) -> Self {
        let class = match &error {
            CniError::Validation(_)
            | CniError::MissingParameter { .. }
            | CniError::InvalidParameter { .. }
            | CniError::InvalidBody { .. }
            | CniError::Conversion(_) => ExitClass::Validation,
            CniError::WaitTimeout { .. } | CniError::WaitFailed { .. } => ExitClass::WaitTimeout,
            CniError::Io { .. } => ExitClass::Other,
            other => match other.status() {
                Some(status) if status.is_client_error() => ExitClass::Client,
                _ => ExitClass::Server,
            },
        };
        CliError::new(class, error.to_string())
    }
}
