//! Closing: the app's `close()` and its wait for the socket's close event, a socket's close
//! classified (the close-code table, the app's decision, a server's retry floor), and what
//! follows a socket's end (a retry, waiting for the network, or the end), reported once.

use alloc::string::String;

use super::{Engine, Socket};
use crate::close::{classify, reconnects_by_default, retry_after_ms, CloseDecision, CloseKind};
use crate::output::{CloseInfo, Event};
use crate::queue::Payload;
use crate::requests::RequestFailure;
use crate::state::{ConnId, State};

/// How long `close()` waits for its socket's close event before reporting the close anyway
/// (a peer that never answers the closing handshake must not keep the app waiting).
pub const CLOSE_WAIT_MS: u64 = 2_000;

/// The app's `close()`, waiting for its socket's close event ([`State::Closing`]).
pub(super) struct PendingClose {
    /// The socket being closed; `None` when there was none (the event comes at once, from
    /// the next timer: a later task, as `WebSocket` does).
    conn: Option<ConnId>,
    code: u16,
    reason: String,
    pub(super) deadline: u64,
}

/// How a socket ended, as its close event reports it.
pub(super) struct Ending {
    pub(super) kind: CloseKind,
    pub(super) code: u16,
    pub(super) reason: String,
    pub(super) was_clean: bool,
}

impl Ending {
    /// The engine ended it (a timeout, a dead peer, failed verification): 1000, the kind's
    /// name as the reason, not clean.
    pub(super) fn by_engine(kind: CloseKind) -> Ending {
        Ending { kind, code: 1000, reason: kind.as_str().into(), was_clean: false }
    }

    /// The app or the page ended it on purpose (a `reconnect()`, a page hidden): clean.
    pub(super) fn on_purpose(kind: CloseKind, reason: &str) -> Ending {
        Ending { kind, code: 1000, reason: reason.into(), was_clean: true }
    }
}

/// Whether a socket's end may be followed by a retry.
pub(super) enum Retry {
    /// Not: the engine fails (the close-code table or the app said stop).
    Not,
    /// Yes, while retries remain, waiting at least `floor_ms` (a server's 1013 or `retry-after`).
    Allowed { floor_ms: Option<u64> },
}

/// What follows a socket's end, as its close event says.
pub(super) enum Afterwards {
    /// Nothing until the app acts.
    Stops,
    /// Another attempt: in `in_ms`, or when the network is back (`None`).
    Retries { in_ms: Option<u64> },
}

impl<P: Payload> Engine<P> {
    /// The app's `close(code, reason)`: closes the socket, cancels every retry, fails
    /// pending requests and reports every queued message dropped (`closed`: nothing it sent
    /// is held without a word). As `WebSocket` does, the close is reported later: the engine
    /// is [`State::Closing`] until the socket's close event ([`Engine::socket_closed`] for
    /// that `conn`), at most [`CLOSE_WAIT_MS`], or until the next timer when there was no
    /// socket; then [`Event::Closed`] (kind `user`, the socket's code and reason) and
    /// [`State::Closed`] until [`Engine::connect`]. Closing from idle, closed or failed just
    /// becomes closed, with no event. Messages sent while closing, closed or failed are
    /// dropped the same way. (Only [`State::Idle`], before the first connect, holds them.)
    pub fn close(&mut self, now: u64, code: u16, reason: &str) {
        self.fail_all_requests();
        self.drop_queue();
        match self.state {
            State::Closing => return,
            State::Idle | State::Closed | State::Failed { .. } => return self.set_state(State::Closed),
            _ => {}
        }
        let conn = self.socket.take().map(|socket| {
            self.close_socket(socket.conn, code, reason);
            self.retire_socket(&socket, CloseKind::User);
            socket.conn
        });
        let deadline = if conn.is_some() { now.saturating_add(CLOSE_WAIT_MS) } else { now };
        self.closing = Some(PendingClose { conn, code, reason: reason.into(), deadline });
        self.set_state(State::Closing);
    }

    /// Reports the app's close: with what the socket's close event said, or (timed out,
    /// no socket, reconnect meanwhile) with the app's code and reason.
    pub(super) fn finish_close(&mut self, confirmed: Option<(u16, &str, bool)>) {
        let Some(pending) = self.closing.take() else { return };
        let (code, reason, was_clean) = match confirmed {
            Some((code, reason, was_clean)) => (code, reason.into(), was_clean),
            None => (pending.code, pending.reason, pending.conn.is_none()),
        };
        let conn = pending.conn.unwrap_or(self.last_conn);
        let kind = CloseKind::User;
        let info =
            CloseInfo { conn, code, reason, was_clean, kind, will_retry: false, retry_in_ms: None, http_status: None };
        self.emit(Event::Closed(info));
        self.set_state(State::Closed);
    }

    /// Socket `conn` closed; the config's close predicate (if any) is consulted.
    pub fn socket_closed(&mut self, now: u64, conn: ConnId, code: u16, reason: &str, was_clean: bool) {
        let decision = match &self.config.close_predicate {
            Some(predicate) if self.current(conn) => predicate(code, reason),
            _ => CloseDecision::Default,
        };
        self.socket_closed_decided(now, conn, code, reason, was_clean, decision);
    }

