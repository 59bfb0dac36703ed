//! Builders that build. typify's `builder::X` becomes `builder::XBuilder` (the old name stays
//! as a deprecated alias, so code written against it still compiles) with a `build()`; a
//! request body's type whose every field is optional gets `Default`; a tagged union gets one
//! constructor per member with fields (`InterconnectCreateRequest::direct()`) that starts the
//! member's builder, which a request's `body()` takes as it is. typify's `ConversionError` becomes the validate crate's,
//! which the client's `CniError` converts from, so `?` carries a builder's error into a call's.

use std::collections::BTreeSet;

use quote::format_ident;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Item};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::naming;
use crate::passes::Generated;
use crate::paths::Paths;
use crate::syntax::{module_items, self_type_name};

pub fn apply(generated: &mut Generated, model: &ApiModel, paths: &Paths) -> Result<(), EmitError> {
    let derived = derives_default(&generated.types);
    // typify writes the module only when it has a struct to build (and `error` only when
    // something converts): a spec without either has nothing here to change.
    let Some(builders) = module_items(&mut generated.types.items, "builder") else {
        use_shared_conversion_error(&mut generated.types, paths);
        return Ok(());
    };
    let names: BTreeSet<String> = builders
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    // Defaults are read before the renaming, from typify's own `impl Default for builder::X`.
    let defaults = all_optional_defaults(builders);
    let mut inside = RenameInsideBuilders(&names);
    for item in builders.iter_mut() {
        inside.visit_item_mut(item);
    }
    for item in builders.iter_mut() {
        if let Item::Impl(imp) = item {
            if imp.trait_.is_none() {
                friendly_setters(imp);
            }
        }
    }
    unset_fields_allocate_nothing(builders);
    for name in &names {
        let (builder, target) = (format_ident!("{name}Builder"), format_ident!("{name}"));
        let alias_note = format!("renamed `{name}Builder`");
        let build_doc = format!(
            " Builds the [`{name}`](super::{name}): fails, naming the field, when a required \
             field was left unset or a value did not convert."
        );
        builders.push(parse_quote! {
            impl #builder {
                #[doc = #build_doc]
                pub fn build(self) -> ::std::result::Result<super::#target, super::error::ConversionError> {
                    ::std::convert::TryFrom::try_from(self)
                }
            }
        });
        builders.push(parse_quote! {
            /// The builder's name before it was renamed.
            #[deprecated(note = #alias_note)]
            #[doc(hidden)]
            pub type #target = #builder;
        });
    }
    // Only a body's type gets one: a response type may gain a required field in a later
    // revision (an addition on the wire), which would take its `Default` away.
    let request_only = |name: &String| {
        model
            .schemas
            .get(name)
            .is_some_and(|schema| schema.usage.request && !schema.usage.response)
    };
    for (name, fields) in defaults
        .iter()
        .filter(|(name, _)| !derived.contains(name) && request_only(name))
    {
        let target = format_ident!("{name}");
        let (idents, values): (Vec<_>, Vec<_>) = fields.iter().cloned().unzip();
        let doc = format!(" Every field optional: the value a bare `{name}Builder` builds.");
        builders.push(parse_quote! {
            #[doc = #doc]
            impl ::std::default::Default for super::#target {
                fn default() -> Self {
                    Self { #(#idents: #values),* }
                }
            }
        });
    }
    for (union_name, schema) in &model.schemas {
        let Some(union) = &schema.union else { continue };
        let union_ident = format_ident!("{}", union_name);
        // A member with no fields of its own has no builder, and no constructor: were it to
        // gain a field later, a constructor returning the value would have to change type.
        for variant in union.variants.iter().filter(|v| names.contains(&v.schema)) {
            let member_builder = format_ident!("{}Builder", variant.schema);
            builders.push(parse_quote! {
                /// Builds the member, then the union that holds it: what a request's `body()`
                /// takes.
                impl ::std::convert::TryFrom<#member_builder> for super::#union_ident {
                    type Error = super::error::ConversionError;
                    fn try_from(value: #member_builder) -> ::std::result::Result<Self, Self::Error> {
                        value.build().map(::std::convert::Into::into)
                    }
                }
            });
        }
    }
    // Outside the builder module, every `builder::X` (types) and `types::builder::X` (client,
    // mocks) names the renamed type.
    let mut outside = RenamePaths {
        names: &names,
        after: &["builder"],
    };
    for item in generated.types.items.iter_mut() {
        if !matches!(item, Item::Mod(m) if m.ident == "builder") {
            outside.visit_item_mut(item);
        }
    }
    let mut in_client = RenamePaths {
        names: &names,
        after: &["types", "builder"],
    };
    in_client.visit_file_mut(&mut generated.client);
    in_client.visit_file_mut(&mut generated.mocks);
    add_union_constructors(&mut generated.types, model, &names);
    use_shared_conversion_error(&mut generated.types, paths);
    Ok(())
}

