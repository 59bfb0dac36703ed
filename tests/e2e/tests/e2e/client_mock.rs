//! The client's `mock` feature: progenitor's httpmock helpers drive the generated client,
//! its typed errors and its waiter, as a user's unit test would.

use std::time::Duration;

use cloudflare_cni_client::mock::{MockServer, MockServerExt};
use cloudflare_cni_client::{types, Client, CniError, Wait};
use serde_json::json;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .api_token("test")
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_mocked_status_satisfies_a_waiter_at_once() {
    let server = MockServer::start_async().await;
    let healthy: types::InterconnectStatus =
        serde_json::from_value(json!({"state": "Healthy"})).unwrap();
    let mock = server.get_interconnect_status(|when, then| {
        when.account_id("acct").icon("icon-1");
        then.ok(&healthy);
    });
    let status = client(&server)
        .get_interconnect_status()
        .account_id("acct")
        .icon("icon-1")
        .wait_until(
            |s| matches!(s, types::InterconnectStatus::Healthy(_)),
            &Wait::default().timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(status, healthy);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_mocked_error_is_a_typed_api_error() {
    let server = MockServer::start_async().await;
    let envelope: types::ErrorEnvelope = serde_json::from_value(json!({
        "success": false, "errors": [{"code": 1004, "message": "CNI not found"}],
        "messages": [], "result": null
    }))
    .unwrap();
    let mock = server.get_cni(|when, then| {
        when.account_id("acct");
        then.not_found(&envelope);
    });
    let error = client(&server)
        .get_cni()
        .account_id("acct")
        .cni(uuid::Uuid::nil())
        .send()
        .await
        .unwrap_err();
    match &error {
        CniError::Api { status, errors, .. } => {
            assert_eq!(status.as_u16(), 404);
            assert_eq!(errors[0].code, 1004);
            assert_eq!(errors[0].message, "CNI not found");
        }
        other => panic!("{other:?}"),
    }
    mock.assert_async().await;
}

/// The finding: `when.account_id(v)` built a regex from `v` unescaped and unwrapped it,
/// so `a.c` matched `abc` and `a(c` panicked. Each value matches its own path only.
#[tokio::test]
async fn a_mocked_path_value_matches_itself_only_and_never_panics() {
    let server = MockServer::start_async().await;
    let settings: types::Settings = serde_json::from_value(json!({"default_asn": 65000})).unwrap();
    let dotted = server.get_settings(|when, then| {
        when.account_id("a.c");
        then.ok(&settings);
    });
    let client = client(&server);
    let other = client
        .get_settings()
        .account_id("abc")
        .send()
        .await
        .unwrap_err();
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404), "{other}");
    client
        .get_settings()
        .account_id("a.c")
        .send()
        .await
        .unwrap();
    dotted.assert_calls_async(1).await;

    // A value that is no regex, and one the client percent-encodes.
    let odd = server.get_settings(|when, then| {
        when.account_id("a(c d");
        then.ok(&settings);
    });
    client
        .get_settings()
        .account_id("a(c d")
        .send()
        .await
        .unwrap();
    odd.assert_async().await;
}
