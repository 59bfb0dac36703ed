//! The control plane end to end: the generated client's retries against injected faults,
//! lifecycles driven without sleeping, reset and dump, and who may use it.

use std::time::{Duration, Instant};

use cloudflare_cni_client::{types, Client, CniError, RetryPolicy};
use cloudflare_cni_emulator::{Emulator, EmulatorConfig, FaultSpec, Grant, LifecycleMode};
use serde_json::{json, Value};

const ACCOUNT: &str = "acct";

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(2)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(base: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base)
        .api_token("admin")
        .retry_policy(policy)
        .build()
        .unwrap()
}

async fn start(config: EmulatorConfig) -> (Emulator, String) {
    let emulator = Emulator::new(config);
    let base = emulator.clone().spawn().await.unwrap();
    (emulator, base)
}

/// A plain HTTP client for the control plane. reqwest is built here without a TLS provider of
/// its own (the generated client installs ring when it builds); install it for this one too.
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The control plane's root for an API base URL.
fn control(base: &str) -> String {
    base.replace("/client/v4", "/__emulator")
}

async fn partner(client: &Client) -> String {
    let body: types::InterconnectCreateRequest = types::InterconnectCreateRequest::gcp_partner()
        .account(ACCOUNT)
        .bandwidth(types::ApiBandwidth::Gbps1)
        .pairing_key("7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1")
        .build()
        .unwrap()
        .into();
    match client
        .create_interconnect()
        .account_id(ACCOUNT)
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

async fn status(client: &Client, icon: &str) -> types::InterconnectStatus {
    client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon(icon)
        .send()
        .await
        .unwrap()
        .into_inner()
}

async fn settings(client: &Client) -> Result<u32, CniError> {
    Ok(client
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await?
        .into_inner()
        .default_asn)
}

#[tokio::test]
async fn the_clients_retries_recover_from_injected_503s() {
    let (emulator, base) = start(EmulatorConfig::default()).await;
    let client = client(&base, quick_retries());
    emulator
        .inject_fault(FaultSpec::status("get_settings", 503).times(2))
        .unwrap();
    assert_eq!(settings(&client).await.unwrap(), 65000);
    assert!(emulator.active_faults().is_empty(), "both 503s were served");

    // More 503s than retries: the error is the last one, in the envelope.
    emulator
        .inject_fault(FaultSpec::status("get_settings", 503).times(3))
        .unwrap();
    let error = settings(&client).await.unwrap_err();
    match &error {
        CniError::Api {
            status,
            errors,
            attempts,
            ..
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(*attempts, 3);
            assert_eq!(errors[0].code, 1099);
            assert!(
                errors[0].message.contains("get_settings answers 503"),
                "{error}"
            );
        }
        other => panic!("expected the 503, got {other:?}"),
    }
    // The questions a caller asks of it, without matching.
    assert!(error.is_retryable(), "a 503 may succeed later");
    assert!(!error.is_not_found() && !error.is_conflict());
    assert_eq!(error.codes().collect::<Vec<_>>(), [1099]);
    // Other operations were never affected.
    assert!(client.list_cnis().account_id(ACCOUNT).send().await.is_ok());
}

#[tokio::test]
async fn the_client_honours_an_injected_retry_after() {
    let (emulator, base) = start(EmulatorConfig::default()).await;
    let client = client(&base, quick_retries());
    emulator
        .inject_fault(FaultSpec::status("*", 429).retry_after(1).times(1))
        .unwrap();
    let started = Instant::now();
    assert_eq!(settings(&client).await.unwrap(), 65000);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(950),
        "the retry waited {waited:?}, not the 1 s Retry-After (the backoff alone is 1 ms)"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_and_is_retried() {
    let (emulator, base) = start(EmulatorConfig::default()).await;
    emulator
        .inject_fault(FaultSpec::drop_connection("get_settings").times(1))
        .unwrap();
    let no_retries = client(&base, RetryPolicy::none());
    let error = settings(&no_retries).await.unwrap_err();
    assert!(
        matches!(error, CniError::Transport { attempts: 1, .. }),
        "{error:?}"
    );
    emulator
        .inject_fault(FaultSpec::drop_connection("get_settings").times(1))
        .unwrap();
    assert_eq!(
        settings(&client(&base, quick_retries())).await.unwrap(),
        65000
    );
}

#[tokio::test]
async fn latency_delays_the_call_then_runs_it() {
    let (emulator, base) = start(EmulatorConfig::default()).await;
    emulator
        .inject_fault(FaultSpec::latency("get_settings", Duration::from_millis(300)).times(1))
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        settings(&client(&base, quick_retries())).await.unwrap(),
        65000
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn pending_then_down_with_a_reason_then_healthy_without_sleeping() {
    let (_, base) = start(
        EmulatorConfig::default()
            .lifecycle(LifecycleMode::Manual)
            .status_delay(Duration::ZERO),
    )
    .await;
    let client = client(&base, quick_retries());
    let http = http();
    let icon = partner(&client).await;
    // Manual: Pending however long it has been, even with a zero status delay.
    assert!(matches!(
        status(&client, &icon).await,
        types::InterconnectStatus::Pending(_)
    ));
    let url = format!(
        "{}/accounts/{ACCOUNT}/interconnects/{icon}/status",
        control(&base)
    );
    let answer = http
        .put(&url)
        .json(&json!({"state": "Down", "reason": "fibre cut at the meet-me room"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    match status(&client, &icon).await {
        types::InterconnectStatus::Down(down) => {
            assert_eq!(
                down.reason.as_deref(),
                Some("fibre cut at the meet-me room")
            )
        }
        other => panic!("expected Down, got {other:?}"),
    }
    let answer = http
        .put(&url)
        .json(&json!({"state": "Healthy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(matches!(
        status(&client, &icon).await,
        types::InterconnectStatus::Healthy(_)
    ));
    // A state the spec does not have is refused, naming it.
    let refused = http
        .put(&url)
        .json(&json!({"state": "Exploded"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Exploded"),
        "{body}"
    );
    // An unknown interconnect is a 404 in the envelope.
    let missing = http
        .put(url.replace(&icon, "nope"))
        .json(&json!({"state": "Healthy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_automatic_lifecycle_steps_with_the_clock() {
    let (emulator, base) =
        start(EmulatorConfig::default().status_delay(Duration::from_secs(3600))).await;
    let client = client(&base, quick_retries());
    let icon = partner(&client).await;
    assert!(matches!(
        status(&client, &icon).await,
        types::InterconnectStatus::Pending(_)
    ));
    let http = http();
    let answer: Value = http
        .post(format!("{}/clock/advance", control(&base)))
        .json(&json!({"seconds": 3600}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["clock_advanced_seconds"], 3600.0);
    assert!(matches!(
        status(&client, &icon).await,
        types::InterconnectStatus::Healthy(_)
    ));
    // Pinned Unhealthy, then handed back: the automatic lifecycle says Healthy again.
    emulator
        .set_status(
            ACCOUNT,
            &icon,
            serde_json::from_value(json!({"state": "Unhealthy", "reason": "errors on rx"}))
                .unwrap(),
        )
        .unwrap();
    assert!(matches!(
        status(&client, &icon).await,
        types::InterconnectStatus::Unhealthy(_)
    ));
    let resumed = http
        .delete(format!(
            "{}/accounts/{ACCOUNT}/interconnects/{icon}/status",
            control(&base)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    assert!(matches!(
        status(&client, &icon).await,
        types::InterconnectStatus::Healthy(_)
    ));
}

#[tokio::test]
async fn faults_over_http_are_listed_checked_and_cleared() {
    let (_, base) = start(EmulatorConfig::default()).await;
    let http = http();
    let faults = format!("{}/faults", control(&base));
    let created = http
        .post(&faults)
        .json(&json!({"operation": "get_cni", "status": 500, "times": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["id"], 1);
    assert_eq!(created["remaining"], 2);
    let refused = http
        .post(&faults)
        .json(&json!({"operation": "get_cni", "status": 200}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("status: 200 is not an error status"),
        "{body}"
    );
    let misspelt = http
        .post(&faults)
        .json(&json!({"operation": "get_cni", "stauts": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(misspelt.status(), 400);
    let listed: Value = http
        .get(&faults)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let removed = http.delete(format!("{faults}/1")).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    let again = http.delete(format!("{faults}/1")).send().await.unwrap();
    assert_eq!(again.status(), 404);
    http.post(&faults)
        .json(&json!({"status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(http.delete(&faults).send().await.unwrap().status(), 204);
    let listed: Value = http
        .get(&faults)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn probabilities_repeat_under_the_same_seed() {
    async fn outcomes(seed: u64) -> Vec<u16> {
        let (emulator, base) = start(EmulatorConfig::default().fault_seed(seed)).await;
        emulator
            .inject_fault(FaultSpec::status("get_settings", 503).probability(0.5))
            .unwrap();
        let client = client(&base, RetryPolicy::none());
        let mut seen = Vec::new();
        for _ in 0..20 {
            seen.push(match settings(&client).await {
                Ok(_) => 200,
                Err(error) => error.status().map_or(0, |s| s.as_u16()),
            });
        }
        seen
    }
    let first = outcomes(42).await;
    assert_eq!(first, outcomes(42).await);
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
}

#[tokio::test]
async fn reset_and_dump() {
    let (emulator, base) = start(EmulatorConfig::default()).await;
    let client = client(&base, quick_retries());
    let icon = partner(&client).await;
    emulator
        .inject_fault(FaultSpec::status("list_slots", 500))
        .unwrap();
    let http = http();
    let state: Value = http
        .get(format!("{}/state", control(&base)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["format"], "cloudflare-cni-emulator-state");
    assert_eq!(state["version"], 1);
    assert_eq!(
        state["accounts"][ACCOUNT]["interconnects"][0]["interconnect"]["name"],
        icon.as_str()
    );
    let reset = http
        .post(format!("{}/reset", control(&base)))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert!(emulator.state().accounts.is_empty());
    assert!(emulator.active_faults().is_empty());
    assert!(client.list_slots().account_id(ACCOUNT).send().await.is_ok());
    // A dumped state can be put back.
    let put = http
        .put(format!("{}/state", control(&base)))
        .body(state.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    assert!(client
        .get_interconnect()
        .account_id(ACCOUNT)
        .icon(&icon)
        .send()
        .await
        .is_ok());
    // Without --state there is nowhere to save.
    let save = http
        .post(format!("{}/state/save", control(&base)))
        .send()
        .await
        .unwrap();
    assert_eq!(save.status(), 409);
    // An unknown control endpoint is a 404 naming it.
    let unknown = http
        .get(format!("{}/nope", control(&base)))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("/__emulator/nope"));
}

#[tokio::test]
async fn the_control_plane_needs_a_credential_granted_every_account() {
    let (_, base) = start(EmulatorConfig::default().grants(vec![
        Grant::parse_token("admin").unwrap(),
        Grant::parse_token("scoped:acct").unwrap(),
    ]))
    .await;
    let http = http();
    let url = format!("{}/faults", control(&base));
    for token in [None, Some("wrong"), Some("scoped")] {
        let mut request = http.post(&url).json(&json!({"status": 503}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 401, "{token:?}");
        // Refused before its body was read: the connection ends, and the answer says so.
        assert_eq!(answer.headers()["connection"], "close", "{token:?}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], 10000);
    }
    // Nothing was injected by the refused requests.
    let listed: Value = http
        .get(&url)
        .bearer_auth("admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
    // The scoped token still works on its account's API.
    let scoped = Client::builder()
        .base_url(&base)
        .api_token("scoped")
        .build()
        .unwrap();
    assert!(settings(&scoped).await.is_ok());
}
