//! End to end: the generated client against the emulator (built on the generated server
//! trait) over real HTTP on 127.0.0.1, through every operation and the emulator's rules.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError};
use cloudflare_cni_emulator::{load_slots, Emulator, EmulatorConfig, SlotSeed};
use cloudflare_cni_tests::{cni_body, direct};
use cloudflare_cni_validate::Code;
use futures::TryStreamExt;

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

fn status(error: &CniError) -> u16 {
    error.status().map(|s| s.as_u16()).unwrap_or(0)
}

#[tokio::test]
async fn the_whole_lifecycle_through_every_operation() {
    let base = start(config()).await;
    cloudflare_cni_tests::walk_every_operation(&client(&base), A, B, Duration::from_millis(350))
        .await;
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
