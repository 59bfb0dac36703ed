//! Requests per second and p50/p99 latency over 127.0.0.1: the generated client against the
//! generated server, and a hand-written reqwest + axum pair doing the same work with the same
//! types (for `create_cni`, the same validation on both sides). Same concurrency, same run.
//!
//! Operations: `get_cni`; `list_cnis` (100 CNIs); `list_interconnects` (100 interconnects,
//! direct and partner mixed: the union's decoding); `create_cni` (a body with BGP, 8 prefixes
//! and an MD5 key, validated by client and server). `get_cni`, `list_cnis` and `create_cni`
//! also measure the two mixed pairs, which place the cost on one side.
//!
//! The pairs are interleaved: each measurement is cut into slices, and the slices of the
//! pairs alternate (A B A B …), so a drift of the machine during the run lands on every pair.
//!
//! `roundtrip SECONDS CONCURRENCY [SLICES] [PAIR]` prints one JSON object per operation and
//! pair; SECONDS is each pair's total time per operation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudflare_cni_bench::{
    cni_create_request, hand_written_server, percentile, FixedData, ACCOUNT,
};
use cloudflare_cni_client::types;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    GetCni,
    ListCnis,
    ListInterconnects,
    CreateCni,
}

impl Operation {
    const ALL: [Operation; 4] = [
        Operation::GetCni,
        Operation::ListCnis,
        Operation::ListInterconnects,
        Operation::CreateCni,
    ];

    fn name(self) -> &'static str {
        match self {
            Operation::GetCni => "get_cni",
            Operation::ListCnis => "list_cnis",
            Operation::ListInterconnects => "list_interconnects",
            Operation::CreateCni => "create_cni",
        }
    }

    /// The pairs measured for this operation.
    fn pairs(self) -> &'static [&'static str] {
        match self {
            // The hand-written pair against itself: the noise floor of a ratio here.
            Operation::GetCni => &[
                "generated",
                "hand_written",
                "generated_client+hand_written_server",
                "hand_written_client+generated_server",
                "hand_written_again",
            ],
            Operation::ListCnis | Operation::CreateCni => &[
                "generated",
                "hand_written",
                "generated_client+hand_written_server",
                "hand_written_client+generated_server",
            ],
            _ => &["generated", "hand_written"],
        }
    }
}

struct Context {
    data: Arc<FixedData>,
    generated_base: String,
    hand_base: String,
    /// The generated client, against the generated server and against the hand-written one.
    on_generated: cloudflare_cni_client::Client,
    on_hand: cloudflare_cni_client::Client,
    http: reqwest::Client,
}

/// One call of the generated client.
async fn generated_call(client: &cloudflare_cni_client::Client, op: Operation, ctx: &Context) {
    match op {
        Operation::GetCni => {
            let cni = client
                .get_cni()
                .account_id(ACCOUNT)
                .cni(ctx.data.one.id)
                .send()
                .await
                .unwrap();
            std::hint::black_box(cni);
        }
        Operation::ListCnis => {
            let page = client
                .list_cnis()
                .account_id(ACCOUNT)
                .limit(100u64)
                .send()
                .await
                .unwrap();
            assert_eq!(page.items.len(), 100);
        }
        Operation::ListInterconnects => {
            let page = client
                .list_interconnects()
                .account_id(ACCOUNT)
                .send()
                .await
                .unwrap();
            assert_eq!(page.items.len(), 100);
        }
        Operation::CreateCni => {
            let cni = client
                .create_cni()
                .account_id(ACCOUNT)
                .body(cni_create_request())
                .send()
                .await
                .unwrap();
            std::hint::black_box(cni);
        }
    }
}

