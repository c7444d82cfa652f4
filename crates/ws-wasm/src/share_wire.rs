//! What tabs say on the `share` channel, as plain objects with named fields (so tabs running
//! either face understand each other), and the JS face's `ShareMember` and `ShareHub`, which
//! `npm/src/share.js` drives (it owns the `BroadcastChannel`, the Web Locks and the socket
//! look-alikes; every decision comes from [`ws_core::share`]). Compiled for the Rust face
//! and for the npm share module (`rebound-share.wasm`), not for the main npm wasm.

use alloc::string::String;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use ws_core::share::{Hub, HubOutput, Member, MemberOutput, Wire};
use ws_core::CloseKind;

fn set(target: &Object, name: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &name.into(), &value.into());
}

fn object(kind: &str, tag: &str) -> Object {
    let object = Object::new();
    set(&object, kind, tag);
    object
}

/// A new hub's term: the time it starts, in µs, with a random tie-break, so a later hub
/// (the lock passes from one to the next) has a higher term.
pub fn term_now() -> u64 {
    (js_sys::Date::now() * 1000.0) as u64 + (js_sys::Math::random() * 1000.0) as u64
}

/// A channel message as a plain object: `{ t: 'hello', tab, conn, options }` and so on.
pub fn wire_to_js(wire: Wire<JsValue>) -> JsValue {
    let o;
    match wire {
        Wire::Hello { tab, conn, options } => {
            o = object("t", "hello");
            set(&o, "tab", tab);
            set(&o, "conn", conn);
            set(&o, "options", options);
        }
        Wire::Bye { tab, conn } => {
            o = object("t", "bye");
            set(&o, "tab", tab);
            set(&o, "conn", conn);
        }
        Wire::Send { tab, conn, hub, epoch, seq, data } => {
            o = object("t", "send");
            set(&o, "tab", tab);
            set(&o, "conn", conn);
            set(&o, "hub", hub);
            set(&o, "epoch", epoch);
            set(&o, "seq", seq as f64);
            set(&o, "data", data);
        }
        Wire::Leave { tab } => {
            o = object("t", "leave");
            set(&o, "tab", tab);
        }
        Wire::Revive { tab } => {
            o = object("t", "revive");
            set(&o, "tab", tab);
        }
        Wire::Leader { hub, term } => {
            o = object("t", "leader");
            set(&o, "hub", hub);
            set(&o, "term", term as f64);
        }
        Wire::Open { to, conn, hub, term, epoch, url, protocol } => {
            o = object("t", "open");
            set(&o, "to", to);
            set(&o, "conn", conn);
            set(&o, "hub", hub);
            set(&o, "term", term as f64);
            set(&o, "epoch", epoch);
            set(&o, "url", url);
            set(&o, "protocol", protocol);
        }
        Wire::Message { data } => {
            o = object("t", "message");
            set(&o, "data", data);
        }
        Wire::Ack { to, seq } => {
            o = object("t", "ack");
            set(&o, "to", to);
            set(&o, "seq", seq as f64);
        }
        Wire::Close { to, conn, code, reason, clean, hub, term } => {
            o = object("t", "close");
            set(&o, "hub", hub);
            set(&o, "term", term as f64);
            if let Some(to) = to {
                set(&o, "to", to);
            }
            if let Some(conn) = conn {
                set(&o, "conn", conn);
            }
            set(&o, "code", code);
            set(&o, "reason", reason);
            set(&o, "wasClean", clean);
        }
        Wire::Mismatch { to, options } => {
            o = object("t", "mismatch");
            set(&o, "to", to);
            set(&o, "options", options);
        }
        _ => return JsValue::UNDEFINED,
    }
    o.into()
}

