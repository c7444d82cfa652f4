//! The JS face: `Core`, the engine as the npm package's `ReconnectingWebSocket` drives it.
//!
//! `Core` is sans-IO like the engine it wraps. The wrapper (npm/src/index.js) owns every
//! piece of I/O and every call to app code: it creates the sockets (the app may pass its own
//! `WebSocket` class), attaches their handlers, sends, closes, runs the one timer, listens to
//! the page's hints, resolves URL providers, runs `verify`, `shouldReconnect` and every
//! listener. It feeds what happened into `Core`; `Core` feeds the engine and reports what
//! to do through the wrapper's [`Sink`], whose methods only record (they run no app code
//! and cannot throw). Once the `Core` call has returned, the wrapper performs the recorded
//! actions and dispatches the events, in order. So no app code ever runs while wasm is on
//! the stack, and nothing unwinds through it.
//!
//! Nothing here is on the per-message path: while the socket is open and uncongested the
//! wrapper sends directly and counts inbound messages itself, reporting the count when the
//! timer fires ([`Core::tick`]).

use alloc::string::String;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use ws_core::{
    CloseDecision, ConnId, Engine, Event, Hint, Output, PageFacts, RequestId, SendError, SendStatus, State,
    StatusTracker, SHARED_BLOCK_IDS,
};

use crate::errors::{check_close, is_array, js_error, ErrorKind};
use crate::options::{read_js, request_timeout, DEFAULT_REQUEST_TIMEOUT_MS};
use crate::payload::Payload;
use crate::share::{can_share, member_setup, opaque_origin, OPAQUE_ORIGIN};
use crate::url::resolve_url;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// The wrapper's recorder (see the module docs). Every method records and returns.
    pub type Sink;
    /// The state changed: `{ state, readyState, attempt, maxRetries, retryIn, keepsRunning }`
    /// — its name, the `WebSocket` `readyState` it means, the attempt, `maxRetries` (`null`:
    /// unlimited), the ms until the scheduled retry (`null`: none), and whether the socket
    /// keeps running by itself (a timer, socket or page event will wake it), which is when the
    /// wrapper must hold it like the browser holds an open `WebSocket`.
    #[wasm_bindgen(method)]
    fn state(this: &Sink, change: &Object);
    /// Create socket `conn` for `url` and attach its handlers.
    #[wasm_bindgen(method, js_name = openSocket)]
    fn open_socket(this: &Sink, conn: u32, url: &str);
    /// Ask the app's URL provider for attempt `conn`'s URL, then call `openUrl`/`failed`.
    #[wasm_bindgen(method, js_name = needUrl)]
    fn need_url(this: &Sink, conn: u32);
    /// Run the ready check on socket `conn`, then call `verdict`.
    #[wasm_bindgen(method)]
    fn verify(this: &Sink, conn: u32);
    /// Send `data` on socket `conn`; if it cannot go out, give it back with `unsent`,
    /// `request` included (the request id it carries, or `undefined`).
    #[wasm_bindgen(method)]
    fn transmit(this: &Sink, conn: u32, data: &JsValue, request: JsValue);
    /// Send the heartbeat message on socket `conn`.
    #[wasm_bindgen(method)]
    fn ping(this: &Sink, conn: u32);
    /// Close socket `conn` and detach it.
    #[wasm_bindgen(method, js_name = closeSocket)]
    fn close_socket(this: &Sink, conn: u32, code: u16, reason: &str);
    /// Socket `conn` is ready (verified, queue flushed): the app's `open`.
    #[wasm_bindgen(method)]
    fn ready(this: &Sink, conn: u32, open_to_ready_ms: f64);
    /// A connection ended, classified: the app's `close`, `{ code, reason, wasClean, kind,
    /// hint, willRetry, retryIn, httpStatus }` (the event's fields).
    #[wasm_bindgen(method)]
    fn close(this: &Sink, close: &Object);
    /// The app's `error`.
    #[wasm_bindgen(method)]
    fn error(this: &Sink, conn: u32);
    /// A message that will not be sent: the app's `drop`.
    #[wasm_bindgen(method, js_name = drop)]
    fn dropped(this: &Sink, data: &JsValue, reason: &str);
    /// Request `id` will never get its reply.
    #[wasm_bindgen(method, js_name = requestFailed)]
    fn request_failed(this: &Sink, id: f64, failure: &str);
    /// `bufferedAmount` is back under the low-water mark: the app's `drain`.
    #[wasm_bindgen(method)]
    fn drain(this: &Sink);
    /// Why the last attempt could not even start (for the `error` event that follows).
    #[wasm_bindgen(method)]
    fn failure(this: &Sink, error: &JsValue);
    /// Arm the one timer to call `tick` in `delay` ms (replacing any armed one); a negative
    /// delay cancels it.
    #[wasm_bindgen(method)]
    fn timer(this: &Sink, delay: f64);
}

