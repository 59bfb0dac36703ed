//! Numbers: a JSON number that is not an integer is a `serde_json::Number`, not an `f64`.
//! progenitor asks typify to derive `PartialEq` and `Eq` on every type (users compare values
//! in tests), and a float has no `Eq`: with `f64`, a `number` property Cloudflare adds would
//! take `Eq` off its type and off every type holding it, a major change for an addition.
//! `Number` is `Eq`, keeps the value exactly as it came (no re-encoding drift), and gives it
//! back with `as_f64()`.
//!
//! A number or integer enum (Cloudflare's `browser_cache_ttl`: 0, 30, 60…) is typify's newtype
//! whose `TryFrom` checks the values the spec names. Its check compares `Number`s as floats,
//! and its decoding takes any number: a value a newer API adds decodes as it came, as an
//! unknown string enum value does (the forward-compatibility promise), while a value built
//! with `try_from` is still checked.

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Type};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

struct Floats;

impl VisitMut for Floats {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty {
            if path.qself.is_none() && (path.path.is_ident("f64") || path.path.is_ident("f32")) {
                *ty = parse_quote!(::serde_json::Number);
                return;
            }
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// typify writes a `number`'s default as a float literal (`1_f64` in a default function,
/// `Ttl(300_f64)` in a number enum's `Default`): once the type is `Number`, each literal is
/// made one. Only finite literals reach here (JSON has no other), so the conversion cannot
/// fail; a literal that is not one is an error. A number enum's values check (an array of
/// floats that `as_f64()` is compared with) keeps its floats.
struct FloatLiterals(Result<(), EmitError>);

/// A float literal's value and digits: `1.5_f64`, and `300_f64`, which syn reads as an integer
/// literal with a float suffix.
fn float_literal(lit: &syn::Lit) -> Option<(Result<f64, syn::Error>, String)> {
    match lit {
        syn::Lit::Float(float) => Some((float.base10_parse(), float.base10_digits().to_string())),
        syn::Lit::Int(int) if matches!(int.suffix(), "f64" | "f32") => {
            Some((int.base10_parse(), int.base10_digits().to_string()))
        }
        _ => None,
    }
}

impl VisitMut for FloatLiterals {
    fn visit_expr_mut(&mut self, expression: &mut syn::Expr) {
        match expression {
            syn::Expr::Array(_) => {}
            syn::Expr::Lit(syn::ExprLit { lit, .. }) => match float_literal(lit) {
                None => {}
                // A whole number is written as the spec wrote it (`300`, not `300.0`).
                Some((Ok(value), _))
                    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 =>
                {
                    let value = proc_macro2::Literal::i64_suffixed(value as i64);
                    *expression = parse_quote!(::serde_json::Number::from(#value));
                }
                Some((Ok(value), _)) if value.is_finite() => {
                    let value = proc_macro2::Literal::f64_suffixed(value);
                    *expression = parse_quote!(
                        // A finite literal: `from_f64` returns `Some`.
                        ::serde_json::Number::from_f64(#value).unwrap_or_else(|| ::serde_json::Number::from(0))
                    );
                }
                Some((_, digits)) => {
                    self.0 = Err(EmitError::Output(format!(
                        "the default `{digits}` is not a finite number"
                    )))
                }
            },
            _ => syn::visit_mut::visit_expr_mut(self, expression),
        }
    }
}

/// The values check of an enum newtype's `try_from`: `if ![30.0_f64, 60.0_f64].contains(&value)`,
/// the array's expression, if `block` starts with one.
fn values_check(block: &mut syn::Block) -> Option<&mut syn::Expr> {
    let Some(syn::Stmt::Expr(syn::Expr::If(check), _)) = block.stmts.first_mut() else {
        return None;
    };
    let syn::Expr::Unary(syn::ExprUnary {
        op: syn::UnOp::Not(_),
        expr,
        ..
    }) = &mut *check.cond
    else {
        return None;
    };
    let syn::Expr::MethodCall(call) = &**expr else {
        return None;
    };
    let is_check = call.method == "contains" && matches!(&*call.receiver, syn::Expr::Array(_));
    is_check.then_some(&mut *check.cond)
}

/// The impl's `fn name` body, if the impl has one.
fn method_block<'i>(imp: &'i mut syn::ItemImpl, name: &str) -> Option<&'i mut syn::Block> {
    imp.items.iter_mut().find_map(|item| match item {
        syn::ImplItem::Fn(function) if function.sig.ident == name => Some(&mut function.block),
        _ => None,
    })
}

/// The name of the trait an impl implements (its path's last segment), if it is a trait impl.
fn trait_name(imp: &syn::ItemImpl) -> Option<String> {
    let path = &imp.trait_.as_ref()?.0;
    path.segments
        .last()
        .map(|segment| segment.ident.to_string())
}

/// Number and integer enums: their check compares a `Number` as a float, and their decoding
/// takes any value. Returns the enums' names.
fn number_enums(types: &mut syn::File, validate: &proc_macro2::TokenStream) -> Vec<String> {
    let mut enums = Vec::new();
    let mut checks: Vec<syn::Item> = Vec::new();
    for item in &mut types.items {
        let syn::Item::Impl(imp) = item else { continue };
        if trait_name(imp).as_deref() != Some("TryFrom") {
            continue;
        }
        let Some(name) = crate::syntax::self_type_name(imp) else {
            continue;
        };
        let Some(block) = method_block(imp, "try_from") else {
            continue;
        };
        let Some(condition) = values_check(block) else {
            continue;
        };
        let syn::Expr::Unary(syn::ExprUnary { expr, .. }) = &*condition else {
            continue;
        };
        let syn::Expr::MethodCall(call) = &**expr else {
            continue;
        };
        let values = &call.receiver;
        let listed = match &**values {
            syn::Expr::Array(array) => array
                .elems
                .iter()
                .map(|value| match value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Float(f),
                        ..
                    }) => f.base10_digits().to_string(),
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) => i.base10_digits().to_string(),
                    other => quote::ToTokens::to_token_stream(other).to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            other => quote::ToTokens::to_token_stream(other).to_string(),
        };
        // Only where the values are numbers does the request check apply (an enum of lists or
        // objects, as Cloudflare's rulesets have, keeps typify's own check).
        let numeric = matches!(&**values, syn::Expr::Array(array) if !array.elems.is_empty()
            && array.elems.iter().all(|value| matches!(value,
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(_) | syn::Lit::Float(_), .. }))));
        let numbers = matches!(&**values, syn::Expr::Array(array) if array.elems.iter().any(|value|
            matches!(value, syn::Expr::Lit(syn::ExprLit { lit, .. }) if float_literal(lit).is_some())));
        if numbers {
            *condition =
                parse_quote!(!value.as_f64().is_some_and(|number| #values.contains(&number)));
        }
        // Decoding takes any value (a newer API's); a request must hold a known one, as a
        // string enum's `Unknown` is refused.
        if !numeric {
            enums.push(name);
            continue;
        }
        let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
        checks.push(parse_quote! {
            impl #validate::Validate for #ident {
                fn validate_into(&self, path: &#validate::Path<'_>, report: &mut #validate::Report) {
                    if <Self as ::std::convert::TryFrom<_>>::try_from(::std::clone::Clone::clone(&self.0)).is_err() {
                        report.push(path, #validate::Code::UnknownValue, || {
                            format!("unknown value {}: expected one of {}", self.0, #listed)
                        });
                    }
                }
            }
        });
        enums.push(name);
    }
    for item in &mut types.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_enum = crate::syntax::self_type_name(imp).is_some_and(|name| enums.contains(&name));
        if !is_enum || trait_name(imp).as_deref() != Some("Deserialize") {
            continue;
        }
        if let Some(block) = method_block(imp, "deserialize") {
            *block = parse_quote!({
                // Any number: a value a newer API adds is kept as it came.
                ::serde::Deserialize::deserialize(deserializer).map(Self)
            });
        }
    }
    types.items.extend(checks);
    enums
}

