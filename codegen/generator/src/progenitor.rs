//! Runs progenitor on the spec and splits its output into the types and the client.
//!
//! progenitor panics on some shapes it does not support (two success types, for one). Those
//! panics are caught here and turned into errors that name the offending operation, found by
//! generating each operation on its own.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Item, ItemMod};

use crate::document::METHODS;
use crate::error::EmitError;

/// The generated sources as the passes hand them on: syntax trees, formatted at the end.
pub struct Generated {
    /// typify's types (progenitor's `types` module), for the types crate.
    pub types: syn::File,
    /// progenitor's client, for the client crate.
    pub client: syn::File,
    /// progenitor's httpmock helpers, which the client pass places in the client's `mock`.
    pub mocks: syn::File,
    /// The server crate's source (the server pass writes it from the model).
    pub server: syn::File,
    /// The command-line tool's source (the CLI pass writes it from the model).
    pub cli: syn::File,
}

/// An empty file, for the sources a pass writes from nothing.
pub fn empty_file() -> syn::File {
    syn::parse_quote!()
}

/// Serialises generation so that the silent panic hook below never hides another thread's panic.
static PANIC_HOOK_LOCK: Mutex<()> = Mutex::new(());

fn settings(
    client_runtime: &TokenStream,
    replacements: &[(&str, String)],
) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    for (schema, path) in replacements {
        settings.with_replacement(schema, path, std::iter::empty());
    }
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        // Users compare values in tests and assertions; every field type here supports Eq.
        .with_derive("PartialEq")
        .with_derive("Eq")
        // The runtime's options ride in the client; our own hooks add credentials and retries.
        .with_inner_type(quote!(#client_runtime::ClientOptions))
        .with_hooks(progenitor::HooksMode::Expected);
    settings
}

enum Outcome {
    Tokens(TokenStream),
    Error(String),
    Panic(String),
}

fn run_once(spec: &OpenAPI, settings: &progenitor::GenerationSettings) -> Outcome {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut generator = progenitor::Generator::new(settings);
        generator.generate_tokens(spec)
    }));
    match result {
        Ok(Ok(tokens)) => Outcome::Tokens(tokens),
        Ok(Err(e)) => Outcome::Error(e.to_string()),
        Err(payload) => Outcome::Panic(
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string()),
        ),
    }
}

/// The spec reduced to one operation, to find which one progenitor fails on.
fn only_operation(spec: &OpenAPI, path: &str, method: &str) -> OpenAPI {
    let mut reduced = spec.clone();
    reduced.paths.paths.retain(|p, _| p == path);
    if let Some(openapiv3::ReferenceOr::Item(item)) = reduced.paths.paths.get_mut(path) {
        for m in METHODS {
            if m != method {
                match m {
                    "get" => item.get = None,
                    "put" => item.put = None,
                    "post" => item.post = None,
                    "delete" => item.delete = None,
                    "options" => item.options = None,
                    "head" => item.head = None,
                    "patch" => item.patch = None,
                    _ => item.trace = None,
                }
            }
        }
    }
    reduced
}

fn culprit(
    spec: &OpenAPI,
    settings: &progenitor::GenerationSettings,
    failed: impl Fn(&Outcome) -> bool,
) -> Option<String> {
    for (path, method, op) in spec.operations() {
        if failed(&run_once(&only_operation(spec, path, method), settings)) {
            return Some(
                op.operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{method} {path}")),
            );
        }
    }
    None
}

/// Generates progenitor's tokens for the whole spec, never panicking; the client carries
/// `client_runtime`'s `ClientOptions`.
pub fn generate(
    spec: &OpenAPI,
    client_runtime: &TokenStream,
    replacements: &[(&str, String)],
) -> Result<TokenStream, EmitError> {
    let settings = settings(client_runtime, replacements);
    let _guard = PANIC_HOOK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = run_once(spec, &settings);
    let result = match outcome {
        Outcome::Tokens(tokens) => Ok(tokens),
        Outcome::Error(message) => Err(EmitError::Failed {
            operation: culprit(spec, &settings, |o| matches!(o, Outcome::Error(_))),
            message,
        }),
        Outcome::Panic(message) => Err(EmitError::Panicked {
            operation: culprit(spec, &settings, |o| matches!(o, Outcome::Panic(_))),
            message,
        }),
    };
    panic::set_hook(previous_hook);
    result
}

/// progenitor's httpmock helpers for the client crate (its `mock` feature): a `When`/`Then`
/// pair per operation and `MockServerExt`, with the same panic guard as the client. They sit
/// in `mock`, beside the client's items: `super::super` from `mock::operations`.
pub fn generate_mocks(
    spec: &OpenAPI,
    client_runtime: &TokenStream,
    replacements: &[(&str, String)],
) -> Result<TokenStream, EmitError> {
    let settings = settings(client_runtime, replacements);
    let _guard = PANIC_HOOK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&settings).httpmock(spec, "super::super")
    }));
    panic::set_hook(previous_hook);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(EmitError::Failed {
            operation: None,
            message: format!("httpmock helpers: {e}"),
        }),
        Err(_) => Err(EmitError::Panicked {
            operation: None,
            message: "progenitor panicked while generating the httpmock helpers".to_string(),
        }),
    }
}

