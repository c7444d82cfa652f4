//! `share`, set up: whether tabs can share here (for the Rust face: the JS face's wrapper
//! looks for itself). The policy itself is [`ws_core::share`]; the channel
//! messages are in `share_wire`, the JS face's `ShareMember`/`ShareHub` in `share_js`.

#[cfg(feature = "rust-api")]
use {js_sys::Reflect, wasm_bindgen::prelude::*};

/// Whether tabs can share here: `BroadcastChannel` and Web Locks (`navigator.locks`), on an
/// origin that is not opaque. Elsewhere (Node, browsers before 2022) `share` is accepted and
/// each instance has its own socket; on an opaque origin too, with [`OPAQUE_ORIGIN`] said.
#[cfg(feature = "rust-api")]
pub fn can_share() -> bool {
    let global = js_sys::global();
    let get = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let navigator = get(&global, "navigator");
    let locks = if navigator.is_object() { get(&navigator, "locks") } else { JsValue::UNDEFINED };
    let apis =
        get(&global, "BroadcastChannel").is_function() && locks.is_object() && get(&locks, "request").is_function();
    apis && !opaque_origin()
}

#[cfg(feature = "rust-api")]
pub use crate::boundary::OPAQUE_ORIGIN;

/// Whether this page's origin is opaque (`self.origin` is `"null"`).
#[cfg(feature = "rust-api")]
pub fn opaque_origin() -> bool {
    Reflect::get(&js_sys::global(), &"origin".into()).ok().and_then(|o| o.as_string()).is_some_and(|o| o == "null")
}
