//! What an emulator write costs as an account grows: `create_cni` and `update_cni` (PUT) on the
//! emulator as a library (the trait methods, no HTTP), in an account loaded with 100, 10,000
//! and 100,000 CNIs. Each round loads every size afresh and measures them one after another,
//! so the machine's drift lands on all of them; one JSON line per round and size:
//! `{"round": R, "cnis": N, "create_us": .., "put_us": ..}` (microseconds per call, the mean of
//! `CALLS` calls, each timed on its own).
//!
//! Usage: `emulator_writes [ROUNDS]` (default 5).

use std::path::Path;
use std::time::{Duration, Instant};

use cloudflare_cni_emulator::{Emulator, EmulatorConfig, StateFile};
use cloudflare_cni_server::types::{Cni, CniCreateRequest, MagicSettings};
use cloudflare_cni_server::{CniApi, Credentials, RequestContext, Secret};
use serde_json::json;

const ACCOUNT: &str = "bench";
const ICON: &str = "gcp-europe-west3-1";
const SIZES: [usize; 3] = [100, 10_000, 100_000];
const CALLS: usize = 20_000;

/// An emulator whose account holds `cnis` CNIs on one partner interconnect, links from a /10.
fn loaded(cnis: usize) -> Emulator {
    let emulator = Emulator::new(
        EmulatorConfig::default().link_pool("100.64.0.0/10".parse().expect("a prefix")),
    );
    let items: Vec<_> = (0..cnis)
        .map(|n| {
            let first = u32::from(std::net::Ipv4Addr::new(100, 64, 0, 0)) + 2 * n as u32;
            json!({"seq": n + 2, "cni": {
                "id": uuid::Uuid::from_u128(n as u128 + 1), "account": ACCOUNT, "interconnect": ICON,
                "p2p_ip": format!("{}/31", std::net::Ipv4Addr::from(first)),
                "cust_ip": format!("{}/31", std::net::Ipv4Addr::from(first + 1)),
                "magic": {"conduit_name": format!("c{n}"), "description": "d", "mtu": 1500}}})
        })
        .collect();
    let state = json!({
        "format": "cloudflare-cni-emulator-state", "version": 1, "lifecycle": "automatic",
        "status_delay_seconds": 5.0,
        "accounts": {ACCOUNT: {"last_seq": cnis + 1, "next_name": 1,
            "interconnects": [{"seq": 1, "age_seconds": 0.0, "interconnect": {
                "type": "gcp_partner", "account": ACCOUNT, "name": ICON, "region": "europe-west3",
                "virtual_port_reservation_id": uuid::Uuid::nil(), "speed": "1G"}}],
            "cnis": items}}
    });
    let origin = Path::new("the benchmark's state");
    let state = StateFile::parse(&state.to_string(), origin).expect("a state file");
    emulator
        .restore(state, origin)
        .expect("a state the API could have made");
    emulator
}

fn credentials() -> RequestContext {
    RequestContext::new(Credentials::ApiToken(Secret::new("bench")))
}

/// Microseconds per call of `CALLS` creates (each deleted again, untimed, so the account
/// keeps its size), then of `CALLS` PUTs on loaded CNIs picked at random (what a PUT touches
/// is then anywhere in the account, not in a cache-warm corner of it).
async fn measure(emulator: &Emulator, cnis: usize) -> (f64, f64) {
    let mut create = Duration::ZERO;
    for n in 0..CALLS {
        let body = CniCreateRequest::builder()
            .account(ACCOUNT)
            .interconnect(ICON)
            .magic(
                MagicSettings::builder()
                    .conduit_name(format!("new{n}"))
                    .description("d")
                    .mtu(1500),
            )
            .build()
            .expect("a body");
        let started = Instant::now();
        let cni = emulator
            .create_cni(credentials(), ACCOUNT.into(), Default::default(), body)
            .await
            .expect("created");
        create += started.elapsed();
        emulator
            .delete_cni(credentials(), ACCOUNT.into(), cni.id, Default::default())
            .await
            .expect("deleted");
    }
    let mut put = Duration::ZERO;
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..CALLS {
        // A linear congruential step: a fixed, cheap sequence of picks.
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let pick = (state >> 33) as usize % cnis;
        let id = uuid::Uuid::from_u128(pick as u128 + 1);
        let mut cni: Cni = emulator
            .get_cni(credentials(), ACCOUNT.into(), id, Default::default())
            .await
            .expect("loaded");
        cni.magic.description = format!("moved {pick}");
        let started = Instant::now();
        emulator
            .update_cni(credentials(), ACCOUNT.into(), id, Default::default(), cni)
            .await
            .expect("updated");
        put += started.elapsed();
    }
    let per_call = |total: Duration| total.as_secs_f64() * 1e6 / CALLS as f64;
    (per_call(create), per_call(put))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    for round in 0..rounds {
        for cnis in SIZES {
            let emulator = loaded(cnis);
            let (create_us, put_us) = measure(&emulator, cnis).await;
            println!(
                "{}",
                json!({"round": round, "cnis": cnis, "create_us": create_us, "put_us": put_us})
            );
        }
    }
}
