//! The JS face's boundary as data: the records `Core` writes (an action and its named
//! fields), the options the wrapper reads (name, kind, default) and the texts of the errors
//! the wrapper throws for them. `npm/src/boundary.js` is written from these tables
//! by [`generated_js`] (`tests/boundary.rs` fails when the committed file is stale), so the
//! JS half of the boundary is never written by hand, and the names stay Rust's.
//!
//! `Core` (js_api.rs) takes numbers and strings and answers with records: a flat list of
//! numbers, each record an action's index in [`RECORDS`] followed by its fields, encoded as
//! [`Field`] says; texts are ranges of one string (`Core::text`). The wrapper turns each
//! record into an object with the field names below and hands it to its sink.

use alloc::string::String;

use ws_core::Hint;

/// How a field is encoded in a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// A number.
    Number,
    /// A number, or `null` (encoded NaN).
    Optional,
    /// A boolean (0 or 1).
    Flag,
    /// A string: its start and length in UTF-16 units in `Core::text`.
    Text,
    /// A string or `null` (start −1).
    OptionalText,
    /// An app value the wrapper holds: its handle.
    Data,
}

impl Field {
    fn code(self) -> &'static str {
        match self {
            Field::Number => "n",
            Field::Optional => "o",
            Field::Flag => "b",
            Field::Text => "s",
            Field::OptionalText => "t",
            Field::Data => "d",
        }
    }
}

use Field::{Data, Flag, Number, Optional, OptionalText, Text};

