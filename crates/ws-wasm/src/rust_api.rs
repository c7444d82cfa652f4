//! The Rust face: [`Socket`], for Rust/wasm apps such as the Leptos status widget.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, MessageEvent};
use ws_core::share::member_config;
#[cfg(feature = "share")]
use ws_core::share::{channel_name, fingerprint, with_messages};
use ws_core::{CloseInfo, DropReason, Event, RequestFailure, RequestId, SendError, SendStatus, State, Stats};

pub use crate::driver::Busy;
use crate::driver::{Driver, Host, Notice, Setup, Shared};
pub use crate::options::{Options, Verify, VerifyPredicate};
use crate::payload::Payload;
#[cfg(feature = "share")]
use crate::share::{can_share, opaque_origin, OPAQUE_ORIGIN};
use crate::share_link::ShareLink;
#[cfg(feature = "share")]
use crate::share_link::{ConnectHub, HubEvent, HubSocket};
use crate::url::resolve_url;

/// What a [`Socket`] tells the app.
#[derive(Clone, Debug)]
#[non_exhaustive]
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

/// Why a [`Socket::send`] or [`Socket::request`] was not accepted.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum Refused {
    /// The queue refused it (full, or larger than the whole queue).
    Queue(SendError<Payload>),
    /// Called from inside a close predicate (or, for a request, its `build` made a request
    /// of its own); nothing was sent.
    Busy,
    /// Accepted by [`Socket::send`] as [`SendStatus::Dropped`] (the socket is closed, or the
    /// queue dropped it): a [`crate::Connection`]'s sink reports it as an error.
    Dropped(DropReason),
}

impl core::fmt::Display for Refused {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Refused::Queue(error) => write!(f, "rebound: refused: {error}"),
            Refused::Busy => f.write_str("rebound: refused: called from inside a close predicate"),
            Refused::Dropped(reason) => write!(f, "rebound: dropped: {}", reason.as_str()),
        }
    }
}

impl std::error::Error for Refused {}

type ReplyCallback = Box<dyn FnOnce(Result<MessageEvent, RequestFailure>)>;

struct RustHost {
    on_event: Box<dyn Fn(SocketEvent)>,
    binary_type: Option<BinaryType>,
    id_field: String,
    replies: RefCell<BTreeMap<u64, ReplyCallback>>,
    driver: RefCell<Weak<Shared>>,
    /// Shares a socket through this link: a reply no request here waits for may be another
    /// tab's ([`ShareLink::others_reply`]).
    share: Weak<ShareLink>,
}

impl RustHost {
    /// The request id of a JSON text message, if it has a numeric one.
    fn reply_id(&self, event: &MessageEvent) -> Option<u64> {
        let text = event.data().as_string().filter(|t| t.starts_with('{'))?;
        let value = js_sys::JSON::parse(&text).ok()?;
        let number = js_sys::Reflect::get(&value, &self.id_field.as_str().into()).ok()?.as_f64()?;
        RequestId::from_json_number(number).map(|id| id.0)
    }

    /// Resolves a pending request with this reply; `true` if it was one.
    fn take_reply(&self, event: &MessageEvent) -> bool {
        let share = self.share.upgrade();
        if self.replies.borrow().is_empty() && share.is_none() {
            return false;
        }
        let Some(id) = self.reply_id(event) else { return false };
        let Some(callback) = self.replies.borrow_mut().remove(&id) else {
            return share.is_some_and(|link| link.others_reply(id));
        };
        if let Some(shared) = self.driver.borrow().upgrade() {
            let _ = Driver::act(&shared, |d, _| d.engine.resolve_request(RequestId(id)));
        }
        callback(Ok(event.clone()));
        true
    }
}

impl Host for RustHost {
    fn notice(&self, notice: Notice) {
        let event = match notice {
            Notice::Socket(ws) => {
                if let Some(binary_type) = self.binary_type {
                    ws.set_binary_type(binary_type);
                }
                return;
            }
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
                _ => return,
            },
        };
        (self.on_event)(event);
    }
}

