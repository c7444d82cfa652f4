//! The Rust face: [`Socket`], for Rust/wasm apps such as the Leptos status widget.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, MessageEvent};
use ws_core::{CloseInfo, Config, DropReason, Event, RequestFailure, RequestId, SendError, SendStatus, State, Stats};

use crate::driver::{payload_len, Driver, DriverCell, Host, Inbound, Notice, Payload, Setup};
use crate::url::resolve_url;

/// Judges a message during verification: `Some(true)` ready, `Some(false)` failed, `None`
/// not the answer yet.
pub type VerifyPredicate = Rc<dyn Fn(&MessageEvent) -> Option<bool>>;

/// A ready check: send `message` once the socket opens; while verifying, every inbound
/// message goes to `accept`: `Some(true)` = ready, `Some(false)` = the check failed (the
/// attempt closes as `verification-failed` and backs off), `None` = not the answer yet (a
/// greeting, say); `verifyTimeout` bounds the wait.
#[derive(Clone)]
pub struct Verify {
    /// Sent as text right after open.
    pub message: String,
    /// Judges each inbound message while verifying.
    pub accept: VerifyPredicate,
}

/// Everything besides the URL. `Options::default()` uses the engine's defaults, the
/// heartbeat messages `ping`/`pong`, no subprotocols, no verification, the page's hints on.
#[derive(Clone)]
pub struct Options {
    /// The engine's policies.
    pub config: Config,
    /// Subprotocols offered to the server.
    pub protocols: Vec<String>,
    /// The heartbeat message (sent as text).
    pub heartbeat_message: String,
    /// The heartbeat reply; such messages are not passed on to the app.
    pub heartbeat_reply: String,
    /// An optional ready check.
    pub verify: Option<Verify>,
    /// `binaryType` for every socket (`None`: the browser's default, `blob`).
    pub binary_type: Option<BinaryType>,
    /// Listen to online/offline, visibility and page lifecycle events.
    pub page_hints: bool,
    /// Seed for the retry jitter (`None`: random).
    pub seed: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: Config::default(),
            protocols: Vec::new(),
            heartbeat_message: "ping".into(),
            heartbeat_reply: "pong".into(),
            verify: None,
            binary_type: None,
            page_hints: true,
            seed: None,
        }
    }
}

/// What a [`Socket`] tells the app.
#[derive(Clone, Debug)]
pub enum SocketEvent {
    /// The state changed.
    State(State),
    /// A socket opened (before verification).
    Open,
    /// Ready: verified and the queue flushed.
    Ready {
        /// Time from open to ready (ms).
        open_to_ready_ms: u64,
    },
    /// An inbound message (heartbeat replies, verification answers and request replies
    /// are not passed on).
    Message(MessageEvent),
    /// A connection ended, classified.
    Closed(CloseInfo),
    /// The socket reported an error.
    Error,
    /// A socket could not be created (the JS error).
    Failure(JsValue),
    /// A message was dropped instead of sent.
    Dropped {
        /// The message.
        payload: JsValue,
        /// Why.
        reason: DropReason,
    },
    /// `bufferedAmount` fell back to the low-water mark.
    Drain,
}

type ReplyCallback = Box<dyn FnOnce(Result<MessageEvent, RequestFailure>)>;

struct RustHost {
    on_event: Box<dyn Fn(SocketEvent)>,
    binary_type: Option<BinaryType>,
    replies: RefCell<HashMap<u64, ReplyCallback>>,
    driver: RefCell<Weak<DriverCell>>,
}

/// The `id` of a JSON text message, if it has a numeric one.
fn reply_id(event: &MessageEvent) -> Option<u64> {
    let text = event.data().as_string().filter(|t| t.starts_with('{'))?;
    let value = js_sys::JSON::parse(&text).ok()?;
    js_sys::Reflect::get(&value, &"id".into()).ok()?.as_f64().map(|id| id as u64)
}

