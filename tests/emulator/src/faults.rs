//! Fault injection: per operation (or every one), answer a given status (429 with
//! `Retry-After`, 500, 503 …), add latency, or drop the connection, for the next N calls or
//! with a probability drawn from a generator with a fixed seed, so a test that injects the
//! same faults and makes the same calls sees the same outcomes.
//!
//! Faults act before anything else in the request (credentials, validation), as a failing
//! load balancer or an overloaded backend would.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cloudflare_cni_server::{ApiError, OPERATIONS, ROUTES};
use serde::{Deserialize, Serialize};

use crate::Emulator;

/// The error code of every injected fault's envelope (the emulator's own, documented in its
/// README: the real API's codes for these statuses are not known).
pub const INJECTED_FAULT_CODE: i32 = 1099;

/// What a fault does and when. Build one with [`FaultSpec::status`],
/// [`FaultSpec::drop_connection`] or [`FaultSpec::latency`] and refine it; over HTTP it is
/// the JSON body of `POST /__emulator/faults`.
///
/// A kind of fault may be added in a minor release, so it is not built as a struct literal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultSpec {
    /// The operationId it applies to, or `*` for every operation.
    #[serde(default = "every_operation")]
    pub operation: String,
    /// Answer this status (400–599) in the error envelope instead of running the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// With `status`: the `Retry-After` header to send, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Wait this long before answering (alone, or before the status or the drop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_connection: bool,
    /// Fire on the next N matching calls only; absent: until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Fire on a matching call with this probability (above 0, at most 1), drawn from the
    /// emulator's seeded generator; absent: always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// The longest latency a fault may add: ten minutes, far past any request timeout.
pub const MAX_LATENCY_MS: u64 = 600_000;
/// The longest `Retry-After` a fault may send: a day.
pub const MAX_RETRY_AFTER: u64 = 86_400;

fn every_operation() -> String {
    "*".to_string()
}

impl FaultSpec {
    fn new(operation: &str) -> Self {
        FaultSpec {
            operation: operation.to_string(),
            status: None,
            retry_after: None,
            latency_ms: None,
            drop_connection: false,
            times: None,
            probability: None,
        }
    }

    /// Answer `status` on `operation` (an operationId, or `*`).
    pub fn status(operation: &str, status: u16) -> Self {
        FaultSpec {
            status: Some(status),
            ..Self::new(operation)
        }
    }

    /// Drop the connection on `operation`.
    pub fn drop_connection(operation: &str) -> Self {
        FaultSpec {
            drop_connection: true,
            ..Self::new(operation)
        }
    }

    /// Delay `operation` by `latency`, then run it.
    pub fn latency(operation: &str, latency: Duration) -> Self {
        FaultSpec {
            latency_ms: Some(latency.as_millis().try_into().unwrap_or(u64::MAX)),
            ..Self::new(operation)
        }
    }

    /// Also wait `latency` before answering (with a status or a dropped connection).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency_ms = Some(latency.as_millis().try_into().unwrap_or(u64::MAX));
        self
    }

    /// Send `Retry-After: seconds` with the status.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Only for the next `n` matching calls.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Only with probability `p`.
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }

    /// Whether the fault can be carried out; the message names the field.
    pub fn check(&self) -> Result<(), FaultError> {
        let invalid = |message: String| Err(FaultError(message));
        if self.operation != "*" && !OPERATIONS.contains(&self.operation.as_str()) {
            return invalid(format!(
                "operation: {:?} is not an operationId of the API; use one of {} or \"*\"",
                self.operation,
                OPERATIONS.join(", ")
            ));
        }
        if self.status.is_some() && self.drop_connection {
            return invalid(
                "status and drop_connection: a fault answers a status or drops the connection, not both"
                    .to_string(),
            );
        }
        if self.status.is_none() && !self.drop_connection && self.latency_ms.is_none() {
            return invalid("a fault needs a status, drop_connection or latency_ms".to_string());
        }
        if let Some(status) = self.status {
            if !(400..=599).contains(&status) {
                return invalid(format!("status: {status} is not an error status (400–599)"));
            }
        }
        // Bounds a test could mean: past them a number is a typo (milliseconds for seconds)
        // that would hold a connection, or tell a client to wait, for days.
        if let Some(latency) = self.latency_ms.filter(|l| *l > MAX_LATENCY_MS) {
            return invalid(format!(
                "latency_ms: {latency} is above {MAX_LATENCY_MS} (ten minutes)"
            ));
        }
        if let Some(seconds) = self.retry_after.filter(|s| *s > MAX_RETRY_AFTER) {
            return invalid(format!(
                "retry_after: {seconds} is above {MAX_RETRY_AFTER} seconds (a day)"
            ));
        }
        if self.retry_after.is_some() && self.status.is_none() {
            return invalid(
                "retry_after: only a fault with a status sends Retry-After".to_string(),
            );
        }
        if self.times == Some(0) {
            return invalid(
                "times: 0 would never fire; leave it out to fire until cleared".to_string(),
            );
        }
        if let Some(p) = self.probability {
            if !(p > 0.0 && p <= 1.0) {
                return invalid(format!("probability: {p} is not above 0 and at most 1"));
            }
        }
        Ok(())
    }
}

