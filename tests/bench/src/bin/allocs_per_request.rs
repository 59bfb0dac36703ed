//! Heap allocations per call, for each operation of the round-trip table: the generated client
//! and the hand-written reqwest call, each against the same hand-written axum server in this
//! process (the server's share is the same for both, so the difference is the clients'), and
//! the hand-written client against the generated server (the difference from the hand-written
//! pair is the generated server's). The profile behind BENCHMARKS.md's round-trip figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cloudflare_cni_bench::{cni_create_request, hand_written_server, FixedData, ACCOUNT};
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

#[tokio::main(flavor = "current_thread")]
async fn main() {
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
