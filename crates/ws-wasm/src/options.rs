//! The options both faces share: the defaults, the rule that turns verification on, and, for
//! the JS face, the engine's number options with their builder methods, how a rejected one
//! is told, and the timeout check. Which options the JS face reads, of which kind and with
//! which default, is [`crate::boundary::OPTIONS`].

#[cfg(feature = "js-api")]
use alloc::string::String;

use ws_core::Config;
#[cfg(feature = "js-api")]
use ws_core::{ConfigBuilder, ConfigError, Problem, MAX_DURATION_MS};

/// The heartbeat message when none is given.
pub const DEFAULT_HEARTBEAT_MESSAGE: &str = "ping";
/// The heartbeat reply when none is given.
pub const DEFAULT_HEARTBEAT_REPLY: &str = "pong";
/// How long a `request()` waits for its reply when no timeout is given (ms).
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;
/// The JSON field that carries a request's id when none is given.
pub const DEFAULT_REQUEST_ID_FIELD: &str = "id";

/// The engine's config as a face uses it: verification is on exactly when the app gave a
/// check (a message, a predicate or a function), whatever `verifyTimeout` says.
pub fn engine_config(mut config: Config, has_check: bool) -> Config {
    config.set_verification(has_check);
    config
}

#[cfg(feature = "js-api")]
/// A builder method that sets one number option.
pub type Setter = fn(ConfigBuilder, f64) -> ConfigBuilder;

/// The builder method of each number option, in [`crate::boundary::OPTIONS`]' order
/// (`tests/boundary.rs` checks the names).
#[cfg(feature = "js-api")]
pub const NUMBERS: [Setter; 16] = [
    ConfigBuilder::min_reconnection_delay,
    ConfigBuilder::max_reconnection_delay,
    ConfigBuilder::reconnection_delay_grow_factor,
    ConfigBuilder::max_retries,
    ConfigBuilder::min_uptime,
    ConfigBuilder::connection_timeout,
    ConfigBuilder::heartbeat_interval,
    ConfigBuilder::heartbeat_timeout,
    ConfigBuilder::probe_timeout,
    ConfigBuilder::verify_timeout,
    ConfigBuilder::max_enqueued_messages,
    ConfigBuilder::max_enqueued_bytes,
    ConfigBuilder::message_ttl,
    ConfigBuilder::high_water_mark,
    ConfigBuilder::low_water_mark,
    ConfigBuilder::try_again_later_delay,
];

/// The engine's config from the JS face's number options (`numbers[i]` for
/// [`crate::boundary::OPTIONS`]`[i]`, given where bit i of `given` is set) and choices
/// (`jitter`, `overflow`: an index into [`crate::boundary::JITTERS`] and
/// [`crate::boundary::OVERFLOWS`], −1 for the default), checked by the engine's builder.
/// `Core::configure` refuses with its error.
#[cfg(feature = "js-api")]
pub fn js_config(numbers: &[f64], given: u32, jitter: i32, overflow: i32) -> Result<Config, ConfigError> {
    use crate::boundary::NUMBER_OPTIONS;
    let mut builder = Config::builder();
    for (index, (apply, value)) in NUMBERS.iter().zip(numbers).enumerate().take(NUMBER_OPTIONS) {
        if given & (1 << index) != 0 {
            builder = apply(builder, *value);
        }
    }
    // JITTERS and OVERFLOWS list the engine's choices in its order (tests/boundary.rs).
    let choice = |index: i32| usize::try_from(index).ok();
    if let Some(&jitter) = choice(jitter).and_then(|i| ws_core::Jitter::ALL.get(i)) {
        builder = builder.jitter(jitter);
    }
    if let Some(&overflow) = choice(overflow).and_then(|i| ws_core::Overflow::ALL.get(i)) {
        builder = builder.queue_overflow(overflow);
    }
    builder.build()
}

/// Why `share` with a URL provider needs a key.
pub const SHARE_PROVIDER: &str = "with a URL provider must be a key naming the endpoint (share: 'chat'): tabs cannot \
tell whether two providers give the same socket, and would share one socket between endpoints";

/// A rejected number option as the JS error's name and what is wrong with the value.
#[cfg(feature = "js-api")]
pub(crate) fn config_problem(error: &ConfigError) -> (&'static str, String) {
    let name = if error.is_range_error() { "RangeError" } else { "TypeError" };
    let problem = match error.problem {
        Problem::NotFinite => "is not a finite number",
        Problem::Negative => "is negative",
        Problem::Zero | Problem::BelowOne => "must be at least 1",
        Problem::NotInteger => "must be a whole number",
        Problem::Exceeds(other) => {
            let mut text = String::from("is larger than \"");
            text.push_str(other);
            text.push('"');
            return (name, text);
        }
        _ => "is larger than the maximum 2147483647",
    };
    (name, problem.into())
}

