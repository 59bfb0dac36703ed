//! progenitor's input: the loaded document as each feature needs progenitor to see it, each
//! feature's change made by that feature's `input` module, in one ordered list.

use crate::error::EmitError;
use crate::passes::{docs, forward_compat, tagged_unions, validation};
use crate::load::LoadedSpec;

/// The document progenitor generates from.
pub fn progenitor_input(spec: &LoadedSpec) -> Result<openapiv3::OpenAPI, EmitError> {
    let mut input = spec.value().clone();
    validation::input::strip_covered_patterns(&mut input);
    docs::input::indent_list_continuations(&mut input);
    tagged_unions::input::strip_union_tags(&mut input);
    forward_compat::input::keep_unknown_fields(&mut input, &spec.model);
    serde_json::from_value(input).map_err(|e| EmitError::Output(e.to_string()))
}
