//! What a connection indicator shows, computed once for every renderer (the Leptos
//! `ConnectionStatus`, the npm package's `<rebound-status>`, an app's own).
//!
//! A [`StatusTracker`] is fed the engine's state changes and closes, each stamped with the
//! driver's clock; [`StatusTracker::view`] turns them into a [`StatusView`] for a moment in
//! time: the visible [`Indicator`], the line to show, the line to announce, the countdown's
//! deadline, the Retry button, and when to look again.
//!
//! ```
//! use ws_core::{Indicator, State, StatusTracker};
//!
//! let mut status = StatusTracker::new(Some(10));
//! status.state_changed(0, State::Open);
//! status.state_changed(1_000, State::Reconnecting { attempt: 1, retry_at: 3_000 });
//! // A drop shorter than the grace period never shows: still connected at 1 200 ms…
//! assert_eq!(status.view(1_200, 500).indicator, Indicator::Connected);
//! // …and reconnecting once the grace period has passed.
//! let view = status.view(1_600, 500);
//! assert_eq!(view.indicator, Indicator::Reconnecting);
//! assert_eq!(view.text, "Reconnecting · retrying in 2 s · attempt 1 of 10");
//! assert_eq!(view.spoken, "Reconnecting · attempt 1 of 10"); // no ticking seconds
//! ```

use alloc::string::String;

use crate::close::CloseKind;
use crate::output::CloseInfo;
use crate::state::State;

/// The grace period a renderer uses unless told otherwise (ms), as Phoenix LiveView does.
pub const DEFAULT_GRACE_MS: u64 = 500;

/// What the user sees: the indicator's `data-state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Indicator {
    /// Open and ready (green).
    Connected,
    /// The first connection, or the app's Retry, is being made (blue, spinner).
    Connecting,
    /// The connection was lost and is coming back (blue, spinner, countdown).
    Reconnecting,
    /// The browser is offline: waiting for the network, not for the server.
    Offline,
    /// Closed by the app, or not started (gray, Retry).
    Disconnected,
    /// Stopped for good: the server refused, or the retries ran out (red, reason, Retry).
    Error,
}

impl Indicator {
    /// Every indicator (for bindings and tests that list the names).
    pub const ALL: [Indicator; 6] = [
        Indicator::Connected,
        Indicator::Connecting,
        Indicator::Reconnecting,
        Indicator::Offline,
        Indicator::Disconnected,
        Indicator::Error,
    ];

    /// The `data-state` value: `connected`, `connecting`, `reconnecting`, `offline`,
    /// `disconnected`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Connected => "connected",
            Indicator::Connecting => "connecting",
            Indicator::Reconnecting => "reconnecting",
            Indicator::Offline => "offline",
            Indicator::Disconnected => "disconnected",
            Indicator::Error => "error",
        }
    }

    /// The icon shown beside the colour (so colour is never the only signal).
    pub fn icon(self) -> &'static str {
        match self {
            Indicator::Connected => "●",
            Indicator::Connecting | Indicator::Reconnecting => "↻",
            Indicator::Offline => "⚠",
            Indicator::Disconnected => "○",
            Indicator::Error => "!",
        }
    }
}

/// The Retry button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryButton {
    /// Not shown.
    Hidden,
    /// Shown and usable (disconnected, error).
    Enabled,
    /// Shown but disabled: the Retry it started is connecting. (Renderers keep it focusable,
    /// `aria-disabled`, so keyboard focus stays on it.)
    Disabled,
}

impl RetryButton {
    /// Every state of the button.
    pub const ALL: [RetryButton; 3] = [RetryButton::Hidden, RetryButton::Enabled, RetryButton::Disabled];

    /// `hidden`, `enabled` or `disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryButton::Hidden => "hidden",
            RetryButton::Enabled => "enabled",
            RetryButton::Disabled => "disabled",
        }
    }
}

