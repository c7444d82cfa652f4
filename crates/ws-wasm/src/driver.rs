//! Drives a ws-core [`Engine`] with a real socket, one timer and the page's events.
//!
//! Every input runs the same way: borrow the driver, feed the engine, perform what it asks
//! (open/close/send on the socket, re-arm the timer), queue what the app must hear as
//! [`Notice`]s, release the borrow, and only then hand the notices to the [`Host`] — so an
//! app callback may call back into the socket without a double borrow.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use js_sys::{Array, Float64Array, JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use ws_core::{Config, ConnId, Engine, Event, Output, State};

use crate::env::PageListeners;
use crate::rust_api::Verify;
use crate::socket::SocketSlot;
use crate::url::resolve_url;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The driver's clock: `performance.now()` in whole milliseconds (monotonic).
pub(crate) fn now() -> u64 {
    performance_now() as u64
}

/// A message held by the engine: the app's value as is, and its size for the queue limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// The value handed to `socket.send`.
    pub value: JsValue,
    /// Its size in bytes (or UTF-16 units for strings).
    pub len: usize,
}

impl ws_core::Payload for Payload {
    fn byte_len(&self) -> usize {
        self.len
    }
}

/// The byte size the queue counts for a payload: string length, `byteLength` or `size`.
pub(crate) fn payload_len(value: &JsValue) -> usize {
    if let Some(text) = value.dyn_ref::<JsString>() {
        return text.length() as usize;
    }
    ["byteLength", "size"]
        .iter()
        .find_map(|key| Reflect::get(value, &(*key).into()).ok()?.as_f64())
        .map_or(0, |n| n as usize)
}

/// Something the face (JS or Rust API) must act on, delivered outside any borrow.
pub(crate) enum Notice {
    /// A new socket exists (the JS face attaches its message dispatcher to it).
    Socket(WebSocket, ConnId),
    /// The URL comes from the app's provider: resolve it, then call `open_with_url`.
    NeedUrl(ConnId),
    /// Run the ready verification on this socket.
    Verify(ConnId),
    /// Creating the socket failed with this error (bad URL from a provider, a throwing
    /// constructor); the engine already counts it as a failed attempt.
    Failure(JsValue),
    /// An inbound message (Rust face only).
    Message(MessageEvent),
    /// An engine event.
    Event(Event<Payload>),
}

/// The face a driver reports to.
pub(crate) trait Host {
    fn notice(&self, notice: Notice);
}

/// How inbound messages reach the engine.
pub(crate) enum Inbound {
    /// The JS face dispatches messages itself and counts them in `counter[0]`; the driver
    /// reads the counter when its timer fires (no per-message call into wasm).
    Counter(Float64Array),
    /// The Rust face receives every message; `reply` is the heartbeat reply text and
    /// `verify` the ready check (a message to send and a predicate on the answer).
    Rust { reply: String, verify: Option<Verify> },
}

/// Everything fixed for the driver's lifetime besides the engine's config.
pub(crate) struct Setup {
    /// `None`: ask the host for every attempt's URL.
    pub url: Option<String>,
    pub protocols: JsValue,
    pub constructor: JsValue,
    pub ping: JsValue,
    pub inbound: Inbound,
    pub page_hints: bool,
}

pub(crate) type DriverCell = RefCell<Driver>;

pub(crate) struct Driver {
    pub(crate) engine: Engine<Payload>,
    setup: Setup,
    socket: Option<SocketSlot>,
    timer: Option<Timeout>,
    armed: Option<u64>,
    counted: f64,
    page: Option<PageListeners>,
    notices: Vec<Notice>,
    host: Rc<dyn Host>,
    me: Weak<DriverCell>,
}

impl Driver {
    pub(crate) fn new(config: Config, seed: u64, setup: Setup, host: Rc<dyn Host>) -> Rc<DriverCell> {
        let page_hints = setup.page_hints;
        let driver = Rc::new_cyclic(|me| {
            RefCell::new(Driver {
                engine: Engine::new(config, seed),
                setup,
                socket: None,
                timer: None,
                armed: None,
                counted: 0.0,
                page: None,
                notices: Vec::new(),
                host,
                me: me.clone(),
            })
        });
        if page_hints {
            let listeners = PageListeners::attach(&Rc::downgrade(&driver));
            driver.borrow_mut().page = listeners;
        }
        driver
    }

