//! The shared types' output change: the types crate re-exports each shared type under its
//! schema's name.

use syn::parse_quote;

use super::input::SHARED;
use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

/// The types crate re-exports each shared type under its schema's name.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let validate = &paths.validate;
    for shared in SHARED.iter().rev() {
        if !model.schemas.contains_key(shared.schema) {
            continue;
        }
        let path: syn::Path = syn::parse_str(shared.path)
            .map_err(|e| EmitError::Output(format!("the path {}: {e}", shared.path)))?;
        generated
            .types
            .items
            .insert(0, parse_quote!(pub use #validate::#path;));
    }
    Ok(())
}
