//! The Rust face's loop: drives a ws-core [`Engine`] with a real socket, one timer and the
//! page's events.
//!
//! Every input runs the same way: borrow the driver, feed the engine, perform what it asks
//! (open/close/send on the socket, re-arm the timer), queue what the app must hear as
//! [`Notice`]s, release the borrow, and only then hand the notices to the [`Host`] — so an
//! app callback may call back into the socket. The one piece of app code that runs while
//! the driver is borrowed is a close predicate in the engine's `Config`: a call it makes
//! gets [`Busy`], and socket or page inputs that arrive meanwhile wait in a queue and run
//! as soon as the borrow ends. (A request's `build` runs before the borrow.)

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};
use ws_core::{Config, ConnId, Engine, Event, Hint, Output, State};

use crate::options::Verify;
use crate::page::PageListeners;
use crate::payload::Payload;
use crate::socket::{Report, SocketInput, SocketSlot};
use crate::task::Timer;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The driver's clock: `performance.now()` in whole ms (monotonic; also the share link's).
pub(crate) fn now() -> u64 {
    performance_now() as u64
}

/// The socket was in use by a callback running inside it (a close predicate): the call was
/// not made. Try again from a later task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy;

/// Something the Rust face must act on, delivered outside any borrow.
pub(crate) enum Notice {
    /// A new socket exists (the face sets its `binaryType`).
    Socket(WebSocket),
    /// Creating the socket failed with this error; the engine counts a failed attempt.
    Failure(JsValue),
    /// An inbound message for the app (or a request reply).
    Message(MessageEvent),
    /// An engine event.
    Event(Event<Payload>),
}

/// The face a driver reports to.
pub(crate) trait Host {
    fn notice(&self, notice: Notice);
}

/// Makes a socket-shaped object for a URL.
pub(crate) type OpenSocket = Rc<dyn Fn(&str) -> WebSocket>;

/// Everything fixed for the driver's lifetime besides the engine's config.
pub(crate) struct Setup {
    pub url: String,
    pub protocols: JsValue,
    pub ping: JsValue,
    pub reply: String,
    /// Pong detection only when the heartbeat is on (as in the JS face: otherwise a
    /// server's "pong" is an ordinary message).
    pub heartbeat: bool,
    pub verify: Option<Verify>,
    pub page_hints: bool,
    /// Makes the socket for a URL instead of `new WebSocket` (a shared link's look-alike).
    pub open_socket: Option<OpenSocket>,
}

type Input = Box<dyn FnOnce(&mut Driver, u64)>;

/// The driver and the inputs waiting for it to be free.
pub(crate) struct Shared {
    driver: RefCell<Driver>,
    waiting: RefCell<Vec<Input>>,
    /// A settle is running (further up the stack).
    delivering: Cell<bool>,
}

pub(crate) struct Driver {
    pub(crate) engine: Engine<Payload>,
    setup: Setup,
    socket: Option<SocketSlot>,
    /// A socket the engine closed, kept until its close event (which ends the app's close).
    closing: Option<SocketSlot>,
    timer: Option<Timer>,
    armed: Option<u64>,
    page: Option<PageListeners>,
    notices: Vec<Notice>,
    host: Rc<dyn Host>,
    me: Weak<Shared>,
}

impl Driver {
    pub(crate) fn start(config: Config, seed: u64, setup: Setup, host: Rc<dyn Host>) -> Rc<Shared> {
        let page_hints = setup.page_hints;
        let shared = Rc::new_cyclic(|me: &Weak<Shared>| Shared {
            driver: RefCell::new(Driver {
                engine: Engine::new(config, seed),
                setup,
                socket: None,
                closing: None,
                timer: None,
                armed: None,
                page: None,
                notices: Vec::new(),
                host,
                me: me.clone(),
            }),
            waiting: RefCell::default(),
            delivering: Cell::new(false),
        });
        if page_hints {
            let weak = Rc::downgrade(&shared);
            let report = Rc::new(move |hint: Hint| Driver::input(&weak, move |d, now| d.engine.hint(now, hint)));
            shared.driver.borrow_mut().page = PageListeners::attach(report);
        }
        shared
    }

    /// Runs `input`, performs the engine's outputs, then delivers the notices and any
    /// inputs that waited. [`Busy`] when called from inside the driver (a close predicate).
    pub(crate) fn act<R>(shared: &Shared, input: impl FnOnce(&mut Driver, u64) -> R) -> Result<R, Busy> {
        let result = {
            let mut driver = shared.driver.try_borrow_mut().map_err(|_| Busy)?;
            let now = now();
            let result = input(&mut driver, now);
            driver.pump(now);
            result
        };
        Driver::settle(shared);
        Ok(result)
    }

