//! # status-widget: Rebound's connection indicator for Leptos
//!
//! - [`ConnectionStatus`]: the indicator (connected / connecting / reconnecting with a live
//!   countdown / offline / disconnected / error with the reason and a Retry button),
//!   accessible and styled by CSS custom properties with no external stylesheet. It renders
//!   the engine crate's status model, the same one the npm package's `<rebound-status>`
//!   renders.
//! - [`use_rebound`]: a hook that opens a Rebound socket (ws-wasm's Rust API) for the
//!   current component and returns signals and actions; unmounting closes it.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use status_widget::{use_rebound, ConnectionStatus};
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     let rebound = use_rebound("/ws", ws_wasm::Options::default());
//!     view! { <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/> }
//! }
//! ```
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
