//! The derive on hand-written types shaped like the generated ones.

use cloudflare_cni_validate::{Code, Validate};

#[derive(Validate, serde::Serialize)]
struct Bgp {
    #[validate(minimum = 0, maximum = 4294967295)]
    customer_asn: i64,
    #[validate(each(cidr))]
    extra_prefixes: Vec<String>,
    #[validate(md5_key)]
    md5_key: Option<String>,
}

#[derive(Validate, serde::Serialize)]
struct Link {
    #[validate(cidr)]
    p2p_ip: String,
    #[serde(rename = "cust_ip")]
    #[validate(cidr, same_prefix = "p2p_ip")]
    customer_address: String,
    #[validate(minimum = 0)]
    mtu: i32,
    #[validate(nested)]
    bgp: Option<Bgp>,
    unchecked: String,
}

#[derive(Validate)]
struct Page {
    #[validate(nested)]
    items: Vec<Link>,
}

#[derive(Validate)]
enum Either {
    Link(Link),
    Nothing,
}

fn link() -> Link {
    Link {
        p2p_ip: "192.168.3.4/31".into(),
        customer_address: "192.168.3.5/31".into(),
        mtu: 1500,
        bgp: Some(Bgp {
            customer_asn: 4_200_000_000,
            extra_prefixes: vec!["10.0.0.0/8".into()],
            md5_key: Some("<key>".into()),
        }),
        unchecked: " anything ".into(),
    }
}

fn found(value: &impl Validate) -> Vec<(String, Code)> {
    match value.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e
            .violations
            .into_iter()
            .map(|v| (v.pointer, v.code))
            .collect(),
    }
}

#[test]
fn valid_values_pass() {
    assert_eq!(found(&link()), vec![]);
    assert_eq!(found(&Either::Nothing), vec![]);
}

#[test]
fn every_violation_is_reported_in_field_order_with_wire_pointers() {
    let mut l = link();
    l.p2p_ip = "192.168.3.4/31".into();
    l.customer_address = "192.168.4.5/31".into();
    l.mtu = -1;
    let bgp = l.bgp.as_mut().unwrap();
    bgp.customer_asn = 4_294_967_296;
    bgp.extra_prefixes = vec!["10.0.0.0/8".into(), "10.0.0.0".into(), "::/0".into()];
    bgp.md5_key = Some("bad?key".into());
    let expected = vec![
        ("/items/1/cust_ip".to_string(), Code::SamePrefix),
        ("/items/1/mtu".to_string(), Code::Minimum),
        ("/items/1/bgp/customer_asn".to_string(), Code::Maximum),
        ("/items/1/bgp/extra_prefixes/1".to_string(), Code::Cidr),
        ("/items/1/bgp/extra_prefixes/2".to_string(), Code::Cidr),
        ("/items/1/bgp/md5_key".to_string(), Code::Md5KeyCharset),
    ];
    let page = Page {
        items: vec![link(), l],
    };
    assert_eq!(found(&page), expected);
}

#[test]
fn pointers_use_the_serde_wire_names() {
    let wire = serde_json::to_value(link()).unwrap();
    assert!(wire.get("cust_ip").is_some());
    let mut l = link();
    l.customer_address = "nonsense".into();
    let pointer = l.validate().unwrap_err().violations[0].pointer.clone();
    assert_eq!(pointer, "/cust_ip");
    assert!(
        wire.pointer(&pointer).is_some(),
        "the pointer resolves in the serialized value"
    );
}

#[test]
fn enums_delegate_to_their_variant() {
    let mut l = link();
    l.customer_address = "192.168.3.4/31".into();
    assert_eq!(
        found(&Either::Link(l)),
        vec![("/cust_ip".to_string(), Code::SameAddress)]
    );
}

#[test]
fn an_invalid_cidr_is_not_also_a_prefix_mismatch() {
    let mut l = link();
    l.customer_address = "192.168.3.5".into();
    assert_eq!(found(&l), vec![("/cust_ip".to_string(), Code::Cidr)]);
}

#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

#[derive(Validate)]
struct LoaQuery {
    #[validate(max_length = 3)]
    name: Option<String>,
}

#[test]
fn max_length_counts_characters_not_bytes() {
    let query = |name: Option<&str>| LoaQuery {
        name: name.map(str::to_string),
    };
    assert_eq!(found(&query(None)), vec![]);
    assert_eq!(found(&query(Some("abc"))), vec![]);
    // Three characters, six bytes: within the limit.
    assert_eq!(found(&query(Some("ééé"))), vec![]);
    assert_eq!(
        found(&query(Some("abcd"))),
        vec![("/name".to_string(), Code::MaxLength)]
    );
    let message = query(Some("éééé")).validate().unwrap_err().violations[0]
        .message
        .clone();
    assert_eq!(message, "4 characters, more than the maximum of 3");
}

/// typify's type for an integer with a minimum of 1 is a `NonZeroU64` (Cloudflare's
/// healthcheck `wait_time`, 1 to 5): the derive refused the bounds on it (found by compiling
/// the whole document's crates).
#[derive(Validate, serde::Serialize)]
struct Probe {
    #[validate(minimum = 1, maximum = 5)]
    wait_time: std::num::NonZeroU64,
    #[validate(minimum = 1, maximum = 5)]
    retries: Option<std::num::NonZeroU32>,
}

#[test]
fn bounds_apply_to_non_zero_integers() {
    let probe = |wait: u64, retries: Option<u32>| Probe {
        wait_time: std::num::NonZeroU64::new(wait).unwrap(),
        retries: retries.and_then(std::num::NonZeroU32::new),
    };
    assert!(found(&probe(3, Some(5))).is_empty());
    let codes: Vec<Code> = found(&probe(6, Some(9)))
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(codes, [Code::Maximum, Code::Maximum]);
}
