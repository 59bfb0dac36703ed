//! Every schema of the spec decodes from its wire JSON and encodes back to the same JSON;
//! the types responses use keep fields Cloudflare may add later and send them back unchanged
//! (request-only types drop them); the tagged unions decode by their tag and keep a kind they
//! do not know; string enums keep a value they do not know.

use cloudflare_cni_types as types;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Decodes `wire` as `T`, re-encodes it, and requires the same JSON back.
fn roundtrip<T: DeserializeOwned + Serialize>(wire: &Value) -> Result<(), String> {
    let value: T = serde_json::from_value(wire.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&value).map_err(|e| e.to_string())?;
    if &back == wire {
        Ok(())
    } else {
        Err(format!("re-encoded as {back}"))
    }
}

/// The schemas only requests use: the client builds them from what the spec names, so they
/// keep no unknown field (every other schema must).
const REQUEST_ONLY: [&str; 5] = [
    "CniCreateRequest",
    "InterconnectCreateRequest",
    "InterconnectCreateRequestGcpPartner",
    "InterconnectCreateRequestDirect",
    "SettingsUpdateRequest",
];

/// The same, after adding an unknown field to the top-level object: decoding must succeed,
/// and re-encoding gives the field back (or, for a request-only type, leaves it out).
fn keeps_unknown_fields<T: DeserializeOwned + Serialize>(
    name: &str,
    wire: &Value,
) -> Result<(), String> {
    let Value::Object(map) = wire else {
        return Ok(());
    };
    let mut extended = map.clone();
    extended.insert("field_added_later".into(), json!({"any": ["thing"]}));
    let extended = Value::Object(extended);
    let value: T = serde_json::from_value(extended.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&value).map_err(|e| e.to_string())?;
    let expected = if REQUEST_ONLY.contains(&name) {
        wire
    } else {
        &extended
    };
    if &back == expected {
        Ok(())
    } else {
        Err(format!("re-encoded as {back}"))
    }
}

type Check = fn(&Value) -> Result<(), String>;
type NamedCheck = fn(&str, &Value) -> Result<(), String>;

macro_rules! cases {
    ($($schema:ident => $wire:expr),* $(,)?) => {
        vec![$((stringify!($schema), roundtrip::<types::$schema> as Check, keeps_unknown_fields::<types::$schema> as NamedCheck, $wire)),*]
    };
}

fn facility() -> Value {
    json!({"name": "Equinix DA3", "address": ["1950 N Stemmons Fwy", "Dallas, TX 75207"]})
}

fn bgp() -> Value {
    json!({"customer_asn": 4200000000u32, "extra_prefixes": ["10.1.0.0/16", "10.2.0.0/24"], "md5_key": "s3cr<e>t`key"})
}

fn cni() -> Value {
    json!({
        "id": "8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b",
        "account": "023e105f4ecef8ad9ca31a8372d0c353",
        "interconnect": "icon-dfw-1",
        "p2p_ip": "192.168.3.4/31",
        "cust_ip": "192.168.3.5/31",
        "magic": {"conduit_name": "dfw-primary", "description": "Primary conduit", "mtu": 1500},
        "bgp": bgp(),
        "bgp_mode": "advertise_only"
    })
}

fn physical() -> Value {
    json!({
        "type": "direct", "account": "023e105f4ecef8ad9ca31a8372d0c353", "name": "icon-dfw-1",
        "owner": "netops", "slot_id": "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b", "site": "DFW",
        "speed": "10G", "facility": facility(),
        "virtual_port_reservation_id": "0b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f", "ccr_device_name": "ccr01-dfw01"
    })
}

fn gcp_partner() -> Value {
    json!({"type": "gcp_partner", "account": "023e105f4ecef8ad9ca31a8372d0c353", "name": "icon-gcp-1", "region": "us-central1", "speed": "5G",
           "virtual_port_reservation_id": "1b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"})
}

fn slot() -> Value {
    json!({"id": "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b", "occupied": true, "site": "DFW", "speed": "10G", "facility": facility(), "account": "023e105f4ecef8ad9ca31a8372d0c353", "ccr_device_name": "ccr01-dfw01"})
}

fn message() -> Value {
    json!({"code": 1004, "message": "cust_ip must lie in p2p_ip's prefix", "documentation_url": "https://developers.cloudflare.com/", "source": {"pointer": "/cust_ip"}})
}

/// A union member's wire form: without the union's tag.
fn untagged(mut wire: Value) -> Value {
    if let Value::Object(map) = &mut wire {
        map.remove("type");
    }
    wire
}

