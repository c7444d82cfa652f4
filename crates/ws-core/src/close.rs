//! Close-code policy and the classification of every disconnect for people.
//!
//! Default table (a user predicate is consulted first, see [`crate::ConfigBuilder::close_predicate`]):
//!
//! | code | kind | default |
//! |---|---|---|
//! | 1000 from the server | `server-normal` | reconnect |
//! | 1001 | `going-away` | reconnect |
//! | 1002, 1003, 1007, 1010 | `protocol` | stop |
//! | 1005 | `no-status` | reconnect |
//! | 1006 before open / after open | `unreachable` / `connection-lost` | reconnect |
//! | 1006 before open, the upgrade answered with an HTTP status | `refused` | reconnect |
//! | 1008 | `policy` | stop |
//! | 1009 | `too-big` | stop |
//! | 1011 | `server-error` | reconnect |
//! | 1012 | `restart` | reconnect |
//! | 1013 | `try-again-later` | reconnect, no sooner than `tryAgainLaterDelay` |
//! | 1014 | `bad-gateway` | reconnect |
//! | 4000–4099 | `app-stop` | stop |
//! | 4100–4999 | `app-retry` | reconnect |
//! | anything else | `other` | reconnect |
//!
//! A reason containing `retry-after=<ms>` (at most [`MAX_RETRY_AFTER_MS`]), whatever the
//! code, is the floor of the next delay: the client comes back no sooner than the server
//! asked, and never sooner than its own backoff (so `retry-after=0` cannot make it loop).

/// What a user close predicate decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseDecision {
    /// Reconnect with backoff.
    Reconnect,
    /// Stop: the engine goes to `Failed` and waits for `reconnect()`.
    Stop,
    /// Use the default table.
    Default,
}

/// Why a connection ended, for people and for the status widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseKind {
    /// The app called `close()`.
    User,
    /// The server closed with 1000.
    ServerNormal,
    /// 1001: the server (or the page) is going away.
    GoingAway,
    /// The socket never opened (refused, DNS, TLS, rejected upgrade).
    Unreachable,
    /// The upgrade was answered with an HTTP status instead of 101, and the socket said
    /// which (the `ws` package does; browsers hide it): see [`refusal_hint`].
    Refused,
    /// The app's URL provider threw, rejected or gave something that is not a valid URL:
    /// no socket was even created.
    UrlProvider,
    /// An open socket died without a close frame (1006).
    ConnectionLost,
    /// 1005: closed without a status code.
    NoStatus,
    /// No open within `connectionTimeout`.
    ConnectTimeout,
    /// No reply to the heartbeat within `heartbeatTimeout` (or the probe's deadline).
    HeartbeatTimeout,
    /// The verification step reported failure.
    VerificationFailed,
    /// The verification step did not finish within `verifyTimeout`.
    VerificationTimeout,
    /// 1002, 1003, 1007, 1010: protocol or data rejected.
    Protocol,
    /// 1008: policy violation (usually authentication).
    Policy,
    /// 1009: a message was too big.
    TooBig,
    /// 1011: the server hit an internal error.
    ServerError,
    /// 1012: the server is restarting.
    Restart,
    /// 1013: the server is overloaded.
    TryAgainLater,
    /// 1014: a gateway could not reach the upstream server.
    BadGateway,
    /// 4000–4099: the application asked not to retry.
    AppStop,
    /// 4100–4999: application-defined, retried.
    AppRetry,
    /// The socket died while the browser reported the network offline.
    Offline,
    /// The page went into the back/forward cache.
    Suspended,
    /// Any other code.
    Other,
}

impl CloseKind {
    /// Every kind (for bindings and tests that list the names).
    pub const ALL: [CloseKind; 24] = {
        use CloseKind::*;
        [
            User,
            ServerNormal,
            GoingAway,
            Unreachable,
            Refused,
            UrlProvider,
            ConnectionLost,
            NoStatus,
            ConnectTimeout,
            HeartbeatTimeout,
            VerificationFailed,
            VerificationTimeout,
            Protocol,
            Policy,
            TooBig,
            ServerError,
            Restart,
            TryAgainLater,
            BadGateway,
            AppStop,
            AppRetry,
            Offline,
            Suspended,
            Other,
        ]
    };

