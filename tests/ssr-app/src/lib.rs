//! A Leptos SSR app using Rebound: typed chat messages (codee's JSON codec), the status
//! indicator, and `share` (one socket for every tab). The server renders [`App`]
//! (`src/bin/render.rs`, feature `ssr`); the browser hydrates it ([`hydrate`], feature
//! `hydrate`) and then connects.

use codee::string::JsonSerdeCodec;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use status_widget::{use_rebound_typed, ConnectionStatus};

/// What the chat sends and receives (the test bed echoes it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMsg {
    /// Who wrote it.
    pub from: String,
    /// What they wrote.
    pub text: String,
}

/// The page: the indicator, the last message, and a button that sends one.
#[component]
pub fn App() -> impl IntoView {
    let options = ws_wasm::Options { share: Some("chat".into()), ..ws_wasm::Options::default() };
    let chat = use_rebound_typed::<ChatMsg, ChatMsg, JsonSerdeCodec>("/ws", options);
    let send = move |_| {
        let _ = chat.send(&ChatMsg { from: "hydrated".into(), text: "hello from a hydrated page".into() });
    };
    view! {
        <main>
            <ConnectionStatus status=chat.status on_retry=move || chat.raw.reconnect()/>
            <p class="last">{move || chat.message.get().map(|m| format!("{}: {}", m.from, m.text)).unwrap_or_default()}</p>
            <p class="unreadable">{move || chat.decode_errors.get()}</p>
            <button class="send" on:click=send>"Send"</button>
        </main>
    }
}

/// The browser's entry: hydrates the server's HTML in place.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
