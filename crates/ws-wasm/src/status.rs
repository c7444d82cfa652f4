//! The status model for JS renderers: what `Core.statusView(grace)` returns. The model
//! itself ([`ws_core::StatusTracker`]) lives in the engine crate, so the Leptos widget and
//! `<rebound-status>` render the same thing.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use ws_core::{StatusView, DEFAULT_GRACE_MS, MAX_DURATION_MS};

use crate::errors::ErrorKind;
use crate::options::option_error;

/// The `grace` argument: `undefined` → [`DEFAULT_GRACE_MS`], else a number of ms ≥ 0 (a
/// `TypeError`/`RangeError` naming `grace` otherwise).
pub(crate) fn grace(value: &JsValue) -> Result<u64, JsValue> {
    if value.is_undefined() {
        return Ok(DEFAULT_GRACE_MS);
    }
    match value.as_f64() {
        Some(ms) if (0.0..=MAX_DURATION_MS).contains(&ms) => Ok((ms + 0.5) as u64),
        Some(_) => Err(option_error(ErrorKind::Range, "grace", value, "must be a number of ms from 0 to 2147483647")),
        None => Err(option_error(ErrorKind::Type, "grace", value, "must be a number")),
    }
}

/// The view as a plain object with the `StatusView` fields of `index.d.ts`.
pub(crate) fn view_object(view: &StatusView) -> Object {
    let object = Object::new();
    let optional = |value: Option<u64>| value.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64));
    let fields: [(&str, JsValue); 10] = [
        ("state", view.indicator.as_str().into()),
        ("icon", view.indicator.icon().into()),
        ("text", view.text.as_str().into()),
        ("spoken", view.spoken.as_str().into()),
        ("reason", view.reason.as_deref().map_or(JsValue::NULL, JsValue::from)),
        ("attempt", view.attempt.into()),
        ("maxAttempts", optional(view.max_attempts.map(u64::from))),
        ("retryAt", optional(view.retry_at)),
        ("retry", view.retry.as_str().into()),
        ("recheckIn", optional(view.recheck_in)),
    ];
    for (key, value) in fields {
        let _ = Reflect::set(&object, &key.into(), &value);
    }
    object
}
