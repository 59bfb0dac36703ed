//! Each rule as a plain function: a `parse_`/`validate_` function returning a typed error, and a
//! `check_` function that records that error in a [`Report`] (what the derive calls).

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::{Code, Path, Report};

/// Why a string is not an IPv4 interface address with prefix length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CidrError {
    /// The string is empty.
    Empty,
    /// The string holds a space or other whitespace.
    Whitespace,
    /// An IPv6 address was given.
    Ipv6,
    /// No `/N` part.
    MissingPrefixLength,
    /// The part before `/` is not four decimal octets 0-255 without leading zeros.
    InvalidAddress,
    /// The prefix length is not a decimal number without leading zeros.
    InvalidPrefixLength,
    /// The prefix length is above 32.
    PrefixLengthTooLong(u32),
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FORM: &str = "expected an IPv4 address with prefix length, A.B.C.D/N";
        match self {
            CidrError::Empty => write!(f, "is empty; {FORM}"),
            CidrError::Whitespace => write!(f, "contains whitespace; {FORM}"),
            CidrError::Ipv6 => write!(f, "is an IPv6 address, which is not accepted; {FORM}"),
            CidrError::MissingPrefixLength => {
                write!(f, "is a bare address without a prefix length; {FORM}")
            }
            CidrError::InvalidAddress => write!(
                f,
                "has an invalid address: it needs four decimal octets 0-255 without leading zeros; {FORM}"
            ),
            CidrError::InvalidPrefixLength => write!(
                f,
                "has an invalid prefix length: it needs a decimal number 0-32 without leading zeros; {FORM}"
            ),
            CidrError::PrefixLengthTooLong(n) => {
                write!(f, "has prefix length {n}, above 32; {FORM}")
            }
        }
    }
}

impl std::error::Error for CidrError {}

/// Parses an IPv4 interface address with prefix length, `A.B.C.D/N`, strictly: four decimal
/// octets 0-255 without leading zeros, N from 0 to 32 without leading zeros, no whitespace.
/// Host bits may be set (`192.168.3.4/31` is valid): the address is an interface's, not a
/// network's. The result keeps the address as given.
pub fn parse_cidr(text: &str) -> Result<Ipv4Net, CidrError> {
    if text.is_empty() {
        return Err(CidrError::Empty);
    }
    if text.chars().any(char::is_whitespace) {
        return Err(CidrError::Whitespace);
    }
    let (address, length) = match text.split_once('/') {
        Some(parts) => parts,
        None if text.contains(':') => return Err(CidrError::Ipv6),
        None => return Err(CidrError::MissingPrefixLength),
    };
    if address.contains(':') {
        return Err(CidrError::Ipv6);
    }
    // std's parser already refuses leading zeros, signs, and anything but 4 octets.
    let address: Ipv4Addr = address.parse().map_err(|_| CidrError::InvalidAddress)?;
    let well_formed = !length.is_empty()
        && length.len() <= 2
        && length.bytes().all(|b| b.is_ascii_digit())
        && !(length.len() > 1 && length.starts_with('0'));
    if !well_formed {
        return Err(CidrError::InvalidPrefixLength);
    }
    let length: u32 = length.parse().map_err(|_| CidrError::InvalidPrefixLength)?;
    if length > 32 {
        return Err(CidrError::PrefixLengthTooLong(length));
    }
    // The length is at most 32 here, so this cannot fail.
    Ipv4Net::new(address, length as u8).map_err(|_| CidrError::PrefixLengthTooLong(length))
}

/// Records a violation unless `value` parses with [`parse_cidr`].
pub fn check_cidr(value: &str, path: &Path<'_>, report: &mut Report) {
    if let Err(e) = parse_cidr(value) {
        report.push(path, Code::Cidr, || format!("{value:?} {e}"));
    }
}

/// Why one end of a point-to-point link does not match the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SamePrefixError {
    /// Another prefix length, or an address outside the other's network.
    OutsidePrefix {
        /// The other end's address and prefix.
        other: Ipv4Net,
    },
    /// The very same address as the other end.
    SameAddress {
        /// The other end's address and prefix.
        other: Ipv4Net,
    },
}

/// Checks that `value` lies in `other`'s network with the same prefix length, and is not
/// `other`'s own address.
///
/// Equal addresses are refused: the two ends of a point-to-point link need distinct addresses,
/// and a request that gives both ends one address is a misconfiguration this rule exists to
/// catch. Both must already be valid CIDRs; an invalid one is reported by the `cidr` rule,
/// so this returns `Ok` for it rather than reporting twice.
pub fn validate_same_prefix(value: &str, other: &str) -> Result<(), SamePrefixError> {
    let (Ok(value), Ok(other)) = (parse_cidr(value), parse_cidr(other)) else {
        return Ok(());
    };
    if value.prefix_len() != other.prefix_len() || value.network() != other.network() {
        return Err(SamePrefixError::OutsidePrefix { other });
    }
    if value.addr() == other.addr() {
        return Err(SamePrefixError::SameAddress { other });
    }
    Ok(())
}

