//! End to end: the generated client against the emulator (built on the generated server
//! trait) over real HTTP on 127.0.0.1, through every operation and the emulator's rules.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError};
use cloudflare_cni_emulator::{load_slots, Emulator, EmulatorConfig, SlotSeed};
use cloudflare_cni_tests::{cni_body, direct, status};
use cloudflare_cni_validate::Code;

const A: &str = "account-a";
const B: &str = "account-b";

/// The emulator served on a port the OS gives: its base URL.
pub(crate) async fn start(config: EmulatorConfig) -> String {
    start_emulator(Emulator::new(config)).await
}

async fn start_emulator(emulator: Emulator) -> String {
    serve(emulator.router()).await
}

/// An emulator's router (with whatever layers a test adds) served on a port the OS gives: its
/// base URL.
pub(crate) async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
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
    EmulatorConfig::default().status_delay(Duration::from_millis(300))
}

#[tokio::test]
async fn the_whole_lifecycle_through_every_operation() {
    let base = start(config()).await;
    if let Err(e) =
        cloudflare_cni_tests::walk_every_operation(&client(&base), A, B, Duration::from_millis(350))
            .await
    {
        panic!("{e}");
    }
}

/// The walk ends with one line naming the step and the answer, not a panic, when the server
/// is not what it expects: here a server that refuses every credential.
#[tokio::test]
async fn a_walk_against_the_wrong_server_stops_naming_the_step_and_the_answer() {
    let wrong = crate::scripted::serve_fn(|_| {
        crate::scripted::json(
            401,
            serde_json::json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error"}], "messages": [], "result": null}),
        )
    })
    .await;
    let error = cloudflare_cni_tests::walk_every_operation(
        &client(&wrong.base_url),
        A,
        B,
        Duration::from_millis(1),
    )
    .await
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("walk: list free 10G slots in DFW: the API answered"),
        "{text}"
    );
    assert!(text.contains("401") && !text.contains('\n'), "{text}");
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
    assert_eq!(first.items.len(), 3);
    let second = client
        .list_cnis()
        .account_id(A)
        .limit(3u64)
        .cursor(first.next.expect("a second page"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.items.len(), 3);
    let last = client
        .list_cnis()
        .account_id(A)
        .limit(3u64)
        .cursor(second.next.expect("a third page"))
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
    // A body naming another account than the path is refused: by the client before sending,
    // and by the emulator when it is sent anyway.
    let refused = client
        .create_cni()
        .account_id(B)
        .body(cni_body(A, &icon.name, "y"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CniError::InvalidBody { reason, .. } if reason.contains(A) && reason.contains(B)),
        "{refused}"
    );
    let sent_anyway = reqwest::Client::new()
        .post(format!("{base}/accounts/{B}/cni/cnis"))
        .bearer_auth("emulator-token")
        .json(&cni_body(A, &icon.name, "y"))
        .send()
        .await
        .unwrap();
    assert_eq!(sent_anyway.status().as_u16(), 400);
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
    let anonymous = Client::builder()
        .without_credentials()
        .base_url(&base)
        .build()
        .unwrap();
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
            let pointers: Vec<Option<&str>> = errors.iter().map(|e| e.pointer()).collect();
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
    let base = start(config().slots(slots.clone())).await;
    let client = client(&base);
    let attempts = (0..200).map(|i| {
        let client = client.clone();
        let slot = slots[i % 20].id;
        let account = format!("account-{}", i % 7);
        tokio::spawn(async move { direct(&client, &account, slot).await })
    });
    let results = futures::future::join_all(attempts).await;
    let made: Vec<types::InterconnectDirect> = results
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

// ---- Issue 11: the invariants the emulator advertises, enforced ----

/// An account with one direct interconnect and `n` CNIs on it; returns the CNIs.
async fn account_with_cnis(client: &Client, account: &str, n: usize) -> Vec<types::Cni> {
    let slot = client
        .list_slots()
        .account_id(account)
        .occupied(false)
        .send()
        .await
        .unwrap()
        .into_inner()
        .items[0]
        .id;
    let icon = direct(client, account, slot).await.unwrap();
    let mut cnis = Vec::new();
    for i in 0..n {
        let body = cni_body(account, &icon.name, &format!("{account}-c{i}"));
        cnis.push(
            client
                .create_cni()
                .account_id(account)
                .body(body)
                .send()
                .await
                .unwrap()
                .into_inner(),
        );
    }
    cnis
}

#[tokio::test]
async fn a_put_cannot_take_another_cnis_addresses() {
    let base = start(config()).await;
    let client = client(&base);
    let cnis = account_with_cnis(&client, A, 3).await;
    // Copying the other CNI's addresses is refused naming it; a /30 (over its /31) is
    // refused as no link at all.
    let mut copy = cnis[0].clone();
    copy.p2p_ip = cnis[1].p2p_ip.clone();
    copy.cust_ip = cnis[1].cust_ip.clone();
    let mut wide = cnis[0].clone();
    wide.p2p_ip = "100.64.0.0/30".into();
    wide.cust_ip = "100.64.0.1/30".into();
    let other = cnis[1].id.to_string();
    for (body, says) in [(copy, other.as_str()), (wide, "a CNI link is a /31")] {
        let error = client
            .update_cni()
            .account_id(A)
            .cni(cnis[0].id)
            .body(body)
            .send()
            .await
            .unwrap_err();
        assert_eq!(status(&error), 400, "{error}");
        assert!(error.to_string().contains(says), "{error}");
        assert!(error.to_string().contains("/p2p_ip"), "{error}");
    }
    // Moving to free addresses is fine, and the pool then respects them.
    let mut moved = cnis[0].clone();
    moved.p2p_ip = "100.64.0.8/31".into();
    moved.cust_ip = "100.64.0.9/31".into();
    client
        .update_cni()
        .account_id(A)
        .cni(cnis[0].id)
        .body(moved)
        .send()
        .await
        .unwrap();
    let all: Vec<types::Cni> = client
        .list_cnis()
        .account_id(A)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut links: Vec<&str> = all.iter().map(|c| c.p2p_ip.as_str()).collect();
    links.sort();
    links.dedup();
    assert_eq!(links.len(), 3, "{links:?}");
}

#[tokio::test]
async fn deleted_links_return_to_the_pool_and_a_full_pool_answers_409() {
    let base = start(config().link_pool("100.64.0.0/29".parse().unwrap())).await;
    let client = client(&base);
    let cnis = account_with_cnis(&client, A, 4).await;
    let icon = cnis[0].interconnect.clone();
    let full = client
        .create_cni()
        .account_id(A)
        .body(cni_body(A, &icon, "one-too-many"))
        .send()
        .await
        .unwrap_err();
    assert!(full.is_conflict(), "{full}");
    assert!(!full.is_retryable(), "{full}");
    assert_eq!(full.attempts(), Some(1), "a 409 is not retried");
    assert!(full.to_string().contains("100.64.0.0/29"), "{full}");
    // Freeing one link makes room, many times over.
    client
        .delete_cni()
        .account_id(A)
        .cni(cnis[2].id)
        .send()
        .await
        .unwrap();
    for cycle in 0..200 {
        let cni = client
            .create_cni()
            .account_id(A)
            .body(cni_body(A, &icon, &format!("cycle-{cycle}")))
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            cni.p2p_ip, cnis[2].p2p_ip,
            "cycle {cycle} reuses the freed link"
        );
        client
            .delete_cni()
            .account_id(A)
            .cni(cni.id)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn reads_of_unknown_accounts_create_nothing() {
    let emulator = Emulator::new(config());
    let base = start_emulator(emulator.clone()).await;
    let client = client(&base);
    for n in 0..50 {
        let account = format!("ghost-{n}");
        client
            .list_cnis()
            .account_id(&account)
            .send()
            .await
            .unwrap();
        client
            .list_interconnects()
            .account_id(&account)
            .send()
            .await
            .unwrap();
        client
            .get_settings()
            .account_id(&account)
            .send()
            .await
            .unwrap();
        let missing = client
            .get_cni()
            .account_id(&account)
            .cni(uuid::Uuid::new_v4())
            .send()
            .await;
        assert_eq!(status(&missing.unwrap_err()), 404);
        let missing = client
            .delete_interconnect()
            .account_id(&account)
            .icon("x")
            .send()
            .await;
        assert_eq!(status(&missing.unwrap_err()), 404);
    }
    assert_eq!(emulator.account_count(), 0);
    client
        .update_settings()
        .account_id("real")
        .body(types::SettingsUpdateRequest::builder().default_asn(65001u32))
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.account_count(), 1);
}

#[tokio::test]
async fn credentials_act_only_on_their_granted_accounts() {
    use cloudflare_cni_emulator::Grant;
    let base = start(config().grants(vec![
        Grant::parse_token("token-a:account-a").unwrap(),
        Grant::parse_token("token-all").unwrap(),
        Grant::parse_key("ops@example.com:key-b:account-b").unwrap(),
    ]))
    .await;
    let with_token = |token: &str| {
        Client::builder()
            .base_url(&base)
            .api_token(token)
            .build()
            .unwrap()
    };
    let with_key = |key: &str| {
        Client::builder()
            .base_url(&base)
            .api_key("ops@example.com", key)
            .build()
            .unwrap()
    };
    let outcome = |client: Client, account: &'static str| async move {
        match client.get_settings().account_id(account).send().await {
            Ok(_) => 200,
            Err(e) => status(&e),
        }
    };
    assert_eq!(outcome(with_token("token-a"), A).await, 200);
    assert_eq!(outcome(with_token("token-a"), B).await, 401);
    assert_eq!(outcome(with_token("token-all"), B).await, 200);
    assert_eq!(outcome(with_token("token-b"), A).await, 401);
    assert_eq!(outcome(with_key("key-b"), B).await, 200);
    assert_eq!(outcome(with_key("key-b"), A).await, 401);
    assert_eq!(outcome(with_key("key-a"), B).await, 401);
}

