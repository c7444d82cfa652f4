//! What the engine is doing ([`State`]) and what it has counted ([`Stats`]).

use crate::close::CloseKind;

/// Numbers each socket the engine asks for; events carrying an older number are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ConnId(pub u32);

/// Identifies one `request()`; the driver writes it into the message (e.g. an `id` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The connection's state as the app and the status widget see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created with `startClosed`; nothing happens until `connect()`.
    Idle,
    /// A socket is opening. `attempt` is 0 for a first connect, n for the n-th retry.
    Connecting {
        /// 0 for a first connect, n for the n-th retry.
        attempt: u32,
    },
    /// The socket is open and the ready verification is running.
    Verifying {
        /// As in `Connecting`.
        attempt: u32,
    },
    /// Ready: messages flow.
    Open,
    /// Waiting to retry: `attempt` is the retry that will run at `retry_at`.
    Reconnecting {
        /// The retry that will run next (1-based).
        attempt: u32,
        /// When it runs, on the driver's clock (ms).
        retry_at: u64,
    },
    /// The browser is offline: no attempts until it is online again.
    Offline {
        /// The retry that will run when the network is back.
        attempt: u32,
    },
    /// The page is in the back/forward cache; reconnects when it is shown again.
    Suspended,
    /// The app called `close()`: waiting for the socket to confirm (its close event), at
    /// most [`crate::CLOSE_WAIT_MS`]; then [`State::Closed`] and the close event. Sends are
    /// dropped, as in `Closed`.
    Closing,
    /// Closed by the app; nothing happens until `reconnect()`.
    Closed,
    /// Stopped for good: the close policy said stop, or the retries ran out.
    Failed {
        /// The last close's kind.
        kind: CloseKind,
        /// `true` when `maxRetries` ran out (rather than the close policy saying stop).
        retries_exhausted: bool,
    },
}

impl State {
    /// One state of each name, in lifecycle order.
    pub const ALL: [State; 10] = [
        State::Idle,
        State::Connecting { attempt: 0 },
        State::Verifying { attempt: 0 },
        State::Open,
        State::Reconnecting { attempt: 1, retry_at: 0 },
        State::Offline { attempt: 1 },
        State::Suspended,
        State::Closing,
        State::Closed,
        State::Failed { kind: CloseKind::Other, retries_exhausted: false },
    ];

    /// The state's stable name: `idle`, `connecting`, `verifying`, `open`, `reconnecting`,
    /// `offline`, `suspended`, `closing`, `closed`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting { .. } => "connecting",
            State::Verifying { .. } => "verifying",
            State::Open => "open",
            State::Reconnecting { .. } => "reconnecting",
            State::Offline { .. } => "offline",
            State::Suspended => "suspended",
            State::Closing => "closing",
            State::Closed => "closed",
            State::Failed { .. } => "failed",
        }
    }

    /// `true` in the states where the engine opens no sockets and sends nothing until the
    /// app (or the page) acts: idle, closing, closed, failed, suspended. (Closing keeps one
    /// timer: the bound on waiting for its socket.)
    pub fn is_stopped(self) -> bool {
        matches!(self, State::Idle | State::Closing | State::Closed | State::Failed { .. } | State::Suspended)
    }

    /// `true` where `send()` reports a drop (`closed`) instead of queueing: closing, closed,
    /// failed. (Idle holds messages for the first connect.)
    pub fn drops_sends(self) -> bool {
        matches!(self, State::Closing | State::Closed | State::Failed { .. })
    }
}

/// Counters and last measurements, for the app's `stats` and the status widget.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Sockets the engine asked to open.
    pub attempts: u64,
    /// Sockets that opened.
    pub opens: u64,
    /// Messages handed to an open socket (including queued ones when flushed).
    pub messages_sent: u64,
    /// Inbound messages the driver reported.
    pub messages_received: u64,
    /// Messages dropped (each also reported as an event).
    pub messages_dropped: u64,
    /// Last heartbeat round-trip time (ms).
    pub rtt_ms: Option<u64>,
    /// Time from open to ready on the last connection (ms; 0 without verification).
    pub open_to_ready_ms: Option<u64>,
    /// When the current connection became ready (driver clock, ms).
    pub ready_since: Option<u64>,
    /// The kind of the last close.
    pub last_close: Option<CloseKind>,
}