    /// Runs `input` against the driver, performs the engine's outputs, then delivers the
    /// notices. `None` when called re-entrantly (from inside a `shouldReconnect` predicate,
    /// the only app code that runs while the driver is busy).
    pub(crate) fn act<R>(cell: &DriverCell, input: impl FnOnce(&mut Driver, u64) -> R) -> Option<R> {
        let result = {
            let mut driver = cell.try_borrow_mut().ok()?;
            let now = now();
            let result = input(&mut driver, now);
            driver.pump(now);
            result
        };
        Driver::deliver(cell);
        Some(result)
    }

    /// Like [`Driver::act`] from a handler that only holds a weak reference.
    pub(crate) fn act_weak(weak: &Weak<DriverCell>, input: impl FnOnce(&mut Engine<Payload>, u64)) {
        if let Some(cell) = weak.upgrade() {
            Driver::act(&cell, |driver, now| input(&mut driver.engine, now));
        }
    }

    fn deliver(cell: &DriverCell) {
        loop {
            let (notices, host) = {
                let mut driver = cell.borrow_mut();
                if driver.notices.is_empty() {
                    return;
                }
                (std::mem::take(&mut driver.notices), driver.host.clone())
            };
            for notice in notices {
                host.notice(notice);
            }
        }
    }

    /// The socket the engine owns now.
    pub(crate) fn ws(&self) -> Option<&WebSocket> {
        self.socket.as_ref().map(|s| &s.ws)
    }

