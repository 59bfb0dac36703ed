//! The generated client, over real HTTP on 127.0.0.1, against a scripted server: every one of
//! the 15 operations sends the method, path, query and body the spec describes and decodes the
//! answer into the shared types; the LOA arrives as a byte stream; an error status decodes
//! into the error envelope.

use axum::http::Method;
use cloudflare_cni_client::{types, Client, CniError};
use futures::TryStreamExt;
use serde_json::{json, Value};

use crate::scripted::{json, raw, serve_fn, Canned, Scripted, Seen};

const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const CNI_ID: &str = "8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b";
const SLOT_ID: &str = "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b";
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n";

fn cni() -> Value {
    json!({
        "id": CNI_ID, "account": ACCOUNT, "interconnect": "icon-dfw-1",
        "p2p_ip": "192.168.3.4/31", "cust_ip": "192.168.3.5/31",
        "magic": {"conduit_name": "dfw", "description": "primary", "mtu": 1500},
        "bgp": {"customer_asn": 4200000000u32, "extra_prefixes": ["10.1.0.0/16"]}
    })
}

fn physical() -> Value {
    json!({"type": "direct", "account": ACCOUNT, "name": "icon-dfw-1", "slot_id": SLOT_ID,
           "site": "DFW", "speed": "10G", "facility": {"name": "DA3", "address": ["Dallas"]},
           "virtual_port_reservation_id": "0b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"})
}

fn slot() -> Value {
    json!({"id": SLOT_ID, "occupied": false, "site": "DFW", "speed": "10G",
           "facility": {"name": "DA3", "address": ["Dallas"]}})
}

fn envelope(code: u32, message: &str) -> Value {
    json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null})
}

/// The scripted answers, by method and path below the account.
fn answer(seen: &Seen) -> Canned {
    let prefix = format!("/client/v4/accounts/{ACCOUNT}/cni/");
    let rest = seen.path.strip_prefix(&prefix).unwrap_or("");
    let ok = |v: Value| json(200, v);
    let empty = || raw(200, "text/plain", "");
    match (seen.method.as_str(), rest) {
        ("GET", "cnis") => ok(json!({"items": [cni()], "next": 6})),
        ("POST", "cnis") | ("PUT", "cnis/8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b") => ok(cni()),
        ("GET", "cnis/8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b") => ok(cni()),
        ("DELETE", "cnis/8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b") => empty(),
        ("GET", "interconnects") => ok(
            json!({"items": [physical(), {"type": "gcp_partner", "account": ACCOUNT, "name": "icon-gcp-1", "region": "us-east4",
                "virtual_port_reservation_id": "1b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"}]}),
        ),
        ("POST", "interconnects") => ok(
            json!({"type": "gcp_partner", "account": ACCOUNT, "name": "icon-gcp-2", "region": "us-east4", "speed": "1G",
                "virtual_port_reservation_id": "1b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"}),
        ),
        ("GET", "interconnects/icon-dfw-1") => ok(physical()),
        ("DELETE", "interconnects/icon-dfw-1") => empty(),
        ("GET", "interconnects/icon-dfw-1/loa") => raw(200, "application/pdf", PDF),
        ("GET", "interconnects/icon-dfw-1/loa/default") => ok(json!({"name": "Acme"})),
        ("GET", "interconnects/icon-dfw-1/status") => {
            ok(json!({"state": "Down", "reason": "no light"}))
        }
        ("GET", "settings") => ok(json!({"default_asn": 4200000001u32})),
        ("PUT", "settings") => ok(json!({"default_asn": 65001})),
        ("GET", "slots") => ok(json!({"items": [slot()], "next": null})),
        ("GET", "slots/3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b") => ok(slot()),
        _ => json(404, envelope(1404, "CNI not found")),
    }
}

