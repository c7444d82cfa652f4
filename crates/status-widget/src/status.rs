//! What the indicator shows, derived from the engine's state and its last close.

use ws_wasm::ws_core::{CloseInfo, CloseKind, State};

/// The five things a user can see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Open and ready (green).
    Connected,
    /// The first connection is being made (blue, spinner).
    #[default]
    Connecting,
    /// The connection was lost and is coming back (blue, spinner, countdown).
    Reconnecting,
    /// Closed by the app (gray).
    Disconnected,
    /// Stopped for good: the server refused or the retries ran out (red, reason, Retry).
    Error,
}

impl Phase {
    /// The value of the root element's `data-state` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connected => "connected",
            Phase::Connecting => "connecting",
            Phase::Reconnecting => "reconnecting",
            Phase::Disconnected => "disconnected",
            Phase::Error => "error",
        }
    }
}

/// The last close, as the indicator reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct LastClose {
    /// The classification.
    pub kind: CloseKind,
    /// The close code.
    pub code: u16,
    /// The server's reason (plain text; never rendered as HTML).
    pub reason: String,
}

impl LastClose {
    /// What to tell the user: the server's reason if it gave one, else the kind's hint.
    pub fn message(&self) -> &str {
        if self.reason.trim().is_empty() {
            self.kind.hint()
        } else {
            &self.reason
        }
    }
}

impl From<&CloseInfo> for LastClose {
    fn from(info: &CloseInfo) -> Self {
        LastClose { kind: info.kind, code: info.code, reason: info.reason.clone() }
    }
}

/// Everything the indicator needs, updated by the hook.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// What to show.
    pub phase: Phase,
    /// The retry being waited for or made (0 on a first connect).
    pub attempt: u32,
    /// The retry limit, if any.
    pub max_attempts: Option<u32>,
    /// When the next attempt runs (`performance.now()` ms), while waiting.
    pub retry_at: Option<u64>,
    /// Waiting for the browser to be online again.
    pub offline: bool,
    /// The last close, if any.
    pub last_close: Option<LastClose>,
    /// The last heartbeat round trip (ms).
    pub rtt_ms: Option<u64>,
}

impl Status {
    /// The status for an engine `state`, keeping what is still true from `self`.
    pub fn with_state(&self, state: State, max_attempts: Option<u32>) -> Status {
        let (phase, attempt, retry_at, offline) = match state {
            State::Open => (Phase::Connected, 0, None, false),
            State::Idle => (Phase::Disconnected, 0, None, false),
            State::Connecting { attempt: 0 } | State::Verifying { attempt: 0 } => (Phase::Connecting, 0, None, false),
            State::Connecting { attempt } | State::Verifying { attempt } => (Phase::Reconnecting, attempt, None, false),
            State::Reconnecting { attempt, retry_at } => (Phase::Reconnecting, attempt, Some(retry_at), false),
            State::Offline { attempt } => (Phase::Reconnecting, attempt, None, true),
            State::Suspended => (Phase::Reconnecting, 0, None, false),
            State::Closing | State::Closed => (Phase::Disconnected, 0, None, false),
            State::Failed { .. } => (Phase::Error, self.attempt, None, false),
        };
        Status { phase, attempt, max_attempts, retry_at, offline, ..self.clone() }
    }

    /// The line announced to screen readers: like [`Status::text`] without the countdown, so
    /// it only changes when the state does.
    pub fn spoken(&self) -> String {
        let countdown_free = Status { retry_at: None, ..self.clone() };
        countdown_free.text(0.0).replace("Reconnecting… · ", "Reconnecting, ")
    }

    /// The one line the indicator shows, given the clock (`performance.now()` ms).
    ///
    /// ```
    /// use status_widget::{Phase, Status};
    /// let status = Status { phase: Phase::Reconnecting, attempt: 2, max_attempts: Some(10), retry_at: Some(4_000), ..Status::default() };
    /// assert_eq!(status.text(1_000.0), "Reconnecting · retrying in 3 s · attempt 2 of 10");
    /// ```
    pub fn text(&self, now_ms: f64) -> String {
        match self.phase {
            Phase::Connected => "Connected".into(),
            Phase::Connecting => "Connecting…".into(),
            Phase::Disconnected => "Disconnected".into(),
            Phase::Error => {
                let reason = self.last_close.as_ref().map_or("the connection stopped", LastClose::message);
                ["Connection failed: ", reason].concat()
            }
            Phase::Reconnecting => {
                let attempt = match self.max_attempts {
                    Some(max) => format!("attempt {} of {}", self.attempt, max),
                    None => format!("attempt {}", self.attempt),
                };
                if self.offline {
                    format!("Offline · waiting for the network · {attempt}")
                } else if let Some(at) = self.retry_at {
                    let seconds = ((at as f64 - now_ms) / 1000.0).ceil().max(0.0);
                    format!("Reconnecting · retrying in {seconds} s · {attempt}")
                } else {
                    format!("Reconnecting… · {attempt}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn states_map_to_phases() {
        let s = Status::default();
        assert_eq!(s.with_state(State::Open, None).phase, Phase::Connected);
        assert_eq!(s.with_state(State::Connecting { attempt: 0 }, None).phase, Phase::Connecting);
        assert_eq!(s.with_state(State::Connecting { attempt: 3 }, None).phase, Phase::Reconnecting);
        assert_eq!(s.with_state(State::Closed, None).phase, Phase::Disconnected);
        let failed = State::Failed { kind: CloseKind::Policy, retries_exhausted: false };
        assert_eq!(s.with_state(failed, None).phase, Phase::Error);
        let waiting = s.with_state(State::Reconnecting { attempt: 2, retry_at: 5_000 }, Some(10));
        assert_eq!((waiting.attempt, waiting.retry_at, waiting.max_attempts), (2, Some(5_000), Some(10)));
        assert!(s.with_state(State::Offline { attempt: 1 }, None).offline);
    }

    #[test]
    fn texts_explain_the_state() {
        let mut s = Status { phase: Phase::Reconnecting, attempt: 1, retry_at: Some(2_500), ..Status::default() };
        assert_eq!(s.text(1_000.0), "Reconnecting · retrying in 2 s · attempt 1");
        s.offline = true;
        assert_eq!(s.text(0.0), "Offline · waiting for the network · attempt 1");
        let close = LastClose { kind: CloseKind::Policy, code: 1008, reason: "token expired".into() };
        let error = Status { phase: Phase::Error, last_close: Some(close), ..Status::default() };
        assert_eq!(error.text(0.0), "Connection failed: token expired");
        let waiting = Status { phase: Phase::Reconnecting, attempt: 2, retry_at: Some(9_000), ..Status::default() };
        assert_eq!(waiting.spoken(), "Reconnecting, attempt 2");
        let silent = LastClose { kind: CloseKind::Policy, code: 1008, reason: " ".into() };
        assert_eq!(silent.message(), CloseKind::Policy.hint());
    }
}
