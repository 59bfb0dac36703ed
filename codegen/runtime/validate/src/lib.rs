//! The validation rules the Cloudflare CNI API states in prose, as plain functions, and the
//! [`Validate`] trait that `#[derive(Validate)]` implements on the generated types; and what
//! the client and the server share besides: the error [`envelope`] and [`Secret`].
//!
//! # Rules
//!
//! | Attribute | Code | Accepts |
//! | --- | --- | --- |
//! | `cidr` | `cidr` | An IPv4 interface address with prefix length, `A.B.C.D/N` ([`rules::parse_cidr`]). |
//! | `each(cidr)` | `cidr` | Every item of a list is such an address. |
//! | `same_prefix = "other"` | `same_prefix`, `same_address` | This address lies in `other`'s network with the same prefix length, and is not `other`'s address ([`rules::check_same_prefix`]). |
//! | `md5_key` | `md5_key_empty`, `md5_key_charset` | A non-empty key of printable ASCII except `"` and `?` ([`rules::check_md5_key`]). |
//! | `minimum = N`, `maximum = N` | `minimum`, `maximum` | An integer within the bound. |
//! | (generated enums and unions) | `unknown_value` | A value or kind the spec lists: one the types decoded as `Unknown` is refused. |
//! | `nested` | (the nested type's) | Validates a field whose type implements [`Validate`], through `Option`, `Vec` and `Box`. |
//!
//! A rule on an `Option` field applies to the value when present.
//!
//! # Errors
//!
//! Every violation is collected (up to [`Report::DEFAULT_CAP`]), each with a JSON pointer
//! built from the serde wire names (`/bgp/md5_key`, `/items/3/cust_ip`), a stable [`Code`] and
//! a message, in field order. Validating valid input does not allocate.
#![warn(missing_docs)]

pub mod envelope;
mod path;
pub mod rules;
mod secret;

use std::fmt;

pub use cloudflare_cni_validate_derive::Validate;
pub use path::Path;
pub use secret::{Credentials, Secret};

/// A stable, machine-readable name for each kind of violation. New kinds may come in minor
/// releases, so a `match` needs a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// Not an IPv4 interface address with prefix length, `A.B.C.D/N`.
    Cidr,
    /// Not inside the other address's network, or with another prefix length.
    SamePrefix,
    /// The same address as the other end of the link.
    SameAddress,
    /// An MD5 key that is present but empty.
    Md5KeyEmpty,
    /// An MD5 key with a character outside printable ASCII, or `"`, or `?`.
    Md5KeyCharset,
    /// An integer below its minimum.
    Minimum,
    /// An integer above its maximum.
    Maximum,
    /// An enum value or union kind this version of the types does not know: kept when
    /// decoding a response, refused when sending a request.
    UnknownValue,
    /// A string longer than its maximum length, in characters. (Variants are only ever added
    /// last: the order is `Ord`'s and the discriminants', both public.)
    MaxLength,
}

impl Code {
    /// The code as it appears in serialized errors, e.g. `md5_key_charset`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Cidr => "cidr",
            Code::SamePrefix => "same_prefix",
            Code::SameAddress => "same_address",
            Code::Md5KeyEmpty => "md5_key_empty",
            Code::Md5KeyCharset => "md5_key_charset",
            Code::Minimum => "minimum",
            Code::Maximum => "maximum",
            Code::MaxLength => "max_length",
            Code::UnknownValue => "unknown_value",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule at one place.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer to the offending value, from serde wire names (`/bgp/extra_prefixes/2`).
    pub pointer: String,
    /// What kind of rule was broken.
    pub code: Code,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.pointer, self.message, self.code)
    }
}

/// Every violation found in one value, in field order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ValidationErrors {
    /// Each broken rule, in field order.
    pub violations: Vec<Violation>,
    /// Whether more violations were found than the report's cap kept.
    pub truncated: bool,
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        write!(
            f,
            "{n}{} validation error{}: ",
            if self.truncated { "+" } else { "" },
            if n == 1 { "" } else { "s" }
        )?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A value could not be built from its parts: a required field left unset, or a part that did
