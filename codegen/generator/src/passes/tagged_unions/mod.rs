//! Tagged unions: the spec's discriminated unions as Rust enums discriminated by their tag
//! (typify's untagged `Deserialize` tries each member in turn and says only "data did not match
//! any variant"); an error names the member and the field, and a tag this version does not know
//! decodes as `Unknown`, kept whole and written back unchanged.

pub mod input;
pub mod output;