#[tokio::test]
async fn a_walk_during_writes_returns_every_untouched_item_exactly_once() {
    let base = start(config()).await;
    let client = client(&base);
    let untouched = account_with_cnis(&client, A, 120).await;
    let icon = untouched[0].interconnect.clone();
    // Churn: create and delete other CNIs while the listing is walked page by page.
    let writer = {
        let client = client.clone();
        tokio::spawn(async move {
            for n in 0..150 {
                let cni = client
                    .create_cni()
                    .account_id(A)
                    .body(cni_body(A, &icon, &format!("churn-{n}")))
                    .send()
                    .await
                    .unwrap()
                    .into_inner();
                if n % 2 == 0 {
                    client
                        .delete_cni()
                        .account_id(A)
                        .cni(cni.id)
                        .send()
                        .await
                        .unwrap();
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let mut seen = std::collections::HashMap::new();
    let mut pages = 0;
    let mut cursor = None;
    loop {
        let mut request = client.list_cnis().account_id(A).limit(7u64);
        if let Some(c) = cursor {
            request = request.cursor(c);
        }
        let page = request.send().await.unwrap().into_inner();
        pages += 1;
        for cni in page.items {
            *seen.entry(cni.id).or_insert(0) += 1;
        }
        tokio::task::yield_now().await;
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 100, "the walk does not end");
    }
    writer.await.unwrap();
    for cni in &untouched {
        assert_eq!(
            seen.get(&cni.id),
            Some(&1),
            "{} seen {:?} times",
            cni.magic.conduit_name,
            seen.get(&cni.id)
        );
    }
    assert!(seen.values().all(|n| *n == 1), "an item came twice");
}

#[tokio::test]
async fn foreign_or_stale_cursors_answer_400_and_limits_are_documented() {
    let base = start(config()).await;
    let client = client(&base);
    account_with_cnis(&client, A, 60).await;
    let cni_cursor = client
        .list_cnis()
        .account_id(A)
        .limit(2u64)
        .send()
        .await
        .unwrap()
        .into_inner()
        .next
        .unwrap();
    let foreign = client
        .list_interconnects()
        .account_id(A)
        .cursor(cni_cursor)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&foreign), 400, "{foreign}");
    assert!(foreign.to_string().contains("another listing"), "{foreign}");
    let slot_cursor = client
        .list_slots()
        .account_id(A)
        .limit(1u64)
        .send()
        .await
        .unwrap()
        .into_inner()
        .next
        .unwrap();
    let foreign = client
        .list_cnis()
        .account_id(A)
        .cursor(slot_cursor)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&foreign), 400, "{foreign}");
    for made_up in [3, 1 << 30, -1] {
        let stale = client
            .list_cnis()
            .account_id(A)
            .cursor(made_up)
            .send()
            .await
            .unwrap_err();
        assert_eq!(status(&stale), 400, "{made_up}: {stale}");
    }
    // limit absent or 0: 50 items.
    for limit in [None, Some(0u64)] {
        let mut request = client.list_cnis().account_id(A);
        if let Some(limit) = limit {
            request = request.limit(limit);
        }
        let page = request.send().await.unwrap().into_inner();
        assert_eq!(page.items.len(), 50, "{limit:?}");
        assert!(page.next.is_some());
    }
}

