//! One browser socket and its handlers, detached and dropped together (Rust face).

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use ws_core::ConnId;

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

/// Socket event handlers currently alive (attached to some socket) in the Rust face. Stays
/// flat across any number of reconnects: each replaced socket's handlers are detached and
/// dropped.
pub fn live_handlers() -> u32 {
    LIVE_HANDLERS.with(Cell::get)
}

/// What a socket reported.
pub(crate) enum SocketInput {
    Opened,
    Closed { code: u16, reason: String, clean: bool },
    Error,
    Message(MessageEvent),
}

/// Where a socket's handlers report, with the socket's number.
pub(crate) type Report = Rc<dyn Fn(ConnId, SocketInput)>;

type Handler = Closure<dyn FnMut(JsValue)>;

/// The socket the driver owns, numbered like the engine's connection.
pub(crate) struct SocketSlot {
    pub(crate) ws: WebSocket,
    pub(crate) conn: ConnId,
    // Kept alive while attached; detached in `drop`.
    on_open: Handler,
    on_close: Handler,
    on_error: Handler,
    on_message: Handler,
}

impl SocketSlot {
    /// Attaches the open/close/error/message handlers, reporting to `report`.
    pub(crate) fn attach(ws: WebSocket, conn: ConnId, report: &Report) -> Self {
        let handler = |read: fn(JsValue) -> SocketInput| -> Handler {
            let report = report.clone();
            Closure::new(move |event: JsValue| report(conn, read(event)))
        };
        let slot = SocketSlot {
            on_open: handler(|_| SocketInput::Opened),
            on_close: handler(|event| {
                let event = event.unchecked_into::<CloseEvent>();
                SocketInput::Closed { code: event.code(), reason: event.reason(), clean: event.was_clean() }
            }),
            on_error: handler(|_| SocketInput::Error),
            on_message: handler(|event| SocketInput::Message(event.unchecked_into())),
            ws,
            conn,
        };
        slot.ws.set_onopen(Some(slot.on_open.as_ref().unchecked_ref()));
        slot.ws.set_onclose(Some(slot.on_close.as_ref().unchecked_ref()));
        slot.ws.set_onerror(Some(slot.on_error.as_ref().unchecked_ref()));
        slot.ws.set_onmessage(Some(slot.on_message.as_ref().unchecked_ref()));
        LIVE_HANDLERS.with(|n| n.set(n.get() + 4));
        slot
    }

    pub(crate) fn send(&self, data: &JsValue) {
        // Browsers only throw while CONNECTING, which the engine never sends in.
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
        self.ws.set_onmessage(None);
        LIVE_HANDLERS.with(|n| n.set(n.get().saturating_sub(4)));
    }
}
