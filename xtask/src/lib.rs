//! The repository's workflow behind `cargo xtask`: finding the checkout, rendering its spec,
//! planning and making releases, the list of published crates. The generator
//! (`cloudflare-cni-codegen`) turns a spec into a tree and diffs two specs; everything that
//! knows about git, cargo and this repository's layout lives here.

pub mod ci;
pub mod conformance;
pub mod release;
pub mod tools;
pub mod workspace;

pub use workspace::{Workspace, WorkspaceError};
