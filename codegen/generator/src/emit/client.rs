//! Connects progenitor's client to `cloudflare-cni-client-runtime`: the hooks that add
//! credentials and retry, a builder, typed errors from every `send()`, request validation,
//! cursor pagination as a stream, and saving a download to a file.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, ImplItem, Item, Stmt, Type};

use crate::model::{ApiModel, OperationModel, SuccessModel};

/// The runtime crate's path in generated code.
pub fn runtime_path() -> TokenStream {
    quote!(::cloudflare_cni_client_runtime)
}

/// progenitor's `Result<ResponseValue<T>, Error<E>>` → `ResponseValue<T>`.
fn response_value_type(output: &syn::ReturnType) -> Option<Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let Type::Path(path) = &**ty else { return None };
    let segment = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

fn validation_check(validate_crate: &TokenStream) -> Stmt {
    let rt = runtime_path();
    parse_quote! {
        if client.inner.validates_requests() {
            if let ::std::result::Result::Err(errors) = #validate_crate::Validate::validate(&body) {
                return ::std::result::Result::Err(Error::InvalidRequest(
                    #rt::__private::validation_failed(errors),
                ));
            }
        }
    }
}

fn expected_text(op: &OperationModel) -> String {
    match &op.success {
        SuccessModel::Json(name) => format!("a JSON `{name}`"),
        SuccessModel::Binary(media_type) => format!("a `{media_type}` body"),
        SuccessModel::Empty => "no body".to_string(),
    }
}

/// Rewrites one request builder's `impl`: progenitor's `send` becomes the private `send_raw`
/// (with body validation), and a `send` returning `CniError`, `stream` and `save_to` are added.
fn rewrite_builder(imp: &mut syn::ItemImpl, op: &OperationModel, validate_crate: &TokenStream) {
    let rt = runtime_path();
    let mut value_type = None;
    for member in &mut imp.items {
        let ImplItem::Fn(f) = member else { continue };
        if f.sig.ident != "send" {
            continue;
        }
        f.sig.ident = format_ident!("send_raw");
        f.vis = syn::Visibility::Inherited;
        f.attrs.retain(|a| !a.path().is_ident("doc"));
        value_type = response_value_type(&f.sig.output);
        if let Some(position) = f.block.stmts.iter().position(|stmt| {
            matches!(stmt, Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "body"))
        }) {
            f.block.stmts.insert(position + 1, validation_check(validate_crate));
        }
    }
    let Some(value_type) = value_type else { return };
    let expected = expected_text(op);
    let send_doc = format!(
        " Sends `{} {}`, retrying as the client's policy allows; a body is checked against the \
         spec's rules first unless the client turned that off.",
        op.method, op.path
    );
    imp.items.push(parse_quote! {
        #[doc = #send_doc]
        pub async fn send(self) -> ::std::result::Result<#value_type, #rt::CniError> {
            #rt::__private::run(self.send_raw(), #expected).await
        }
    });
    if let Some(item) = &op.paginated_item {
        let item = format_ident!("{}", item);
        imp.items.push(parse_quote! {
            /// Every item of the listing, as a stream that fetches one page at a time: each
            /// response's `next` is sent back as `cursor` with the other parameters unchanged,
            /// until `next` is absent or null. A cursor the server already returned ends the
            /// stream with [`CniError::Pagination`](crate::CniError::Pagination).
            pub fn stream(
                self,
            ) -> impl #rt::__private::Stream<Item = ::std::result::Result<types::#item, #rt::CniError>> + 'a {
                #rt::paginate(self, |builder: Self, cursor: ::std::option::Option<i32>| async move {
                    let builder = match cursor {
                        ::std::option::Option::Some(cursor) => builder.cursor(cursor),
                        ::std::option::Option::None => builder,
                    };
                    let page = builder.send().await?.into_inner();
                    ::std::result::Result::Ok((page.items, page.next))
                })
            }
        });
    }
    if matches!(op.success, SuccessModel::Binary(_)) {
        imp.items.push(parse_quote! {
            /// Downloads the body into `path` atomically (a temporary file beside it, then a
            /// rename), returning the number of bytes written.
            pub async fn save_to(
                self,
                path: impl ::std::convert::AsRef<::std::path::Path>,
            ) -> ::std::result::Result<u64, #rt::CniError> {
                let response = self.send().await?;
                #rt::__private::save_stream(response.into_inner(), path.as_ref()).await
            }
        });
    }
}

/// Adds everything the runtime provides to progenitor's client file.
pub fn add_client_runtime(file: &mut syn::File, model: &ApiModel, validate_crate: &TokenStream) {
    let rt = runtime_path();
    let operations: HashMap<String, &OperationModel> = model
        .operations
        .iter()
        .map(|op| (super::camel_case(&op.id), op))
        .collect();
    for inner in super::module_items(&mut file.items, "builder")
        .into_iter()
        .flatten()
    {
        let Item::Impl(imp) = inner else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        if let Some(op) = super::docs::self_type_name(imp).and_then(|n| operations.get(&n).copied())
        {
            rewrite_builder(imp, op, validate_crate);
        }
    }
    let base_url = &model.base_url;
    let hooks: Vec<Item> = vec![
        parse_quote! {
            pub use #rt::{ApiMessage, BuildError, ClientBuilder, ClientOptions, CniError, Credentials, RetryPolicy};
        },
        parse_quote! {
            /// The API's base URL, the client's default.
            pub const DEFAULT_BASE_URL: &str = #base_url;
        },
        parse_quote! {
            impl Client {
                /// Starts building a client: base URL (default [`DEFAULT_BASE_URL`]),
                /// credentials, timeouts, retries, user agent, request validation.
                pub fn builder() -> #rt::ClientBuilder<Client> {
                    #rt::ClientBuilder::new(
                        DEFAULT_BASE_URL,
                        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
                    )
                }

                /// Turns checking request bodies against the spec's rules (CIDR formats, the
                /// same-prefix rule, the MD5-key character set, integer bounds) on or off. It is
                /// on by default: a body that breaks a rule fails with
                /// [`CniError::Validation`] listing every violation, and nothing is sent.
                pub fn with_request_validation(mut self, enabled: bool) -> Self {
                    self.inner.set_validate_requests(enabled);
                    self
                }

                /// Whether request bodies are validated before sending.
                pub fn validates_requests(&self) -> bool {
                    self.inner.validates_requests()
                }
            }
        },
        parse_quote! {
            impl #rt::FromParts for Client {
                fn from_parts(base_url: &str, http: reqwest::Client, options: #rt::ClientOptions) -> Self {
                    Self::new_with_client(base_url, http, options)
                }
            }
        },
        parse_quote! {
            /// Adds the credentials to each request and retries failed attempts.
            impl ClientHooks<#rt::ClientOptions> for Client {
                async fn pre<E>(
                    &self,
                    request: &mut reqwest::Request,
                    _info: &OperationInfo,
                ) -> ::std::result::Result<(), Error<E>> {
                    #rt::__private::apply_credentials(self.inner(), request).map_err(Error::InvalidRequest)
                }

                async fn exec(
                    &self,
                    request: reqwest::Request,
                    info: &OperationInfo,
                ) -> reqwest::Result<reqwest::Response> {
                    #rt::__private::execute(self.client(), self.inner(), request, info.operation_id).await
                }
            }
        },
    ];
    file.items.extend(hooks);
}