/// Everything an indicator renders at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusView {
    /// What to show.
    pub indicator: Indicator,
    /// The line to show, e.g. `Reconnecting · retrying in 3 s · attempt 2 of 10`. Plain text:
    /// render it as text, never as HTML (it may carry the server's close reason).
    pub text: String,
    /// The line for screen readers: like `text` without the ticking countdown, so a polite
    /// live region only speaks when the state changes.
    pub spoken: String,
    /// For `error`: the server's close reason, or the close kind's hint when it gave none (or
    /// only ASCII whitespace).
    pub reason: Option<String>,
    /// The retry being waited for or made (0 on a first connect).
    pub attempt: u32,
    /// The retry limit, if any.
    pub max_attempts: Option<u32>,
    /// When the next attempt runs (the driver's clock, ms), while a countdown is shown.
    pub retry_at: Option<u64>,
    /// The Retry button.
    pub retry: RetryButton,
    /// In how many ms the view changes with no new event (the countdown's next second, the
    /// end of the grace period); `None` = only an event changes it.
    pub recheck_in: Option<u64>,
}

/// The last close, as the indicator reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LastClose {
    kind: CloseKind,
    reason: String,
    hint: &'static str,
}

/// Follows one connection for an indicator: feed it every state change and close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusTracker {
    state: State,
    max_attempts: Option<u32>,
    /// When the ready connection was lost, while it is coming back (for the grace period).
    lost_at: Option<u64>,
    /// The app's Retry (a connect after closed or failed) is running.
    retrying: bool,
    last_close: Option<LastClose>,
}

impl Default for StatusTracker {
    fn default() -> Self {
        StatusTracker::new(None)
    }
}

impl StatusTracker {
    /// A tracker for a socket in [`State::Idle`] with this retry limit (`maxRetries`).
    pub fn new(max_attempts: Option<u32>) -> Self {
        StatusTracker { state: State::Idle, max_attempts, lost_at: None, retrying: false, last_close: None }
    }

    /// The engine's state is now `state` (at `now`, the driver's clock).
    pub fn state_changed(&mut self, now: u64, state: State) {
        let was = self.state;
        match state {
            State::Open | State::Idle | State::Closing | State::Closed | State::Failed { .. } => {
                self.lost_at = None;
                self.retrying = false;
            }
            State::Connecting { .. } if matches!(was, State::Closing | State::Closed | State::Failed { .. }) => {
                self.retrying = true;
            }
            _ if was == State::Open => self.lost_at = Some(now),
            _ => {}
        }
        self.state = state;
    }

    /// A connection ended (any [`crate::Event::Closed`]).
    pub fn closed(&mut self, info: &CloseInfo) {
        self.last_close = Some(LastClose { kind: info.kind, reason: info.reason.clone(), hint: info.hint() });
    }

    /// The engine state the tracker last saw.
    pub fn state(&self) -> State {
        self.state
    }

    /// What to show at `now`, with a grace period of `grace_ms`: a drop that recovers
    /// within it keeps showing `connected`, so short blips do not flash.
    pub fn view(&self, now: u64, grace_ms: u64) -> StatusView {
        let mut view = StatusView {
            indicator: Indicator::Connecting,
            text: String::new(),
            spoken: String::new(),
            reason: None,
            attempt: 0,
            max_attempts: self.max_attempts,
            retry_at: None,
            retry: RetryButton::Hidden,
            recheck_in: None,
        };
        let grace_ends = self.lost_at.map(|at| at.saturating_add(grace_ms)).filter(|&end| now < end);
        if let Some(end) = grace_ends {
            view.indicator = Indicator::Connected;
            view.recheck_in = Some(end - now);
            view.text.push_str("Connected");
            view.spoken.push_str("Connected");
            return view;
        }
        match self.state {
            State::Open => view.indicator = Indicator::Connected,
            State::Idle | State::Closing | State::Closed => view.indicator = Indicator::Disconnected,
            State::Failed { retries_exhausted, .. } => {
                view.indicator = Indicator::Error;
                self.error_text(&mut view, retries_exhausted);
            }
            State::Offline { attempt } => {
                view.indicator = Indicator::Offline;
                view.attempt = attempt;
            }
            State::Connecting { attempt } | State::Verifying { attempt } => {
                let first = attempt == 0 && self.lost_at.is_none();
                view.indicator = if first || self.retrying { Indicator::Connecting } else { Indicator::Reconnecting };
                view.attempt = attempt;
            }
            State::Reconnecting { attempt, retry_at } => {
                view.indicator = Indicator::Reconnecting;
                view.attempt = attempt;
                view.retry_at = Some(retry_at);
            }
            State::Suspended => view.indicator = Indicator::Reconnecting,
        }
        view.retry = match view.indicator {
            Indicator::Disconnected | Indicator::Error => RetryButton::Enabled,
            Indicator::Connecting if self.retrying => RetryButton::Disabled,
            _ => RetryButton::Hidden,
        };
        if view.indicator != Indicator::Error {
            self.texts(&mut view, now);
        }
        view
    }

