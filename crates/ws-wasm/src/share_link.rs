//! `share` for the Rust face: the same policy ([`ws_core::share`]) and the same channel
//! messages (`share_wire`) as the JS face, so Rust and JS tabs share one socket too.
//!
//! A [`ShareLink`] is one `Socket`'s end: its engine opens *look-alikes* (plain JS objects
//! with WebSocket's shape, made here) instead of sockets, and the link carries them to the
//! leading tab over a `BroadcastChannel`. The tab that gets the Web Lock named after the
//! channel runs a hub: an ordinary `Socket` with the app's options, relayed to everyone,
//! kept until the last member has gone (it outlives the `Socket` that started it).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    AbortController, BroadcastChannel, CloseEvent, CloseEventInit, MessageEvent, MessageEventInit, WebSocket,
};
use ws_core::share::{
    any_member, current_hub, hub_lock, member_lock, Hub, HubOutput, Member, MemberOutput, Wire, DRAIN_TASK_READS,
};
use ws_core::CloseKind;

use crate::share_wire::{as_held, held_locks, wire_from_js, wire_to_js};
use crate::task::next_task;

/// What a hub needs of the socket it runs (the Rust face's `Socket`, with the app's options).
pub(crate) trait HubSocket {
    /// Sends if it goes out now (the socket open, nothing queued ahead): what it added to
    /// the socket's `bufferedAmount`; `None`, and nothing sent or queued, otherwise.
    fn send(&self, data: JsValue) -> Option<u64>;
    /// The socket's `bufferedAmount` now.
    fn buffered(&self) -> u64;
    /// Tries again after a stop.
    fn reconnect(&self);
    /// Closes for good.
    fn close(&self);
    /// The open socket's URL and subprotocol.
    fn url_and_protocol(&self) -> (String, String);
}

/// What the hub's socket reports.
pub(crate) enum HubEvent {
    /// Ready.
    Opened,
    /// A server message.
    Message(JsValue),
    /// Closed; `stopped` (its kind and hint) when it will not retry.
    Closed { code: u16, reason: String, clean: bool, stopped: Option<(CloseKind, &'static str)> },
    /// Connecting again.
    Connecting,
}

/// Connects the hub's socket, which reports to the callback.
pub(crate) type ConnectHub = Rc<dyn Fn(Box<dyn Fn(HubEvent)>) -> Option<Box<dyn HubSocket>>>;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    type LockManager;
    #[wasm_bindgen(method, catch)]
    fn request(this: &LockManager, name: &str, options: &JsValue, callback: &Function) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn query(this: &LockManager) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, ms: i32);
}

fn locks() -> LockManager {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    Reflect::get(&navigator, &"locks".into()).unwrap_or(JsValue::UNDEFINED).unchecked_into()
}

fn set(target: &JsValue, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &name.into(), value);
}

fn unique_tab() -> String {
    let random = (js_sys::Math::random() * 1e15) as u64;
    let mut tab = String::from("rust-");
    ws_core::push_decimal(&mut tab, js_sys::Date::now() as u64);
    tab.push('-');
    ws_core::push_decimal(&mut tab, random);
    tab
}

thread_local! {
    /// Hubs this tab runs: each lives until the last member of its group has gone.
    static HUBS: RefCell<Vec<Rc<HubRunner>>> = const { RefCell::new(Vec::new()) };
}

type OnMessage = Closure<dyn FnMut(MessageEvent)>;
/// Reports a send as dropped: its value, and whether the channel refused it.
type ReportDropped = Box<dyn Fn(JsValue, bool)>;
type Handlers = (Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(JsValue, JsValue)>);

struct Joined {
    abort: AbortController,
    release: Function,
}

/// `then(done, done)` on `promise`, with a function that frees itself when called.
fn then(promise: &Promise, done: impl FnOnce(JsValue) + 'static) {
    let done = Closure::once_into_js(done);
    if let Ok(then) = Reflect::get(promise, &"then".into()) {
        let _ = then.unchecked_ref::<Function>().call2(promise, &done, &done);
    }
}

/// Asks for the Web Lock `name`; `granted` runs when it is given (its result, a promise,
/// holds the lock until it settles). The callback lives until the request settles —
/// granted and released, or aborted — and is freed then, never while JS can still call it.
/// Returns the request's promise (`undefined` if the lock manager refused the request).
fn request_lock(name: &str, options: &JsValue, granted: impl FnOnce() -> JsValue + 'static) -> JsValue {
    let callback: Closure<dyn FnMut() -> JsValue> = Closure::once(granted);
    let function: JsValue = callback.as_ref().clone();
    let kept = RefCell::new(Some(callback));
    match locks().request(name, options, function.unchecked_ref()) {
        Ok(promise) => {
            // Settled either way: an aborted request rejects, which is the point.
            then(&promise, move |_| drop(kept.borrow_mut().take()));
            promise.into()
        }
        Err(_) => JsValue::UNDEFINED,
    }
}

