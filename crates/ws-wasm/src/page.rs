//! The page's hints for the Rust face: listeners on `window`/`document` for the events
//! [`Hint::EVENTS`] names, removed when dropped.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventTarget, PageTransitionEvent};
use ws_core::{Hint, PageFacts};

type Listener = Closure<dyn FnMut(web_sys::Event)>;

pub(crate) struct PageListeners {
    attached: Vec<(EventTarget, &'static str, Listener)>,
}

impl PageListeners {
    /// Attaches the listeners, reporting each hint to `report`; `None` outside a page.
    pub(crate) fn attach(report: Rc<dyn Fn(Hint)>) -> Option<PageListeners> {
        let window = web_sys::window()?;
        let document = window.document()?;
        let mut attached = Vec::new();
        for (name, on_document) in Hint::EVENTS {
            let target: EventTarget = if on_document { document.clone().into() } else { window.clone().into() };
            let report = report.clone();
            let document = document.clone();
            let listener: Listener = Closure::new(move |event: web_sys::Event| {
                let persisted = event.dyn_ref::<PageTransitionEvent>().is_some_and(PageTransitionEvent::persisted);
                let page = PageFacts { hidden: document.hidden(), persisted };
                if let Some(hint) = Hint::from_event(&event.type_(), page) {
                    report(hint);
                }
            });
            let _ = target.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            attached.push((target, name, listener));
        }
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