    fn texts(&self, view: &mut StatusView, now: u64) {
        let line = match view.indicator {
            Indicator::Connected => "Connected",
            Indicator::Connecting => "Connecting…",
            Indicator::Offline => "Waiting for network…",
            Indicator::Disconnected => "Disconnected",
            _ => "Reconnecting",
        };
        view.text.push_str(line);
        view.spoken.push_str(line);
        if view.indicator != Indicator::Reconnecting {
            return;
        }
        match view.retry_at {
            Some(at) => {
                let left = at.saturating_sub(now);
                let seconds = left.div_ceil(1000);
                view.text.push_str(" · retrying in ");
                push_decimal(&mut view.text, seconds);
                view.text.push_str(" s");
                // The next change is when the rounded-up second ticks over.
                view.recheck_in = Some(match left % 1000 {
                    0 => 1000.min(left.max(1)),
                    rest => rest,
                });
            }
            None => view.text.push('…'),
        }
        if view.attempt > 0 {
            for line in [&mut view.text, &mut view.spoken] {
                line.push_str(" · attempt ");
                push_decimal(line, view.attempt.into());
                if let Some(max) = view.max_attempts {
                    line.push_str(" of ");
                    push_decimal(line, max.into());
                }
            }
        }
    }

    /// `error`: whose side failed, then the reason as text.
    fn error_text(&self, view: &mut StatusView, retries_exhausted: bool) {
        let close = self.last_close.as_ref();
        let headline = match close.map(|c| c.kind) {
            _ if retries_exhausted => "Gave up reconnecting",
            Some(kind) => side(kind),
            None => "Connection failed",
        };
        let reason = match close {
            Some(c) if !c.reason.trim_ascii().is_empty() => c.reason.clone(),
            Some(c) => String::from(c.hint),
            None => String::from("the connection stopped"),
        };
        for line in [&mut view.text, &mut view.spoken] {
            line.push_str(headline);
            line.push_str(": ");
            line.push_str(&reason);
        }
        view.reason = Some(reason);
    }
}

/// Whose side a close that stopped the retries says failed.
fn side(kind: CloseKind) -> &'static str {
    use CloseKind::*;
    match kind {
        Policy | Protocol | TooBig | AppStop | Refused | VerificationFailed => "The server refused the connection",
        ServerError | BadGateway | TryAgainLater | Restart | GoingAway | ServerNormal | VerificationTimeout
        | AppRetry | NoStatus | Other => "The server closed the connection",
        Unreachable | ConnectionLost | ConnectTimeout | HeartbeatTimeout | Offline | Suspended | UrlProvider => {
            "The network connection failed"
        }
        User => "Closed",
    }
}