/// A record's action and its fields, in the order `Core` writes them.
pub type Record = (&'static str, &'static [(&'static str, Field)]);

/// Every record `Core` writes; a record starts with its index here ([`Action`]).
pub const RECORDS: [Record; 22] = [
    // The state changed: its name, the `WebSocket` readyState it means, the attempt, the
    // retry limit, the ms until the scheduled retry, and whether the socket keeps running by
    // itself (the wrapper holds it then, as the browser holds an open WebSocket).
    (
        "state",
        &[
            ("state", Text),
            ("readyState", Number),
            ("attempt", Number),
            ("maxRetries", Optional),
            ("retryIn", Optional),
            ("keepsRunning", Flag),
        ],
    ),
    // Create socket `conn` for `url` and attach its handlers.
    ("openSocket", &[("conn", Number), ("url", Text)]),
    // Ask the app's URL provider for attempt `conn`'s URL.
    ("needUrl", &[("conn", Number)]),
    // Run the ready check on socket `conn`.
    ("verify", &[("conn", Number)]),
    // Send `data` on socket `conn` (the request id it carries, or null).
    ("transmit", &[("conn", Number), ("data", Data), ("request", Optional)]),
    // Send the heartbeat message on socket `conn`.
    ("ping", &[("conn", Number)]),
    // Close socket `conn` and detach it.
    ("closeSocket", &[("conn", Number), ("code", Number), ("reason", Text)]),
    // Socket `conn` is ready: the app's `open`.
    ("ready", &[("conn", Number), ("openToReadyMs", Number)]),
    // A connection ended, classified: the app's `close` event's fields.
    (
        "close",
        &[
            ("code", Number),
            ("reason", Text),
            ("wasClean", Flag),
            ("kind", Text),
            ("hint", Text),
            ("willRetry", Flag),
            ("retryIn", Optional),
            ("httpStatus", Optional),
        ],
    ),
    // The app's `error`.
    ("error", &[("conn", Number)]),
    // A message that will not be sent: the app's `drop`.
    ("drop", &[("data", Data), ("reason", Text)]),
    // Request `id` will never get its reply.
    ("requestFailed", &[("id", Number), ("failure", Text)]),
    // `bufferedAmount` is back under the low-water mark: the app's `drain`.
    ("drain", &[]),
    // The error the app's code gave this call (a URL provider's, a constructor's) is why
    // the attempt failed: the `error` event that follows carries it.
    ("failure", &[]),
    // Arm the one timer for `delay` ms (replacing any armed one); negative: cancel it.
    ("timer", &[("delay", Number)]),
    // The call is refused: throw this error. `option` names the value at fault (the wrapper
    // shows it in the message: "invalid option …": `value`, the number refused, or the app's
    // own when null), or is null and `problem` is the message.
    ("thrown", &[("name", Text), ("option", OptionalText), ("problem", Text), ("value", Optional)]),
    // What `statusView()` returns (`StatusView` in index.d.ts).
    (
        "view",
        &[
            ("state", Text),
            ("icon", Text),
            ("text", Text),
            ("spoken", Text),
            ("reason", OptionalText),
            ("attempt", Number),
            ("maxAttempts", Optional),
            ("retryAt", Optional),
            ("retry", Text),
            ("recheckIn", Optional),
        ],
    ),
    // What `stats` starts from (the wrapper adds its own counters).
    (
        "stats",
        &[
            ("attempts", Number),
            ("opens", Number),
            ("messagesSent", Number),
            ("messagesReceived", Number),
            ("messagesDropped", Number),
            ("rttMs", Optional),
            ("openToReadyMs", Optional),
            ("readySince", Optional),
            ("lastClose", OptionalText),
            ("queued", Number),
            ("queuedBytes", Number),
            ("attempt", Number),
            ("retryAt", Optional),
            ("maxRetries", Optional),
        ],
    ),
    // The set-up's outcome: the settings the wrapper reads besides the app's options (it
    // never re-derives them). `heartbeat`: the wrapper watches for the reply; `member`: a
    // `share` member (its sockets are links); `url`: the fixed URL (resolved), or null for
    // a provider; `shareConfig`: a member's engine options as the fingerprint tabs compare
    // has them (the share module adds the messages); `shareIds`: the first of this
    // instance's request ids (when it shares), in blocks of `shareBlockIds`.
    (
        "settings",
        &[
            ("heartbeat", Flag),
            ("highWaterMark", Number),
            ("member", Flag),
            ("url", OptionalText),
            ("shareConfig", OptionalText),
            ("shareIds", Optional),
            ("shareBlockIds", Number),
        ],
    ),
    // The scheme a socket URL takes.
    ("scheme", &[("protocol", Text)]),
    // What a `send` through Core did: `sent`, `congested`, `queued` or `dropped`.
    ("sent", &[("status", Text)]),
    // The id the next request carries.
    ("requestId", &[("id", Number)]),
];

/// A record's index in [`RECORDS`] (the first number of each record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Action {
    State,
    OpenSocket,
    NeedUrl,
    Verify,
    Transmit,
    Ping,
    CloseSocket,
    Ready,
    Close,
    Error,
    Drop,
    RequestFailed,
    Drain,
    Failure,
    Timer,
    Thrown,
    View,
    Stats,
    Settings,
    Scheme,
    Sent,
    RequestId,
}

impl Action {
    /// Every action, in [`RECORDS`]' order (`tests/boundary.rs` checks the two agree).
    pub const ALL: [Action; 22] = [
        Action::State,
        Action::OpenSocket,
        Action::NeedUrl,
        Action::Verify,
        Action::Transmit,
        Action::Ping,
        Action::CloseSocket,
        Action::Ready,
        Action::Close,
        Action::Error,
        Action::Drop,
        Action::RequestFailed,
        Action::Drain,
        Action::Failure,
        Action::Timer,
        Action::Thrown,
        Action::View,
        Action::Stats,
        Action::Settings,
        Action::Scheme,
        Action::Sent,
        Action::RequestId,
    ];
}

/// What the wrapper tells `Core::input`, with its numbers `a`, `b`, `c`, the bits of `given`
/// and its `text` (`given & 1`: the first optional value is present; `given & 2`: the second
/// flag where one is named).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Connect now (the first start, or `reconnect()`).
    Connect,
    /// The app's `close()`: `a` the code (`given & 1`: given), `text` the reason.
    Close,
    /// A message the wrapper could not send directly: `a` its handle, `b` its size.
    Send,
    /// A transmitted message the open socket refused: `a` handle, `b` size, `c` its request
    /// id (`given & 1`: it has one).
    Refused,
    /// A transmitted message that did not go out: as [`Input::Refused`].
    Unsent,
    /// The next request's id: `a` its timeout (`given & 1`: given).
    RequestId,
    /// Send request `a` (from [`Input::RequestId`]): `b` its JSON's handle, `c` its size.
    Request,
    /// The URL provider gave `text` for attempt `a`.
    OpenUrl,
    /// The URL provider failed for attempt `a`.
    UrlFailed,
    /// Attempt `a` could not start (its socket could not be made or refused its handlers).
    Failed,
    /// Socket `a` opened.
    Opened,
    /// Socket `a` reported an error; `text` its message, where it gives one.
    Errored,
    /// Socket `a` closed: `b` the code (`given & 1`: a number), `text` the reason, `given & 2` wasClean;
    /// `c` what shouldReconnect said (1 reconnect, 0 stop, else the table decides).
    Closed,
    /// The ready check on socket `a` answered: `b` 1 ready, 0 failed.
    Verdict,
    /// The heartbeat reply arrived: `a` the wrapper's inbound count.
    Pong,
    /// A direct send found `bufferedAmount` `a` above the high-water mark.
    Congested,
    /// The timer fired: `a` inbound count, `b` bufferedAmount, `c` when the last message came.
    Tick,
    /// A page event, `c` its index in `HINT_EVENTS` ([`Hint::EVENTS`]; −1: none of them): `a` 1 if the
    /// document is hidden, `b` 1 if the event's `persisted`.
    Hint,
    /// What an indicator shows now, with `a` ms of grace.
    StatusView,
    /// Counters and the current state's details.
    Stats,
    /// A URL's scheme `text` checked; `a` 1 if the page is `https:`.
    Scheme,
}

impl Input {
    /// Every input, by its index.
    pub const ALL: [Input; 21] = [
        Input::Connect,
        Input::Close,
        Input::Send,
        Input::Refused,
        Input::Unsent,
        Input::RequestId,
        Input::Request,
        Input::OpenUrl,
        Input::UrlFailed,
        Input::Failed,
        Input::Opened,
        Input::Errored,
        Input::Closed,
        Input::Verdict,
        Input::Pong,
        Input::Congested,
        Input::Tick,
        Input::Hint,
        Input::StatusView,
        Input::Stats,
        Input::Scheme,
    ];

    /// Its name in the generated table (`INPUT.close` in JS).
    pub fn name(self) -> &'static str {
        match self {
            Input::Connect => "connect",
            Input::Close => "close",
            Input::Send => "send",
            Input::Refused => "refused",
            Input::Unsent => "unsent",
            Input::RequestId => "requestId",
            Input::Request => "request",
            Input::OpenUrl => "openUrl",
            Input::UrlFailed => "urlFailed",
            Input::Failed => "failed",
            Input::Opened => "opened",
            Input::Errored => "errored",
            Input::Closed => "closed",
            Input::Verdict => "verdict",
            Input::Pong => "pong",
            Input::Congested => "congested",
            Input::Tick => "tick",
            Input::Hint => "hint",
            Input::StatusView => "statusView",
            Input::Stats => "stats",
            Input::Scheme => "scheme",
        }
    }
}

