//! A message as the engine holds it: the app's value untouched, and its size.

use js_sys::{Function, JsString, Object, Reflect};
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

/// The size the queue counts: a string's length, else the bytes of binary data as the
/// platform's own getters report them (`ArrayBuffer`, any typed array — whatever its element
/// size —, `DataView`: `byteLength`; `Blob`: `size`). The intrinsic getters are called, so a
/// look-alike's own `byteLength` getter (app code) never runs here; what none of them
/// accepts counts 0.
pub(crate) fn payload_len(value: &JsValue) -> usize {
    if let Some(text) = value.dyn_ref::<JsString>() {
        return text.length() as usize;
    }
    binary_len(value).unwrap_or(0)
}

/// The byte size of binary data by the platform's own getters, `None` for anything else.
fn binary_len(value: &JsValue) -> Option<usize> {
    let global = js_sys::global();
    let prototype =
        |class: &str| Reflect::get(&global, &class.into()).and_then(|c| Reflect::get(&c, &"prototype".into()));
    let typed_array = prototype("Uint8Array").map(|p| Object::get_prototype_of(&p).into());
    [
        (prototype("ArrayBuffer"), "byteLength"),
        (typed_array, "byteLength"),
        (prototype("DataView"), "byteLength"),
        (prototype("Blob"), "size"),
    ]
    .into_iter()
    .filter_map(|(proto, name)| {
        let descriptor =
            Reflect::get_own_property_descriptor(proto.ok()?.unchecked_ref::<Object>(), &name.into()).ok()?;
        Reflect::get(&descriptor, &"get".into()).ok()?.dyn_into::<Function>().ok()
    })
    // `call0` is declared `catch`: a brand check that fails is a caught TypeError.
    .find_map(|getter| getter.call0(value).ok()?.as_f64())
    .map(|n| n as usize)
}
