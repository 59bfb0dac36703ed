//! The emulator's state is always one the API could have made: `PUT /__emulator/state` refuses
//! any other with the JSON pointers of its problems and changes nothing, whatever it accepts
//! loads again, its own dumps fit its body limit, and the API keeps CNI links inside the pool.

use cloudflare_cni_client::{types, Client, CniError};
use cloudflare_cni_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

const ACCOUNT: &str = "acct";

async fn start() -> (Emulator, String, Client, reqwest::Client) {
    let emulator = Emulator::new(EmulatorConfig::default());
    let base = emulator.clone().spawn().await.unwrap();
    let client = Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    (emulator, base, client, reqwest::Client::new())
}

fn control(base: &str) -> String {
    base.replace("/client/v4", "/__emulator")
}

/// A partner interconnect and a CNI on it, made through the API.
async fn populate(client: &Client) -> (String, types::Cni) {
    let body: types::InterconnectCreateRequest = types::InterconnectCreateRequest::gcp_partner()
        .account(ACCOUNT)
        .bandwidth(types::ApiBandwidth::Gbps1)
        .pairing_key("7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1")
        .build()
        .unwrap()
        .into();
    let icon = match client
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
    };
    let cni = create_cni(client, &icon, "c1").await.unwrap();
    (icon, cni)
}

async fn create_cni(client: &Client, icon: &str, conduit: &str) -> Result<types::Cni, CniError> {
    let body = types::CniCreateRequest::builder()
        .account(ACCOUNT)
        .interconnect(icon)
        .magic(
            types::MagicSettings::builder()
                .conduit_name(conduit)
                .description("d")
                .mtu(1500),
        )
        .build()?;
    Ok(client
        .create_cni()
        .account_id(ACCOUNT)
        .body(body)
        .send()
        .await?
        .into_inner())
}

/// The state without the interconnects' ages, which move with the clock.
fn objects_of(state: &Value) -> Value {
    let mut state = state.clone();
    for account in state["accounts"].as_object_mut().unwrap().values_mut() {
        for stored in account["interconnects"].as_array_mut().unwrap() {
            stored.as_object_mut().unwrap().remove("age_seconds");
        }
    }
    state
}

fn objects(emulator: &Emulator) -> Value {
    objects_of(&serde_json::to_value(emulator.state()).unwrap())
}

/// Sets the value at `pointer`, adding the last key when it is absent.
fn set(state: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = state
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"));
    parent
        .as_object_mut()
        .unwrap()
        .insert(key.to_string(), value);
}

