//! Table tests: each rule on its edge cases, with the exact code and a message that says why.

use cloudflare_cni_validate::rules::{
    parse_cidr, validate_md5_key, validate_same_prefix, CidrError, Md5KeyError, SamePrefixError,
};
use cloudflare_cni_validate::{Code, Path, Report};

#[test]
fn cidr_valid() {
    for (text, network) in [
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("255.255.255.255/32", "255.255.255.255/32"),
        ("192.168.3.4/31", "192.168.3.4/31"),
        ("10.0.0.1/8", "10.0.0.0/8"),
        ("100.64.0.0/10", "100.64.0.0/10"),
        ("1.2.3.4/0", "0.0.0.0/0"),
    ] {
        let net = parse_cidr(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        // The interface address is kept; its network is what the prefix selects.
        assert_eq!(net.to_string(), text);
        assert_eq!(net.trunc().to_string(), network, "{text}");
    }
}

#[test]
fn cidr_invalid() {
    for (text, expected) in [
        ("1.2.3.4/33", CidrError::PrefixLengthTooLong(33)),
        ("1.2.3.4/99", CidrError::PrefixLengthTooLong(99)),
        ("01.2.3.4/8", CidrError::InvalidAddress),
        ("1.2.3.4/08", CidrError::InvalidPrefixLength),
        ("1.2.3.4/00", CidrError::InvalidPrefixLength),
        ("1.2.3.4", CidrError::MissingPrefixLength),
        (" 1.2.3.4/8", CidrError::Whitespace),
        ("1.2.3.4/8 ", CidrError::Whitespace),
        ("1.2.3.4/ 8", CidrError::Whitespace),
        ("::1/128", CidrError::Ipv6),
        ("2001:db8::1", CidrError::Ipv6),
        ("", CidrError::Empty),
        ("1.2.3/8", CidrError::InvalidAddress),
        ("1.2.3.4.5/8", CidrError::InvalidAddress),
        ("256.0.0.0/8", CidrError::InvalidAddress),
        ("1.2.3.-4/8", CidrError::InvalidAddress),
        ("+1.2.3.4/8", CidrError::InvalidAddress),
        ("1.2.3.4/", CidrError::InvalidPrefixLength),
        ("1.2.3.4/+8", CidrError::InvalidPrefixLength),
        ("1.2.3.4/8/8", CidrError::InvalidPrefixLength),
        ("1.2.3.4/123", CidrError::InvalidPrefixLength),
        ("a.b.c.d/8", CidrError::InvalidAddress),
    ] {
        assert_eq!(parse_cidr(text), Err(expected.clone()), "{text:?}");
    }
}

#[test]
fn cidr_messages_say_what_is_wrong() {
    assert!(CidrError::Ipv6.to_string().contains("IPv6"));
    assert!(CidrError::MissingPrefixLength
        .to_string()
        .contains("bare address"));
    assert!(CidrError::PrefixLengthTooLong(33)
        .to_string()
        .contains("33"));
    assert!(CidrError::InvalidAddress.to_string().contains("A.B.C.D/N"));
}

#[test]
fn same_prefix() {
    let ok = [
        ("192.168.3.5/31", "192.168.3.4/31"),
        ("10.0.0.2/30", "10.0.0.1/30"),
        ("10.0.0.200/8", "10.1.2.3/8"),
        ("0.0.0.1/0", "255.0.0.0/0"),
    ];
    for (cust, p2p) in ok {
        assert_eq!(validate_same_prefix(cust, p2p), Ok(()), "{cust} in {p2p}");
    }
    let outside = [
        ("192.168.3.6/31", "192.168.3.4/31"),
        ("192.168.3.5/30", "192.168.3.4/31"),
        ("10.0.1.1/24", "10.0.0.1/24"),
    ];
    for (cust, p2p) in outside {
        assert!(
            matches!(
                validate_same_prefix(cust, p2p),
                Err(SamePrefixError::OutsidePrefix { .. })
            ),
            "{cust} vs {p2p}"
        );
    }
    // Equal addresses are refused: the two ends of a link must differ.
    assert!(matches!(
        validate_same_prefix("192.168.3.4/31", "192.168.3.4/31"),
        Err(SamePrefixError::SameAddress { .. })
    ));
    assert!(matches!(
        validate_same_prefix("10.0.0.1/32", "10.0.0.1/32"),
        Err(SamePrefixError::SameAddress { .. })
    ));
    // An invalid CIDR is the cidr rule's to report, not this one's.
    assert_eq!(validate_same_prefix("bogus", "192.168.3.4/31"), Ok(()));
}

#[test]
fn md5_key_valid() {
    for key in [
        "a",
        " ",
        "   ",
        "<a>",
        "`",
        "abcXYZ019",
        "'!@#$%^&*()+[]{}<>/.,;:_-~= |`\\",
        "~",
    ] {
        assert_eq!(validate_md5_key(key), Ok(()), "{key:?}");
    }
}

#[test]
fn md5_key_invalid_names_the_character_and_position() {
    assert_eq!(validate_md5_key(""), Err(Md5KeyError::Empty));
    for (key, character, position) in [
        ("ab\"c", '"', 3),
        ("?", '?', 1),
        ("tab\there", '\t', 4),
        ("line\n", '\n', 5),
        ("v\u{0b}t", '\u{0b}', 2),
        ("f\u{0c}f", '\u{0c}', 2),
        ("cr\r", '\r', 3),
        ("nul\0", '\0', 4),
        ("del\u{7f}", '\u{7f}', 4),
        ("caf\u{e9}", '\u{e9}', 4),
        ("\u{1F600}x", '\u{1F600}', 1),
    ] {
        let err = validate_md5_key(key).unwrap_err();
        assert_eq!(
            err,
            Md5KeyError::Charset {
                character,
                position
            },
            "{key:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(&format!("position {position}")),
            "{message}"
        );
        assert!(message.contains(&format!("{character:?}")), "{message}");
    }
}

#[test]
fn report_collects_in_order_with_pointers_and_caps() {
    let root = Path::Root;
    let mut report = Report::with_cap(2);
    cloudflare_cni_validate::rules::check_cidr("1.2.3.4", &root.field("p2p_ip"), &mut report);
    cloudflare_cni_validate::rules::check_minimum(-1, 0, &root.field("mtu"), &mut report);
    cloudflare_cni_validate::rules::check_maximum(5, 4, &root.field("x"), &mut report);
    let errors = report.finish().unwrap_err();
    assert!(errors.truncated);
    let got: Vec<(&str, Code)> = errors
        .violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.code))
        .collect();
    assert_eq!(got, vec![("/p2p_ip", Code::Cidr), ("/mtu", Code::Minimum)]);
    assert_eq!(errors.violations[1].message, "-1 is below the minimum 0");
    // Serializes with the stable codes.
    let json = serde_json::to_value(&errors).unwrap();
    assert_eq!(json["violations"][1]["code"], "minimum");
    assert_eq!(json["violations"][0]["pointer"], "/p2p_ip");
    assert!(errors
        .to_string()
        .starts_with("2+ validation errors: /p2p_ip: "));
}
