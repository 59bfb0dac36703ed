//! Requests per second and p50/p99 latency over 127.0.0.1 for `get_cni` and `list_cnis`
//! (100 items): the generated client against the generated server, and a hand-written
//! reqwest + axum pair doing the same work with the same types. Same concurrency, same run.
//!
//! `roundtrip SECONDS CONCURRENCY` prints one JSON object per measurement.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::routing::get;
use axum::Json;
use cloudflare_cni_bench::{percentile, FixedData, ACCOUNT};
use cloudflare_cni_client::types;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// The hand-written server: the same routes and data, plain axum handlers.
fn hand_written_server(data: Arc<FixedData>) -> axum::Router {
    let list = data.clone();
    axum::Router::new()
        .route(
            "/accounts/{account_id}/cni/cnis",
            get(
                move |axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| {
                    let data = list.clone();
                    async move {
                        let limit = q.get("limit").and_then(|l| l.parse().ok());
                        let cursor = q.get("cursor").and_then(|c| c.parse().ok());
                        Json(data.page(cursor, limit))
                    }
                },
            ),
        )
        .route(
            "/accounts/{account_id}/cni/cnis/{cni}",
            get(move |Path((_account, _cni)): Path<(String, uuid::Uuid)>| {
                let data = data.clone();
                async move { Json(data.one.clone()) }
            }),
        )
}

async fn measure<F, Fut>(seconds: u64, concurrency: usize, call: F) -> (f64, u64, u64)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    // Warm up connections and caches.
    for _ in 0..200 {
        call().await;
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let start = Instant::now();
                    call().await;
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
    all.sort_unstable();
    (
        all.len() as f64 / seconds as f64,
        percentile(&all, 50.0),
        percentile(&all, 99.0),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(16);
    // Optional: only the pair of this name (e.g. `generated`), for profiling.
    let only = args.next();
    let data = Arc::new(FixedData::new(100));
    let id = data.one.id;

    let generated_base = serve(cloudflare_cni_server::router((*data).clone())).await;
    let client = cloudflare_cni_client::Client::builder()
        .base_url(&generated_base)
        .api_token("bench")
        .build()
        .unwrap();
    let hand_base = serve(hand_written_server(data.clone())).await;
    let http = reqwest::Client::new();
    // The mixed pairs split the overhead between the client side and the server side.
    let client_on_hand_server = cloudflare_cni_client::Client::builder()
        .base_url(&hand_base)
        .api_token("bench")
        .build()
        .unwrap();

    for operation in ["get_cni", "list_cnis"] {
        let generated = {
            let client = client.clone();
            move || {
                let client = client.clone();
                async move {
                    if operation == "get_cni" {
                        let cni = client
                            .get_cni()
                            .account_id(ACCOUNT)
                            .cni(id)
                            .send()
                            .await
                            .unwrap();
                        std::hint::black_box(cni);
                    } else {
                        let page = client
                            .list_cnis()
                            .account_id(ACCOUNT)
                            .limit(100u64)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(page.items.len(), 100);
                    }
                }
            }
        };
        let hand = {
            let http = http.clone();
            let base = hand_base.clone();
            move || {
                let (http, base) = (http.clone(), base.clone());
                async move {
                    if operation == "get_cni" {
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
                    } else {
                        let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis?limit=100");
                        let response = http
                            .get(url)
                            .bearer_auth("bench")
                            .send()
                            .await
                            .unwrap()
                            .error_for_status()
                            .unwrap();
                        let page = response.json::<types::CniList>().await.unwrap();
                        assert_eq!(page.items.len(), 100);
                    }
                }
            }
        };
        let generated_client_only = {
            let client = client_on_hand_server.clone();
            move || {
                let client = client.clone();
                async move {
                    if operation == "get_cni" {
                        std::hint::black_box(
                            client
                                .get_cni()
                                .account_id(ACCOUNT)
                                .cni(id)
                                .send()
                                .await
                                .unwrap(),
                        );
                    } else {
                        let page = client
                            .list_cnis()
                            .account_id(ACCOUNT)
                            .limit(100u64)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(page.items.len(), 100);
                    }
                }
            }
        };
        let generated_server_only = {
            let http = http.clone();
            let base = generated_base.clone();
            move || {
                let (http, base) = (http.clone(), base.clone());
                async move {
                    if operation == "get_cni" {
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
                    } else {
                        let url = format!("{base}/accounts/{ACCOUNT}/cni/cnis?limit=100");
                        let response = http
                            .get(url)
                            .bearer_auth("bench")
                            .send()
                            .await
                            .unwrap()
                            .error_for_status()
                            .unwrap();
                        assert_eq!(
                            response.json::<types::CniList>().await.unwrap().items.len(),
                            100
                        );
                    }
                }
            }
        };
        let wanted = |pair: &str| only.as_ref().is_none_or(|o| pair == o.as_str());
        let mut results = Vec::new();
        if wanted("generated") {
            results.push(("generated", measure(seconds, concurrency, generated).await));
        }
        if wanted("hand_written") {
            results.push(("hand_written", measure(seconds, concurrency, hand).await));
        }
        if wanted("generated_client+hand_written_server") {
            results.push((
                "generated_client+hand_written_server",
                measure(seconds, concurrency, generated_client_only).await,
            ));
        }
        if wanted("hand_written_client+generated_server") {
            results.push((
                "hand_written_client+generated_server",
                measure(seconds, concurrency, generated_server_only).await,
            ));
        }
        for (pair, result) in results {
            println!(
                "{}",
                serde_json::json!({"operation": operation, "pair": pair, "rps": result.0, "p50_us": result.1, "p99_us": result.2})
            );
        }
    }
}
