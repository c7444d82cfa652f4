//! Engine configuration: documented defaults and a validating builder.
//!
//! Durations are milliseconds given as `f64`, exactly as they arrive from JavaScript, so the
//! Rust API and the JS API share one validation path. Every error names the option by its
//! JS API name (`minReconnectionDelay`, ...), which is also the name in the README.

use alloc::rc::Rc;
use core::fmt;

use crate::backoff::Jitter;
use crate::close::CloseDecision;

/// What to do with a new message when the outbound queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Overflow {
    /// Drop the oldest queued message to make room (reported as a drop event).
    DropOldest,
    /// Drop the new message (reported as a drop event).
    DropNewest,
    /// Refuse the new message: `send` returns [`crate::SendError::QueueFull`].
    Error,
}

impl Overflow {
    /// Every policy, in the order the docs list them.
    pub const ALL: [Overflow; 3] = [Overflow::DropOldest, Overflow::DropNewest, Overflow::Error];

    /// The JS option value: `"drop-oldest"`, `"drop-newest"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Overflow::DropOldest => "drop-oldest",
            Overflow::DropNewest => "drop-newest",
            Overflow::Error => "error",
        }
    }

    /// Parses the JS option value.
    ///
    /// ```
    /// assert_eq!(ws_core::Overflow::parse("error"), Some(ws_core::Overflow::Error));
    /// ```
    pub fn parse(name: &str) -> Option<Overflow> {
        Overflow::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// A user predicate consulted for every close before the default table.
///
/// Gets the close code and reason; returns [`CloseDecision::Default`] to fall back to the table.
pub type ClosePredicate = Rc<dyn Fn(u16, &str) -> CloseDecision>;

/// Validated engine configuration. Build one with [`Config::builder`]; [`Config::default`]
/// gives the documented defaults.
///
/// ```
/// use ws_core::{Config, Jitter};
/// let config = Config::builder()
///     .min_reconnection_delay(250.0)
///     .max_reconnection_delay(5_000.0)
///     .jitter(Jitter::Full)
///     .heartbeat_interval(15_000.0)
///     .build()
///     .unwrap();
/// assert_eq!(config.heartbeat_interval_ms(), Some(15_000));
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) min_delay_ms: u64,
    pub(crate) max_delay_ms: u64,
    pub(crate) grow_factor: f64,
    pub(crate) jitter: Jitter,
    pub(crate) max_retries: Option<u32>,
    pub(crate) min_uptime_ms: u64,
    pub(crate) connect_timeout_ms: u64,
    pub(crate) heartbeat_interval_ms: Option<u64>,
    pub(crate) heartbeat_timeout_ms: u64,
    pub(crate) probe_timeout_ms: u64,
    pub(crate) verify: bool,
    pub(crate) verify_timeout_ms: u64,
    pub(crate) max_queued_messages: usize,
    pub(crate) max_queued_bytes: usize,
    pub(crate) overflow: Overflow,
    pub(crate) message_ttl_ms: Option<u64>,
    pub(crate) high_water_bytes: usize,
    pub(crate) low_water_bytes: usize,
    pub(crate) try_again_later_ms: u64,
    pub(crate) close_predicate: Option<ClosePredicate>,
}

