//! What tabs say on the `share` channel, as plain objects with named fields (so tabs running
//! either face understand each other), and reading `navigator.locks.query()`. Used by the
//! Rust face's `share_link` and by the JS face's `share_js`; not in the main npm wasm.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use ws_core::share::{HeldLock, Wire};

pub(crate) fn set(target: &Object, name: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &name.into(), &value.into());
}

pub(crate) fn object(kind: &str, tag: &str) -> Object {
    let object = Object::new();
    set(&object, kind, tag);
    object
}

/// The locks `navigator.locks.query()` reported held (`snapshot.held`), each as its name,
/// whether it is exclusive, and its client id; anything malformed is left out.
pub fn held_locks(snapshot: &JsValue) -> Vec<(String, bool, String)> {
    let get = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let held = get(snapshot, "held");
    if !Array::is_array(&held) {
        return Vec::new();
    }
    let lock = |lock: JsValue| {
        Some((
            get(&lock, "name").as_string()?,
            get(&lock, "mode").as_string()? == "exclusive",
            get(&lock, "clientId").as_string().unwrap_or_default(),
        ))
    };
    Array::from(&held).iter().filter_map(lock).collect()
}

/// [`held_locks`] as the policy reads them.
pub fn as_held(locks: &[(String, bool, String)]) -> Vec<HeldLock<'_>> {
    locks.iter().map(|(name, exclusive, client)| HeldLock { name, exclusive: *exclusive, client }).collect()
}

/// A channel message as a plain object: `{ t: 'hello', tab, conn, options, ids }` and so on.
pub fn wire_to_js(wire: Wire<JsValue>) -> JsValue {
    let o;
    match wire {
        Wire::Hello { tab, conn, options, ids } => {
            o = object("t", "hello");
            set(&o, "tab", tab);
            set(&o, "conn", conn);
            set(&o, "options", options);
            set(&o, "ids", ids as f64);
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
        Wire::Ids { ids } => {
            o = object("t", "ids");
            set(&o, "ids", ids as f64);
        }
        Wire::Leave { tab } => {
            o = object("t", "leave");
            set(&o, "tab", tab);
        }
        Wire::Revive { tab } => {
            o = object("t", "revive");
            set(&o, "tab", tab);
        }
        Wire::Leader { hub } => {
            o = object("t", "leader");
            set(&o, "hub", hub);
        }
        Wire::Open { to, conn, hub, epoch, url, protocol } => {
            o = object("t", "open");
            set(&o, "to", to);
            set(&o, "conn", conn);
            set(&o, "hub", hub);
            set(&o, "epoch", epoch);
            set(&o, "url", url);
            set(&o, "protocol", protocol);
        }
        Wire::Message { hub, data } => {
            o = object("t", "message");
            set(&o, "hub", hub);
            set(&o, "data", data);
        }
        Wire::Ack { hub, to, seq } => {
            o = object("t", "ack");
            set(&o, "hub", hub);
            set(&o, "to", to);
            set(&o, "seq", seq as f64);
        }
        Wire::Close { to, conn, code, reason, clean, hub } => {
            o = object("t", "close");
            set(&o, "hub", hub);
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
        Wire::Mismatch { hub, to, options } => {
            o = object("t", "mismatch");
            set(&o, "hub", hub);
            set(&o, "to", to);
            set(&o, "options", options);
        }
        _ => return JsValue::UNDEFINED,
    }
    o.into()
}

/// A channel message back from a plain object; `None` for anything malformed (a field
/// missing or of another type: another library on the same channel name, a hand-made post):
/// ignored and counted, never a panic. Other releases never get here: the channel's name
/// carries [`ws_core::share::VERSION`].
pub fn wire_from_js(value: &JsValue) -> Option<Wire<JsValue>> {
    let field = |name: &str| Reflect::get(value, &name.into()).ok().filter(|v| !v.is_undefined());
    let text = |name: &str| field(name)?.as_string();
    let whole = |value: JsValue| value.as_f64().filter(|n| *n >= 0.0 && (*n as u64) as f64 == *n);
    let small = |name: &str| whole(field(name)?).filter(|n| *n <= u32::MAX as f64).map(|n| n as u32);
    let big = |name: &str| whole(field(name)?).map(|n| n as u64);
    if !value.is_object() {
        return None;
    }
    Some(match text("t")?.as_str() {
        "hello" => Wire::Hello { tab: text("tab")?, conn: small("conn")?, options: text("options")?, ids: big("ids")? },
        "bye" => Wire::Bye { tab: text("tab")?, conn: small("conn")? },
        "send" => Wire::Send {
            tab: text("tab")?,
            conn: small("conn")?,
            hub: text("hub")?,
            epoch: small("epoch")?,
            seq: big("seq")?,
            data: field("data")?,
        },
        "ids" => Wire::Ids { ids: big("ids")? },
        "leave" => Wire::Leave { tab: text("tab")? },
        "revive" => Wire::Revive { tab: text("tab")? },
        "leader" => Wire::Leader { hub: text("hub")? },
        "open" => Wire::Open {
            to: text("to")?,
            conn: small("conn")?,
            hub: text("hub")?,
            epoch: small("epoch")?,
            url: text("url")?,
            protocol: text("protocol")?,
        },
        "message" => Wire::Message { hub: text("hub")?, data: field("data")? },
        "ack" => Wire::Ack { hub: text("hub")?, to: text("to")?, seq: big("seq")? },
        "close" => Wire::Close {
            hub: text("hub")?,
            to: text("to"),
            conn: small("conn"),
            code: small("code").filter(|c| *c <= u16::MAX as u32)? as u16,
            reason: text("reason")?,
            clean: field("wasClean")?.as_bool()?,
        },
        "mismatch" => Wire::Mismatch { hub: text("hub")?, to: text("to")?, options: text("options")? },
        _ => return None,
    })
}
