//! Timers for the Rust face that background tabs do not stretch: a deadline already due runs
//! in a task of its own (a message to ourselves), not in `setTimeout(0)`, which a hidden tab
//! delays to a second or more (Firefox: every timer; Chromium: chained ones).

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageChannel;

/// Runs `callback` in a later task (see the module docs).
pub(crate) fn next_task(callback: impl FnOnce() + 'static) {
    let Ok(channel) = MessageChannel::new() else { return };
    let port = channel.port1();
    let kept = port.clone();
    let run = Closure::once_into_js(move |_: JsValue| {
        kept.set_onmessage(None);
        kept.close();
        callback();
    });
    port.set_onmessage(Some(run.unchecked_ref()));
    let _ = channel.port2().post_message(&JsValue::UNDEFINED);
}

/// A one-shot timer, cancelled when dropped: `setTimeout` for a delay, a task when due now.
pub(crate) enum Timer {
    /// Held only to be dropped: dropping a `Timeout` clears it.
    Later(#[allow(dead_code)] Timeout),
    /// Set when dropped: the task then does nothing.
    Now(Rc<Cell<bool>>),
}

impl Timer {
    /// Calls `callback` after `delay_ms` (in the next task for 0), unless dropped first.
    pub(crate) fn new(delay_ms: u32, callback: impl FnOnce() + 'static) -> Timer {
        if delay_ms > 0 {
            return Timer::Later(Timeout::new(delay_ms, callback));
        }
        let cancelled = Rc::new(Cell::new(false));
        let seen = cancelled.clone();
        next_task(move || {
            if !seen.get() {
                callback();
            }
        });
        Timer::Now(cancelled)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Timer::Now(cancelled) = self {
            cancelled.set(true);
        }
    }
}