/// not convert. The message names the field (`no value supplied for slot_id`). The generated
/// types' builders and `FromStr` impls fail with it, and the client's `CniError` converts from
/// it, so `?` carries it from a builder into a call's error.
#[derive(Clone, PartialEq, Eq)]
pub struct ConversionError(std::borrow::Cow<'static, str>);

impl ConversionError {
    /// What went wrong, naming the field.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConversionError").field(&self.0).finish()
    }
}

impl std::error::Error for ConversionError {}

impl From<&'static str> for ConversionError {
    fn from(message: &'static str) -> Self {
        ConversionError(message.into())
    }
}

impl From<String> for ConversionError {
    fn from(message: String) -> Self {
        ConversionError(message.into())
    }
}

/// Collects violations while a value is walked.
#[derive(Debug)]
pub struct Report {
    violations: Vec<Violation>,
    cap: usize,
    truncated: bool,
}

impl Default for Report {
    fn default() -> Self {
        Self::new()
    }
}

impl Report {
    /// How many violations a report keeps by default; a hostile body with a million bad
    /// prefixes yields 100 messages, not a million.
    pub const DEFAULT_CAP: usize = 100;

    /// An empty report that keeps up to its default cap of violations.
    pub fn new() -> Self {
        Self::with_cap(Self::DEFAULT_CAP)
    }

    /// An empty report that keeps at most `cap` violations (more are counted as truncated).
    pub fn with_cap(cap: usize) -> Self {
        Report {
            violations: Vec::new(),
            cap,
            truncated: false,
        }
    }

    /// Records a violation at `path`. The message is built only when it is kept.
    pub fn push(&mut self, path: &Path<'_>, code: Code, message: impl FnOnce() -> String) {
        if self.violations.len() >= self.cap {
            self.truncated = true;
            return;
        }
        self.violations.push(Violation {
            pointer: path.to_pointer(),
            code,
            message: message(),
        });
    }

    /// Whether no violation was recorded.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok` when nothing was recorded, else every violation kept.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors {
                violations: self.violations,
                truncated: self.truncated,
            })
        }
    }
}

/// A value whose rules can be checked. Implemented by `#[derive(Validate)]`.
pub trait Validate {
    /// Records every violation in `self`, at pointers below `path`.
    fn validate_into(&self, path: &Path<'_>, report: &mut Report);

    /// All violations in `self`, or `Ok(())`.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut report = Report::new();
        self.validate_into(&Path::Root, &mut report);
        report.finish()
    }
}

impl<T: Validate + ?Sized> Validate for &T {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        (**self).validate_into(path, report)
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        (**self).validate_into(path, report)
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        if let Some(value) = self {
            value.validate_into(path, report)
        }
    }
}

impl<T: Validate> Validate for [T] {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        for (i, item) in self.iter().enumerate() {
            item.validate_into(&path.index(i), report)
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_into(&self, path: &Path<'_>, report: &mut Report) {
        self.as_slice().validate_into(path, report)
    }
}

/// The RFC 6901 JSON pointer of the place serde failed to decode (`/items/3/slot_id`), as
/// `serde_path_to_error` records it; the client and the server both report decoding errors
/// with it.
pub fn decode_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// What the derive's output calls; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::rules::{
        check_cidr, check_max_length, check_maximum, check_md5_key, check_minimum,
        check_same_prefix,
    };
    pub use crate::{Path, Report, Validate};

    /// An integer field's value for `minimum` and `maximum`, whatever integer type typify
    /// chose (`u16`, `i64`, `NonZeroU64` for a minimum of 1).
    pub trait Integer {
        fn as_i128(&self) -> i128;
    }

    macro_rules! integers {
        ($($t:ty),*) => {$(
            impl Integer for $t {
                fn as_i128(&self) -> i128 {
                    i128::try_from(*self).unwrap_or(i128::MAX)
                }
            }
        )*};
    }
    integers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);

    macro_rules! non_zero {
        ($($t:ty),*) => {$(
            impl Integer for $t {
                fn as_i128(&self) -> i128 {
                    self.get().as_i128()
                }
            }
        )*};
    }
    non_zero!(
        ::core::num::NonZeroI8,
        ::core::num::NonZeroI16,
        ::core::num::NonZeroI32,
        ::core::num::NonZeroI64,
        ::core::num::NonZeroU8,
        ::core::num::NonZeroU16,
        ::core::num::NonZeroU32,
        ::core::num::NonZeroU64,
        ::core::num::NonZeroUsize
    );
}
