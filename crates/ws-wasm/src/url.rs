//! Socket URLs: relative URLs resolved against the page, http(s) mapped to ws(s), and
//! mixed content refused. The scheme rule is [`socket_scheme`], for both faces (the JS
//! face's wrapper parses with the platform's `URL` and asks `Core`); the Rust face's
//! resolution is [`resolve_url`].

use alloc::string::String;

use crate::errors::{concat, ErrorKind};
#[cfg(feature = "rust-api")]
use {crate::errors::js_error, js_sys::Reflect, wasm_bindgen::prelude::*};

/// The scheme a socket URL takes, given the scheme the URL parser found (`protocol`, with
/// its colon) and whether the page is `https:`: ws/wss as they are, http(s) as ws(s). A
/// `SyntaxError` for any other scheme; a `SecurityError` for `ws:` on an https page (refused
/// rather than silently upgraded: a different scheme may well be a different server).
pub fn socket_scheme(protocol: &str, page_secure: bool) -> Result<&'static str, (ErrorKind, String)> {
    let scheme = match protocol {
        "ws:" | "http:" => "ws:",
        "wss:" | "https:" => "wss:",
        other => {
            let message = concat(&["rebound-ws: unsupported URL scheme ", other, " (use ws: or wss:)"]);
            return Err((ErrorKind::Syntax, message));
        }
    };
    if scheme == "ws:" && page_secure {
        let message = "rebound-ws: mixed content: a ws:// URL on an https:// page is blocked; use wss://";
        return Err((ErrorKind::Security, message.into()));
    }
    Ok(scheme)
}

#[cfg(feature = "rust-api")]
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
#[cfg(feature = "rust-api")]
fn page_href() -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    Reflect::get(&location, &"href".into()).ok()?.as_string()
}

/// Resolves and checks a socket URL. Errors are JS errors ready to throw: `SyntaxError`
/// for a malformed URL, and [`socket_scheme`]'s. Page-relative and protocol-relative URLs
/// take the page's scheme, so they become `wss://` on an `https://` page.
#[cfg(feature = "rust-api")]
pub fn resolve_url(input: &str) -> Result<String, JsValue> {
    let page = page_href();
    let base = page.as_deref().map_or(JsValue::UNDEFINED, JsValue::from);
    let parsed = Url::parse(input, &base).map_err(|_| {
        // Never echo a query string: tokens live there.
        let end = input.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(input.len());
        let shown = input.get(..end).unwrap_or_default();
        js_error(ErrorKind::Syntax, &concat(&[crate::boundary::INVALID_URL, shown]))
    })?;
    let page_secure = page.is_some_and(|p| p.starts_with("https:"));
    let scheme = socket_scheme(&parsed.protocol(), page_secure).map_err(|(kind, message)| js_error(kind, &message))?;
    parsed.set_protocol(scheme);
    parsed.set_hash("");
    Ok(parsed.href())
}
