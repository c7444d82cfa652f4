//! The JS face's `ShareMember` and `ShareHub`, which `npm/src/share.js` drives (it owns the
//! `BroadcastChannel`, the Web Locks and the socket look-alikes; every decision comes from
//! [`ws_core::share`]). Exported only with the `js-api` feature: the npm share module
//! (`rebound-share.wasm`) has them, a Rust app's wasm does not.

use alloc::string::String;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use ws_core::share::{
    any_member, channel_name, current_hub, hub_lock, member_lock, with_messages, Hub, HubOutput, Member, MemberOutput,
};
use ws_core::CloseKind;

use crate::share_wire::{as_held, held_locks, object, set, wire_from_js, wire_to_js};

/// `object[name]` (`undefined` if reading it throws).
#[inline(never)]
fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// The JS face's member: `npm/src/share.js` calls it and performs the actions each call
/// returns, in order — `{ do: 'post', message }`, `{ do: 'check' }` (answer with
/// `hubChecked(await navigator.locks.query())`), `{ do: 'opened', conn, url, protocol }`,
/// `{ do: 'closed', conn, code, reason, wasClean }`, `{ do: 'deliver', data }`,
/// `{ do: 'unsent', data }` (report it dropped, after the link's close), `{ do: 'warn', text }`,
/// `{ do: 'block', added, forgotten }` (another member numbers its requests from `added`: a
/// reply whose id is in that block is theirs; the block from `forgotten`, if given, is no
/// longer remembered) — after the call has returned (no app code runs in here).
#[wasm_bindgen]
pub struct ShareMember {
    member: Member<JsValue>,
    name: String,
    options: String,
    malformed: u32,
}

#[wasm_bindgen]
impl ShareMember {
    /// A member named `tab`, numbering its requests from `ids` (`Core.settings.shareIds`).
    /// `setup` (`Core.settings.shareSetup`) is what its group's name and the fingerprint
    /// tabs compare are made of: `{ key, url, protocols, config, ping, pong, check }` — the
    /// share key, the fixed URL (`null`: a provider), the subprotocols (an array),
    /// the engine's part of the fingerprint (`Core.settings.shareConfig`), and the messages
    /// (`undefined`: not a string).
    #[wasm_bindgen(constructor)]
    pub fn new(tab: String, setup: &JsValue, ids: f64) -> ShareMember {
        let text = |name: &str| field(setup, name).as_string();
        let options = with_messages(
            text("config").unwrap_or_default(),
            text("ping").as_deref(),
            text("pong").as_deref(),
            text("check").as_deref(),
        );
        let protocols: alloc::vec::Vec<String> =
            Array::from(&field(setup, "protocols")).iter().filter_map(|p| p.as_string()).collect();
        let list: alloc::vec::Vec<&str> = protocols.iter().map(String::as_str).collect();
        let name = channel_name(&text("key").unwrap_or_default(), text("url").as_deref(), &list);
        ShareMember { member: Member::new(tab, options.clone(), ids as u64), name, options, malformed: 0 }
    }

    /// Its group's name: the channel's and the leader's lock's.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The fingerprint of its options, which the hub compares.
    #[wasm_bindgen(getter)]
    pub fn options(&self) -> String {
        self.options.clone()
    }

    /// The Web Lock this member holds while it is open.
    #[wasm_bindgen(getter)]
    pub fn lock(&self) -> String {
        member_lock(&self.name, self.member.tab())
    }

    /// The hub this member follows (server messages in its name are dispatched), if any.
    #[wasm_bindgen(getter)]
    pub fn hub(&self) -> Option<String> {
        self.member.hub().map(String::from)
    }

    /// Channel messages ignored: malformed, or in the name of a hub not followed.
    #[wasm_bindgen(getter)]
    pub fn ignored(&self) -> f64 {
        self.member.ignored() as f64 + f64::from(self.malformed)
    }

    /// A new link (the member's engine opened a socket): its number; then the actions.
    pub fn connect(&mut self) -> u32 {
        self.member.connect()
    }

    /// Sends on an open link; `false` (nothing sent) if the link is not open. Until the hub
    /// acknowledges it, its `bytes` (its size as the engine's queue counts it) count in
    /// `bufferedAmount`.
    pub fn send(&mut self, conn: u32, data: JsValue, bytes: f64) -> bool {
        self.member.send(conn, data, bytes as usize).is_ok()
    }

    /// The sizes of the sends the hub has not acknowledged, added up: the look-alike's
    /// `bufferedAmount` (a leading tab that takes no sends congests this member's engine).
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> f64 {
        self.member.buffered_amount() as f64
    }

    /// The member's engine closed link `conn`.
    pub fn disconnect(&mut self, conn: u32, code: u16, reason: String) {
        self.member.disconnect(conn, code, &reason);
    }

    /// The app's `reconnect()`.
    pub fn revive(&mut self) {
        self.member.revive();
    }

    /// Send `seq` could not be posted (the channel refused its value): forget it.
    pub fn forget(&mut self, seq: f64) {
        self.member.forget(seq as u64);
    }

    /// The app's `close()`.
    pub fn leave(&mut self) {
        self.member.leave();
    }

    /// A message from the channel (anything malformed is ignored and counted).
    pub fn receive(&mut self, message: JsValue) {
        match wire_from_js(&message) {
            Some(wire) => self.member.receive(wire),
            None => self.malformed += 1,
        }
    }

