//! Property tests: the cidr and same-prefix rules against independent models (a regular
//! expression of the grammar, and u32 mask arithmetic).

use cloudflare_cni_validate::rules::{parse_cidr, validate_same_prefix, SamePrefixError};
use proptest::prelude::*;

/// The grammar `A.B.C.D/N` as a regular expression: octets 0-255 and N 0-32, no leading zeros.
fn grammar() -> regex::Regex {
    let octet = r"(0|[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5])";
    let length = r"([0-9]|[12][0-9]|3[0-2])";
    regex::Regex::new(&format!(r"^{octet}\.{octet}\.{octet}\.{octet}/{length}$")).unwrap()
}

fn mask(length: u8) -> u32 {
    if length == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(length))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Arbitrary short strings over the characters that matter: accepted exactly when the
    /// grammar matches.
    #[test]
    fn cidr_matches_the_grammar(text in "[0-9./: a-f]{0,20}") {
        prop_assert_eq!(parse_cidr(&text).is_ok(), grammar().is_match(&text), "{:?}", text);
    }

    /// Well-formed pieces, some with leading zeros or out of range: accepted exactly when the
    /// grammar matches, and then the parsed value is the given address and length.
    #[test]
    fn cidr_from_pieces(
        octets in proptest::array::uniform4(0u16..300),
        length in 0u8..40,
        zero_pad in proptest::option::of(0usize..4),
    ) {
        let mut parts: Vec<String> = octets.iter().map(u16::to_string).collect();
        if let Some(i) = zero_pad { parts[i] = format!("0{}", parts[i]); }
        let text = format!("{}/{}", parts.join("."), length);
        let parsed = parse_cidr(&text);
        prop_assert_eq!(parsed.is_ok(), grammar().is_match(&text), "{}", text);
        if let Ok(net) = parsed {
            let expected: Vec<u8> = octets.iter().map(|o| *o as u8).collect();
            prop_assert_eq!(net.addr().octets().to_vec(), expected);
            prop_assert_eq!(net.prefix_len(), length);
        }
    }

    /// Same prefix, against mask arithmetic on u32 addresses.
    #[test]
    fn same_prefix_matches_mask_arithmetic(
        a in any::<u32>(),
        b in any::<u32>(),
        la in 0u8..=32,
        lb in 0u8..=32,
        share_network in any::<bool>(),
    ) {
        let lb = if share_network { la } else { lb };
        // Often put b in a's network, so the interesting cases are common.
        let b = if share_network { (a & mask(la)) | (b & !mask(la)) } else { b };
        let text = |addr: u32, len: u8| format!("{}/{}", std::net::Ipv4Addr::from(addr), len);
        let model = if la != lb || (a & mask(la)) != (b & mask(lb)) {
            Some("outside")
        } else if a == b {
            Some("same")
        } else {
            None
        };
        let got = match validate_same_prefix(&text(b, lb), &text(a, la)) {
            Ok(()) => None,
            Err(SamePrefixError::OutsidePrefix { .. }) => Some("outside"),
            Err(SamePrefixError::SameAddress { .. }) => Some("same"),
        };
        prop_assert_eq!(got, model);
    }
}
