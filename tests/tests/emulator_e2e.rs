//! End to end: the generated client against the emulator (built on the generated server
//! trait) over real HTTP on 127.0.0.1, through every operation and the emulator's rules.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError};
use cloudflare_cni_emulator::{load_slots, Emulator, EmulatorConfig, SlotSeed};
use cloudflare_cni_validate::{Code, Validate};
use futures::TryStreamExt;
use serde_json::json;

const A: &str = "account-a";
const B: &str = "account-b";

async fn start(config: EmulatorConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, Emulator::new(config).router())
            .await
            .unwrap()
    });
    format!("http://{address}/client/v4")
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .api_token("emulator-token")
        .build()
        .unwrap()
}

fn config() -> EmulatorConfig {
    EmulatorConfig {
        status_delay: Duration::from_millis(300),
        ..EmulatorConfig::default()
    }
}

fn cni_body(account: &str, interconnect: &str, conduit: &str) -> types::CniCreateRequest {
    serde_json::from_value(json!({
        "account": account, "interconnect": interconnect,
        "magic": {"conduit_name": conduit, "description": "test", "mtu": 1476},
        "bgp": {"customer_asn": 4200000001u32, "extra_prefixes": ["192.0.2.0/24"], "md5_key": "k`<ey>"}
    }))
    .unwrap()
}