/// The driver's clock: `performance.now()` in whole milliseconds (monotonic).
fn now() -> u64 {
    performance_now() as u64
}

/// A plain object with these fields (what the sink gets: named, not positional).
fn fields(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object
}

fn optional_ms(value: Option<u64>) -> JsValue {
    value.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64))
}

/// The engine behind one JS `ReconnectingWebSocket` (see the module docs).
#[wasm_bindgen]
pub struct Core {
    engine: Engine<Payload>,
    sink: Sink,
    settings: Object,
    /// `None`: every attempt asks the app's URL provider.
    url: Option<String>,
    /// A `share` member: its sockets are links to the leading tab's, which has the URL.
    member: bool,
    request_timeout_ms: u64,
    /// The deadline the wrapper's timer is armed for.
    armed: Option<u64>,
    /// Inbound messages already reported to the engine (the wrapper's counter).
    counted: f64,
    /// What an indicator shows (`statusView`), fed every state change and close.
    status: StatusTracker,
}

#[wasm_bindgen]
impl Core {
    /// Validates the URL, subprotocols and options (throwing `TypeError`, `RangeError` or a
    /// `SyntaxError`/`SecurityError` `DOMException` that names the problem). `options` is
    /// the wrapper's plain copy of the app's object.
    #[wasm_bindgen(constructor)]
    pub fn new(url: JsValue, protocols: JsValue, options: JsValue, sink: Sink, seed: f64) -> Result<Core, JsValue> {
        let mut setup = read_js(&url, &protocols, &options)?;
        let share = Reflect::get(&setup.settings, &"share".into()).unwrap_or(JsValue::FALSE);
        let wanted = share.is_truthy() || share.is_string();
        let member = wanted && can_share();
        if member {
            member_setup(&mut setup, &share, &protocols);
        } else if wanted && opaque_origin() {
            if let Ok(warnings) = Reflect::get(&setup.settings, &"warnings".into()) {
                warnings.unchecked_into::<js_sys::Array>().push(&OPAQUE_ORIGIN.into());
            }
        }
        let request_timeout_ms = Reflect::get(&setup.settings, &"requestTimeout".into())
            .ok()
            .and_then(|ms| ms.as_f64())
            .map_or(DEFAULT_REQUEST_TIMEOUT_MS, |ms| (ms + 0.5) as u64);
        let status = StatusTracker::new(setup.config.max_retries());
        let mut engine = Engine::new(setup.config, seed as u64);
        let shared =
            Reflect::get(&setup.settings, &"share".into()).is_ok_and(|share| share.is_truthy() || share.is_string());
        if shared {
            // Tabs sharing one socket see every reply: ids in a block of this instance's own
            // (`shareIds`, which the member announces; `seed` is a fresh random draw per
            // instance), blocks of `shareBlockIds` ids each, for the wrapper's "another tab's
            // reply" check.
            let ids = RequestId::shared_block(seed as u64);
            engine.number_requests_from(ids);
            let _ = Reflect::set(&setup.settings, &"shareIds".into(), &(ids.0 as f64).into());
            let _ = Reflect::set(&setup.settings, &"shareBlockIds".into(), &(SHARED_BLOCK_IDS as f64).into());
        }
        Ok(Core {
            status,
            member,
            engine,
            sink,
            url: Reflect::get(&setup.settings, &"url".into()).ok().and_then(|u| u.as_string()),
            settings: setup.settings,
            request_timeout_ms,
            armed: None,
            counted: 0.0,
        })
    }