    fn pump(&mut self, now: u64) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::OpenSocket { conn, .. } => match self.setup.url.clone() {
                    Some(url) => self.open(now, conn, &url),
                    None => self.notices.push(Notice::NeedUrl(conn)),
                },
                Output::Transmit { conn, payload } => self.on_socket(conn, |s| s.send(&payload.value)),
                Output::SendPing { conn } => {
                    let ping = self.setup.ping.clone();
                    self.on_socket(conn, |s| s.send(&ping));
                }
                Output::Verify { conn } => match &self.setup.inbound {
                    Inbound::Rust { verify: Some(verify), .. } => {
                        let message = JsValue::from(verify.message.as_str());
                        self.on_socket(conn, |s| s.send(&message));
                    }
                    _ => self.notices.push(Notice::Verify(conn)),
                },
                Output::CloseSocket { conn, code, reason } => {
                    if let Some(slot) = self.socket.take_if(|s| s.conn == conn) {
                        slot.close(code, &reason);
                    }
                }
                Output::Event(event) => self.notices.push(Notice::Event(event)),
            }
        }
        self.arm_timer(now);
    }

    fn on_socket(&self, conn: ConnId, f: impl FnOnce(&SocketSlot)) {
        if let Some(slot) = self.socket.as_ref().filter(|s| s.conn == conn) {
            f(slot);
        }
    }

    /// Creates the socket for attempt `conn`; a failure is a failed attempt.
    pub(crate) fn open(&mut self, now: u64, conn: ConnId, url: &str) {
        if self.engine.current_conn() != Some(conn) || self.socket.is_some() {
            return; // the attempt was abandoned while the URL was being resolved
        }
        let created = resolve_url(url).and_then(|url| {
            let args = match self.setup.protocols.is_undefined() {
                true => Array::of1(&url.into()),
                false => Array::of2(&url.into(), &self.setup.protocols),
            };
            Reflect::construct(self.setup.constructor.unchecked_ref::<js_sys::Function>(), &args)
        });
        match created {
            Ok(ws) => {
                let ws: WebSocket = ws.unchecked_into();
                let in_rust = matches!(self.setup.inbound, Inbound::Rust { .. });
                self.socket = Some(SocketSlot::attach(ws.clone(), conn, &self.me, in_rust));
                self.notices.push(Notice::Socket(ws, conn));
            }
            Err(error) => {
                self.notices.push(Notice::Failure(error));
                self.engine.socket_error(now, conn);
                self.engine.socket_closed(now, conn, 1006, "", false);
            }
        }
    }

    fn arm_timer(&mut self, now: u64) {
        let deadline = self.engine.poll_timeout();
        // A later deadline keeps the armed timer: it fires early, finds nothing due, and
        // re-arms then. Traffic that postpones the heartbeat costs no timer churn.
        let keep = matches!((self.armed, deadline), (Some(armed), Some(next)) if next >= armed);
        if keep {
            return;
        }
        self.armed = deadline;
        self.timer = deadline.map(|at| {
            let weak = self.me.clone();
            let delay = at.saturating_sub(now).min(i32::MAX as u64) as u32;
            Timeout::new(delay, move || Driver::timer_fired(&weak))
        });
    }

    fn timer_fired(weak: &Weak<DriverCell>) {
        if let Some(cell) = weak.upgrade() {
            {
                let Ok(mut driver) = cell.try_borrow_mut() else { return };
                driver.armed = None;
                drop(driver.timer.take());
                driver.observe_socket(now());
            }
            Driver::act(&cell, |driver, now| driver.engine.handle_timeout(now));
        }
    }

    /// The JS face saw the heartbeat reply now. Everything counted so far arrived no later
    /// than it, so the count is settled here: counting it again at the next timer would
    /// date that traffic late and push the next ping back by a whole interval.
    pub(crate) fn pong(&mut self, now: u64) {
        let Some(conn) = self.engine.current_conn() else { return };
        if let Inbound::Counter(counter) = &self.setup.inbound {
            self.counted = counter.get_index(0);
        }
        self.engine.pong_received(now, conn);
    }

    /// Tells the engine what the socket did since the last look: inbound messages counted
    /// by the JS face, and `bufferedAmount`.
    fn observe_socket(&mut self, now: u64) {
        let Some(slot) = &self.socket else { return };
        let conn = slot.conn;
        let buffered = slot.ws.buffered_amount() as usize;
        if let Inbound::Counter(counter) = &self.setup.inbound {
            let total = counter.get_index(0);
            if total > self.counted {
                let fresh = (total - self.counted).min(u32::MAX as f64) as u32;
                self.counted = total;
                self.engine.socket_activity(conn, now, fresh);
            }
        }
        if self.engine.state() == State::Open {
            self.engine.set_buffered_amount(now, conn, buffered);
        }
    }

    // ---- socket handlers ------------------------------------------------------------------

    pub(crate) fn socket_opened(weak: &Weak<DriverCell>, conn: ConnId) {
        Driver::act_weak(weak, |engine, now| engine.socket_opened(now, conn));
    }

    pub(crate) fn socket_error(weak: &Weak<DriverCell>, conn: ConnId) {
        Driver::act_weak(weak, |engine, now| engine.socket_error(now, conn));
    }

    pub(crate) fn socket_closed(weak: &Weak<DriverCell>, conn: ConnId, event: &CloseEvent) {
        let Some(cell) = weak.upgrade() else { return };
        // Detach before telling the engine, so a replacement socket can take the slot.
        if let Ok(mut driver) = cell.try_borrow_mut() {
            drop(driver.socket.take_if(|s| s.conn == conn));
        }
        let (code, reason, clean) = (event.code(), event.reason(), event.was_clean());
        Driver::act(&cell, |driver, now| driver.engine.socket_closed(now, conn, code, &reason, clean));
    }

    /// Rust face only: classify one inbound message, then hand it to the app. App code (the
    /// verification predicate, the event callback) runs with the driver not borrowed.
    pub(crate) fn socket_message(weak: &Weak<DriverCell>, conn: ConnId, event: MessageEvent) {
        let Some(cell) = weak.upgrade() else { return };
        let Some((state, is_pong, accept, host)) = cell.try_borrow().ok().and_then(|driver| {
            let Inbound::Rust { reply, verify } = &driver.setup.inbound else { return None };
            let is_pong = event.data() == reply.as_str(); // compared in JS: no copy of the message
            let accept = verify.as_ref().map(|v| v.accept.clone());
            Some((driver.engine.state(), is_pong, accept, driver.host.clone()))
        }) else {
            return;
        };
        let now = now();
        match (is_pong, state, accept) {
            (true, ..) => {
                Driver::act(&cell, |driver, now| driver.engine.pong_received(now, conn));
            }
            (false, State::Verifying { .. }, Some(accept)) => {
                // While verifying, messages go to the check only; `None` = not its answer yet.
                if let Some(ok) = accept(&event) {
                    Driver::act(&cell, |driver, now| driver.engine.verification_done(now, conn, ok));
                }
            }
            _ => {
                Driver::act(&cell, |driver, _| driver.engine.socket_activity(conn, now, 1));
                let current = cell.try_borrow().is_ok_and(|d| d.engine.current_conn() == Some(conn));
                if current {
                    host.notice(Notice::Message(event));
                }
            }
        }
    }

    /// Stops everything: closes the socket, cancels the timer, removes page listeners.
    pub(crate) fn dispose(cell: &DriverCell) {
        Driver::act(cell, |driver, now| {
            driver.engine.close(now, 1000, "disposed");
            driver.page = None;
        });
    }
}