    /// The kind's stable name, e.g. `"connect-timeout"`.
    pub fn as_str(self) -> &'static str {
        use CloseKind::*;
        match self {
            User => "user",
            ServerNormal => "server-normal",
            GoingAway => "going-away",
            Unreachable => "unreachable",
            Refused => "refused",
            UrlProvider => "url-provider",
            ConnectionLost => "connection-lost",
            NoStatus => "no-status",
            ConnectTimeout => "connect-timeout",
            HeartbeatTimeout => "heartbeat-timeout",
            VerificationFailed => "verification-failed",
            VerificationTimeout => "verification-timeout",
            Protocol => "protocol",
            Policy => "policy",
            TooBig => "too-big",
            ServerError => "server-error",
            Restart => "restart",
            TryAgainLater => "try-again-later",
            BadGateway => "bad-gateway",
            AppStop => "app-stop",
            AppRetry => "app-retry",
            Offline => "offline",
            Suspended => "suspended",
            Other => "other",
        }
    }

    /// A one-line explanation with what to check.
    pub fn hint(self) -> &'static str {
        use CloseKind::*;
        match self {
            User => "closed by the app; call reconnect() to connect again",
            ServerNormal => "the server closed the connection normally (1000)",
            GoingAway => "the server is shutting down or restarting (1001)",
            Unreachable => "could not connect: check the URL, that the server is up, and that proxies forward the Upgrade/Connection headers",
            Refused => "the server answered the upgrade with an HTTP error status instead of 101 (the error event has it)",
            UrlProvider => "the URL provider failed (its error is the error event's): no socket was created; the attempt is retried",
            ConnectionLost => "the connection dropped without a close frame (1006): network loss, a proxy idle timeout or a server crash",
            NoStatus => "the server closed without a status code (1005)",
            ConnectTimeout => "no upgrade answer in time: check that proxies forward the Upgrade/Connection headers and that the server is not overloaded",
            HeartbeatTimeout => "no reply to the heartbeat in time: the link is half-open (dead server, lost network or a proxy that dropped it)",
            VerificationFailed => "the server answered but the ready check failed: check the verification message and what the server replies",
            VerificationTimeout => "the server did not answer the ready check in time",
            Protocol => "the server rejected the protocol or the data (1002/1003/1007/1010): check subprotocols, extensions and message format",
            Policy => "the server refused by policy (1008): usually expired or missing credentials",
            TooBig => "a message was larger than the server accepts (1009)",
            ServerError => "the server hit an internal error (1011)",
            Restart => "the server is restarting (1012)",
            TryAgainLater => "the server is overloaded (1013) and asked clients to come back later",
            BadGateway => "a gateway could not reach the server behind it (1014)",
            AppStop => "the application closed with a code in 4000-4099, which means do not retry",
            AppRetry => "the application closed with a code in 4100-4999",
            Offline => "the browser is offline; reconnects when the network is back",
            Suspended => "the page went into the back/forward cache; reconnects when it is shown again",
            Other => "the server closed with an unrecognised code",
        }
    }
}

/// What an HTTP status that refused the upgrade means (the hint of a `refused` close).
///
/// ```
/// use ws_core::refusal_hint;
/// assert!(refusal_hint(426).contains("Upgrade"));
/// assert!(refusal_hint(403).contains("credentials"));
/// ```
pub fn refusal_hint(status: u16) -> &'static str {
    match status {
        426 => "426 Upgrade Required: a proxy in between drops the Upgrade/Connection headers (nginx: proxy_http_version 1.1 and proxy_set_header Upgrade/Connection)",
        401 | 403 => "the upgrade was refused as unauthorized (401/403): credentials are missing, expired or not allowed",
        404 => "the upgrade got 404 Not Found: check the URL's path",
        502..=504 => "a proxy answered 502-504: the upstream WebSocket server behind it is down, unreachable or too slow",
        _ => CloseKind::Refused.hint(),
    }
}

