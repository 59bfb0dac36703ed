//! Numbers: a JSON number that is not an integer is a `serde_json::Number`, not an `f64`.
//! progenitor asks typify to derive `PartialEq` and `Eq` on every type (users compare values
//! in tests), and a float has no `Eq`: with `f64`, a `number` property Cloudflare adds would
//! take `Eq` off its type and off every type holding it, a major change for an addition.
//! `Number` is `Eq`, keeps the value exactly as it came (no re-encoding drift), and gives it
//! back with `as_f64()`.

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

/// typify's default of a `number` field is a function returning a float literal (`1_f64`):
/// once its type is `Number`, the literal is made one. Only finite literals reach here (JSON
/// has no other), so the conversion cannot fail; a literal that is not one is an error.
struct FloatDefaults(Result<(), EmitError>);

impl VisitMut for FloatDefaults {
    fn visit_item_fn_mut(&mut self, function: &mut syn::ItemFn) {
        let returns_number = matches!(&function.sig.output, syn::ReturnType::Type(_, ty)
            if crate::syntax::is_path(ty, &["serde_json", "Number"]));
        if !returns_number {
            return;
        }
        let Some(syn::Stmt::Expr(syn::Expr::Lit(literal), None)) = function.block.stmts.last_mut()
        else {
            return;
        };
        let syn::Lit::Float(float) = &literal.lit else {
            return;
        };
        match float.base10_parse::<f64>() {
            Ok(value) if value.is_finite() => {
                let value = proc_macro2::Literal::f64_suffixed(value);
                *function.block = parse_quote!({
                    // A finite literal: `from_f64` returns `Some`.
                    ::serde_json::Number::from_f64(#value).unwrap_or_else(|| ::serde_json::Number::from(0))
                });
            }
            _ => {
                self.0 = Err(EmitError::Output(format!(
                    "the default `{}` of `{}` is not a finite number",
                    float.base10_digits(),
                    function.sig.ident
                )))
            }
        }
    }
}

/// The pass: every float type of the types crate becomes `serde_json::Number`.
pub fn apply(
    generated: &mut crate::passes::Generated,
    _model: &ApiModel,
    _paths: &Paths,
) -> Result<(), EmitError> {
    Floats.visit_file_mut(&mut generated.types);
    let mut defaults = FloatDefaults(Ok(()));
    defaults.visit_file_mut(&mut generated.types);
    defaults.0
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
        assert!(has("ratio: Option<::serde_json::Number>"));
        assert!(has("samples: Vec<::serde_json::Number>"));
        assert!(has("#[derive(Clone, Debug, Eq, PartialEq)]"));
    }
}
