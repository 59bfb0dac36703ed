//! Waiting until a resource reaches a state: poll a read-only call with backoff until a
//! condition holds, or fail after a timeout naming the last value seen.
//!
//! Cancel-safe: the wait holds nothing but its own loop, so dropping it (a `select!`, an
//! outer timeout) stops polling at once and leaves nothing behind.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::CniError;

/// How long to wait and how often to look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The longest the whole wait may take. Default 10 minutes.
    pub timeout: Duration,
    /// The pause after the first look; each pause doubles, up to `max_interval`. Default 1 s.
    pub initial_interval: Duration,
    /// The longest pause between looks. Default 30 s.
    pub max_interval: Duration,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            timeout: Duration::from_secs(600),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
        }
    }
}

impl Wait {
    /// The default pauses, with this timeout.
    pub fn timeout(timeout: Duration) -> Self {
        Wait {
            timeout,
            ..Wait::default()
        }
    }

    /// These pauses: the first, and the longest.
    pub fn interval(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }
}

/// Calls `poll` until `done` holds for its value, pausing between calls as `wait` says. An
/// error from `poll` ends the wait with that error (the client has already retried what was
/// worth retrying); running out of time ends it with [`CniError::WaitTimeout`], which names the
/// last value seen as JSON.
pub async fn wait_until<T, F, Fut, P>(mut poll: F, mut done: P, wait: &Wait) -> Result<T, CniError>
where
    T: Serialize,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CniError>>,
    P: FnMut(&T) -> bool,
{
    let started = Instant::now();
    let deadline = started + wait.timeout;
    let mut interval = wait.initial_interval;
    let mut polls = 0u32;
    loop {
        let value = poll().await?;
        polls += 1;
        if done(&value) {
            return Ok(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(CniError::WaitTimeout {
                waited: now - started,
                polls,
                last: serde_json::to_string(&value)
                    .unwrap_or_else(|e| format!("(not serializable: {e})")),
            });
        }
        // The last pause is cut so that the final look lands on the deadline.
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = interval.saturating_mul(2).min(wait.max_interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test(start_paused = true)]
    async fn polls_with_backoff_until_the_condition_holds() {
        let calls = Cell::new(0u32);
        let wait = Wait::timeout(Duration::from_secs(60))
            .interval(Duration::from_secs(1), Duration::from_secs(4));
        let started = Instant::now();
        let value = wait_until(
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move { Ok::<u32, CniError>(n) }
            },
            |n| *n == 5,
            &wait,
        )
        .await
        .unwrap();
        assert_eq!(value, 5);
        // Pauses 1 + 2 + 4 + 4 s between the five looks.
        assert_eq!(started.elapsed(), Duration::from_secs(11));
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_names_the_last_value() {
        let wait = Wait::timeout(Duration::from_secs(10))
            .interval(Duration::from_secs(3), Duration::from_secs(3));
        let error = wait_until(
            || async { Ok::<_, CniError>(serde_json::json!({"state": "Pending"})) },
            |_| false,
            &wait,
        )
        .await
        .unwrap_err();
        match &error {
            CniError::WaitTimeout {
                waited,
                polls,
                last,
            } => {
                assert_eq!(*waited, Duration::from_secs(10));
                assert_eq!(*polls, 5, "looks at 0, 3, 6, 9 and at the deadline");
                assert_eq!(last, r#"{"state":"Pending"}"#);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            error
                .to_string()
                .contains(r#"last seen: {"state":"Pending"}"#),
            "{error}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_ends_the_wait() {
        let error = wait_until(
            || async { Err::<u32, _>(CniError::InvalidRequest("gone".into())) },
            |_| true,
            &Wait::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(error, CniError::InvalidRequest(_)));
    }
}
