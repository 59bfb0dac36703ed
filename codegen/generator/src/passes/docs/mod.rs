//! Documentation: every type, field, builder and setter carries the spec's description, so that
//! `cargo doc` of the generated crates reads like the API reference.

pub mod input;
pub mod output;
