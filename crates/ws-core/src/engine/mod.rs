//! The state machine: inputs stamped with `now` in, [`Output`]s and a deadline out. This
//! module has the engine and its inputs (user actions, socket events, hints, time) and the
//! plumbing they share; `closing` has how connections end.

mod closing;
mod hints;
mod sending;

use alloc::collections::VecDeque;
use alloc::string::String;

pub use closing::CLOSE_WAIT_MS;
use closing::{Afterwards, Ending, PendingClose, Retry};

use crate::backoff::{Backoff, Rng};
use crate::close::CloseKind;
use crate::config::Config;
use crate::heartbeat::{Beat, Heartbeat};
use crate::output::{Event, Output, SendError, SendStatus};
use crate::queue::{DropReason, OutboundQueue, Payload, Queued};
use crate::requests::{RequestFailure, Requests};
use crate::state::{ConnId, RequestId, State, Stats};

/// How often a congested connection re-reads `bufferedAmount` to detect drain (ms).
pub const DRAIN_POLL_MS: u64 = 25;

/// The socket the engine currently owns.
#[derive(Clone, Copy, Debug)]
struct Socket {
    conn: ConnId,
    opened_at: Option<u64>,
    /// Connect or verification deadline, while one applies.
    deadline: Option<u64>,
    /// The HTTP status that refused the upgrade, where the socket reported one.
    http_status: Option<u16>,
}

/// A reconnecting WebSocket's brain, with no clock and no I/O.
///
/// Feed it inputs stamped with a monotonic `now` (ms), then drain [`Engine::poll_output`]
/// and arm one timer for [`Engine::poll_timeout`]; when it fires, report fresh
/// `bufferedAmount`/inbound activity and call [`Engine::handle_timeout`].
///
/// ```
/// use ws_core::{Config, Engine, Event, Output, State};
/// let mut engine: Engine<String> = Engine::new(Config::default(), 42);
/// engine.connect(0);
/// let Some(Output::OpenSocket { conn, .. }) = engine.poll_output() else { panic!() };
/// engine.socket_opened(30, conn);
/// assert_eq!(engine.state(), State::Open);
/// engine.send(31, "hello".to_string()).unwrap();
/// let outputs: Vec<_> = std::iter::from_fn(|| engine.poll_output()).collect();
/// assert!(outputs.contains(&Output::Transmit { conn, payload: "hello".into(), request: None }));
/// ```
pub struct Engine<P> {
    config: Config,
    rng: Rng,
    backoff: Backoff,
    state: State,
    last_conn: ConnId,
    socket: Option<Socket>,
    closing: Option<PendingClose>,
    retries: u32,
    /// The pending retry's delay was set by the server (1013 / `retry-after`): page and
    /// network hints must not cut it short.
    server_floor: bool,
    /// When the last attempt started, to rate-limit retries triggered by hints.
    last_attempt_at: u64,
    online: bool,
    hidden: bool,
    heartbeat: Heartbeat,
    queue: OutboundQueue<P>,
    requests: Requests,
    buffered: usize,
    drain_check_at: Option<u64>,
    outputs: VecDeque<Output<P>>,
    stats: Stats,
}

