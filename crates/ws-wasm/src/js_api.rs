//! The JS face: `Core`, the engine as the npm package's `ReconnectingWebSocket` drives it.
//!
//! `Core` is sans-IO like the engine it wraps, and its boundary is compact: numbers and
//! strings in, records out ([`crate::boundary`] says what each record and field is; the
//! wrapper's half, npm/src/core.js, decodes them with the table generated from it). No JS
//! value crosses: the app's messages stay in the wrapper, which hands `Core` a handle and a
//! size for each, and `Core` calls no JS at all, so no app code can run while wasm is on the
//! stack and nothing can unwind through it.
//!
//! The wrapper (npm/src/index.js) owns every piece of I/O and every call to app code: it
//! creates the sockets, attaches their handlers, sends, closes, runs the one timer, listens
//! to the page's hints, resolves URL providers, runs `verify`, `shouldReconnect` and every
//! listener, and reads the clock (`now`, `performance.now()` in ms, is every input's
//! argument after its index). Once a `Core` call has returned, the wrapper performs the records it wrote, in
//! order. Nothing here is on the per-message path: while the socket is open and uncongested
//! the wrapper sends directly and counts inbound messages itself, reporting the count when
//! the timer fires ([`Core::tick`]).

use alloc::string::String;
use alloc::vec::Vec;

use ws_core::share::{fingerprint, member_config};
use ws_core::{
    CloseDecision, Config, ConnId, Engine, Event, Hint, Output, PageFacts, RequestId, SendError, SendStatus, State,
    StatusTracker, SHARED_BLOCK_IDS,
};

use crate::boundary::{Action, Input, TIMEOUT_RANGE};
use crate::errors::close_problem;
use crate::options::{config_problem, engine_config, js_config, timeout_ms, SHARE_PROVIDER};
use crate::url::socket_scheme;

/// A message as the engine holds it: the wrapper's handle to the app's value, and its size
/// (UTF-16 units for strings, bytes for binary data: the wrapper measures it).
#[derive(Clone, Debug, PartialEq)]
struct Handle {
    id: f64,
    len: usize,
}

impl ws_core::Payload for Handle {
    fn byte_len(&self) -> usize {
        self.len
    }
}

/// A provider-fed member's URL until its link opens (then it reads the shared socket's).
const MEMBER_URL: &str = "wss://rebound-ws.shared/";

/// The records of one call (see [`crate::boundary`]): numbers, and the texts they point into.
#[derive(Default)]
struct Records {
    out: Vec<f64>,
    text: String,
    /// `text`'s length in UTF-16 units (where the next text starts, for JS).
    units: usize,
}

impl Records {
    fn start(&mut self, action: Action) -> &mut Self {
        self.out.push(action as u8 as f64);
        self
    }
    fn number(&mut self, value: f64) -> &mut Self {
        self.out.push(value);
        self
    }
    fn optional(&mut self, value: Option<u64>) -> &mut Self {
        self.number(value.map_or(f64::NAN, |n| n as f64))
    }
    fn flag(&mut self, value: bool) -> &mut Self {
        self.number(f64::from(u8::from(value)))
    }
    fn text(&mut self, text: &str) -> &mut Self {
        let units = text.encode_utf16().count();
        self.out.push(self.units as f64);
        self.out.push(units as f64);
        self.text.push_str(text);
        self.units += units;
        self
    }
    fn optional_text(&mut self, text: Option<&str>) -> &mut Self {
        match text {
            Some(text) => self.text(text),
            None => self.number(-1.0).number(0.0),
        }
    }
    /// A refusal: the error `name` (`TypeError`, `RangeError` or a `DOMException` name) for
    /// the value `option` names (`None`: `problem` is the whole message).
    fn thrown(&mut self, name: &str, option: Option<&str>, problem: &str) {
        self.thrown_value(name, option, problem, f64::NAN);
    }
    /// [`Records::thrown`] showing `value` (the number refused; NaN: the app's own value).
    fn thrown_value(&mut self, name: &str, option: Option<&str>, problem: &str, value: f64) {
        self.start(Action::Thrown).text(name).optional_text(option).text(problem).number(value);
    }
}

