//! How generated code names the crates it uses, as the configuration says.

use proc_macro2::TokenStream;

use crate::config::crate_path;
use crate::config::Config;

/// The paths generated code spells for the crates it uses.
#[derive(Clone, Debug)]
pub struct Paths {
    /// The types crate, as the client and server name it (`::cloudflare_cni_types`, or
    /// `super::types` in a snapshot).
    pub types: TokenStream,
    pub client_runtime: TokenStream,
    pub server_runtime: TokenStream,
    pub validate: TokenStream,
    /// The validation crate's name in Rust (`cloudflare_cni_validate`), for type paths typify
    /// takes as text.
    pub validate_crate: String,
    pub server_trait: proc_macro2::Ident,
    /// The client crate and the CLI's runtime, as the command-line tool names them.
    pub client: TokenStream,
    /// The client crate's name in Rust (`cloudflare_cni_client`), for examples written as text.
    pub client_crate: String,
    pub cli_runtime: TokenStream,
    /// The tool's binary name.
    pub binary: String,
}

impl Paths {
    pub fn new(config: &Config, types: TokenStream) -> Self {
        Paths {
            types,
            client_runtime: crate_path(&config.runtime.client),
            server_runtime: crate_path(&config.runtime.server),
            validate: crate_path(&config.runtime.validate),
            validate_crate: config.runtime.validate.replace('-', "_"),
            client: crate_path(&config.client.package),
            client_crate: config.client.package.replace('-', "_"),
            cli_runtime: crate_path(&config.runtime.cli),
            binary: config.cli.package.clone(),
            server_trait: proc_macro2::Ident::new(
                &config.server_trait,
                proc_macro2::Span::call_site(),
            ),
        }
    }
}
