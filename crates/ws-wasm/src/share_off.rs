//! `ShareLink` without the `share` feature: a type with no values, so every path of the Rust
//! face that uses a link compiles to nothing and the app's wasm carries none of `share`.

use wasm_bindgen::JsValue;
use web_sys::WebSocket;

/// No link exists without the `share` feature.
pub(crate) enum ShareLink {}

impl ShareLink {
    pub(crate) fn on_dropped(&self, _: impl Fn(JsValue, bool) + 'static) {
        match *self {}
    }

    pub(crate) fn others_reply(&self, _: u64) -> bool {
        match *self {}
    }

    pub(crate) fn open_socket(&self, _: &str) -> WebSocket {
        match *self {}
    }

    pub(crate) fn revive(&self) {
        match *self {}
    }

    pub(crate) fn leave(&self) {
        match *self {}
    }
}