/// The same call by hand: reqwest, the same types, and for a creation the same validation
/// before sending.
async fn hand_call(base: &str, op: Operation, ctx: &Context) {
    let http = &ctx.http;
    match op {
        Operation::GetCni => {
            let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis/{}", ctx.data.one.id);
            let response = http.get(url).bearer_auth("bench").send().await.unwrap();
            let response = response.error_for_status().unwrap();
            std::hint::black_box(response.json::<types::Cni>().await.unwrap());
        }
        Operation::ListCnis => {
            let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis?limit=100");
            let response = http.get(url).bearer_auth("bench").send().await.unwrap();
            let page: types::CniList = response.error_for_status().unwrap().json().await.unwrap();
            assert_eq!(page.items.len(), 100);
        }
        Operation::ListInterconnects => {
            let url = format!("{base}/accounts/{ACCOUNT}/cni/interconnects");
            let response = http.get(url).bearer_auth("bench").send().await.unwrap();
            let page: types::InterconnectList =
                response.error_for_status().unwrap().json().await.unwrap();
            assert_eq!(page.items.len(), 100);
        }
        Operation::CreateCni => {
            let body = cni_create_request();
            cloudflare_cni_validate::Validate::validate(&body).unwrap();
            let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis");
            let response = http
                .post(url)
                .bearer_auth("bench")
                .json(&body)
                .send()
                .await
                .unwrap();
            let cni: types::Cni = response.error_for_status().unwrap().json().await.unwrap();
            std::hint::black_box(cni);
        }
    }
}

async fn call(pair: &str, op: Operation, ctx: &Context) {
    match pair {
        "generated" => generated_call(&ctx.on_generated, op, ctx).await,
        "hand_written" | "hand_written_again" => hand_call(&ctx.hand_base, op, ctx).await,
        "generated_client+hand_written_server" => generated_call(&ctx.on_hand, op, ctx).await,
        "hand_written_client+generated_server" => hand_call(&ctx.generated_base, op, ctx).await,
        other => panic!("no pair {other}"),
    }
}

/// Runs `concurrency` workers calling for `duration`; returns the calls' latencies (µs).
async fn slice(
    ctx: &Arc<Context>,
    pair: &'static str,
    op: Operation,
    duration: Duration,
    concurrency: usize,
) -> Vec<u64> {
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let start = Instant::now();
                    call(pair, op, &ctx).await;
                    latencies.push(start.elapsed().as_micros() as u64);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(4.0);
    let concurrency: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(16);
    let slices: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(4).max(1);
    // Optional: only the pair of this name (e.g. `generated`), for profiling.
    let only = args.next();
    let data = Arc::new(FixedData::new(100));
    let generated_base = serve(cloudflare_cni_server::router((*data).clone())).await;
    let hand_base = serve(hand_written_server(data.clone())).await;
    let client = |base: &str| {
        cloudflare_cni_client::Client::builder()
            .base_url(base)
            .api_token("bench")
            .build()
            .unwrap()
    };
    let ctx = Arc::new(Context {
        on_generated: client(&generated_base),
        on_hand: client(&hand_base),
        http: reqwest::Client::new(),
        data,
        generated_base,
        hand_base,
    });
    let per_slice = Duration::from_secs_f64(seconds / f64::from(slices));
    for op in Operation::ALL {
        let pairs: Vec<&'static str> = op
            .pairs()
            .iter()
            .copied()
            .filter(|p| only.as_ref().is_none_or(|o| o == p))
            .collect();
        // Warm up every pair's connections and caches.
        for pair in &pairs {
            for _ in 0..200 {
                call(pair, op, &ctx).await;
            }
        }
        let mut latencies: Vec<Vec<u64>> = vec![Vec::new(); pairs.len()];
        for _ in 0..slices {
            for (i, pair) in pairs.iter().enumerate() {
                latencies[i].extend(slice(&ctx, pair, op, per_slice, concurrency).await);
            }
        }
        for (pair, mut all) in pairs.iter().zip(latencies) {
            all.sort_unstable();
            println!(
                "{}",
                serde_json::json!({
                    "operation": op.name(), "pair": pair,
                    "rps": all.len() as f64 / seconds,
                    "p50_us": percentile(&all, 50.0), "p99_us": percentile(&all, 99.0)
                })
            );
        }
    }
}
