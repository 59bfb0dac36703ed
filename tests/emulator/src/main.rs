//! `cloudflare-cni-emulator --listen 127.0.0.1:8787`: serves the emulated API at
//! `http://127.0.0.1:8787/client/v4` and its control plane at `/__emulator` until SIGINT or
//! SIGTERM; with `--state FILE`, loads the state at start and writes it at shutdown.
//!
//! Once bound, it prints one line to standard output, `cloudflare-cni-emulator listening on
//! http://ADDRESS/client/v4`, with the address it really holds (`--listen 127.0.0.1:0` lets the
//! OS choose the port): a script reads it there. Its log goes to standard error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cloudflare_cni_emulator::{
    load_slots, Emulator, EmulatorConfig, Grant, LifecycleMode, StateFile,
};
use cloudflare_cni_server::{serve, ServeConfig};

const AFTER_HELP: &str = "\
The API is served under /client/v4, like https://api.cloudflare.com/client/v4.

Control plane (not part of the API; JSON in and out, errors in the API's envelope):
  GET  /__emulator/state                  the state, in the --state file's format
  PUT  /__emulator/state                  replace the state with such a document
  POST /__emulator/state/save             write the state to the --state file now
  POST /__emulator/reset                  back to the seed catalogue: no accounts, no faults
  GET|PUT /__emulator/lifecycle           {\"mode\": \"automatic\"|\"manual\", \"status_delay_seconds\": 5}
  POST /__emulator/clock/advance          {\"seconds\": 3600}: the automatic lifecycle moves on
  PUT|DELETE /__emulator/accounts/ACCOUNT/interconnects/ICON/status
                                          pin a status ({\"state\": \"Down\", \"reason\": \"...\"}),
                                          or hand it back to the automatic lifecycle
  GET|POST|DELETE /__emulator/faults      list, inject, clear faults; a fault is
                                          {\"operation\": \"get_cni\"|\"*\", \"status\": 503, \"retry_after\": 2,
                                           \"latency_ms\": 100, \"drop_connection\": false,
                                           \"times\": 3, \"probability\": 0.5}
  DELETE /__emulator/faults/ID            remove one fault
  PUT  /__emulator/faults/seed            {\"seed\": 42}: restart the generator behind probabilities
With --api-token/--api-key, the control plane needs a credential granted every account.

Once listening, it prints one line to standard output, \"cloudflare-cni-emulator listening on
http://ADDRESS/client/v4\": the address it holds (--listen 127.0.0.1:0 lets the OS choose the
port). The log goes to standard error.

Exit status: 0 after a graceful shutdown (SIGINT, SIGTERM) with the state written; 1 when the
arguments, the slot catalogue or the state file are refused, the address cannot be bound, or
the state cannot be written.";

#[derive(Parser)]
#[command(
    name = "cloudflare-cni-emulator",
    version,
    about = "A stateful emulator of Cloudflare's Network Interconnects (CNI) API, for tests",
    after_help = AFTER_HELP
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// A slot catalogue of your own (JSON, like seed/slots.json) instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    slots: Option<PathBuf>,
    /// Seconds an interconnect stays Pending before it is Healthy (the automatic lifecycle).
    #[arg(long, default_value_t = 5.0)]
    status_delay: f64,
    /// Start in the manual lifecycle: interconnects stay Pending until a test sets a status
    /// through the control plane.
    #[arg(long)]
    manual_lifecycle: bool,
    /// Load the state from FILE at start (if it exists) and write it there, atomically, on a
    /// graceful shutdown and on POST /__emulator/state/save.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// The seed of the generator that decides faults injected with a probability.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// The default_asn of an account that never set one.
    #[arg(long, default_value_t = 65000)]
    default_asn: i64,
    /// An API token to accept, on every account or only on the accounts listed after a colon
    /// (repeatable). Without tokens or keys, any credentials act on any account.
    #[arg(long = "api-token", value_name = "TOKEN[:ACCOUNT,...]")]
    api_tokens: Vec<String>,
    /// An email and global API key to accept, on every account or only on the accounts listed
    /// after a second colon (repeatable).
    #[arg(long = "api-key", value_name = "EMAIL:KEY[:ACCOUNT,...]")]
    api_keys: Vec<String>,
    /// The IPv4 prefix each account's CNI links (/31s) are taken from.
    #[arg(long, value_name = "CIDR", default_value = "100.64.0.0/16")]
    link_pool: ipnet::Ipv4Net,
    /// Seconds a client may take to send a request head (also closes idle connections).
    #[arg(long, default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds open requests may run on after SIGINT/SIGTERM before connections are dropped.
    #[arg(long, default_value_t = 10.0)]
    shutdown_grace: f64,
}

/// A number of seconds a flag gives, within `bounds` (the text says them in the error).
fn seconds(flag: &str, value: f64, bounds: Bounds) -> Result<Duration, String> {
    let (low, high, said) = match bounds {
        Bounds::ZeroOrMore => (0.0, TEN_YEARS, "from 0 to 315360000 (ten years)"),
        Bounds::AboveZero => (f64::MIN_POSITIVE, ONE_HOUR, "above 0 and at most 3600"),
        Bounds::UpToAnHour => (0.0, ONE_HOUR, "from 0 to 3600"),
    };
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(Duration::from_secs_f64(value))
    } else {
        // Display writes every digit of 1e300: say such a number as given.
        let given = match value.abs() < 1e15 {
            true => format!("{value}"),
            false => format!("{value:e}"),
        };
        Err(format!(
            "{flag} {given}: must be a number of seconds {said}"
        ))
    }
}

const TEN_YEARS: f64 = 315_360_000.0;
const ONE_HOUR: f64 = 3_600.0;

/// The range a duration flag accepts.
#[derive(Clone, Copy)]
enum Bounds {
    /// The emulator's own clock: anything a test could want.
    ZeroOrMore,
    /// A timeout that closes connections: 0 would close every one before its request.
    AboveZero,
    /// A grace period.
    UpToAnHour,
}

/// What clap's parsers let through that the emulator cannot use.
fn check_args(args: &Args) -> Result<(), String> {
    if args.link_pool.prefix_len() > 31 {
        return Err(format!(
            "--link-pool {}: a CNI link is a /31, so the pool must be a /31 or wider",
            args.link_pool
        ));
    }
    if !(0..=i64::from(u32::MAX)).contains(&args.default_asn) {
        return Err(format!(
            "--default-asn {}: an ASN is from 0 to 4294967295",
            args.default_asn
        ));
    }
    Ok(())
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
        .with_writer(std::io::stderr)
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
    if let Err(e) = check_args(&args) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let durations = (
        seconds("--status-delay", args.status_delay, Bounds::ZeroOrMore),
        seconds("--header-timeout", args.header_timeout, Bounds::AboveZero),
        seconds("--shutdown-grace", args.shutdown_grace, Bounds::UpToAnHour),
    );
    let (status_delay, header_timeout, shutdown_grace) = match durations {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tokens = args.api_tokens.iter().map(|t| Grant::parse_token(t));
    let keys = args.api_keys.iter().map(|k| Grant::parse_key(k));
    let grants = match tokens.chain(keys).collect::<Result<Vec<_>, _>>() {
        Ok(grants) => grants,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if grants.is_empty() {
        tracing::warn!(
            "no --api-token or --api-key: ANY credentials act on ANY account (fine for local use only)"
        );
    }
    let mut config = EmulatorConfig::default()
        .slots(slots)
        .status_delay(status_delay)
        // Checked above to be inside the ASN space.
        .default_asn(u32::try_from(args.default_asn).unwrap_or(u32::MAX))
        .grants(grants)
        .link_pool(args.link_pool)
        .lifecycle(match args.manual_lifecycle {
            true => LifecycleMode::Manual,
            false => LifecycleMode::Automatic,
        })
        .fault_seed(args.fault_seed);
    if let Some(path) = &args.state {
        config = config.state_file(path);
    }
    let emulator = Emulator::new(config);
    // The state is read before the port is bound: a refused file stops here, and nothing
    // will overwrite it.
    if let Some(path) = &args.state {
        // A state that could not be written at shutdown would be lost: refuse it now.
        if let Err(e) = StateFile::prepare(path) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        match emulator.load_state(path) {
            Ok(true) => tracing::info!("state loaded from {}", path.display()),
            Ok(false) => tracing::info!(
                "no state file at {} yet: starting empty, it is written at shutdown",
                path.display()
            ),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(e) => {
            eprintln!(
                "error: cannot read the address bound for {}: {e}",
                args.listen
            );
            return ExitCode::FAILURE;
        }
    };
    // The one line on standard output: where it listens, for whoever started it.
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let announced = writeln!(
            stdout,
            "cloudflare-cni-emulator listening on http://{address}/client/v4"
        )
        .and_then(|()| stdout.flush());
        if let Err(e) = announced {
            eprintln!("error: cannot write the address to standard output: {e}");
            return ExitCode::FAILURE;
        }
    }
    tracing::info!(
        "emulating the Cloudflare CNI API at http://{address}/client/v4 ({} slots; control plane at /__emulator)",
        emulator.slot_count()
    );
    let app = emulator.clone().router();
    let serving = ServeConfig::default()
        .header_read_timeout(header_timeout)
        .shutdown_grace(shutdown_grace);
    if let Err(e) = serve(listener, app, serving, shutdown_signal()).await {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(path) = &args.state {
        match emulator.save_state(path) {
            Ok(()) => tracing::info!("state written to {}", path.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
