//! JS errors built in Rust, with messages that name the problem, and the two text helpers
//! they need (no `core::fmt`: it would more than double the npm package's wasm).

use alloc::string::String;

use js_sys::JsString;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The platform's `DOMException` (browsers, Node ≥ 17).
    #[wasm_bindgen(js_name = DOMException)]
    type DomException;
    /// `new DOMException(message, name)`; throws where there is no `DOMException`.
    #[wasm_bindgen(catch, constructor, js_class = "DOMException")]
    fn new(message: &str, name: &str) -> Result<DomException, JsValue>;
    /// `String(value)`; only called on primitives other than symbols, where it cannot throw
    /// or run app code.
    #[wasm_bindgen(js_name = String)]
    fn primitive_to_string(value: &JsValue) -> JsString;
    /// `Array.isArray(value)`, which throws on a revoked Proxy: declared `catch` so nothing
    /// unwinds through wasm.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_catch(value: &JsValue) -> Result<bool, JsValue>;
}

/// `Array.isArray(value)`; `false` where it throws (a revoked Proxy).
pub fn is_array(value: &JsValue) -> bool {
    is_array_catch(value).unwrap_or(false)
}

/// `close(code, reason)` as browsers check it, for both faces: the code 1000 or
/// 3000–4999 (`InvalidAccessError`), the reason at most 123 bytes of UTF-8 (`SyntaxError`).
pub fn check_close(code: u16, reason: &str) -> Result<(), JsValue> {
    if code != 1000 && !(3000..=4999).contains(&code) {
        let mut message = String::from("rebound-ws: close code must be 1000 or 3000-4999, got ");
        ws_core::push_decimal(&mut message, code.into());
        return Err(js_error(ErrorKind::InvalidAccess, &message));
    }
    if reason.len() > 123 {
        return Err(js_error(ErrorKind::Syntax, "rebound-ws: close reason must be at most 123 bytes of UTF-8"));
    }
    Ok(())
}

/// The kind of JS error to throw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A value of the wrong type.
    Type,
    /// A value out of range.
    Range,
    /// A malformed URL or subprotocol (the `DOMException` name `WebSocket` uses).
    Syntax,
    /// A close code the browser refuses (`DOMException` `InvalidAccessError`).
    InvalidAccess,
    /// Mixed content (`DOMException` `SecurityError`).
    Security,
}

/// Builds the JS error: `TypeError`/`RangeError` as themselves, the rest as `DOMException`s
/// with `WebSocket`'s names (a named `Error` where there is no `DOMException`).
pub fn js_error(kind: ErrorKind, message: &str) -> JsValue {
    let dom_name = match kind {
        ErrorKind::Type => return js_sys::TypeError::new(message).into(),
        ErrorKind::Range => return js_sys::RangeError::new(message).into(),
        ErrorKind::Syntax => "SyntaxError",
        ErrorKind::InvalidAccess => "InvalidAccessError",
        ErrorKind::Security => "SecurityError",
    };
    DomException::new(message, dom_name).map(JsValue::from).unwrap_or_else(|_| {
        let error = js_sys::Error::new(message);
        error.set_name(dom_name);
        error.into()
    })
}

/// `value` as shown in an error message: strings quoted, other primitives as JS prints
/// them, objects, functions and symbols by their kind (converting those could run app code).
pub fn describe(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        let mut shown = String::from("\"");
        shown.push_str(&text);
        shown.push('"');
        return shown;
    }
    if value.is_function() {
        return "a function".into();
    }
    if value.is_symbol() {
        return "a symbol".into();
    }
    if value.is_object() {
        return if is_array(value) { "an array" } else { "an object" }.into();
    }
    primitive_to_string(value).into()
}

/// `parts` joined, for messages.
pub fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| text.push_str(p));
    text
}
