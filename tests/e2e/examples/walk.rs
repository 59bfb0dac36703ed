//! Walks every operation of an emulator at a base URL, as scripts/conformance does through
//! Prism: `cargo run -p cloudflare-cni-tests --example walk -- http://127.0.0.1:4010 TOKEN`.

use std::time::Duration;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(base), Some(token)) = (args.next(), args.next()) else {
        eprintln!("usage: walk BASE_URL API_TOKEN");
        std::process::exit(2);
    };
    let client = cloudflare_cni_client::Client::builder()
        .base_url(base)
        .api_token(token)
        .max_retries(0)
        .build()
        .expect("a valid client");
    cloudflare_cni_tests::walk_every_operation(
        &client,
        "walk-account-a",
        "walk-account-b",
        Duration::from_millis(600),
    )
    .await;
    println!("walk: every operation answered as the spec says");
}
