//! Errors with messages that name the problem: the kinds and the close check both faces use
//! (no `core::fmt`: it would more than double the npm package's wasm), and, for the Rust face,
//! the JS errors built from them (the JS face's wrapper builds its own from `Core`'s records).

use alloc::string::String;

#[cfg(feature = "rust-api")]
use wasm_bindgen::prelude::*;

#[cfg(feature = "rust-api")]
#[wasm_bindgen]
extern "C" {
    /// The platform's `DOMException` (browsers, Node ≥ 17).
    #[wasm_bindgen(js_name = DOMException)]
    type DomException;
    /// `new DOMException(message, name)`; throws where there is no `DOMException`.
    #[wasm_bindgen(catch, constructor, js_class = "DOMException")]
    fn new(message: &str, name: &str) -> Result<DomException, JsValue>;
}

/// `close(code, reason)` as browsers check it, for both faces: the code 1000 or
/// 3000–4999 (`InvalidAccessError`), the reason at most 123 bytes of UTF-8 (`SyntaxError`).
pub fn close_problem(code: u16, reason: &str) -> Option<(ErrorKind, String)> {
    if code != 1000 && !(3000..=4999).contains(&code) {
        let mut message = String::from("rebound-ws: close code must be 1000 or 3000-4999, got ");
        ws_core::push_decimal(&mut message, code.into());
        return Some((ErrorKind::InvalidAccess, message));
    }
    if reason.len() > 123 {
        return Some((ErrorKind::Syntax, "rebound-ws: close reason must be at most 123 bytes of UTF-8".into()));
    }
    None
}

/// [`close_problem`] as the JS error to throw.
#[cfg(feature = "rust-api")]
pub fn check_close(code: u16, reason: &str) -> Result<(), JsValue> {
    close_problem(code, reason).map_or(Ok(()), |(kind, message)| Err(js_error(kind, &message)))
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

impl ErrorKind {
    /// The JS error's name: `TypeError`, `RangeError`, or the `DOMException` name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Type => "TypeError",
            ErrorKind::Range => "RangeError",
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::InvalidAccess => "InvalidAccessError",
            ErrorKind::Security => "SecurityError",
        }
    }
}

/// Builds the JS error: `TypeError`/`RangeError` as themselves, the rest as `DOMException`s
/// with `WebSocket`'s names (a named `Error` where there is no `DOMException`).
#[cfg(feature = "rust-api")]
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

/// `parts` joined, for messages.
pub fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| text.push_str(p));
    text
}
