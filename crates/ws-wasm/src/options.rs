//! The JS options object → the engine's [`Config`], with errors that name the option.
//!
//! Read field by field with `Reflect` rather than serde: this runs once per socket, and
//! serde's machinery would more than double the wasm the npm package ships.

use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use ws_core::{CloseDecision, Config, ConfigBuilder, ConfigError, Jitter, Overflow, Problem};

/// A rejected option, ready to become a JS `TypeError` or `RangeError`.
#[derive(Debug)]
pub struct OptionError {
    /// `"TypeError"` (wrong kind of value) or `"RangeError"` (out of range).
    pub error_name: &'static str,
    /// The option, by its JS name.
    pub option: &'static str,
    /// What is wrong, e.g. `"must be a number"`.
    pub problem: &'static str,
    /// A second option the problem refers to (`"is larger than"` …).
    pub other: Option<&'static str>,
    /// The value given.
    pub value: JsValue,
}

impl OptionError {
    pub(crate) fn type_error(option: &'static str, problem: &'static str, value: JsValue) -> Self {
        OptionError { error_name: "TypeError", option, problem, other: None, value }
    }

    /// Converts an engine validation error.
    pub fn from_config(error: ConfigError) -> Self {
        let (problem, other) = match error.problem {
            Problem::NotFinite => ("is not a finite number", None),
            Problem::Negative => ("is negative", None),
            Problem::Zero => ("must be at least 1", None),
            Problem::BelowOne => ("must be at least 1", None),
            Problem::NotInteger => ("must be a whole number", None),
            Problem::Exceeds(other) => ("is larger than", Some(other)),
            Problem::TooLarge(_) => ("is larger than the maximum 2147483647", None),
        };
        let error_name = if error.is_range_error() { "RangeError" } else { "TypeError" };
        OptionError { error_name, option: error.option, problem, other, value: error.value.into() }
    }

    /// `[errorName, option, problem, other, value]` for the JS face to throw.
    pub fn to_js(&self) -> JsValue {
        let other = self.other.map_or(JsValue::UNDEFINED, JsValue::from);
        js_sys::Array::of5(&self.error_name.into(), &self.option.into(), &self.problem.into(), &other, &self.value)
            .into()
    }
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

/// Reads `options[name]`; `undefined` when `options` is not an object.
pub(crate) fn get(options: &JsValue, name: &str) -> JsValue {
    if options.is_object() {
        Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn string_choice<T>(
    options: &JsValue,
    option: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, OptionError> {
    let value = get(options, option);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_string().as_deref().and_then(parse) {
        Some(choice) => Ok(Some(choice)),
        None => Err(OptionError::type_error(option, "is not one of the allowed values", value)),
    }
}

fn overflow(name: &str) -> Option<Overflow> {
    Some(match name {
        "drop-oldest" => Overflow::DropOldest,
        "drop-newest" => Overflow::DropNewest,
        "error" => Overflow::Error,
        _ => return None,
    })
}

/// Builds the engine config from a JS options object (`undefined`/`null` = defaults).
pub(crate) fn read_config(options: &JsValue) -> Result<Config, OptionError> {
    if !(options.is_undefined() || options.is_null() || options.is_object()) {
        return Err(OptionError::type_error("options", "must be an object", options.clone()));
    }
    let mut builder = Config::builder();
    for (name, set) in NUMBERS {
        let value = get(options, name);
        if value.is_undefined() {
            continue;
        }
        let Some(number) = value.as_f64() else {
            return Err(OptionError::type_error(name, "must be a number", value));
        };
        builder = set(builder, number);
    }
    let verifies = !get(options, "verify").is_undefined() || !get(options, "verifyMessage").is_undefined();
    if verifies && get(options, "verifyTimeout").is_undefined() {
        builder = builder.verify_timeout(10_000.0);
    }
    if let Some(jitter) = string_choice(options, "jitter", Jitter::parse)? {
        builder = builder.jitter(jitter);
    }
    if let Some(policy) = string_choice(options, "queueOverflow", overflow)? {
        builder = builder.queue_overflow(policy);
    }
    let predicate = get(options, "shouldReconnect");
    if !predicate.is_undefined() {
        let Some(function) = predicate.dyn_ref::<Function>().cloned() else {
            return Err(OptionError::type_error("shouldReconnect", "must be a function", predicate));
        };
        builder = builder.close_predicate(Rc::new(move |code, reason| {
            match function.call2(&JsValue::NULL, &code.into(), &reason.into()).ok().and_then(|v| v.as_bool()) {
                Some(true) => CloseDecision::Reconnect,
                Some(false) => CloseDecision::Stop,
                None => CloseDecision::Default,
            }
        }));
    }
    builder.build().map_err(OptionError::from_config)
}

/// The WebSocket constructor: `options.WebSocket`, else the global one.
pub(crate) fn websocket_constructor(options: &JsValue) -> Result<JsValue, OptionError> {
    let given = get(options, "WebSocket");
    let constructor = if given.is_undefined() {
        Reflect::get(&js_sys::global(), &"WebSocket".into()).unwrap_or_default()
    } else {
        given
    };
    if constructor.is_function() {
        Ok(constructor)
    } else {
        Err(OptionError::type_error(
            "WebSocket",
            "must be a WebSocket constructor (no global WebSocket here: pass { WebSocket } from the ws package)",
            constructor,
        ))
    }
}