/// A timeout as `requestTimeout` and `request()`'s `timeout` take it: ms above 0 and at most
/// 2147483647, rounded; `None` otherwise.
#[cfg(feature = "js-api")]
pub(crate) fn timeout_ms(ms: f64) -> Option<u64> {
    (ms > 0.0 && ms <= MAX_DURATION_MS).then_some((ms + 0.5) as u64)
}

#[cfg(feature = "rust-api")]
pub use rust_face::{Options, Verify, VerifyPredicate};

/// The Rust face's options: the same defaults and the same verification rule as the JS
/// face's (see [`engine_config`]).
#[cfg(feature = "rust-api")]
mod rust_face {
    use std::rc::Rc;

    use web_sys::{BinaryType, MessageEvent};
    use ws_core::Config;

    use super::{DEFAULT_HEARTBEAT_MESSAGE, DEFAULT_HEARTBEAT_REPLY, DEFAULT_REQUEST_ID_FIELD};

    /// Judges a message during verification: `Some(true)` ready, `Some(false)` failed,
    /// `None` not the answer yet.
    pub type VerifyPredicate = Rc<dyn Fn(&MessageEvent) -> Option<bool>>;

    /// A ready check: send `message` once the socket opens; while verifying, every inbound
    /// message goes to `accept`: `Some(true)` = ready, `Some(false)` = the check failed (the
    /// attempt closes as `verification-failed` and backs off), `None` = not the answer yet
    /// (a greeting, say); `verifyTimeout` (default 10 s) bounds the wait. Giving one is what
    /// turns verification on.
    #[derive(Clone)]
    pub struct Verify {
        /// Sent as text right after open.
        pub message: String,
        /// Judges each inbound message while verifying.
        pub accept: VerifyPredicate,
    }

    /// Everything besides the URL. `Options::default()` uses the engine's defaults, the
    /// heartbeat messages `ping`/`pong`, request ids in `id`, no subprotocols, no
    /// verification, the page's hints on.
    ///
    /// ```
    /// use ws_wasm::{Options, Verify};
    /// use std::rc::Rc;
    /// // A check is all it takes: verification is on, with the default 10 s timeout.
    /// let options = Options {
    ///     verify: Some(Verify { message: "hello".into(), accept: Rc::new(|_| Some(true)) }),
    ///     ..Options::default()
    /// };
    /// assert_eq!(options.engine_config().verify_timeout_ms(), Some(10_000));
    /// ```
    #[derive(Clone)]
    pub struct Options {
        /// The engine's policies.
        pub config: Config,
        /// Subprotocols offered to the server.
        pub protocols: Vec<String>,
        /// The heartbeat message (sent as text).
        pub heartbeat_message: String,
        /// The heartbeat reply; with the heartbeat on, such messages are not passed on.
        pub heartbeat_reply: String,
        /// The JSON field that carries a request's id.
        pub request_id_field: String,
        /// An optional ready check.
        pub verify: Option<Verify>,
        /// `binaryType` for every socket (`None`: the browser's default, `blob`).
        pub binary_type: Option<BinaryType>,
        /// Listen to online/offline, visibility and page lifecycle events.
        pub page_hints: bool,
        /// Seed for the retry jitter (`None`: random).
        pub seed: Option<u64>,
        /// One socket for every tab of the origin with the same URL, protocols and key
        /// (`Some("")` is the JS face's `share: true`); `None` (the default): a socket of
        /// its own. Where Web Locks or `BroadcastChannel` are missing, each `Socket` keeps
        /// its own. Rust and JS tabs share with each other.
        pub share: Option<String>,
    }

    impl Default for Options {
        fn default() -> Self {
            Options {
                config: Config::default(),
                protocols: Vec::new(),
                heartbeat_message: DEFAULT_HEARTBEAT_MESSAGE.into(),
                heartbeat_reply: DEFAULT_HEARTBEAT_REPLY.into(),
                request_id_field: DEFAULT_REQUEST_ID_FIELD.into(),
                verify: None,
                binary_type: None,
                page_hints: true,
                seed: None,
                share: None,
            }
        }
    }

    impl Options {
        /// The engine's config as the socket will use it (verification on exactly when
        /// `verify` is given).
        pub fn engine_config(&self) -> Config {
            super::engine_config(self.config.clone(), self.verify.is_some())
        }
    }
}
