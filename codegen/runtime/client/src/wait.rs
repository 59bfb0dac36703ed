//! Waiting until a resource reaches a state: poll a read-only call with backoff until a
//! condition says done, or fail (when the condition says so, or after a timeout) carrying the
//! last value seen.
//!
//! Cancel-safe: the wait holds nothing but its own loop, so dropping it (a `select!`, an
//! outer timeout) stops polling at once and leaves nothing behind.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::CniError;

/// How long to wait, how often to look, and whether a 404 means "not there yet".
///
/// Built with `Wait::default()` and the methods below (`.timeout(d)`, `.interval(..)`); fields may be
/// added in minor releases, so it cannot be built as a struct literal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wait {
    /// The longest the whole wait may take, each look (with the client's retries and their
    /// pauses) included: a look still running at the deadline is dropped. Default 10 minutes.
    pub timeout: Duration,
    /// The pause after the first look; each pause doubles, up to `max_interval`. Default 1 s.
    pub initial_interval: Duration,
    /// The longest pause between looks. Default 30 s.
    pub max_interval: Duration,
    /// Whether a 404 answer counts as "not there yet" rather than ending the wait. Default
    /// `false`.
    pub not_found_is_pending: bool,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            timeout: Duration::from_secs(600),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            not_found_is_pending: false,
        }
    }
}

impl Wait {
    /// The longest the whole wait may take (see the field): `Wait::default().timeout(d)`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// These pauses: the first, and the longest.
    pub fn interval(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }

    /// Keeps waiting through 404 answers: a resource just created may not be readable
    /// everywhere at once, so its first reads can miss it.
    pub fn not_found_is_pending(mut self, pending: bool) -> Self {
        self.not_found_is_pending = pending;
        self
    }
}

/// What a wait's condition says of one answer. A `bool` converts: `true` is
/// [`Done`](WaitOutcome::Done), `false` is [`Pending`](WaitOutcome::Pending).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// The answer is what was waited for: the wait returns it.
    Done,
    /// The answer shows it will never come (a `Down` status, say): the wait stops now with
    /// [`CniError::WaitFailed`], carrying the answer.
    Failed,
    /// Not yet: look again after a pause.
    Pending,
}

impl From<bool> for WaitOutcome {
    fn from(done: bool) -> Self {
        if done {
            WaitOutcome::Done
        } else {
            WaitOutcome::Pending
        }
    }
}

/// The last answer a wait saw, carried by [`CniError::WaitTimeout`] and
/// [`CniError::WaitFailed`]: typed ([`get`](LastAnswer::get), [`downcast`](LastAnswer::downcast))
/// and as JSON (what `Display` shows).
pub struct LastAnswer {
    json: String,
    value: Box<dyn Any + Send + Sync>,
}

impl LastAnswer {
    /// Keeps `value`, and its JSON for messages.
    pub fn new<T: Serialize + Send + Sync + 'static>(value: T) -> Self {
        LastAnswer {
            json: serde_json::to_string(&value)
                .unwrap_or_else(|e| format!("(not serializable: {e})")),
            value: Box::new(value),
        }
    }

    /// The answer as the type the call returns (`types::InterconnectStatus`, say); `None` for
    /// any other type.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.value.downcast_ref()
    }

    /// The answer by value, or `self` back when it is not a `T`.
    pub fn downcast<T: Any>(self) -> Result<T, Self> {
        match self.value.downcast::<T>() {
            Ok(value) => Ok(*value),
            Err(value) => Err(LastAnswer {
                json: self.json,
                value,
            }),
        }
    }

    /// The answer as JSON.
    pub fn json(&self) -> &str {
        &self.json
    }
}

impl fmt::Debug for LastAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LastAnswer").field(&self.json).finish()
    }
}

impl fmt::Display for LastAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.json)
    }
}

