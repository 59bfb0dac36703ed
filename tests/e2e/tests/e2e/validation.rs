//! The spec's rules, enforced on the generated types by the derive the generator adds.

use cloudflare_cni_types as types;
use cloudflare_cni_validate::{Code, Validate};
use serde_json::json;

use crate::heap::allocations;

fn valid_cni() -> types::Cni {
    serde_json::from_value(json!({
        "id": "8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b",
        "account": "023e105f4ecef8ad9ca31a8372d0c353",
        "interconnect": "icon-dfw-1",
        "p2p_ip": "192.168.3.4/31",
        "cust_ip": "192.168.3.5/31",
        "magic": {"conduit_name": "dfw", "description": "primary", "mtu": 1500},
        "bgp": {
            "customer_asn": 4200000000u32,
            "extra_prefixes": ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16",
                               "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15"],
            "md5_key": "s3cr<e>t`key"
        }
    }))
    .unwrap()
}

#[test]
fn a_valid_cni_passes_without_allocating() {
    let cni = valid_cni();
    let before = allocations();
    let result = cni.validate();
    let after = allocations();
    assert!(result.is_ok());
    assert_eq!(after - before, 0, "validating valid input allocated");
    // The counter does count: an invalid value allocates its report.
    let mut bad = cni.clone();
    bad.p2p_ip = "not an address".into();
    let before = allocations();
    assert!(bad.validate().is_err());
    assert!(allocations() > before);
}

#[test]
fn a_full_invalid_cni_yields_exactly_its_violations() {
    let mut cni = valid_cni();
    cni.cust_ip = "192.168.4.5/31".into(); // outside p2p_ip's /31
    let bgp = cni.bgp.as_mut().unwrap();
    bgp.extra_prefixes[3] = "10.3.0.0/33".into();
    bgp.md5_key = Some("tab\there".into());
    let errors = cni.validate().unwrap_err();
    let got: Vec<(&str, Code)> = errors
        .violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/bgp/extra_prefixes/3", Code::Cidr),
            ("/bgp/md5_key", Code::Md5KeyCharset),
            ("/cust_ip", Code::SamePrefix),
        ]
    );
    assert!(!errors.truncated);
    assert!(
        errors.violations[1].message.contains("'\\t'"),
        "{}",
        errors.violations[1].message
    );
    assert!(errors.violations[1].message.contains("position 4"));
    assert!(
        errors.violations[2].message.contains("192.168.3.4/31"),
        "{}",
        errors.violations[2].message
    );
    // The pointers resolve in the serialized value: they use the wire names.
    let wire = serde_json::to_value(&cni).unwrap();
    for v in &errors.violations {
        assert!(wire.pointer(&v.pointer).is_some(), "{}", v.pointer);
    }
}

#[test]
fn a_bad_p2p_ip_is_one_cidr_violation_not_also_a_prefix_mismatch() {
    let mut cni = valid_cni();
    cni.p2p_ip = "192.168.3.4".into();
    let errors = cni.validate().unwrap_err();
    let got: Vec<(&str, Code)> = errors
        .violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.code))
        .collect();
    assert_eq!(got, vec![("/p2p_ip", Code::Cidr)]);
}

#[test]
fn lists_and_unions_are_validated_through() {
    let mut bad = valid_cni();
    bad.cust_ip = bad.p2p_ip.clone();
    let page: types::CniList = types::CniList::builder()
        .items(vec![valid_cni(), bad])
        .try_into()
        .unwrap();
    let errors = page.validate().unwrap_err();
    assert_eq!(errors.violations[0].pointer, "/items/1/cust_ip");
    assert_eq!(errors.violations[0].code, Code::SameAddress);

    // An ASN is a `u32`: outside the ASN space it does not even decode.
    for outside in [json!(-5), json!(4_294_967_296u64)] {
        assert!(serde_json::from_value::<types::SettingsUpdateRequest>(
            json!({ "default_asn": outside })
        )
        .is_err());
    }
    let top: types::SettingsUpdateRequest = types::SettingsUpdateRequest::builder()
        .default_asn(u32::MAX)
        .build()
        .unwrap();
    assert!(top.validate().is_ok());
    let ok: types::SettingsUpdateRequest = types::SettingsUpdateRequest::builder()
        .set_default_asn(None)
        .try_into()
        .unwrap();
    assert!(ok.validate().is_ok());
}

#[test]
fn a_hostile_body_is_capped() {
    let mut cni = valid_cni();
    cni.bgp.as_mut().unwrap().extra_prefixes = vec!["nope".to_string(); 10_000];
    let errors = cni.validate().unwrap_err();
    assert_eq!(
        errors.violations.len(),
        cloudflare_cni_validate::Report::DEFAULT_CAP
    );
    assert!(errors.truncated);
}
