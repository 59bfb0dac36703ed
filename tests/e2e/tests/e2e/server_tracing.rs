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
