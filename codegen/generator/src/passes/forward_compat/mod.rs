//! Forward compatibility: types that survive the API's growth. Every generated struct and enum
//! is `#[non_exhaustive]` (a field or variant added later is then a minor release), string enums
//! keep a value they do not know (`Unknown(String)`), and the objects responses reach keep the
//! fields they do not know, so an older client decodes a newer API's answers and sends them
//! back unchanged. Requests stay strict: validation refuses an unknown value (code
//! `unknown_value`) unless the caller turns it off.

pub mod input;
pub mod output;