/// One `Socket`'s end of the share.
pub(crate) struct ShareLink {
    name: String,
    tab: String,
    options: String,
    /// How the leading tab builds the socket (the app's URL and options, without `share`).
    connect_hub: ConnectHub,
    member: RefCell<Member<JsValue>>,
    /// Link → its look-alike and the `send`/`close` functions it carries.
    sockets: RefCell<Vec<(u32, WebSocket, Handlers)>>,
    channel: BroadcastChannel,
    on_message: RefCell<Option<OnMessage>>,
    /// While a member: aborts the lock requests; calling `release` lets the member lock go;
    /// the lock callbacks, dropped on leaving.
    joined: RefCell<Option<Joined>>,
    /// Reports a send to the app as dropped: `(data, refused)` — refused by the channel (its
    /// value cannot be posted), or not taken before the shared socket stopped.
    on_dropped: RefCell<Option<ReportDropped>>,
    me: Weak<ShareLink>,
}

impl ShareLink {
    /// A link on the channel `name` for a member with this option fingerprint, numbering its
    /// requests from `ids`; if this tab comes to lead, `connect_hub` makes the socket. `None`
    /// if the channel cannot be made.
    pub(crate) fn new(name: String, fingerprint: String, ids: u64, connect_hub: ConnectHub) -> Option<Rc<ShareLink>> {
        let channel = BroadcastChannel::new(&name).ok()?;
        let tab = unique_tab();
        let link = Rc::new_cyclic(|me| ShareLink {
            member: RefCell::new(Member::new(tab.clone(), fingerprint.clone(), ids)),
            tab,
            options: fingerprint,
            name,
            connect_hub,
            sockets: RefCell::default(),
            channel,
            on_message: RefCell::default(),
            joined: RefCell::default(),
            on_dropped: RefCell::default(),
            me: me.clone(),
        });
        let weak = Rc::downgrade(&link);
        let on_message = Closure::new(move |event: MessageEvent| {
            if let Some(link) = weak.upgrade() {
                link.receive(event.data());
            }
        });
        link.channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        *link.on_message.borrow_mut() = Some(on_message);
        link.join();
        Some(link)
    }

    fn receive(&self, message: JsValue) {
        let Some(wire) = wire_from_js(&message) else { return };
        self.member.borrow_mut().receive(wire);
        self.perform();
    }

    /// Whether a server message naming request `id`, which no request here waits for, is
    /// another tab's reply ([`Member::others_reply`]).
    pub(crate) fn others_reply(&self, id: u64) -> bool {
        self.member.borrow().others_reply(id)
    }

    /// Who reports a send to the app as dropped (the `Socket`'s engine).
    pub(crate) fn on_dropped(&self, report: impl Fn(JsValue, bool) + 'static) {
        *self.on_dropped.borrow_mut() = Some(Box::new(report));
    }

    /// In a later task: the engine may be busy now (a send made from inside it). Before or
    /// after the link's close, either way works: a stopping engine drops what it still holds.
    fn dropped(&self, data: JsValue, refused: bool) {
        let weak = self.me.clone();
        next_task(move || {
            let Some(link) = weak.upgrade() else { return };
            let report = link.on_dropped.borrow();
            if let Some(report) = report.as_ref() {
                report(data, refused);
            }
        });
    }

    /// Asks the lock manager which hub leads and tells the member.
    fn check_hub(&self) {
        let Ok(query) = locks().query() else { return };
        let (weak, name) = (self.me.clone(), self.name.clone());
        then(&query, move |snapshot| {
            let Some(link) = weak.upgrade() else { return };
            let locks = held_locks(&snapshot);
            let leading = current_hub(&name, &as_held(&locks)).map(String::from);
            link.member.borrow_mut().hub_checked(leading);
            link.perform();
        });
    }