async fn put_state(http: &reqwest::Client, base: &str, state: &Value) -> (u16, Value) {
    let answer = http
        .put(format!("{}/state", control(base)))
        .body(state.to_string())
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

/// The probe's findings: each state was answered 200 and then served; each is now refused,
/// pointing at the value, and the emulator's state stays as it was.
#[tokio::test]
async fn states_the_api_could_not_have_made_are_refused_and_change_nothing() {
    let (emulator, base, client, http) = start().await;
    populate(&client).await;
    let dump = serde_json::to_value(emulator.state()).unwrap();
    let account = format!("/accounts/{ACCOUNT}");
    let cni = format!("{account}/cnis/0/cni");
    let cases: Vec<(String, Value, String)> = vec![
        (
            format!("{cni}/p2p_ip"),
            json!("hello"),
            format!("{cni}/p2p_ip"),
        ),
        (
            format!("{cni}/p2p_ip"),
            json!("300.1.1.1/31"),
            format!("{cni}/p2p_ip"),
        ),
        (
            format!("{cni}/cust_ip"),
            json!("10.0.0.1/31"),
            format!("{cni}/cust_ip"),
        ),
        (
            format!("{cni}/account"),
            json!("other"),
            format!("{cni}/account"),
        ),
        (
            format!("{account}/default_asn"),
            json!(-5),
            format!("{account}/default_asn"),
        ),
        (
            format!("{cni}/bgp"),
            json!({"customer_asn": 65000, "extra_prefixes": [], "md5_key": "a?b"}),
            format!("{cni}/bgp/md5_key"),
        ),
        (
            format!("{account}/interconnects/0/pinned_status"),
            json!({"state": "Weird"}),
            format!("{account}/interconnects/0/pinned_status/state"),
        ),
        ("/version".into(), json!(0), "/version".into()),
        (
            format!("{account}/interconnects/0/age_seconds"),
            json!(1e308),
            format!("{account}/interconnects/0/age_seconds"),
        ),
        (
            format!("{account}/next_name"),
            json!(0),
            format!("{account}/next_name"),
        ),
    ];
    for (at, value, pointer) in cases {
        let mut state = dump.clone();
        set(&mut state, &at, value.clone());
        let (status, answer) = put_state(&http, &base, &state).await;
        assert_eq!(status, 400, "{at} = {value}: {answer}");
        assert_eq!(
            answer["errors"][0]["source"]["pointer"],
            pointer.as_str(),
            "{at} = {value}: {answer}"
        );
        assert_eq!(
            objects(&emulator),
            objects_of(&dump),
            "{at}: nothing changed"
        );
    }
    // Account ids a path cannot name.
    for id in ["", "a/b"] {
        let mut state = dump.clone();
        let moved = state["accounts"][ACCOUNT].take();
        state["accounts"] = json!({ id: moved });
        let (status, answer) = put_state(&http, &base, &state).await;
        assert_eq!(status, 400, "{id:?}: {answer}");
    }
    // The state was never changed, so the API serves what it made.
    let asn = client
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(asn.into_inner().default_asn, 65000);
}

/// A loaded state whose names run ahead of `next_name` cannot make a duplicate: the create
/// skips names in use, and the dump it leaves loads again.
#[tokio::test]
async fn whatever_the_control_plane_accepts_loads_again() {
    let (emulator, base, client, http) = start().await;
    let (icon, _) = populate(&client).await;
    // A second interconnect named as a later serial would be, by a state edited by hand.
    let mut state = serde_json::to_value(emulator.state()).unwrap();
    let mut second = state["accounts"][ACCOUNT]["interconnects"][0].clone();
    let later = icon.replace("-1", "-2");
    second["interconnect"]["name"] = json!(later);
    second["seq"] = json!(3);
    state["accounts"][ACCOUNT]["interconnects"]
        .as_array_mut()
        .unwrap()
        .push(second);
    state["accounts"][ACCOUNT]["last_seq"] = json!(3);
    state["accounts"][ACCOUNT]["next_name"] = json!(2);
    let (status, answer) = put_state(&http, &base, &state).await;
    assert_eq!(status, 200, "{answer}");
    // next_name 1 would be behind the serial 2: refused.
    state["accounts"][ACCOUNT]["next_name"] = json!(1);
    let (status, _) = put_state(&http, &base, &state).await;
    assert_eq!(status, 400);
    let dump = serde_json::to_value(emulator.state()).unwrap();
    let (status, answer) = put_state(&http, &base, &dump).await;
    assert_eq!(status, 200, "the emulator's own dump loads again: {answer}");
}

/// A dump larger than axum's default 2 MiB limit loads back; past the control plane's limit
/// the answer is the envelope.
#[tokio::test]
async fn the_emulators_own_large_dumps_load_back() {
    let (emulator, base, client, http) = start().await;
    let (icon, template) = populate(&client).await;
    let mut state = serde_json::to_value(emulator.state()).unwrap();
    let template = serde_json::to_value(&template).unwrap();
    let cnis: Vec<Value> = (0..12_000u32)
        .map(|n| {
            let mut cni = template.clone();
            cni["id"] = json!(uuid::Uuid::from_u128(u128::from(n) + 1));
            cni["p2p_ip"] = json!(format!("100.64.{}.{}/31", n / 128, (n % 128) * 2));
            cni["cust_ip"] = json!(format!("100.64.{}.{}/31", n / 128, (n % 128) * 2 + 1));
            cni["magic"]["conduit_name"] = json!(format!("c{n}"));
            cni["interconnect"] = json!(icon);
            json!({"seq": u64::from(n) + 2, "cni": cni})
        })
        .collect();
    state["accounts"][ACCOUNT]["cnis"] = json!(cnis);
    state["accounts"][ACCOUNT]["last_seq"] = json!(12_001);
    let text = state.to_string();
    assert!(text.len() > 2 << 20, "larger than 2 MiB: {}", text.len());
    let (status, answer) = put_state(&http, &base, &state).await;
    assert_eq!(status, 200, "{}", answer["errors"]);
    let dump = serde_json::to_value(emulator.state()).unwrap();
    let (status, _) = put_state(&http, &base, &dump).await;
    assert_eq!(status, 200);
    // The next create takes the lowest free link, after the 12,000 loaded ones.
    let next = create_cni(&client, &icon, "fresh").await.unwrap();
    assert_eq!(next.p2p_ip, "100.64.93.192/31");
    // Other control endpoints keep the small limit, answered in the envelope.
    let answer = http
        .post(format!("{}/faults", control(&base)))
        .body("x".repeat(3 << 20))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["success"], false, "{body}");
}