/// Records a violation on `value` (at `path`) unless [`validate_same_prefix`] accepts it;
/// `other_name` is the other field's wire name, for the message.
pub fn check_same_prefix(
    value: &str,
    other: &str,
    other_name: &'static str,
    path: &Path<'_>,
    report: &mut Report,
) {
    match validate_same_prefix(value, other) {
        Ok(()) => {}
        Err(SamePrefixError::OutsidePrefix { other }) => report.push(path, Code::SamePrefix, || {
            format!(
                "{value:?} must lie in {other_name}'s network {}/{} with the same prefix length",
                other.network(),
                other.prefix_len()
            )
        }),
        Err(SamePrefixError::SameAddress { other }) => report.push(path, Code::SameAddress, || {
            format!(
                "{value:?} is {other_name}'s own address {}; the two ends of the link need distinct addresses",
                other.addr()
            )
        }),
    }
}

/// Why a string is not an acceptable MD5 key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Md5KeyError {
    /// The key is present but empty.
    Empty,
    /// The character at `position` (counting characters from 1) is not allowed.
    Charset {
        /// The character that is not allowed.
        character: char,
        /// Where it is, counting characters from 1.
        position: usize,
    },
}

impl fmt::Display for Md5KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Md5KeyError::Empty => f.write_str("an MD5 key, if set, must not be empty"),
            Md5KeyError::Charset {
                character,
                position,
            } => write!(
                f,
                "character {character:?} (U+{:04X}) at position {position} is not allowed in an MD5 key: \
                 only printable ASCII (0x20-0x7E) except '\"' and '?'",
                u32::from(*character)
            ),
        }
    }
}

impl std::error::Error for Md5KeyError {}

/// Whether `byte` may appear in an MD5 key: printable ASCII, 0x20 to 0x7E, except `"` and `?`.
#[inline]
pub const fn is_md5_key_byte(byte: u8) -> bool {
    matches!(byte, 0x20..=0x7E) && byte != b'"' && byte != b'?'
}

/// Checks an MD5 key: non-empty, and every character printable ASCII except `"` and `?`, so
/// tab, LF, VT, FF, CR and anything outside ASCII are refused. Reports the first offending
/// character with its position, counting characters from 1.
pub fn validate_md5_key(key: &str) -> Result<(), Md5KeyError> {
    if key.is_empty() {
        return Err(Md5KeyError::Empty);
    }
    if key.bytes().all(is_md5_key_byte) {
        return Ok(());
    }
    match key
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii() && is_md5_key_byte(*c as u8)))
    {
        Some((index, character)) => Err(Md5KeyError::Charset {
            character,
            position: index + 1,
        }),
        None => Ok(()),
    }
}

/// Records a violation unless [`validate_md5_key`] accepts `key`.
pub fn check_md5_key(key: &str, path: &Path<'_>, report: &mut Report) {
    match validate_md5_key(key) {
        Ok(()) => {}
        Err(e @ Md5KeyError::Empty) => report.push(path, Code::Md5KeyEmpty, || e.to_string()),
        Err(e) => report.push(path, Code::Md5KeyCharset, || e.to_string()),
    }
}

/// Records a violation if `value` is below `minimum`. Integers of every width widen to i128.
#[inline]
pub fn check_minimum(value: i128, minimum: i128, path: &Path<'_>, report: &mut Report) {
    if value < minimum {
        report.push(path, Code::Minimum, || {
            format!("{value} is below the minimum {minimum}")
        });
    }
}

/// Records a violation if `value` has more than `max` characters (Unicode scalar values, as
/// JSON Schema's `maxLength` counts them).
#[inline]
pub fn check_max_length(value: &str, max: usize, path: &Path<'_>, report: &mut Report) {
    // Bytes bound characters from above: only a long string needs counting.
    if value.len() > max {
        let length = value.chars().count();
        if length > max {
            report.push(path, Code::MaxLength, || {
                format!("{length} characters, more than the maximum of {max}")
            });
        }
    }
}

/// Records a violation if `value` is above `maximum`.
#[inline]
pub fn check_maximum(value: i128, maximum: i128, path: &Path<'_>, report: &mut Report) {
    if value > maximum {
        report.push(path, Code::Maximum, || {
            format!("{value} is above the maximum {maximum}")
        });
    }
}
