//! `#[derive(Validate)]`: implements `cloudflare_cni_validate::Validate` from `#[validate(...)]`
//! field attributes. Use it through `cloudflare-cni-validate`, which re-exports it and
//! documents the rules.
//!
//! The macro runs in three steps, syntax → check → emit. Every mistake is reported at once,
//! each spanned at what is wrong, and an empty impl is still emitted so that one mistake gives
//! one message, not a cascade.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, GenericArgument, LitStr, PathArguments, Type};

const RULES: &str = "cidr, each(cidr), each(md5_key), same_prefix = \"field\", md5_key, minimum = N, maximum = N, max_length = N, nested";
const RULE_NAMES: [&str; 8] = [
    "max_length",
    "cidr",
    "each",
    "same_prefix",
    "md5_key",
    "minimum",
    "maximum",
    "nested",
];

#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    expand(&input).into()
}

// ---------------------------------------------------------------------------------------------
// Syntax

/// A string rule that `each(...)` can apply to list items too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StrRule {
    Cidr,
    Md5Key,
}

enum Rule {
    Str(StrRule, Span),
    Each(StrRule, Span),
    SamePrefix(LitStr),
    Minimum(syn::Expr, Span),
    Maximum(syn::Expr, Span),
    MaxLength(syn::Expr, Span),
    Nested(Span),
}

/// What a field's type is, as far as the rules care.
#[derive(Clone, PartialEq, Eq)]
enum Shape {
    Str,
    Int,
    List(Box<Shape>),
    Other,
}