async fn start() -> (Client, Scripted) {
    let server = serve_fn(answer).await;
    let client = Client::builder()
        .base_url(format!("{}/client/v4", server.base_url))
        .api_token("test-token")
        .build()
        .unwrap();
    (client, server)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn path(rest: &str) -> String {
    format!("/client/v4/accounts/{ACCOUNT}/cni/{rest}")
}

#[tokio::test]
async fn every_operation_round_trips_over_http() {
    let (client, seen) = start().await;
    let cni_id: uuid::Uuid = CNI_ID.parse().unwrap();
    let slot_id: uuid::Uuid = SLOT_ID.parse().unwrap();

    // CNIs
    let page = client
        .list_cnis()
        .account_id(ACCOUNT)
        .slot("s1")
        .tunnel_id("t1")
        .cursor(5)
        .limit(10u64)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next, Some(6));
    let s = seen.last();
    assert_eq!(
        (s.method.clone(), s.path.clone()),
        (Method::GET, path("cnis"))
    );
    assert_eq!(
        s.sorted_query(),
        pairs(&[
            ("cursor", "5"),
            ("limit", "10"),
            ("slot", "s1"),
            ("tunnel_id", "t1")
        ])
    );
    assert_eq!(s.header("authorization"), Some("Bearer test-token"));

    let create = cloudflare_cni_tests::cni_body(ACCOUNT, "icon-dfw-1", "dfw");
    let created = client
        .create_cni()
        .account_id(ACCOUNT)
        .body(create.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, cni_id);
    let s = seen.last();
    assert_eq!(
        (s.method.clone(), s.json()),
        (Method::POST, Some(serde_json::to_value(&create).unwrap()))
    );

    let got = client
        .get_cni()
        .account_id(ACCOUNT)
        .cni(cni_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        got.bgp.as_ref().map(|b| b.customer_asn),
        Some(4_200_000_000)
    );
    assert_eq!(seen.last().path, path(&format!("cnis/{CNI_ID}")));

    let updated = client
        .update_cni()
        .account_id(ACCOUNT)
        .cni(cni_id)
        .body(got.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.into_inner(), got);
    let s = seen.last();
    assert_eq!(
        (s.method.clone(), s.json()),
        (Method::PUT, Some(serde_json::to_value(&got).unwrap()))
    );

    let deleted = client
        .delete_cni()
        .account_id(ACCOUNT)
        .cni(cni_id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(seen.last().method, Method::DELETE);

    // Interconnects
    let list = client
        .list_interconnects()
        .account_id(ACCOUNT)
        .site("DFW")
        .type_("direct")
        .limit(2u64)
        .send()
        .await
        .unwrap();
    assert!(matches!(list.items[0], types::Interconnect::Direct(_)));
    assert!(matches!(list.items[1], types::Interconnect::GcpPartner(_)));
    assert_eq!(
        seen.last().sorted_query(),
        pairs(&[("limit", "2"), ("site", "DFW"), ("type", "direct")])
    );

    let body: types::InterconnectCreateRequest = types::InterconnectCreateRequest::gcp_partner()
        .account(ACCOUNT)
        .pairing_key("k/us-east4/1")
        .bandwidth(types::ApiBandwidth::Gbps1)
        .build()
        .unwrap()
        .into();
    let made = client
        .create_interconnect()
        .account_id(ACCOUNT)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(
        matches!(made.into_inner(), types::Interconnect::GcpPartner(g) if g.speed == Some(types::ApiBandwidth::Gbps1))
    );
    assert_eq!(
        seen.last().json(),
        Some(serde_json::to_value(&body).unwrap())
    );

    let icon = client
        .get_interconnect()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap();
    assert!(matches!(icon.into_inner(), types::Interconnect::Direct(p) if p.slot_id == slot_id));

    let loa = client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .name("Acme Networks")
        .send()
        .await
        .unwrap();
    assert_eq!(seen.last().path, path("interconnects/icon-dfw-1/loa"));
    assert_eq!(
        seen.last().query,
        [("name".to_string(), "Acme+Networks".to_string())]
    );
    assert_eq!(loa.headers()["content-type"], "application/pdf");
    let bytes: Vec<u8> = loa
        .into_inner()
        .into_inner()
        .map_ok(|chunk| chunk.to_vec())
        .try_concat()
        .await
        .unwrap();
    assert_eq!(bytes, PDF);

    // The name the LOA prints by default.
    let default_name = client
        .get_interconnect_loa_default_name()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap();
    assert_eq!(default_name.into_inner().name, "Acme");
    // A name over Cloudflare's 200-character limit is refused before anything is sent.
    let sent = seen.requests().len();
    let error = client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .name("x".repeat(201))
        .send()
        .await
        .err()
        .expect("a 201-character name is refused");
    assert!(error.to_string().contains("name"), "{error}");
    assert_eq!(seen.requests().len(), sent, "nothing was sent");

    let status = client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap();
    assert!(
        matches!(status.into_inner(), types::InterconnectStatus::Down(d) if d.reason.as_deref() == Some("no light"))
    );
    assert_eq!(seen.last().path, path("interconnects/icon-dfw-1/status"));

    client
        .delete_interconnect()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (seen.last().method, seen.last().path),
        (Method::DELETE, path("interconnects/icon-dfw-1"))
    );

    // Settings
    let settings = client
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(settings.default_asn, 4_200_000_001);
    let update = types::SettingsUpdateRequest::builder().default_asn(65001u32);
    let settings = client
        .update_settings()
        .account_id(ACCOUNT)
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(settings.default_asn, 65001);
    assert_eq!(seen.last().json(), Some(json!({"default_asn": 65001})));

    // Slots
    let slots = client
        .list_slots()
        .account_id(ACCOUNT)
        .address_contains("Dallas")
        .site("DFW")
        .speed("10G")
        .occupied(false)
        .cursor(1)
        .limit(50u64)
        .send()
        .await
        .unwrap();
    assert_eq!(slots.items[0].id, slot_id);
    assert_eq!(slots.next, None);
    assert_eq!(
        seen.last().sorted_query(),
        pairs(&[
            ("address_contains", "Dallas"),
            ("cursor", "1"),
            ("limit", "50"),
            ("occupied", "false"),
            ("site", "DFW"),
            ("speed", "10G")
        ])
    );
    let one = client
        .get_slot()
        .account_id(ACCOUNT)
        .slot(slot_id)
        .send()
        .await
        .unwrap();
    assert!(!one.occupied);

    // One request per operation of the spec (a new operation without a case fails here).
    assert_eq!(
        seen.requests().len(),
        cloudflare_cni_server::OPERATIONS.len(),
        "one request per operation"
    );
}

