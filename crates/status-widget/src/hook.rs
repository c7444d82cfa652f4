//! `use_rebound`: a Rebound socket owned by the current Leptos component.

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use ws_wasm::ws_core::{SendStatus, Stats};
use ws_wasm::{Options, Refused, Socket, SocketEvent};

use crate::status::Status;

/// Signals and actions for one Rebound socket. `Copy`: pass it to child components freely.
/// The socket is closed and every handler, timer and listener dropped when the component
/// that called [`use_rebound`] unmounts.
#[derive(Clone, Copy)]
pub struct Rebound {
    /// What the connection is doing, for [`crate::ConnectionStatus`] or your own UI.
    pub status: ReadSignal<Status>,
    /// The last text message received.
    pub last_message: ReadSignal<Option<String>>,
    /// The latest socket event (see [`use_rebound_with`] to see every one).
    pub last_event: ReadSignal<Option<SocketEvent>, LocalStorage>,
    socket: StoredValue<Option<Socket>, LocalStorage>,
}

impl Rebound {
    /// Sends (or queues while reconnecting) a message. After the owning component
    /// unmounted, the message is reported dropped (`closed`) instead of panicking.
    pub fn send(&self, data: impl Into<JsValue>) -> Result<SendStatus, Refused> {
        let data = data.into();
        self.socket
            .try_with_value(|socket| socket.as_ref().map(|s| s.send(data)))
            .flatten()
            .unwrap_or(Ok(SendStatus::Dropped(ws_wasm::ws_core::DropReason::Closed)))
    }

    /// Closes the connection; it stays closed until [`Rebound::reconnect`].
    pub fn close(&self) {
        self.socket.try_with_value(|socket| socket.as_ref().map(|s| s.close(1000, "")));
    }

    /// Connects again now, resetting the retry count.
    pub fn reconnect(&self) {
        self.socket.try_with_value(|socket| socket.as_ref().map(Socket::reconnect));
    }

    /// The socket's counters (attempts, messages, RTT, …); defaults after unmount.
    pub fn stats(&self) -> Stats {
        self.socket.try_with_value(|socket| socket.as_ref().and_then(|s| s.stats().ok())).flatten().unwrap_or_default()
    }

    /// The browser `WebSocket` in use now, if one is open or opening (`None` on the server,
    /// after unmount, and between attempts): read on call, not a signal. With `share`, a
    /// follower's is a look-alike of the leading tab's. For reading; the hook owns its
    /// handlers.
    pub fn websocket(&self) -> Option<web_sys::WebSocket> {
        self.socket.try_with_value(|socket| socket.as_ref().and_then(|s| s.websocket().ok().flatten())).flatten()
    }

    /// Messages waiting in the queue, and their bytes.
    pub fn queued(&self) -> (usize, usize) {
        self.socket.try_with_value(|socket| socket.as_ref().and_then(|s| s.queued().ok())).flatten().unwrap_or_default()
    }
}

/// Opens a Rebound socket to `url` for the current component.
///
/// An invalid URL does not panic: the status shows `error` with the reason. With
/// `Options::share`, components (and tabs, Rust or JS) with the same URL and key use one
/// socket: `Options { share: Some("chat".into()), ..Options::default() }`.
///
/// ```no_run
/// use leptos::prelude::*;
/// use status_widget::{use_rebound, ConnectionStatus};
///
/// #[component]
/// fn Chat() -> impl IntoView {
///     let rebound = use_rebound("/ws", ws_wasm::Options::default());
///     view! {
///         <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/>
///         <p>{move || rebound.last_message.get()}</p>
///         <button on:click=move |_| { let _ = rebound.send("hello"); }>"Send"</button>
///     }
/// }
/// ```
pub fn use_rebound(url: &str, options: Options) -> Rebound {
    use_rebound_with(url, options, |_| {})
}

