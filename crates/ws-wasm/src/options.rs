//! The one options path: the defaults both faces share, the rule that turns verification
//! on, and the reader that turns a JS options object into the engine's [`Config`] plus the
//! settings the npm wrapper reads (it never re-derives them).

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use ws_core::{Config, ConfigBuilder, ConfigError, Jitter, Overflow, Problem, MAX_DURATION_MS};

use crate::errors::{concat, describe, is_array, js_error, ErrorKind};
use crate::payload::binary_len;
use crate::url::resolve_url;

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

type Setter = fn(ConfigBuilder, f64) -> ConfigBuilder;

/// Numeric options and the builder method each one sets.
const NUMBERS: [(&str, Setter); 16] = [
    ("minReconnectionDelay", ConfigBuilder::min_reconnection_delay),
    ("maxReconnectionDelay", ConfigBuilder::max_reconnection_delay),
    ("reconnectionDelayGrowFactor", ConfigBuilder::reconnection_delay_grow_factor),
    ("maxRetries", ConfigBuilder::max_retries),
    ("minUptime", ConfigBuilder::min_uptime),
    ("connectionTimeout", ConfigBuilder::connection_timeout),
    ("heartbeatInterval", ConfigBuilder::heartbeat_interval),
    ("heartbeatTimeout", ConfigBuilder::heartbeat_timeout),
    ("probeTimeout", ConfigBuilder::probe_timeout),
    ("verifyTimeout", ConfigBuilder::verify_timeout),
    ("maxEnqueuedMessages", ConfigBuilder::max_enqueued_messages),
    ("maxEnqueuedBytes", ConfigBuilder::max_enqueued_bytes),
    ("messageTtl", ConfigBuilder::message_ttl),
    ("highWaterMark", ConfigBuilder::high_water_mark),
    ("lowWaterMark", ConfigBuilder::low_water_mark),
    ("tryAgainLaterDelay", ConfigBuilder::try_again_later_delay),
];

/// Every other option the JS face knows (for the unknown-option warning).
const OTHERS: [&str; 15] = [
    "jitter",
    "queueOverflow",
    "shouldReconnect",
    "verify",
    "verifyReply",
    "verifyMessage",
    "heartbeatMessage",
    "heartbeatReply",
    "requestTimeout",
    "requestIdField",
    "startClosed",
    "networkHints",
    "share",
    "debug",
    "WebSocket",
];

/// A rejected option as a JS error: `rebound-ws: invalid option "name": value problem`.
pub fn option_error(kind: ErrorKind, option: &str, value: &JsValue, problem: &str) -> JsValue {
    let message = concat(&["rebound-ws: invalid option \"", option, "\": ", &describe(value), " ", problem]);
    js_error(kind, &message)
}

/// An engine validation error as a JS `TypeError`/`RangeError`.
fn config_error(error: ConfigError) -> JsValue {
    let kind = if error.is_range_error() { ErrorKind::Range } else { ErrorKind::Type };
    let exceeds;
    let problem = match error.problem {
        Problem::NotFinite => "is not a finite number",
        Problem::Negative => "is negative",
        Problem::Zero | Problem::BelowOne => "must be at least 1",
        Problem::NotInteger => "must be a whole number",
        Problem::Exceeds(other) => {
            exceeds = concat(&["is larger than \"", other, "\""]);
            &exceeds
        }
        _ => "is larger than the maximum 2147483647",
    };
    option_error(kind, error.option, &JsValue::from_f64(error.value), problem)
}

/// What the JS face gets from its options.
pub struct JsSetup {
    /// The engine's configuration.
    pub config: Config,
    /// The validated settings the npm wrapper reads (see `npm/src/index.js`).
    pub settings: Object,
}

/// Reads `options[name]` of the wrapper's plain copy (the app's getters ran when it was
/// made, in JS). The one piece of app code that can run while options are read is the
/// `toJSON` (or a Proxy's traps) of a message option, through `catch`-declared imports,
/// before any `Core` exists to be called back into.
fn get(options: &JsValue, name: &str) -> JsValue {
    Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &name.into(), value);
}

/// `undefined` → `default`; a value `accept` takes → kept; anything else → a `TypeError`
/// saying what the option must be.
fn typed(
    options: &JsValue,
    name: &str,
    default: JsValue,
    accept: fn(&JsValue) -> bool,
    must: &str,
) -> Result<JsValue, JsValue> {
    let value = get(options, name);
    if value.is_undefined() {
        Ok(default)
    } else if accept(&value) {
        Ok(value)
    } else {
        Err(option_error(ErrorKind::Type, name, &value, must))
    }
}

fn is_function(value: &JsValue) -> bool {
    value.is_function()
}
fn is_bool(value: &JsValue) -> bool {
    value.as_bool().is_some()
}
fn is_string(value: &JsValue) -> bool {
    value.is_string()
}
fn is_string_or_function(value: &JsValue) -> bool {
    value.is_string() || value.is_function()
}