/// Why a fault was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault: {0}")]
pub struct FaultError(pub String);

/// An injected fault and how often it fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ActiveFault {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Calls it still fires on, when it was given `times`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    /// Calls it fired on so far.
    pub fired: u64,
}

/// What the request meets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FaultAction {
    pub(crate) latency: Option<Duration>,
    pub(crate) outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Answer {
        status: u16,
        retry_after: Option<u64>,
    },
    Drop,
    Proceed,
}

/// The active faults, in the order they were injected, and the seeded generator.
#[derive(Debug)]
pub(crate) struct Faults {
    active: Vec<ActiveFault>,
    next_id: u64,
    seed: u64,
    rng: fastrand::Rng,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Faults {
            active: Vec::new(),
            next_id: 1,
            seed,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    pub(crate) fn inject(&mut self, spec: FaultSpec) -> Result<ActiveFault, FaultError> {
        spec.check()?;
        let fault = ActiveFault {
            id: self.next_id,
            remaining: spec.times,
            spec,
            fired: 0,
        };
        self.next_id += 1;
        self.active.push(fault.clone());
        Ok(fault)
    }

    pub(crate) fn list(&self) -> Vec<ActiveFault> {
        self.active.clone()
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.active.len();
        self.active.retain(|f| f.id != id);
        self.active.len() != before
    }

    /// Clears every fault and restarts the generator from its seed.
    pub(crate) fn clear(&mut self) {
        self.active.clear();
        self.rng = fastrand::Rng::with_seed(self.seed);
    }

    /// Restarts the generator from `seed`.
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.rng = fastrand::Rng::with_seed(seed);
    }

    /// The first fault, in injection order, that fires on a call of `operation`; one with
    /// `times` is removed when it is spent.
    pub(crate) fn decide(&mut self, operation: &str) -> Option<FaultAction> {
        let rng = &mut self.rng;
        let index = self.active.iter().position(|fault| {
            (fault.spec.operation == "*" || fault.spec.operation == operation)
                && fault
                    .spec
                    .probability
                    .is_none_or(|p| p >= 1.0 || rng.f64() < p)
        })?;
        let fault = &mut self.active[index];
        fault.fired += 1;
        let action = FaultAction {
            latency: fault.spec.latency_ms.map(Duration::from_millis),
            outcome: match (fault.spec.status, fault.spec.drop_connection) {
                (Some(status), _) => Outcome::Answer {
                    status,
                    retry_after: fault.spec.retry_after,
                },
                (None, true) => Outcome::Drop,
                (None, false) => Outcome::Proceed,
            },
        };
        if let Some(remaining) = &mut fault.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.active.remove(index);
            }
        }
        Some(action)
    }
}

/// The operationId of a request to the API (`path` relative to the API's base), from the
/// server crate's route table: the template whose segments match, literal segments before
/// parameters (`/loa/default` is not `/{icon}`).
pub(crate) fn operation_at(method: &str, path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    ROUTES
        .iter()
        .filter(|(m, _, _)| *m == method)
        .filter_map(|(_, template, id)| {
            let pattern: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            if pattern.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (p, s) in pattern.iter().zip(&segments) {
                if p.starts_with('{') && p.ends_with('}') {
                    if s.is_empty() {
                        return None;
                    }
                } else if p == s {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, *id))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, id)| id)
}

