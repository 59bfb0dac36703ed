//! progenitor's input: the loaded document as each feature needs progenitor to see it, each
//! feature's change made by that feature's `input` module, in one ordered list.

use crate::error::EmitError;
use crate::load::LoadedSpec;
use crate::passes::byte_bodies::input as byte_bodies;
use crate::passes::docs::input as docs;
use crate::passes::forward_compat::input as forward_compat;
use crate::passes::shared_types::input as shared_types;
use crate::passes::tagged_unions::input as tagged_unions;
use crate::passes::validation::input as validation;
use crate::paths::Paths;

/// Everything progenitor is given: the document it generates from, and the schemas typify
/// takes from a runtime instead of generating (with the path of the type it uses).
pub struct ProgenitorInput {
    pub spec: openapiv3::OpenAPI,
    pub replacements: Vec<(&'static str, String)>,
}

/// progenitor's input, each feature's change made by its own `input` module.
pub fn progenitor_input(spec: &LoadedSpec, paths: &Paths) -> Result<ProgenitorInput, EmitError> {
    let replacements = shared_types::replacements(spec.value(), paths)?;
    let mut input = spec.value().clone();
    validation::strip_covered_patterns(&mut input);
    validation::plain_parameter_types(&mut input);
    docs::indent_list_continuations(&mut input);
    tagged_unions::strip_union_tags(&mut input);
    tagged_unions::strip_union_defaults(&mut input);
    tagged_unions::any_of_values_as_one_of(&mut input);
    forward_compat::keep_unknown_fields(&mut input, &spec.model);
    forward_compat::encode_unnameable_enums(&mut input);
    byte_bodies::input(&mut input, &spec.model);
    Ok(ProgenitorInput {
        spec: serde_json::from_value(input).map_err(|e| EmitError::Output(e.to_string()))?,
        replacements,
    })
}