/// progenitor's `builder` module always does `use super::types;`, which is unused (and fails
/// `-D warnings`) when no operation takes or returns a JSON type. Allow exactly that import.
fn allow_unused_types_import(client: &mut syn::File) {
    let is_types_import = |item: &Item| {
        matches!(item, Item::Use(syn::ItemUse { tree: syn::UseTree::Path(path), .. })
            if path.ident == "super"
                && matches!(&*path.tree, syn::UseTree::Name(name) if name.ident == "types"))
    };
    let builders = crate::syntax::module_items(&mut client.items, "builder");
    for inner in builders
        .into_iter()
        .flatten()
        .filter(|i| is_types_import(i))
    {
        if let Item::Use(u) = inner {
            u.attrs.push(syn::parse_quote!(#[allow(unused_imports)]));
        }
    }
}

/// progenitor's output for the passes: the types, the client and the httpmock helpers, each a
/// syntax tree (the server's and the tool's files start empty).
pub fn run(
    input: &crate::prepare::ProgenitorInput,
    paths: &crate::paths::Paths,
) -> Result<Generated, EmitError> {
    let (spec, replacements) = (&input.spec, &input.replacements);
    let tokens = generate(spec, &paths.client_runtime, replacements)?;
    let SplitOutput { types, client } = split(tokens, &paths.types)?;
    let mocks = syn::parse2(generate_mocks(spec, &paths.client_runtime, replacements)?)
        .map_err(|e| EmitError::Output(format!("the httpmock helpers: {e}")))?;
    Ok(Generated {
        types,
        client,
        mocks,
        server: empty_file(),
        cli: empty_file(),
    })
}

/// progenitor's output, split in two.
pub struct SplitOutput {
    /// The items of progenitor's `types` module, as a file of their own.
    pub types: syn::File,
    /// Everything else, with `types` re-exported from `types_path`.
    pub client: syn::File,
}

/// Moves progenitor's `pub mod types { … }` out of the client so that one crate of types can
/// serve both the client and the server.
pub fn split(tokens: TokenStream, types_path: &TokenStream) -> Result<SplitOutput, EmitError> {
    let mut client: syn::File =
        syn::parse2(tokens).map_err(|e| EmitError::Output(e.to_string()))?;
    let position = client
        .items
        .iter()
        .position(|item| matches!(item, Item::Mod(m) if m.ident == "types"))
        .ok_or_else(|| EmitError::Output("no `types` module".to_string()))?;
    let Item::Mod(ItemMod {
        content: Some((_, items)),
        ..
    }) = client.items.remove(position)
    else {
        return Err(EmitError::Output("`types` module has no body".to_string()));
    };
    let reexport: Item = syn::parse2(quote! {
        /// The request and response types, shared with the server crate.
        pub use #types_path as types;
    })
    .map_err(|e| EmitError::Output(e.to_string()))?;
    client.items.insert(position, reexport);
    allow_unused_types_import(&mut client);
    Ok(SplitOutput {
        types: syn::File {
            items,
            ..syn::parse_quote!()
        },
        client,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> OpenAPI {
        let text = include_str!("../tests/valid_fixture.yaml");
        let parsed = crate::source::parse(&crate::source::SpecSource {
            display_path: "valid_fixture.yaml".into(),
            text: text.into(),
        })
        .unwrap();
        serde_json::from_value(parsed.value).unwrap()
    }

    #[test]
    fn generates_the_valid_fixture() {
        assert!(generate(&fixture(), &quote!(::runtime), &[]).is_ok());
    }

    #[test]
    fn a_progenitor_panic_becomes_an_error_naming_the_operation() {
        // Two success types: the linter rejects this, so build it past the linter to reach
        // progenitor's own assertion.
        let mut spec = fixture();
        let mut value = serde_json::to_value(&spec).unwrap();
        let ok = value
            .pointer("/paths/~1things~1{id}/get/responses/200")
            .unwrap()
            .clone();
        let mut created = ok.clone();
        created["content"]["application/json"]["schema"]["$ref"] =
            "#/components/schemas/Error".into();
        value["paths"]["/things/{id}"]["get"]["responses"]["201"] = created;
        spec = serde_json::from_value(value).unwrap();
        match generate(&spec, &quote!(::runtime), &[]) {
            Err(EmitError::Panicked { operation, message }) => {
                assert_eq!(operation.as_deref(), Some("get_thing"));
                assert!(message.contains("response_types.len() <= 1"), "{message}");
            }
            other => panic!("expected a caught panic, got {:?}", other.map(|_| ())),
        }
    }
}