/// The engine behind one JS `ReconnectingWebSocket` (see the module docs). Made with
/// [`Core::new`], set up with [`Core::configure`] and [`Core::setup`]; every other call
/// returns its records.
pub struct Core {
    engine: Engine<Handle>,
    /// `None`: every attempt asks the app's URL provider.
    url: Option<String>,
    /// A `share` member: its sockets are links to the leading tab's, which has the URL.
    member: bool,
    request_timeout_ms: u64,
    /// The timeout the last [`Input::RequestId`] checked, for the request that follows.
    next_timeout_ms: u64,
    /// The deadline the wrapper's timer is armed for.
    armed: Option<u64>,
    /// Inbound messages already reported to the engine (the wrapper's counter).
    counted: f64,
    /// What an indicator shows (`statusView`), fed every state change and close.
    status: StatusTracker,
    records: Records,
}

impl Default for Core {
    fn default() -> Self {
        Core::new()
    }
}

impl Core {
    /// A `Core` with the default configuration, for [`Core::configure`] and [`Core::setup`].
    pub fn new() -> Core {
        Core {
            engine: Engine::new(Config::default(), 0),
            url: None,
            member: false,
            request_timeout_ms: crate::options::DEFAULT_REQUEST_TIMEOUT_MS,
            next_timeout_ms: crate::options::DEFAULT_REQUEST_TIMEOUT_MS,
            armed: None,
            counted: 0.0,
            status: StatusTracker::new(None),
            records: Records::default(),
        }
    }

    /// The texts the last call's records point into.
    pub fn text(&self) -> &str {
        &self.records.text
    }

    /// The number options (`numbers[i]` for `OPTIONS[i]`, given where bit i of `given` is
    /// set) and the choices (`jitter`, `queueOverflow`: an index into their names, −1 for the
    /// default), checked by the engine's builder. Records: a `thrown` naming the option, or
    /// none.
    pub fn configure(&mut self, numbers: &[f64], given: u32, jitter: i32, overflow: i32) -> Vec<f64> {
        self.begin();
        match js_config(numbers, given, jitter, overflow) {
            Ok(config) => self.engine = Engine::new(config, 0),
            Err(error) => {
                let (name, problem) = config_problem(&error);
                self.records.thrown_value(name, Some(error.option), &problem, error.value);
            }
        }
        self.take()
    }

    /// The rest of the set-up, once the wrapper has read every option: `url` the resolved
    /// fixed URL (`None`: a provider), `share` the key when the app asked to share (`""`
    /// for `true`), `can_share` whether tabs can share here (Web Locks, `BroadcastChannel`,
    /// an origin that is not opaque). A member's group name and the fingerprint tabs compare
    /// are made by the share module's `ShareMember` (fetched only by instances that share),
    /// from the engine's part of the fingerprint, `shareConfig`, which needs the config.
    /// Records: a `thrown` (a provider shared without a key), or `settings`.
    pub fn setup(
        &mut self,
        seed: f64,
        has_check: bool,
        request_timeout_ms: f64,
        url: Option<&str>,
        share: Option<&str>,
        can_share: bool,
    ) -> Vec<f64> {
        self.begin();
        if url.is_none() && share == Some("") {
            self.records.thrown("TypeError", Some("share"), SHARE_PROVIDER);
            return self.take();
        }
        let mut config = engine_config(self.engine.config().clone(), has_check);
        let heartbeat = config.heartbeat_interval_ms().is_some();
        let high_water = config.high_water_bytes();
        self.request_timeout_ms = request_timeout_ms as u64;
        self.member = share.is_some() && can_share;
        let mut share_config = None;
        if self.member {
            share_config = Some(fingerprint(&config));
            config = member_config(&config);
        }
        self.status = StatusTracker::new(config.max_retries());
        self.engine = Engine::new(config, seed as u64);
        // Tabs sharing one socket see every reply: ids in a block of this instance's own,
        // which the member announces (`seed` is a fresh random draw per instance).
        let ids = share.is_some().then(|| RequestId::shared_block(seed as u64));
        if let Some(ids) = ids {
            self.engine.number_requests_from(ids);
        }
        // A member with a provider: the leading tab's provider gives the socket its URL.
        self.url = if self.member && url.is_none() { Some(MEMBER_URL.into()) } else { url.map(String::from) };
        let member = self.member;
        self.records
            .start(Action::Settings)
            .flag(heartbeat && !member)
            .number(high_water as f64)
            .flag(member)
            .optional_text(self.url.as_deref())
            .optional_text(share_config.as_deref())
            .optional(ids.map(|id| id.0))
            .number(SHARED_BLOCK_IDS as f64);
        self.take()
    }