impl RustHost {
    /// Resolves a pending request with this reply; `true` if it was one.
    fn take_reply(&self, event: &MessageEvent) -> bool {
        if self.replies.borrow().is_empty() {
            return false;
        }
        let Some(id) = reply_id(event) else { return false };
        let Some(callback) = self.replies.borrow_mut().remove(&id) else { return false };
        if let Some(cell) = self.driver.borrow().upgrade() {
            Driver::act(&cell, |d, _| d.engine.resolve_request(RequestId(id)));
        }
        callback(Ok(event.clone()));
        true
    }
}

impl Host for RustHost {
    fn notice(&self, notice: Notice) {
        let event = match notice {
            Notice::Socket(ws, _) => {
                if let Some(binary_type) = self.binary_type {
                    ws.set_binary_type(binary_type);
                }
                return;
            }
            Notice::NeedUrl(_) | Notice::Verify(_) => return,
            Notice::Failure(error) => SocketEvent::Failure(error),
            Notice::Message(message) if self.take_reply(&message) => return,
            Notice::Message(message) => SocketEvent::Message(message),
            Notice::Event(event) => match event {
                Event::StateChanged(state) => SocketEvent::State(state),
                Event::Open { .. } => SocketEvent::Open,
                Event::Ready { open_to_ready_ms, .. } => SocketEvent::Ready { open_to_ready_ms },
                Event::Closed(info) => SocketEvent::Closed(info),
                Event::Error { .. } => SocketEvent::Error,
                Event::Dropped { payload, reason } => SocketEvent::Dropped { payload: payload.value, reason },
                Event::Drain => SocketEvent::Drain,
                Event::RequestFailed { id, failure } => {
                    let callback = self.replies.borrow_mut().remove(&id.0);
                    if let Some(callback) = callback {
                        callback(Err(failure));
                    }
                    return;
                }
            },
        };
        (self.on_event)(event);
    }
}

struct Inner {
    driver: Rc<DriverCell>,
    host: Rc<RustHost>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        Driver::dispose(&self.driver);
    }
}

/// A reconnecting WebSocket for Rust apps. Cloning shares the connection; dropping the last
/// clone closes it and removes every handler, timer and page listener.
///
/// ```no_run
/// use ws_wasm::{Options, Socket, SocketEvent};
/// let socket = Socket::connect("/ws", Options::default(), |event| {
///     if let SocketEvent::Message(message) = event {
///         let _text = message.data().as_string();
///     }
/// })
/// .expect("a valid URL");
/// let _ = socket.send("hello");
/// ```
#[derive(Clone)]
pub struct Socket {
    inner: Rc<Inner>,
}

impl Socket {
    /// Validates `url` (relative URLs resolve against the page; `SyntaxError`/`SecurityError`
    /// otherwise) and starts connecting.
    pub fn connect(url: &str, options: Options, on_event: impl Fn(SocketEvent) + 'static) -> Result<Socket, JsValue> {
        let url = resolve_url(url)?;
        let constructor = js_sys::Reflect::get(&js_sys::global(), &"WebSocket".into())?;
        let protocols: js_sys::Array = options.protocols.iter().map(|p| JsValue::from(p.as_str())).collect();
        let setup = Setup {
            url: Some(url),
            protocols: if options.protocols.is_empty() { JsValue::UNDEFINED } else { protocols.into() },
            constructor,
            ping: options.heartbeat_message.into(),
            inbound: Inbound::Rust { reply: options.heartbeat_reply, verify: options.verify },
            page_hints: options.page_hints,
        };
        let host = Rc::new(RustHost {
            on_event: Box::new(on_event),
            binary_type: options.binary_type,
            replies: RefCell::default(),
            driver: RefCell::default(),
        });
        let seed = options.seed.unwrap_or_else(|| (js_sys::Math::random() * 2f64.powi(53)) as u64);
        let driver = Driver::new(options.config, seed, setup, host.clone());
        *host.driver.borrow_mut() = Rc::downgrade(&driver);
        let socket = Socket { inner: Rc::new(Inner { driver, host }) };
        socket.reconnect();
        Ok(socket)
    }

