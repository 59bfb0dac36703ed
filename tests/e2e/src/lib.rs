//! Cross-crate tests live in `tests/`; this library holds the walk through every operation
//! that both the in-process end-to-end test and the conformance run through Prism use.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError};
use cloudflare_cni_validate::Validate;
use futures::TryStreamExt;
use serde_json::json;

pub fn cni_body(account: &str, interconnect: &str, conduit: &str) -> types::CniCreateRequest {
    serde_json::from_value(json!({
        "account": account, "interconnect": interconnect,
        "magic": {"conduit_name": conduit, "description": "test", "mtu": 1476},
        "bgp": {"customer_asn": 4200000001u32, "extra_prefixes": ["192.0.2.0/24"], "md5_key": "k`<ey>"}
    }))
    .expect("a valid body")
}

/// Creates a direct interconnect on `slot`.
pub async fn direct(
    client: &Client,
    account: &str,
    slot: uuid::Uuid,
) -> Result<types::InterconnectPhysical, CniError> {
    let body: types::InterconnectCreateRequest =
        serde_json::from_value(json!({"type": "direct", "account": account, "slot_id": slot}))
            .expect("a valid body");
    match client
        .create_interconnect()
        .account_id(account)
        .body(body)
        .send()
        .await?
        .into_inner()
    {
        types::Interconnect::Physical(p) => Ok(p),
        other => panic!("a direct interconnect, not {other:?}"),
    }
}

fn status(error: &CniError) -> u16 {
    error.status().map(|s| s.as_u16()).unwrap_or(0)
}

/// Every operation of an emulated API, with its rules, as account `a` (and `b` for isolation);
/// `status_delay` is at least the emulator's Pending period. Panics on the first surprise.
pub async fn walk_every_operation(client: &Client, a: &str, b: &str, status_delay: Duration) {
    let slot = find_free_slot(client, a).await;
    let icon = claim_slot(client, a, b, slot, status_delay).await;
    check_loa(client, a, &icon).await;
    let cnis = cni_lifecycle(client, a, &icon).await;
    delete_in_order(client, a, &icon, &cnis).await;
    partner_interconnect(client, a).await;
    settings_per_account(client, a, b).await;
}

/// Slots: a free 10G port in Dallas.
async fn find_free_slot(client: &Client, a: &str) -> uuid::Uuid {
    // Slots: find a free 10G port in Dallas.
    let free: Vec<types::Slot> = client
        .list_slots()
        .account_id(a)
        .site("DFW")
        .speed("10G")
        .occupied(false)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(free.len() >= 2 && free.iter().all(|s| s.site == "DFW" && !s.occupied));
    free[0].id
}

/// Interconnects: claim the slot (once), see it from both accounts, watch its status.
async fn claim_slot(
    client: &Client,
    a: &str,
    b: &str,
    slot: uuid::Uuid,
    status_delay: Duration,
) -> types::InterconnectPhysical {
    // Interconnects: claim it.
    let icon = direct(client, a, slot).await.unwrap();
    assert_eq!((icon.slot_id, icon.site.as_str()), (slot, "DFW"));
    let claimed = client
        .get_slot()
        .account_id(a)
        .slot(slot)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(claimed.occupied);
    assert_eq!(claimed.account.as_deref(), Some(a));
    let seen_by_b = client
        .get_slot()
        .account_id(b)
        .slot(slot)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        seen_by_b.occupied && seen_by_b.account.is_none(),
        "B sees the port taken, not by whom"
    );
    let again = direct(client, a, slot).await.unwrap_err();
    assert_eq!(status(&again), 400, "a slot is claimed once: {again}");

    let got = client
        .get_interconnect()
        .account_id(a)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, types::Interconnect::Physical(icon.clone()));
    let status_now = client
        .get_interconnect_status()
        .account_id(a)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(status_now, types::InterconnectStatus::Pending(_)));
    tokio::time::sleep(status_delay).await;
    let status_later = client
        .get_interconnect_status()
        .account_id(a)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(
        status_later,
        types::InterconnectStatus::Healthy(_)
    ));
    icon
}

/// The LOA is a real PDF naming the interconnect, its facility, its slot and the customer:
/// the name given, or the default name `/loa/default` announces.
async fn check_loa(client: &Client, a: &str, icon: &types::InterconnectPhysical) {
    let slot = icon.slot_id;
    let dir = tempfile::tempdir().unwrap();
    let loa_text = |name: Option<&'static str>| {
        let path = dir.path().join("loa.pdf");
        async move {
            let request = client.get_interconnect_loa().account_id(a).icon(&icon.name);
            let request = match name {
                Some(name) => request.name(name),
                None => request,
            };
            request.save_to(&path).await.unwrap();
            let pdf = lopdf::Document::load(&path).expect("the LOA parses as a PDF");
            pdf.extract_text(&[1]).unwrap()
        }
    };
    let default_name = client
        .get_interconnect_loa_default_name()
        .account_id(a)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner()
        .name;
    let text = loa_text(None).await;
    for needle in [
        icon.name.as_str(),
        icon.facility.name.as_str(),
        &slot.to_string(),
        &format!("Customer: {default_name}"),
    ] {
        assert!(text.contains(needle), "the LOA names {needle}: {text}");
    }
    let named = loa_text(Some("Acme Networks")).await;
    assert!(named.contains("Customer: Acme Networks"), "{named}");
    // The physical interconnect carries its port's router and a virtual port reservation.
    let port = client
        .get_slot()
        .account_id(a)
        .slot(slot)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        port.ccr_device_name.is_some(),
        "the catalogue names the router"
    );
    assert_eq!(icon.ccr_device_name, port.ccr_device_name);
    assert!(!icon.virtual_port_reservation_id.is_nil());
}