    /// Whether `text` is a subprotocol `WebSocket` accepts (an RFC 7230 token).
    pub fn is_token(text: &str) -> bool {
        let tchar = |b: u8| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'^'..=b'`' | b'|' | b'~')
        };
        !text.is_empty() && text.bytes().all(tchar)
    }

    /// Whether `bytes` are UTF-8 (RFC 3629: shortest forms only, no surrogates, at most
    /// U+10FFFF), as `core::str::from_utf8` decides, in a fraction of its code (the npm
    /// wasm checks the strings the wrapper writes with it).
    pub fn is_utf8(bytes: &[u8]) -> bool {
        let mut rest = bytes;
        while let [first, tail @ ..] = rest {
            let (continuation, least, mut code) = match first {
                0x00..=0x7F => (0, 0, 0),
                0xC0..=0xDF => (1, 0x80, u32::from(first & 0x1F)),
                0xE0..=0xEF => (2, 0x800, u32::from(first & 0x0F)),
                0xF0..=0xF7 => (3, 0x1_0000, u32::from(first & 0x07)),
                _ => return false,
            };
            let Some((bytes, after)) = tail.split_at_checked(continuation) else { return false };
            for &byte in bytes {
                if byte & 0xC0 != 0x80 {
                    return false;
                }
                code = code << 6 | u32::from(byte & 0x3F);
            }
            if code < least || code > 0x10_FFFF || (0xD800..=0xDFFF).contains(&code) {
                return false;
            }
            rest = after;
        }
        true
    }

    /// A timeout in ms as `requestTimeout` and `request()`'s `timeout` take it: `value`
    /// rounded, or −1 when it is not above 0 and at most 2147483647 (a `RangeError`).
    pub fn timeout(value: f64) -> f64 {
        timeout_ms(value).map_or(-1.0, |ms| ms as f64)
    }

    /// `statusView(grace)`'s grace in ms (`None`: the default, 500), or −1 when it is not
    /// from 0 to 2147483647.
    pub fn grace(value: Option<f64>) -> f64 {
        let Some(value) = value else { return ws_core::DEFAULT_GRACE_MS as f64 };
        if (0.0..=ws_core::MAX_DURATION_MS).contains(&value) {
            (value + 0.5) as u64 as f64
        } else {
            -1.0
        }
    }

    /// Bytes waiting in the queue (for `bufferedAmount`).
    pub fn queued_bytes(&self) -> f64 {
        self.engine.queued().1 as f64
    }

    /// The reply to request `id` arrived; `false` if it is no longer pending.
    pub fn resolve(&mut self, id: f64) -> bool {
        self.engine.resolve_request(RequestId(id as u64))
    }

    /// Everything else the wrapper tells `Core`, one [`Input`] per call: `input` is its index,
    /// `now` the clock (`performance.now()`, ms), `a`, `b`, `c` its numbers, `given` the bits
    /// of [`Input`]'s optional values present, `text` its string. Returns the records.
    #[allow(clippy::too_many_arguments)]
    pub fn input(&mut self, input: u32, now: f64, a: f64, b: f64, c: f64, given: u32, text: Option<&str>) -> Vec<f64> {
        self.begin();
        let given_text = text;
        let text = text.unwrap_or_default();
        let now = now as u64;
        let Some(input) = Input::ALL.get(input as usize).copied() else { return self.take() };
        let first = given & 1 != 0;
        let handle = |id: f64, len: f64| Handle { id, len: len as usize };
        let request = |id: f64| first.then_some(RequestId(id as u64));
        let conn = ConnId(a as u32);
        match input {
            Input::Connect => self.engine.connect(now),
            Input::Close => return self.close(now, first.then_some(a), text),
            Input::Send => return self.send(now, handle(a, b)),
            Input::Refused => self.engine.transmit_refused(handle(a, b), request(c)),
            Input::Unsent => self.engine.transmit_failed(now, handle(a, b), request(c)),
            Input::RequestId => return self.request_id(first.then_some(a)),
            Input::Request => return self.request(now, a, handle(b, c)),
            Input::OpenUrl => {
                if self.engine.current_conn() == Some(conn) {
                    self.records.start(Action::OpenSocket).number(a).text(text);
                }
            }
            Input::UrlFailed => {
                if self.engine.current_conn() == Some(conn) {
                    self.records.start(Action::Failure);
                    self.engine.url_failed(now, conn);
                }
            }
            Input::Failed => {
                if self.engine.current_conn() == Some(conn) {
                    self.records.start(Action::Failure);
                    self.engine.socket_error(now, conn, None);
                    self.engine.socket_closed(now, conn, 1006, "", false);
                }
            }
            Input::Opened => self.engine.socket_opened(now, conn),
            Input::Errored => self.engine.socket_error(now, conn, given_text.and_then(refusal_status)),
            Input::Closed => {
                let code = Some(b).filter(|c| first && (0.0..=65_535.0).contains(c)).map_or(1006, |c| c as u16);
                let decision = match c {
                    1.0 => CloseDecision::Reconnect,
                    0.0 => CloseDecision::Stop,
                    _ => CloseDecision::Default,
                };
                let clean = given & 2 != 0;
                self.engine.socket_closed_decided(now, conn, code, text, clean, decision);
            }
            Input::Verdict => self.engine.verification_done(now, conn, b == 1.0),
            Input::Pong => {
                if let Some(conn) = self.engine.current_conn() {
                    self.counted = a;
                    self.engine.pong_received(now, conn);
                }
            }
            Input::Congested => {
                if let Some(conn) = self.engine.current_conn() {
                    self.engine.set_buffered_amount(now, conn, a as usize);
                }
            }
            Input::Tick => self.tick(now, a, b, c),
            Input::Hint => {
                let page = PageFacts { hidden: a == 1.0, persisted: b == 1.0 };
                if let Some(hint) = usize::try_from(c as i64).ok().and_then(|event| Hint::from_event_at(event, page)) {
                    self.engine.hint(now, hint);
                }
            }
            Input::StatusView => self.status_view(now, a as u64),
            Input::Stats => self.stats(),
            Input::Scheme => match socket_scheme(text, a == 1.0) {
                Ok(scheme) => _ = self.records.start(Action::Scheme).text(scheme),
                Err((kind, message)) => self.records.thrown(kind.name(), None, &message),
            },
        }
        self.pump(now)
    }
}

