//! Heap allocations per `get_cni` call: the generated client and a plain reqwest call, each
//! against the same hand-written axum server in this process (the server's share is the same
//! for both, so the difference is the clients'). Explains the round-trip gap in BENCHMARKS.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::routing::get;
use axum::Json;
use cloudflare_cni_bench::{FixedData, ACCOUNT};
use cloudflare_cni_client::types;

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CALLS: usize = 2000;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = FixedData::new(1);
    let one = data.one.clone();
    let id = one.id;
    let app = axum::Router::new().route(
        "/accounts/{account_id}/cni/cnis/{cni}",
        get(move || {
            let one = one.clone();
            async move { Json(one) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = cloudflare_cni_client::Client::builder()
        .base_url(&base)
        .api_token("bench")
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let generated = || async {
        std::hint::black_box(
            client
                .get_cni()
                .account_id(ACCOUNT)
                .cni(id)
                .send()
                .await
                .unwrap(),
        );
    };
    let plain = || async {
        let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis/{id}");
        let response = http
            .get(url)
            .bearer_auth("bench")
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        std::hint::black_box(response.json::<types::Cni>().await.unwrap());
    };
    // Warm up both (connection pools, lazy statics).
    for _ in 0..100 {
        generated().await;
        plain().await;
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..CALLS {
        generated().await;
    }
    let generated_allocs = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / CALLS as f64;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..CALLS {
        plain().await;
    }
    let plain_allocs = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / CALLS as f64;
    println!(
        "{}",
        serde_json::json!({"generated_client": generated_allocs, "hand_written_client": plain_allocs})
    );
}
