//! The client's logging, in a test binary of its own: tracing caches whether a log line is
//! wanted per call site for the whole process, and the e2e binary's other tests run their own
//! subscribers on other threads at the same time, which made this test fail under
//! `cargo test` (one process, many threads) though not under nextest (one process per test).

use std::time::Duration;

use cloudflare_cni_client::Client;
use serde_json::json;

#[path = "e2e/scripted.rs"]
#[allow(dead_code)] // this binary uses a few of the shared helpers
mod scripted;

use scripted::*;

const ACCOUNT: &str = "acc";

fn client(server: &Scripted) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .api_token("secret-token-123")
        .timeout(None::<Duration>)
        .connect_timeout(None::<Duration>)
        .build()
        .unwrap()
}

fn settings(asn: u32) -> Canned {
    json(200, json!({ "default_asn": asn }))
}

fn envelope(code: u32, message: &str) -> serde_json::Value {
    json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null})
}

/// The messages of the events at `level` or above that a call logs.
#[derive(Clone, Default)]
struct Logged(std::sync::Arc<std::sync::Mutex<Vec<(tracing::Level, String)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Logged {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), message.0));
    }
}

/// The finding: every request attempt was logged at INFO, filling an application's
/// log. Attempts are DEBUG; a retry (something went wrong) stays INFO.
#[tokio::test(start_paused = true)]
async fn attempts_are_logged_at_debug_and_retries_at_info() {
    use tracing_subscriber::layer::SubscriberExt;
    let logged = Logged::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(logged.clone()));
    let server = serve_queue(vec![json(503, envelope(1006, "busy")), settings(65000)]).await;
    client(&server)
        .get_settings()
        .account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    let events = logged.0.lock().unwrap().clone();
    let at = |level: tracing::Level, text: &str| {
        events.iter().any(|(l, m)| *l == level && m.contains(text))
    };
    assert!(at(tracing::Level::DEBUG, "attempt answered"), "{events:?}");
    assert!(at(tracing::Level::INFO, "retrying"), "{events:?}");
    assert!(
        !events
            .iter()
            .any(|(l, m)| *l <= tracing::Level::INFO && m.contains("attempt")),
        "no attempt above DEBUG: {events:?}"
    );
}