/// The attempt number and scheduled retry time a state carries.
fn attempt_and_retry(state: State) -> (u32, Option<u64>) {
    match state {
        State::Connecting { attempt } | State::Verifying { attempt } | State::Offline { attempt } => (attempt, None),
        State::Reconnecting { attempt, retry_at } => (attempt, Some(retry_at)),
        _ => (0, None),
    }
}

/// The `WebSocket` `readyState` a state means: OPEN only when ready, CLOSING while the
/// app's close waits for the socket, CLOSED when nothing will happen until the app acts,
/// CONNECTING otherwise (including while verifying and while suspended in the
/// back/forward cache, from which it comes back by itself).
fn ready_state(state: State) -> u8 {
    match state {
        State::Open => 1,
        State::Closing => 2,
        State::Idle | State::Closed | State::Failed { .. } => 3,
        _ => 0,
    }
}

/// The HTTP status in the `ws` package's refused-upgrade message, `Unexpected server
/// response: <status>`.
fn refusal_status(message: &str) -> Option<u16> {
    // By hand: `str::find` would bring the two-way searcher into the wasm (kilobytes).
    const PREFIX: &[u8] = b"Unexpected server response: ";
    let bytes = message.as_bytes();
    let start = bytes.windows(PREFIX.len()).position(|window| window == PREFIX)? + PREFIX.len();
    let digits = bytes.get(start..start + 3)?;
    let status = digits.iter().try_fold(0u16, |n, &b| b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0')))?;
    (100..600).contains(&status).then_some(status)
}

impl Core {
    /// The app's `close(code, reason)`, after the wrapper's WebIDL conversions (`+code`,
    /// `String(reason)`): `code` clamped as `WebSocket.close`'s `[Clamp] unsigned short` and
    /// checked as [`close_problem`] says (`None`: 1000).
    fn close(&mut self, now: u64, code: Option<f64>, reason: &str) -> Vec<f64> {
        let code = match code {
            None => 1000,
            Some(n) if n.is_nan() => 0,
            Some(n) => {
                // Clamp, then round half to even.
                let clamped = n.clamp(0.0, 65_535.0);
                let floor = clamped as u32;
                let fraction = clamped - floor as f64;
                let round_up = fraction > 0.5 || (fraction == 0.5 && floor % 2 == 1);
                (floor + u32::from(round_up)) as u16
            }
        };
        if let Some((kind, message)) = close_problem(code, reason) {
            self.records.thrown(kind.name(), None, &message);
            return self.take();
        }
        self.engine.close(now, code, reason);
        self.pump(now)
    }

    /// Queues or sends a message the wrapper could not send directly: a `sent` record first
    /// (`sent`; `congested`: sent, above the high-water mark; `queued`; `dropped`: a `drop`
    /// follows), or a `thrown` `RangeError` when the queue refuses it.
    fn send(&mut self, now: u64, message: Handle) -> Vec<f64> {
        let status = match self.engine.send(now, message) {
            Ok(SendStatus::Sent { congested: false }) => "sent",
            Ok(SendStatus::Sent { congested: true }) => "congested",
            Ok(SendStatus::Queued) => "queued",
            Ok(SendStatus::Dropped(_)) => "dropped",
            Err(error) => {
                self.refused(&error);
                return self.take();
            }
        };
        self.records.start(Action::Sent).text(status);
        self.pump(now)
    }

    /// The id the next request will carry, once `timeout` (ms; `None`: `requestTimeout`) is
    /// checked: a `requestId` record, or a `thrown` naming `timeout`. The timeout is kept
    /// for the [`Input::Request`] that follows.
    fn request_id(&mut self, timeout: Option<f64>) -> Vec<f64> {
        if let Some(ms) = self.request_timeout(timeout) {
            self.next_timeout_ms = ms;
            self.records.start(Action::RequestId).number(self.engine.next_request_id().0 as f64);
        }
        self.take()
    }

    /// Sends request `id` (from [`Input::RequestId`], with its timeout) as `message`, its
    /// JSON. A `thrown` `RangeError` when the queue refuses it, or when another request took
    /// the id while this one's JSON was being built (its `toJSON` made one).
    fn request(&mut self, now: u64, id: f64, message: Handle) -> Vec<f64> {
        if self.engine.next_request_id().0 as f64 != id {
            let message = "rebound-ws: request() was called again while its message was being built";
            self.records.thrown("RangeError", None, message);
            return self.take();
        }
        if let Err(error) = self.engine.request(now, self.next_timeout_ms, |_| message) {
            self.refused(&error);
            return self.take();
        }
        self.pump(now)
    }

    /// The timer fired. `received` is the wrapper's inbound count, `last_inbound` when the
    /// latest of them arrived, `buffered` the socket's `bufferedAmount`. With the arrival
    /// time, the heartbeat counts silence from the last message, not from the timer that
    /// noticed it.
    fn tick(&mut self, now: u64, received: f64, buffered: f64, last_inbound: f64) {
        self.armed = None;
        if let Some(conn) = self.engine.current_conn() {
            if received > self.counted {
                let fresh = (received - self.counted).min(u32::MAX as f64) as u32;
                self.counted = received;
                let at =
                    if last_inbound.is_finite() && last_inbound >= 0.0 { (last_inbound as u64).min(now) } else { now };
                self.engine.socket_activity(conn, at, fresh);
            }
            if self.engine.state() == State::Open {
                self.engine.set_buffered_amount(now, conn, buffered as usize);
            }
        }
        self.engine.handle_timeout(now);
    }

    /// What a connection indicator shows now: a `view` record. A drop that recovers within
    /// `grace` ms keeps showing `connected`.
    fn status_view(&mut self, now: u64, grace: u64) {
        let view = self.status.view(now, grace);
        self.records
            .start(Action::View)
            .text(view.indicator.as_str())
            .text(view.indicator.icon())
            .text(&view.text)
            .text(&view.spoken)
            .optional_text(view.reason.as_deref())
            .number(view.attempt.into())
            .optional(view.max_attempts.map(u64::from))
            .optional(view.retry_at)
            .text(view.retry.as_str())
            .optional(view.recheck_in);
    }

    /// Counters and the current state's details: a `stats` record.
    fn stats(&mut self) {
        let s = self.engine.stats();
        let (queued, queued_bytes) = self.engine.queued();
        let (attempt, retry_at) = attempt_and_retry(self.engine.state());
        let max_retries = self.engine.config().max_retries().map(u64::from);
        let last_close = s.last_close.map(|kind| kind.as_str());
        let (attempts, opens, sent, received, dropped) =
            (s.attempts, s.opens, s.messages_sent, s.messages_received, s.messages_dropped);
        let (rtt, open_to_ready, ready_since) = (s.rtt_ms, s.open_to_ready_ms, s.ready_since);
        self.records
            .start(Action::Stats)
            .number(attempts as f64)
            .number(opens as f64)
            .number(sent as f64)
            .number(received as f64)
            .number(dropped as f64)
            .optional(rtt)
            .optional(open_to_ready)
            .optional(ready_since)
            .optional_text(last_close)
            .number(queued as f64)
            .number(queued_bytes as f64)
            .number(attempt.into())
            .optional(retry_at)
            .optional(max_retries);
    }

    /// Starts a call's records.
    fn begin(&mut self) {
        self.records.out.clear();
        self.records.text.clear();
        self.records.units = 0;
    }

    /// The call's records.
    fn take(&mut self) -> Vec<f64> {
        core::mem::take(&mut self.records.out)
    }

    /// A request's timeout (`None`: `requestTimeout`), or a `thrown` naming `timeout`.
    fn request_timeout(&mut self, timeout: Option<f64>) -> Option<u64> {
        let Some(ms) = timeout else { return Some(self.request_timeout_ms) };
        let checked = timeout_ms(ms);
        if checked.is_none() {
            self.records.thrown("RangeError", Some("timeout"), TIMEOUT_RANGE);
        }
        checked
    }

    /// A refused send as the `RangeError` `send()`/`request()` throw.
    fn refused(&mut self, error: &SendError<Handle>) {
        let message = match error {
            SendError::QueueFull(_) => {
                "rebound-ws: the outbound queue is full (maxEnqueuedMessages / maxEnqueuedBytes)"
            }
            SendError::TooLarge(_) => "rebound-ws: the message is larger than maxEnqueuedBytes",
        };
        self.records.thrown("RangeError", None, message);
    }

    /// Writes everything the engine asked for, then re-arms the timer; returns the records.
    fn pump(&mut self, now: u64) -> Vec<f64> {
        while let Some(output) = self.engine.poll_output() {
            let records = &mut self.records;
            match output {
                Output::OpenSocket { conn, .. } => match &self.url {
                    Some(url) => records.start(Action::OpenSocket).number(conn.0.into()).text(url),
                    None => records.start(Action::NeedUrl).number(conn.0.into()),
                },
                Output::Transmit { conn, payload, request } => records
                    .start(Action::Transmit)
                    .number(conn.0.into())
                    .number(payload.id)
                    .optional(request.map(|id| id.0)),
                Output::SendPing { conn } => records.start(Action::Ping).number(conn.0.into()),
                Output::Verify { conn } => records.start(Action::Verify).number(conn.0.into()),
                Output::CloseSocket { conn, code, reason } => {
                    records.start(Action::CloseSocket).number(conn.0.into()).number(code.into()).text(&reason)
                }
                Output::Event(event) => {
                    match &event {
                        Event::StateChanged(state) => self.status.state_changed(now, *state),
                        Event::Closed(info) => self.status.closed(info),
                        _ => {}
                    }
                    self.report(now, event);
                    continue;
                }
                _ => continue,
            };
        }
        self.arm_timer(now);
        self.take()
    }

    fn report(&mut self, now: u64, event: Event<Handle>) {
        let max_retries = self.engine.config().max_retries().map(u64::from);
        let records = &mut self.records;
        match event {
            Event::StateChanged(state) => {
                let (attempt, retry_at) = attempt_and_retry(state);
                records
                    .start(Action::State)
                    .text(state.as_str())
                    .number(ready_state(state).into())
                    .number(attempt.into())
                    .optional(max_retries)
                    .optional(retry_at.map(|at| at.saturating_sub(now)))
                    .flag(ready_state(state) < 2);
            }
            Event::Ready { conn, open_to_ready_ms } => {
                records.start(Action::Ready).number(conn.0.into()).number(open_to_ready_ms as f64);
            }
            Event::Closed(info) => {
                records
                    .start(Action::Close)
                    .number(info.code.into())
                    .text(&info.reason)
                    .flag(info.was_clean)
                    .text(info.kind.as_str())
                    .text(info.hint())
                    .flag(info.will_retry)
                    .optional(info.retry_in_ms)
                    .optional(info.http_status.map(u64::from));
            }
            Event::Error { conn } => {
                records.start(Action::Error).number(conn.0.into());
            }
            Event::Dropped { payload, reason } => {
                records.start(Action::Drop).number(payload.id).text(reason.as_str());
            }
            Event::RequestFailed { id, failure } => {
                records.start(Action::RequestFailed).number(id.0 as f64).text(failure.as_str());
            }
            Event::Drain => {
                records.start(Action::Drain);
            }
            _ => {}
        }
    }

    /// One timer for the engine's next deadline. A later deadline keeps the armed timer: it
    /// fires early, finds nothing due, and re-arms then (traffic that postpones the
    /// heartbeat costs no timer churn). No deadline cancels it: a stopped socket holds none.
    fn arm_timer(&mut self, now: u64) {
        match (self.armed, self.engine.poll_timeout()) {
            (Some(armed), Some(next)) if next >= armed => {}
            (armed, None) => {
                if armed.is_some() {
                    self.armed = None;
                    self.records.start(Action::Timer).number(-1.0);
                }
            }
            (_, Some(next)) => {
                self.armed = Some(next);
                self.records.start(Action::Timer).number(next.saturating_sub(now).min(i32::MAX as u64) as f64);
            }
        }
    }
}