    /// Makes the look-alike a member's engine opens (it asks the hub for the socket).
    pub(crate) fn open_socket(&self, url: &str) -> WebSocket {
        let object: JsValue = Object::new().into();
        for (key, value) in [("url", url.into()), ("protocol", "".into()), ("extensions", "".into())] {
            set(&object, key, &value);
        }
        set(&object, "binaryType", &"blob".into());
        set(&object, "readyState", &0.into());
        set(&object, "bufferedAmount", &0.into());
        let conn = self.member.borrow_mut().connect();
        let weak = self.me.clone();
        let send = Closure::new(move |data: JsValue| {
            let Some(link) = weak.upgrade() else { return };
            // The driver sends only while `readyState` is OPEN, which is exactly while the
            // member's link is open: this cannot fail (and throws nothing through wasm).
            let bytes = crate::payload::payload_len(&data); // as the engine's queue counts it
            let _ = link.member.borrow_mut().send(conn, data, bytes);
            link.perform();
        });
        let weak = self.me.clone();
        let close = Closure::new(move |code: JsValue, reason: JsValue| {
            let Some(link) = weak.upgrade() else { return };
            let code = code.as_f64().map_or(1000, |c| c as u16);
            link.member.borrow_mut().disconnect(conn, code, &reason.as_string().unwrap_or_default());
            link.perform();
        });
        set(&object, "send", send.as_ref());
        set(&object, "close", close.as_ref());
        let ws: WebSocket = object.unchecked_into();
        self.sockets.borrow_mut().push((conn, ws.clone(), (send, close)));
        self.perform();
        ws
    }

    /// Does what the member asked, in order (no borrow held: handlers may call back).
    fn perform(&self) {
        loop {
            let Some(output) = self.member.borrow_mut().poll_output() else { break };
            let socket = |conn: u32| self.sockets.borrow().iter().find(|s| s.0 == conn).map(|s| s.1.clone());
            match output {
                MemberOutput::Post(wire) => {
                    let message = wire_to_js(wire);
                    if self.channel.post_message(&message).is_err() {
                        // The channel refused a send's value (it cannot be cloned): the
                        // member forgets it and the app hears of it, rather than losing it.
                        let get = |key: &str| Reflect::get(&message, &key.into()).unwrap_or(JsValue::UNDEFINED);
                        if let Some(seq) = get("seq").as_f64() {
                            self.member.borrow_mut().forget(seq as u64);
                            self.dropped(get("data"), true);
                        }
                    }
                }
                MemberOutput::Unsent(data) => self.dropped(data, false),
                MemberOutput::CheckHub => self.check_hub(),
                MemberOutput::Opened { conn, url, protocol } => {
                    let Some(ws) = socket(conn) else { continue };
                    set(&ws, "readyState", &1.into());
                    set(&ws, "url", &url.into());
                    set(&ws, "protocol", &protocol.into());
                    fire(&ws, "onopen", &web_sys::Event::new("open").map(JsValue::from).unwrap_or_default());
                }
                MemberOutput::Closed { conn, code, reason, clean } => {
                    let Some(ws) = socket(conn) else { continue };
                    set(&ws, "readyState", &3.into());
                    let init = CloseEventInit::new();
                    init.set_code(code);
                    init.set_reason(&reason);
                    init.set_was_clean(clean);
                    let event =
                        CloseEvent::new_with_event_init_dict("close", &init).map(JsValue::from).unwrap_or_default();
                    // As a WebSocket: CLOSED now, the close event in a later task; the
                    // look-alike's functions go with it.
                    let weak = self.me.clone();
                    next_task(move || {
                        let taken = weak.upgrade().and_then(|link| {
                            let mut sockets = link.sockets.borrow_mut();
                            let at = sockets.iter().position(|s| s.0 == conn)?;
                            Some(sockets.remove(at))
                        });
                        fire(&ws, "onclose", &event);
                        drop(taken);
                    });
                }
                MemberOutput::Deliver(data) => {
                    let init = MessageEventInit::new();
                    init.set_data(&data);
                    let Ok(event) = MessageEvent::new_with_event_init_dict("message", &init) else { continue };
                    let open: Vec<WebSocket> = self.sockets.borrow().iter().map(|s| s.1.clone()).collect();
                    for ws in open.iter().filter(|ws| ws.ready_state() == WebSocket::OPEN) {
                        fire(ws, "onmessage", &event);
                    }
                }
                MemberOutput::Warn(text) => web_sys::console::warn_1(&text.into()),
                _ => {}
            }
        }
        // What the hub has not acknowledged is the look-alikes' `bufferedAmount`, which the
        // driver reads as a socket's (a leading tab that takes no sends congests the engine).
        let buffered = JsValue::from(self.member.borrow().buffered_amount() as f64);
        for (_, ws, _) in self.sockets.borrow().iter() {
            set(ws, "bufferedAmount", &buffered); // a plain object's field: no app code runs
        }
    }

