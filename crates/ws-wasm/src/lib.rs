//! # ws-wasm: Rebound in the browser
//!
//! Binds the [`ws_core`] engine to real `WebSocket`s (the browser's, or any constructor
//! with the same shape, such as the `ws` package in Node). Two faces:
//!
//! - `Core` (feature `js-api`), the JS face, driven by the npm package `rebound-ws`: sans-IO
//!   like the engine (the JS wrapper does every piece of I/O and runs every piece of app code;
//!   no JS value crosses and the wasm calls no JS), so it builds without std and ships small;
//! - `Socket`, the Rust face (feature `rust-api`, on by default) for Rust/wasm apps such as
//!   the Leptos status widget, which drives the socket, one timer and the page's events
//!   from Rust.
//!
//! Both read their settings through one options path ([`options`]): the same defaults,
//! the same rule for when verification is on. No input a user or a server can produce
//! panics: errors come back as typed values or JS errors naming the problem.
//!
//! Module map (no cycles): `errors`, `url`, `options` and `boundary` (the JS face's records,
//! inputs and option table, from which npm/src/boundary.js is generated) are shared leaves;
//! `share` (whether tabs can share, the fingerprint tabs compare) and `payload` (the Rust
//! face's messages) use them; `js_api` (`Core`: numbers and strings in, records out) uses
//! them all; `share_wire` (the `share` channel's messages) stands alone and `share_js`
//! (`ShareMember`, `ShareHub`) uses it. The JS face needs the `js-api` feature (the npm
//! builds turn it on), so a Rust app's wasm carries none of it. The Rust face is `socket`
//! and `page` (the browser's objects, which report through callbacks), `driver` (the
//! engine's loop), `share_link` (a `Socket`'s end of `share`), `rust_api` (the public
//! `Socket`) and `stream` (its async face, `Connection`, and typed messages with `codee`
//! codecs).
//!
//! The npm package builds the JS face twice: `crates/ws-npm` (this crate with `npm`: `Core`
//! behind a raw ABI, no wasm-bindgen, whose exports would otherwise all be linked) and
//! `--features npm,share-module` (the share module, wasm-bindgen exports, loaded only by
//! apps that share).
#![cfg_attr(not(feature = "std"), no_std)]
// The share module build exports only `ShareMember`/`ShareHub`: the rest is compiled, unused.
#![cfg_attr(feature = "share-module", allow(dead_code, unused_imports))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod boundary;
mod errors;
#[cfg(all(feature = "js-api", not(feature = "share-module")))]
mod js_api;
pub mod options;
#[cfg(feature = "rust-api")]
mod payload;
#[cfg(any(feature = "js-api", feature = "share"))]
mod share;
#[cfg(all(feature = "js-api", any(feature = "share-module", all(feature = "share", not(feature = "npm")))))]
mod share_js;
#[cfg(any(feature = "share-module", all(feature = "share", not(feature = "npm"))))]
mod share_wire;
mod url;

#[cfg(feature = "rust-api")]
mod driver;
#[cfg(feature = "rust-api")]
mod page;
#[cfg(feature = "rust-api")]
mod rust_api;
#[cfg(all(feature = "rust-api", feature = "share"))]
mod share_link;
#[cfg(all(feature = "rust-api", not(feature = "share")))]
#[path = "share_off.rs"]
mod share_link;
#[cfg(feature = "rust-api")]
mod socket;
#[cfg(feature = "rust-api")]
mod stream;
#[cfg(feature = "rust-api")]
mod task;

/// The codec traits and codecs [`encode`]/[`decode`] take (re-exported: the same version).
#[cfg(feature = "rust-api")]
pub use codee;
pub use errors::ErrorKind;
#[cfg(all(feature = "js-api", not(feature = "share-module")))]
pub use js_api::Core;
#[cfg(feature = "rust-api")]
pub use payload::Payload;
#[cfg(feature = "rust-api")]
pub use rust_api::{Busy, Options, Refused, Socket, SocketEvent, Verify, VerifyPredicate};
#[cfg(all(feature = "js-api", any(feature = "share-module", all(feature = "share", not(feature = "npm")))))]
pub use share_js::{ShareHub, ShareMember};
#[cfg(feature = "rust-api")]
pub use socket::live_handlers;
#[cfg(feature = "rust-api")]
pub use stream::{decode, encode, CodecError, Connection, Message, RequestError};
pub use ws_core;

/// The npm artifact has no std: a panic (none is reachable from any input) traps, and
/// memory comes from lol_alloc's free list (a few hundred bytes of code, where dlmalloc
/// costs about 5 KB; the binding holds few, small allocations). The wasm runs on one
/// thread; the allocator's lock is uncontended.
#[cfg(all(feature = "npm", not(feature = "std"), target_arch = "wasm32"))]
mod npm_runtime {
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        core::arch::wasm32::unreachable()
    }

    #[global_allocator]
    static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
        lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
}