    /// The validated settings the wrapper reads (defaults filled in).
    #[wasm_bindgen(getter)]
    pub fn settings(&self) -> Object {
        self.settings.clone()
    }

    /// Connect now: the first start, or `reconnect()` (closes the current socket first).
    pub fn connect(&mut self) {
        let now = now();
        self.engine.connect(now);
        self.pump(now);
    }

    /// The app's `close(code, reason)`, after the wrapper's WebIDL conversions (`+code`,
    /// `String(reason)`): `code` is `undefined` or a number, clamped and checked as
    /// `WebSocket.close` does (1000 or 3000–4999, else `InvalidAccessError`); `reason`
    /// is at most 123 bytes of UTF-8 (else `SyntaxError`).
    pub fn close(&mut self, code: JsValue, reason: Option<String>) -> Result<(), JsValue> {
        let code = match code.as_f64() {
            None => 1000,
            // [Clamp] unsigned short: NaN → 0, clamp, round half to even.
            Some(n) if n.is_nan() => 0,
            Some(n) => {
                let clamped = n.clamp(0.0, 65_535.0);
                let floor = clamped as u32;
                let fraction = clamped - floor as f64;
                let round_up = fraction > 0.5 || (fraction == 0.5 && floor % 2 == 1);
                (floor + u32::from(round_up)) as u16
            }
        };
        let reason = reason.unwrap_or_default();
        check_close(code, &reason)?;
        let now = now();
        self.engine.close(now, code, &reason);
        self.pump(now);
        Ok(())
    }

    /// Queues or sends `data` (a string or binary value; the wrapper converts others as
    /// `WebSocket.send` would) when the wrapper cannot send it directly. Returns `"sent"`,
    /// `"congested"` (sent, above the high-water mark), `"queued"` or `"dropped"` (a `drop`
    /// event follows); throws a `RangeError` when the queue refuses it.
    pub fn send(&mut self, data: JsValue) -> Result<String, JsValue> {
        let now = now();
        let status = self.engine.send(now, Payload::new(data));
        self.pump(now);
        match status {
            Ok(SendStatus::Sent { congested: false }) => Ok("sent".into()),
            Ok(SendStatus::Sent { congested: true }) => Ok("congested".into()),
            Ok(SendStatus::Queued) => Ok("queued".into()),
            Ok(SendStatus::Dropped(_)) => Ok("dropped".into()),
            Err(error) => Err(refused(&error)),
        }
    }

    /// A payload from `transmit` the open socket refused (its `send` threw on the value):
    /// reported by a `drop` (`refused`), never queued again.
    pub fn refused(&mut self, data: JsValue, request: JsValue) {
        let request = request.as_f64().map(|id| RequestId(id as u64));
        self.engine.transmit_refused(Payload::new(data), request);
        self.pump(now());
    }

    /// A payload from `transmit` did not go out (the socket was closing or gone): the
    /// engine queues it again, in order, for the next connection, or reports it dropped.
    pub fn unsent(&mut self, data: JsValue, request: JsValue) {
        let now = now();
        let request = request.as_f64().map(|id| RequestId(id as u64));
        self.engine.transmit_failed(now, Payload::new(data), request);
        self.pump(now);
    }

    /// Checks a `request()` (the message must be a plain object, the timeout `undefined`
    /// or a number of ms) and returns the id the request will carry; the wrapper builds
    /// the JSON with it and calls [`Core::request`].
    #[wasm_bindgen(js_name = requestId)]
    pub fn request_id(&self, message: JsValue, timeout: JsValue) -> Result<f64, JsValue> {
        if !message.is_object() || message.is_function() || is_array(&message) {
            let message = "rebound-ws: request() takes a plain object message";
            return Err(js_error(ErrorKind::Type, message));
        }
        request_timeout(&timeout, self.request_timeout_ms)?;
        Ok(self.engine.next_request_id().0 as f64)
    }