/// The layer in front of the API: finds the call's operation and carries out the fault that
/// fires on it, if any.
pub(crate) async fn inject_faults(
    State(emulator): State<Emulator>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let path = path.strip_prefix(crate::API_PREFIX).unwrap_or(path);
    let Some(operation) = operation_at(request.method().as_str(), path) else {
        return next.run(request).await;
    };
    let Some(action) = emulator.faults().decide(operation) else {
        return next.run(request).await;
    };
    tracing::info!(operation, ?action, "injecting a fault");
    if let Some(latency) = action.latency {
        tokio::time::sleep(latency).await;
    }
    match action.outcome {
        Outcome::Proceed => next.run(request).await,
        Outcome::Answer {
            status,
            retry_after,
        } => fault_response(operation, status, retry_after),
        Outcome::Drop => dropped_connection(),
    }
}

fn fault_response(operation: &str, status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = ApiError::new(
        status,
        INJECTED_FAULT_CODE,
        format!(
            "injected fault: {operation} answers {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string(),
    )
    .into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// without sending the response head, so the client sees the connection drop.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve_to_their_operation() {
        assert_eq!(
            operation_at("GET", "/accounts/a/cni/cnis/3f2a"),
            Some("get_cni")
        );
        assert_eq!(
            operation_at("GET", "/accounts/a/cni/interconnects/x/loa"),
            Some("get_interconnect_loa")
        );
        assert_eq!(
            operation_at("POST", "/accounts/a/cni/cnis"),
            Some("create_cni")
        );
        assert_eq!(operation_at("PATCH", "/accounts/a/cni/cnis"), None);
        assert_eq!(operation_at("GET", "/accounts//cni/cnis"), None);
        assert_eq!(operation_at("GET", "/elsewhere"), None);
        // Every route of the API resolves to its own operation.
        for (method, template, id) in ROUTES {
            let path = template.replace(['{', '}'], "");
            assert_eq!(
                operation_at(method, &path),
                Some(*id),
                "{method} {template}"
            );
        }
    }

    #[test]
    fn specs_are_checked_field_by_field() {
        let refused = [
            (FaultSpec::status("no_such_operation", 503), "operation"),
            (FaultSpec::status("*", 200), "status: 200"),
            (FaultSpec::status("*", 503).times(0), "times"),
            (FaultSpec::status("*", 503).probability(0.0), "probability"),
            (
                FaultSpec::status("*", 503).probability(f64::NAN),
                "probability",
            ),
            (
                FaultSpec::drop_connection("*").retry_after(1),
                "retry_after",
            ),
            (
                FaultSpec::status("*", 503).retry_after(10_000_000_000),
                "retry_after: 10000000000 is above 86400",
            ),
            (
                FaultSpec::latency("*", Duration::from_secs(1_000_000_000)),
                "latency_ms: 1000000000000 is above 600000",
            ),
            (
                FaultSpec {
                    drop_connection: true,
                    ..FaultSpec::status("*", 503)
                },
                "not both",
            ),
            (FaultSpec::new("*"), "needs a status"),
        ];
        for (spec, expected) in refused {
            let error = spec.check().unwrap_err();
            assert!(error.to_string().contains(expected), "{spec:?}: {error}");
        }
        assert!(FaultSpec::status("get_cni", 429)
            .retry_after(2)
            .check()
            .is_ok());
        assert!(FaultSpec::latency("*", Duration::from_millis(5))
            .check()
            .is_ok());
    }

    #[test]
    fn counted_faults_fire_in_order_then_go() {
        let mut faults = Faults::new(0);
        faults
            .inject(FaultSpec::status("get_cni", 503).times(2))
            .unwrap();
        faults.inject(FaultSpec::status("*", 500).times(1)).unwrap();
        let answered = |action: Option<FaultAction>| match action.map(|a| a.outcome) {
            Some(Outcome::Answer { status, .. }) => status,
            _ => 0,
        };
        assert_eq!(answered(faults.decide("list_cnis")), 500);
        assert_eq!(answered(faults.decide("get_cni")), 503);
        assert_eq!(answered(faults.decide("get_cni")), 503);
        assert_eq!(faults.decide("get_cni"), None);
        assert!(faults.list().is_empty());
    }

    #[test]
    fn a_probability_under_one_seed_gives_the_same_outcomes() {
        let outcomes = |seed| {
            let mut faults = Faults::new(seed);
            faults
                .inject(FaultSpec::status("*", 503).probability(0.5))
                .unwrap();
            (0..64)
                .map(|_| faults.decide("get_cni").is_some())
                .collect::<Vec<bool>>()
        };
        let first = outcomes(7);
        assert_eq!(first, outcomes(7));
        let fired = first.iter().filter(|f| **f).count();
        assert!((16..=48).contains(&fired), "{fired} of 64 at p = 0.5");
        assert_ne!(first, outcomes(8));
    }
}