/// Cloudflare's 200-character limit on the LOA's `name`, stated in prose upstream, is a rule
/// the server enforces too: a client that skips the check gets a 400 naming the parameter.
#[tokio::test]
async fn an_loa_name_over_200_characters_answers_400_naming_it() {
    let base = start(config()).await;
    let client = client(&base);
    let slot = load_slots(None).unwrap()[0].id;
    let icon = direct(&client, A, slot).await.unwrap();
    let http = reqwest::Client::new();
    let loa = |name: String| {
        http.get(format!(
            "{base}/accounts/{A}/cni/interconnects/{}/loa",
            icon.name
        ))
        .bearer_auth("emulator-token")
        .query(&[("name", name)])
        .send()
    };
    // 200 characters, several bytes each: within the limit.
    let at_limit = loa("é".repeat(200)).await.unwrap();
    assert_eq!(at_limit.status(), 200);
    let over = loa("x".repeat(201)).await.unwrap();
    assert_eq!(over.status(), 400);
    let body: serde_json::Value = over.json().await.unwrap();
    let error = &body["errors"][0];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("201 characters, more than the maximum of 200"),
        "{body}"
    );
    assert!(
        error["source"]["pointer"]
            .as_str()
            .unwrap()
            .contains("name"),
        "{body}"
    );
}

