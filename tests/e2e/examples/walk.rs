//! Walks every operation of an emulator at a base URL, as `cargo xtask conformance` does
//! through Prism: `cargo run -p cloudflare-cni-tests --example walk -- http://127.0.0.1:4010
//! TOKEN`. A surprise ends it with one line naming the step and the answer, and exit status 1.

use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(base), Some(token)) = (args.next(), args.next()) else {
        eprintln!("usage: walk BASE_URL API_TOKEN");
        return ExitCode::from(2);
    };
    let client = match cloudflare_cni_client::Client::builder()
        .base_url(&base)
        .api_token(token)
        .max_retries(0)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            eprintln!("walk: cannot make a client for {base}: {e}");
            return ExitCode::from(2);
        }
    };
    match cloudflare_cni_tests::walk_every_operation(
        &client,
        "walk-account-a",
        "walk-account-b",
        Duration::from_millis(600),
    )
    .await
    {
        Ok(()) => {
            println!("walk: every operation answered as the spec says");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
