//! Socket URLs: relative URLs resolved against the page, http(s) mapped to ws(s), and
//! mixed content refused.

use alloc::string::String;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::errors::{concat, js_error, ErrorKind};

#[wasm_bindgen]
extern "C" {
    /// The platform's `URL` (browsers, Node).
    #[wasm_bindgen(js_name = URL)]
    type Url;
    #[wasm_bindgen(catch, constructor, js_class = "URL")]
    fn parse(input: &str, base: &JsValue) -> Result<Url, JsValue>;
    #[wasm_bindgen(method, getter, js_class = "URL")]
    fn protocol(this: &Url) -> String;
    #[wasm_bindgen(method, setter, js_class = "URL")]
    fn set_protocol(this: &Url, protocol: &str);
    #[wasm_bindgen(method, setter, js_class = "URL")]
    fn set_hash(this: &Url, hash: &str);
    #[wasm_bindgen(method, getter, js_class = "URL")]
    fn href(this: &Url) -> String;
}

/// The page's URL, if there is a page.
fn page_href() -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    Reflect::get(&location, &"href".into()).ok()?.as_string()
}

/// Resolves and checks a socket URL. Errors are JS errors ready to throw: `SyntaxError`
/// for a malformed URL or a scheme other than ws/wss/http/https, `SecurityError` for a
/// `ws://` URL on an `https://` page (refused rather than silently upgraded: a different
/// scheme may well be a different server). Page-relative and protocol-relative URLs take
/// the page's scheme, so they become `wss://` on an `https://` page.
pub fn resolve_url(input: &str) -> Result<String, JsValue> {
    let page = page_href();
    let base = page.as_deref().map_or(JsValue::UNDEFINED, JsValue::from);
    let parsed = Url::parse(input, &base).map_err(|_| {
        // Never echo a query string: tokens live there.
        let end = input.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(input.len());
        let shown = input.get(..end).unwrap_or_default();
        js_error(ErrorKind::Syntax, &concat(&["rebound-ws: invalid WebSocket URL: ", shown]))
    })?;
    match parsed.protocol().as_str() {
        "ws:" | "wss:" => {}
        "http:" => parsed.set_protocol("ws:"),
        "https:" => parsed.set_protocol("wss:"),
        other => {
            let message = concat(&["rebound-ws: unsupported URL scheme ", other, " (use ws: or wss:)"]);
            return Err(js_error(ErrorKind::Syntax, &message));
        }
    }
    if parsed.protocol() == "ws:" && page.is_some_and(|p| p.starts_with("https:")) {
        let message = "rebound-ws: mixed content: a ws:// URL on an https:// page is blocked; use wss://";
        return Err(js_error(ErrorKind::Security, message));
    }
    parsed.set_hash("");
    Ok(parsed.href())
}
