//! # status-widget: Rebound's connection indicator for Leptos
//!
//! - [`ConnectionStatus`]: the indicator (connected / connecting / reconnecting with a live
//!   countdown / offline / disconnected / error with the reason and a Retry button),
//!   accessible and styled by CSS custom properties with no external stylesheet. It renders
//!   the engine crate's status model, the same one the npm package's `<rebound-status>`
//!   renders.
//! - [`use_rebound`]: a hook that opens a Rebound socket (ws-wasm's Rust API) for the
//!   current component and returns signals and actions; unmounting closes it.
//! - [`use_rebound_typed`]: the same with typed messages through a `codee` codec, as
//!   leptos-use's `use_websocket::<Tx, Rx, C>` takes them.
//!
//! A chat with typed messages, the indicator, and `share` (one socket for every tab):
//!
//! ```no_run
//! use codee::string::JsonSerdeCodec; // codee = { version = "0.3", features = ["json_serde"] }
//! use leptos::prelude::*;
//! use serde::{Deserialize, Serialize};
//! use status_widget::{use_rebound_typed, ConnectionStatus};
//!
//! #[derive(Clone, Serialize, Deserialize)]
//! struct ChatMsg {
//!     from: String,
//!     text: String,
//! }
//!
//! #[component]
//! fn Chat() -> impl IntoView {
//!     let options = ws_wasm::Options { share: Some("chat".into()), ..ws_wasm::Options::default() };
//!     let chat = use_rebound_typed::<ChatMsg, ChatMsg, JsonSerdeCodec>("/ws", options);
//!     let (draft, set_draft) = signal(String::new());
//!     let send = move |_| {
//!         let _ = chat.send(&ChatMsg { from: "me".into(), text: draft.get() });
//!     };
//!     view! {
//!         <ConnectionStatus status=chat.status on_retry=move || chat.raw.reconnect()/>
//!         <p>{move || chat.message.get().map(|m| format!("{}: {}", m.from, m.text))}</p>
//!         <p>{move || format!("{} unreadable messages", chat.decode_errors.get())}</p>
//!         <input prop:value=draft on:input=move |e| set_draft.set(event_target_value(&e))/>
//!         <button on:click=send>"Send"</button>
//!     }
//! }
//! ```
//!
//! **SSR.** This crate enables no rendering mode: the app's `csr`, `hydrate` or `ssr` feature
//! on `leptos` decides. On the server the hooks open nothing and touch no browser API; the
//! indicator renders the engine's first state (`connecting`), which is what the browser shows
//! while it hydrates, and the socket opens in the browser.
//!
//! **Async.** Outside components, `ws_wasm::Connection` is a `futures` `Stream` of events
//! and a `Sink` of messages, and `Socket::request_typed(..).await` returns the typed reply.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod component;
mod hook;
mod status;
mod typed;

pub use component::{ConnectionStatus, STYLE};
pub use hook::{use_rebound, use_rebound_with, Rebound};
pub use status::Status;
pub use typed::{use_rebound_typed, TypedRebound, TypedSendError};
pub use ws_wasm::ws_core::{Indicator, RetryButton, StatusView, DEFAULT_GRACE_MS};