    /// An input from a socket, the timer or the page: run now, or as soon as the driver is
    /// free (never lost).
    pub(crate) fn input(weak: &Weak<Shared>, input: impl FnOnce(&mut Driver, u64) + 'static) {
        let Some(shared) = weak.upgrade() else { return };
        if shared.driver.try_borrow_mut().is_err() {
            shared.waiting.borrow_mut().push(Box::new(input));
            return;
        }
        let _ = Driver::act(&shared, input);
    }

    /// Delivers notices (driver not borrowed) one at a time, in order, then runs inputs
    /// that waited, until both are empty. A call the app makes from inside a notice lands
    /// here too: its notices join the end of the line, after those already on their way, so
    /// the last state the app hears is the engine's.
    fn settle(shared: &Shared) {
        if shared.delivering.replace(true) {
            return; // the outer settle, further up the stack, delivers them
        }
        loop {
            let Ok(mut driver) = shared.driver.try_borrow_mut() else { break };
            let next = (!driver.notices.is_empty()).then(|| driver.notices.remove(0));
            let host = driver.host.clone();
            drop(driver);
            if let Some(notice) = next {
                host.notice(notice);
                continue;
            }
            let waiting = std::mem::take(&mut *shared.waiting.borrow_mut());
            if waiting.is_empty() {
                break;
            }
            let Ok(mut driver) = shared.driver.try_borrow_mut() else { break };
            for input in waiting {
                let now = now();
                input(&mut driver, now);
                driver.pump(now);
            }
        }
        shared.delivering.set(false);
    }

    /// Reads the engine without running anything; [`Busy`] inside a close predicate.
    pub(crate) fn peek<R>(shared: &Shared, read: impl FnOnce(&Driver) -> R) -> Result<R, Busy> {
        shared.driver.try_borrow().map(|d| read(&d)).map_err(|_| Busy)
    }

    /// The socket the engine owns now.
    pub(crate) fn ws(&self) -> Option<&WebSocket> {
        self.socket.as_ref().map(|s| &s.ws)
    }

    fn pump(&mut self, now: u64) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::OpenSocket { conn, .. } => self.open(now, conn),
                Output::Transmit { conn, payload, request } => {
                    // A socket that is closing (or gone) would discard it: back to the engine.
                    let open =
                        self.socket.as_ref().is_some_and(|s| s.conn == conn && s.ws.ready_state() == WebSocket::OPEN);
                    match open {
                        true => self.on_socket(conn, |s| s.send(&payload.value)),
                        false => self.engine.transmit_failed(now, payload, request),
                    }
                }
                Output::SendPing { conn } => {
                    let ping = self.setup.ping.clone();
                    self.on_socket(conn, |s| s.send(&ping));
                }
                Output::Verify { conn } => {
                    if let Some(verify) = &self.setup.verify {
                        let message = JsValue::from(verify.message.as_str());
                        self.on_socket(conn, |s| s.send(&message));
                    }
                }
                Output::CloseSocket { conn, code, reason } => {
                    if let Some(slot) = self.socket.take_if(|s| s.conn == conn) {
                        slot.close(code, &reason);
                        self.closing = Some(slot); // replaces (detaches) an older one
                    }
                }
                Output::Event(event) => {
                    if let (Event::Ready { .. }, Some(slot)) = (&event, &self.socket) {
                        // A socket may start with bytes buffered (a shared link's: what the
                        // leading tab has not acknowledged yet): the engine counts from there.
                        let buffered = slot.ws.buffered_amount() as usize;
                        if buffered > 0 {
                            self.engine.set_buffered_amount(now, slot.conn, buffered);
                        }
                    }
                    self.notices.push(Notice::Event(event));
                }
                _ => {}
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
    fn open(&mut self, now: u64, conn: ConnId) {
        let created = match &self.setup.open_socket {
            Some(open_socket) => Ok(open_socket(&self.setup.url).into()),
            None => {
                let url = JsValue::from(self.setup.url.as_str());
                let args = match self.setup.protocols.is_undefined() {
                    true => Array::of1(&url),
                    false => Array::of2(&url, &self.setup.protocols),
                };
                Reflect::get(&js_sys::global(), &"WebSocket".into())
                    .and_then(|constructor| Reflect::construct(constructor.unchecked_ref::<js_sys::Function>(), &args))
            }
        };
        match created {
            Ok(ws) => {
                let ws: WebSocket = ws.unchecked_into();
                let weak = self.me.clone();
                let report: Report = Rc::new(move |conn, input| Driver::socket_input(&weak, conn, input));
                self.socket = Some(SocketSlot::attach(ws.clone(), conn, &report));
                self.notices.push(Notice::Socket(ws));
            }
            Err(error) => {
                self.notices.push(Notice::Failure(error));
                self.engine.socket_error(now, conn, None);
                self.engine.socket_closed(now, conn, 1006, "", false);
            }
        }
    }

