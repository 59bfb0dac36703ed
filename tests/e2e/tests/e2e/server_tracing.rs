//! Each request runs in one tracing span that names its operation and records its status,
//! rejections included.

use std::sync::{Arc, Mutex};

use crate::fixtures::*;
use axum::body::Body;
use axum::http::{header, Request};
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Collects (span name, field, value) for every span field set.
#[derive(Clone, Default)]
struct Fields(Arc<Mutex<Vec<(String, String, String)>>>);

struct Recorder<'a>(&'a Fields, String);

impl Visit for Recorder<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let value = format!("{value:?}").trim_matches('"').to_string();
        (self.0)
            .0
            .lock()
            .unwrap()
            .push((self.1.clone(), field.name().to_string(), value));
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Fields {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        attrs.record(&mut Recorder(self, attrs.metadata().name().to_string()));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let name = ctx
            .span(id)
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        values.record(&mut Recorder(self, name));
    }
}

#[tokio::test]
async fn one_span_per_request_with_operation_and_status() {
    let fields = Fields::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(fields.clone()));
    let app = cloudflare_cni_server::router(Fixed::default());
    let get = Request::builder()
        .uri(format!("/accounts/{ACCOUNT}/cni/cnis/{CNI_ID}"))
        .header(header::AUTHORIZATION, "Bearer t")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.clone().oneshot(get).await.unwrap().status(), 200);
    let anonymous = Request::builder()
        .uri(format!("/accounts/{ACCOUNT}/cni/slots"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.oneshot(anonymous).await.unwrap().status(), 401);

    let seen = fields.0.lock().unwrap().clone();
    let of = |field: &str| -> Vec<String> {
        seen.iter()
            .filter(|(span, f, _)| span == "cni_request" && f == field)
            .map(|(_, _, v)| v.clone())
            .collect()
    };
    assert_eq!(of("operation"), ["get_cni", "list_slots"]);
    assert_eq!(of("status"), ["200", "401"]);
}

#[tokio::test]
async fn the_operation_is_found_when_the_router_is_nested() {
    let fields = Fields::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(fields.clone()));
    let app = axum::Router::new()
        .nest(
            "/client/v4",
            cloudflare_cni_server::router(Fixed::default()),
        )
        .nest(
            "/deeper/still",
            cloudflare_cni_server::router(Fixed::default()),
        );
    for uri in [
        format!("/client/v4/accounts/{ACCOUNT}/cni/cnis/{CNI_ID}"),
        format!("/deeper/still/accounts/{ACCOUNT}/cni/interconnects/icon-1/status"),
        format!("/client/v4/accounts/{ACCOUNT}/cni/settings"),
    ] {
        let request = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, "Bearer t")
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.clone().oneshot(request).await.unwrap().status(), 200);
    }
    let seen = fields.0.lock().unwrap().clone();
    let operations: Vec<&str> = seen
        .iter()
        .filter(|(span, f, _)| span == "cni_request" && f == "operation")
        .map(|(_, _, v)| v.as_str())
        .collect();
    assert_eq!(
        operations,
        ["get_cni", "get_interconnect_status", "get_settings"]
    );
}

/// Collects the message of every event.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let fields = Fields::default();
        event.record(&mut Recorder(&fields, String::new()));
        let line: Vec<String> = fields
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, name, value)| format!("{name}={value}"))
            .collect();
        self.0.lock().unwrap().push(line.join(" "));
    }
}

/// Declares `get_settings` but leaves it to the trait's default.
struct DeclaresWhatItLacks;

impl cloudflare_cni_server::CniApi for DeclaresWhatItLacks {
    const IMPLEMENTED: &'static [cloudflare_cni_server::Operation] =
        &[cloudflare_cni_server::Operation::GET_SETTINGS];
}

#[tokio::test]
async fn an_operation_declared_but_left_to_the_default_is_logged_as_an_error() {
    let events = Events::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(events.clone()));
    let app = cloudflare_cni_server::router(DeclaresWhatItLacks);
    let get = |what: &str| {
        Request::builder()
            .uri(format!("/accounts/{ACCOUNT}/cni/{what}"))
            .header(header::AUTHORIZATION, "Bearer t")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.clone().oneshot(get("settings")).await.unwrap().status(),
        501
    );
    // An operation it does not declare answers 501 too, and that is no error of its own.
    assert_eq!(app.oneshot(get("slots")).await.unwrap().status(), 501);
    let events = events.0.lock().unwrap().clone();
    let declared: Vec<&String> = events
        .iter()
        .filter(|e| e.contains("declared in IMPLEMENTED"))
        .collect();
    assert_eq!(declared.len(), 1, "{events:?}");
    assert!(
        declared[0].contains("operation=get_settings"),
        "{declared:?}"
    );
    assert_eq!(
        cloudflare_cni_server::unimplemented_operations::<DeclaresWhatItLacks>().len(),
        cloudflare_cni_server::OPERATIONS.len() - 1
    );
}
