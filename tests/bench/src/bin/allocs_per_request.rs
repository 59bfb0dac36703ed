//! Heap allocations per call, for each operation of the round-trip table: the generated client
//! and the hand-written reqwest call, each against the same hand-written axum server in this
//! process (the server's share is the same for both, so the difference is the clients'), and
//! the hand-written client against the generated server (the difference from the hand-written
//! pair is the generated server's). The profile behind BENCHMARKS.md's round-trip figures.
//!
//! `allocs_per_request --trace OPERATION` instead records where each allocation of one call
//! comes from (the first frames outside the standard library, build with line tables:
//! `CARGO_PROFILE_RELEASE_DEBUG=line-tables-only`), for the generated client and the
//! hand-written one against the hand-written server, and prints the sites whose counts differ.

use std::alloc::{GlobalAlloc, Layout, System};
use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use cloudflare_cni_bench::{cni_create_request, hand_written_server, FixedData, ACCOUNT};
use cloudflare_cni_client::types;

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
/// Set while `--trace` records where each allocation comes from.
static TRACING: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The allocations' call stacks while tracing (this thread's: the runtime has one).
    static SITES: RefCell<Vec<Backtrace>> = const { RefCell::new(Vec::new()) };
    /// Set while a stack is being recorded, whose own allocations are not the call's.
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        if TRACING.load(Ordering::Relaxed) {
            let _ = IN_TRACE.try_with(|busy| {
                if !busy.replace(true) {
                    let trace = Backtrace::force_capture();
                    let _ = SITES.try_with(|sites| sites.borrow_mut().push(trace));
                    busy.set(false);
                }
            });
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CALLS: usize = 1000;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn generated(client: &cloudflare_cni_client::Client, op: &str, id: uuid::Uuid) {
    match op {
        "get_cni" => {
            let cni = client.get_cni().account_id(ACCOUNT).cni(id).send().await;
            std::hint::black_box(cni.unwrap());
        }
        "list_cnis" => {
            let page = client.list_cnis().account_id(ACCOUNT).limit(100u64).send();
            std::hint::black_box(page.await.unwrap());
        }
        "list_interconnects" => {
            let page = client.list_interconnects().account_id(ACCOUNT).send();
            std::hint::black_box(page.await.unwrap());
        }
        _ => {
            let made = client
                .create_cni()
                .account_id(ACCOUNT)
                .body(cni_create_request())
                .send();
            std::hint::black_box(made.await.unwrap());
        }
    }
}

async fn hand(http: &reqwest::Client, base: &str, op: &str, id: uuid::Uuid) {
    let get = |path: String| {
        http.get(format!("{base}{path}"))
            .bearer_auth("bench")
            .send()
    };
    match op {
        "get_cni" => {
            let response = get(format!("/accounts/{ACCOUNT}/cni/cnis/{id}"))
                .await
                .unwrap();
            std::hint::black_box(response.json::<types::Cni>().await.unwrap());
        }
        "list_cnis" => {
            let response = get(format!("/accounts/{ACCOUNT}/cni/cnis?limit=100"))
                .await
                .unwrap();
            std::hint::black_box(response.json::<types::CniList>().await.unwrap());
        }
        "list_interconnects" => {
            let response = get(format!("/accounts/{ACCOUNT}/cni/interconnects"))
                .await
                .unwrap();
            std::hint::black_box(response.json::<types::InterconnectList>().await.unwrap());
        }
        _ => {
            let body = cni_create_request();
            cloudflare_cni_validate::Validate::validate(&body).unwrap();
            let response = http
                .post(format!("{base}/accounts/{ACCOUNT}/cni/cnis"))
                .bearer_auth("bench")
                .json(&body)
                .send()
                .await
                .unwrap();
            std::hint::black_box(response.json::<types::Cni>().await.unwrap());
        }
    }
}

/// Allocations per call of `f`, after a warm-up.
async fn per_call<F, Fut>(f: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..100 {
        f().await;
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..CALLS {
        f().await;
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / CALLS as f64
}

/// Where an allocation comes from: the first frames of its stack outside the standard
/// library and this program, each as its function and place (`reqwest-0.12.23/src/….rs:10`).
fn site(trace: &Backtrace) -> String {
    let text = trace.to_string();
    let mut frames = Vec::new();
    let mut symbol = "";
    for line in text.lines() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("at ") {
            let std = at.starts_with("/rustc/") || at.contains("/library/");
            if !std && !at.contains("allocs_per_request.rs") {
                // The crate's folder and the file within it.
                let place = at
                    .rsplit_once("/src/")
                    .map(|(before, file)| {
                        let krate = before.rsplit('/').next().unwrap_or(before);
                        format!("{krate}/{file}")
                    })
                    .unwrap_or_else(|| at.to_string());
                let name: String = symbol
                    .split("::h")
                    .next()
                    .unwrap_or(symbol)
                    .chars()
                    .take(60)
                    .collect();
                frames.push(format!("{name} ({place})"));
                if frames.len() == 3 {
                    break;
                }
            }
        } else if let Some((number, name)) = line.split_once(": ") {
            if number.parse::<u32>().is_ok() {
                symbol = name;
            }
        }
    }
    frames.join("  <  ")
}

/// Allocation sites of one call of `f` (after a warm-up), counted.
async fn sites_of<F, Fut>(f: F) -> BTreeMap<String, i64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..10 {
        f().await;
    }
    SITES.with(|s| s.borrow_mut().clear());
    TRACING.store(true, Ordering::SeqCst);
    f().await;
    TRACING.store(false, Ordering::SeqCst);
    let traces = SITES.with(|s| std::mem::take(&mut *s.borrow_mut()));
    let mut counts = BTreeMap::new();
    for trace in &traces {
        *counts.entry(site(trace)).or_insert(0) += 1;
    }
    counts
}

/// `--trace OPERATION`: the sites where the generated side allocates more (or less) than the
/// hand-written one, for the client and for the server.
async fn trace(op: &str) {
    let data = Arc::new(FixedData::new(100));
    let id = data.one.id;
    let hand_base = serve(hand_written_server(data.clone())).await;
    let generated_base = serve(cloudflare_cni_server::router((*data).clone())).await;
    let client = cloudflare_cni_client::Client::builder()
        .base_url(&hand_base)
        .api_token("bench")
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let hand_pair = sites_of(|| hand(&http, &hand_base, op, id)).await;
    let generated_client = sites_of(|| generated(&client, op, id)).await;
    let generated_server = sites_of(|| hand(&http, &generated_base, op, id)).await;
    for (side, generated) in [("client", &generated_client), ("server", &generated_server)] {
        let total = |m: &BTreeMap<String, i64>| m.values().sum::<i64>();
        println!(
            "## {op}: the generated {side} ({} allocations in the call) against the hand-written pair ({})\n",
            total(generated),
            total(&hand_pair)
        );
        let mut keys: Vec<&String> = generated.keys().chain(hand_pair.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let (g, h) = (
                generated.get(key).copied().unwrap_or(0),
                hand_pair.get(key).copied().unwrap_or(0),
            );
            if g != h {
                println!("{:+3}  {key}", g - h);
            }
        }
        println!();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--trace") {
        trace(args.next().as_deref().unwrap_or("get_cni")).await;
        return;
    }
    let data = Arc::new(FixedData::new(100));
    let id = data.one.id;
    let hand_base = serve(hand_written_server(data.clone())).await;
    let generated_base = serve(cloudflare_cni_server::router((*data).clone())).await;
    let client = cloudflare_cni_client::Client::builder()
        .base_url(&hand_base)
        .api_token("bench")
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let mut out = serde_json::Map::new();
    for op in ["get_cni", "list_cnis", "list_interconnects", "create_cni"] {
        let generated_client = per_call(|| generated(&client, op, id)).await;
        let hand_written = per_call(|| hand(&http, &hand_base, op, id)).await;
        let on_generated_server = per_call(|| hand(&http, &generated_base, op, id)).await;
        out.insert(
            op.to_string(),
            serde_json::json!({
                "generated_client": generated_client,
                "hand_written": hand_written,
                "hand_written_client+generated_server": on_generated_server,
            }),
        );
    }
    println!("{}", serde_json::Value::Object(out));
}
