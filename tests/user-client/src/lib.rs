//! The client's README as a user's crate sees it: its examples are this crate's doctests, and
//! this crate depends on `cloudflare-cni-client` and `tokio` only. The generated crate's own
//! doctests cannot show that: they see its dev-dependencies too.

// The README links items of the client crate by name; here they are not in scope.
#[doc = include_str!("../../../generated/client/README.md")]
#[allow(rustdoc::broken_intra_doc_links)]
mod client_readme {}
