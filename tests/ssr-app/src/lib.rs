//! A Leptos SSR app using Rebound: the server renders [`App`] (`src/bin/render.rs`, feature
//! `ssr`), the browser hydrates it ([`hydrate`], feature `hydrate`) and then connects.

use leptos::prelude::*;
use status_widget::{use_rebound, ConnectionStatus};

/// The page: the indicator, the last message, and a button that sends one.
#[component]
pub fn App() -> impl IntoView {
    let rebound = use_rebound("/ws", ws_wasm::Options::default());
    view! {
        <main>
            <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/>
            <p class="last">{move || rebound.last_message.get().unwrap_or_default()}</p>
            <button class="send" on:click=move |_| { let _ = rebound.send("hello from a hydrated page"); }>"Send"</button>
        </main>
    }
}

/// The browser's entry: hydrates the server's HTML in place.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
