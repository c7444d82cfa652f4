//! # ws-core: Rebound's reconnecting-WebSocket engine
//!
//! A sans-IO state machine: it never reads a clock, sleeps, or touches a socket. The
//! driver (the browser binding, the herd simulator, a test) feeds it inputs stamped with a
//! monotonic `now` in milliseconds, performs the [`Output`]s it asks for, and calls
//! [`Engine::handle_timeout`] when the deadline from [`Engine::poll_timeout`] passes.
//!
//! The engine owns every policy: backoff with jitter and a cap, retry limits, the connect
//! timeout, the heartbeat and dead-peer detection, ready verification, the bounded
//! outbound queue, backpressure, requests with ids and timeouts, the close-code table and
//! the classification of every close, and the network/visibility/page-lifecycle hints.
//!
//! ```
//! use ws_core::{Config, Engine, Output, State, CloseKind};
//!
//! let mut engine: Engine<String> = Engine::new(Config::default(), 7);
//! engine.connect(0);
//! let Some(Output::OpenSocket { conn, .. }) = engine.poll_output() else { unreachable!() };
//! // The server is down: the socket closes with 1006 before it opened.
//! engine.socket_closed(5, conn, 1006, "", false);
//! let State::Reconnecting { attempt: 1, retry_at } = engine.state() else { unreachable!() };
//! assert_eq!(engine.poll_timeout(), Some(retry_at));
//! engine.handle_timeout(retry_at);
//! assert!(matches!(engine.state(), State::Connecting { attempt: 1 }));
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod backoff;
mod close;
mod config;
mod engine;
mod heartbeat;
mod hint;
mod output;
mod queue;
mod requests;
pub mod share;
mod state;
mod status;

pub use backoff::{Jitter, Rng};
pub use close::{
    classify, reconnects_by_default, refusal_hint, retry_after_ms, CloseDecision, CloseKind, MAX_RETRY_AFTER_MS,
};
pub use config::{ClosePredicate, Config, ConfigBuilder, ConfigError, Overflow, Problem, MAX_DURATION_MS};
pub use engine::{Engine, CLOSE_WAIT_MS, DRAIN_POLL_MS};
pub use heartbeat::LATE_TIMER_MS;
pub use hint::{Hint, PageFacts};
pub use output::{CloseInfo, Event, Output, SendError, SendStatus};
pub use queue::{DropReason, Payload};
pub use requests::{RequestFailure, SHARED_BLOCK_IDS, SHARED_REQUEST_IDS_FROM};
pub use state::{ConnId, RequestId, State, Stats};
pub use status::{push_decimal, Indicator, RetryButton, StatusTracker, StatusView, DEFAULT_GRACE_MS};