/// CNI links are /31s of the link pool: a PUT elsewhere is refused naming `/p2p_ip`, and the
/// pool stays usable.
#[tokio::test]
async fn a_cni_put_keeps_its_link_inside_the_pool() {
    let (_, _, client, _) = start().await;
    let (icon, cni) = populate(&client).await;
    for (p2p_ip, cust_ip) in [
        ("0.0.0.0/0", "1.2.3.4/0"),
        ("100.64.0.0/24", "100.64.0.1/24"),
        ("127.0.0.0/31", "127.0.0.1/31"),
        ("224.0.0.0/31", "224.0.0.1/31"),
        ("255.255.255.254/31", "255.255.255.255/31"),
    ] {
        let mut body = cni.clone();
        body.p2p_ip = p2p_ip.to_string();
        body.cust_ip = cust_ip.to_string();
        let error = client
            .update_cni()
            .account_id(ACCOUNT)
            .cni(cni.id)
            .body(body)
            .send()
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("400"), "{p2p_ip}: {text}");
        assert!(text.contains("/p2p_ip"), "{p2p_ip}: {text}");
    }
    // A free /31 of the pool is fine, and creates go on.
    let mut body = cni.clone();
    body.p2p_ip = "100.64.7.0/31".into();
    body.cust_ip = "100.64.7.1/31".into();
    client
        .update_cni()
        .account_id(ACCOUNT)
        .cni(cni.id)
        .body(body)
        .send()
        .await
        .unwrap();
    let next = create_cni(&client, &icon, "c2").await.unwrap();
    assert_eq!(next.p2p_ip, "100.64.0.0/31", "the link the PUT gave up");
}

/// A path outside the API and the control plane answers in the envelope.
#[tokio::test]
async fn the_root_answers_in_the_envelope() {
    let (_, base, _, http) = start().await;
    let root = base.replace("/client/v4", "/");
    let answer = http.get(root).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    let body: Value = answer.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/client/v4"),
        "{body}"
    );
}

