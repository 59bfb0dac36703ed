//! What one call learned on its way, for its error: how many attempts were made, the last
//! status seen, and the typed validation errors. progenitor's hooks and error type cannot carry
//! these, so they travel in a task-local scoped to the call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use cloudflare_cni_validate::ValidationErrors;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::options::RequestOptions;

#[derive(Debug, Default)]
pub(crate) struct CallContext {
    attempts: AtomicU32,
    last_status: Mutex<Option<StatusCode>>,
    validation: Mutex<Option<ValidationErrors>>,
    /// The headers of the last answer when it was an error (kept for its `CniError`).
    error_headers: Mutex<Option<HeaderMap>>,
    /// The call's own options (`send_with`).
    options: Option<RequestOptions>,
}

tokio::task_local! {
    static CONTEXT: CallContext;
}

impl CallContext {
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    pub(crate) fn last_status(&self) -> Option<StatusCode> {
        *self.last_status.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn take_error_headers(&self) -> Option<HeaderMap> {
        self.error_headers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    pub(crate) fn take_validation(&self) -> Option<ValidationErrors> {
        self.validation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// Runs `future` with a fresh call context, returning its output and the context. The context
/// lives inside the scope's future and is taken back out when it is done: no allocation on a
/// call's happy path.
pub(crate) async fn scoped<F: std::future::Future>(
    future: F,
    options: Option<RequestOptions>,
) -> (F::Output, CallContext) {
    let context = CallContext {
        options,
        ..CallContext::default()
    };
    let mut scope = std::pin::pin!(CONTEXT.scope(context, future));
    let output = scope.as_mut().await;
    let context = scope.as_mut().take_value().unwrap_or_default();
    (output, context)
}

pub(crate) fn record_attempt() -> u32 {
    CONTEXT
        .try_with(|c| c.attempts.fetch_add(1, Ordering::Relaxed) + 1)
        .unwrap_or(1)
}

/// Applies the call's options, if it has any, to its request.
pub(crate) fn apply_options(request: &mut reqwest::Request) {
    let _ = CONTEXT.try_with(|c| {
        if let Some(options) = &c.options {
            options.apply(request);
        }
    });
}

/// Keeps an error answer's headers for the call's error.
pub(crate) fn record_error_headers(headers: &HeaderMap) {
    let _ = CONTEXT.try_with(|c| {
        *c.error_headers.lock().unwrap_or_else(|e| e.into_inner()) = Some(headers.clone())
    });
}

pub(crate) fn record_status(status: StatusCode) {
    let _ = CONTEXT
        .try_with(|c| *c.last_status.lock().unwrap_or_else(|e| e.into_inner()) = Some(status));
}

/// Keeps the typed validation errors for the call's [`CniError::Validation`](crate::CniError)
/// and returns the text progenitor's `InvalidRequest` carries.
pub fn validation_failed(errors: ValidationErrors) -> String {
    let text = format!("request body failed validation: {errors}");
    let _ = CONTEXT
        .try_with(|c| *c.validation.lock().unwrap_or_else(|e| e.into_inner()) = Some(errors));
    text
}