/// A message option: a string or binary data (`ArrayBuffer`, typed array, `DataView`) as
/// is, another object as its JSON (made once, here, so a value that cannot be sent is
/// refused now, not at every attempt).
fn message(options: &JsValue, name: &str, default: Option<&str>) -> Result<JsValue, JsValue> {
    let value = get(options, name);
    if value.is_undefined() {
        return Ok(default.map_or(JsValue::UNDEFINED, JsValue::from));
    }
    if value.is_string() || (value.is_object() && binary_len(&value).is_some()) {
        return Ok(value);
    }
    let must = "must be a string, binary data or a JSON-serialisable object";
    if !value.is_object() || value.is_function() {
        return Err(option_error(ErrorKind::Type, name, &value, must));
    }
    match js_sys::JSON::stringify(&value) {
        Ok(text) if text.is_string() => Ok(text.into()),
        _ => Err(option_error(ErrorKind::Type, name, &value, must)),
    }
}

/// A choice among names (`jitter`, `queueOverflow`).
fn choice<T: Copy>(
    options: &JsValue,
    name: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<Option<T>, JsValue> {
    let value = get(options, name);
    if value.is_undefined() {
        return Ok(None);
    }
    let text = value.as_string();
    if let Some(found) = all.iter().copied().find(|c| text.as_deref() == Some(as_str(*c))) {
        return Ok(Some(found));
    }
    let names: Vec<&str> = all.iter().map(|c| as_str(*c)).collect();
    let must = concat(&["must be one of \"", &names.join("\", \""), "\""]);
    Err(option_error(ErrorKind::Type, name, &value, &must))
}

/// Subprotocols as `WebSocket` checks them: a token or a list of distinct tokens.
fn protocols(value: &JsValue) -> Result<(), JsValue> {
    if value.is_undefined() {
        return Ok(());
    }
    let list: Vec<JsValue> = if value.is_string() {
        alloc::vec![value.clone()]
    } else if is_array(value) {
        // The wrapper's copy (`[...protocols]`): plain values, no getters.
        value.unchecked_ref::<Array>().iter().collect()
    } else {
        return Err(option_error(ErrorKind::Type, "protocols", value, "must be a string or an array of strings"));
    };
    // RFC 7230 token characters.
    let tchar = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'^'..=b'`' | b'|' | b'~')
    };
    let mut seen: Vec<String> = Vec::new();
    for item in &list {
        let token = item.as_string().filter(|t| !t.is_empty() && t.bytes().all(tchar) && !seen.contains(t));
        let Some(token) = token else {
            let message = concat(&["rebound-ws: invalid or duplicate subprotocol ", &describe(item)]);
            return Err(js_error(ErrorKind::Syntax, &message));
        };
        seen.push(token);
    }
    Ok(())
}

/// How many leading letters two option names share, ignoring case (for "did you mean").
fn shared_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x.eq_ignore_ascii_case(y)).count()
}

/// One warning per unknown option name, naming the closest known one.
fn unknown_options(options: &JsValue) -> Array {
    let warnings = Array::new();
    let known = || NUMBERS.iter().map(|(name, _)| *name).chain(OTHERS);
    for key in Object::keys(options.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()) {
        if known().any(|name| name == key) {
            continue;
        }
        // The known name sharing the longest start (`heartbeat` → `heartbeatInterval`,
        // `maxRetires` → `maxRetries`); the first one listed on a tie.
        let closest = known().fold(("", 0), |best, name| {
            let shared = shared_prefix(&key, name);
            if shared > best.1 {
                (name, shared)
            } else {
                best
            }
        });
        let closest = closest.0;
        let message = concat(&["rebound-ws: unknown option \"", &key, "\" ignored; did you mean \"", closest, "\"?"]);
        warnings.push(&message.into());
    }
    warnings
}

