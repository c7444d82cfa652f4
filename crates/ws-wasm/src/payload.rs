//! A message as the engine holds it: the app's value untouched, and its size.

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A message held by the engine: the app's value as is, and its size for the queue limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// The value handed to `socket.send`.
    pub value: JsValue,
    /// Its size: UTF-16 units for strings, bytes for binary data.
    pub len: usize,
}

impl Payload {
    /// Wraps `value`, measuring it once.
    pub fn new(value: JsValue) -> Payload {
        Payload { len: payload_len(&value), value }
    }
}

impl ws_core::Payload for Payload {
    fn byte_len(&self) -> usize {
        self.len
    }
}

/// The size the queue counts: a string's length, else `byteLength` (ArrayBuffer, typed
/// arrays of any element size, DataView), else `size` (Blob).
fn payload_len(value: &JsValue) -> usize {
    if let Some(text) = value.dyn_ref::<JsString>() {
        return text.length() as usize;
    }
    ["byteLength", "size"]
        .iter()
        .find_map(|key| Reflect::get(value, &(*key).into()).ok()?.as_f64())
        .map_or(0, |n| n as usize)
}
