//! The types the runtimes share: Cloudflare's error envelope (`ErrorEnvelope`,
//! `ResponseMessage`, `ResponseMessageSource`) is one hand-written model in the validation
//! runtime, which the client's errors hold and the server's answers write. typify is told to
//! use it for the spec's schemas of those names (its input), and the types crate re-exports it
//! under the spec's names (its output), so `types::ErrorEnvelope` is that same type.
//!
//! A field Cloudflare adds to the envelope lands in the model's `extra` maps (nothing is lost);
//! a field the model names that the spec retypes or stops requiring fails generation here,
//! naming it: that is a breaking change, which the diff calls major.

pub mod input;
pub mod output;