/// typify's builders start each required field as `Err("no value supplied for F".to_string())`:
/// a `String` made for every field of every builder (a request builder makes its body's
/// builder on every call), then dropped when the field is set. The field starts as an empty
/// `String` instead, which allocates nothing, and the conversion names it when it is still
/// empty, with the same message.
fn unset_fields_allocate_nothing(builders: &mut Vec<Item>) {
    // (builder, field) → the message typify wrote.
    let mut messages: std::collections::HashMap<(String, String), syn::LitStr> = Default::default();
    for item in builders.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let is_default = imp
            .trait_
            .as_ref()
            .is_some_and(|(path, _)| path.segments.last().is_some_and(|s| s.ident == "Default"));
        let Some(builder) = self_type_name(imp).filter(|_| is_default) else {
            continue;
        };
        struct Unset<'m>(
            &'m mut std::collections::HashMap<(String, String), syn::LitStr>,
            String,
        );
        impl VisitMut for Unset<'_> {
            fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
                let syn::Member::Named(member) = &field.member else {
                    return;
                };
                let syn::Expr::Call(call) = &field.expr else {
                    return;
                };
                let is_err = matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"));
                let Some(syn::Expr::MethodCall(to_string)) = call.args.first() else {
                    return;
                };
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(message),
                    ..
                }) = &*to_string.receiver
                else {
                    return;
                };
                if !is_err || to_string.method != "to_string" {
                    return;
                }
                self.0
                    .insert((self.1.clone(), member.to_string()), message.clone());
                field.expr = parse_quote!(Err(::std::string::String::new()));
            }
        }
        Unset(&mut messages, builder).visit_item_impl_mut(imp);
    }
    for item in builders.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        // `impl TryFrom<XBuilder> for super::X`: the builder is the trait's type argument.
        let Some(builder) = imp.trait_.as_ref().and_then(|(path, _)| {
            let last = path.segments.last().filter(|s| s.ident == "TryFrom")?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first()? {
                syn::GenericArgument::Type(ty) => crate::syntax::type_name(ty),
                _ => None,
            }
        }) else {
            continue;
        };
        struct Named<'m>(
            &'m std::collections::HashMap<(String, String), syn::LitStr>,
            String,
        );
        impl VisitMut for Named<'_> {
            fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
                let syn::Member::Named(member) = &field.member else {
                    return;
                };
                let Some(message) = self.0.get(&(self.1.clone(), member.to_string())) else {
                    return;
                };
                // `value.F?`
                let syn::Expr::Try(tried) = &field.expr else {
                    return;
                };
                let syn::Expr::Field(read) = &*tried.expr else {
                    return;
                };
                field.expr = parse_quote!(#read.map_err(|e| unset_or(e, #message))?);
            }
        }
        Named(&messages, builder).visit_item_impl_mut(imp);
    }
    if !messages.is_empty() {
        builders.push(parse_quote! {
            /// A field's error, or `message` for a required field left unset (its error
            /// starts empty).
            fn unset_or(
                error: ::std::string::String,
                message: &'static str,
            ) -> super::error::ConversionError {
                match error.is_empty() {
                    true => super::error::ConversionError::from(message),
                    false => super::error::ConversionError::from(error),
                }
            }
        });
    }
}

