//! What the hook keeps for the indicator: the engine crate's status model
//! ([`StatusTracker`], the same one `<rebound-status>` renders through `statusView`) and the
//! last heartbeat round trip.

use ws_wasm::ws_core::{CloseInfo, State, StatusTracker, StatusView};

/// Everything the indicator needs, updated by the hook.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// The connection as the indicator model sees it: fed every state change and close.
    pub tracker: StatusTracker,
    /// The last heartbeat round trip (ms).
    pub rtt_ms: Option<u64>,
}

impl Status {
    /// A status for a socket with this retry limit (`maxRetries`), not started yet.
    pub fn new(max_attempts: Option<u32>) -> Self {
        Status { tracker: StatusTracker::new(max_attempts), rtt_ms: None }
    }

    /// The engine's state changed (at `now_ms`, `performance.now()`).
    pub fn state_changed(&mut self, now_ms: f64, state: State) {
        self.tracker.state_changed(now_ms as u64, state);
    }

    /// A connection ended.
    pub fn closed(&mut self, info: &CloseInfo) {
        self.tracker.closed(info);
    }

    /// What to show at `now_ms` with a grace period of `grace_ms` (see
    /// [`StatusTracker::view`]).
    ///
    /// ```
    /// use status_widget::{Indicator, Status};
    /// use ws_wasm::ws_core::State;
    /// let mut status = Status::new(Some(10));
    /// status.state_changed(0.0, State::Reconnecting { attempt: 2, retry_at: 4_000 });
    /// let view = status.view(1_000.0, 500);
    /// assert_eq!(view.indicator, Indicator::Reconnecting);
    /// assert_eq!(view.text, "Reconnecting · retrying in 3 s · attempt 2 of 10");
    /// ```
    pub fn view(&self, now_ms: f64, grace_ms: u64) -> StatusView {
        self.tracker.view(now_ms as u64, grace_ms)
    }
}