/// Appends `n` in decimal (without `core::fmt`, which would weigh on the wasm build).
///
/// ```
/// let mut text = String::from("attempt ");
/// ws_core::push_decimal(&mut text, 120);
/// assert_eq!(text, "attempt 120");
/// ```
pub fn push_decimal(text: &mut String, n: u64) {
    let mut divisor = 1;
    while n / divisor >= 10 {
        divisor *= 10;
    }
    while divisor > 0 {
        text.push(char::from(b'0' + (n / divisor % 10) as u8));
        divisor /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(kind: CloseKind, reason: &str) -> CloseInfo {
        CloseInfo::stopped(kind, 1008, reason)
    }

    #[test]
    fn every_state_has_its_indicator_text_and_button() {
        let mut t = StatusTracker::new(Some(10));
        let view = t.view(0, 500);
        assert_eq!(
            (view.indicator, view.text.as_str(), view.retry),
            (Indicator::Disconnected, "Disconnected", RetryButton::Enabled)
        );
        t.state_changed(0, State::Connecting { attempt: 0 });
        assert_eq!((t.view(0, 500).indicator, t.view(0, 500).text.as_str()), (Indicator::Connecting, "Connecting…"));
        t.state_changed(10, State::Open);
        assert_eq!(t.view(10, 500).text, "Connected");
        t.state_changed(20, State::Reconnecting { attempt: 2, retry_at: 4_020 });
        let view = t.view(1_020, 500);
        assert_eq!(view.text, "Reconnecting · retrying in 3 s · attempt 2 of 10");
        assert_eq!(view.spoken, "Reconnecting · attempt 2 of 10");
        assert_eq!((view.retry_at, view.recheck_in, view.retry), (Some(4_020), Some(1_000), RetryButton::Hidden));
        assert_eq!(t.view(1_500, 500).recheck_in, Some(520));
        t.state_changed(1_600, State::Offline { attempt: 2 });
        let view = t.view(1_600, 500);
        assert_eq!((view.indicator, view.text.as_str()), (Indicator::Offline, "Waiting for network…"));
        t.state_changed(1_700, State::Closing);
        assert_eq!(t.view(1_700, 500).indicator, Indicator::Disconnected);
    }

    #[test]
    fn a_blip_within_the_grace_period_never_shows_reconnecting() {
        let mut t = StatusTracker::new(None);
        t.state_changed(0, State::Open);
        t.state_changed(100, State::Reconnecting { attempt: 1, retry_at: 150 });
        let view = t.view(300, 500);
        assert_eq!((view.indicator, view.recheck_in), (Indicator::Connected, Some(300)));
        t.state_changed(310, State::Connecting { attempt: 1 });
        assert_eq!(t.view(320, 500).indicator, Indicator::Connected);
        t.state_changed(350, State::Open);
        assert_eq!(t.view(700, 500).indicator, Indicator::Connected);
        // A longer outage shows once the grace period is over; grace 0 shows at once.
        t.state_changed(1_000, State::Reconnecting { attempt: 1, retry_at: 5_000 });
        assert_eq!(t.view(1_499, 500).indicator, Indicator::Connected);
        assert_eq!(t.view(1_500, 500).indicator, Indicator::Reconnecting);
        assert_eq!(t.view(1_000, 0).indicator, Indicator::Reconnecting);
    }

    #[test]
    fn errors_say_whose_side_failed_then_the_reason_as_text() {
        let mut t = StatusTracker::new(Some(3));
        t.closed(&close(CloseKind::Policy, "<img src=x onerror=alert(1)>"));
        t.state_changed(0, State::Failed { kind: CloseKind::Policy, retries_exhausted: false });
        let view = t.view(0, 500);
        assert_eq!(view.indicator, Indicator::Error);
        assert_eq!(view.text, "The server refused the connection: <img src=x onerror=alert(1)>");
        assert_eq!(view.reason.as_deref(), Some("<img src=x onerror=alert(1)>"));
        assert_eq!(view.retry, RetryButton::Enabled);
        t.closed(&close(CloseKind::Unreachable, ""));
        t.state_changed(5, State::Failed { kind: CloseKind::Unreachable, retries_exhausted: true });
        let view = t.view(5, 500);
        assert!(view.text.starts_with("Gave up reconnecting: could not connect"), "{}", view.text);
        t.closed(&close(CloseKind::ServerError, ""));
        t.state_changed(6, State::Failed { kind: CloseKind::ServerError, retries_exhausted: false });
        assert!(t.view(6, 500).text.starts_with("The server closed the connection: "));
        t.closed(&close(CloseKind::HeartbeatTimeout, ""));
        t.state_changed(7, State::Failed { kind: CloseKind::HeartbeatTimeout, retries_exhausted: false });
        assert!(t.view(7, 500).text.starts_with("The network connection failed: "));
        // A reason of only (ASCII) whitespace says nothing: the hint is shown instead.
        t.closed(&close(CloseKind::Policy, " \t\n "));
        t.state_changed(8, State::Failed { kind: CloseKind::Policy, retries_exhausted: false });
        assert_eq!(t.view(8, 500).reason.as_deref(), Some(CloseKind::Policy.hint()));
    }

    #[test]
    fn retry_is_disabled_while_the_retry_it_started_connects() {
        let mut t = StatusTracker::new(None);
        t.state_changed(0, State::Failed { kind: CloseKind::Policy, retries_exhausted: false });
        t.state_changed(1, State::Connecting { attempt: 0 });
        let view = t.view(1, 500);
        assert_eq!((view.indicator, view.retry), (Indicator::Connecting, RetryButton::Disabled));
        t.state_changed(2, State::Open);
        assert_eq!(t.view(2, 500).retry, RetryButton::Hidden);
    }

    #[test]
    fn names_are_distinct() {
        let names: std::collections::HashSet<_> = Indicator::ALL.iter().map(|i| i.as_str()).collect();
        assert_eq!(names.len(), Indicator::ALL.len());
    }
}
