//! Reading and matching Rust syntax (syn) in progenitor's and typify's output: the helpers
//! every pass shares. No pass logic lives here, only questions about a piece of syntax.

use std::collections::HashMap;

use syn::{Attribute, ImplItem, Item, ItemImpl, Type};

/// The items of the inline module `name` (progenitor's `builder`, say), if the file has one.
pub fn module_items<'f>(items: &'f mut [Item], name: &str) -> Option<&'f mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(syn::ItemMod {
            ident,
            content: Some((_, items)),
            ..
        }) if ident == name => Some(items),
        _ => None,
    })
}

/// The last segment of an `impl`'s self type: `Client` for `impl Client { .. }`.
pub fn self_type_name(imp: &ItemImpl) -> Option<String> {
    type_name(&imp.self_ty)
}

/// Whether `ty` is the path `segments` (leading `::` or not, no generic arguments):
/// `is_path(ty, &["std", "string", "String"])` for `::std::string::String`.
pub fn is_path(ty: &Type, segments: &[&str]) -> bool {
    let Type::Path(syn::TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return false;
    };
    path.segments.len() == segments.len()
        && path
            .segments
            .iter()
            .zip(segments)
            .all(|(segment, name)| segment.ident == name && segment.arguments.is_none())
}

/// The last segment's name of a path type: `Interconnect` for `types::Interconnect`.
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The path rustdoc resolves a link to `ty` by (`serde_json::Number` for
/// `::serde_json::Number`, `Interconnect` for a type of the same file), when `ty` is a plain
/// path with no generic arguments.
pub fn doc_link_path(ty: &Type) -> Option<String> {
    let Type::Path(syn::TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return None;
    };
    if path.segments.iter().any(|s| !s.arguments.is_none()) {
        return None;
    }
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    Some(names.join("::"))
}

/// The `T` of `Option<T>` (any path ending in `Option`), if `ty` is one.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    generic_inner(ty, "Option")
}

/// `T` of a `Vec<T>` (any path to it).
pub fn vec_inner(ty: &Type) -> Option<&Type> {
    generic_inner(ty, "Vec")
}

/// Whether a function's signature (its arguments, bounds and where-clause) names a `Vec`
/// anywhere: an httpmock helper for a list parameter takes `&Vec<T>` or `Into<Option<&Vec<T>>>`.
pub fn signature_mentions_vec(sig: &syn::Signature) -> bool {
    // The visitor is the mutable one (the only one this crate builds syn with), on a copy.
    struct FindVec(bool);
    impl syn::visit_mut::VisitMut for FindVec {
        fn visit_type_path_mut(&mut self, path: &mut syn::TypePath) {
            if path.path.segments.last().is_some_and(|s| s.ident == "Vec") {
                self.0 = true;
            }
            syn::visit_mut::visit_type_path_mut(self, path);
        }
    }
    let mut find = FindVec(false);
    syn::visit_mut::VisitMut::visit_signature_mut(&mut find, &mut sig.clone());
    find.0
}

/// The target `X` of a function's bound `PARAM: TryInto<X>` (where-clause or inline).
pub fn try_into_target(sig: &syn::Signature, param: &str) -> Option<Type> {
    let inline = sig.generics.params.iter().filter_map(|p| match p {
        syn::GenericParam::Type(t) if t.ident == param => Some(t.bounds.iter()),
        _ => None,
    });
    let in_where = sig.generics.where_clause.iter().flat_map(|clause| {
        clause.predicates.iter().filter_map(|predicate| match predicate {
            syn::WherePredicate::Type(bound)
                if matches!(&bound.bounded_ty, Type::Path(p) if p.path.is_ident(param)) =>
            {
                Some(bound.bounds.iter())
            }
            _ => None,
        })
    });
    inline
        .chain(in_where)
        .flatten()
        .find_map(|bound| match bound {
            syn::TypeParamBound::Trait(t) => {
                let last = t.path.segments.last()?;
                if last.ident != "TryInto" {
                    return None;
                }
                match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
                        syn::GenericArgument::Type(ty) => Some(ty.clone()),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        })
}

/// `T` of `NAME<T>` (the path's last segment named `name`, one type argument).
fn generic_inner<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// `T` of a `Result<T, E>` (any path to it).
pub fn result_ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first() {
            Some(syn::GenericArgument::Type(inner)) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `ty` is `&str` (any lifetime).
pub fn is_str_ref(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if r.mutability.is_none() && is_path(&r.elem, &["str"]))
}

/// Whether a where-clause predicate bounds its type by the trait named `name` (its path's last
/// segment): `T: ::std::fmt::Display` for `Display`.
pub fn bounds_by(predicate: &syn::WherePredicate, name: &str) -> bool {
    let syn::WherePredicate::Type(bound) = predicate else {
        return false;
    };
    bound.bounds.iter().any(|b| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    })
}

