//! `share`, set up: whether tabs can share here, the option fingerprint tabs compare, and
//! a JS-face member's settings. The policy itself is [`ws_core::share`]; the channel
//! messages are in `share_wire`, the JS face's `ShareMember`/`ShareHub` in `share_js`.

use alloc::string::String;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use ws_core::share::fingerprint;
use ws_core::Config;
#[cfg(feature = "js-api")]
use {
    crate::options::JsSetup,
    js_sys::Array,
    ws_core::share::{channel_name, member_config},
};

/// Whether tabs can share here: `BroadcastChannel` and Web Locks (`navigator.locks`), on an
/// origin that is not opaque. Elsewhere (Node, browsers before 2022) `share` is accepted and
/// each instance has its own socket; on an opaque origin too, with [`OPAQUE_ORIGIN`] said.
pub fn can_share() -> bool {
    let global = js_sys::global();
    let get = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let navigator = get(&global, "navigator");
    let locks = if navigator.is_object() { get(&navigator, "locks") } else { JsValue::UNDEFINED };
    let apis =
        get(&global, "BroadcastChannel").is_function() && locks.is_object() && get(&locks, "request").is_function();
    apis && !opaque_origin()
}

/// What an instance that asked for `share` on an opaque origin is told (once per page).
pub const OPAQUE_ORIGIN: &str = "rebound-ws: share: this page's origin is opaque (a sandboxed frame without \
allow-same-origin, or a data: URL), where Web Locks refuse every request: this instance opens a socket of its own";

/// Whether this page's origin is opaque (`self.origin` is `"null"`).
pub fn opaque_origin() -> bool {
    Reflect::get(&js_sys::global(), &"origin".into()).ok().and_then(|o| o.as_string()).is_some_and(|o| o == "null")
}

/// The options tabs compare: the engine's socket-level ones and the face's messages.
pub fn share_fingerprint(config: &Config, heartbeat: (&JsValue, &JsValue), verify_message: &JsValue) -> String {
    let text = |v: &JsValue| match v.as_string() {
        Some(s) => s,
        None if v.is_undefined() => String::new(),
        None => String::from("(function)"),
    };
    let mut all = fingerprint(config);
    for (name, value) in [(" ping=", heartbeat.0), (" pong=", heartbeat.1), (" check=", verify_message)] {
        all.push_str(name);
        all.push_str(&text(value));
    }
    all
}

/// A provider-fed member's URL until its link opens (then it reads the shared socket's).
#[cfg(feature = "js-api")]
const MEMBER_URL: &str = "wss://rebound-ws.shared/";

/// Turns the JS face's checked setup into a member's (where tabs can share): the engine
/// runs [`member_config`], the wrapper skips the heartbeat, verification and `shouldReconnect`
/// (the hub runs them), and the settings gain `shareName` (the channel and lock name) and
/// `shareOptions` (the fingerprint tabs compare).
#[cfg(feature = "js-api")]
pub fn member_setup(setup: &mut JsSetup, share: &JsValue, protocols: &JsValue) {
    let settings = &setup.settings;
    let get = |name: &str| Reflect::get(settings, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let options =
        share_fingerprint(&setup.config, (&get("heartbeatMessage"), &get("heartbeatReply")), &get("verifyMessage"));
    let key = share.as_string().unwrap_or_default();
    let list: alloc::vec::Vec<String> = match protocols.as_string() {
        Some(one) => alloc::vec![one],
        None if Array::is_array(protocols) => Array::from(protocols).iter().filter_map(|p| p.as_string()).collect(),
        None => alloc::vec::Vec::new(),
    };
    let list: alloc::vec::Vec<&str> = list.iter().map(String::as_str).collect();
    // A provider's identity is the key alone (`read_js` refused a provider without one).
    let name = channel_name(&key, get("url").as_string().as_deref(), &list);
    if get("url").is_function() {
        // The leading tab's provider gives the socket its URL; members never call, resolve or
        // check one (`Core` opens a member's links without looking at it).
        let _ = Reflect::set(settings, &"url".into(), &MEMBER_URL.into());
    }
    setup.config = member_config(&setup.config);
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(settings, &name.into(), &value);
    };
    set("shareName", name.into());
    set("shareOptions", options.into());
    set("heartbeat", false.into());
    // A link's close is the hub's decision (its engine asked the app's predicate already).
    set("shouldReconnect", JsValue::UNDEFINED);
    for check in ["verify", "verifyMessage", "verifyReply"] {
        set(check, JsValue::UNDEFINED);
    }
}