/// The pass: every float type of the types crate becomes `serde_json::Number`, and number
/// enums compare and decode as numbers.
pub fn apply(
    generated: &mut crate::passes::Generated,
    _model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    Floats.visit_file_mut(&mut generated.types);
    let mut literals = FloatLiterals(Ok(()));
    literals.visit_file_mut(&mut generated.types);
    number_enums(&mut generated.types, &paths.validate);
    literals.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn floats_become_numbers_wherever_a_type_is_written() {
        let mut generated = crate::passes::Generated {
            types: parse_quote! {
                #[derive(Clone, Debug, Eq, PartialEq)]
                pub struct Reading { pub ratio: Option<f64>, pub samples: Vec<f32>, pub count: i64 }
                mod builder {
                    pub struct Reading { ratio: Result<Option<f64>, String> }
                }
                // typify's default of a `number` field (Cloudflare's `ns_set`, default 1):
                // `1_f64` did not compile once the type was `Number`.
                mod defaults {
                    pub(super) fn reading_ratio() -> f64 { 1.5_f64 }
                }
                // A number enum's default (Cloudflare's `browser_cache_ttl`).
                pub struct Ttl(f64);
                impl ::std::default::Default for Ttl {
                    fn default() -> Self { Ttl(300_f64) }
                }
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
        let paths = Paths::new(&crate::config::Config::default(), quote!(::types));
        apply(&mut generated, &model, &paths).unwrap();
        let types = &generated.types;
        let has = |needle: &str| crate::syntax::has_tokens(types, needle);
        assert!(!has("f32"));
        assert!(has("fn reading_ratio() -> ::serde_json::Number"));
        assert!(has("::serde_json::Number::from_f64(1.5f64)"));
        assert!(has("Ttl(::serde_json::Number::from(300i64))"));
        assert!(has("ratio: Option<::serde_json::Number>"));
        assert!(has("samples: Vec<::serde_json::Number>"));
        assert!(has("#[derive(Clone, Debug, Eq, PartialEq)]"));
    }

    /// A number enum refuses an unknown value when validated (a request); an enum whose values
    /// are lists (Cloudflare's rulesets' messages) gets no such check: its value has no text
    /// to name (the whole document's types did not compile).
    #[test]
    fn only_number_enums_check_their_values_when_validated() {
        let mut types: syn::File = parse_quote! {
            pub struct Ttl(f64);
            impl ::std::convert::TryFrom<f64> for Ttl {
                type Error = String;
                fn try_from(value: f64) -> Result<Self, String> {
                    if ![30.0_f64, 60.0_f64].contains(&value) { Err("invalid".into()) } else { Ok(Self(value)) }
                }
            }
            pub struct Messages(Vec<Message>);
            impl ::std::convert::TryFrom<Vec<Message>> for Messages {
                type Error = String;
                fn try_from(value: Vec<Message>) -> Result<Self, String> {
                    if ![vec![]].contains(&value) { Err("invalid".into()) } else { Ok(Self(value)) }
                }
            }
        };
        let enums = number_enums(&mut types, &quote!(::validate));
        assert_eq!(enums, ["Ttl", "Messages"]);
        assert!(crate::syntax::has_tokens(
            &types,
            "impl ::validate::Validate for Ttl"
        ));
        assert!(!crate::syntax::has_tokens(&types, "Validate for Messages"));
    }
}