impl<P: Payload> Engine<P> {
    /// A new engine in [`State::Idle`]; `seed` feeds its jitter.
    pub fn new(config: Config, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let backoff =
            Backoff::new(config.min_delay_ms, config.max_delay_ms, config.grow_factor, config.jitter, &mut rng);
        let heartbeat =
            Heartbeat::new(config.heartbeat_interval_ms, config.heartbeat_timeout_ms, config.probe_timeout_ms);
        let queue = OutboundQueue::new(
            config.max_queued_messages,
            config.max_queued_bytes,
            config.overflow,
            config.message_ttl_ms,
        );
        Engine {
            config,
            rng,
            backoff,
            state: State::Idle,
            last_conn: ConnId(0),
            socket: None,
            closing: None,
            retries: 0,
            server_floor: false,
            last_attempt_at: 0,
            online: true,
            hidden: false,
            heartbeat,
            queue,
            requests: Requests::default(),
            buffered: 0,
            drain_check_at: None,
            outputs: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }
    /// Counters and last measurements.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// Messages waiting in the queue, and their bytes.
    pub fn queued(&self) -> (usize, usize) {
        (self.queue.len(), self.queue.bytes())
    }
    /// Requests still waiting for a reply.
    pub fn pending_requests(&self) -> usize {
        self.requests.len()
    }
    /// The socket the engine owns now, if any; the driver uses it to route socket events.
    pub fn current_conn(&self) -> Option<ConnId> {
        self.socket.map(|s| s.conn)
    }

    /// The next thing for the driver to do.
    pub fn poll_output(&mut self) -> Option<Output<P>> {
        self.outputs.pop_front()
    }

    /// When [`Engine::handle_timeout`] must be called next; `None` = no timer at all.
    pub fn poll_timeout(&self) -> Option<u64> {
        if let Some(closing) = &self.closing {
            return Some(closing.deadline);
        }
        if self.state.is_stopped() {
            return None;
        }
        let phase = match self.state {
            State::Reconnecting { retry_at, .. } => Some(retry_at),
            State::Open => self.heartbeat.deadline().into_iter().chain(self.drain_check_at).min(),
            _ => self.socket.and_then(|s| s.deadline),
        };
        [phase, self.queue.next_expiry(), self.requests.next_deadline()].into_iter().flatten().min()
    }

    // ---- user actions -------------------------------------------------------------------

    /// Connect now: the first start, or the app's `reconnect()`. Closes any current socket
    /// (reported as a `user` close that will retry), resets the retry count and skips any wait.
    pub fn connect(&mut self, now: u64) {
        self.finish_close(None);
        if let Some(socket) = self.socket.take() {
            self.close_socket(socket.conn, 1000, "reconnect");
            self.end_socket(
                socket,
                Ending::on_purpose(CloseKind::User, "reconnect"),
                Afterwards::Retries { in_ms: None },
            );
        }
        self.retries = 0;
        self.backoff.reset();
        self.expire_queue(now);
        self.start_attempt(now);
    }

    /// Queue or send a message. Never blocks and never drops silently: see [`SendStatus`].
    pub fn send(&mut self, now: u64, payload: P) -> Result<SendStatus, SendError<P>> {
        self.send_tagged(now, payload, None)
    }

    /// Send a request: `make` builds the message carrying the new id. The request fails
    /// (an [`Event::RequestFailed`]) on timeout, when its socket drops, or when it is dropped
    /// from the queue; it never hangs. Report the reply with [`Engine::resolve_request`].
    pub fn request(
        &mut self,
        now: u64,
        timeout_ms: u64,
        make: impl FnOnce(RequestId) -> P,
    ) -> Result<(RequestId, SendStatus), SendError<P>> {
        let id = self.requests.start(now.saturating_add(timeout_ms));
        let payload = make(id);
        if self.state.is_stopped() {
            self.requests.remove(id);
            self.emit(Event::RequestFailed { id, failure: RequestFailure::Closed });
            self.drop_payload(payload, DropReason::Closed);
            return Ok((id, SendStatus::Dropped(DropReason::Closed)));
        }
        match self.send_tagged(now, payload, Some(id)) {
            Ok(SendStatus::Dropped(reason)) => {
                self.fail_request(id, RequestFailure::Dropped(reason));
                Ok((id, SendStatus::Dropped(reason)))
            }
            Ok(status) => Ok((id, status)),
            Err(error) => {
                self.requests.remove(id);
                Err(error)
            }
        }
    }

    /// Numbers this engine's requests from `first` on, so engines that share a socket (one
    /// per browser tab) never reuse each other's ids. Only before the first request.
    pub fn number_requests_from(&mut self, first: RequestId) {
        self.requests.number_from(first.0);
    }

    /// The id the next [`Engine::request`] will get (for drivers that must build the
    /// message outside the engine, before the call).
    pub fn next_request_id(&self) -> RequestId {
        self.requests.next_id()
    }

    /// A payload the engine handed over in [`Output::Transmit`] did not go out: the socket
    /// was already closing (a server's close frame arrived; browsers discard sends from
    /// then on and fire the close event later) or it was gone. Nothing accepted is lost
    /// silently: while the engine still means to connect, the message goes back to the front
    /// of the queue (ahead of newer ones, after those that came back before it) and goes out
    /// on the next connection; its request, if any, stays pending (it never left). Once the
    /// engine has stopped (closed, failed) or the request has already ended, the message is
    /// reported dropped (`closed`).
    pub fn transmit_failed(&mut self, now: u64, payload: P, request: Option<RequestId>) {
        self.stats.messages_sent = self.stats.messages_sent.saturating_sub(1);
        let item = Queued { len: payload.byte_len(), payload, at: now, request };
        let request_ended = request.is_some_and(|id| !self.requests.mark_unsent(id));
        if self.state.drops_sends() || request_ended {
            self.report_drop(item, DropReason::Closed);
        } else {
            self.queue.push_returned(item);
        }
    }

    /// A [`Output::Transmit`] the open socket refused (its `send` threw on the value, e.g. a
    /// detached `ArrayBuffer`): it is dropped ([`DropReason::Refused`]), not kept, so it
    /// neither blocks nor reorders the queue.
    pub fn transmit_refused(&mut self, payload: P, request: Option<RequestId>) {
        self.stats.messages_sent = self.stats.messages_sent.saturating_sub(1);
        let item = Queued { len: payload.byte_len(), payload, at: 0, request };
        self.report_drop(item, DropReason::Refused);
    }

    /// The reply to request `id` arrived; `false` if it was not pending (late or unknown).
    pub fn resolve_request(&mut self, id: RequestId) -> bool {
        self.requests.remove(id)
    }

    // ---- socket events --------------------------------------------------------------------

    /// Socket `conn` opened.
    pub fn socket_opened(&mut self, now: u64, conn: ConnId) {
        let Some(socket) = self.socket.as_mut().filter(|s| s.conn == conn && s.opened_at.is_none()) else {
            return;
        };
        socket.opened_at = Some(now);
        socket.deadline = self.config.verify_timeout_ms().map(|timeout| now.saturating_add(timeout));
        self.stats.opens += 1;
        self.emit(Event::Open { conn });
        match self.config.verify_timeout_ms() {
            Some(_) => {
                self.outputs.push_back(Output::Verify { conn });
                self.set_state(State::Verifying { attempt: self.retries });
            }
            None => self.become_ready(now, conn),
        }
    }

    /// The ready verification on `conn` finished.
    pub fn verification_done(&mut self, now: u64, conn: ConnId, ok: bool) {
        if self.current(conn) && matches!(self.state, State::Verifying { .. }) {
            if ok {
                self.become_ready(now, conn);
            } else {
                self.fail_socket(now, CloseKind::VerificationFailed);
            }
        }
    }

    /// Inbound traffic on `conn`: `messages` messages, the latest at `at`. The driver may
    /// batch (e.g. report a counter when the timer fires) instead of calling per message.
    pub fn socket_activity(&mut self, conn: ConnId, at: u64, messages: u32) {
        if self.current(conn) {
            self.stats.messages_received += u64::from(messages);
            self.heartbeat.inbound(at);
        }
    }

    /// The heartbeat reply arrived on `conn`.
    pub fn pong_received(&mut self, now: u64, conn: ConnId) {
        if self.current(conn) {
            self.stats.messages_received += 1;
            if let Some(rtt) = self.heartbeat.pong(now) {
                self.stats.rtt_ms = Some(rtt);
            }
        }
    }

    /// Socket `conn` reported an error; the engine acts on the close that follows.
    /// `http_status` is the status that refused the upgrade, where the socket tells it (the
    /// `ws` package does; browsers hide it): the close is then kind `refused`, with a hint
    /// for that status.
    pub fn socket_error(&mut self, _now: u64, conn: ConnId, http_status: Option<u16>) {
        if let Some(socket) = self.socket.as_mut().filter(|s| s.conn == conn && s.opened_at.is_none()) {
            socket.http_status = socket.http_status.or(http_status);
        }
        if self.current(conn) {
            self.emit(Event::Error { conn });
        }
    }

    /// The URL for attempt `conn` could not be had (the app's provider threw, rejected or
    /// gave an invalid URL): no socket exists. Reported as an error and a close of kind
    /// [`CloseKind::UrlProvider`], and retried like any failed attempt.
    pub fn url_failed(&mut self, now: u64, conn: ConnId) {
        let Some(socket) = self.socket.filter(|s| s.conn == conn && s.opened_at.is_none()) else {
            return;
        };
        self.emit(Event::Error { conn });
        self.socket = None;
        let ending = Ending { kind: CloseKind::UrlProvider, code: 1006, reason: String::new(), was_clean: false };
        self.after_close(now, socket, ending, Retry::Allowed { floor_ms: None });
    }

    /// `bufferedAmount` of `conn` as last read. Report it when a send the engine did not
    /// see (a driver's fast path) finds it above the high-water mark, and before
    /// [`Engine::handle_timeout`] while congested. Returns whether the socket is congested.
    pub fn set_buffered_amount(&mut self, now: u64, conn: ConnId, bytes: usize) -> bool {
        if !self.current(conn) {
            return false;
        }
        self.buffered = bytes;
        if bytes > self.config.high_water_bytes && self.drain_check_at.is_none() {
            self.drain_check_at = Some(now.saturating_add(DRAIN_POLL_MS));
        } else if self.drain_check_at.is_some() && bytes <= self.config.low_water_bytes {
            self.drain_check_at = None;
            self.emit(Event::Drain);
        }
        self.drain_check_at.is_some()
    }

    // ---- time -----------------------------------------------------------------------------

    /// The timer armed for [`Engine::poll_timeout`] fired (late is fine: everything due by
    /// `now` is handled).
    pub fn handle_timeout(&mut self, now: u64) {
        if self.closing.as_ref().is_some_and(|closing| now >= closing.deadline) {
            return self.finish_close(None);
        }
        if self.state.is_stopped() {
            return;
        }
        self.expire_queue(now);
        while let Some(id) = self.requests.pop_expired(now) {
            self.emit(Event::RequestFailed { id, failure: RequestFailure::Timeout });
            if let Some(item) = self.queue.remove_request(id) {
                self.report_drop(item, DropReason::Expired);
            }
        }
        match self.state {
            State::Reconnecting { retry_at, .. } if now >= retry_at => self.start_attempt(now),
            State::Connecting { .. } if self.socket_deadline_passed(now) => {
                self.fail_socket(now, CloseKind::ConnectTimeout)
            }
            State::Verifying { .. } if self.socket_deadline_passed(now) => {
                self.fail_socket(now, CloseKind::VerificationTimeout)
            }
            State::Open => {
                if self.drain_check_at.is_some_and(|at| now >= at) {
                    self.drain_check_at = Some(now.saturating_add(DRAIN_POLL_MS));
                }
                match self.heartbeat.check(now) {
                    Beat::SendPing => self.send_ping(),
                    Beat::Dead => self.fail_socket(now, CloseKind::HeartbeatTimeout),
                    Beat::Nothing => {}
                }
            }
            _ => {}
        }
    }

    // ---- internals ------------------------------------------------------------------------

    fn current(&self, conn: ConnId) -> bool {
        self.socket.is_some_and(|s| s.conn == conn)
    }

    fn socket_deadline_passed(&self, now: u64) -> bool {
        self.socket.and_then(|s| s.deadline).is_some_and(|deadline| now >= deadline)
    }

    fn emit(&mut self, event: Event<P>) {
        self.outputs.push_back(Output::Event(event));
    }

    fn set_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.emit(Event::StateChanged(state));
        }
    }

    fn close_socket(&mut self, conn: ConnId, code: u16, reason: &str) {
        self.outputs.push_back(Output::CloseSocket { conn, code, reason: reason.into() });
    }

    fn start_attempt(&mut self, now: u64) {
        self.last_conn = ConnId(self.last_conn.0.wrapping_add(1));
        let conn = self.last_conn;
        let deadline = Some(now.saturating_add(self.config.connect_timeout_ms));
        self.socket = Some(Socket { conn, opened_at: None, deadline, http_status: None });
        self.stats.attempts += 1;
        self.last_attempt_at = now;
        self.server_floor = false;
        self.outputs.push_back(Output::OpenSocket { conn, attempt: self.retries });
        self.set_state(State::Connecting { attempt: self.retries });
    }

    /// A hint (page visible again, network back) says now is a good time: retry at once,
    /// unless the server set the delay or the last attempt was less than the first retry
    /// delay ago (so flipping tabs cannot become a busy loop).
    fn retry_soon(&mut self, now: u64) {
        let State::Reconnecting { attempt, retry_at } = self.state else { return };
        if self.server_floor {
            return;
        }
        let earliest = self.last_attempt_at.saturating_add(self.config.min_delay_ms).max(now);
        if earliest <= now {
            self.start_attempt(now);
        } else if earliest < retry_at {
            self.set_state(State::Reconnecting { attempt, retry_at: earliest });
        }
    }

    fn become_ready(&mut self, now: u64, conn: ConnId) {
        let opened_at = self.socket.and_then(|s| s.opened_at).unwrap_or(now);
        if let Some(socket) = self.socket.as_mut() {
            socket.deadline = None;
        }
        self.heartbeat.restart(now);
        self.buffered = 0;
        self.drain_check_at = None;
        let open_to_ready_ms = now.saturating_sub(opened_at);
        self.stats.open_to_ready_ms = Some(open_to_ready_ms);
        self.stats.ready_since = Some(now);
        self.set_state(State::Open);
        self.emit(Event::Ready { conn, open_to_ready_ms });
        self.expire_queue(now);
        while let Some(item) = self.queue.pop() {
            self.transmit(now, conn, item);
        }
    }

    fn send_ping(&mut self) {
        if let Some(conn) = self.current_conn() {
            self.outputs.push_back(Output::SendPing { conn });
        }
    }

    fn probe(&mut self, now: u64) {
        if self.heartbeat.probe(now) == Beat::SendPing {
            self.send_ping();
        }
    }
}