/// Sequence numbers far past what an int32 cursor could carry (a state from a long-lived
/// emulator) stay reachable: a walk of one-item pages returns every CNI once.
#[tokio::test]
async fn objects_with_huge_sequence_numbers_are_all_listed() {
    let (emulator, base, client, http) = start().await;
    let (_, _) = populate(&client).await;
    let mut state = serde_json::to_value(emulator.state()).unwrap();
    let far = 1u64 << 40;
    let cnis = state["accounts"][ACCOUNT]["cnis"].clone();
    let mut template = cnis[0].clone();
    let mut all = Vec::new();
    for n in 0..5u64 {
        template["seq"] = json!(far + n);
        template["cni"]["id"] = json!(uuid::Uuid::from_u128(u128::from(n) + 7));
        template["cni"]["p2p_ip"] = json!(format!("100.64.1.{}/31", n * 2));
        template["cni"]["cust_ip"] = json!(format!("100.64.1.{}/31", n * 2 + 1));
        template["cni"]["magic"]["conduit_name"] = json!(format!("far{n}"));
        all.push(template.clone());
    }
    state["accounts"][ACCOUNT]["cnis"] = json!(all);
    state["accounts"][ACCOUNT]["last_seq"] = json!(far + 4);
    let (status, answer) = put_state(&http, &base, &state).await;
    assert_eq!(status, 200, "{answer}");
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let mut request = client.list_cnis().account_id(ACCOUNT).limit(1u64);
        if let Some(c) = cursor {
            request = request.cursor(c);
        }
        let page = request.send().await.unwrap().into_inner();
        seen.extend(page.items.iter().map(|c| c.magic.conduit_name.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["far0", "far1", "far2", "far3", "far4"]);
    // Creates go on past them.
    let icon = state["accounts"][ACCOUNT]["interconnects"][0]["interconnect"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    create_cni(&client, &icon, "after").await.unwrap();
    assert_eq!(emulator.state().accounts[ACCOUNT].last_seq, far + 5);
}

/// `{"a": {"a": … {}}}`, `levels` deep (a scalar is 0 levels, `{}` one).
fn nested_object(levels: usize) -> Value {
    (1..levels).fold(json!({}), |inner, _| json!({ "a": inner }))
}

/// The probe's finding: a CNI PUT whose unknown property nested about 125 levels was answered
/// 200, and the state then held it deeper than the JSON reader's limit, so `--state` and `PUT
/// /__emulator/state` refused the emulator's own dump. One depth rule now holds for bodies and
/// the state: what the API accepts saves, reloads from the file and loads back through the
/// control plane; one level more is a 400 naming where, and changes nothing.
#[tokio::test]
async fn whatever_a_body_may_nest_saves_and_reloads() {
    use cloudflare_cni_server::MAX_BODY_DEPTH;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let config = || EmulatorConfig::default().state_file(path.clone());
    let emulator = Emulator::new(config());
    let base = emulator.clone().spawn().await.unwrap();
    let client = Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let (_, cni) = populate(&client).await;
    let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis/{}", cni.id);
    let mut body = serde_json::to_value(&cni).unwrap();
    // The body is level 1, so `extra` may nest MAX_BODY_DEPTH - 1 levels.
    body["extra"] = nested_object(MAX_BODY_DEPTH - 1);
    let answer = http
        .put(&url)
        .bearer_auth("t")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    let kept = objects(&emulator);
    // Saved, reloaded from the file, and loaded back through the control plane.
    emulator.save().unwrap();
    let restarted = Emulator::new(config());
    assert!(restarted.load_state(&path).unwrap());
    assert_eq!(objects(&restarted), kept);
    let dump = serde_json::to_value(emulator.state()).unwrap();
    let (status, answer) = put_state(&http, &base, &dump).await;
    assert_eq!(status, 200, "{answer}");
    // One level more: refused where it goes too deep, and nothing changes.
    body["extra"] = nested_object(MAX_BODY_DEPTH);
    let answer = http
        .put(&url)
        .bearer_auth("t")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let refusal: Value = answer.json().await.unwrap();
    let pointer = format!("/extra{}", "/a".repeat(MAX_BODY_DEPTH - 1));
    assert_eq!(
        refusal["errors"][0]["source"]["pointer"],
        pointer.as_str(),
        "{refusal}"
    );
    assert_eq!(objects(&emulator), kept);
    // A state holding a deeper object is refused by the control plane too, naming the object.
    let mut deep = dump.clone();
    deep["accounts"][ACCOUNT]["cnis"][0]["cni"]["extra"] = nested_object(MAX_BODY_DEPTH);
    let (status, answer) = put_state(&http, &base, &deep).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["errors"][0]["source"]["pointer"],
        format!("/accounts/{ACCOUNT}/cnis/0/cni").as_str(),
        "{answer}"
    );
}
