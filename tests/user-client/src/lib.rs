//! The client's README as a user's crate sees it: its examples are this crate's doctests, and
//! this crate depends on `cloudflare-cni-client` and `tokio` only. The generated crate's own
//! doctests cannot show that: they see its dev-dependencies too.
//!
//! They run with `CNI_RUN_README_EXAMPLES` set, against an emulator, in tests/e2e's
//! `readme_examples`; without it they compile and return at once.

// The README links items of the client crate by name; here they are not in scope.
#[doc = include_str!("../../../generated/client/README.md")]
#[allow(rustdoc::broken_intra_doc_links)]
mod client_readme {}
