//! Equality: progenitor asks typify to derive `PartialEq` and `Eq` on every type (users compare
//! values in tests), but a float has no `Eq`: a type holding an `f32`/`f64`, or holding a type
//! that does, keeps `PartialEq` and loses `Eq`, so every shape compiles.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{parse_quote, Item, Token};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

/// Whether `tokens` name a float or one of `types`.
fn mentions(tokens: TokenStream, types: &BTreeSet<String>) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => {
            let name = ident.to_string();
            name == "f32" || name == "f64" || types.contains(&name)
        }
        TokenTree::Group(group) => mentions(group.stream(), types),
        _ => false,
    })
}

/// The top-level types that cannot be `Eq`.
fn without_eq(file: &syn::File) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    loop {
        let before = found.len();
        for item in &file.items {
            let (name, fields) = match item {
                Item::Struct(s) => (s.ident.to_string(), s.fields.to_token_stream()),
                Item::Enum(e) => (e.ident.to_string(), e.variants.to_token_stream()),
                _ => continue,
            };
            if !found.contains(&name) && mentions(fields, &found) {
                found.insert(name);
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Drops `Eq` from a `#[derive(...)]` list.
fn drop_eq(attrs: &mut [syn::Attribute]) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Punctuated<syn::Path, Token![,]> =
            paths.into_iter().filter(|p| !p.is_ident("Eq")).collect();
        *attr = parse_quote!(#[derive(#kept)]);
    }
}

/// The pass: `Eq` off every type a float reaches.
pub fn apply(
    generated: &mut crate::passes::Generated,
    _model: &ApiModel,
    _paths: &Paths,
) -> Result<(), EmitError> {
    let types = without_eq(&generated.types);
    for item in &mut generated.types.items {
        match item {
            Item::Struct(s) if types.contains(&s.ident.to_string()) => drop_eq(&mut s.attrs),
            Item::Enum(e) if types.contains(&e.ident.to_string()) => drop_eq(&mut e.attrs),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn a_float_takes_eq_off_its_type_and_every_type_holding_it() {
        let mut generated = crate::passes::Generated {
            types: parse_quote! {
                #[derive(Clone, Debug, Eq, PartialEq)]
                pub struct Reading { pub ratio: Option<f64> }
                #[derive(Clone, Debug, Eq, PartialEq)]
                pub enum Either { Reading(Reading), Text(String) }
                #[derive(Clone, Debug, Eq, PartialEq)]
                pub struct Plain { pub name: String }
            },
            client: parse_quote!(),
            mocks: parse_quote!(),
            server: parse_quote!(),
            cli: parse_quote!(),
        };
        let model = crate::model::ApiModel {
            title: String::new(),
            version: String::new(),
            description: String::new(),
            base_url: String::new(),
            tags: Vec::new(),
            operations: Vec::new(),
            schemas: Default::default(),
        };
        let paths = Paths::new(&crate::Config::default(), quote!(::types));
        apply(&mut generated, &model, &paths).unwrap();
        let text = generated.types.to_token_stream().to_string();
        assert!(
            text.contains("# [derive (Clone , Debug , PartialEq)] pub struct Reading"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (Clone , Debug , PartialEq)] pub enum Either"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (Clone , Debug , Eq , PartialEq)] pub struct Plain"),
            "{text}"
        );
    }
}
