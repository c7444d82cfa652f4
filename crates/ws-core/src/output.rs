//! What the engine asks of its driver ([`Output`]) and tells the app ([`Event`]).

use alloc::string::String;

use crate::close::CloseKind;
use crate::queue::DropReason;
use crate::requests::RequestFailure;
use crate::state::{ConnId, RequestId, State};

/// One thing for the driver to do, drained with [`crate::Engine::poll_output`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Output<P> {
    /// Open a new socket numbered `conn` (close none: the previous one is already gone).
    OpenSocket {
        /// The new socket's number.
        conn: ConnId,
        /// 0 for a first connect, n for the n-th retry.
        attempt: u32,
    },
    /// Send this payload on socket `conn` now. If it cannot go out (the socket is already
    /// closing), give it back with [`crate::Engine::transmit_failed`], `request` included.
    Transmit {
        /// The socket.
        conn: ConnId,
        /// The app's message.
        payload: P,
        /// The request this message carries, if it is one.
        request: Option<RequestId>,
    },
    /// Send the heartbeat message (the app-level ping) on socket `conn`.
    SendPing {
        /// The socket.
        conn: ConnId,
    },
    /// Start the ready verification on socket `conn`; report the outcome with
    /// [`crate::Engine::verification_done`].
    Verify {
        /// The socket.
        conn: ConnId,
    },
    /// Close socket `conn` with this code and reason, detach its listeners and forget it.
    CloseSocket {
        /// The socket.
        conn: ConnId,
        /// Close code (1000 or 3000–4999, as browsers allow).
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Tell the app.
    Event(Event<P>),
}

/// Something the app should hear about.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event<P> {
    /// The state changed.
    StateChanged(State),
    /// Socket `conn` opened (before verification).
    Open {
        /// The socket.
        conn: ConnId,
    },
    /// Socket `conn` is ready: verified (when configured) and the queue flushed.
    Ready {
        /// The socket.
        conn: ConnId,
        /// Time from open to ready (ms).
        open_to_ready_ms: u64,
    },
    /// A connection ended, with its classification.
    Closed(CloseInfo),
    /// The socket reported an error (a close follows).
    Error {
        /// The socket.
        conn: ConnId,
    },
    /// A message was dropped instead of sent.
    Dropped {
        /// The message, handed back.
        payload: P,
        /// Why.
        reason: DropReason,
    },
    /// A request will not get its reply.
    RequestFailed {
        /// The request.
        id: RequestId,
        /// Why.
        failure: RequestFailure,
    },
    /// `bufferedAmount` fell to the low-water mark after a `send` returned `false`.
    Drain,
}

/// A classified close.
#[derive(Clone, Debug, PartialEq)]
pub struct CloseInfo {
    /// The socket that closed.
    pub conn: ConnId,
    /// The close code (the server's, the app's, or 1000 for closes the engine initiated).
    pub code: u16,
    /// The close reason as received or sent.
    pub reason: String,
    /// Whether the closing handshake completed.
    pub was_clean: bool,
    /// What happened, for people: see [`CloseInfo::hint`].
    pub kind: CloseKind,
    /// Whether the engine will try again (now or later).
    pub will_retry: bool,
    /// The delay before the next attempt, when one is scheduled.
    pub retry_in_ms: Option<u64>,
    /// The HTTP status that refused the upgrade (kind [`CloseKind::Refused`] only).
    pub http_status: Option<u16>,
}

impl CloseInfo {
    /// A close that ends the retries (`will_retry: false`, no socket): for a failure shown
    /// to an indicator that never reached the engine, such as a rejected URL.
    ///
    /// ```
    /// use ws_core::{CloseInfo, CloseKind};
    /// let info = CloseInfo::stopped(CloseKind::Unreachable, 1006, "unsupported URL scheme");
    /// assert!(!info.will_retry && info.hint().contains("could not connect"));
    /// ```
    pub fn stopped(kind: CloseKind, code: u16, reason: &str) -> Self {
        CloseInfo {
            conn: ConnId(0),
            code,
            reason: reason.into(),
            was_clean: false,
            kind,
            will_retry: false,
            retry_in_ms: None,
            http_status: None,
        }
    }

    /// What happened, for people: the kind's hint, or for a refused upgrade what its status
    /// means ([`crate::refusal_hint`]).
    pub fn hint(&self) -> &'static str {
        match (self.kind, self.http_status) {
            (CloseKind::Refused, Some(status)) => crate::close::refusal_hint(status),
            (kind, _) => kind.hint(),
        }
    }
}

/// What `send` did with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendStatus {
    /// Handed to the open socket. `congested` is `true` when `bufferedAmount` is now above
    /// the high-water mark: the JS `send()` returns `false` and a `drain` event follows.
    Sent {
        /// Above the high-water mark.
        congested: bool,
    },
    /// Held in the queue until the connection is ready.
    Queued,
    /// Dropped at once (policy drop-newest or larger than the queue); a drop event was emitted.
    Dropped(DropReason),
}

/// A message refused by the queue (policy `error`); the payload is handed back.
#[derive(Debug, PartialEq)]
pub enum SendError<P> {
    /// The queue is full.
    QueueFull(P),
    /// The message is larger than the queue's byte limit.
    TooLarge(P),
}

impl<P> core::fmt::Display for SendError<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            SendError::QueueFull(_) => "the outbound queue is full (maxEnqueuedMessages / maxEnqueuedBytes)",
            SendError::TooLarge(_) => "the message is larger than maxEnqueuedBytes",
        })
    }
}
