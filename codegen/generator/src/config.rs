//! The generator's one configuration: what the generated crates are called and where they
//! go, and which runtime crates the generated code uses. The API itself is known only through
//! the spec.

/// One generated crate: its package name, folder under `generated/` and version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateConfig {
    pub package: String,
    pub dir: String,
    pub version: String,
}

impl CrateConfig {
    /// The crate's name as Rust code spells it.
    pub fn lib_name(&self) -> String {
        self.package.replace('-', "_")
    }
}

/// The hand-written crates the generated code calls, by package name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeCrates {
    /// The client's builder, retries and errors.
    pub client: String,
    /// The server's errors, extractors and `serve`.
    pub server: String,
    /// The `Validate` trait and its derive's rules.
    pub validate: String,
    /// The command-line tool's arguments, output and exit codes.
    pub cli: String,
}

/// What to call the generated crates, and what they depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub types: CrateConfig,
    pub client: CrateConfig,
    pub server: CrateConfig,
    /// The command-line tool (a binary crate, with a library for its tests).
    pub cli: CrateConfig,
    pub runtime: RuntimeCrates,
    /// The server crate's trait, one method per operation.
    pub server_trait: String,
}

/// A package name as Rust code spells the crate: `::cloudflare_cni_validate`.
pub fn crate_path(package: &str) -> proc_macro2::TokenStream {
    let ident = proc_macro2::Ident::new(&package.replace('-', "_"), proc_macro2::Span::call_site());
    quote::quote!(::#ident)
}

impl Default for Config {
    fn default() -> Self {
        let krate = |package: &str, dir: &str| CrateConfig {
            package: package.to_string(),
            dir: dir.to_string(),
            version: "0.1.0".to_string(),
        };
        Config {
            types: krate("cloudflare-cni-types", "types"),
            client: krate("cloudflare-cni-client", "client"),
            server: krate("cloudflare-cni-server", "server"),
            cli: krate("cloudflare-cni", "cli"),
            runtime: RuntimeCrates {
                client: "cloudflare-cni-client-runtime".to_string(),
                server: "cloudflare-cni-server-runtime".to_string(),
                validate: "cloudflare-cni-validate".to_string(),
                cli: "cloudflare-cni-cli-runtime".to_string(),
            },
            server_trait: "CniApi".to_string(),
        }
    }
}