/// Like [`use_rebound`], and also calls `on_event` with every socket event as it happens
/// (signals only keep the latest value, so a burst — a close then a state change — would
/// otherwise show only its last event).
///
/// In a server render (an SSR app's server, any non-wasm target) nothing connects and no
/// browser API is touched: the status is the engine's first state (`connecting`), which is
/// what the browser shows while it hydrates and connects, so the two renders agree.
pub fn use_rebound_with(url: &str, options: Options, on_event: impl Fn(&SocketEvent) + 'static) -> Rebound {
    let (status, set_status) = signal(Status::new(options.config.max_retries()));
    let (last_message, set_last_message) = signal(None::<String>);
    let (last_event, set_last_event) = signal_local(None::<SocketEvent>);
    #[cfg(target_arch = "wasm32")]
    let socket = {
        let set = browser::Setters { status: set_status, last_message: set_last_message, last_event: set_last_event };
        browser::open(url, options, on_event, set, status)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let socket = {
        let _ = (url, on_event, set_last_message, set_last_event);
        server::first_state(&options, set_status);
        StoredValue::new_local(None)
    };
    Rebound { status, last_message, last_event, socket }
}

/// The browser: the socket, its events into the signals, released on unmount.
#[cfg(target_arch = "wasm32")]
mod browser {
    use super::*;
    use gloo_timers::callback::Interval;
    use wasm_bindgen::JsCast;
    use ws_wasm::ws_core::{CloseInfo, CloseKind, State};

    use crate::component::performance_now;

    /// Where the hook writes.
    #[derive(Clone, Copy)]
    pub(super) struct Setters {
        pub status: WriteSignal<Status>,
        pub last_message: WriteSignal<Option<String>>,
        pub last_event: WriteSignal<Option<SocketEvent>, LocalStorage>,
    }

    pub(super) fn open(
        url: &str,
        options: Options,
        on_event: impl Fn(&SocketEvent) + 'static,
        set: Setters,
        status: ReadSignal<Status>,
    ) -> StoredValue<Option<Socket>, LocalStorage> {
        let connected = Socket::connect(url, options, move |event| {
            match &event {
                SocketEvent::State(state) => set.status.update(|s| s.state_changed(performance_now(), *state)),
                SocketEvent::Closed(info) => set.status.update(|s| s.closed(info)),
                SocketEvent::Message(message) => {
                    if let Some(text) = message.data().as_string() {
                        set.last_message.set(Some(text));
                    }
                }
                _ => {}
            }
            on_event(&event);
            set.last_event.set(Some(event));
        });
        let socket = match connected {
            Ok(socket) => Some(socket),
            Err(error) => {
                // Shown as a close that stopped for good, with the error's message as the reason.
                let reason = error.unchecked_into::<js_sys::Error>().message().as_string().unwrap_or_default();
                let kind = CloseKind::Unreachable;
                set.status.update(|s| {
                    s.closed(&CloseInfo::stopped(kind, 1006, &reason));
                    s.state_changed(performance_now(), State::Failed { kind, retries_exhausted: false });
                });
                None
            }
        };
        if let Some(Ok(state)) = socket.as_ref().map(Socket::state) {
            set.status.update(|s| s.state_changed(performance_now(), state));
        }
        let socket = StoredValue::new_local(socket);
        // The round-trip time changes without an event: refresh it once a second.
        let refresh = Interval::new(1_000, move || {
            let rtt = socket.try_with_value(|s| s.as_ref().and_then(|s| s.stats().ok()?.rtt_ms)).flatten();
            if status.try_with_untracked(|s| s.rtt_ms != rtt) == Some(true) {
                set.status.update(|s| s.rtt_ms = rtt);
            }
        });
        let refresh = StoredValue::new_local(Some(refresh));
        on_cleanup(move || {
            refresh.dispose();
            socket.dispose();
        });
        socket
    }
}

/// The server render: no socket, the engine's first state.
#[cfg(not(target_arch = "wasm32"))]
mod server {
    use super::*;
    use ws_wasm::ws_core::Engine;

    /// The state a socket with `options` is in once `use_rebound` returns in the browser: the
    /// engine's own answer (it does no I/O), so server and browser render the same.
    pub(super) fn first_state(options: &Options, set_status: WriteSignal<Status>) {
        let mut engine = Engine::<String>::new(options.engine_config(), 0);
        engine.connect(0);
        let state = engine.state();
        set_status.update(|s| s.state_changed(0.0, state));
    }
}
