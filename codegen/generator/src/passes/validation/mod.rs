//! Validation: the spec's machine-readable rules (`x-cni-format`, `x-cni-same-prefix-as`,
//! bounds) as `#[derive(Validate)]` on the types, checked by the client before sending and by
//! the server on every body.

pub mod input;
pub mod output;
