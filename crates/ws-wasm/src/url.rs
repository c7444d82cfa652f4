//! Socket URLs: relative URLs resolved against the page, http(s) mapped to ws(s), and
//! mixed content refused.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::Url;

fn error(name: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name(name);
    error.into()
}

/// The page's URL, if there is a page.
fn page_href() -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    Reflect::get(&location, &"href".into()).ok()?.as_string()
}

/// Resolves and checks a socket URL. Errors are JS errors ready to throw: `SyntaxError`
/// for a malformed URL or a scheme other than ws/wss/http/https, `SecurityError` for a
/// `ws://` URL on an `https://` page (refused rather than silently upgraded: a different
/// scheme may well be a different server).
pub(crate) fn resolve_url(input: &str) -> Result<String, JsValue> {
    let page = page_href();
    let parsed = match &page {
        Some(base) => Url::new_with_base(input, base),
        None => Url::new(input),
    }
    .map_err(|_| {
        // Never echo a query string: tokens live there.
        let shown = input.split(['?', '#']).next().unwrap_or_default();
        error("SyntaxError", &["invalid WebSocket URL: ", shown].concat())
    })?;
    match parsed.protocol().as_str() {
        "ws:" | "wss:" => {}
        "http:" => parsed.set_protocol("ws:"),
        "https:" => parsed.set_protocol("wss:"),
        other => {
            return Err(error("SyntaxError", &["unsupported URL scheme ", other, " (use ws: or wss:)"].concat()));
        }
    }
    if parsed.protocol() == "ws:" && page.is_some_and(|p| p.starts_with("https:")) {
        return Err(error("SecurityError", "mixed content: a ws:// URL on an https:// page is blocked; use wss://"));
    }
    parsed.set_hash("");
    Ok(parsed.href())
}
