//! The feature passes: one module per feature of the generated crates, each owning what it
//! changes in progenitor's input (its `input` module, run by [`crate::prepare`]) and what it
//! does to the output (run here, in one ordered list). A pass reads the model and the output of
//! the passes before it; it never calls back into an earlier stage or another pass.

pub mod builders;
pub mod byte_bodies;
pub mod cli;
pub mod client;
pub mod deprecation;
pub mod docs;
pub mod field_names;
pub mod forward_compat;
pub mod joined_lists;
pub mod numbers;
pub mod owned_builders;
pub mod scoped;
pub mod server;
pub mod shared_types;
pub mod tagged_unions;
pub mod validation;

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

pub use crate::progenitor::Generated;

/// A pass: what it does to the generated sources.
pub type Pass = fn(&mut Generated, &ApiModel, &Paths) -> Result<(), EmitError>;

/// Every pass, in the order they run. Validation derives `Validate` on typify's items before
/// the unions and string enums replace theirs with impls of their own; the docs pass documents
/// what every earlier pass added.
pub const PASSES: &[(&str, Pass)] = &[
    ("field names", field_names::apply),
    ("shared types", shared_types::output::apply),
    ("numbers", numbers::apply),
    ("validation", validation::output::apply),
    ("tagged unions", tagged_unions::output::apply),
    ("forward compatibility", forward_compat::output::apply),
    ("builders", builders::apply),
    ("owned builders", owned_builders::apply),
    ("joined lists", joined_lists::apply),
    ("client", client::apply),
    ("byte bodies", byte_bodies::output::apply),
    ("forms", byte_bodies::forms::apply),
    ("scoped handle", scoped::apply),
    ("documentation", docs::output::apply),
    ("server", server::apply),
    ("command-line tool", cli::apply),
    ("deprecation", deprecation::apply),
];

/// Runs every pass over `generated`, in order.
pub fn run(
    mut generated: Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<Generated, EmitError> {
    for (_, pass) in PASSES {
        pass(&mut generated, model, paths)?;
    }
    Ok(generated)
}