/// A channel message back from a plain object; `None` for anything malformed (another
/// version, another library on the same channel name): ignored, never a panic.
pub fn wire_from_js(value: &JsValue) -> Option<Wire<JsValue>> {
    let field = |name: &str| Reflect::get(value, &name.into()).ok().filter(|v| !v.is_undefined());
    let text = |name: &str| field(name)?.as_string();
    let number = |name: &str| field(name)?.as_f64().filter(|n| *n >= 0.0 && (*n as u64) as f64 == *n);
    let small = |name: &str| number(name).filter(|n| *n <= u32::MAX as f64).map(|n| n as u32);
    let big = |name: &str| number(name).map(|n| n as u64);
    let data = || field("data").unwrap_or(JsValue::UNDEFINED);
    if !value.is_object() {
        return None;
    }
    Some(match text("t")?.as_str() {
        "hello" => Wire::Hello { tab: text("tab")?, conn: small("conn")?, options: text("options")? },
        "bye" => Wire::Bye { tab: text("tab")?, conn: small("conn")? },
        "send" => Wire::Send {
            tab: text("tab")?,
            conn: small("conn")?,
            hub: text("hub")?,
            epoch: small("epoch")?,
            seq: big("seq")?,
            data: data(),
        },
        "leave" => Wire::Leave { tab: text("tab")? },
        "revive" => Wire::Revive { tab: text("tab")? },
        "leader" => Wire::Leader { hub: text("hub")?, term: big("term")? },
        "open" => Wire::Open {
            to: text("to")?,
            conn: small("conn")?,
            hub: text("hub")?,
            term: big("term")?,
            epoch: small("epoch")?,
            url: text("url")?,
            protocol: text("protocol").unwrap_or_default(),
        },
        "message" => Wire::Message { data: data() },
        "ack" => Wire::Ack { to: text("to")?, seq: big("seq")? },
        "close" => Wire::Close {
            hub: text("hub")?,
            term: big("term")?,
            to: text("to"),
            conn: small("conn"),
            code: small("code").filter(|c| *c <= u16::MAX as u32)? as u16,
            reason: text("reason").unwrap_or_default(),
            clean: field("wasClean").is_some_and(|v| v.is_truthy()),
        },
        "mismatch" => Wire::Mismatch { to: text("to")?, options: text("options")? },
        _ => return None,
    })
}

/// The JS face's member: `npm/src/share.js` calls it and performs the actions each call
/// returns, in order — `{ do: 'post', message }`, `{ do: 'opened', conn, url, protocol }`,
/// `{ do: 'closed', conn, code, reason, wasClean }`, `{ do: 'deliver', data }`,
/// `{ do: 'warn', text }` — after the call has returned (no app code runs in here).
#[wasm_bindgen]
pub struct ShareMember {
    member: Member<JsValue>,
}

#[wasm_bindgen]
impl ShareMember {
    /// A member named `tab` whose options have this fingerprint (`Core.settings.share`).
    #[wasm_bindgen(constructor)]
    pub fn new(tab: String, options: String) -> ShareMember {
        ShareMember { member: Member::new(tab, options) }
    }

    /// A new link (the member's engine opened a socket): its number; then the actions.
    pub fn connect(&mut self) -> u32 {
        self.member.connect()
    }

    /// Sends on an open link; `false` (nothing sent) if the link is not open.
    pub fn send(&mut self, conn: u32, data: JsValue) -> bool {
        self.member.send(conn, data).is_ok()
    }

    /// The member's engine closed link `conn`.
    pub fn disconnect(&mut self, conn: u32, code: u16, reason: String) {
        self.member.disconnect(conn, code, &reason);
    }

    /// The app's `reconnect()`.
    pub fn revive(&mut self) {
        self.member.revive();
    }

    /// The app's `close()`.
    pub fn leave(&mut self) {
        self.member.leave();
    }

    /// A message from the channel (anything malformed is ignored).
    pub fn receive(&mut self, message: JsValue) {
        if let Some(wire) = wire_from_js(&message) {
            self.member.receive(wire);
        }
    }

    /// What to do now, in order (empties the list).
    pub fn actions(&mut self) -> Array {
        let actions = Array::new();
        while let Some(output) = self.member.poll_output() {
            let action = match output {
                MemberOutput::Post(wire) => {
                    let o = object("do", "post");
                    set(&o, "message", wire_to_js(wire));
                    o
                }
                MemberOutput::Opened { conn, url, protocol } => {
                    let o = object("do", "opened");
                    set(&o, "conn", conn);
                    set(&o, "url", url);
                    set(&o, "protocol", protocol);
                    o
                }
                MemberOutput::Closed { conn, code, reason, clean } => {
                    let o = object("do", "closed");
                    set(&o, "conn", conn);
                    set(&o, "code", code);
                    set(&o, "reason", reason);
                    set(&o, "wasClean", clean);
                    o
                }
                MemberOutput::Deliver(data) => {
                    let o = object("do", "deliver");
                    set(&o, "data", data);
                    o
                }
                MemberOutput::Warn(text) => {
                    let o = object("do", "warn");
                    set(&o, "text", text);
                    o
                }
                _ => continue,
            };
            actions.push(&action);
        }
        actions
    }
}

