//! Why the crates could not be generated from a spec that loaded: progenitor failed, or its
//! output lacked a shape a pass wires into.

/// What could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// progenitor returned an error.
    #[error("progenitor could not generate the client{}: {message}", operation.as_ref().map(|o| format!(" for operation `{o}`")).unwrap_or_default())]
    Failed {
        operation: Option<String>,
        message: String,
    },
    /// progenitor panicked; `operation` is the first operation that panics on its own.
    #[error("progenitor panicked{}: {message}", operation.as_ref().map(|o| format!(" while generating operation `{o}`")).unwrap_or_default())]
    Panicked {
        operation: Option<String>,
        message: String,
    },
    /// progenitor's output did not parse as Rust or lacked its `types` module.
    #[error("progenitor produced unexpected output: {0}")]
    Output(String),
    /// progenitor's output for an operation or schema lacked a shape the generator wires into;
    /// `item` names it (``operation `get_cni` ``, ``schema `Interconnect` ``).
    #[error("progenitor's output for {item} lacks {expected}; the generator cannot wire it")]
    UnexpectedShape { item: String, expected: String },
    /// A schema the runtimes share (the error envelope) no longer fits their model.
    #[error("schema `{schema}` no longer fits the error envelope the client and server runtimes share (cloudflare-cni-validate's `envelope`): {message}")]
    SharedType { schema: String, message: String },
    /// The server emitter's own output did not parse: a generator bug, not progenitor's.
    #[error("the generated server does not parse as Rust: {0}")]
    Server(String),
}