    /// The answer to a `check` action: the lock manager's `query()` result (anything else,
    /// e.g. the error of a failed query, reads as "no hub leads now": asked again later).
    #[wasm_bindgen(js_name = hubChecked)]
    pub fn hub_checked(&mut self, snapshot: JsValue) {
        let locks = held_locks(&snapshot);
        let leading = current_hub(&self.name, &as_held(&locks)).map(String::from);
        self.member.hub_checked(leading);
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
                MemberOutput::CheckHub => object("do", "check"),
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
                MemberOutput::Unsent(data) => {
                    let o = object("do", "unsent");
                    set(&o, "data", data);
                    o
                }
                MemberOutput::Warn(text) => {
                    let o = object("do", "warn");
                    set(&o, "text", text);
                    o
                }
                MemberOutput::OthersBlock { added, forgotten } => {
                    let o = object("do", "block");
                    set(&o, "added", added as f64);
                    if let Some(first) = forgotten {
                        set(&o, "forgotten", first as f64);
                    }
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
/// socket; `share.js` starts it once it holds the leader's lock and then the hub's own
/// (`lock`). Actions: `{ do: 'post', message }`, `{ do: 'transmit', tab, seq, data }` (send
/// `data` only if it goes out at once, then call `transmitted(tab, seq, bytes)` with what it
/// added to `bufferedAmount`; read `bufferedAmount` into `drained` while `awaitingDrain`:
/// `drainTaskReads` times in the next task, then after `nextReadIn(now)` ms), `{ do: 'reconnect' }`, `{ do: 'check', leaving }` (answer with
/// `membersChecked(await navigator.locks.query(), leaving)`), `{ do: 'watch', lock }` (call
/// `memberGone(tab)` once that lock is released), `{ do: 'end' }`.
#[wasm_bindgen]
pub struct ShareHub {
    hub: Hub<JsValue>,
    name: String,
}

#[wasm_bindgen]
impl ShareHub {
    /// A hub named `id` (unique) of the group `name`, whose socket runs with options of this
    /// fingerprint.
    #[wasm_bindgen(constructor)]
    pub fn new(id: String, options: String, name: String) -> ShareHub {
        ShareHub { hub: Hub::new(id, options), name }
    }

    /// The Web Lock to hold (after the leader's) before the hub starts, until it ends.
    #[wasm_bindgen(js_name = lockFor)]
    pub fn lock_for(name: &str, id: &str) -> String {
        hub_lock(name, id)
    }

    /// While `awaitingDrain`, in how many ms from `now` (`performance.now()`) to read the
    /// socket's buffer again, after the reads in the next task (`Hub::next_read_in`).
    #[wasm_bindgen(js_name = nextReadIn)]
    pub fn next_read_in(&self, now: f64) -> f64 {
        self.hub.next_read_in(now.max(0.0) as u64) as f64
    }

    /// How many times to read the socket's buffer in the next task while `awaitingDrain`.
    #[wasm_bindgen(js_name = drainTaskReads)]
    pub fn drain_task_reads() -> u32 {
        ws_core::share::DRAIN_TASK_READS
    }

    /// Whether sends wait for the socket's buffer to drain (see `drained`).
    #[wasm_bindgen(getter, js_name = awaitingDrain)]
    pub fn awaiting_drain(&self) -> bool {
        self.hub.awaiting_drain()
    }

    /// The socket sent member `tab`'s message `seq` (a `transmit` action), adding `bytes` to
    /// its `bufferedAmount`.
    pub fn transmitted(&mut self, tab: String, seq: f64, bytes: f64) {
        self.hub.transmitted(tab, seq as u64, bytes.max(0.0) as u64);
    }

    /// The socket's `bufferedAmount` at `now` (`performance.now()`, ms): what has left it
    /// long enough ago is acknowledged (`ws_core::share::ACK_SETTLE_MS`).
    pub fn drained(&mut self, now: f64, buffered: f64) {
        self.hub.drained(now.max(0.0) as u64, buffered.max(0.0) as u64);
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

    /// The socket's `close` event, as the wrapper dispatched it (`code`, `reason`,
    /// `wasClean`, `willRetry`, and for a stop its `kind` and `hint`).
    #[wasm_bindgen(js_name = socketClosed)]
    pub fn socket_closed(&mut self, event: JsValue) {
        let get = |name: &str| Reflect::get(&event, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let code = get("code").as_f64().unwrap_or(1006.0) as u16;
        let kind = get("kind").as_string().unwrap_or_default();
        let kind = CloseKind::ALL.into_iter().find(|k| k.as_str() == kind).unwrap_or(CloseKind::Other);
        let hint = get("hint").as_string().unwrap_or_default();
        let stopped = (!get("willRetry").is_truthy()).then_some((kind, hint.as_str()));
        let reason = get("reason").as_string().unwrap_or_default();
        self.hub.socket_closed(code, &reason, get("wasClean").is_truthy(), stopped);
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

    /// The answer to a `check` action: the lock manager's `query()` result and the
    /// action's `leaving`.
    #[wasm_bindgen(js_name = membersChecked)]
    pub fn members_checked(&mut self, snapshot: JsValue, leaving: String) {
        let locks = held_locks(&snapshot);
        self.hub.members_checked(any_member(&self.name, &leaving, &as_held(&locks)));
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
                    set(&o, "lock", member_lock(&self.name, &tab));
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