    fn arm_timer(&mut self, now: u64) {
        let deadline = self.engine.poll_timeout();
        // A later deadline keeps the armed timer: it fires early, finds nothing due, and
        // re-arms then. Traffic that postpones the heartbeat costs no timer churn.
        if matches!((self.armed, deadline), (Some(armed), Some(next)) if next >= armed) {
            return;
        }
        self.armed = deadline;
        self.timer = deadline.map(|at| {
            let weak = self.me.clone();
            let delay = at.saturating_sub(now).min(i32::MAX as u64) as u32;
            Timer::new(delay, move || {
                Driver::input(&weak, |d, now| {
                    d.armed = None;
                    drop(d.timer.take());
                    if let Some(slot) = &d.socket {
                        if d.engine.state() == State::Open {
                            d.engine.set_buffered_amount(now, slot.conn, slot.ws.buffered_amount() as usize);
                        }
                    }
                    d.engine.handle_timeout(now);
                })
            })
        });
    }

    fn socket_input(weak: &Weak<Shared>, conn: ConnId, input: SocketInput) {
        match input {
            SocketInput::Opened => Driver::input(weak, move |d, now| d.engine.socket_opened(now, conn)),
            SocketInput::Error => Driver::input(weak, move |d, now| d.engine.socket_error(now, conn, None)),
            SocketInput::Closed { code, reason, clean } => Driver::input(weak, move |d, now| {
                // Detach before telling the engine, so a replacement socket can take the slot.
                drop(d.socket.take_if(|s| s.conn == conn));
                drop(d.closing.take_if(|s| s.conn == conn));
                d.engine.socket_closed(now, conn, code, &reason, clean);
            }),
            SocketInput::Message(event) => Driver::message(weak, conn, event),
        }
    }

    /// Classifies one inbound message, then hands it to the app. App code (the
    /// verification predicate) runs with the driver not borrowed.
    fn message(weak: &Weak<Shared>, conn: ConnId, event: MessageEvent) {
        let Some(shared) = weak.upgrade() else { return };
        let Ok((state, is_pong, accept)) = Driver::peek(&shared, |d| {
            let is_pong = d.setup.heartbeat && event.data() == d.setup.reply.as_str(); // compared in JS: no copy
            (d.engine.state(), is_pong, d.setup.verify.as_ref().map(|v| v.accept.clone()))
        }) else {
            // Busy: the message waits its turn like any input, then goes to the app.
            return Driver::input(weak, move |d, now| {
                d.engine.socket_activity(conn, now, 1);
                if d.engine.current_conn() == Some(conn) {
                    d.notices.push(Notice::Message(event));
                }
            });
        };
        // The same order as the JS face: while verifying, every message goes to the check
        // (an answer equal to the heartbeat reply verifies); then the heartbeat reply; then
        // the app's.
        match (state, accept, is_pong) {
            (State::Verifying { .. }, Some(accept), _) => {
                // `None` = not its answer yet.
                if let Some(ok) = accept(&event) {
                    Driver::input(weak, move |d, now| d.engine.verification_done(now, conn, ok));
                }
            }
            (_, _, true) => Driver::input(weak, move |d, now| d.engine.pong_received(now, conn)),
            _ => Driver::input(weak, move |d, now| {
                d.engine.socket_activity(conn, now, 1);
                if d.engine.current_conn() == Some(conn) {
                    d.notices.push(Notice::Message(event));
                }
            }),
        }
    }

    /// Stops everything: closes the socket, cancels the timer, removes page listeners.
    pub(crate) fn dispose(shared: &Shared) {
        let _ = Driver::act(shared, |driver, now| {
            driver.engine.close(now, 1000, "disposed");
            driver.page = None;
        });
    }
}
