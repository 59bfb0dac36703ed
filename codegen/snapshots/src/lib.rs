//! The generator's output (types, client, server) on the one-feature specs in `fixtures/`, checked in as snapshots and
//! compiled here, so the workspace's build and clippy cover what the generator emits.
//!
//! Adding a case: a `fixtures/NAME.yaml` and a `fixture!(NAME);` line below, then
//! `EXPECTORATE=overwrite cargo test -p cloudflare-cni-codegen-snapshots` to write it.

/// One fixture's output: its types and the client that uses them through `super::types`.
#[rustfmt::skip] // rustfmt re-indents this body on every run
macro_rules! fixture {
    ($name:ident) => {
        pub mod $name {
            #[rustfmt::skip]
            pub mod types;
            #[rustfmt::skip]
            pub mod client;
            #[rustfmt::skip]
            pub mod server;
        }
    };
}

fixture!(binary_response);
fixture!(constraints);
fixture!(dialect);
fixture!(query_parameters);
fixture!(shapes);
fixture!(tagged_union);
