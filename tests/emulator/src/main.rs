//! `cloudflare-cni-emulator --listen 127.0.0.1:8787`: serves the emulated API at
//! `http://127.0.0.1:8787/client/v4` until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cloudflare_cni_emulator::{load_slots, Emulator, EmulatorConfig};

#[derive(Parser)]
#[command(
    name = "cloudflare-cni-emulator",
    about = "An in-memory emulator of Cloudflare's CNI API"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// A slot catalogue of your own (JSON, like seed/slots.json) instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    slots: Option<PathBuf>,
    /// Seconds an interconnect stays Pending before it is Healthy.
    #[arg(long, default_value_t = 5.0)]
    status_delay: f64,
    /// The default_asn of an account that never set one.
    #[arg(long, default_value_t = 65000)]
    default_asn: i64,
    /// An API token to accept (repeatable). Without tokens or keys, any credentials pass.
    #[arg(long = "api-token", value_name = "TOKEN")]
    api_tokens: Vec<String>,
    /// An email and global API key to accept, as EMAIL:KEY (repeatable).
    #[arg(long = "api-key", value_name = "EMAIL:KEY")]
    api_keys: Vec<String>,
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let slots = match load_slots(args.slots.as_deref()) {
        Ok(slots) => slots,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !(args.status_delay.is_finite() && args.status_delay >= 0.0) {
        eprintln!("error: --status-delay must be a number of seconds, 0 or more");
        return ExitCode::FAILURE;
    }
    let mut api_keys = Vec::new();
    for pair in &args.api_keys {
        match pair.split_once(':') {
            Some((email, key)) if !email.is_empty() && !key.is_empty() => {
                api_keys.push((email.to_string(), key.to_string()))
            }
            _ => {
                eprintln!("error: --api-key takes EMAIL:KEY, got {pair:?}");
                return ExitCode::FAILURE;
            }
        }
    }
    let config = EmulatorConfig {
        slots,
        status_delay: Duration::from_secs_f64(args.status_delay),
        default_asn: args.default_asn,
        api_tokens: args.api_tokens,
        api_keys,
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(args.listen);
    tracing::info!(
        "emulating the Cloudflare CNI API at http://{address}/client/v4 ({} slots)",
        config.slots.len()
    );
    let app = Emulator::new(config).router();
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
