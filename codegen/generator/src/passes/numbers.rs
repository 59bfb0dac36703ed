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

/// The pass: every float type of the types crate becomes `serde_json::Number`.
pub fn apply(
    generated: &mut crate::passes::Generated,
    _model: &ApiModel,
    _paths: &Paths,
) -> Result<(), EmitError> {
    Floats.visit_file_mut(&mut generated.types);
    Ok(())
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
        assert!(!has("f64") && !has("f32"));
        assert!(has("ratio: Option<::serde_json::Number>"));
        assert!(has("samples: Vec<::serde_json::Number>"));
        assert!(has("#[derive(Clone, Debug, Eq, PartialEq)]"));
    }
}