/// Validates everything the JS face was given: the URL (a string, resolved now, or a
/// provider function), the subprotocols and the options (`undefined` = the default for
/// each; any other wrong type is a `TypeError` naming the option and the value).
pub fn read_js(url: &JsValue, protocol_list: &JsValue, options: &JsValue) -> Result<JsSetup, JsValue> {
    let settings = Object::new();
    match url.as_string() {
        Some(text) => set(&settings, "url", &resolve_url(&text)?.into()),
        None if url.is_function() => set(&settings, "url", url),
        None => return Err(option_error(ErrorKind::Type, "url", url, "must be a string or a function")),
    }
    protocols(protocol_list)?;
    set(&settings, "protocols", protocol_list);
    if !options.is_object() || options.is_function() {
        return Err(option_error(ErrorKind::Type, "options", options, "must be an object"));
    }

    let mut builder = Config::builder();
    for (name, apply) in NUMBERS {
        let value = get(options, name);
        if value.is_undefined() {
            continue;
        }
        let Some(number) = value.as_f64() else {
            return Err(option_error(ErrorKind::Type, name, &value, "must be a number"));
        };
        builder = apply(builder, number);
    }
    if let Some(jitter) = choice(options, "jitter", &Jitter::ALL, Jitter::as_str)? {
        builder = builder.jitter(jitter);
    }
    if let Some(overflow) = choice(options, "queueOverflow", &Overflow::ALL, Overflow::as_str)? {
        builder = builder.queue_overflow(overflow);
    }
    let config = builder.build().map_err(config_error)?;

    let verify = typed(options, "verify", JsValue::UNDEFINED, is_function, "must be a function")?;
    let verify_message = message(options, "verifyMessage", None)?;
    let verify_reply = typed(options, "verifyReply", JsValue::UNDEFINED, is_function, "must be a function")?;
    let has_check = !verify.is_undefined() || !verify_message.is_undefined() || !verify_reply.is_undefined();
    let config = engine_config(config, has_check);

    let request_timeout = get(options, "requestTimeout");
    let request_timeout = match request_timeout.as_f64() {
        _ if request_timeout.is_undefined() => DEFAULT_REQUEST_TIMEOUT_MS as f64,
        Some(ms) if ms > 0.0 && ms <= MAX_DURATION_MS => ms,
        Some(_) => {
            let problem = "must be a number of ms above 0 and at most 2147483647";
            return Err(option_error(ErrorKind::Range, "requestTimeout", &request_timeout, problem));
        }
        None => return Err(option_error(ErrorKind::Type, "requestTimeout", &request_timeout, "must be a number")),
    };
    let id_field = typed(options, "requestIdField", DEFAULT_REQUEST_ID_FIELD.into(), is_string, "must be a string")?;
    let reply = typed(
        options,
        "heartbeatReply",
        DEFAULT_HEARTBEAT_REPLY.into(),
        is_string_or_function,
        "must be a string or a function",
    )?;
    let constructor = match get(options, "WebSocket") {
        given if given.is_undefined() => get(&js_sys::global(), "WebSocket"),
        given => given,
    };
    if !constructor.is_function() {
        let must = "must be a WebSocket constructor (no global WebSocket here: pass { WebSocket } from the ws package)";
        return Err(option_error(ErrorKind::Type, "WebSocket", &constructor, must));
    }
    let share = typed(
        options,
        "share",
        false.into(),
        |v| v.as_bool().is_some() || v.is_string(),
        "must be true, false or a string key",
    )?;
    let no_key = share.as_bool() == Some(true) || share.as_string().is_some_and(|key| key.is_empty());
    if url.is_function() && no_key {
        let problem = "with a URL provider must be a key naming the endpoint (share: 'chat'): tabs cannot tell \
                       whether two providers give the same socket, and would share one socket between endpoints";
        return Err(option_error(ErrorKind::Type, "share", &share, problem));
    }
    let fields: [(&str, JsValue); 16] = [
        ("share", share),
        ("heartbeat", config.heartbeat_interval_ms().is_some().into()),
        ("heartbeatMessage", message(options, "heartbeatMessage", Some(DEFAULT_HEARTBEAT_MESSAGE))?),
        ("heartbeatReply", reply),
        ("verify", verify),
        ("verifyMessage", verify_message),
        ("verifyReply", verify_reply),
        ("shouldReconnect", typed(options, "shouldReconnect", JsValue::UNDEFINED, is_function, "must be a function")?),
        ("requestTimeout", request_timeout.into()),
        ("requestIdField", id_field),
        ("highWaterMark", (config.high_water_bytes() as f64).into()),
        ("startClosed", typed(options, "startClosed", false.into(), is_bool, "must be a boolean")?),
        ("networkHints", typed(options, "networkHints", true.into(), is_bool, "must be a boolean")?),
        (
            "debug",
            typed(
                options,
                "debug",
                false.into(),
                |v| v.as_bool().is_some() || v.is_function(),
                "must be a boolean or a function",
            )?,
        ),
        ("WebSocket", constructor),
        ("warnings", unknown_options(options).into()),
    ];
    for (name, value) in fields {
        set(&settings, name, &value);
    }
    Ok(JsSetup { config, settings })
}

/// The request timeout as `request()` takes it: `undefined` → `default`, else a number of
/// ms above 0 (a `RangeError`/`TypeError` naming `timeout` otherwise).
pub fn request_timeout(value: &JsValue, default: u64) -> Result<u64, JsValue> {
    if value.is_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(ms) if ms > 0.0 && ms <= MAX_DURATION_MS => Ok((ms + 0.5) as u64),
        Some(_) => Err(option_error(
            ErrorKind::Range,
            "timeout",
            value,
            "must be a number of ms above 0 and at most 2147483647",
        )),
        None => Err(option_error(ErrorKind::Type, "timeout", value, "must be a number")),
    }
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