/// A partner interconnect (no slot needed) in account `A`; its name.
async fn partner(client: &Client) -> String {
    let body: types::InterconnectCreateRequest = types::InterconnectCreateRequest::gcp_partner()
        .account(A)
        .bandwidth(types::ApiBandwidth::Gbps1)
        .pairing_key("7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1")
        .build()
        .unwrap()
        .into();
    match client
        .create_interconnect()
        .account_id(A)
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner()
    {
        types::Interconnect::GcpPartner(icon) => icon.name,
        other => panic!("a partner interconnect, not {other:?}"),
    }
}

#[tokio::test]
async fn a_waiter_returns_when_the_status_is_reached() {
    use cloudflare_cni_client::Wait;
    let emulator =
        Emulator::new(config().lifecycle(cloudflare_cni_emulator::LifecycleMode::Manual));
    let base = start_emulator(emulator.clone()).await;
    let client = client(&base);
    let icon = partner(&client).await;
    // Down for a while, then Healthy: the waiter sees both and returns on Healthy.
    let driver = {
        let (emulator, icon) = (emulator.clone(), icon.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let down =
                serde_json::from_str(r#"{"state": "Down", "reason": "light levels"}"#).unwrap();
            emulator.set_status(A, &icon, down).unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
            let healthy = serde_json::from_str(r#"{"state": "Healthy"}"#).unwrap();
            emulator.set_status(A, &icon, healthy).unwrap();
        })
    };
    let wait = Wait::default()
        .timeout(Duration::from_secs(10))
        .interval(Duration::from_millis(20), Duration::from_millis(50));
    let mut seen = Vec::new();
    let status = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon)
        .wait_until(
            |status| {
                seen.push(serde_json::to_value(status).unwrap()["state"].clone());
                matches!(status, types::InterconnectStatus::Healthy(_))
            },
            &wait,
        )
        .await
        .unwrap();
    driver.await.unwrap();
    assert!(matches!(status, types::InterconnectStatus::Healthy(_)));
    assert!(seen.contains(&serde_json::json!("Pending")), "{seen:?}");
    assert!(seen.contains(&serde_json::json!("Down")), "{seen:?}");
}