/// CNIs: create (409 on a repeated conduit name), get, update, list by slot and tunnel.
/// Returns the two CNIs created.
async fn cni_lifecycle(
    client: &Client,
    a: &str,
    icon: &types::InterconnectPhysical,
) -> [types::Cni; 2] {
    let slot = icon.slot_id;
    // CNIs: addresses come from a /31 pool and satisfy the same-prefix rule.
    let cni = client
        .create_cni()
        .account_id(a)
        .body(cni_body(a, &icon.name, "dfw-1"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(cni.p2p_ip.ends_with("/31") && cni.cust_ip.ends_with("/31"));
    cni.validate()
        .expect("the assigned addresses pass the spec's rules");
    let duplicate = client
        .create_cni()
        .account_id(a)
        .body(cni_body(a, &icon.name, "dfw-1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&duplicate), 409, "{duplicate}");
    let other = client
        .create_cni()
        .account_id(a)
        .body(cni_body(a, &icon.name, "dfw-2"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_ne!(other.p2p_ip, cni.p2p_ip);

    let mut changed = client
        .get_cni()
        .account_id(a)
        .cni(cni.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    changed.magic.description = "primary link".into();
    // A new CNI reports no BGP mode; one set by a PUT is stored and returned.
    assert_eq!(changed.bgp_mode, None);
    changed.bgp_mode = Some(types::BgpMode::AdvertiseOnly);
    let updated = client
        .update_cni()
        .account_id(a)
        .cni(cni.id)
        .body(changed.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated, changed);
    assert_eq!(
        client
            .get_cni()
            .account_id(a)
            .cni(cni.id)
            .send()
            .await
            .unwrap()
            .into_inner(),
        changed
    );

    let on_slot: Vec<types::Cni> = client
        .list_cnis()
        .account_id(a)
        .slot(slot.to_string())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(on_slot.len(), 2);
    let by_tunnel = client
        .list_cnis()
        .account_id(a)
        .tunnel_id(cni.id.to_string())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_tunnel.items, vec![changed.clone()]);
    [changed, other]
}

/// An interconnect that hosts CNIs cannot be deleted; once empty it can, and frees its slot.
async fn delete_in_order(
    client: &Client,
    a: &str,
    icon: &types::InterconnectPhysical,
    [cni, other]: &[types::Cni; 2],
) {
    let slot = icon.slot_id;
    let refused = client
        .delete_interconnect()
        .account_id(a)
        .icon(&icon.name)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&refused), 400, "{refused}");
    client
        .delete_cni()
        .account_id(a)
        .cni(cni.id)
        .send()
        .await
        .unwrap();
    client
        .delete_cni()
        .account_id(a)
        .cni(other.id)
        .send()
        .await
        .unwrap();
    let gone = client
        .get_cni()
        .account_id(a)
        .cni(cni.id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&gone), 404);
    client
        .delete_interconnect()
        .account_id(a)
        .icon(&icon.name)
        .send()
        .await
        .unwrap();
    assert!(
        !client
            .get_slot()
            .account_id(a)
            .slot(slot)
            .send()
            .await
            .unwrap()
            .into_inner()
            .occupied
    );
}

/// GCP partner interconnects: no slot, no LOA.
async fn partner_interconnect(client: &Client, a: &str) {
    let gcp: types::InterconnectCreateRequest = serde_json::from_value(json!({
        "type": "gcp_partner", "account": a, "pairing_key": "7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1", "bandwidth": "1G"
    }))
    .unwrap();
    let partner = client
        .create_interconnect()
        .account_id(a)
        .body(gcp)
        .send()
        .await
        .unwrap()
        .into_inner();
    let types::Interconnect::GcpPartner(partner) = partner else {
        panic!("a partner interconnect")
    };
    assert_eq!(partner.region, "europe-west3");
    let listed = client
        .list_interconnects()
        .account_id(a)
        .type_("gcp_partner")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 1);
    let Err(no_loa) = client
        .get_interconnect_loa()
        .account_id(a)
        .icon(&partner.name)
        .send()
        .await
    else {
        panic!("a partner interconnect has no LOA");
    };
    assert_eq!(status(&no_loa), 400);
}

/// Settings, per account.
async fn settings_per_account(client: &Client, a: &str, b: &str) {
    assert_eq!(
        client
            .get_settings()
            .account_id(a)
            .send()
            .await
            .unwrap()
            .default_asn,
        65000
    );
    let set = client
        .update_settings()
        .account_id(a)
        .body(types::SettingsUpdateRequest::builder().default_asn(Some(4_200_000_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(set.default_asn, 4_200_000_000);
    let kept = client
        .update_settings()
        .account_id(a)
        .body(types::SettingsUpdateRequest::builder().default_asn(None))
        .send()
        .await
        .unwrap();
    assert_eq!(
        kept.default_asn, 4_200_000_000,
        "an empty update changes nothing"
    );
    assert_eq!(
        client
            .get_settings()
            .account_id(b)
            .send()
            .await
            .unwrap()
            .default_asn,
        65000
    );
}
