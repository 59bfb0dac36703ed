//! The repository's workflow behind `cargo xtask`: finding the checkout, rendering its spec,
//! importing, planning and making releases, the slow gates and their pinned tools, the
//! benchmarks. The generator (`cloudflare-cni-codegen`) turns a spec into a tree and diffs two
//! specs; everything that knows about git, cargo and this repository's layout lives here.

pub mod bench;
pub mod ci;
pub mod commands;
pub mod conformance;
pub mod dialect;
pub mod error;
pub mod git;
pub mod record;
pub mod release;
pub mod scale;
pub mod sync;
pub mod tools;
pub mod workspace;

pub use error::{Error, Result};
pub use workspace::{Workspace, WorkspaceError};