/// How the wrapper reads an option (`undefined` is always the default).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A number, checked by the engine's [`ws_core::ConfigBuilder`] (by its index here).
    Number,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// A function.
    Function,
    /// A boolean.
    Boolean,
    /// A string.
    Text,
    /// A string or a function.
    TextOrFunction,
    /// A boolean or a function.
    BooleanOrFunction,
    /// A string, binary data or a JSON-serialisable object (made JSON once, when read).
    Message,
    /// A number of ms above 0 and at most 2147483647 ([`crate::options::timeout_ms`]).
    Timeout,
    /// `true`, `false` or a string key.
    Share,
    /// A `WebSocket` constructor (the global one when not given).
    Constructor,
}

impl Kind {
    /// The kind's name in the generated table.
    fn name(self) -> &'static str {
        match self {
            Kind::Number => "number",
            Kind::Choice(_) => "choice",
            Kind::Function => "function",
            Kind::Boolean => "boolean",
            Kind::Text => "string",
            Kind::TextOrFunction => "stringOrFunction",
            Kind::BooleanOrFunction => "booleanOrFunction",
            Kind::Message => "message",
            Kind::Timeout => "timeout",
            Kind::Share => "share",
            Kind::Constructor => "WebSocket",
        }
    }
}

/// An option's default: what the wrapper's settings hold when the app gave none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// `undefined` (the engine's default, for numbers).
    None,
    /// A string.
    Text(&'static str),
    /// A boolean.
    Flag(bool),
    /// A number.
    Number(f64),
}