    /// Becomes a member: holds a member lock while open and waits in line to lead.
    fn join(&self) {
        if self.joined.borrow().is_some() {
            return;
        }
        let Ok(abort) = AbortController::new() else { return };
        let options = Object::new();
        set(&options, "signal", &abort.signal());
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        let Some(release) = release else { return };
        request_lock(&member_lock(&self.name, &self.tab), &options, move || held.into());
        let (name, fingerprint, connect_hub) = (self.name.clone(), self.options.clone(), self.connect_hub.clone());
        // The leader's lock, then the hub's own (members follow a hub only when the lock
        // manager shows both): held until the hub ends.
        request_lock(&self.name.clone(), &options, move || {
            let mut id = unique_tab();
            id.push_str("/hub");
            let lock = hub_lock(&name, &id);
            request_lock(&lock, &Object::new(), move || HubRunner::start(name, id, fingerprint, &connect_hub))
        });
        *self.joined.borrow_mut() = Some(Joined { abort, release });
    }

    /// The app's `reconnect()`: a socket that stopped for good tries again.
    pub(crate) fn revive(&self) {
        self.join();
        self.member.borrow_mut().revive();
        self.perform();
    }

    /// The app's `close()`: gives up the member lock and the place in line.
    pub(crate) fn leave(&self) {
        let Some(joined) = self.joined.borrow_mut().take() else { return };
        joined.abort.abort();
        let _ = joined.release.call0(&JsValue::UNDEFINED);
        self.member.borrow_mut().leave();
        self.perform();
    }
}