    /// Sends request `id` (from [`Core::request_id`]) as `text`. Throws a `RangeError`
    /// when the queue refuses it; its end (reply, timeout, drop, disconnect) is reported
    /// through `resolve`/`requestFailed`.
    pub fn request(&mut self, id: f64, text: String, timeout: JsValue) -> Result<(), JsValue> {
        let timeout_ms = request_timeout(&timeout, self.request_timeout_ms)?;
        if self.engine.next_request_id().0 as f64 != id {
            let message = "rebound-ws: request() was called again while its message was being built";
            return Err(js_error(ErrorKind::Range, message));
        }
        let now = now();
        let started = self.engine.request(now, timeout_ms, |_| Payload::new(text.into()));
        self.pump(now);
        started.map(|_| ()).map_err(|error| refused(&error))
    }

    /// The reply to request `id` arrived; `false` if it is no longer pending.
    pub fn resolve(&mut self, id: f64) -> bool {
        self.engine.resolve_request(RequestId(id as u64))
    }

    /// The app's URL provider gave `url` for attempt `conn` (already made a string).
    #[wasm_bindgen(js_name = openUrl)]
    pub fn open_url(&mut self, conn: u32, url: &str) {
        let now = now();
        self.open(now, ConnId(conn), url);
        self.pump(now);
    }

    /// The app's URL provider threw or rejected for attempt `conn`, or what it gave could not
    /// be made a string; `error` is the cause (a close of kind `url-provider` follows).
    #[wasm_bindgen(js_name = urlFailed)]
    pub fn url_failed(&mut self, conn: u32, error: JsValue) {
        let now = now();
        if self.engine.current_conn() == Some(ConnId(conn)) {
            self.sink.failure(&error);
            self.engine.url_failed(now, ConnId(conn));
        }
        self.pump(now);
    }

    /// Attempt `conn` could not start: the `WebSocket` constructor threw, or the new socket
    /// refused its handlers. `error` is the cause.
    pub fn failed(&mut self, conn: u32, error: JsValue) {
        let now = now();
        self.fail_attempt(now, ConnId(conn), &error);
        self.pump(now);
    }

    /// Socket `conn` opened.
    pub fn opened(&mut self, conn: u32) {
        let now = now();
        self.engine.socket_opened(now, ConnId(conn));
        self.pump(now);
    }

    /// Socket `conn` reported an error; `cause` is its message where it gives one (the `ws`
    /// package's `Unexpected server response: 426` tells the HTTP status).
    pub fn errored(&mut self, conn: u32, cause: JsValue) {
        let now = now();
        let status = cause.as_string().and_then(|text| refusal_status(&text));
        self.engine.socket_error(now, ConnId(conn), status);
        self.pump(now);
    }

