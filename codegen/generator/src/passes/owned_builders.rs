//! Request builders that own their client, as aws-sdk's fluent builders do: progenitor's
//! `builder::GetCni<'a>` borrows `&'a Client`, so `tokio::spawn(client.get_cni()..send())`
//! does not compile. Each builder holds a clone of the client instead (no lifetime), and the
//! clone is made cheap: the client's base URL becomes an `Arc<str>` (reqwest's client and the
//! runtime's options are already shared), so a call costs no extra allocation for it.

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Fields, ImplItem, Item, Type};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::passes::Generated;
use crate::paths::Paths;
use crate::syntax::{is_path, module_items, self_type_name};

/// Whether `ty` is `&'a super::Client` (progenitor's field in every request builder).
fn borrows_the_client(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if r.lifetime.is_some() && is_path(&r.elem, &["super", "Client"]))
}

/// The request builders of the `builder` module whose `client` field borrows the client.
fn borrowing_builders(items: &[Item]) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s),
            _ => None,
        })
        .filter(|s| match &s.fields {
            Fields::Named(named) => named.named.iter().any(|f| {
                f.ident.as_ref().is_some_and(|i| i == "client") && borrows_the_client(&f.ty)
            }),
            _ => false,
        })
        .map(|s| s.ident.to_string())
        .collect()
}

/// `Builder<'a>`/`Builder<'_>` → `Builder` wherever a type path ends in one of the builders.
struct DropLifetime<'n>(&'n BTreeSet<String>);

impl VisitMut for DropLifetime<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if let Some(last) = path.segments.last_mut() {
            if self.0.contains(&last.ident.to_string()) {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if args
                        .args
                        .iter()
                        .all(|a| matches!(a, syn::GenericArgument::Lifetime(_)))
                    {
                        last.arguments = syn::PathArguments::None;
                    }
                }
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// In `new(client: &'a super::Client)`: the parameter loses its lifetime, and the struct
/// literal's `client: client` becomes a clone.
fn clone_in_constructor(function: &mut syn::ImplItemFn) -> bool {
    let mut takes_client = false;
    for input in function.sig.inputs.iter_mut() {
        if let syn::FnArg::Typed(arg) = input {
            if borrows_the_client(&arg.ty) {
                arg.ty = parse_quote!(&super::Client);
                takes_client = true;
            }
        }
    }
    if !takes_client {
        return false;
    }
    struct CloneClient(bool);
    impl VisitMut for CloneClient {
        fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
            if matches!(&field.member, syn::Member::Named(n) if n == "client") {
                field.expr = parse_quote!(::std::clone::Clone::clone(client));
                field.colon_token = Some(Default::default());
                self.0 = true;
            }
            syn::visit_mut::visit_field_value_mut(self, field);
        }
    }
    let mut visitor = CloneClient(false);
    visitor.visit_block_mut(&mut function.block);
    visitor.0
}

/// The client's base URL as an `Arc<str>`, so that cloning the client allocates nothing.
fn share_the_base_url(file: &mut syn::File) -> Result<(), EmitError> {
    let unexpected = |expected: &str| EmitError::UnexpectedShape {
        item: "the client".into(),
        expected: expected.into(),
    };
    let mut field = false;
    let mut constructor = false;
    let mut accessor = false;
    for item in file.items.iter_mut() {
        match item {
            Item::Struct(s) if s.ident == "Client" => {
                if let Fields::Named(named) = &mut s.fields {
                    for f in named.named.iter_mut() {
                        if f.ident.as_ref().is_some_and(|i| i == "baseurl")
                            && is_path(&f.ty, &["String"])
                        {
                            f.ty = parse_quote!(::std::sync::Arc<str>);
                            field = true;
                        }
                    }
                }
            }
            Item::Impl(imp) if self_type_name(imp).as_deref() == Some("Client") => {
                for member in imp.items.iter_mut() {
                    let ImplItem::Fn(f) = member else { continue };
                    if imp.trait_.is_none() && f.sig.ident == "new_with_client" {
                        struct ShareUrl(bool);
                        impl VisitMut for ShareUrl {
                            fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
                                if matches!(&field.member, syn::Member::Named(n) if n == "baseurl")
                                {
                                    field.expr = parse_quote!(::std::sync::Arc::from(baseurl));
                                    self.0 = true;
                                }
                            }
                        }
                        let mut visitor = ShareUrl(false);
                        visitor.visit_block_mut(&mut f.block);
                        constructor |= visitor.0;
                    } else if imp.trait_.is_some() && f.sig.ident == "baseurl" {
                        f.block = parse_quote!({ &self.baseurl });
                        accessor = true;
                    }
                }
            }
            _ => {}
        }
    }
    match (field, constructor, accessor) {
        (true, true, true) => Ok(()),
        (false, ..) => Err(unexpected("a field `baseurl: String` on `Client`")),
        (_, false, _) => Err(unexpected("`Client::new_with_client` setting `baseurl`")),
        (.., false) => Err(unexpected("`ClientInfo::baseurl` for `Client`")),
    }
}

