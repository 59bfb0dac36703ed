//! Validation's output pass: `#[derive(Validate)]` and `#[validate(...)]` field attributes on
//! the types, from the model's constraints.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Fields, Item, Type};

use crate::model::{ApiModel, Rule};
use crate::syntax::serde_rename;

/// The type a field ultimately holds, through `Option`, `Vec` and `Box`: its name when it is
/// one of this file's (a bare name, as typify writes them), `None` for another crate's
/// (`::serde_json::Value`, even where the spec has a schema called `Value`).
fn innermost(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    let name = segment.ident.to_string();
    if matches!(name.as_str(), "Option" | "Vec" | "Box") {
        if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return innermost(inner);
            }
        }
    }
    let local =
        path.qself.is_none() && path.path.leading_colon.is_none() && path.path.segments.len() == 1;
    local.then_some(name)
}

/// Adds the derive to every top-level struct and enum of the types file, and to each field the
/// rules the spec states on its property, plus `nested` for fields of generated types.
pub fn add_validation(file: &mut syn::File, model: &ApiModel, validate_crate: &TokenStream) {
    let generated: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    // A type with a `Validate` impl of its own (a number enum's, from the numbers pass) keeps
    // it, and is not derived again.
    let by_its_own: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(imp)
                if imp.trait_.as_ref().is_some_and(|(path, _)| {
                    path.segments.last().is_some_and(|s| s.ident == "Validate")
                }) =>
            {
                crate::syntax::self_type_name(imp)
            }
            _ => None,
        })
        .collect();
    let derive: syn::Attribute = parse_quote!(#[derive(#validate_crate::Validate)]);
    let mut by_hand = Vec::new();
    for item in &mut file.items {
        match item {
            Item::Enum(e) => match enum_validation(e, &generated, validate_crate) {
                None => e.attrs.push(derive.clone()),
                Some(imp) => by_hand.push(imp),
            },
            Item::Struct(s) if by_its_own.contains(&s.ident.to_string()) => {}
            Item::Struct(s) => {
                s.attrs.push(derive.clone());
                let Fields::Named(fields) = &mut s.fields else {
                    continue;
                };
                // Wire name → Rust field name, for `same_prefix` targets.
                let idents: BTreeMap<String, String> = fields
                    .named
                    .iter()
                    .filter_map(|f| {
                        let ident = f.ident.as_ref()?.to_string();
                        Some((
                            serde_rename(&f.attrs).unwrap_or_else(|| ident.clone()),
                            ident,
                        ))
                    })
                    .collect();
                let constraints = model
                    .schemas
                    .get(&s.ident.to_string())
                    .map(|schema| schema.constraints.as_slice())
                    .unwrap_or_default();
                for field in fields.named.iter_mut() {
                    let Some(ident) = field.ident.as_ref().map(ToString::to_string) else {
                        continue;
                    };
                    let wire = serde_rename(&field.attrs).unwrap_or_else(|| ident.clone());
                    let mut rules: Vec<TokenStream> = constraints
                        .iter()
                        .filter(|c| c.property == wire)
                        .filter_map(|c| match &c.rule {
                            Rule::Ipv4Cidr => Some(quote!(cidr)),
                            Rule::EachIpv4Cidr => Some(quote!(each(cidr))),
                            Rule::Md5Key => Some(quote!(md5_key)),
                            Rule::SamePrefixAs(other) => {
                                let target =
                                    idents.get(other).cloned().unwrap_or_else(|| other.clone());
                                Some(quote!(same_prefix = #target))
                            }
                            Rule::Minimum(n) => {
                                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                                Some(quote!(minimum = #n))
                            }
                            Rule::Maximum(n) => {
                                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                                Some(quote!(maximum = #n))
                            }
                            // A pattern without an x-cni-format rule stays with typify's
                            // validating newtype.
                            Rule::Pattern(_) => None,
                        })
                        .collect();
                    if innermost(&field.ty).is_some_and(|t| generated.contains(&t)) {
                        rules.push(quote!(nested));
                    }
                    if !rules.is_empty() {
                        field.attrs.push(parse_quote!(#[validate(#(#rules),*)]));
                    }
                }
            }
            _ => {}
        }
    }
    file.items.extend(by_hand);
}

/// The derive validates every member of an enum; an untagged union with a member that is not
/// one of the generated types (`String`, a date) has nothing to validate there, so its impl is
/// written here, validating the generated members only. `None`: the derive fits.
fn enum_validation(
    e: &syn::ItemEnum,
    generated: &BTreeSet<String>,
    validate_crate: &TokenStream,
) -> Option<Item> {
    fn payload(v: &syn::Variant) -> Option<&Type> {
        match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
            _ => None,
        }
    }
    let all_generated = e.variants.iter().all(|v| {
        matches!(v.fields, Fields::Unit)
            || payload(v)
                .and_then(innermost)
                .is_some_and(|t| generated.contains(&t))
    });
    if all_generated {
        return None;
    }
    let name = &e.ident;
    let arms = e.variants.iter().filter_map(|v| {
        let ident = &v.ident;
        payload(v)
            .and_then(innermost)
            .filter(|t| generated.contains(t))
            .map(|_| quote!(Self::#ident(inner) => #validate_crate::Validate::validate_into(inner, path, report),))
    });
    Some(parse_quote! {
        impl #validate_crate::Validate for #name {
            // One arm per generated member, and `_` for the rest: a `match` in every shape.
            #[allow(unused_variables, clippy::single_match)]
            fn validate_into(&self, path: &#validate_crate::Path<'_>, report: &mut #validate_crate::Report) {
                #[allow(unreachable_patterns)]
                match self {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    })
}
/// The pass: the derive and the field rules on the types.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &crate::paths::Paths,
) -> Result<(), crate::error::EmitError> {
    add_validation(&mut generated.types, model, &paths.validate);
    Ok(())
}