impl Default for Config {
    /// The documented defaults; see [`ConfigBuilder`] for why each was chosen.
    fn default() -> Self {
        Config {
            min_delay_ms: 1_000,
            max_delay_ms: 5_500,
            grow_factor: 2.0,
            jitter: Jitter::Phased,
            max_retries: None,
            min_uptime_ms: 5_000,
            connect_timeout_ms: 4_000,
            heartbeat_interval_ms: None,
            heartbeat_timeout_ms: 10_000,
            probe_timeout_ms: 3_000,
            verify: false,
            verify_timeout_ms: 10_000,
            max_queued_messages: 1_000,
            max_queued_bytes: 1 << 20,
            overflow: Overflow::DropOldest,
            message_ttl_ms: None,
            high_water_bytes: 1 << 20,
            low_water_bytes: 1 << 18,
            try_again_later_ms: 10_000,
            close_predicate: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("min_delay_ms", &self.min_delay_ms)
            .field("max_delay_ms", &self.max_delay_ms)
            .field("grow_factor", &self.grow_factor)
            .field("jitter", &self.jitter)
            .field("max_retries", &self.max_retries)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("heartbeat_interval_ms", &self.heartbeat_interval_ms)
            .field("verify", &self.verify)
            .field("verify_timeout_ms", &self.verify_timeout_ms)
            .field("close_predicate", &self.close_predicate.is_some())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder { config: Config::default(), error: None }
    }
    /// The heartbeat interval, or `None` when the heartbeat is off.
    pub fn heartbeat_interval_ms(&self) -> Option<u64> {
        self.heartbeat_interval_ms
    }
    /// The ready-verification timeout, or `None` when verification is off.
    pub fn verify_timeout_ms(&self) -> Option<u64> {
        self.verify.then_some(self.verify_timeout_ms)
    }
    /// Turns ready verification on or off. Bindings call this with "the app gave a check",
    /// so having a check is what turns verification on, never the timeout alone.
    pub fn set_verification(&mut self, on: bool) {
        self.verify = on;
    }
    /// `bufferedAmount` above which `send` reports congestion (bytes).
    pub fn high_water_bytes(&self) -> usize {
        self.high_water_bytes
    }
    /// The connect timeout.
    pub fn connect_timeout_ms(&self) -> u64 {
        self.connect_timeout_ms
    }
    /// The retry limit, or `None` for unlimited.
    pub fn max_retries(&self) -> Option<u32> {
        self.max_retries
    }
}

/// What is wrong with an option value.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// NaN or infinite where a finite number is required.
    NotFinite,
    /// Below zero.
    Negative,
    /// Zero where only a positive value makes sense.
    Zero,
    /// A growth factor below 1 would make delays shrink.
    BelowOne,
    /// Not a whole number where a count is required.
    NotInteger,
    /// Larger than the option named here (e.g. min above max).
    Exceeds(&'static str),
    /// Larger than the largest value supported.
    TooLarge(f64),
}

/// A rejected option: which one, the value given, and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// The option's name as in the JS API (e.g. `"maxReconnectionDelay"`).
    pub option: &'static str,
    /// The value that was given.
    pub value: f64,
    /// What is wrong with it.
    pub problem: Problem,
}