pub fn apply(
    generated: &mut Generated,
    _model: &ApiModel,
    _paths: &Paths,
) -> Result<(), EmitError> {
    let file = &mut generated.client;
    let builders = {
        let items =
            module_items(&mut file.items, "builder").ok_or_else(|| EmitError::UnexpectedShape {
                item: "the client".into(),
                expected: "a `builder` module with the request builders".into(),
            })?;
        let builders = borrowing_builders(items);
        for item in items.iter_mut() {
            match item {
                Item::Struct(s) if builders.contains(&s.ident.to_string()) => {
                    s.generics = Default::default();
                    if let Fields::Named(named) = &mut s.fields {
                        for f in named.named.iter_mut() {
                            if borrows_the_client(&f.ty) {
                                f.ty = parse_quote!(super::Client);
                            }
                        }
                    }
                }
                Item::Impl(imp)
                    if self_type_name(imp).is_some_and(|name| builders.contains(&name)) =>
                {
                    imp.generics = Default::default();
                    let name = self_type_name(imp).unwrap_or_default();
                    let mut constructed = imp.trait_.is_some();
                    for member in imp.items.iter_mut() {
                        if let ImplItem::Fn(f) = member {
                            constructed |= clone_in_constructor(f);
                        }
                    }
                    if !constructed {
                        return Err(EmitError::UnexpectedShape {
                            item: format!("request builder `{name}`"),
                            expected: "`new(client: &'a super::Client)` setting `client: client`"
                                .into(),
                        });
                    }
                }
                _ => {}
            }
        }
        builders
    };
    DropLifetime(&builders).visit_file_mut(file);
    share_the_base_url(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(file: syn::File) -> Result<String, EmitError> {
        let empty = crate::progenitor::empty_file;
        let mut generated = Generated {
            types: empty(),
            client: file,
            mocks: empty(),
            server: empty(),
            cli: empty(),
        };
        let paths = Paths::new(&crate::config::Config::default(), quote::quote!(::types));
        apply(&mut generated, &ApiModel::for_test(vec![]), &paths)?;
        Ok(prettyplease::unparse(&generated.client))
    }

    fn progenitor_shape() -> syn::File {
        parse_quote! {
            pub struct Client { pub(crate) baseurl: String, pub(crate) client: reqwest::Client }
            impl Client {
                pub(crate) fn new_with_client(baseurl: &str, client: reqwest::Client) -> Self {
                    Self { baseurl: baseurl.to_string(), client }
                }
            }
            impl ClientInfo<()> for Client {
                fn baseurl(&self) -> &str { self.baseurl.as_str() }
            }
            impl Client {
                pub fn get_thing(&self) -> builder::GetThing<'_> { builder::GetThing::new(self) }
            }
            pub mod builder {
                pub struct GetThing<'a> { client: &'a super::Client, thing: Result<String, String> }
                impl<'a> GetThing<'a> {
                    pub(crate) fn new(client: &'a super::Client) -> Self {
                        Self { client: client, thing: Err("thing was not initialized".to_string()) }
                    }
                }
            }
        }
    }

    #[test]
    fn builders_own_a_clone_and_the_base_url_is_shared() {
        let text = run(progenitor_shape()).expect("the shape is progenitor's");
        for expected in [
            "pub struct GetThing {",
            "client: super::Client,",
            "impl GetThing {",
            "pub(crate) fn new(client: &super::Client) -> Self",
            "client: ::std::clone::Clone::clone(client)",
            "pub fn get_thing(&self) -> builder::GetThing {",
            "pub(crate) baseurl: ::std::sync::Arc<str>,",
            "baseurl: ::std::sync::Arc::from(baseurl)",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("'a"), "{text}");
    }

    #[test]
    fn a_builder_without_its_constructor_is_an_error_naming_it() {
        let mut file = progenitor_shape();
        let builder = module_items(&mut file.items, "builder").expect("builder module");
        builder.retain(|item| !matches!(item, Item::Impl(_)));
        builder
            .push(parse_quote! { impl<'a> GetThing<'a> { pub fn other(self) -> Self { self } } });
        let error = run(file).expect_err("no constructor");
        assert!(error.to_string().contains("GetThing"), "{error}");
    }
}
