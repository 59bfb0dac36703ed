//! The cross-crate tests, one binary (one link, shared helpers without dead-code escapes):
//! the generated client against scripted servers, the generated router, client and server
//! together, the emulator end to end, the shared types' serde and validation.

mod fixtures;
mod heap;
mod scripted;

mod cli;
mod cli_process;
mod client_http;
mod client_mock;
mod client_pagination_memory;
mod client_runtime;
mod client_server;
mod emulator_e2e;
mod forward_compat;
mod readme_examples;
mod serde_roundtrip;
mod server_router;
mod server_tracing;
mod user_provisioning;
mod validation;
