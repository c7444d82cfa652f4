//! The JS face: `Core`, which the npm package's `ReconnectingWebSocket` wraps.
//!
//! The wrapper (npm/src/index.js) owns everything on the per-message path — it sends on the
//! open socket directly and dispatches inbound messages itself, counting them in a shared
//! `Float64Array` — so no message crosses into wasm while the socket is open and
//! uncongested. `Core` owns the policy: the engine, the socket's lifecycle, the timer and
//! the page listeners, and reports to the wrapper through one `notify(kind, …)` function.

use std::rc::Rc;

use js_sys::{Array, Float64Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use ws_core::{ConnId, Event, SendError, SendStatus};

use crate::driver::{payload_len, Driver, DriverCell, Host, Inbound, Notice, Payload, Setup};
use crate::options::{get, read_config, websocket_constructor, OptionError};
use crate::url::resolve_url;

/// What `notify(kind, …)` reports; the numbers are the wrapper's contract.
mod kind {
    pub const SOCKET: u8 = 0;
    pub const NEED_URL: u8 = 1;
    pub const VERIFY: u8 = 2;
    pub const FAILURE: u8 = 3;
    pub const STATE: u8 = 4;
    pub const OPEN: u8 = 5;
    pub const READY: u8 = 6;
    pub const CLOSE: u8 = 7;
    pub const ERROR: u8 = 8;
    pub const DROP: u8 = 9;
    pub const REQUEST_FAILED: u8 = 10;
    pub const DRAIN: u8 = 11;
}

struct JsHost {
    notify: Function,
}

impl Host for JsHost {
    fn notice(&self, notice: Notice) {
        let call = |kind: u8, a: &JsValue, b: &JsValue| {
            let _ = self.notify.call3(&JsValue::NULL, &kind.into(), a, b);
        };
        let none = &JsValue::UNDEFINED;
        match notice {
            Notice::Socket(ws, conn) => call(kind::SOCKET, &ws, &conn.0.into()),
            Notice::NeedUrl(conn) => call(kind::NEED_URL, &conn.0.into(), none),
            Notice::Verify(conn) => call(kind::VERIFY, &conn.0.into(), none),
            Notice::Failure(error) => call(kind::FAILURE, &error, none),
            Notice::Message(_) => {}
            Notice::Event(event) => match event {
                Event::StateChanged(state) => call(kind::STATE, &state.as_str().into(), none),
                Event::Open { conn } => call(kind::OPEN, &conn.0.into(), none),
                Event::Ready { conn, open_to_ready_ms } => {
                    call(kind::READY, &conn.0.into(), &(open_to_ready_ms as f64).into())
                }
                Event::Closed(info) => {
                    let detail = Array::of5(
                        &info.code.into(),
                        &info.reason.into(),
                        &info.was_clean.into(),
                        &info.kind.as_str().into(),
                        &info.kind.hint().into(),
                    );
                    detail.push(&info.will_retry.into());
                    detail.push(&info.retry_in_ms.map_or(JsValue::UNDEFINED, |ms| (ms as f64).into()));
                    call(kind::CLOSE, &detail, none)
                }
                Event::Error { conn } => call(kind::ERROR, &conn.0.into(), none),
                Event::Dropped { payload, reason } => call(kind::DROP, &payload.value, &reason.as_str().into()),
                Event::RequestFailed { id, failure } => {
                    call(kind::REQUEST_FAILED, &(id.0 as f64).into(), &failure.as_str().into())
                }
                Event::Drain => call(kind::DRAIN, none, none),
            },
        }
    }
}

/// The policy half of a JS `ReconnectingWebSocket` (see the module docs).
#[wasm_bindgen]
pub struct Core {
    driver: Rc<DriverCell>,
}

fn busy() -> JsValue {
    js_sys::Error::new("rebound: this call is not allowed from inside shouldReconnect").into()
}

#[wasm_bindgen]
impl Core {
    /// `url` is a string or a provider function (the wrapper resolves it on
    /// `NEED_URL`); `counter[0]` is the wrapper's inbound message count.
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: JsValue,
        protocols: JsValue,
        options: JsValue,
        notify: Function,
        counter: Float64Array,
        seed: f64,
    ) -> Result<Core, JsValue> {
        let url = match url.as_string() {
            Some(text) => Some(resolve_url(&text).map(|_| text)?),
            None if url.is_function() => None,
            None => return Err(OptionError::type_error("url", "must be a string or a function", url).to_js()),
        };
        let config = read_config(&options).map_err(|e| e.to_js())?;
        let constructor = websocket_constructor(&options).map_err(|e| e.to_js())?;
        let ping = get(&options, "heartbeatMessage");
        let setup = Setup {
            url,
            protocols,
            constructor,
            ping: if ping.is_undefined() { "ping".into() } else { ping },
            inbound: Inbound::Counter(counter),
            page_hints: get(&options, "networkHints") != JsValue::FALSE,
        };
        let driver = Driver::new(config, seed as u64, setup, Rc::new(JsHost { notify }));
        Ok(Core { driver })
    }

    /// Connect now: the first start, or `reconnect()` (closes the current socket first).
    pub fn start(&self) -> Result<(), JsValue> {
        Driver::act(&self.driver, |d, now| d.engine.connect(now)).ok_or_else(busy)
    }

    /// The URL provider resolved `url` for attempt `conn`.
    #[wasm_bindgen(js_name = openUrl)]
    pub fn open_url(&self, conn: u32, url: String) {
        Driver::act(&self.driver, |d, now| d.open(now, ConnId(conn), &url));
    }

    /// The URL provider failed for attempt `conn`.
    #[wasm_bindgen(js_name = urlFailed)]
    pub fn url_failed(&self, conn: u32) {
        Driver::act(&self.driver, |d, now| {
            d.engine.socket_error(now, ConnId(conn));
            d.engine.socket_closed(now, ConnId(conn), 1006, "", false);
        });
    }

    /// The app's `close(code, reason)` (validated by the wrapper).
    pub fn close(&self, code: u16, reason: String) -> Result<(), JsValue> {
        Driver::act(&self.driver, |d, now| d.engine.close(now, code, &reason)).ok_or_else(busy)
    }

    /// Queues or sends `data` when the wrapper cannot send it directly. Returns 0 sent,
    /// 1 sent but congested, 2 queued, 3 dropped (a `drop` event follows), 4 refused: queue
    /// full, 5 refused: larger than the queue.
    pub fn send(&self, data: JsValue) -> Result<u8, JsValue> {
        let payload = Payload { len: payload_len(&data), value: data };
        let status = Driver::act(&self.driver, |d, now| d.engine.send(now, payload)).ok_or_else(busy)?;
        Ok(status_code(status))
    }

    /// Starts a request: `build(id)` returns the message carrying the id. Returns the id,
    /// or throws when the queue refused the message.
    pub fn request(&self, timeout: f64, build: Function) -> Result<f64, JsValue> {
        let make = |id: ws_core::RequestId| {
            let value = build.call1(&JsValue::NULL, &(id.0 as f64).into()).unwrap_or_default();
            Payload { len: payload_len(&value), value }
        };
        let timeout = if timeout.is_finite() && timeout > 0.0 { timeout as u64 } else { 1 };
        match Driver::act(&self.driver, |d, now| d.engine.request(now, timeout, make)).ok_or_else(busy)? {
            Ok((id, _)) => Ok(id.0 as f64),
            Err(error) => Err(status_code(Err(error)).into()),
        }
    }

    /// The reply to request `id` arrived; `false` if it is no longer pending.
    pub fn resolve(&self, id: f64) -> bool {
        Driver::act(&self.driver, |d, _| d.engine.resolve_request(ws_core::RequestId(id as u64))).unwrap_or(false)
    }

    /// The heartbeat reply arrived on the current socket.
    pub fn pong(&self) {
        Driver::act(&self.driver, |d, now| d.pong(now));
    }

    /// The wrapper's verification of socket `conn` finished.
    pub fn verified(&self, conn: u32, ok: bool) {
        Driver::act(&self.driver, |d, now| d.engine.verification_done(now, ConnId(conn), ok));
    }

    /// A direct send found `bufferedAmount` above the high-water mark.
    pub fn congested(&self, buffered: f64) {
        Driver::act(&self.driver, |d, now| {
            if let Some(conn) = d.engine.current_conn() {
                d.engine.set_buffered_amount(now, conn, buffered as usize);
            }
        });
    }

    /// The state's name (`connecting`, `open`, `reconnecting`, …).
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.driver.try_borrow().map(|d| d.engine.state().as_str()).unwrap_or("busy").into()
    }

    /// Bytes waiting in the queue (cheap: for `bufferedAmount`).
    #[wasm_bindgen(js_name = queuedBytes)]
    pub fn queued_bytes(&self) -> f64 {
        self.driver.try_borrow().map_or(0.0, |d| d.engine.queued().1 as f64)
    }

    /// Counters and the current state's details, as a plain object.
    pub fn stats(&self) -> Object {
        let stats = Object::new();
        let Ok(driver) = self.driver.try_borrow() else { return stats };
        let engine = &driver.engine;
        let s = engine.stats();
        let (queued, queued_bytes) = engine.queued();
        let (attempt, retry_at) = match engine.state() {
            ws_core::State::Connecting { attempt } | ws_core::State::Verifying { attempt } => (attempt, None),
            ws_core::State::Reconnecting { attempt, retry_at } => (attempt, Some(retry_at)),
            ws_core::State::Offline { attempt } => (attempt, None),
            _ => (0, None),
        };
        let optional = |v: Option<u64>| v.map_or(JsValue::NULL, |v| (v as f64).into());
        let fields: [(&str, JsValue); 13] = [
            ("attempts", (s.attempts as f64).into()),
            ("opens", (s.opens as f64).into()),
            ("messagesSent", (s.messages_sent as f64).into()),
            ("messagesReceived", (s.messages_received as f64).into()),
            ("messagesDropped", (s.messages_dropped as f64).into()),
            ("rttMs", optional(s.rtt_ms)),
            ("openToReadyMs", optional(s.open_to_ready_ms)),
            ("readySince", optional(s.ready_since)),
            ("lastClose", s.last_close.map_or(JsValue::NULL, |k| k.as_str().into())),
            ("queued", (queued as f64).into()),
            ("queuedBytes", (queued_bytes as f64).into()),
            ("attempt", attempt.into()),
            ("retryAt", optional(retry_at)),
        ];
        for (key, value) in fields {
            let _ = Reflect::set(&stats, &key.into(), &value);
        }
        let max = engine.config().max_retries().map_or(JsValue::NULL, JsValue::from);
        let _ = Reflect::set(&stats, &"maxRetries".into(), &max);
        stats
    }

    /// Closes for good: socket, timer and page listeners.
    pub fn dispose(&self) {
        Driver::dispose(&self.driver);
    }

    /// Socket handlers alive in this wasm instance (flat across reconnects; for leak tests).
    #[wasm_bindgen(js_name = liveHandlers)]
    pub fn live_handlers() -> u32 {
        crate::socket::live_handlers()
    }
}

fn status_code(status: Result<SendStatus, SendError<Payload>>) -> u8 {
    match status {
        Ok(SendStatus::Sent { congested: false }) => 0,
        Ok(SendStatus::Sent { congested: true }) => 1,
        Ok(SendStatus::Queued) => 2,
        Ok(SendStatus::Dropped(_)) => 3,
        Err(SendError::QueueFull(_)) => 4,
        Err(SendError::TooLarge(_)) => 5,
    }
}