    /// Socket `conn` closed, with the app's decision already made. For drivers that must
    /// run the app's predicate outside the engine (a JS callback must not run while wasm
    /// is on the stack); [`CloseDecision::Default`] falls back to the close-code table.
    pub fn socket_closed_decided(
        &mut self,
        now: u64,
        conn: ConnId,
        code: u16,
        reason: &str,
        was_clean: bool,
        decision: CloseDecision,
    ) {
        if self.closing.as_ref().is_some_and(|closing| closing.conn == Some(conn)) {
            return self.finish_close(Some((code, reason, was_clean)));
        }
        let Some(socket) = self.socket.filter(|s| s.conn == conn) else {
            return;
        };
        self.socket = None;
        let mut kind = classify(code, socket.opened_at.is_some());
        if kind == CloseKind::Unreachable && socket.http_status.is_some() {
            kind = CloseKind::Refused;
        }
        if !self.online && matches!(kind, CloseKind::ConnectionLost | CloseKind::Unreachable) {
            kind = CloseKind::Offline;
        }
        let retry = match decision {
            CloseDecision::Reconnect => true,
            CloseDecision::Stop => false,
            CloseDecision::Default => reconnects_by_default(kind),
        };
        let floor = match retry_after_ms(reason) {
            Some(hint) => Some(hint),
            None if code == 1013 => {
                let floor = self.config.try_again_later_ms;
                Some(floor.saturating_add(self.rng.between(0, floor / 2 + 1)))
            }
            None => None,
        };
        let ending = Ending { kind, code, reason: reason.into(), was_clean };
        self.after_close(now, socket, ending, if retry { Retry::Allowed { floor_ms: floor } } else { Retry::Not });
    }

    /// The engine gives up on the current socket (timeout, dead peer, failed verification).
    pub(super) fn fail_socket(&mut self, now: u64, kind: CloseKind) {
        if let Some(socket) = self.socket.take() {
            self.close_socket(socket.conn, 1000, kind.as_str());
            self.after_close(now, socket, Ending::by_engine(kind), Retry::Allowed { floor_ms: None });
        }
    }

    /// After a socket ended (`ending`): the retry count, then either a retry (after the
    /// backoff, at least `floor_ms`), waiting for the network, or the end (not allowed to
    /// retry, or out of retries: requests fail, the queue is dropped).
    pub(super) fn after_close(&mut self, now: u64, socket: Socket, ending: Ending, retry: Retry) {
        let stable = socket.opened_at.is_some_and(|at| now.saturating_sub(at) >= self.config.min_uptime_ms);
        if stable {
            self.retries = 0;
            self.backoff.reset();
        }
        let kind = ending.kind;
        let exhausted = self.config.max_retries.is_some_and(|max| self.retries >= max);
        let floor_ms = match retry {
            Retry::Allowed { floor_ms } if !exhausted => floor_ms,
            allowed => {
                self.end_socket(socket, ending, Afterwards::Stops);
                self.fail_all_requests();
                self.drop_queue();
                let retries_exhausted = matches!(allowed, Retry::Allowed { .. });
                return self.set_state(State::Failed { kind, retries_exhausted });
            }
        };
        self.retries += 1;
        let attempt = self.retries;
        if !self.online {
            self.end_socket(socket, ending, Afterwards::Retries { in_ms: None });
            return self.set_state(State::Offline { attempt });
        }
        let delay = self.backoff.delay(attempt, now, &mut self.rng).max(floor_ms.unwrap_or(0));
        self.server_floor = floor_ms.is_some();
        self.end_socket(socket, ending, Afterwards::Retries { in_ms: Some(delay) });
        self.set_state(State::Reconnecting { attempt, retry_at: now.saturating_add(delay) });
    }

    /// Bookkeeping shared by every way a socket ends: requests sent on it fail, the close
    /// is reported once, saying what follows.
    pub(super) fn end_socket(&mut self, socket: Socket, ending: Ending, afterwards: Afterwards) {
        let Ending { kind, code, reason, was_clean } = ending;
        self.retire_socket(&socket, kind);
        let (will_retry, retry_in_ms) = match afterwards {
            Afterwards::Stops => (false, None),
            Afterwards::Retries { in_ms } => (true, in_ms),
        };
        let conn = socket.conn;
        let http_status = socket.http_status.filter(|_| kind == CloseKind::Refused);
        let info = CloseInfo { conn, code, reason, was_clean, kind, will_retry, retry_in_ms, http_status };
        self.emit(Event::Closed(info));
    }

    /// Everything that ends with a socket but its close event: its requests fail, what it
    /// buffered is forgotten.
    pub(super) fn retire_socket(&mut self, socket: &Socket, kind: CloseKind) {
        for id in self.requests.take_sent_on(socket.conn) {
            self.emit(Event::RequestFailed { id, failure: RequestFailure::Disconnected });
        }
        self.buffered = 0;
        if self.drain_check_at.take().is_some() {
            // Whatever the socket buffered is gone; new sends go to the queue.
            self.emit(Event::Drain);
        }
        self.stats.ready_since = None;
        self.stats.last_close = Some(kind);
    }
}
