//! Deprecation: what the spec marks `deprecated: true` is `#[deprecated]` where users reach it,
//! with the spec's note (see [`crate::model::deprecation_note`]): an operation's `Client`
//! method and its scoped handle's method, a parameter's setter on the request builder. The
//! generated code that must still call them (the handles, the command-line tool's dispatch)
//! allows it; the tool marks them in `--help` (the CLI pass), and `cargo xtask diff` reports a
//! deprecation as its own, minor, class.

use std::collections::BTreeMap;

use syn::{parse_quote, ImplItem, Item};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::naming::{camel_case, progenitor_field_name};
use crate::passes::Generated;
use crate::paths::Paths;

/// Names the spec renamed (`x-cni-former-names` on a schema, `x-cni-former-variant-names` on a
/// union) stay usable, deprecated and hidden from the docs: the type as an alias of the new
/// one (and its builder's), a union member's `is_`/`as_` accessors as calls of the new ones.
/// (An enum variant cannot be aliased: a `match` on the old variant name is the rename's one
/// breaking change, which the CHANGELOG's migration entry gives.)
fn former_names(types: &mut syn::File, model: &ApiModel) {
    let builders: std::collections::BTreeSet<String> =
        crate::syntax::module_items(&mut types.items, "builder")
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| match item {
                        Item::Struct(s) => Some(s.ident.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
    let mut aliases: Vec<Item> = Vec::new();
    let mut builder_aliases: Vec<Item> = Vec::new();
    for (name, schema) in &model.schemas {
        let new = quote::format_ident!("{}", name);
        for former in &schema.former_names {
            let old = quote::format_ident!("{}", former);
            let note = format!("renamed `{name}`");
            aliases.push(parse_quote! {
                #[doc = " The name this type had before it was renamed."]
                #[deprecated(note = #note)]
                #[doc(hidden)]
                pub type #old = #new;
            });
            let new_builder = format!("{name}Builder");
            if builders.contains(&new_builder) {
                let (old_builder, new_builder_ident) = (
                    quote::format_ident!("{former}Builder"),
                    quote::format_ident!("{new_builder}"),
                );
                let note = format!("renamed `{new_builder}`");
                builder_aliases.push(parse_quote! {
                    #[doc = " The name this builder had before its type was renamed."]
                    #[deprecated(note = #note)]
                    #[doc(hidden)]
                    pub type #old_builder = #new_builder_ident;
                });
            }
        }
        let Some(union) = &schema.union else { continue };
        let mut methods: Vec<syn::ImplItem> = Vec::new();
        for variant in &union.variants {
            let Some(former) = &variant.former_name else {
                continue;
            };
            let (old, new) = (
                crate::naming::snake_case(former),
                crate::naming::snake_case(&variant.name),
            );
            if old == new {
                continue;
            }
            let member_ty = quote::format_ident!("{}", variant.schema);
            let (old_is, old_as) = (
                quote::format_ident!("is_{old}"),
                quote::format_ident!("as_{old}"),
            );
            let (new_is, new_as) = (
                quote::format_ident!("is_{new}"),
                quote::format_ident!("as_{new}"),
            );
            let (is_note, as_note) = (format!("renamed `is_{new}`"), format!("renamed `as_{new}`"));
            methods.push(parse_quote! {
                #[doc = " The name this accessor had before the member was renamed."]
                #[deprecated(note = #is_note)]
                #[doc(hidden)]
                pub fn #old_is(&self) -> bool {
                    self.#new_is()
                }
            });
            methods.push(parse_quote! {
                #[doc = " The name this accessor had before the member was renamed."]
                #[deprecated(note = #as_note)]
                #[doc(hidden)]
                pub fn #old_as(&self) -> ::std::option::Option<&#member_ty> {
                    self.#new_as()
                }
            });
        }
        if !methods.is_empty() {
            aliases.push(parse_quote! {
                impl #new {
                    #(#methods)*
                }
            });
        }
    }
    types.items.extend(aliases);
    if let Some(items) = crate::syntax::module_items(&mut types.items, "builder") {
        items.extend(builder_aliases);
    }
}

