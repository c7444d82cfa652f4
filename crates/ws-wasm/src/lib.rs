//! # ws-wasm: Rebound in the browser
//!
//! Binds the [`ws_core`] engine to a real `WebSocket` (the browser's, or any constructor
//! with the same shape, such as the `ws` package in Node), one `setTimeout` for the engine's
//! next deadline, and the page's `online`/`offline`, `visibilitychange` and
//! `pagehide`/`pageshow` events. Two faces:
//!
//! - [`Socket`], the Rust API (used by the Leptos status widget);
//! - [`Core`], the JS API's policy half, wrapped by the npm package `rebound-ws`.
//!
//! Each socket's handlers are detached and dropped when it is replaced
//! ([`live_handlers`] stays flat across reconnects), and no input a user or a server can
//! produce panics: errors come back as typed values or JS errors naming the problem.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod driver;
mod env;
mod js_api;
mod options;
mod rust_api;
mod socket;
mod url;

pub use driver::Payload;
pub use js_api::Core;
pub use options::OptionError;
pub use rust_api::{Options, Socket, SocketEvent, Verify, VerifyPredicate};
pub use socket::live_handlers;
pub use ws_core;