struct Inner {
    driver: Rc<Shared>,
    host: Rc<RustHost>,
    /// With `share`: the link to the leading tab's socket (dropped after the driver has
    /// closed its look-alike).
    share: Option<Rc<ShareLink>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        Driver::dispose(&self.driver);
    }
}

/// A reconnecting WebSocket for Rust apps. Cloning shares the connection; dropping the last
/// clone closes it and removes every handler, timer and page listener.
///
/// Events reach `on_event` after the socket has finished handling what caused them, so the
/// callback may call any method. The one place where a call gets [`Busy`] instead of an
/// answer is from inside a close predicate (`Config::close_predicate`), which runs within
/// the engine.
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
        Socket::connect_boxed(url, options, Box::new(on_event))
    }

    /// [`Socket::connect`], not generic (a shared socket's hub connects one of its own).
    fn connect_boxed(url: &str, options: Options, on_event: Box<dyn Fn(SocketEvent)>) -> Result<Socket, JsValue> {
        let url = resolve_url(url)?;
        let protocols: js_sys::Array = options.protocols.iter().map(|p| JsValue::from(p.as_str())).collect();
        let mut config = options.engine_config();
        let random = || (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let seed = options.seed.unwrap_or_else(random);
        // Tabs sharing one socket see every reply: ids in a block of this socket's own, drawn
        // apart from the seed (tabs given one fixed seed must still get different blocks).
        let ids = RequestId::shared_block(random());
        let share = share_link(&options, &url, &config, ids.0);
        let mut setup = Setup {
            protocols: if options.protocols.is_empty() { JsValue::UNDEFINED } else { protocols.into() },
            ping: options.heartbeat_message.as_str().into(),
            reply: options.heartbeat_reply.clone(),
            heartbeat: config.heartbeat_interval_ms().is_some(),
            verify: options.verify.clone(),
            page_hints: options.page_hints,
            open_socket: None,
            url,
        };
        if let Some(link) = &share {
            // A member: its engine runs over the link; the leading tab's socket runs the
            // heartbeat and the ready check, once, for everyone.
            config = member_config(&config);
            setup.heartbeat = false;
            setup.verify = None;
            let link = Rc::downgrade(link);
            setup.open_socket = Some(Rc::new(move |url: &str| match link.upgrade() {
                Some(link) => link.open_socket(url),
                None => web_sys::WebSocket::from(JsValue::from(js_sys::Object::new())),
            }));
        }
        let host = Rc::new(RustHost {
            on_event,
            binary_type: options.binary_type,
            id_field: options.request_id_field.clone(),
            replies: RefCell::default(),
            driver: RefCell::default(),
            share: share.as_ref().map_or_else(Weak::new, Rc::downgrade),
        });
        let driver = Driver::start(config, seed, setup, host.clone());
        if share.is_some() {
            let _ = Driver::act(&driver, |d, _| d.engine.number_requests_from(ids));
        }
        *host.driver.borrow_mut() = Rc::downgrade(&driver);
        if let Some(link) = &share {
            // Sends the shared socket will not take are reported by this engine's drop.
            let weak = Rc::downgrade(&driver);
            link.on_dropped(move |data, refused| {
                let Some(driver) = weak.upgrade() else { return };
                let _ = Driver::act(&driver, |d, now| match refused {
                    true => d.engine.transmit_refused(Payload::new(data), None),
                    false => d.engine.transmit_failed(now, Payload::new(data), None),
                });
            });
        }
        let socket = Socket { inner: Rc::new(Inner { driver, host, share }) };
        // The first connect (not `reconnect()`, which would also revive a stopped shared socket).
        let _ = Driver::act(&socket.inner.driver, |d, now| d.engine.connect(now));
        Ok(socket)
    }

    /// Sends now if ready, else queues (see [`SendStatus`]). Strings, `ArrayBuffer`s,
    /// typed arrays and `Blob`s all work.
    pub fn send(&self, data: impl Into<JsValue>) -> Result<SendStatus, Refused> {
        let payload = Payload::new(data.into());
        match Driver::act(&self.inner.driver, |d, now| d.engine.send(now, payload)) {
            Ok(result) => result.map_err(Refused::Queue),
            Err(Busy) => Err(Refused::Busy),
        }
    }

    /// Sends `build(id)` as a request; `on_reply` gets the message whose JSON id field
    /// (`Options::request_id_field`) matches, or why it never will (timeout, disconnect,
    /// drop, close) — exactly once.
    pub fn request(
        &self,
        timeout_ms: u64,
        build: impl FnOnce(u64) -> String,
        on_reply: impl FnOnce(Result<MessageEvent, RequestFailure>) + 'static,
    ) -> Result<u64, Refused> {
        let started = self.try_request(timeout_ms, |id| Some(build(id)), on_reply)?;
        Ok(started.unwrap_or_default()) // `build` always gives a message here
    }

    /// [`Socket::request`] whose `build` may decline (`None`): then nothing is sent and the
    /// answer is `Ok(None)`.
    pub(crate) fn try_request(
        &self,
        timeout_ms: u64,
        build: impl FnOnce(u64) -> Option<String>,
        on_reply: impl FnOnce(Result<MessageEvent, RequestFailure>) + 'static,
    ) -> Result<Option<u64>, Refused> {
        // The app's `build` runs before the driver is borrowed (it may call the socket).
        let Ok(id) = Driver::peek(&self.inner.driver, |d| d.engine.next_request_id()) else {
            return Err(Refused::Busy);
        };
        let Some(message) = build(id.0) else { return Ok(None) };
        let payload = Payload::new(message.into());
        let host = self.inner.host.clone();
        let on_reply: ReplyCallback = Box::new(on_reply);
        let started = Driver::act(&self.inner.driver, move |d, now| {
            // `build` made a request of its own: this message carries an id now taken.
            let fresh = d.engine.next_request_id() == id;
            fresh.then(|| {
                let result = d.engine.request(now, timeout_ms, |_| payload);
                if let Ok((id, _)) = &result {
                    host.replies.borrow_mut().insert(id.0, on_reply);
                }
                result
            })
        });
        match started {
            Ok(Some(Ok((id, _)))) => Ok(Some(id.0)),
            Ok(Some(Err(error))) => Err(Refused::Queue(error)),
            Ok(None) | Err(Busy) => Err(Refused::Busy),
        }
    }

    /// Closes; nothing happens until [`Socket::reconnect`]. Browsers accept only code 1000
    /// or 3000–4999 and a reason of at most 123 bytes: anything else is refused with an
    /// `InvalidAccessError`/`SyntaxError` and the socket stays as it was.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), JsValue> {
        use crate::errors::{check_close, js_error, ErrorKind};
        check_close(code, reason)?;
        Driver::act(&self.inner.driver, |d, now| d.engine.close(now, code, reason))
            .map_err(|Busy| js_error(ErrorKind::InvalidAccess, "close() called from inside a close predicate"))?;
        if let Some(link) = &self.inner.share {
            link.leave();
        }
        Ok(())
    }

    /// Connects now (closing the current socket first), resetting the retry count.
    pub fn reconnect(&self) -> Result<(), Busy> {
        if let Some(link) = &self.inner.share {
            link.revive();
        }
        Driver::act(&self.inner.driver, |d, now| d.engine.connect(now))
    }

    /// The current state.
    pub fn state(&self) -> Result<State, Busy> {
        Driver::peek(&self.inner.driver, |d| d.engine.state())
    }

    /// Counters and last measurements.
    pub fn stats(&self) -> Result<Stats, Busy> {
        Driver::peek(&self.inner.driver, |d| d.engine.stats().clone())
    }

    /// Messages waiting in the queue, and their bytes.
    pub fn queued(&self) -> Result<(usize, usize), Busy> {
        Driver::peek(&self.inner.driver, |d| d.engine.queued())
    }

    /// The retry limit (`None`: unlimited).
    pub fn max_retries(&self) -> Result<Option<u32>, Busy> {
        Driver::peek(&self.inner.driver, |d| d.engine.config().max_retries())
    }

    /// The browser socket in use now, if any (e.g. to read `protocol` or `bufferedAmount`).
    /// With `share`, it is the link's look-alike: `url` and `protocol` are the shared
    /// socket's, and `bufferedAmount` counts what this tab sent that the leading tab has not
    /// acknowledged yet (what it has seen leave, a second ago or more).
    pub fn websocket(&self) -> Result<Option<web_sys::WebSocket>, Busy> {
        Driver::peek(&self.inner.driver, |d| d.ws().cloned())
    }
}