#[tokio::test]
async fn a_waiter_that_times_out_names_the_last_status() {
    use cloudflare_cni_client::Wait;
    let emulator =
        Emulator::new(config().lifecycle(cloudflare_cni_emulator::LifecycleMode::Manual));
    let base = start_emulator(emulator.clone()).await;
    let client = client(&base);
    let icon = partner(&client).await;
    emulator
        .set_status(
            A,
            &icon,
            serde_json::from_str(r#"{"state": "Down", "reason": "fibre cut"}"#).unwrap(),
        )
        .unwrap();
    let wait = Wait::default()
        .timeout(Duration::from_millis(300))
        .interval(Duration::from_millis(20), Duration::from_millis(50));
    let error = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon)
        .wait_until(
            |status| matches!(status, types::InterconnectStatus::Healthy(_)),
            &wait,
        )
        .await
        .unwrap_err();
    // The last answer is carried typed, as the call returns it.
    let CniError::WaitTimeout {
        last: Some(last), ..
    } = &error
    else {
        panic!("{error:?}")
    };
    match last.get::<types::InterconnectStatus>() {
        Some(types::InterconnectStatus::Down(down)) => {
            assert_eq!(down.reason.as_deref(), Some("fibre cut"))
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains(r#""state":"Down""#), "{error}");
    // A waiter on something that does not exist ends with the 404 at once.
    let error = client
        .get_interconnect_status()
        .account_id(A)
        .icon("missing")
        .wait_until(|_| true, &wait)
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert!(!error.is_retryable(), "{error}");
    assert_eq!(
        error.codes().count(),
        1,
        "the envelope's one message: {error}"
    );
}

#[tokio::test]
async fn a_waiter_stops_at_once_when_its_condition_says_the_answer_will_not_do() {
    use cloudflare_cni_client::{Wait, WaitOutcome};
    let emulator =
        Emulator::new(config().lifecycle(cloudflare_cni_emulator::LifecycleMode::Manual));
    let base = start_emulator(emulator.clone()).await;
    let client = client(&base);
    let icon = partner(&client).await;
    emulator
        .set_status(
            A,
            &icon,
            serde_json::from_str(r#"{"state": "Down"}"#).unwrap(),
        )
        .unwrap();
    let started = std::time::Instant::now();
    let error = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon)
        .wait_until(
            |status| match status {
                types::InterconnectStatus::Healthy(_) => WaitOutcome::Done,
                types::InterconnectStatus::Down(_) => WaitOutcome::Failed,
                _ => WaitOutcome::Pending,
            },
            &Wait::default().timeout(Duration::from_secs(600)),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no waiting out the ten minutes"
    );
    let CniError::WaitFailed { polls, last, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*polls, 1);
    assert!(matches!(
        last.get::<types::InterconnectStatus>(),
        Some(types::InterconnectStatus::Down(_))
    ));
    assert!(error.to_string().contains(r#""state":"Down""#), "{error}");

    // The generated shortcut ends on the failure states the spec gives it
    // (`x-cni-wait-failures`: `Down` for `Healthy`), at once, with the answer.
    let started = std::time::Instant::now();
    let error = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon)
        .wait_until_healthy(&Wait::default().timeout(Duration::from_secs(600)))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no waiting out the ten minutes"
    );
    assert!(
        matches!(&error, CniError::WaitFailed { polls: 1, last, .. }
            if matches!(last.get::<types::InterconnectStatus>(), Some(types::InterconnectStatus::Down(_)))),
        "{error:?}"
    );

    // The generated shortcut waits for one member of the status union.
    emulator
        .set_status(
            A,
            &icon,
            serde_json::from_str(r#"{"state": "Healthy"}"#).unwrap(),
        )
        .unwrap();
    let healthy = client
        .get_interconnect_status()
        .account_id(A)
        .icon(&icon)
        .wait_until_healthy(&Wait::default().timeout(Duration::from_secs(5)))
        .await
        .unwrap();
    assert!(matches!(healthy, types::InterconnectStatus::Healthy(_)));

    // A wait told to look past 404s waits for an object that is not there yet.
    let wait = Wait::default()
        .timeout(Duration::from_millis(200))
        .interval(Duration::from_millis(20), Duration::from_millis(20))
        .not_found_is_pending(true);
    let error = client
        .get_interconnect_status()
        .account_id(A)
        .icon("not-yet")
        .wait_until_healthy(&wait)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CniError::WaitTimeout { last: None, polls, .. } if *polls > 1),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_listing_is_a_paginator_that_owns_its_client_and_resumes_from_its_cursor() {
    use cloudflare_cni_emulator::FaultSpec;
    let emulator = Emulator::new(config());
    let base = start_emulator(emulator.clone()).await;
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
    for n in 0..5 {
        client
            .create_cni()
            .account_id(A)
            .body(cni_body(A, &icon.name, &format!("p{n}")))
            .send()
            .await
            .unwrap();
    }
    // It borrows nothing: the client may go, and the listing moves to a task.
    let paginator = client.list_cnis().account_id(A).limit(2u64).stream();
    drop(client);
    let names = tokio::spawn(async move {
        let mut paginator = paginator;
        let mut names = Vec::new();
        while let Some(cni) = paginator.next().await {
            names.push(cni.unwrap().magic.conduit_name);
        }
        assert!(paginator.is_done());
        names
    })
    .await
    .unwrap();
    assert_eq!(names, ["p0", "p1", "p2", "p3", "p4"]);

    // Whole pages, with the cursor each was fetched with.
    let client = self::client(&base);
    let mut pages = client
        .list_cnis()
        .account_id(A)
        .limit(2u64)
        .stream()
        .pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert_eq!(
            page.cursor.is_none(),
            sizes.is_empty(),
            "only the first page has no cursor"
        );
        sizes.push(page.items.len());
    }
    assert_eq!(sizes, [2, 2, 1]);

    // A failure mid-listing: the cursor names the failed page, and a listing started there
    // hands out exactly the rest.
    let flaky = Client::builder()
        .base_url(&base)
        .api_token("emulator-token")
        .max_retries(0)
        .build()
        .unwrap();
    let mut paginator = flaky.list_cnis().account_id(A).limit(2u64).stream();
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(paginator.next().await.unwrap().unwrap().magic.conduit_name);
    }
    emulator
        .inject_fault(FaultSpec::status("list_cnis", 503).times(1))
        .unwrap();
    let error = paginator.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error}");
    assert!(
        paginator.next().await.is_none(),
        "an error ends the listing"
    );
    let resume = paginator.cursor().expect("the second page's cursor");
    let rest = flaky
        .list_cnis()
        .account_id(A)
        .limit(2u64)
        .cursor(resume)
        .stream()
        .try_collect()
        .await
        .unwrap();
    got.extend(rest.into_iter().map(|c| c.magic.conduit_name));
    assert_eq!(got, ["p0", "p1", "p2", "p3", "p4"]);
}

#[tokio::test]
async fn a_per_call_timeout_bounds_each_attempt() {
    use cloudflare_cni_client::RequestOptions;
    use cloudflare_cni_emulator::FaultSpec;
    let emulator = Emulator::new(config());
    let base = start_emulator(emulator.clone()).await;
    let client = Client::builder()
        .base_url(&base)
        .api_token("emulator-token")
        .max_retries(0)
        .build()
        .unwrap();
    emulator
        .inject_fault(FaultSpec::latency(
            "get_settings",
            Duration::from_millis(600),
        ))
        .unwrap();
    let options = RequestOptions::new().timeout(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let error = client
        .get_settings()
        .account_id(A)
        .send_with(&options)
        .await
        .unwrap_err();
    assert!(matches!(error, CniError::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "the call's timeout, not the client's"
    );
    // Without it, the client's own (longer) timeout lets the slow answer through.
    assert!(client.get_settings().account_id(A).send().await.is_ok());
}