async fn direct(
    client: &Client,
    account: &str,
    slot: uuid::Uuid,
) -> Result<types::InterconnectPhysical, CniError> {
    let body: types::InterconnectCreateRequest =
        serde_json::from_value(json!({"type": "direct", "account": account, "slot_id": slot}))
            .unwrap();
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

#[tokio::test]
async fn the_whole_lifecycle_through_every_operation() {
    let base = start(config()).await;
    let client = client(&base);

    // Slots: find a free 10G port in Dallas.
    let free: Vec<types::Slot> = client
        .list_slots()
        .account_id(A)
        .site("DFW")
        .speed("10G")
        .occupied(false)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(free.len() >= 2 && free.iter().all(|s| s.site == "DFW" && !s.occupied));
    let slot = free[0].id;

    // Interconnects: claim it.
    let icon = direct(&client, A, slot).await.unwrap();
    assert_eq!((icon.slot_id, icon.site.as_str()), (slot, "DFW"));
    let claimed = client
        .get_slot()
        .account_id(A)
        .slot(slot)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(claimed.occupied);
    assert_eq!(claimed.account.as_deref(), Some(A));
    let seen_by_b = client
        .get_slot()
        .account_id(B)
        .slot(slot)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        seen_by_b.occupied && seen_by_b.account.is_none(),
        "B sees the port taken, not by whom"
    );
    let again = direct(&client, A, slot).await.unwrap_err();
    assert_eq!(status(&again), 400, "a slot is claimed once: {again}");

    let got = client
        .get_interconnect()
        .account_id(A)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, types::Interconnect::Physical(icon.clone()));
    let status_now = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(status_now, types::InterconnectStatus::Pending(_)));
    tokio::time::sleep(Duration::from_millis(350)).await;
    let status_later = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(
        status_later,
        types::InterconnectStatus::Healthy(_)
    ));

    // The LOA is a real PDF naming the interconnect, its facility and its slot.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loa.pdf");
    client
        .get_interconnect_loa()
        .account_id(A)
        .icon(&icon.name)
        .save_to(&path)
        .await
        .unwrap();
    let pdf = lopdf::Document::load(&path).expect("the LOA parses as a PDF");
    let text = pdf.extract_text(&[1]).unwrap();
    for needle in [
        icon.name.as_str(),
        icon.facility.name.as_str(),
        &slot.to_string(),
    ] {
        assert!(text.contains(needle), "the LOA names {needle}: {text}");
    }

    // CNIs: addresses come from a /31 pool and satisfy the same-prefix rule.
    let cni = client
        .create_cni()
        .account_id(A)
        .body(cni_body(A, &icon.name, "dfw-1"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(cni.p2p_ip.ends_with("/31") && cni.cust_ip.ends_with("/31"));
    cni.validate()
        .expect("the assigned addresses pass the spec's rules");
    let duplicate = client
        .create_cni()
        .account_id(A)
        .body(cni_body(A, &icon.name, "dfw-1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&duplicate), 409, "{duplicate}");
    let other = client
        .create_cni()
        .account_id(A)
        .body(cni_body(A, &icon.name, "dfw-2"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_ne!(other.p2p_ip, cni.p2p_ip);

    let mut changed = client
        .get_cni()
        .account_id(A)
        .cni(cni.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    changed.magic.description = "primary link".into();
    let updated = client
        .update_cni()
        .account_id(A)
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
            .account_id(A)
            .cni(cni.id)
            .send()
            .await
            .unwrap()
            .into_inner(),
        changed
    );

    let on_slot: Vec<types::Cni> = client
        .list_cnis()
        .account_id(A)
        .slot(slot.to_string())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(on_slot.len(), 2);
    let by_tunnel = client
        .list_cnis()
        .account_id(A)
        .tunnel_id(cni.id.to_string())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_tunnel.items, vec![changed.clone()]);

    // An interconnect that hosts CNIs cannot be deleted; once empty it can, and frees its slot.
    let refused = client
        .delete_interconnect()
        .account_id(A)
        .icon(&icon.name)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&refused), 400, "{refused}");
    client
        .delete_cni()
        .account_id(A)
        .cni(cni.id)
        .send()
        .await
        .unwrap();
    client
        .delete_cni()
        .account_id(A)
        .cni(other.id)
        .send()
        .await
        .unwrap();
    let gone = client
        .get_cni()
        .account_id(A)
        .cni(cni.id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&gone), 404);
    client
        .delete_interconnect()
        .account_id(A)
        .icon(&icon.name)
        .send()
        .await
        .unwrap();
    assert!(
        !client
            .get_slot()
            .account_id(A)
            .slot(slot)
            .send()
            .await
            .unwrap()
            .into_inner()
            .occupied
    );

    // GCP partner interconnects: no slot, no LOA.
    let gcp: types::InterconnectCreateRequest = serde_json::from_value(json!({
        "type": "gcp_partner", "account": A, "pairing_key": "7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1", "bandwidth": "1G"
    }))
    .unwrap();
    let partner = client
        .create_interconnect()
        .account_id(A)
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
        .account_id(A)
        .type_("gcp_partner")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 1);
    let Err(no_loa) = client
        .get_interconnect_loa()
        .account_id(A)
        .icon(&partner.name)
        .send()
        .await
    else {
        panic!("a partner interconnect has no LOA");
    };
    assert_eq!(status(&no_loa), 400);

    // Settings, per account.
    assert_eq!(
        client
            .get_settings()
            .account_id(A)
            .send()
            .await
            .unwrap()
            .default_asn,
        65000
    );
    let set = client
        .update_settings()
        .account_id(A)
        .body(types::SettingsUpdateRequest {
            default_asn: Some(4_200_000_000),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(set.default_asn, 4_200_000_000);
    let kept = client
        .update_settings()
        .account_id(A)
        .body(types::SettingsUpdateRequest { default_asn: None })
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
            .account_id(B)
            .send()
            .await
            .unwrap()
            .default_asn,
        65000
    );
}

#[tokio::test]
async fn listings_paginate_with_their_filters() {
    let base = start(config()).await;
    let client = client(&base);
    let slots: Vec<types::Slot> = client
        .list_slots()
        .account_id(A)
        .occupied(false)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let icon = direct(&client, A, slots[0].id).await.unwrap();
    for n in 0..7 {
        client
            .create_cni()
            .account_id(A)
            .body(cni_body(A, &icon.name, &format!("c{n}")))
            .send()
            .await
            .unwrap();
    }
    // Raw pages: cursor/limit/next.
    let first = client
        .list_cnis()
        .account_id(A)
        .limit(3u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((first.items.len(), first.next), (3, Some(3)));
    let last = client
        .list_cnis()
        .account_id(A)
        .limit(3u64)
        .cursor(6)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((last.items.len(), last.next), (1, None));
    // The stream walks all pages with the filter kept.
    let all: Vec<types::Cni> = client
        .list_cnis()
        .account_id(A)
        .slot(slots[0].id.to_string())
        .limit(3u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<String> = all.iter().map(|c| c.magic.conduit_name.clone()).collect();
    assert_eq!(names.len(), 7);
    let none: Vec<types::Cni> = client
        .list_cnis()
        .account_id(A)
        .slot(slots[1].id.to_string())
        .limit(3u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    // Slot listings filter by address and paginate too.
    let dallas: Vec<types::Slot> = client
        .list_slots()
        .account_id(A)
        .address_contains("dallas")
        .limit(4u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(
        dallas.len() > 4
            && dallas
                .iter()
                .all(|s| s.facility.address.iter().any(|l| l.contains("Dallas")))
    );
    let occupied = client
        .list_slots()
        .account_id(A)
        .occupied(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        occupied.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![slots[0].id]
    );
}

#[tokio::test]
async fn accounts_are_isolated() {
    let base = start(config()).await;
    let client = client(&base);
    let slot = client
        .list_slots()
        .account_id(A)
        .occupied(false)
        .send()
        .await
        .unwrap()
        .into_inner()
        .items[0]
        .id;
    let icon = direct(&client, A, slot).await.unwrap();
    let cni = client
        .create_cni()
        .account_id(A)
        .body(cni_body(A, &icon.name, "mine"))
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        status(
            &client
                .get_interconnect()
                .account_id(B)
                .icon(&icon.name)
                .send()
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status(
            &client
                .get_cni()
                .account_id(B)
                .cni(cni.id)
                .send()
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status(
            &client
                .delete_cni()
                .account_id(B)
                .cni(cni.id)
                .send()
                .await
                .unwrap_err()
        ),
        404
    );
    assert!(client
        .list_cnis()
        .account_id(B)
        .send()
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(client
        .list_interconnects()
        .account_id(B)
        .send()
        .await
        .unwrap()
        .items
        .is_empty());
    // B cannot hang a CNI on A's interconnect, nor claim A's slot.
    assert_eq!(
        status(
            &client
                .create_cni()
                .account_id(B)
                .body(cni_body(B, &icon.name, "x"))
                .send()
                .await
                .unwrap_err()
        ),
        400
    );
    assert_eq!(status(&direct(&client, B, slot).await.unwrap_err()), 400);
    // A body naming another account than the path is refused.
    assert_eq!(
        status(
            &client
                .create_cni()
                .account_id(B)
                .body(cni_body(A, &icon.name, "y"))
                .send()
                .await
                .unwrap_err()
        ),
        400
    );
    // A's objects are untouched.
    assert_eq!(
        client
            .get_cni()
            .account_id(A)
            .cni(cni.id)
            .send()
            .await
            .unwrap()
            .into_inner(),
        cni
    );
}

#[tokio::test]
async fn error_envelopes_decode_in_the_client() {
    let base = start(config()).await;
    let anonymous = Client::builder().base_url(&base).build().unwrap();
    match anonymous
        .get_settings()
        .account_id(A)
        .send()
        .await
        .unwrap_err()
    {
        CniError::Api { status, errors, .. } => {
            assert_eq!(status, 401);
            assert_eq!(errors[0].code, 10000);
        }
        other => panic!("{other:?}"),
    }
    let client = client(&base);
    match client
        .get_slot()
        .account_id(A)
        .slot(uuid::Uuid::nil())
        .send()
        .await
        .unwrap_err()
    {
        CniError::Api { status, errors, .. } => {
            assert_eq!(status, 404);
            assert_eq!(errors[0].message, "Slot not found");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn validation_runs_on_both_sides() {
    let base = start(config()).await;
    let client = client(&base);
    let slot = client
        .list_slots()
        .account_id(A)
        .occupied(false)
        .send()
        .await
        .unwrap()
        .into_inner()
        .items[0]
        .id;
    let icon = direct(&client, A, slot).await.unwrap();
    let cni = client
        .create_cni()
        .account_id(A)
        .body(cni_body(A, &icon.name, "v"))
        .send()
        .await
        .unwrap()
        .into_inner();
    let mut bad = cni.clone();
    bad.cust_ip = "10.0.0.9/31".into();
    bad.bgp.as_mut().unwrap().md5_key = Some("tab\tkey".into());

    // The client refuses to send it.
    match client
        .update_cni()
        .account_id(A)
        .cni(cni.id)
        .body(bad.clone())
        .send()
        .await
        .unwrap_err()
    {
        CniError::Validation(errors) => {
            let got: Vec<(&str, Code)> = errors
                .violations
                .iter()
                .map(|v| (v.pointer.as_str(), v.code))
                .collect();
            assert_eq!(
                got,
                [
                    ("/bgp/md5_key", Code::Md5KeyCharset),
                    ("/cust_ip", Code::SamePrefix)
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    // With the client's check off, the server answers 400 with one pointer per violation.
    let lenient = client.with_request_validation(false);
    match lenient
        .update_cni()
        .account_id(A)
        .cni(cni.id)
        .body(bad)
        .send()
        .await
        .unwrap_err()
    {
        CniError::Api { status, errors, .. } => {
            assert_eq!(status, 400);
            let pointers: Vec<Option<&str>> = errors.iter().map(|e| e.pointer.as_deref()).collect();
            assert_eq!(pointers, [Some("/bgp/md5_key"), Some("/cust_ip")]);
        }
        other => panic!("{other:?}"),
    }
    // Nothing changed.
    assert_eq!(
        lenient
            .get_cni()
            .account_id(A)
            .cni(cni.id)
            .send()
            .await
            .unwrap()
            .into_inner(),
        cni
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_creates_on_twenty_slots_claim_each_once() {
    let slots: Vec<SlotSeed> = load_slots(None).unwrap().into_iter().take(20).collect();
    assert_eq!(slots.len(), 20);
    let base = start(EmulatorConfig {
        slots: slots.clone(),
        ..config()
    })
    .await;
    let client = client(&base);
    let attempts = (0..200).map(|i| {
        let client = client.clone();
        let slot = slots[i % 20].id;
        let account = format!("account-{}", i % 7);
        tokio::spawn(async move { direct(&client, &account, slot).await })
    });
    let results = futures::future::join_all(attempts).await;
    let made: Vec<types::InterconnectPhysical> = results
        .into_iter()
        .filter_map(|r| r.unwrap().ok())
        .collect();
    assert_eq!(made.len(), 20, "exactly one create per slot succeeds");
    let mut claimed: Vec<uuid::Uuid> = made.iter().map(|p| p.slot_id).collect();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), 20);
    let occupied = client
        .list_slots()
        .account_id(A)
        .occupied(true)
        .limit(100u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(occupied.items.len(), 20);
    let total: usize = futures::future::join_all((0..7).map(|n| {
        let client = client.clone();
        async move {
            client
                .list_interconnects()
                .account_id(format!("account-{n}"))
                .limit(100u64)
                .send()
                .await
                .unwrap()
                .into_inner()
                .items
                .len()
        }
    }))
    .await
    .into_iter()
    .sum();
    assert_eq!(
        total, 20,
        "exactly 20 interconnects exist across the accounts"
    );
}