/// Every option of the JS face, in the order they are read (the first wrong one is reported):
/// the numbers (in [`crate::options::NUMBERS`]' order) and the choices go to the engine's
/// builder first, then the rest; the rules across options that `Core::setup` checks (a URL
/// provider shared without a key) come after all of them.
pub const OPTIONS: [(&str, Kind, Default); 31] = [
    ("minReconnectionDelay", Kind::Number, Default::None),
    ("maxReconnectionDelay", Kind::Number, Default::None),
    ("reconnectionDelayGrowFactor", Kind::Number, Default::None),
    ("maxRetries", Kind::Number, Default::None),
    ("minUptime", Kind::Number, Default::None),
    ("connectionTimeout", Kind::Number, Default::None),
    ("heartbeatInterval", Kind::Number, Default::None),
    ("heartbeatTimeout", Kind::Number, Default::None),
    ("probeTimeout", Kind::Number, Default::None),
    ("verifyTimeout", Kind::Number, Default::None),
    ("maxEnqueuedMessages", Kind::Number, Default::None),
    ("maxEnqueuedBytes", Kind::Number, Default::None),
    ("messageTtl", Kind::Number, Default::None),
    ("highWaterMark", Kind::Number, Default::None),
    ("lowWaterMark", Kind::Number, Default::None),
    ("tryAgainLaterDelay", Kind::Number, Default::None),
    ("jitter", Kind::Choice(&JITTERS), Default::None),
    ("queueOverflow", Kind::Choice(&OVERFLOWS), Default::None),
    ("verify", Kind::Function, Default::None),
    ("verifyMessage", Kind::Message, Default::None),
    ("verifyReply", Kind::Function, Default::None),
    ("requestTimeout", Kind::Timeout, Default::Number(crate::options::DEFAULT_REQUEST_TIMEOUT_MS as f64)),
    ("requestIdField", Kind::Text, Default::Text(crate::options::DEFAULT_REQUEST_ID_FIELD)),
    ("heartbeatReply", Kind::TextOrFunction, Default::Text(crate::options::DEFAULT_HEARTBEAT_REPLY)),
    ("WebSocket", Kind::Constructor, Default::None),
    ("share", Kind::Share, Default::Flag(false)),
    ("heartbeatMessage", Kind::Message, Default::Text(crate::options::DEFAULT_HEARTBEAT_MESSAGE)),
    ("shouldReconnect", Kind::Function, Default::None),
    ("startClosed", Kind::Boolean, Default::Flag(false)),
    ("networkHints", Kind::Boolean, Default::Flag(true)),
    ("debug", Kind::BooleanOrFunction, Default::Flag(false)),
];

/// How many of [`OPTIONS`] are numbers (the first ones).
pub const NUMBER_OPTIONS: usize = 16;

/// `jitter`'s names ([`ws_core::Jitter::ALL`]'s, which `tests/boundary.rs` checks).
pub const JITTERS: [&str; 5] = ["none", "full", "equal", "decorrelated", "phased"];
/// `queueOverflow`'s names ([`ws_core::Overflow::ALL`]'s, checked likewise).
pub const OVERFLOWS: [&str; 3] = ["drop-oldest", "drop-newest", "error"];

/// The `typeof` results a kind accepts, separated by spaces (`""` for a choice and a message,
/// which the wrapper checks by their names and by what the platform can send).
pub fn types(kind: Kind) -> &'static str {
    match kind {
        Kind::Number | Kind::Timeout => "number",
        Kind::Function | Kind::Constructor => "function",
        Kind::Boolean => "boolean",
        Kind::Text => "string",
        Kind::TextOrFunction => "string function",
        Kind::BooleanOrFunction => "boolean function",
        Kind::Share => "boolean string",
        Kind::Choice(_) | Kind::Message => "",
    }
}

/// What a value of the wrong type for a kind is told: `… <value> must be …`.
pub fn must(kind: Kind) -> &'static str {
    match kind {
        Kind::Number => "must be a number",
        Kind::Choice(_) => "must be one of",
        Kind::Function => "must be a function",
        Kind::Boolean => "must be a boolean",
        Kind::Text => "must be a string",
        Kind::TextOrFunction => "must be a string or a function",
        Kind::BooleanOrFunction => "must be a boolean or a function",
        Kind::Message => "must be a string, binary data or a JSON-serialisable object",
        Kind::Timeout => "must be a number",
        Kind::Share => "must be true, false or a string key",
        Kind::Constructor => {
            "must be a WebSocket constructor (no global WebSocket here: pass { WebSocket } from the ws package)"
        }
    }
}

/// The other texts of the errors the wrapper throws, by name.
pub const TEXTS: [(&str, &str); 10] = [
    ("options", "must be an object"),
    ("url", "must be a string or a function"),
    ("invalidUrl", INVALID_URL),
    ("timeout", TIMEOUT_RANGE),
    ("grace", "must be a number of ms from 0 to 2147483647"),
    ("protocols", "must be a string or an array of strings"),
    ("subprotocol", "rebound-ws: invalid or duplicate subprotocol "),
    ("unknownOption", "rebound-ws: unknown option \""),
    ("request", "rebound-ws: request() takes a plain object message"),
    ("opaqueOrigin", OPAQUE_ORIGIN),
];