pub fn apply(generated: &mut Generated, model: &ApiModel, _paths: &Paths) -> Result<(), EmitError> {
    former_names(&mut generated.types, model);
    // Operation id → its note; request builder type → (setter → note).
    let operations: BTreeMap<&str, &str> = model
        .operations
        .iter()
        .filter_map(|op| Some((op.id.as_str(), op.deprecated.as_deref()?)))
        .collect();
    let mut setters: BTreeMap<String, BTreeMap<String, &str>> = BTreeMap::new();
    for op in &model.operations {
        let params = op
            .path_params
            .iter()
            .chain(&op.query_params)
            .chain(&op.header_params);
        for param in params {
            if let Some(note) = param.deprecated.as_deref() {
                setters
                    .entry(camel_case(&op.id))
                    .or_default()
                    .insert(progenitor_field_name(&param.name), note);
            }
        }
    }
    if operations.is_empty() && setters.is_empty() {
        return Ok(());
    }
    mark(&mut generated.client.items, &operations, &setters);
    // The command-line tool calls every operation and sets every parameter it has a flag for.
    for item in generated.cli.items.iter_mut() {
        if let Item::Fn(f) = item {
            f.attrs.push(parse_quote!(#[allow(deprecated)]));
        }
    }
    Ok(())
}

/// Marks the methods and setters in `items`, and in the modules among them.
fn mark(
    items: &mut [Item],
    operations: &BTreeMap<&str, &str>,
    setters: &BTreeMap<String, BTreeMap<String, &str>>,
) {
    for item in items {
        match item {
            Item::Mod(module) => {
                if let Some((_, inner)) = &mut module.content {
                    mark(inner, operations, setters);
                }
            }
            Item::Impl(imp) if imp.trait_.is_none() => {
                let type_name = crate::syntax::self_type_name(imp).unwrap_or_default();
                let builder_setters = setters.get(&type_name);
                for member in imp.items.iter_mut() {
                    let ImplItem::Fn(f) = member else { continue };
                    let name = f.sig.ident.to_string();
                    // A `Client` method or a scoped handle's method takes `&self` and is named
                    // after the operation; a builder's setter after the parameter.
                    let note = match builder_setters {
                        Some(notes) => notes.get(&name).copied(),
                        None => operations.get(name.as_str()).copied(),
                    };
                    if let Some(note) = note {
                        f.attrs.push(parse_quote!(#[deprecated(note = #note)]));
                        // A handle's method calls the client's, deprecated too.
                        f.attrs.push(parse_quote!(#[allow(deprecated)]));
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OperationModel, ParamModel, ScalarType};
    use crate::syntax::has_tokens;

    #[test]
    fn deprecated_operations_and_parameters_are_marked_where_users_reach_them() {
        let mut op = OperationModel::for_test(
            "get_thing",
            "/things/{thing}",
            vec![ParamModel::for_test("thing", ScalarType::String)],
        );
        op.deprecated = Some("Use get_widget instead.".into());
        let mut old = ParamModel::for_test("old_filter", ScalarType::String);
        old.deprecated = Some("The API marks this deprecated.".into());
        op.query_params.push(old);
        let model = ApiModel::for_test(vec![op]);
        let mut generated = Generated {
            types: parse_quote!(),
            client: parse_quote! {
                impl Client { pub fn get_thing(&self) -> builder::GetThing<'_> { todo!() } pub fn other(&self) {} }
                pub mod builder {
                    impl<'a> GetThing<'a> { pub fn old_filter(self) -> Self { self } pub fn thing(self) -> Self { self } }
                }
                impl Account { pub fn get_thing(&self) -> builder::GetThing<'_> { self.client.get_thing() } }
            },
            mocks: parse_quote!(),
            server: parse_quote!(),
            cli: parse_quote! { fn dispatch() {} },
        };
        let paths = Paths::new(&crate::config::Config::default(), quote::quote!(::types));
        apply(&mut generated, &model, &paths).unwrap();
        let client = &generated.client;
        assert!(has_tokens(
            client,
            r#"#[deprecated(note = "Use get_widget instead.")] #[allow(deprecated)] pub fn get_thing"#
        ));
        assert!(has_tokens(
            client,
            r#"#[deprecated(note = "The API marks this deprecated.")] #[allow(deprecated)] pub fn old_filter"#
        ));
        assert!(!has_tokens(
            client,
            "#[deprecated(note = \"Use get_widget instead.\")] #[allow(deprecated)] pub fn other"
        ));
        assert!(!has_tokens(client, "#[allow(deprecated)] pub fn thing"));
        assert!(has_tokens(
            &generated.cli,
            "#[allow(deprecated)] fn dispatch"
        ));
    }
}