#[tokio::test]
async fn an_error_status_decodes_into_the_envelope() {
    let (client, _) = start().await;
    let missing = uuid::Uuid::nil();
    match client
        .get_cni()
        .account_id(ACCOUNT)
        .cni(missing)
        .send()
        .await
    {
        Err(CniError::Api { status, errors, .. }) => {
            assert_eq!(status, 404);
            assert_eq!(errors[0].code, 1404);
            assert_eq!(errors[0].message, "CNI not found");
        }
        other => panic!("expected the 404 envelope, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_path_parameter_fails_before_sending() {
    let (client, seen) = start().await;
    match client.get_cni().account_id(ACCOUNT).send().await {
        Err(error @ CniError::MissingParameter { .. }) => {
            assert!(matches!(&error, CniError::MissingParameter { name, .. } if name == "cni"));
            assert_eq!(
                error.to_string(),
                "request not sent: the required parameter `cni` was not set"
            );
        }
        other => panic!("expected MissingParameter, got {other:?}"),
    }
    // A body with a required field left unset: its own variant, naming the field.
    match client
        .create_cni()
        .account_id(ACCOUNT)
        .body_map(|body| body.interconnect("icon-dfw-1"))
        .send()
        .await
    {
        Err(CniError::InvalidBody { reason, .. }) => assert!(reason.contains("magic"), "{reason}"),
        other => panic!("expected InvalidBody, got {other:?}"),
    }
    // A value that does not convert: the parameter's own variant, with the reason.
    match client
        .get_cni()
        .account_id(ACCOUNT)
        .cni("not-a-uuid")
        .send()
        .await
    {
        Err(CniError::InvalidParameter { name, reason, .. }) => {
            assert_eq!(name, "cni");
            assert!(!reason.is_empty());
        }
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
    assert!(seen.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn an_invalid_body_fails_before_sending_unless_validation_is_off() {
    let (client, seen) = start().await;
    let mut cni: types::Cni = serde_json::from_value(cni()).unwrap();
    cni.cust_ip = "10.0.0.1/31".into();
    cni.bgp.as_mut().unwrap().md5_key = Some("what?".into());
    let id: uuid::Uuid = CNI_ID.parse().unwrap();
    match client
        .update_cni()
        .account_id(ACCOUNT)
        .cni(id)
        .body(cni.clone())
        .send()
        .await
    {
        Err(CniError::Validation(errors)) => {
            let pointers: Vec<&str> = errors
                .violations
                .iter()
                .map(|v| v.pointer.as_str())
                .collect();
            assert_eq!(pointers, ["/bgp/md5_key", "/cust_ip"]);
            assert_eq!(
                errors.violations[1].code,
                cloudflare_cni_validate::Code::SamePrefix
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(seen.requests().is_empty(), "nothing was sent");

    assert!(client.request_validation());
    let lenient = client.with_request_validation(false);
    assert!(!lenient.request_validation());
    lenient
        .update_cni()
        .account_id(ACCOUNT)
        .cni(id)
        .body(cni)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.requests().len(), 1, "sent once validation is off");
}

/// A body set on the account handle's builder keeps the handle's account (issue: `.body(x)`
/// used to replace the handle's fill), and a body about another account is refused before
/// anything is sent, naming both.
#[tokio::test]
async fn the_handles_account_survives_a_body_and_another_account_is_refused() {
    let (client, seen) = start().await;
    let account = client.account(ACCOUNT);
    let magic = types::MagicSettings::builder()
        .conduit_name("dfw")
        .description("primary")
        .mtu(1500);
    // A builder with no `account`: the path's fills it.
    account
        .create_cni()
        .body(
            types::CniCreateRequest::builder()
                .interconnect("icon-dfw-1")
                .magic(magic.clone()),
        )
        .send()
        .await
        .expect("the handle's account fills the body");
    let sent: Value = serde_json::from_slice(&seen.requests()[0].body).unwrap();
    assert_eq!(sent["account"], ACCOUNT);

    // The same on the plain client: the path's `account_id` is the body's account.
    client
        .create_cni()
        .account_id(ACCOUNT)
        .body_map(|body| body.interconnect("icon-dfw-1").magic(magic.clone()))
        .send()
        .await
        .expect("the path fills the body");
    let sent: Value = serde_json::from_slice(&seen.requests()[1].body).unwrap();
    assert_eq!(sent["account"], ACCOUNT);

    // A complete body about another account.
    let other = types::CniCreateRequest::builder()
        .account("another-account")
        .interconnect("icon-dfw-1")
        .magic(magic)
        .build()
        .unwrap();
    let refused = account
        .create_cni()
        .body(other)
        .send()
        .await
        .expect_err("two accounts in one request");
    let message = refused.to_string();
    assert!(
        message.contains("another-account") && message.contains(ACCOUNT),
        "{message}"
    );
    assert_eq!(seen.requests().len(), 2, "the refused request was not sent");
}

/// Request builders own their client: a request can be spawned on a task, and outlives the
/// handle it came from.
#[tokio::test]
async fn a_request_builder_owns_its_client_and_runs_on_a_task() {
    let (client, seen) = start().await;
    let cni_id: uuid::Uuid = CNI_ID.parse().unwrap();
    let request = {
        let account = client.account(ACCOUNT);
        account.get_cni().cni(cni_id)
    };
    drop(client);
    let task = tokio::spawn(request.send());
    let answer = task
        .await
        .expect("the task ran")
        .expect("the call succeeded");
    assert_eq!(answer.into_inner().id, cni_id);
    assert_eq!(seen.requests().len(), 1);
}

/// Query parameters are held to the spec's bounds before sending, as the server holds them
/// (issue: `.limit(-1)` reached the server), and the LOA's `name` is a `String` as in the
/// server, its 200-character bound checked the same way.
#[tokio::test]
async fn query_parameters_out_of_bounds_are_refused_before_sending() {
    let (client, seen) = start().await;
    match client
        .list_cnis()
        .account_id(ACCOUNT)
        .limit(-1)
        .send()
        .await
    {
        Err(CniError::InvalidParameter { name, reason, .. }) => {
            assert_eq!(name, "limit");
            assert!(reason.contains("minimum of 0"), "{reason}");
        }
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
    let long = "n".repeat(201);
    match client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .name(long)
        .send()
        .await
    {
        Err(CniError::InvalidParameter { name, .. }) => assert_eq!(name, "name"),
        Err(other) => panic!("expected InvalidParameter, got {other:?}"),
        Ok(_) => panic!("a 201-character name was sent"),
    }
    assert!(seen.requests().is_empty(), "nothing was sent");
    let name: String = "n".repeat(200);
    client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .name(name)
        .send()
        .await
        .expect("200 characters are allowed");
}
