//! The page's hints: online/offline, visibility, and the back/forward cache.

use std::rc::Weak;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventTarget, PageTransitionEvent};

use crate::driver::{Driver, DriverCell};

type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// Listeners on `window` and `document`, removed when dropped.
pub(crate) struct PageListeners {
    attached: Vec<(EventTarget, &'static str, Listener)>,
}

impl PageListeners {
    /// Attaches the listeners; `None` outside a browser page (Node, workers).
    pub(crate) fn attach(driver: &Weak<DriverCell>) -> Option<PageListeners> {
        let window = web_sys::window()?;
        let document = window.document()?;
        let mut attached = Vec::new();
        let mut listen = |target: &EventTarget, name: &'static str, on: fn(&Weak<DriverCell>, web_sys::Event)| {
            let weak = driver.clone();
            let listener: Listener = Closure::new(move |event| on(&weak, event));
            let _ = target.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            attached.push((target.clone(), name, listener));
        };
        listen(&window, "online", |d, _| Driver::act_weak(d, |e, now| e.network_changed(now, true)));
        listen(&window, "offline", |d, _| Driver::act_weak(d, |e, now| e.network_changed(now, false)));
        listen(&document, "visibilitychange", |d, _| {
            let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|doc| doc.hidden());
            Driver::act_weak(d, |e, now| e.visibility_changed(now, hidden));
        });
        listen(&window, "pagehide", |d, event| {
            let persisted = event.unchecked_ref::<PageTransitionEvent>().persisted();
            Driver::act_weak(d, |e, now| e.page_hidden(now, persisted));
        });
        listen(&window, "pageshow", |d, event| {
            let persisted = event.unchecked_ref::<PageTransitionEvent>().persisted();
            Driver::act_weak(d, |e, now| e.page_shown(now, persisted));
        });
        Some(PageListeners { attached })
    }
}

impl Drop for PageListeners {
    fn drop(&mut self) {
        for (target, name, listener) in &self.attached {
            let _ = target.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}