/// The JS face's hub, in the leading tab, next to the `ReconnectingWebSocket` that owns the
/// socket. Actions: `{ do: 'post', message }`, `{ do: 'transmit', tab, seq, data }`
/// (send `data` only if it goes out at once, then call `transmitted(tab, seq)`),
/// `{ do: 'reconnect' }`, `{ do: 'check', leaving }` (answer with `membersChecked`),
/// `{ do: 'watch', tab }` (call `memberGone(tab)` once that member's lock is released),
/// `{ do: 'end' }`.
#[wasm_bindgen]
pub struct ShareHub {
    hub: Hub<JsValue>,
}

#[wasm_bindgen]
impl ShareHub {
    /// A hub named `id` (unique), whose socket runs with options of this fingerprint; its
    /// term is [`term_now`].
    #[wasm_bindgen(constructor)]
    pub fn new(id: String, options: String) -> ShareHub {
        ShareHub { hub: Hub::new(id, term_now(), options) }
    }

    /// The socket sent member `tab`'s message `seq` (a `transmit` action).
    pub fn transmitted(&mut self, tab: String, seq: f64) {
        self.hub.transmitted(tab, seq as u64);
    }

    /// A watched member's lock was released.
    #[wasm_bindgen(js_name = memberGone)]
    pub fn member_gone(&mut self, tab: String) {
        self.hub.member_gone(tab);
    }

    /// The socket is ready.
    #[wasm_bindgen(js_name = socketOpened)]
    pub fn socket_opened(&mut self, url: String, protocol: String) {
        self.hub.socket_opened(url, protocol);
    }

    /// The socket's `close` event: `willRetry`, and for a stop its `kind` and `hint`.
    #[wasm_bindgen(js_name = socketClosed)]
    pub fn socket_closed(
        &mut self,
        code: u16,
        reason: String,
        clean: bool,
        will_retry: bool,
        kind: String,
        hint: String,
    ) {
        let kind = CloseKind::ALL.into_iter().find(|k| k.as_str() == kind).unwrap_or(CloseKind::Other);
        let stopped = (!will_retry).then_some((kind, hint.as_str()));
        self.hub.socket_closed(code, &reason, clean, stopped);
    }

    /// The socket is connecting again.
    #[wasm_bindgen(js_name = socketConnecting)]
    pub fn socket_connecting(&mut self) {
        self.hub.socket_connecting();
    }

    /// A message from the channel (anything malformed is ignored).
    pub fn receive(&mut self, message: JsValue) {
        if let Some(wire) = wire_from_js(&message) {
            self.hub.receive(wire);
        }
    }

    /// The answer to a `check` action: whether any other member is still there.
    #[wasm_bindgen(js_name = membersChecked)]
    pub fn members_checked(&mut self, any_left: bool) {
        self.hub.members_checked(any_left);
    }

    /// What to do now, in order (empties the list).
    pub fn actions(&mut self) -> Array {
        let actions = Array::new();
        while let Some(output) = self.hub.poll_output() {
            let action = match output {
                HubOutput::Post(wire) => {
                    let o = object("do", "post");
                    set(&o, "message", wire_to_js(wire));
                    o
                }
                HubOutput::Transmit { tab, seq, data } => {
                    let o = object("do", "transmit");
                    set(&o, "tab", tab);
                    set(&o, "seq", seq as f64);
                    set(&o, "data", data);
                    o
                }
                HubOutput::WatchMember { tab } => {
                    let o = object("do", "watch");
                    set(&o, "tab", tab);
                    o
                }
                HubOutput::Reconnect => object("do", "reconnect"),
                HubOutput::CheckMembers { leaving } => {
                    let o = object("do", "check");
                    set(&o, "leaving", leaving);
                    o
                }
                HubOutput::End => object("do", "end"),
                _ => continue,
            };
            actions.push(&action);
        }
        actions
    }
}