/// Setters as the Rust API guidelines and aws-sdk's builders have them: an optional field's
/// setter takes the value (`.md5_key("k3y")`, not `Some("k3y".to_string())`) and `set_<field>`
/// takes an `Option` to clear it; a list's setter takes any iterator of anything that converts
/// (`["192.0.2.0/24"]`, a `Vec<&str>`). A `Vec<T>` or `T` still converts, so code written for
/// typify's setters (`vec![..]`) keeps compiling; `Some(x)` moves to `set_<field>(Some(x))`.
fn friendly_setters(imp: &mut syn::ItemImpl) {
    let existing: BTreeSet<String> = imp
        .items
        .iter()
        .filter_map(|member| match member {
            syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut added = Vec::new();
    for member in imp.items.iter_mut() {
        let syn::ImplItem::Fn(setter) = member else {
            continue;
        };
        let Some(target) = crate::syntax::try_into_target(&setter.sig, "T") else {
            continue;
        };
        let field = setter.sig.ident.clone();
        let docs: Vec<syn::Attribute> = setter
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect();
        let message = format!("error converting supplied value for {field}: {{e}}");
        let (optional, value) = match crate::syntax::option_inner(&target) {
            Some(inner) => (true, inner.clone()),
            None => (false, target.clone()),
        };
        let wrap = optional.then(|| quote::quote!(.map(::std::option::Option::Some)));
        let rewritten: Option<syn::ImplItemFn> = match crate::syntax::vec_inner(&value) {
            Some(element) => Some(parse_quote! {
                #(#docs)*
                pub fn #field<I, T>(mut self, values: I) -> Self
                where
                    I: ::std::iter::IntoIterator<Item = T>,
                    T: ::std::convert::TryInto<#element>,
                    T::Error: ::std::fmt::Display,
                {
                    self.#field = values
                        .into_iter()
                        .map(::std::convert::TryInto::try_into)
                        .collect::<::std::result::Result<::std::vec::Vec<#element>, _>>()
                        #wrap
                        .map_err(|e| format!(#message));
                    self
                }
            }),
            None if optional => Some(parse_quote! {
                #(#docs)*
                pub fn #field<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<#value>,
                    T::Error: ::std::fmt::Display,
                {
                    self.#field = value
                        .try_into()
                        .map(::std::option::Option::Some)
                        .map_err(|e| format!(#message));
                    self
                }
            }),
            None => None,
        };
        if let Some(rewritten) = rewritten {
            *setter = rewritten;
        }
        let set = format_ident!("set_{}", field);
        if optional && !existing.contains(&set.to_string()) {
            let doc = format!(" Sets `{field}`, or clears it with `None` (left out of the JSON).");
            added.push(parse_quote! {
                #[doc = #doc]
                pub fn #set(mut self, value: ::std::option::Option<#value>) -> Self {
                    self.#field = ::std::result::Result::Ok(value);
                    self
                }
            });
        }
    }
    imp.items.extend(added);
}

/// For each builder whose `Default` sets every field to `Ok(value)` (nothing is required): its
/// name and those field values.
fn all_optional_defaults(builders: &[Item]) -> Vec<(String, Vec<(syn::Member, syn::Expr)>)> {
    let mut found = Vec::new();
    for item in builders {
        let Item::Impl(imp) = item else { continue };
        let is_default = imp
            .trait_
            .as_ref()
            .is_some_and(|(path, _)| path.segments.last().is_some_and(|s| s.ident == "Default"));
        let Some(name) = self_type_name(imp).filter(|_| is_default) else {
            continue;
        };
        let Some(syn::ImplItem::Fn(default)) = imp.items.first() else {
            continue;
        };
        let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = default.block.stmts.last()
        else {
            continue;
        };
        let values: Option<Vec<(syn::Member, syn::Expr)>> = init
            .fields
            .iter()
            .map(|field| match &field.expr {
                syn::Expr::Call(call)
                    if matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Ok"))
                        && call.args.len() == 1 =>
                {
                    Some((field.member.clone(), call.args[0].clone()))
                }
                _ => None,
            })
            .collect();
        if let Some(values) = values {
            found.push((name, values));
        }
    }
    found
}

/// The types that already have `Default`, whoever wrote it: derived (typify derives it where
/// it can) or implemented (typify writes `impl Default` for a struct whose every field has a
/// spec `default`). A second one would not compile (E0119).
fn derives_default(types: &syn::File) -> BTreeSet<String> {
    let is_default = |path: &syn::Path| path.segments.last().is_some_and(|s| s.ident == "Default");
    let derived = types
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s),
            _ => None,
        })
        .filter(|s| {
            s.attrs
                .iter()
                .filter(|a| a.path().is_ident("derive"))
                .any(|a| {
                    let mut found = false;
                    let _ = a.parse_nested_meta(|meta| {
                        found |= is_default(&meta.path);
                        Ok(())
                    });
                    found
                })
        })
        .map(|s| s.ident.to_string());
    let implemented = types.items.iter().filter_map(|item| match item {
        Item::Impl(imp)
            if imp
                .trait_
                .as_ref()
                .is_some_and(|(path, _)| is_default(path)) =>
        {
            self_type_name(imp)
        }
        _ => None,
    });
    derived.chain(implemented).collect()
}

/// Inside `mod builder`: the builder structs and every bare mention of them (`impl X`,
/// `TryFrom<X>`, `value: X`) take the new name; `super::X` (the built type) stays.
struct RenameInsideBuilders<'a>(&'a BTreeSet<String>);

impl VisitMut for RenameInsideBuilders<'_> {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if self.0.contains(&item.ident.to_string()) {
            item.ident = format_ident!("{}Builder", item.ident);
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.leading_colon.is_none() && path.segments.len() == 1 {
            let segment = &mut path.segments[0];
            if self.0.contains(&segment.ident.to_string()) {
                segment.ident = format_ident!("{}Builder", segment.ident);
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// Renames `… after… X` to `… after… XBuilder` for the builder names.
struct RenamePaths<'a> {
    names: &'a BTreeSet<String>,
    after: &'a [&'a str],
}

impl VisitMut for RenamePaths<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let n = path.segments.len();
        if n > self.after.len() {
            let prefix_matches = self
                .after
                .iter()
                .zip(path.segments.iter().skip(n - 1 - self.after.len()))
                .all(|(want, segment)| segment.ident == want);
            let last = &mut path.segments[n - 1];
            if prefix_matches && self.names.contains(&last.ident.to_string()) {
                last.ident = format_ident!("{}Builder", last.ident);
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// `InterconnectCreateRequest::direct()`: for each member of each tagged union, a constructor
/// named after its tag that starts the member's builder.
fn add_union_constructors(types: &mut syn::File, model: &ApiModel, builders: &BTreeSet<String>) {
    for (union_name, schema) in &model.schemas {
        let Some(union) = &schema.union else { continue };
        let union_ident = format_ident!("{}", union_name);
        let mut constructors: Vec<syn::ImplItem> = Vec::new();
        for variant in &union.variants {
            let method = format_ident!("{}", naming::constructor_name(&variant.tag));
            if builders.contains(&variant.schema) {
                let builder = format_ident!("{}Builder", variant.schema);
                let doc = format!(
                    " Starts a `{}` member (`{}: {}`): set its fields, then pass the builder as \
                     a request body, or `build()` it and convert with `into()`.",
                    variant.name, union.property, variant.tag
                );
                constructors.push(parse_quote! {
                    #[doc = #doc]
                    pub fn #method() -> builder::#builder {
                        ::std::default::Default::default()
                    }
                });
            }
        }
        types.items.push(parse_quote! {
            impl #union_ident {
                #(#constructors)*
            }
        });
    }
}

/// typify's own `error` module defines a `ConversionError` per crate; the validate crate's is
/// one the client's error converts from.
fn use_shared_conversion_error(types: &mut syn::File, paths: &Paths) {
    let validate = &paths.validate;
    if let Some(error) = module_items(&mut types.items, "error") {
        *error = vec![parse_quote! {
            /// The error of a builder's `build()` and of parsing a string enum: the validate
            /// crate's, so that the client's `CniError` converts from it.
            pub use #validate::ConversionError;
        }];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_renamed_only_after_their_prefix() {
        let names: BTreeSet<String> = ["Cni".to_string()].into();
        let mut file: syn::File = parse_quote! {
            fn f(a: types::builder::Cni, b: builder::Cni, c: types::Cni, d: other::builder::Cni) {}
        };
        RenamePaths {
            names: &names,
            after: &["types", "builder"],
        }
        .visit_file_mut(&mut file);
        let expected: syn::File = parse_quote! {
            fn f(a: types::builder::CniBuilder, b: builder::Cni, c: types::Cni, d: other::builder::Cni) {}
        };
        assert_eq!(file, expected);
    }

    #[test]
    fn inside_the_module_bare_names_are_renamed_and_super_paths_kept() {
        let names: BTreeSet<String> = ["Cni".to_string()].into();
        let mut item: Item = parse_quote! {
            impl ::std::convert::TryFrom<Cni> for super::Cni {
                fn try_from(value: Cni) -> Result<Self, ()> { todo!() }
            }
        };
        RenameInsideBuilders(&names).visit_item_mut(&mut item);
        let expected: Item = parse_quote! {
            impl ::std::convert::TryFrom<CniBuilder> for super::Cni {
                fn try_from(value: CniBuilder) -> Result<Self, ()> { todo!() }
            }
        };
        assert_eq!(item, expected);
    }

    /// The probe's case: a PATCH body whose field has `default: true` got typify's `impl
    /// Default` and ours (E0119). A type that has one, derived or implemented, gets no other.
    #[test]
    fn a_type_with_a_default_of_its_own_gets_no_second_one() {
        let types: syn::File = parse_quote! {
            #[derive(Clone, Debug, Default)]
            pub struct Derived { pub a: Option<i64> }
            pub struct Implemented { pub enabled: bool }
            impl ::std::default::Default for Implemented {
                fn default() -> Self { Self { enabled: defaults::default_bool::<true>() } }
            }
            pub struct Neither { pub a: Option<i64> }
        };
        let found = derives_default(&types);
        assert!(
            found.contains("Derived") && found.contains("Implemented"),
            "{found:?}"
        );
        assert!(!found.contains("Neither"), "{found:?}");
    }

    #[test]
    fn only_builders_with_nothing_required_give_a_default() {
        let builders: Vec<Item> = vec![
            parse_quote! {
                impl ::std::default::Default for Settings {
                    fn default() -> Self {
                        Self { a: Ok(Default::default()), b: Ok(super::defaults::b()) }
                    }
                }
            },
            parse_quote! {
                impl ::std::default::Default for Cni {
                    fn default() -> Self {
                        Self { a: Ok(Default::default()), id: Err("no value supplied for id".to_string()) }
                    }
                }
            },
        ];
        let found = all_optional_defaults(&builders);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Settings");
        assert_eq!(found[0].1.len(), 2);
    }
}
