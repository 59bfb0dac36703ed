//! The server's README as a user's crate sees it: its examples are this crate's doctests, and
//! this crate depends on `cloudflare-cni-server` and `tokio` only.

// The README links items of the server crate by name; here they are not in scope.
#[doc = include_str!("../../../generated/server/README.md")]
#[allow(rustdoc::broken_intra_doc_links)]
mod server_readme {}
