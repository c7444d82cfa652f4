use codee::string::FromToStringCodec;
use leptos::prelude::*;
use leptos_use::core::ConnectionReadyState;
use leptos_use::{use_websocket, UseWebSocketReturn};
use wasm_bindgen::prelude::wasm_bindgen;

#[component]
fn App() -> impl IntoView {
    let UseWebSocketReturn { ready_state, message, send, open, .. } = use_websocket::<String, String, FromToStringCodec>("/ws");
    // The indicator by hand: a state, a text, a Retry button when closed.
    let label = move || match ready_state.get() {
        ConnectionReadyState::Connecting => ("connecting", "Connecting…"),
        ConnectionReadyState::Open => ("connected", "Connected"),
        ConnectionReadyState::Closing => ("disconnected", "Closing…"),
        ConnectionReadyState::Closed => ("disconnected", "Disconnected"),
    };
    view! {
        <div class="status" role="status" aria-live="polite" data-state=move || label().0>
            <span>{move || label().1}</span>
            <button hidden=move || ready_state.get() != ConnectionReadyState::Closed on:click=move |_| open()>"Retry"</button>
        </div>
        <p>{move || message.get()}</p>
        <button on:click=move |_| send(&"hello".to_string())>"Send"</button>
    }
}

#[wasm_bindgen(start)]
pub fn main() {
    leptos::mount::mount_to_body(App);
}