/// Whether the tokens of `needle` (Rust source) appear in this order, at any depth, in
/// `haystack`: token by token, groups by delimiter and content, so spacing and spans do not
/// matter. For tests that look for a shape inside a larger output.
#[cfg(test)]
pub fn has_tokens(haystack: &impl quote::ToTokens, needle: &str) -> bool {
    use proc_macro2::{TokenStream, TokenTree};
    fn same(a: &TokenTree, b: &TokenTree) -> bool {
        match (a, b) {
            (TokenTree::Group(a), TokenTree::Group(b)) => {
                a.delimiter() == b.delimiter() && same_stream(a.stream(), b.stream())
            }
            (TokenTree::Ident(a), TokenTree::Ident(b)) => a == b,
            (TokenTree::Punct(a), TokenTree::Punct(b)) => a.as_char() == b.as_char(),
            // A literal token offers no other comparison than its spelling.
            (TokenTree::Literal(a), TokenTree::Literal(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
    fn same_stream(a: TokenStream, b: TokenStream) -> bool {
        let (a, b): (Vec<TokenTree>, Vec<TokenTree>) =
            (a.into_iter().collect(), b.into_iter().collect());
        a.len() == b.len() && a.iter().zip(&b).all(|(a, b)| same(a, b))
    }
    fn find(haystack: TokenStream, needle: &[TokenTree]) -> bool {
        let trees: Vec<TokenTree> = haystack.into_iter().collect();
        let here = trees.windows(needle.len().max(1)).any(|window| {
            window.len() == needle.len() && window.iter().zip(needle).all(|(a, b)| same(a, b))
        });
        here || trees.into_iter().any(|tree| match tree {
            TokenTree::Group(group) => find(group.stream(), needle),
            _ => false,
        })
    }
    let needle: Vec<TokenTree> = needle
        .parse::<TokenStream>()
        .expect("the needle is Rust tokens")
        .into_iter()
        .collect();
    find(haystack.to_token_stream(), &needle)
}

/// The value of `#[serde(rename = "…")]`, if present.
pub fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    let mut renamed = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                renamed = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Skip the value of any other `key = value`.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    renamed
}

/// Whether one of `attrs` is `#[serde(..., flag, ...)]` (`flatten`, `untagged`).
pub fn has_serde_flag(attrs: &[Attribute], flag: &str) -> bool {
    let mut found = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(flag) {
                found = true;
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

/// Operation id → request builder type name, from progenitor's `impl Client { pub fn
/// list_cnis(&self) -> builder::ListCnis<'_> }`: the builders as progenitor names them, not by
/// guessing its naming rule.
pub fn builder_types(file: &syn::File) -> HashMap<String, String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .filter(|imp| self_type_name(imp).as_deref() == Some("Client"))
        .flat_map(|imp| &imp.items)
        .filter_map(|member| {
            let ImplItem::Fn(f) = member else { return None };
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                return None;
            };
            let Type::Path(path) = &**ty else { return None };
            let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
            match segments[..] {
                [module, builder] if module.ident == "builder" => {
                    Some((f.sig.ident.to_string(), builder.ident.to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

/// Whether `tokens` name the crate `name` anywhere as a path's first segment (`::chrono::…`,
/// `chrono::…`), macro bodies included: the dependencies of generated code are read off its
/// token tree.
pub fn mentions_crate(tokens: proc_macro2::TokenStream, name: &str) -> bool {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let colon = |i: usize| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    tokens.iter().enumerate().any(|(i, token)| match token {
        TokenTree::Ident(ident) if ident == name => {
            // A path's first segment: `::` follows, and it is not itself after `x::`.
            let path_follows = colon(i + 1) && colon(i + 2);
            let after_segment = i >= 3
                && colon(i - 1)
                && colon(i - 2)
                && matches!(tokens[i - 3], TokenTree::Ident(_));
            path_follows && !after_segment
        }
        TokenTree::Group(group) => mentions_crate(group.stream(), name),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn tokens_are_found_at_any_depth_whatever_the_spacing() {
        let item: syn::Item =
            syn::parse_quote! { fn f() { let x: Option<::serde_json::Number> = g(a, b); } };
        assert!(has_tokens(&item, "Option<::serde_json::Number>"));
        assert!(has_tokens(&item, "g (a , b)"));
        assert!(!has_tokens(&item, "g(b, a)"));
        assert!(!has_tokens(&item, "f64"));
    }

    #[test]
    fn paths_bounds_and_names_are_read_from_syntax() {
        let string: Type = syn::parse_quote!(::std::string::String);
        assert!(is_path(&string, &["std", "string", "String"]));
        assert!(!is_path(&string, &["String"]));
        let generic: Type = syn::parse_quote!(::std::vec::Vec<u8>);
        assert!(!is_path(&generic, &["std", "vec", "Vec"]));
        assert!(is_path(
            &syn::parse_quote!(UnknownVariant),
            &["UnknownVariant"]
        ));
        assert_eq!(
            type_name(&syn::parse_quote!(types::Interconnect)).as_deref(),
            Some("Interconnect")
        );
        let optional: Type = syn::parse_quote!(::std::option::Option<&'a str>);
        assert!(option_inner(&optional).is_some_and(is_str_ref));
        assert!(option_inner(&string).is_none());
        assert!(!is_str_ref(&syn::parse_quote!(&mut str)));
        let display: syn::WherePredicate =
            syn::parse_quote!(<V as TryInto<T>>::Error: ::std::fmt::Display);
        assert!(bounds_by(&display, "Display"));
        assert!(!bounds_by(&display, "Debug"));
        let named_display: syn::WherePredicate = syn::parse_quote!(DisplayLike: Clone);
        assert!(
            !bounds_by(&named_display, "Display"),
            "the bounded type's name is not a bound"
        );
    }

    #[test]
    fn a_crate_is_found_as_a_path_root_only() {
        assert!(mentions_crate(
            quote!(
                struct A {
                    at: ::chrono::DateTime<::chrono::Utc>,
                }
            ),
            "chrono"
        ));
        assert!(mentions_crate(
            quote!(
                fn f() {
                    let r = regress::Regex::new("a");
                }
            ),
            "regress"
        ));
        assert!(mentions_crate(
            quote!(lazy! { static R: ::regress::Regex = x; }),
            "regress"
        ));
        assert!(!mentions_crate(
            quote!(
                struct A {
                    chrono: String,
                }
            ),
            "chrono"
        ));
        assert!(!mentions_crate(
            quote!(
                use other::chrono::X;
            ),
            "chrono"
        ));
        assert!(!mentions_crate(
            quote!(
                const S: &str = "chrono::Utc";
            ),
            "chrono"
        ));
    }
}