struct FieldInfo {
    ident: syn::Ident,
    wire: String,
    optional: bool,
    shape: Shape,
    ty: Type,
    rules: Vec<Rule>,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn generic_arg(segment: &syn::PathSegment) -> Option<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn shape_of(ty: &Type) -> Shape {
    if let Type::Reference(r) = ty {
        return shape_of(&r.elem);
    }
    let Some(segment) = last_segment(ty) else {
        return Shape::Other;
    };
    let name = segment.ident.to_string();
    match name.as_str() {
        "String" | "str" => Shape::Str,
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
        | "usize" | "NonZeroI8" | "NonZeroI16" | "NonZeroI32" | "NonZeroI64" | "NonZeroU8"
        | "NonZeroU16" | "NonZeroU32" | "NonZeroU64" | "NonZeroUsize" => Shape::Int,
        "Vec" => generic_arg(segment)
            .map(|inner| Shape::List(Box::new(shape_of(inner))))
            .unwrap_or(Shape::Other),
        _ => Shape::Other,
    }
}

/// `Option<T>` → `(true, T)`; anything else → `(false, itself)`.
fn unwrap_option(ty: &Type) -> (bool, &Type) {
    match last_segment(ty) {
        Some(segment) if segment.ident == "Option" => match generic_arg(segment) {
            Some(inner) => (true, inner),
            None => (false, ty),
        },
        _ => (false, ty),
    }
}

/// The field's serde wire name: `#[serde(rename = "...")]`, or the identifier without `r#`.
fn wire_name(ident: &syn::Ident, attrs: &[Attribute]) -> String {
    let mut name = ident.to_string().trim_start_matches("r#").to_string();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Ok(value) = meta.value().and_then(|v| v.parse::<LitStr>()) {
                    name = value.value();
                }
            } else if meta.input.peek(syn::Token![=]) {
                // Skip the value of any other `key = value`.
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    name
}

fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn parse_str_rule(ident: &syn::Ident) -> Option<StrRule> {
    if ident == "cidr" {
        Some(StrRule::Cidr)
    } else if ident == "md5_key" {
        Some(StrRule::Md5Key)
    } else {
        None
    }
}

fn parse_rules(attrs: &[Attribute], errors: &mut Vec<syn::Error>) -> Vec<Rule> {
    let mut rules = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("validate")) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident().cloned() else {
                return Err(meta.error(format!("expected a rule: {RULES}")));
            };
            let span = ident.span();
            let name = ident.to_string();
            match name.as_str() {
                "cidr" | "md5_key" => rules.push(Rule::Str(
                    parse_str_rule(&ident).unwrap_or(StrRule::Cidr),
                    span,
                )),
                "nested" => rules.push(Rule::Nested(span)),
                "each" => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let inner: syn::Ident = content.parse()?;
                    match parse_str_rule(&inner) {
                        Some(rule) => rules.push(Rule::Each(rule, span)),
                        None => errors.push(syn::Error::new(
                            inner.span(),
                            format!("`each(...)` takes `cidr` or `md5_key`, not `{inner}`"),
                        )),
                    }
                }
                "same_prefix" => rules.push(Rule::SamePrefix(meta.value()?.parse()?)),
                "minimum" => rules.push(Rule::Minimum(meta.value()?.parse()?, span)),
                "maximum" => rules.push(Rule::Maximum(meta.value()?.parse()?, span)),
                "max_length" => rules.push(Rule::MaxLength(meta.value()?.parse()?, span)),
                _ => {
                    errors.push(syn::Error::new(
                        span,
                        format!(
                            "unknown validation rule `{name}`{}; the rules are: {RULES}",
                            suggestion(&name, RULE_NAMES)
                        ),
                    ));
                    // Consume any `= value` or `(...)` so parsing continues with the next rule.
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    } else if meta.input.peek(syn::token::Paren) {
                        let _content;
                        syn::parenthesized!(_content in meta.input);
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    rules
}

// ---------------------------------------------------------------------------------------------
// Check

fn type_text(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

fn check_field(field: &FieldInfo, all: &[FieldInfo], errors: &mut Vec<syn::Error>) {
    let ty = type_text(&field.ty);
    for rule in &field.rules {
        match rule {
            Rule::Str(kind, span) => {
                if field.shape != Shape::Str {
                    let name = if *kind == StrRule::Cidr {
                        "cidr"
                    } else {
                        "md5_key"
                    };
                    errors.push(syn::Error::new(
                        *span,
                        format!(
                            "`{name}` applies to a `String` or `Option<String>` field, not `{ty}`"
                        ),
                    ));
                }
            }
            Rule::Each(_, span) => {
                if field.shape != Shape::List(Box::new(Shape::Str)) {
                    errors.push(syn::Error::new(
                        *span,
                        format!("`each(...)` applies to a `Vec<String>` field, not `{ty}`"),
                    ));
                }
            }
            Rule::Minimum(_, span) | Rule::Maximum(_, span) => {
                if field.shape != Shape::Int {
                    errors.push(syn::Error::new(
                        *span,
                        format!("`minimum` and `maximum` apply to integer fields, not `{ty}`"),
                    ));
                }
            }
            Rule::MaxLength(_, span) => {
                if field.shape != Shape::Str {
                    errors.push(syn::Error::new(
                        *span,
                        format!("`max_length` applies to a `String` or `Option<String>` field, not `{ty}`"),
                    ));
                }
            }
            Rule::SamePrefix(target) => {
                if field.shape != Shape::Str {
                    errors.push(syn::Error::new(
                        target.span(),
                        format!("`same_prefix` applies to a `String` or `Option<String>` field, not `{ty}`"),
                    ));
                }
                let wanted = target.value();
                let names: Vec<String> = all.iter().map(|f| f.ident.to_string()).collect();
                match all.iter().find(|f| f.ident == wanted) {
                    None => errors.push(syn::Error::new(
                        target.span(),
                        format!(
                            "`same_prefix` names `{wanted}`, which is not a field of this struct{}",
                            suggestion(&wanted, names.iter().map(String::as_str))
                        ),
                    )),
                    Some(other) if other.shape != Shape::Str => errors.push(syn::Error::new(
                        target.span(),
                        format!("`same_prefix` names `{wanted}`, which is not a string field"),
                    )),
                    Some(other) if other.ident == field.ident => errors.push(syn::Error::new(
                        target.span(),
                        "`same_prefix` must name another field",
                    )),
                    Some(_) => {}
                }
            }
            Rule::Nested(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Emit

fn emit_rule(rule: &Rule, all: &[FieldInfo]) -> TokenStream {
    let p = quote!(::cloudflare_cni_validate::__private);
    let str_check = |kind: StrRule| match kind {
        StrRule::Cidr => quote!(#p::check_cidr),
        StrRule::Md5Key => quote!(#p::check_md5_key),
    };
    match rule {
        Rule::Str(kind, span) => {
            let check = str_check(*kind);
            quote_spanned!(*span=> #check(::core::convert::AsRef::<str>::as_ref(__value), &__field_path, __report);)
        }
        Rule::Each(kind, span) => {
            let check = str_check(*kind);
            quote_spanned! {*span=>
                for (__index, __item) in __value.iter().enumerate() {
                    let __item_path = __field_path.index(__index);
                    #check(::core::convert::AsRef::<str>::as_ref(__item), &__item_path, __report);
                }
            }
        }
        Rule::Minimum(bound, span) => quote_spanned! {*span=>
            #p::check_minimum(#p::Integer::as_i128(__value), { const BOUND: i128 = #bound; BOUND }, &__field_path, __report);
        },
        Rule::Maximum(bound, span) => quote_spanned! {*span=>
            #p::check_maximum(#p::Integer::as_i128(__value), { const BOUND: i128 = #bound; BOUND }, &__field_path, __report);
        },
        Rule::MaxLength(bound, span) => quote_spanned! {*span=>
            #p::check_max_length(::core::convert::AsRef::<str>::as_ref(__value), { const BOUND: usize = #bound; BOUND }, &__field_path, __report);
        },
        Rule::SamePrefix(target) => {
            let Some(other) = all.iter().find(|f| f.ident == target.value()) else {
                return TokenStream::new();
            };
            let other_ident = &other.ident;
            let other_wire = &other.wire;
            let call = quote! {
                #p::check_same_prefix(
                    ::core::convert::AsRef::<str>::as_ref(__value),
                    ::core::convert::AsRef::<str>::as_ref(__other),
                    #other_wire,
                    &__field_path,
                    __report,
                );
            };
            if other.optional {
                quote!(if let ::core::option::Option::Some(__other) = &self.#other_ident { #call })
            } else {
                quote!({ let __other = &self.#other_ident; #call })
            }
        }
        Rule::Nested(span) => quote_spanned! {*span=>
            #p::Validate::validate_into(__value, &__field_path, __report);
        },
    }
}

fn emit_field(field: &FieldInfo, all: &[FieldInfo]) -> TokenStream {
    if field.rules.is_empty() {
        return TokenStream::new();
    }
    let ident = &field.ident;
    let wire = &field.wire;
    let body: TokenStream = field.rules.iter().map(|r| emit_rule(r, all)).collect();
    let bind = if field.optional {
        quote!(if let ::core::option::Option::Some(__value) = &self.#ident { #body })
    } else {
        quote!({ let __value = &self.#ident; #body })
    };
    quote! {{
        let __field_path = __path.field(#wire);
        #bind
    }}
}

fn expand(input: &DeriveInput) -> TokenStream {
    let mut errors = Vec::new();
    let body = match &input.data {
        Data::Struct(data) => {
            let fields: Vec<FieldInfo> = match &data.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .filter_map(|f| {
                        let ident = f.ident.clone()?;
                        let (optional, inner) = unwrap_option(&f.ty);
                        Some(FieldInfo {
                            wire: wire_name(&ident, &f.attrs),
                            ident,
                            optional,
                            shape: shape_of(inner),
                            ty: f.ty.clone(),
                            rules: parse_rules(&f.attrs, &mut errors),
                        })
                    })
                    .collect(),
                Fields::Unit => Vec::new(),
                Fields::Unnamed(unnamed) => {
                    // A newtype (typify's validating string wrappers) checks itself when built;
                    // rules on its field are not supported.
                    for field in &unnamed.unnamed {
                        if let Some(attr) =
                            field.attrs.iter().find(|a| a.path().is_ident("validate"))
                        {
                            errors.push(syn::Error::new(
                                attr.span(),
                                "`#[validate(...)]` is supported on named fields only",
                            ));
                        }
                    }
                    Vec::new()
                }
            };
            for field in &fields {
                check_field(field, &fields, &mut errors);
            }
            fields
                .iter()
                .map(|f| emit_field(f, &fields))
                .collect::<TokenStream>()
        }
        Data::Enum(data) => {
            let arms: Vec<TokenStream> = data
                .variants
                .iter()
                .map(|variant| {
                    let name = &variant.ident;
                    match &variant.fields {
                        Fields::Unit => quote!(Self::#name => {}),
                        Fields::Unnamed(f) if f.unnamed.len() == 1 => quote! {
                            Self::#name(__inner) => ::cloudflare_cni_validate::__private::Validate::validate_into(__inner, __path, __report),
                        },
                        other => {
                            errors.push(syn::Error::new(
                                other.span(),
                                "#[derive(Validate)] supports unit variants and one-field tuple variants",
                            ));
                            quote!(_ => {})
                        }
                    }
                })
                .collect();
            if arms.is_empty() {
                TokenStream::new()
            } else {
                quote!(match self { #(#arms)* })
            }
        }
        Data::Union(u) => {
            errors.push(syn::Error::new(
                u.union_token.span(),
                "#[derive(Validate)] does not support unions",
            ));
            TokenStream::new()
        }
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(::cloudflare_cni_validate::__private);
    if !errors.is_empty() {
        let compile_errors = errors.iter().map(syn::Error::to_compile_error);
        return quote! {
            #(#compile_errors)*
            impl #impl_generics #p::Validate for #name #ty_generics #where_clause {
                fn validate_into(&self, _: &#p::Path<'_>, _: &mut #p::Report) {}
            }
        };
    }
    quote! {
        impl #impl_generics #p::Validate for #name #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn validate_into(&self, __path: &#p::Path<'_>, __report: &mut #p::Report) {
                #body
            }
        }
    }
}