    /// Socket `conn` closed: `{ code, reason, wasClean }` as the close event had them (a
    /// look-alike may leave any out: no code reads as 1006, no reason as empty);
    /// `decision` is what the app's `shouldReconnect` answered (`true`, `false`, or
    /// anything else for the table).
    pub fn closed(&mut self, conn: u32, close: JsValue, decision: JsValue) {
        let get = |name: &str| Reflect::get(&close, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let code = get("code").as_f64().filter(|c| (0.0..=65_535.0).contains(c)).map_or(1006, |c| c as u16);
        let reason = get("reason").as_string().unwrap_or_default();
        let was_clean = get("wasClean");
        let decision = match decision.as_bool() {
            Some(true) => CloseDecision::Reconnect,
            Some(false) => CloseDecision::Stop,
            None => CloseDecision::Default,
        };
        let now = now();
        let clean = was_clean.as_bool().unwrap_or(false);
        self.engine.socket_closed_decided(now, ConnId(conn), code, &reason, clean, decision);
        self.pump(now);
    }

    /// The ready check on socket `conn` answered: `undefined`/`null` = not the answer yet,
    /// otherwise its truthiness says ready (true) or failed (false).
    pub fn verdict(&mut self, conn: u32, verdict: JsValue) {
        if verdict.is_undefined() || verdict.is_null() {
            return;
        }
        let now = now();
        self.engine.verification_done(now, ConnId(conn), verdict.is_truthy());
        self.pump(now);
    }

    /// The heartbeat reply arrived; `received` is the wrapper's inbound count, which is
    /// settled here (everything counted arrived no later than the reply).
    pub fn pong(&mut self, received: f64) {
        let now = now();
        if let Some(conn) = self.engine.current_conn() {
            self.counted = received;
            self.engine.pong_received(now, conn);
        }
        self.pump(now);
    }

    /// A direct send found `bufferedAmount` above the high-water mark.
    pub fn congested(&mut self, buffered: f64) {
        let now = now();
        if let Some(conn) = self.engine.current_conn() {
            self.engine.set_buffered_amount(now, conn, buffered as usize);
        }
        self.pump(now);
    }

    /// The timer fired. `received` is the wrapper's inbound count, `last_inbound` when
    /// (`performance.now()`) the latest of them arrived, `buffered` the socket's
    /// `bufferedAmount`. With the arrival time, the heartbeat counts silence from the last
    /// message, not from the timer that noticed it.
    pub fn tick(&mut self, received: f64, buffered: f64, last_inbound: f64) {
        let now = now();
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
        self.pump(now);
    }

    /// A page event, `{ type, hidden, persisted }`: its type, `document.hidden` and the
    /// event's `persisted` (which one matters for which type is [`Hint::from_event`]'s
    /// rule). Other types are ignored.
    pub fn hint(&mut self, event: JsValue) {
        let get = |name: &str| Reflect::get(&event, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let page = PageFacts { hidden: get("hidden").is_truthy(), persisted: get("persisted").is_truthy() };
        if let Some(hint) = Hint::from_event(&get("type").as_string().unwrap_or_default(), page) {
            let now = now();
            self.engine.hint(now, hint);
            self.pump(now);
        }
    }

    /// The page events [`Core::hint`] understands, as `[type, onDocument]` pairs.
    #[wasm_bindgen(js_name = hintEvents)]
    pub fn hint_events() -> js_sys::Array {
        Hint::EVENTS
            .iter()
            .map(|(name, on_document)| js_sys::Array::of2(&(*name).into(), &(*on_document).into()))
            .collect()
    }

    /// Bytes waiting in the queue (for `bufferedAmount`).
    #[wasm_bindgen(js_name = queuedBytes)]
    pub fn queued_bytes(&self) -> f64 {
        self.engine.queued().1 as f64
    }

    /// What a connection indicator shows now (`<rebound-status>` renders it): see
    /// `StatusView` in `index.d.ts`. `grace` (ms, default 500): a drop that recovers within
    /// it keeps showing `connected`.
    #[wasm_bindgen(js_name = statusView)]
    pub fn status_view(&self, grace: JsValue) -> Result<Object, JsValue> {
        let grace = crate::status::grace(&grace)?;
        Ok(crate::status::view_object(&self.status.view(now(), grace)))
    }

    /// Counters and the current state's details, as a plain object.
    pub fn stats(&self) -> Object {
        let stats = Object::new();
        let s = self.engine.stats();
        let (queued, queued_bytes) = self.engine.queued();
        let (attempt, retry_at) = attempt_and_retry(self.engine.state());
        let fields: [(&str, JsValue); 14] = [
            ("attempts", (s.attempts as f64).into()),
            ("opens", (s.opens as f64).into()),
            ("messagesSent", (s.messages_sent as f64).into()),
            ("messagesReceived", (s.messages_received as f64).into()),
            ("messagesDropped", (s.messages_dropped as f64).into()),
            ("rttMs", optional_ms(s.rtt_ms)),
            ("openToReadyMs", optional_ms(s.open_to_ready_ms)),
            ("readySince", optional_ms(s.ready_since)),
            ("lastClose", s.last_close.map_or(JsValue::NULL, |k| k.as_str().into())),
            ("queued", (queued as f64).into()),
            ("queuedBytes", (queued_bytes as f64).into()),
            ("attempt", attempt.into()),
            ("retryAt", optional_ms(retry_at)),
            ("maxRetries", self.max_retries()),
        ];
        for (key, value) in fields {
            let _ = Reflect::set(&stats, &key.into(), &value);
        }
        stats
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

/// Whether a socket in `state` goes on by itself (see [`Sink`]'s `state`).
fn keeps_running(state: State) -> bool {
    ready_state(state) < 2
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

/// A refused send as the `RangeError` `send()`/`request()` throw.
fn refused(error: &SendError<Payload>) -> JsValue {
    let message = match error {
        SendError::QueueFull(_) => "rebound-ws: the outbound queue is full (maxEnqueuedMessages / maxEnqueuedBytes)",
        SendError::TooLarge(_) => "rebound-ws: the message is larger than maxEnqueuedBytes",
    };
    js_error(ErrorKind::Range, message)
}

impl Core {
    fn max_retries(&self) -> JsValue {
        self.engine.config().max_retries().map_or(JsValue::NULL, JsValue::from)
    }

    /// Asks the wrapper to create socket `conn` for `url`, or fails the attempt.
    fn open(&mut self, now: u64, conn: ConnId, url: &str) {
        if self.engine.current_conn() != Some(conn) {
            return; // abandoned while the provider was resolving
        }
        if self.member {
            return self.sink.open_socket(conn.0, url); // a link: no URL to resolve or check
        }
        match resolve_url(url) {
            Ok(url) => self.sink.open_socket(conn.0, &url),
            // Only a provider's URL can fail here (a fixed one was checked in `new`).
            Err(error) => {
                self.sink.failure(&error);
                self.engine.url_failed(now, conn);
            }
        }
    }

    fn fail_attempt(&mut self, now: u64, conn: ConnId, error: &JsValue) {
        if self.engine.current_conn() == Some(conn) {
            self.sink.failure(error);
            self.engine.socket_error(now, conn, None);
            self.engine.socket_closed(now, conn, 1006, "", false);
        }
    }

    /// Hands everything the engine asked for to the sink, then re-arms the timer.
    fn pump(&mut self, now: u64) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::OpenSocket { conn, .. } => match self.url.clone() {
                    Some(url) => self.open(now, conn, &url),
                    None => self.sink.need_url(conn.0),
                },
                Output::Transmit { conn, payload, request } => {
                    let request = request.map_or(JsValue::UNDEFINED, |id| JsValue::from_f64(id.0 as f64));
                    self.sink.transmit(conn.0, &payload.value, request)
                }
                Output::SendPing { conn } => self.sink.ping(conn.0),
                Output::Verify { conn } => self.sink.verify(conn.0),
                Output::CloseSocket { conn, code, reason } => self.sink.close_socket(conn.0, code, &reason),
                Output::Event(event) => {
                    match &event {
                        Event::StateChanged(state) => self.status.state_changed(now, *state),
                        Event::Closed(info) => self.status.closed(info),
                        _ => {}
                    }
                    self.report(now, event)
                }
                _ => {}
            }
        }
        self.arm_timer(now);
    }

    fn report(&self, now: u64, event: Event<Payload>) {
        let sink = &self.sink;
        match event {
            Event::StateChanged(state) => {
                let (attempt, retry_at) = attempt_and_retry(state);
                let retry_in = optional_ms(retry_at.map(|at| at.saturating_sub(now)));
                sink.state(&fields(&[
                    ("state", state.as_str().into()),
                    ("readyState", ready_state(state).into()),
                    ("attempt", attempt.into()),
                    ("maxRetries", self.max_retries()),
                    ("retryIn", retry_in),
                    ("keepsRunning", keeps_running(state).into()),
                ]));
            }
            Event::Ready { conn, open_to_ready_ms } => sink.ready(conn.0, open_to_ready_ms as f64),
            Event::Closed(info) => sink.close(&fields(&[
                ("code", info.code.into()),
                ("reason", info.reason.as_str().into()),
                ("wasClean", info.was_clean.into()),
                ("kind", info.kind.as_str().into()),
                ("hint", info.hint().into()),
                ("willRetry", info.will_retry.into()),
                ("retryIn", optional_ms(info.retry_in_ms)),
                ("httpStatus", info.http_status.map_or(JsValue::NULL, |status| JsValue::from_f64(status.into()))),
            ])),
            Event::Error { conn } => sink.error(conn.0),
            Event::Dropped { payload, reason } => sink.dropped(&payload.value, reason.as_str()),
            Event::RequestFailed { id, failure } => sink.request_failed(id.0 as f64, failure.as_str()),
            Event::Drain => sink.drain(),
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
                    self.sink.timer(-1.0);
                }
            }
            (_, Some(next)) => {
                self.armed = Some(next);
                self.sink.timer(next.saturating_sub(now).min(i32::MAX as u64) as f64);
            }
        }
    }
}