impl Drop for ShareLink {
    fn drop(&mut self) {
        self.leave();
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// Calls `target[handler](event)`, if set.
fn fire(target: &JsValue, handler: &str, event: &JsValue) {
    if let Ok(function) = Reflect::get(target, &handler.into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = function.call1(target, event);
    }
}

/// The leading tab's end: the real socket, relayed to every member.
struct HubRunner {
    name: String,
    /// A read of the socket's buffer is scheduled.
    drain_poll: Cell<bool>,
    hub: RefCell<Hub<JsValue>>,
    socket: RefCell<Option<Box<dyn HubSocket>>>,
    channel: BroadcastChannel,
    on_message: RefCell<Option<OnMessage>>,
    /// The window's `pagehide` listener (removed at the end).
    on_page_hide: RefCell<Option<Closure<dyn FnMut()>>>,
    /// Resolves the leader lock's promise (the lock goes to the next tab in line).
    finish: RefCell<Option<Function>>,
}

impl HubRunner {
    /// Runs in the tab granted the leader's lock and then the hub's own; the promise holds
    /// both until the end.
    fn start(name: String, id: String, options: String, connect_hub: &ConnectHub) -> JsValue {
        let Ok(channel) = BroadcastChannel::new(&name) else { return JsValue::UNDEFINED };
        let mut finish = None;
        let done = Promise::new(&mut |resolve, _| finish = Some(resolve));
        let runner = Rc::new(HubRunner {
            name,
            drain_poll: Cell::new(false),
            hub: RefCell::new(Hub::new(id, options)),
            socket: RefCell::default(),
            channel,
            on_message: RefCell::default(),
            on_page_hide: RefCell::default(),
            finish: RefCell::new(finish),
        });
        let weak = Rc::downgrade(&runner);
        let on_message = Closure::new(move |event: MessageEvent| {
            let Some(runner) = weak.upgrade() else { return };
            if let Some(wire) = wire_from_js(&event.data()) {
                runner.hub.borrow_mut().receive(wire);
                runner.perform();
            }
        });
        runner.channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        *runner.on_message.borrow_mut() = Some(on_message);
        let weak = Rc::downgrade(&runner);
        let socket = connect_hub(Box::new(move |event| {
            if let Some(runner) = weak.upgrade() {
                runner.socket_event(event);
            }
        }));
        *runner.socket.borrow_mut() = socket;
        // The tab goes (closed, navigated away): acknowledge what left the socket's buffer long
        // enough ago (ACK_SETTLE_MS) now, so the next leader does not send it again (a
        // throttled tab reads late); what left it just now is the next leader's to send.
        let weak = Rc::downgrade(&runner);
        let on_page_hide = Closure::<dyn FnMut()>::new(move || {
            let Some(runner) = weak.upgrade() else { return };
            if runner.hub.borrow().ended() {
                return;
            }
            let buffered = runner.socket.borrow().as_ref().map_or(0, |socket| socket.buffered());
            runner.hub.borrow_mut().drained(crate::driver::now(), buffered);
            runner.perform();
        });
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("pagehide", on_page_hide.as_ref().unchecked_ref());
        }
        *runner.on_page_hide.borrow_mut() = Some(on_page_hide);
        HUBS.with(|hubs| hubs.borrow_mut().push(runner.clone()));
        runner.perform();
        done.into()
    }

    fn socket_event(self: &Rc<Self>, event: HubEvent) {
        match event {
            HubEvent::Opened => {
                let opened = self.socket.borrow().as_ref().map(|s| s.url_and_protocol());
                let (url, protocol) = opened.unwrap_or_default();
                self.hub.borrow_mut().socket_opened(url, protocol);
            }
            HubEvent::Message(data) => {
                let hub = self.hub.borrow();
                if !hub.ended() {
                    let _ = self.channel.post_message(&wire_to_js(Wire::Message { hub: hub.id().into(), data }));
                }
            }
            HubEvent::Closed { code, reason, clean, stopped } => {
                self.hub.borrow_mut().socket_closed(code, &reason, clean, stopped);
            }
            HubEvent::Connecting => self.hub.borrow_mut().socket_connecting(),
        }
        self.perform();
    }

    fn perform(self: &Rc<Self>) {
        loop {
            let Some(output) = self.hub.borrow_mut().poll_output() else { return };
            match output {
                HubOutput::Post(wire) => {
                    let _ = self.channel.post_message(&wire_to_js(wire));
                }
                HubOutput::Transmit { tab, seq, data } => {
                    // Taken only if it goes out now (otherwise the member sends it again),
                    // acknowledged once the socket's buffer has drained past it.
                    let sent = self.socket.borrow().as_ref().and_then(|socket| socket.send(data));
                    if let Some(bytes) = sent {
                        self.hub.borrow_mut().transmitted(tab, seq, bytes);
                        self.drain_later(0);
                    }
                }
                HubOutput::WatchMember { tab } => {
                    let weak = Rc::downgrade(self);
                    let lock = member_lock(&self.name, &tab);
                    // Shared mode: the member check counts only members' (exclusive) locks.
                    let shared = Object::new();
                    set(&shared, "mode", &"shared".into());
                    request_lock(&lock, &shared, move || {
                        if let Some(runner) = weak.upgrade() {
                            runner.hub.borrow_mut().member_gone(tab);
                            runner.perform();
                        }
                        JsValue::UNDEFINED // released at once
                    });
                }
                HubOutput::Reconnect => {
                    if let Some(socket) = self.socket.borrow().as_ref() {
                        socket.reconnect();
                    }
                }
                HubOutput::CheckMembers { leaving } => self.check_members(leaving),
                HubOutput::End => self.end(),
                _ => {}
            }
        }
    }

    /// Reads the socket's buffer while sends wait for it to drain and settle: [`DRAIN_TASK_READS`]
    /// times in the next task, then as [`Hub::next_read_in`] says.
    fn drain_later(self: &Rc<Self>, tries: u32) {
        if self.drain_poll.replace(true) {
            return;
        }
        let weak = Rc::downgrade(self);
        let read = move || {
            let Some(runner) = weak.upgrade() else { return };
            runner.drain_poll.set(false);
            let buffered = runner.socket.borrow().as_ref().map_or(0, |socket| socket.buffered());
            runner.hub.borrow_mut().drained(crate::driver::now(), buffered);
            if runner.hub.borrow().awaiting_drain() {
                runner.drain_later(tries + 1);
            }
            runner.perform();
        };
        if tries < DRAIN_TASK_READS {
            next_task(read);
        } else {
            let wait = self.hub.borrow().next_read_in(crate::driver::now());
            set_timeout(&Closure::once_into_js(read), wait.min(i32::MAX as u64) as i32);
        }
    }

    /// Whether a member other than `leaving` (whose lock may not be gone yet) holds its lock.
    fn check_members(self: &Rc<Self>, leaving: String) {
        let Ok(query) = locks().query() else { return };
        let runner = self.clone();
        then(&query, move |snapshot| {
            let locks = held_locks(&snapshot);
            let any = any_member(&runner.name, &leaving, &as_held(&locks));
            runner.hub.borrow_mut().members_checked(any);
            runner.perform();
        });
    }

    fn end(self: &Rc<Self>) {
        if let (Some(window), Some(listener)) = (web_sys::window(), self.on_page_hide.borrow_mut().take()) {
            let _ = window.remove_event_listener_with_callback("pagehide", listener.as_ref().unchecked_ref());
        }
        self.channel.set_onmessage(None);
        self.channel.close();
        if let Some(socket) = self.socket.borrow_mut().take() {
            socket.close();
        }
        if let Some(finish) = self.finish.borrow_mut().take() {
            let _ = finish.call0(&JsValue::UNDEFINED);
        }
        HUBS.with(|hubs| hubs.borrow_mut().retain(|h| !Rc::ptr_eq(h, self)));
    }
}