/// Calls `poll` until `condition` says [`Done`](WaitOutcome::Done) (or `true`) for its value,
/// pausing between calls as `wait` says, and returns that value. The condition saying
/// [`Failed`](WaitOutcome::Failed) ends the wait at once with [`CniError::WaitFailed`]. An
/// error from `poll` ends the wait with that error (the client has already retried what was
/// worth retrying), except a 404 when [`Wait::not_found_is_pending`] is set; running out of
/// time ends it with [`CniError::WaitTimeout`]. Both carry the last answer, typed.
pub async fn wait_until<T, F, Fut, P, O>(
    mut poll: F,
    mut condition: P,
    wait: &Wait,
) -> Result<T, CniError>
where
    T: Serialize + Send + Sync + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CniError>>,
    P: FnMut(&T) -> O,
    O: Into<WaitOutcome>,
{
    let started = Instant::now();
    let deadline = started + wait.timeout;
    let mut interval = wait.initial_interval;
    let mut polls = 0u32;
    // What the last completed look saw, for a timeout that cuts a look short.
    let mut seen: Option<T> = None;
    loop {
        // The deadline bounds each look too: a slow attempt, the client's retries and their
        // `Retry-After` pauses are cut off at it (the request in flight is dropped), so the
        // wait never runs past its timeout.
        let Ok(answer) = tokio::time::timeout_at(deadline, poll()).await else {
            return Err(CniError::WaitTimeout {
                waited: started.elapsed(),
                polls,
                last: seen.map(LastAnswer::new),
            });
        };
        polls += 1;
        let last = match answer {
            Ok(value) => match condition(&value).into() {
                WaitOutcome::Done => return Ok(value),
                WaitOutcome::Failed => {
                    return Err(CniError::WaitFailed {
                        waited: started.elapsed(),
                        polls,
                        last: LastAnswer::new(value),
                    })
                }
                WaitOutcome::Pending => Some(value),
            },
            Err(error) if wait.not_found_is_pending && error.is_not_found() => None,
            Err(error) => return Err(error),
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(CniError::WaitTimeout {
                waited: now - started,
                polls,
                last: last.map(LastAnswer::new),
            });
        }
        seen = last;
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
        let wait = Wait::default()
            .timeout(Duration::from_secs(60))
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

    /// The issue's case: one look with retries and `Retry-After` ran about five minutes past
    /// a wait's timeout. The deadline now cuts a look short, and the error carries what the
    /// last finished look saw.
    #[tokio::test(start_paused = true)]
    async fn the_deadline_bounds_a_look_that_runs_long() {
        let calls = Cell::new(0u32);
        let wait = Wait::default()
            .timeout(Duration::from_secs(10))
            .interval(Duration::from_secs(1), Duration::from_secs(1));
        let started = Instant::now();
        let error = wait_until(
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    // The second look hangs in retries for five minutes.
                    if n == 2 {
                        tokio::time::sleep(Duration::from_secs(300)).await;
                    }
                    Ok::<u32, CniError>(n)
                }
            },
            |_| false,
            &wait,
        )
        .await
        .unwrap_err();
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(10),
            "not a second past the timeout"
        );
        match error {
            CniError::WaitTimeout { polls, last, .. } => {
                assert_eq!(polls, 1, "the second look never finished");
                assert_eq!(last.and_then(|l| l.get::<u32>().copied()), Some(1));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_names_the_last_value() {
        let wait = Wait::default()
            .timeout(Duration::from_secs(10))
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
                let last = last.as_ref().expect("an answer was seen");
                assert_eq!(last.json(), r#"{"state":"Pending"}"#);
                assert_eq!(
                    last.get::<serde_json::Value>(),
                    Some(&serde_json::json!({"state": "Pending"}))
                );
                assert!(last.get::<u32>().is_none());
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
            || async {
                Err::<u32, _>(CniError::InvalidBody {
                    reason: "gone".into(),
                })
            },
            |_| true,
            &Wait::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(error, CniError::InvalidBody { .. }));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_outcome_stops_at_once_with_the_typed_answer() {
        let calls = Cell::new(0u32);
        let error = wait_until(
            || {
                calls.set(calls.get() + 1);
                let state = if calls.get() < 3 { "Pending" } else { "Down" };
                async move { Ok::<_, CniError>(serde_json::json!({ "state": state })) }
            },
            |answer: &serde_json::Value| match answer["state"].as_str() {
                Some("Healthy") => WaitOutcome::Done,
                Some("Down") => WaitOutcome::Failed,
                _ => WaitOutcome::Pending,
            },
            &Wait::default().timeout(Duration::from_secs(600)),
        )
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 3, "no look after the failing answer");
        match &error {
            CniError::WaitFailed {
                polls,
                last,
                waited,
            } => {
                assert_eq!(*polls, 3);
                assert_eq!(*waited, Duration::from_secs(3), "pauses of 1 s and 2 s");
                assert_eq!(last.get::<serde_json::Value>().unwrap()["state"], "Down");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            error
                .to_string()
                .contains(r#"the answer will not do: {"state":"Down"}"#),
            "{error}"
        );
    }

    fn not_found() -> CniError {
        CniError::Api {
            status: reqwest::StatusCode::NOT_FOUND,
            errors: Vec::new(),
            body_excerpt: None,
            attempts: 1,
            request_id: None,
            headers: Box::default(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_404_ends_the_wait_unless_it_is_told_to_look_past_it() {
        let calls = Cell::new(0u32);
        let poll = || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(not_found())
                } else {
                    Ok::<u32, CniError>(n)
                }
            }
        };
        let error = wait_until(poll, |_| true, &Wait::default())
            .await
            .unwrap_err();
        assert!(error.is_not_found(), "{error}");

        calls.set(0);
        let wait = Wait::default().not_found_is_pending(true);
        assert_eq!(wait_until(poll, |_| true, &wait).await.unwrap(), 3);

        // Time running out on a 404 says so, with no answer to carry.
        let wait = Wait::default()
            .timeout(Duration::from_secs(5))
            .not_found_is_pending(true);
        let error = wait_until(|| async { Err::<u32, _>(not_found()) }, |_| true, &wait)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CniError::WaitTimeout { last: None, .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().ends_with("last seen: not found (404)"),
            "{error}"
        );
    }

    #[test]
    fn a_last_answer_gives_its_value_back_by_type() {
        let last = LastAnswer::new(7u32);
        assert_eq!(last.json(), "7");
        let last = last.downcast::<String>().unwrap_err();
        assert_eq!(last.downcast::<u32>().unwrap(), 7);
    }
}