/// The longest server-directed delay honoured (10 minutes).
pub const MAX_RETRY_AFTER_MS: u64 = 600_000;

/// Classifies a close reported by the socket. `opened` says whether this socket ever opened.
pub fn classify(code: u16, opened: bool) -> CloseKind {
    use CloseKind::*;
    match code {
        1000 => ServerNormal,
        1001 => GoingAway,
        1002 | 1003 | 1007 | 1010 => Protocol,
        1005 => NoStatus,
        1006 if opened => ConnectionLost,
        1006 => Unreachable,
        1008 => Policy,
        1009 => TooBig,
        1011 => ServerError,
        1012 => Restart,
        1013 => TryAgainLater,
        1014 => BadGateway,
        4000..=4099 => AppStop,
        4100..=4999 => AppRetry,
        _ => Other,
    }
}

/// Whether the default table reconnects after this kind of close.
pub fn reconnects_by_default(kind: CloseKind) -> bool {
    use CloseKind::*;
    !matches!(kind, User | Protocol | Policy | TooBig | AppStop)
}

/// The server-directed delay in a close reason: `retry-after=<ms>` anywhere in it,
/// case-insensitive, capped at [`MAX_RETRY_AFTER_MS`].
///
/// ```
/// use ws_core::retry_after_ms;
/// assert_eq!(retry_after_ms("overloaded; retry-after=2500"), Some(2_500));
/// assert_eq!(retry_after_ms("Retry-After=99999999999"), Some(600_000));
/// assert_eq!(retry_after_ms("retry-after=soon"), None);
/// ```
pub fn retry_after_ms(reason: &str) -> Option<u64> {
    const KEY: &[u8] = b"retry-after=";
    let bytes = reason.as_bytes();
    let start = bytes.windows(KEY.len()).position(|w| w.eq_ignore_ascii_case(KEY))? + KEY.len();
    // `get`, not indexing: no panic path (and no core::fmt) in the wasm.
    let digits = bytes.get(start..).unwrap_or_default().iter().take_while(|b| b.is_ascii_digit());
    let mut value: u64 = 0;
    let mut any = false;
    for digit in digits {
        any = true;
        value = value.saturating_mul(10).saturating_add(u64::from(digit - b'0'));
    }
    any.then_some(value.min(MAX_RETRY_AFTER_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_matches_the_design() {
        let stop = [1002, 1003, 1007, 1008, 1009, 1010, 4000, 4042, 4099];
        let retry = [1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 4100, 4500, 4999, 3000, 1015];
        for code in stop {
            assert!(!reconnects_by_default(classify(code, true)), "{code} should stop");
        }
        for code in retry {
            assert!(reconnects_by_default(classify(code, true)), "{code} should reconnect");
        }
        assert!(!reconnects_by_default(CloseKind::User));
    }

    #[test]
    fn abnormal_close_depends_on_whether_the_socket_opened() {
        assert_eq!(classify(1006, false), CloseKind::Unreachable);
        assert_eq!(classify(1006, true), CloseKind::ConnectionLost);
    }

    #[test]
    fn kinds_have_distinct_names_and_hints() {
        let all = CloseKind::ALL;
        let names: std::collections::HashSet<_> = all.iter().map(|k| k.as_str()).collect();
        let hints: std::collections::HashSet<_> = all.iter().map(|k| k.hint()).collect();
        assert_eq!((names.len(), hints.len()), (all.len(), all.len()));
        assert!(CloseKind::ConnectTimeout.hint().contains("Upgrade"));
    }

    #[test]
    fn retry_after_is_found_anywhere_and_bounded() {
        assert_eq!(retry_after_ms("retry-after=0"), Some(0));
        assert_eq!(retry_after_ms("busy RETRY-AFTER=1200 please"), Some(1_200));
        assert_eq!(retry_after_ms("retry-after="), None);
        assert_eq!(retry_after_ms("retry-after"), None);
        assert_eq!(retry_after_ms(""), None);
        assert_eq!(retry_after_ms("é retry-after=5"), Some(5));
    }
}
