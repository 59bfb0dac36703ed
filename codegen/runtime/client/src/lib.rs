//! What the generated `cloudflare-cni-client` needs besides its generated code: the client
//! builder and its options (credentials, timeouts, retries, request validation), the retry loop
//! that runs in progenitor's `exec` hook, cursor pagination ([`Paginator`]), waiting with outcomes
//! ([`wait_until`], [`WaitOutcome`]), and one error type,
//! [`CniError`], that a user can match on.
//!
//! Users meet it through the client crate, which re-exports [`ClientBuilder`],
//! [`RetryPolicy`], [`Credentials`] and [`CniError`].
#![warn(missing_docs)]

mod answer;
mod builder;
mod context;
mod error;
mod joined;
mod limits;
mod multipart;
mod options;
mod paginate;
mod path_segment;
mod problem;
mod retry;
mod wait;

pub use builder::{BuildError, ClientBuilder, ClientOptions};
/// A download read whole (`bytes()` on an operation that answers other than JSON).
pub use bytes::Bytes;
pub use cloudflare_cni_validate::envelope::{
    ErrorEnvelope, ResponseMessage, ResponseMessageSource,
};
pub use cloudflare_cni_validate::Secret;
pub use error::CniError;
pub use limits::{BodyTooLarge, DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_RESPONSE_BYTES};
pub use multipart::Multipart;
pub use options::{RequestOptions, ResponseMetadata, REQUEST_ID_HEADER};
pub use paginate::{
    Page, PageFuture, Pages, Paginator, DEFAULT_MAX_PAGES, MAX_EMPTY_PAGES_IN_A_ROW,
};
pub use retry::RetryPolicy;
pub use wait::{wait_until, LastAnswer, Wait, WaitOutcome};

/// How requests authenticate: the spec's two security alternatives (the same type the
/// server receives, from `cloudflare-cni-validate`).
pub use cloudflare_cni_validate::Credentials;

/// What the generated code calls; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::answer::json_answer;
    pub use crate::builder::apply_credentials;
    // Hidden: assembling a client from parts (options cloned from another client, say) would
    // skip the builder's checks and carry credentials into a client of someone else's making.
    pub use crate::builder::FromParts;
    pub use crate::context::validation_failed;
    pub use crate::error::{check_path_segment, locate, locate_nothing, run, run_with};
    pub use crate::error::{read_stream, read_text, save_stream};
    pub use crate::joined::CommaJoined;
    pub use crate::path_segment::fill_from_path;
    pub use crate::path_segment::{url, PathSegment};
    pub use crate::problem::{
        check_max_length, check_minimum, not_set, not_valid, unset_or, UNSET,
    };
    pub use crate::retry::execute;
}