/// The leading tab's socket, as its hub uses it.
/// With `options.share` where tabs can share: this socket's link to the leading tab's.
#[cfg(feature = "share")]
fn share_link(options: &Options, url: &str, config: &ws_core::Config, ids: u64) -> Option<Rc<ShareLink>> {
    if options.share.is_some() && opaque_origin() {
        web_sys::console::warn_1(&OPAQUE_ORIGIN.into());
    }
    let key = options.share.as_deref().filter(|_| can_share())?;
    let fingerprint = with_messages(
        fingerprint(config),
        Some(&options.heartbeat_message),
        Some(&options.heartbeat_reply),
        Some(options.verify.as_ref().map_or("", |v| v.message.as_str())),
    );
    let list: Vec<&str> = options.protocols.iter().map(String::as_str).collect();
    let (hub_url, hub_options) = (url.to_string(), Options { share: None, ..options.clone() });
    let connect_hub: ConnectHub = Rc::new(move |report| {
        let on_event = move |event| {
            if let Some(event) = hub_event(event) {
                report(event);
            }
        };
        let socket = Socket::connect_boxed(&hub_url, hub_options.clone(), Box::new(on_event));
        socket.ok().map(|s| Box::new(s) as Box<dyn HubSocket>)
    });
    ShareLink::new(channel_name(key, Some(url), &list), fingerprint, ids, connect_hub)
}

