//! Peak RSS of a client reading a listing of N CNIs from the generated server in another
//! process: item by item through `stream()`, or collected into a Vec.
//!
//! `pagination_memory stream|collect N` prints `{"mode", "items", "peak_rss_kib"}`;
//! `pagination_memory serve N` serves the listing and prints its address.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use cloudflare_cni_bench::{peak_rss_kib, FixedData, ACCOUNT};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("stream");
    let items: u64 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    if mode == "serve" {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("http://{}", listener.local_addr().unwrap());
        axum::serve(
            listener,
            cloudflare_cni_server::router(FixedData::new(items)),
        )
        .await
        .unwrap();
        return;
    }
    let mut server = Command::new(std::env::current_exe().unwrap())
        .args(["serve", &items.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let client = cloudflare_cni_client::Client::builder()
        .base_url(line.trim())
        .api_token("bench")
        .build()
        .unwrap();
    let listing = client.list_cnis().account_id(ACCOUNT).limit(100u64);
    let count = match mode {
        "collect" => listing.stream().try_collect().await.unwrap().len() as u64,
        _ => {
            let mut stream = listing.stream();
            let mut n = 0;
            while let Some(item) = stream.next().await {
                std::hint::black_box(item.unwrap());
                n += 1;
            }
            n
        }
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(count, items);
    println!(
        "{}",
        serde_json::json!({"mode": mode, "items": items, "peak_rss_kib": peak_rss_kib()})
    );
}
