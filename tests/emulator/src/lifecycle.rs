//! An interconnect's status over time. In the automatic mode a new interconnect is `Pending`
//! until the status delay has passed on the emulator's clock, then `Healthy`; in the manual
//! mode it stays `Pending` until a test sets its status. A status a test sets is pinned: it
//! holds in either mode until the test hands the interconnect back to the automatic lifecycle.
//!
//! The clock is real time since the emulator started plus whatever tests advanced it by, so
//! a test steps the automatic lifecycle without sleeping.

use std::time::Duration;

use cloudflare_cni_server::types::InterconnectStatus;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How statuses change when no test says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleMode {
    /// `Pending` for the status delay, then `Healthy`.
    #[default]
    Automatic,
    /// `Pending` until a test sets a status.
    Manual,
}

/// The emulator's clock.
#[derive(Debug)]
pub(crate) struct Clock {
    start: Instant,
    advanced: Duration,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock {
            start: Instant::now(),
            advanced: Duration::ZERO,
        }
    }

    /// Time since the emulator started, as its lifecycles see it.
    pub(crate) fn now(&self) -> Duration {
        self.start.elapsed().saturating_add(self.advanced)
    }

    pub(crate) fn advance(&mut self, by: Duration) {
        self.advanced = self.advanced.saturating_add(by);
    }

    pub(crate) fn advanced(&self) -> Duration {
        self.advanced
    }
}

/// Where an interconnect is in its lifecycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    /// When it was created, on the emulator's clock.
    pub(crate) created: Duration,
    /// A status a test set; `None` follows the automatic lifecycle.
    pub(crate) pinned: Option<InterconnectStatus>,
}

impl Lifecycle {
    /// A new interconnect's lifecycle in `mode`.
    pub(crate) fn start(now: Duration, mode: LifecycleMode) -> Self {
        Lifecycle {
            created: now,
            pinned: match mode {
                LifecycleMode::Automatic => None,
                LifecycleMode::Manual => Some(InterconnectStatus::Pending(Default::default())),
            },
        }
    }

    /// The status at `now`.
    pub(crate) fn status(&self, now: Duration, delay: Duration) -> InterconnectStatus {
        match &self.pinned {
            Some(status) => status.clone(),
            None if now.saturating_sub(self.created) >= delay => {
                InterconnectStatus::Healthy(Default::default())
            }
            None => InterconnectStatus::Pending(Default::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_healthy(status: &InterconnectStatus) -> bool {
        matches!(status, InterconnectStatus::Healthy(_))
    }

    #[test]
    fn automatic_is_pending_for_the_delay_then_healthy() {
        let lifecycle = Lifecycle::start(Duration::from_secs(10), LifecycleMode::Automatic);
        let delay = Duration::from_secs(5);
        assert!(!is_healthy(
            &lifecycle.status(Duration::from_secs(14), delay)
        ));
        assert!(is_healthy(
            &lifecycle.status(Duration::from_secs(15), delay)
        ));
    }

    #[test]
    fn manual_stays_pending_and_a_pinned_status_holds() {
        let mut lifecycle = Lifecycle::start(Duration::ZERO, LifecycleMode::Manual);
        let later = Duration::from_secs(1_000_000);
        assert!(matches!(
            lifecycle.status(later, Duration::ZERO),
            InterconnectStatus::Pending(_)
        ));
        let down: InterconnectStatus =
            serde_json::from_str(r#"{"state": "Down", "reason": "fibre cut"}"#).unwrap();
        lifecycle.pinned = Some(down.clone());
        assert_eq!(lifecycle.status(later, Duration::ZERO), down);
        lifecycle.pinned = None;
        assert!(is_healthy(&lifecycle.status(later, Duration::ZERO)));
    }

    #[test]
    fn the_clock_advances_on_request() {
        let mut clock = Clock::new();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() >= Duration::from_secs(3600));
        assert_eq!(clock.advanced(), Duration::from_secs(3600));
    }
}