/// Without the `share` feature every socket is its own (said once, if `options.share` asks).
#[cfg(not(feature = "share"))]
fn share_link(options: &Options, _: &str, _: &ws_core::Config, _: u64) -> Option<Rc<ShareLink>> {
    if options.share.is_some() {
        web_sys::console::warn_1(&SHARE_OFF.into());
    }
    None
}

/// What a socket asked to share says when ws-wasm's `share` feature is off.
#[cfg(not(feature = "share"))]
const SHARE_OFF: &str =
    "rebound: Options::share needs ws-wasm's `share` feature (on by default); this socket is its own";

#[cfg(feature = "share")]
impl HubSocket for Socket {
    fn send(&self, data: JsValue) -> Option<u64> {
        let ws = self.websocket().ok().flatten().filter(|ws| ws.ready_state() == web_sys::WebSocket::OPEN)?;
        let ready = self.state() == Ok(State::Open) && self.queued().is_ok_and(|(n, _)| n == 0);
        let before = ws.buffered_amount();
        let sent = ready && matches!(Socket::send(self, data), Ok(SendStatus::Sent { .. }));
        sent.then(|| u64::from(ws.buffered_amount().saturating_sub(before)))
    }
    fn buffered(&self) -> u64 {
        self.websocket().ok().flatten().map_or(0, |ws| u64::from(ws.buffered_amount()))
    }
    fn reconnect(&self) {
        let _ = Socket::reconnect(self);
    }
    fn close(&self) {
        let _ = Socket::close(self, 1000, "");
    }
    fn url_and_protocol(&self) -> (String, String) {
        let ws = self.websocket().ok().flatten();
        ws.map(|ws| (ws.url(), ws.protocol())).unwrap_or_default()
    }
}

/// What the hub hears of its socket's events.
#[cfg(feature = "share")]
fn hub_event(event: SocketEvent) -> Option<HubEvent> {
    Some(match event {
        // Links open when the socket is ready (verified, if the app verifies), not before.
        SocketEvent::Ready { .. } => HubEvent::Opened,
        SocketEvent::Message(message) => HubEvent::Message(message.data()),
        SocketEvent::Closed(info) => HubEvent::Closed {
            stopped: (!info.will_retry).then(|| (info.kind, info.hint())),
            code: info.code,
            clean: info.was_clean,
            reason: info.reason,
        },
        SocketEvent::State(State::Connecting { .. }) => HubEvent::Connecting,
        _ => return None,
    })
}