    fn act<R: Default>(&self, input: impl FnOnce(&mut Driver, u64) -> R) -> R {
        Driver::act(&self.inner.driver, input).unwrap_or_default()
    }

    /// Sends now if ready, else queues (see [`SendStatus`]). Strings, `ArrayBuffer`s,
    /// typed arrays and `Blob`s all work.
    pub fn send(&self, data: impl Into<JsValue>) -> Result<SendStatus, SendError<Payload>> {
        let value = data.into();
        let payload = Payload { len: payload_len(&value), value };
        Driver::act(&self.inner.driver, |d, now| d.engine.send(now, payload))
            .unwrap_or(Ok(SendStatus::Dropped(DropReason::Closed)))
    }

    /// Sends `build(id)` as a request; `on_reply` gets the message whose JSON `id` matches,
    /// or why it never will (timeout, disconnect, drop, close) — exactly once.
    pub fn request(
        &self,
        timeout_ms: u64,
        build: impl FnOnce(u64) -> String,
        on_reply: impl FnOnce(Result<MessageEvent, RequestFailure>) + 'static,
    ) -> Result<u64, SendError<Payload>> {
        let make = |id: RequestId| {
            let text = build(id.0);
            Payload { len: text.len(), value: text.into() }
        };
        let host = self.inner.host.clone();
        let on_reply: ReplyCallback = Box::new(on_reply);
        let started = Driver::act(&self.inner.driver, move |d, now| {
            let result = d.engine.request(now, timeout_ms, make);
            if let Ok((id, _)) = &result {
                host.replies.borrow_mut().insert(id.0, on_reply);
            }
            result
        });
        match started {
            Some(Ok((id, _))) => Ok(id.0),
            Some(Err(error)) => Err(error),
            None => Err(SendError::QueueFull(Payload { value: JsValue::UNDEFINED, len: 0 })),
        }
    }

    /// Closes; nothing happens until [`Socket::reconnect`]. Browsers accept only code 1000
    /// or 3000–4999 and a reason of at most 123 bytes: anything else is refused with an
    /// `InvalidAccessError`/`SyntaxError` and the socket stays as it was.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), JsValue> {
        if code != 1000 && !(3000..=4999).contains(&code) {
            let error = js_sys::Error::new("close code must be 1000 or 3000-4999");
            error.set_name("InvalidAccessError");
            return Err(error.into());
        }
        if reason.len() > 123 {
            let error = js_sys::Error::new("close reason must be at most 123 bytes of UTF-8");
            error.set_name("SyntaxError");
            return Err(error.into());
        }
        self.act(|d, now| d.engine.close(now, code, reason));
        Ok(())
    }

    /// Connects now (closing the current socket first), resetting the retry count.
    pub fn reconnect(&self) {
        self.act(|d, now| d.engine.connect(now));
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.inner.driver.try_borrow().map(|d| d.engine.state()).unwrap_or(State::Idle)
    }

    /// Counters and last measurements.
    pub fn stats(&self) -> Stats {
        self.inner.driver.try_borrow().map(|d| d.engine.stats().clone()).unwrap_or_default()
    }

    /// Messages waiting in the queue, and their bytes.
    pub fn queued(&self) -> (usize, usize) {
        self.inner.driver.try_borrow().map(|d| d.engine.queued()).unwrap_or_default()
    }

    /// The engine's configuration.
    pub fn max_retries(&self) -> Option<u32> {
        self.inner.driver.try_borrow().ok().and_then(|d| d.engine.config().max_retries())
    }

    /// The browser socket in use now, if any (e.g. to read `protocol` or `bufferedAmount`).
    pub fn websocket(&self) -> Option<web_sys::WebSocket> {
        self.inner.driver.try_borrow().ok()?.ws().cloned()
    }
}