/// What a URL the platform's parser refuses is told (its query and fragment are left out:
/// tokens live there).
pub const INVALID_URL: &str = "rebound-ws: invalid WebSocket URL: ";

/// What a timeout out of range is told (`requestTimeout`, `request()`'s `timeout`).
pub const TIMEOUT_RANGE: &str = "must be a number of ms above 0 and at most 2147483647";

/// What an instance that asked for `share` on an opaque origin is told (once per page).
pub const OPAQUE_ORIGIN: &str = "rebound-ws: share: this page's origin is opaque (a sandboxed frame without \
allow-same-origin, or a data: URL), where Web Locks refuse every request: this instance opens a socket of its own";

/// `text` as a JS string literal (double quotes; the texts here have no control characters).
fn quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// The JS module `npm/src/boundary.js`, written from the tables above.
pub fn generated_js() -> String {
    let mut js = String::from(
        "// @ts-check\n// Generated from crates/ws-wasm/src/boundary.rs by `UPDATE=1 cargo test -p ws-wasm --features js-api --test boundary`: do not edit.\n",
    );
    js.push_str("/** Core's records: [action, field, encoding, ...] (encodings: boundary.rs `Field`). @type {string[][]} */\nexport const RECORDS = [");
    for (name, fields) in RECORDS {
        js.push('[');
        quoted(&mut js, name);
        for (field, encoding) in fields {
            js.push(',');
            quoted(&mut js, field);
            js.push(',');
            quoted(&mut js, encoding.code());
        }
        js.push_str("],");
    }
    js.push_str(
        "];\n/** Core.input's inputs, by name: their index. @type {Record<string, number>} */\nexport const INPUT = {",
    );
    for (index, input) in Input::ALL.into_iter().enumerate() {
        js.push_str(input.name());
        js.push(':');
        ws_core::push_decimal(&mut js, index as u64);
        js.push(',');
    }
    js.push_str("};\n/** The options: [name, kind, default, ...choices]. @type {any[][]} */\nexport const OPTIONS = [");
    for (name, kind, default) in OPTIONS {
        js.push('[');
        quoted(&mut js, name);
        js.push(',');
        quoted(&mut js, kind.name());
        js.push(',');
        match default {
            Default::None => js.push_str("undefined"),
            Default::Text(text) => quoted(&mut js, text),
            Default::Flag(flag) => js.push_str(if flag { "true" } else { "false" }),
            Default::Number(n) => ws_core::push_decimal(&mut js, n as u64),
        }
        if let Kind::Choice(names) = kind {
            for choice in names {
                js.push(',');
                quoted(&mut js, choice);
            }
        }
        js.push_str("],");
    }
    js.push_str("];\n/** What a value of the wrong type is told, by kind. @type {Record<string, string>} */\nexport const MUST = {");
    by_kind(&mut js, must);
    js.push_str("};\n/** The `typeof`s each kind accepts, space-separated. @type {Record<string, string>} */\nexport const TYPES = {");
    by_kind(&mut js, types);
    js.push_str("};\n/** The other error texts. @type {Record<string, string>} */\nexport const TEXTS = {");
    for (name, text) in TEXTS {
        js.push_str(name);
        js.push(':');
        quoted(&mut js, text);
        js.push(',');
    }
    js.push_str("};\n/** The page events Core understands: [type, on document]. @type {[string, boolean][]} */\nexport const HINT_EVENTS = [");
    for (name, on_document) in Hint::EVENTS {
        js.push('[');
        quoted(&mut js, name);
        js.push_str(if on_document { ",true]," } else { ",false]," });
    }
    js.push_str("];\n");
    js
}

/// `"kind":"text",` for each distinct option kind (in the order the options first use it).
fn by_kind(js: &mut String, text: fn(Kind) -> &'static str) {
    let mut done: alloc::vec::Vec<&str> = alloc::vec::Vec::new();
    for (_, kind, _) in OPTIONS {
        if !done.contains(&kind.name()) {
            done.push(kind.name());
            quoted(js, kind.name());
            js.push(':');
            quoted(js, text(kind));
            js.push(',');
        }
    }
}