#[test]
fn every_schema_roundtrips_and_keeps_new_fields() {
    let all = cases![
        ApiBandwidth => json!("10G"),
        BgpControl => bgp(),
        BgpMode => json!("dynamic_route_exchange"),
        Cni => cni(),
        CniCreateRequest => json!({"account": "a", "interconnect": "icon-dfw-1", "magic": {"conduit_name": "c", "description": "d", "mtu": 9000}}),
        CniList => json!({"items": [cni()], "next": 17}),
        DefaultNameResponse => json!({"name": "Acme Networks"}),
        ErrorEnvelope => json!({"success": false, "errors": [message()], "messages": [], "result": null}),
        FacilityInfo => facility(),
        Interconnect => physical(),
        InterconnectCreateRequest => json!({"type": "gcp_partner", "account": "a", "pairing_key": "7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/us-central1/1", "bandwidth": "1G"}),
        // A union's members do not carry its tag: the union writes it.
        InterconnectCreateRequestDirect => json!({"account": "a", "slot_id": "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b", "speed": "10G"}),
        InterconnectCreateRequestGcpPartner => json!({"account": "a", "pairing_key": "k", "bandwidth": "50M"}),
        InterconnectDirect => untagged(physical()),
        InterconnectGcpPartner => untagged(gcp_partner()),
        InterconnectList => json!({"items": [physical(), gcp_partner()], "next": 0}),
        InterconnectStatus => json!({"state": "Unhealthy", "reason": "BGP session flapping"}),
        InterconnectStatusDown => json!({"reason": "no light on port"}),
        InterconnectStatusHealthy => json!({}),
        InterconnectStatusPending => json!({}),
        InterconnectStatusUnhealthy => json!({}),
        MagicSettings => json!({"conduit_name": "c", "description": "", "mtu": 0}),
        ResponseMessage => message(),
        ResponseMessageSource => json!({"pointer": "/bgp/md5_key"}),
        Settings => json!({"default_asn": 4294967295u32}),
        SettingsUpdateRequest => json!({"default_asn": 65000}),
        Slot => slot(),
        SlotList => json!({"items": [slot()]}),
    ];

    // Every schema of the spec has a case here, and no case names a schema the spec lacks.
    let spec_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/cni.yaml"))
            .unwrap();
    let spec = &yaml_rust2::YamlLoader::load_from_str(&spec_text).unwrap()[0];
    let mut in_spec: Vec<String> = spec["components"]["schemas"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    in_spec.sort();
    let covered: Vec<String> = all.iter().map(|(name, ..)| name.to_string()).collect();
    assert_eq!(
        covered, in_spec,
        "one round-trip case per schema, in name order"
    );

    let mut failures = Vec::new();
    for (name, exact, extended, wire) in &all {
        if let Err(e) = exact(wire) {
            failures.push(format!("{name}: {wire} did not round-trip: {e}"));
        }
        if let Err(e) = extended(name, wire) {
            failures.push(format!("{name}: with an unknown field: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn interconnect_union_decodes_each_variant_by_its_tag() {
    let direct: types::Interconnect = serde_json::from_value(physical()).unwrap();
    assert!(matches!(direct, types::Interconnect::Direct(ref p) if p.site == "DFW"));
    let partner: types::Interconnect = serde_json::from_value(gcp_partner()).unwrap();
    assert!(
        matches!(partner, types::Interconnect::GcpPartner(ref g) if g.speed == Some(types::ApiBandwidth::Gbps5))
    );
}

#[test]
fn a_union_answers_which_member_it_is_and_what_every_member_has() {
    let direct: types::Interconnect = serde_json::from_value(physical()).unwrap();
    assert!(direct.is_direct() && !direct.is_gcp_partner());
    assert_eq!(direct.tag(), "direct");
    let member = direct.as_direct().expect("the physical member");
    assert!(direct.as_gcp_partner().is_none());
    assert_eq!(direct.name(), Some(member.name.as_str()));
    assert_eq!(direct.account(), Some(member.account.as_str()));
    // An unknown member answers from the fields it came with.
    let mut unknown = gcp_partner();
    unknown["type"] = json!("aws_partner");
    let unknown: types::Interconnect = serde_json::from_value(unknown).unwrap();
    assert_eq!(unknown.tag(), "aws_partner");
    assert_eq!(
        unknown.name(),
        Some(gcp_partner()["name"].as_str().unwrap())
    );
    assert!(!unknown.is_direct() && !unknown.is_gcp_partner());
    // A status union names its tag by the property's name too.
    let status = types::InterconnectStatus::Healthy(Default::default());
    assert_eq!((status.state(), status.tag()), ("Healthy", "Healthy"));
    assert!(status.is_healthy() && status.as_down().is_none());
}

#[test]
fn interconnect_union_keeps_an_unknown_kind_and_refuses_a_wrong_or_missing_tag() {
    let mut wrong = physical();
    wrong["type"] = json!("gcp_partner");
    assert!(serde_json::from_value::<types::Interconnect>(wrong).is_err());
    // A kind added after this crate was made decodes, whole, and encodes back unchanged.
    let mut unknown = gcp_partner();
    unknown["type"] = json!("aws_partner");
    unknown["aws_account"] = json!("123456789012");
    let decoded: types::Interconnect = serde_json::from_value(unknown.clone()).unwrap();
    let types::Interconnect::Unknown(ref kind) = decoded else {
        panic!("an unknown kind: {decoded:?}");
    };
    assert_eq!(kind.tag(), "aws_partner");
    assert_eq!(kind.fields()["aws_account"], "123456789012");
    assert_eq!(serde_json::to_value(&decoded).unwrap(), unknown);
    // A listing with one unknown kind among known ones decodes (an older client's
    // `list_interconnects` keeps working).
    let page = json!({"items": [physical(), unknown, gcp_partner()], "next": null});
    let page: types::InterconnectList = serde_json::from_value(page).unwrap();
    assert_eq!(page.items.len(), 3);
    // A request is strict: validation refuses an unknown kind, pointing at the tag.
    let body = types::InterconnectCreateRequest::Unknown(types::UnknownVariant::new(
        "aws_partner",
        Default::default(),
    ));
    let errors = cloudflare_cni_validate::Validate::validate(&body).unwrap_err();
    assert_eq!(errors.violations[0].pointer, "/type");
    assert!(
        errors.violations[0].message.contains(r#"unknown type "aws_partner" for InterconnectCreateRequest: expected one of "direct", "gcp_partner""#),
        "{}",
        errors.violations[0].message
    );
    let mut missing = physical();
    missing.as_object_mut().unwrap().remove("type");
    let error = serde_json::from_value::<types::Interconnect>(missing)
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing field `type`"), "{error}");
    // A variant's own error names the field's path and the variant.
    let mut bad_field = physical();
    bad_field["facility"]["address"] = json!("one line");
    let error = serde_json::from_value::<types::Interconnect>(bad_field)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("facility.address: invalid type"),
        "{error}"
    );
    assert!(error.contains(r#"in a "direct" Interconnect"#), "{error}");
    // The tag may come last, and only once.
    let mut reordered = serde_json::Map::new();
    for (k, v) in physical().as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    assert!(serde_json::from_value::<types::Interconnect>(json!(reordered)).is_ok());
    let twice = r#"{"type": "direct", "type": "direct"}"#;
    let error = serde_json::from_str::<types::Interconnect>(twice).unwrap_err();
    assert!(
        error.to_string().contains("duplicate field `type`"),
        "{error}"
    );
    // A create body with the direct tag but partner fields is neither variant.
    let mixed = json!({"type": "direct", "account": "a", "pairing_key": "k", "bandwidth": "1G"});
    assert!(serde_json::from_value::<types::InterconnectCreateRequest>(mixed).is_err());
}

#[test]
fn status_union_decodes_by_state_and_keeps_unknown_states() {
    let down: types::InterconnectStatus =
        serde_json::from_value(json!({"state": "Down", "reason": null})).unwrap();
    assert!(matches!(down, types::InterconnectStatus::Down(ref d) if d.reason.is_none()));
    let healthy: types::InterconnectStatus =
        serde_json::from_value(json!({"state": "Healthy"})).unwrap();
    assert!(matches!(healthy, types::InterconnectStatus::Healthy(_)));
    assert_eq!(
        serde_json::to_value(&healthy).unwrap(),
        json!({"state": "Healthy"})
    );
    for state in ["Provisioning", "healthy", ""] {
        let wire = json!({ "state": state, "since": "2026-08-01" });
        let decoded: types::InterconnectStatus = serde_json::from_value(wire.clone()).unwrap();
        assert!(
            matches!(decoded, types::InterconnectStatus::Unknown(ref u) if u.tag() == state),
            "{state}: {decoded:?}"
        );
        assert_eq!(serde_json::to_value(&decoded).unwrap(), wire);
    }
    assert!(serde_json::from_value::<types::InterconnectStatus>(json!({"reason": "x"})).is_err());
}

#[test]
fn string_enums_keep_unknown_values_and_requests_refuse_them() {
    let known: types::ApiBandwidth = serde_json::from_value(json!("10G")).unwrap();
    assert_eq!(known, types::ApiBandwidth::Gbps10);
    assert_eq!(known.to_string(), "10G");
    let new: types::ApiBandwidth = serde_json::from_value(json!("100G")).unwrap();
    assert_eq!(new, types::ApiBandwidth::Unknown("100G".into()));
    assert_eq!(serde_json::to_value(&new).unwrap(), json!("100G"));
    assert!(!new.is_known() && known.is_known());
    assert_eq!(types::ApiBandwidth::KNOWN.len(), 12);
    // In a request body, validation refuses it at its field.
    let body: types::InterconnectCreateRequest = serde_json::from_value(json!({
        "type": "gcp_partner", "account": "a", "pairing_key": "k", "bandwidth": "100G"
    }))
    .unwrap();
    let errors = cloudflare_cni_validate::Validate::validate(&body).unwrap_err();
    assert_eq!(errors.violations[0].pointer, "/bandwidth");
    assert_eq!(
        errors.violations[0].code,
        cloudflare_cni_validate::Code::UnknownValue
    );
}

#[test]
fn a_member_is_written_with_its_own_tag() {
    // The member struct has no tag field: the union writes the member's own tag.
    let body: types::InterconnectCreateRequestDirect =
        types::InterconnectCreateRequestDirect::builder()
            .account("a")
            .slot_id(uuid::Uuid::nil())
            .try_into()
            .unwrap();
    let wire = serde_json::to_value(types::InterconnectCreateRequest::from(body)).unwrap();
    assert_eq!(wire["type"], "direct");
    assert!(
        wire.get("speed").is_none(),
        "unset optional fields are left out"
    );
}

#[test]
fn a_bad_md5_key_still_decodes_so_validation_can_point_at_it() {
    // The key is a plain string: decoding never fails on its characters; the Validate derive
    // reports it with its pointer (see tests/validation.rs).
    let mut wire = bgp();
    wire["md5_key"] = json!("what?");
    let decoded: types::BgpControl = serde_json::from_value(wire).unwrap();
    assert_eq!(decoded.md5_key.as_deref(), Some("what?"));
}

#[test]
fn asns_beyond_i32_are_representable() {
    // Private 4-byte ASNs (4200000000-4294967294) are common; Cloudflare's int32 cannot hold them.
    let settings: types::Settings =
        serde_json::from_value(json!({"default_asn": 4294967294u32})).unwrap();
    assert_eq!(settings.default_asn, 4_294_967_294);
}

#[test]
fn nullable_optional_fields_accept_null_and_absence_alike() {
    for wire in [json!({"items": [], "next": null}), json!({"items": []})] {
        let page: types::SlotList = serde_json::from_value(wire).unwrap();
        assert_eq!(page.next, None);
    }
    let create: types::InterconnectCreateRequestDirect = serde_json::from_value(
        json!({"type": "direct", "account": "a", "slot_id": uuid::Uuid::nil(), "speed": null}),
    )
    .unwrap();
    assert_eq!(create.speed, None);
    let update: types::SettingsUpdateRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!(update.default_asn, None);
}

/// The direct interconnect has one name, its tag's (`Direct`, `is_direct()`); the names it had
/// (`InterconnectPhysical`, `is_physical()`) still compile, deprecated and hidden, and mean
/// the same.
#[test]
#[allow(deprecated)]
fn the_former_names_of_the_direct_interconnect_still_work() {
    let icon: types::Interconnect = serde_json::from_value(serde_json::json!({
        "type": "direct", "account": "a", "name": "icon-1",
        "slot_id": "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b", "site": "DFW", "speed": "10G",
        "facility": {"name": "DA3", "address": ["Dallas"]},
        "virtual_port_reservation_id": "0b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"
    }))
    .unwrap();
    assert!(icon.is_direct() && icon.is_physical());
    let old: Option<&types::InterconnectPhysical> = icon.as_physical();
    let new: Option<&types::InterconnectDirect> = icon.as_direct();
    assert_eq!(old, new);
    let _: types::builder::InterconnectCreateRequestPhysicalBuilder =
        types::InterconnectCreateRequest::direct();
}
