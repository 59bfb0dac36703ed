//! An older client against a newer API: this crate's client (generated from the 2026-08-14
//! spec) over HTTP against answers of a revision beyond it (new fields, a new enum value, a
//! new union kind, a new status state). Every call decodes,
//! and GET → modify → PUT sends the new fields back unchanged.

use cloudflare_cni_client::{types, Client};
use serde_json::{json, Value};

use crate::scripted::{json, serve_fn, Scripted};

const ACCOUNT: &str = "acc";
const CNI_ID: &str = "8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b";

/// A CNI as a newer API returns it: with fields this client does not know.
fn newer_cni() -> Value {
    json!({
        "id": CNI_ID, "account": ACCOUNT, "interconnect": "icon-1",
        "p2p_ip": "192.168.3.4/31", "cust_ip": "192.168.3.5/31",
        "magic": {"conduit_name": "c", "description": "old", "mtu": 1500, "mss_clamp": 1436},
        "bgp": {"customer_asn": 65001, "extra_prefixes": [], "graceful_restart": true},
        "bgp_mode": "advertise_only",
        "labels": {"team": "netops"}
    })
}

fn newer_interconnects() -> Value {
    json!({"items": [
        {"type": "direct", "account": ACCOUNT, "name": "dfw-1", "slot_id": "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b",
         "site": "DFW", "speed": "100G", "facility": {"name": "DA3", "address": ["Dallas"]},
         "virtual_port_reservation_id": "0b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f", "ccr_device_name": "ccr-dfw-01"},
        {"type": "gcp_partner", "account": ACCOUNT, "name": "gcp-1", "region": "us-east4", "speed": "100G",
         "virtual_port_reservation_id": "1b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f", "partner_asn": 16550},
        {"type": "aws_partner", "account": ACCOUNT, "name": "aws-1", "aws_account": "123456789012"}
    ], "next": null})
}

async fn newer_api() -> (Client, Scripted) {
    let server = serve_fn(|seen| {
        let rest = seen.path.rsplit("/cni/").next().unwrap_or_default();
        match (seen.method.as_str(), rest) {
            ("GET", "interconnects") => json(200, newer_interconnects()),
            ("GET", "interconnects/dfw-1/status") => {
                json(200, json!({"state": "Provisioning", "eta": "2026-09-01"}))
            }
            ("GET", r) if r.starts_with("cnis/") => json(200, newer_cni()),
            // The server answers a PUT with what it was sent.
            ("PUT", r) if r.starts_with("cnis/") => json(200, seen.json().unwrap_or_default()),
            _ => json(404, json!({"success": false, "errors": [{"code": 1004, "message": "not found"}], "messages": [], "result": null})),
        }
    })
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .api_token("t")
        .build()
        .unwrap();
    (client, server)
}

#[tokio::test]
async fn every_answer_of_a_newer_api_decodes() {
    let (client, _server) = newer_api().await;
    let all: Vec<types::Interconnect> = client
        .list_interconnects()
        .account_id(ACCOUNT)
        .stream()
        .try_collect()
        .await
        .expect("a listing with a new kind, new fields and a new speed decodes");
    assert_eq!(all.len(), 3);
    let types::Interconnect::GcpPartner(gcp) = &all[1] else {
        panic!("{:?}", all[1]);
    };
    assert_eq!(gcp.speed, Some(types::ApiBandwidth::Unknown("100G".into())));
    assert_eq!(
        gcp.virtual_port_reservation_id.to_string(),
        "1b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f"
    );
    assert_eq!(gcp.extra["partner_asn"], 16550);
    match &all[2] {
        types::Interconnect::Unknown(kind) => {
            assert_eq!(kind.tag(), "aws_partner");
            assert_eq!(kind.fields()["aws_account"], "123456789012");
        }
        other => panic!("an unknown kind, not {other:?}"),
    }
    // Nothing is lost: each decodes back to exactly what the API sent.
    let sent: Vec<Value> = newer_interconnects()["items"].as_array().unwrap().clone();
    for (value, wire) in all.iter().zip(&sent) {
        assert_eq!(&serde_json::to_value(value).unwrap(), wire);
    }
    let status = client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon("dfw-1")
        .send()
        .await
        .expect("a new status state decodes")
        .into_inner();
    assert!(
        matches!(&status, types::InterconnectStatus::Unknown(s) if s.tag() == "Provisioning"),
        "{status:?}"
    );
}

#[tokio::test]
async fn get_modify_put_sends_the_new_fields_back_unchanged() {
    let (client, server) = newer_api().await;
    let id: uuid::Uuid = CNI_ID.parse().unwrap();
    let mut cni = client
        .get_cni()
        .account_id(ACCOUNT)
        .cni(id)
        .send()
        .await
        .unwrap()
        .into_inner();
    cni.magic.description = "primary link".into();
    client
        .update_cni()
        .account_id(ACCOUNT)
        .cni(id)
        .body(cni)
        .send()
        .await
        .expect("the PUT passes validation and is answered");
    let put = server.last().json().expect("a JSON body");
    let mut expected = newer_cni();
    expected["magic"]["description"] = json!("primary link");
    assert_eq!(put, expected, "every field the newer API added went back");
}
