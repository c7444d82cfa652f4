//! One browser socket and the handlers attached to it, detached and dropped together.

use std::cell::Cell;
use std::rc::Weak;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use ws_core::ConnId;

use crate::driver::{Driver, DriverCell};

#[wasm_bindgen]
extern "C" {
    /// Anything with a `send(data)` method: the browser's socket or the `ws` package's.
    type Sender;
    /// `socket.send(data)` for any payload type (string, ArrayBuffer, Blob, view).
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send_any(this: &Sender, data: &JsValue) -> Result<(), JsValue>;
}

thread_local! {
    static LIVE_HANDLERS: Cell<u32> = const { Cell::new(0) };
}

/// Socket event handlers currently alive (attached to some socket). Stays flat across any
/// number of reconnects: each replaced socket's handlers are detached and dropped.
pub fn live_handlers() -> u32 {
    LIVE_HANDLERS.with(Cell::get)
}

type Handler = Closure<dyn FnMut(JsValue)>;

/// The socket the driver owns, numbered like the engine's connection.
pub(crate) struct SocketSlot {
    pub(crate) ws: WebSocket,
    pub(crate) conn: ConnId,
    /// Kept alive while attached; detached in `drop`.
    handlers: Vec<Handler>,
}

impl SocketSlot {
    /// Attaches open/close/error handlers (and a message handler when Rust receives the
    /// messages) that report to the driver behind `driver`.
    pub(crate) fn attach(ws: WebSocket, conn: ConnId, driver: &Weak<DriverCell>, messages_in_rust: bool) -> Self {
        let handler = |report: fn(&Weak<DriverCell>, ConnId, JsValue)| -> Handler {
            let weak = driver.clone();
            Closure::new(move |event: JsValue| report(&weak, conn, event))
        };
        let mut handlers = vec![
            handler(|d, conn, _| Driver::socket_opened(d, conn)),
            handler(|d, conn, event| Driver::socket_closed(d, conn, event.unchecked_ref::<CloseEvent>())),
            handler(|d, conn, _| Driver::socket_error(d, conn)),
        ];
        ws.set_onopen(Some(handlers[0].as_ref().unchecked_ref()));
        ws.set_onclose(Some(handlers[1].as_ref().unchecked_ref()));
        ws.set_onerror(Some(handlers[2].as_ref().unchecked_ref()));
        if messages_in_rust {
            let on_message =
                handler(|d, conn, event| Driver::socket_message(d, conn, event.unchecked_into::<MessageEvent>()));
            ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            handlers.push(on_message);
        }
        LIVE_HANDLERS.with(|n| n.set(n.get() + handlers.len() as u32));
        SocketSlot { ws, conn, handlers }
    }

    pub(crate) fn send(&self, data: &JsValue) {
        // Browsers only throw while CONNECTING, which the engine never sends in; a socket
        // that is closing discards silently, as the close that follows will report.
        let _ = self.ws.unchecked_ref::<Sender>().send_any(data);
    }

    pub(crate) fn close(&self, code: u16, reason: &str) {
        // A code or reason the browser refuses must not leave the connection open.
        if self.ws.close_with_code_and_reason(code, reason).is_err() {
            let _ = self.ws.close();
        }
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        // Whatever dropped the slot, the connection goes with it (a no-op once closing).
        if self.ws.ready_state() <= WebSocket::OPEN {
            let _ = self.ws.close();
        }
        self.ws.set_onopen(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        if self.handlers.len() > 3 {
            self.ws.set_onmessage(None);
        }
        LIVE_HANDLERS.with(|n| n.set(n.get().saturating_sub(self.handlers.len() as u32)));
    }
}