impl ConfigError {
    /// `true` when the value is out of range (JS `RangeError`) rather than of the wrong kind
    /// (JS `TypeError`: NaN, fractional counts).
    pub fn is_range_error(&self) -> bool {
        !matches!(self.problem, Problem::NotFinite | Problem::NotInteger)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid option `{}`: {} ", self.option, self.value)?;
        match self.problem {
            Problem::NotFinite => f.write_str("is not a finite number"),
            Problem::Negative => f.write_str("is negative"),
            Problem::Zero => f.write_str("must be at least 1"),
            Problem::BelowOne => f.write_str("must be at least 1"),
            Problem::NotInteger => f.write_str("must be a whole number"),
            Problem::Exceeds(other) => write!(f, "is larger than `{other}`"),
            Problem::TooLarge(max) => write!(f, "is larger than the maximum {max}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

/// Largest duration accepted (about 24.8 days, the largest delay browsers' timers honour).
pub const MAX_DURATION_MS: f64 = 2_147_483_647.0;

/// Builds a [`Config`], validating every value; the first invalid one is reported by
/// [`ConfigBuilder::build`].
///
/// Defaults and why:
/// - `min_reconnection_delay` 1000 ms, `reconnection_delay_grow_factor` 2,
///   `max_reconnection_delay` 5500 ms, `jitter` [`Jitter::Phased`]: a dropped client retries
///   after about 0.5–1 s, 1–2 s, then settles on its own randomly phased 5.5 s cycle, so a
///   herd arrives spread evenly (see the README's herd table for the trade-off).
/// - `max_retries` unlimited: a browser tab should come back whenever the server does.
/// - `min_uptime` 5000 ms: a connection that dies sooner is a failure, so a crash-looping
///   server keeps clients in backoff (the reconnecting-websocket default).
/// - `connection_timeout` 4000 ms: a healthy upgrade takes well under a second; 4 s is the
///   reconnecting-websocket default and keeps stuck attempts from delaying recovery.
/// - heartbeat off (`heartbeat_interval` 0), `heartbeat_timeout` 10 000 ms when on: the
///   server has to answer the app-level ping, so it is opt-in.
/// - `probe_timeout` 3000 ms: the short deadline of the liveness probe sent when a page
///   becomes visible again or the network comes back.
/// - verification off (the app turns it on by giving a check); `verify_timeout` 10 000 ms.
/// - queue: 1000 messages, 1 MiB, drop oldest, no TTL: bounded so an outage cannot eat
///   memory, and the newest state wins.
/// - backpressure: high-water 1 MiB, low-water 256 KiB of `bufferedAmount`.
/// - `try_again_later_delay` 10 000 ms: a 1013 without a `retry-after` hint waits at least
///   this long (plus up to 50 % jitter).
pub struct ConfigBuilder {
    config: Config,
    error: Option<ConfigError>,
}

fn duration(option: &'static str, value: f64, allow_zero: bool) -> Result<u64, ConfigError> {
    let fail = |problem| Err(ConfigError { option, value, problem });
    if !value.is_finite() {
        fail(Problem::NotFinite)
    } else if value < 0.0 {
        fail(Problem::Negative)
    } else if rounded(value) == 0 && !allow_zero {
        fail(Problem::Zero)
    } else if value > MAX_DURATION_MS {
        fail(Problem::TooLarge(MAX_DURATION_MS))
    } else {
        Ok(rounded(value))
    }
}

/// `value` rounded half up, for finite non-negative values (`f64::round` needs std).
fn rounded(value: f64) -> u64 {
    (value + 0.5) as u64
}

/// `true` for whole numbers (`f64::fract` needs std); every finite value from 2^52 up is one.
fn is_whole(value: f64) -> bool {
    value.abs() >= 4_503_599_627_370_496.0 || value == (value as i64) as f64
}

fn count(option: &'static str, value: f64, allow_zero: bool) -> Result<u64, ConfigError> {
    let fail = |problem| Err(ConfigError { option, value, problem });
    if value.is_nan() {
        fail(Problem::NotFinite)
    } else if value < 0.0 {
        fail(Problem::Negative)
    } else if value == 0.0 && !allow_zero {
        fail(Problem::Zero)
    } else if value.is_finite() && !is_whole(value) {
        fail(Problem::NotInteger)
    } else {
        Ok(if value >= u64::MAX as f64 { u64::MAX } else { value as u64 })
    }
}

impl ConfigBuilder {
    fn set<T>(mut self, result: Result<T, ConfigError>, apply: impl FnOnce(&mut Config, T)) -> Self {
        match result {
            Ok(value) => apply(&mut self.config, value),
            Err(error) => {
                self.error.get_or_insert(error);
            }
        }
        self
    }

    /// First retry delay before jitter (ms, > 0). JS: `minReconnectionDelay`.
    pub fn min_reconnection_delay(self, ms: f64) -> Self {
        self.set(duration("minReconnectionDelay", ms, false), |c, v| c.min_delay_ms = v)
    }
    /// Cap on the retry delay (ms, ≥ min). JS: `maxReconnectionDelay`.
    pub fn max_reconnection_delay(self, ms: f64) -> Self {
        self.set(duration("maxReconnectionDelay", ms, false), |c, v| c.max_delay_ms = v)
    }
    /// Growth of the delay per retry (≥ 1). JS: `reconnectionDelayGrowFactor`.
    pub fn reconnection_delay_grow_factor(self, factor: f64) -> Self {
        let option = "reconnectionDelayGrowFactor";
        let result = if !factor.is_finite() {
            Err(ConfigError { option, value: factor, problem: Problem::NotFinite })
        } else if factor < 1.0 {
            Err(ConfigError { option, value: factor, problem: Problem::BelowOne })
        } else {
            Ok(factor)
        };
        self.set(result, |c, v| c.grow_factor = v)
    }
    /// How retry delays are randomised. JS: `jitter`.
    pub fn jitter(self, jitter: Jitter) -> Self {
        self.set(Ok(jitter), |c, v| c.jitter = v)
    }
    /// Retries before giving up (`f64::INFINITY` = never give up). JS: `maxRetries`.
    pub fn max_retries(self, retries: f64) -> Self {
        let result = count("maxRetries", retries, true).map(|n| {
            if retries.is_infinite() {
                None
            } else {
                Some(n.min(u32::MAX as u64) as u32)
            }
        });
        self.set(result, |c, v| c.max_retries = v)
    }
    /// A connection up at least this long resets the retry count (ms). JS: `minUptime`.
    pub fn min_uptime(self, ms: f64) -> Self {
        self.set(duration("minUptime", ms, true), |c, v| c.min_uptime_ms = v)
    }
    /// An attempt not open after this long fails (ms, > 0). JS: `connectionTimeout`.
    pub fn connection_timeout(self, ms: f64) -> Self {
        self.set(duration("connectionTimeout", ms, false), |c, v| c.connect_timeout_ms = v)
    }
    /// Send the app-level ping after this long without traffic (ms, 0 = off).
    /// JS: `heartbeatInterval`.
    pub fn heartbeat_interval(self, ms: f64) -> Self {
        let result = duration("heartbeatInterval", ms, true).map(|v| (v > 0).then_some(v));
        self.set(result, |c, v| c.heartbeat_interval_ms = v)
    }
    /// A ping unanswered for this long (wall time) means the peer is dead (ms, > 0).
    /// JS: `heartbeatTimeout`.
    pub fn heartbeat_timeout(self, ms: f64) -> Self {
        self.set(duration("heartbeatTimeout", ms, false), |c, v| c.heartbeat_timeout_ms = v)
    }
    /// Deadline of the probe sent on page resume or network change (ms, > 0); the probe is
    /// the heartbeat message, so it needs `heartbeat_interval`. JS: `probeTimeout`.
    pub fn probe_timeout(self, ms: f64) -> Self {
        self.set(duration("probeTimeout", ms, false), |c, v| c.probe_timeout_ms = v)
    }
    /// Turn ready verification on (the driver then runs a check after every open).
    pub fn verify(self, on: bool) -> Self {
        self.set(Ok(on), |c, v| c.verify = v)
    }
    /// How long a ready verification may take (ms, > 0; default 10 000); only applies when
    /// verification is on. JS: `verifyTimeout`.
    pub fn verify_timeout(self, ms: f64) -> Self {
        self.set(duration("verifyTimeout", ms, false), |c, v| c.verify_timeout_ms = v)
    }
    /// Most messages held while not ready (≥ 0). JS: `maxEnqueuedMessages`.
    pub fn max_enqueued_messages(self, n: f64) -> Self {
        let result = count("maxEnqueuedMessages", n, true).map(|v| v.min(usize::MAX as u64) as usize);
        self.set(result, |c, v| c.max_queued_messages = v)
    }
    /// Most bytes held while not ready (≥ 0). JS: `maxEnqueuedBytes`.
    pub fn max_enqueued_bytes(self, n: f64) -> Self {
        let result = count("maxEnqueuedBytes", n, true).map(|v| v.min(usize::MAX as u64) as usize);
        self.set(result, |c, v| c.max_queued_bytes = v)
    }
    /// What to do when the queue is full. JS: `queueOverflow`.
    pub fn queue_overflow(self, overflow: Overflow) -> Self {
        self.set(Ok(overflow), |c, v| c.overflow = v)
    }
    /// Drop queued messages older than this (ms, 0 = keep until sent). JS: `messageTtl`.
    pub fn message_ttl(self, ms: f64) -> Self {
        let result = duration("messageTtl", ms, true).map(|v| (v > 0).then_some(v));
        self.set(result, |c, v| c.message_ttl_ms = v)
    }
    /// `send` returns false above this `bufferedAmount` (bytes, > 0). JS: `highWaterMark`.
    pub fn high_water_mark(self, bytes: f64) -> Self {
        let result = count("highWaterMark", bytes, false).map(|v| v.min(usize::MAX as u64) as usize);
        self.set(result, |c, v| c.high_water_bytes = v)
    }
    /// `drain` fires once `bufferedAmount` falls to this (bytes, ≤ high). JS: `lowWaterMark`.
    pub fn low_water_mark(self, bytes: f64) -> Self {
        let result = count("lowWaterMark", bytes, true).map(|v| v.min(usize::MAX as u64) as usize);
        self.set(result, |c, v| c.low_water_bytes = v)
    }
    /// Least delay after a 1013 close without a `retry-after` hint (ms).
    /// JS: `tryAgainLaterDelay`.
    pub fn try_again_later_delay(self, ms: f64) -> Self {
        self.set(duration("tryAgainLaterDelay", ms, true), |c, v| c.try_again_later_ms = v)
    }
    /// Consulted before the default close-code table. JS: `shouldReconnect`.
    pub fn close_predicate(self, predicate: ClosePredicate) -> Self {
        self.set(Ok(predicate), |c, v| c.close_predicate = Some(v))
    }

    /// The validated configuration, or the first invalid option.
    pub fn build(self) -> Result<Config, ConfigError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let c = self.config;
        if c.min_delay_ms > c.max_delay_ms {
            return Err(ConfigError {
                option: "minReconnectionDelay",
                value: c.min_delay_ms as f64,
                problem: Problem::Exceeds("maxReconnectionDelay"),
            });
        }
        if c.low_water_bytes > c.high_water_bytes {
            return Err(ConfigError {
                option: "lowWaterMark",
                value: c.low_water_bytes as f64,
                problem: Problem::Exceeds("highWaterMark"),
            });
        }
        Ok(c)
    }
}
