//! The server's README as a user's crate sees it: its examples are this crate's doctests, and
//! this crate depends on `cloudflare-cni-server` and `tokio` only.
//!
//! It runs with `CNI_RUN_README_EXAMPLES` set in tests/e2e's `readme_examples`, which calls the
//! server it starts and stops it with SIGINT; without it, it compiles and returns at once.

// The README links items of the server crate by name; here they are not in scope.
#[doc = include_str!("../../../generated/server/README.md")]
#[allow(rustdoc::broken_intra_doc_links)]
mod server_readme {}
