use leptos::prelude::*;
use status_widget::{use_rebound, ConnectionStatus};
use wasm_bindgen::prelude::wasm_bindgen;

#[component]
fn App() -> impl IntoView {
    let ws = use_rebound("/ws", ws_wasm::Options::default());
    view! {
        <ConnectionStatus status=ws.status on_retry=move || ws.reconnect()/>
        <p>{move || ws.last_message.get()}</p>
        <button on:click=move |_| { let _ = ws.send("hello"); }>"Send"</button>
    }
}

#[wasm_bindgen(start)]
pub fn main() {
    leptos::mount::mount_to_body(App);
}
