// Type definitions for rebound-ws.
//
// A drop-in for reconnecting-websocket 4.x (and so for WebSocket); the README is the
// contract, this file states it for the compiler. The same file serves `import` and
// `require` consumers: the CommonJS build exports the same names (`default`,
// `ReconnectingWebSocket`, `liveHandlers`, `pendingTimers`, `wasmMemoryBytes`).
//
// DOM types (Event, CloseEvent, MessageEvent, WebSocket, Blob) are used when the consumer's
// `lib`/`types` declare them, and small structural stand-ins otherwise, so a Node project
// without `lib: ["dom"]` type-checks too.

// ---- globals when present, stand-ins otherwise ---------------------------------------------

/** The instance type of the global class `Name` when the consumer's libs declare it, else `Fallback`. */
type GlobalInstance<Name extends string, Fallback> = typeof globalThis extends {
  [K in Name]: { prototype: infer T };
}
  ? T
  : Fallback;

interface EventStandIn {
  readonly type: string;
  readonly target: unknown;
  readonly timeStamp: number;
}

interface CloseFields {
  /** The close code (1000–4999). */
  readonly code: number;
  /** The close reason sent by the peer (or set by rebound-ws for its own closes). */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
}

interface MessageEventStandIn extends EventStandIn {
  readonly data: any;
}

interface SocketStandIn {
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: Message): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void, options?: unknown): void;
  removeEventListener(type: string, listener: (event: any) => void, options?: unknown): void;
}

// ---- small unions -----------------------------------------------------------------------------

/**
 * The engine's state (`ws.state`, `statechange` events):
 * - `idle`: created with `startClosed`; nothing happens until `reconnect()`.
 * - `connecting`: a socket is opening.
 * - `verifying`: the socket is open and the ready check (`verify` / `verifyMessage` /
 *   `verifyReply`) is running.
 * - `open`: ready; messages flow.
 * - `reconnecting`: waiting to retry (see `retryIn`).
 * - `offline`: the browser is offline; the next attempt runs when it is back online.
 * - `suspended`: the page is in the back/forward cache; reconnects when it is shown again.
 * - `closing`: the app called `close()`; waiting for the socket's close event (as
 *   `WebSocket`'s CLOSING, `readyState` 2; at most 2 s). Sends are dropped.
 * - `closed`: closed by the app; nothing happens until `reconnect()`.
 * - `failed`: stopped for good: the close policy said stop or `maxRetries` ran out;
 *   nothing happens until `reconnect()`.
 */
export type State =
  | 'idle'
  | 'connecting'
  | 'verifying'
  | 'open'
  | 'reconnecting'
  | 'offline'
  | 'suspended'
  | 'closing'
  | 'closed'
  | 'failed';

/**
 * Why a connection ended (the `kind` of a `close` event, `stats.lastClose`).
 *
 * From the close code: `server-normal` (1000 from the server), `going-away` (1001),
 * `protocol` (1002, 1003, 1007, 1010), `no-status` (1005), `unreachable` (1006 before open:
 * refused, DNS, TLS, rejected upgrade), `refused` (1006 before open where the socket tells
 * the HTTP status that refused the upgrade: Node's `ws`; see `httpStatus`),
 * `connection-lost` (1006 after open), `policy` (1008),
 * `too-big` (1009), `server-error` (1011), `restart` (1012), `try-again-later` (1013),
 * `bad-gateway` (1014), `app-stop` (4000–4099), `app-retry` (4100–4999), `other`.
 *
 * Made by rebound-ws itself: `user` (`close()` / `reconnect()`), `url-provider` (the URL
 * provider threw, rejected or gave an invalid URL: no socket was created), `connect-timeout`,
 * `heartbeat-timeout`, `verification-failed`, `verification-timeout`, `offline` (the socket
 * died while the browser was offline), `suspended` (back/forward cache).
 *
 * By default `user`, `protocol`, `policy`, `too-big` and `app-stop` stop; every other kind
 * reconnects (see `Options.shouldReconnect`).
 */
export type CloseKind =
  | 'user'
  | 'server-normal'
  | 'going-away'
  | 'unreachable'
  | 'refused'
  | 'url-provider'
  | 'connection-lost'
  | 'no-status'
  | 'connect-timeout'
  | 'heartbeat-timeout'
  | 'verification-failed'
  | 'verification-timeout'
  | 'protocol'
  | 'policy'
  | 'too-big'
  | 'server-error'
  | 'restart'
  | 'try-again-later'
  | 'bad-gateway'
  | 'app-stop'
  | 'app-retry'
  | 'offline'
  | 'suspended'
  | 'other';

/**
 * Why a message was dropped instead of sent (`drop` events):
 * - `queue-full`: the queue was full (`maxEnqueuedMessages` / `maxEnqueuedBytes`) and
 *   `queueOverflow` dropped it;
 * - `too-large`: larger than `maxEnqueuedBytes` (or `maxEnqueuedMessages` is 0), so it could
 *   never be queued;
 * - `expired`: it waited longer than `messageTtl`, or its request timed out before it was sent;
 * - `closed`: a request's message, dropped because the connection was closed or had failed;
 * - `refused`: the open socket refused the value when it was sent (its `send` threw: a
 *   detached `ArrayBuffer`, say); it could never go out.
 */
export type DropReason = 'queue-full' | 'too-large' | 'expired' | 'closed' | 'refused';

/**
 * Why a `request()` was rejected (`RequestError.reason`):
 * - `timeout`: no reply within the timeout;
 * - `disconnected`: the socket it was sent on closed before the reply came;
 * - `dropped`: its message was dropped from the queue before it could be sent;
 * - `closed`: the app called `close()`, the connection failed for good, or it was not
 *   started (`idle`, `closed`, `failed`, `suspended`).
 */
export type RequestFailure = 'timeout' | 'disconnected' | 'dropped' | 'closed';

/**
 * How retry delays are randomised around the exponential base
 * `minReconnectionDelay · reconnectionDelayGrowFactor^(n-1)`, capped at `maxReconnectionDelay`:
 * - `none`: exactly the base (every client in lockstep; tests and tiny fleets only);
 * - `full`: uniform in `[0, base]`;
 * - `equal`: uniform in `[base/2, base]`;
 * - `decorrelated`: uniform in `[min, 3 × previous delay]`, capped;
 * - `phased` (default): `equal` until the base reaches the cap, then each client retries on
 *   its own clock of period `maxReconnectionDelay` with a random phase, so a fleet that lost
 *   its server together comes back evenly spread.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated' | 'phased';

/**
 * What `send()` does with a new message while not ready and the queue is full:
 * - `drop-oldest` (default): drop the oldest queued message (a `drop` event) and queue the new one;
 * - `drop-newest`: drop the new message (a `drop` event);
 * - `error`: `send()` throws a `RangeError` and nothing is dropped.
 */
export type QueueOverflow = 'drop-oldest' | 'drop-newest' | 'error';

/** A message: what `WebSocket.send` accepts. (`Blob` only where the consumer's libs declare it.) */
export type Message = string | ArrayBufferLike | ArrayBufferView | GlobalInstance<'Blob', never>;

/**
 * The URL, or a function returning it (synchronously or as a promise), called before every
 * attempt: rotate tokens or pick a server there. `http(s)://` and page-relative URLs are
 * accepted and mapped to `ws(s)://`; the fragment is removed.
 */
export type UrlProvider = string | (() => string) | (() => Promise<string>);

/**
 * `binaryType` values: `blob` and `arraybuffer` in browsers; `nodebuffer` and `fragments`
 * are accepted by the `ws` package in Node.
 */
export type ReboundBinaryType = 'blob' | 'arraybuffer' | 'nodebuffer' | 'fragments';

/** The underlying socket (the global `WebSocket`, or the one given as `Options.WebSocket`). */
export type ReboundSocket = GlobalInstance<'WebSocket', SocketStandIn>;

/** A WebSocket constructor: the browser's, Node's global one (Node ≥ 22), or `WebSocket` from `ws`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

// ---- events -----------------------------------------------------------------------------------

/** A plain event (`open`, `drain`). `open` fires when the connection is ready. */
export type ReboundEvent = GlobalInstance<'Event', EventStandIn>;

/** A `message` event: the underlying socket's own `MessageEvent` (`event.target` is that socket). */
export type ReboundMessageEvent = GlobalInstance<'MessageEvent', MessageEventStandIn>;

/**
 * A `close` event: a `CloseEvent` (where the platform has one; a plain `Event` with the same
 * fields in Node 20) plus the classification. Fired once per connection that ends, including
 * the app's own `close()` (kind `user`): as with `WebSocket`, not during the call but once
 * the socket has closed (its code, reason and `wasClean`), at most 2 s later, or in a later
 * task when there was no socket; `readyState` is 2 (`CLOSING`) meanwhile. Closes that
 * rebound-ws makes itself (timeouts, failed verification) carry code 1000 and the kind as
 * the reason, with `wasClean: false`.
 */
export interface ReboundCloseEvent extends GlobalInstance<'CloseEvent', ReboundEvent & CloseFields> {
  /** The close code: the server's, 1006 when the socket died or never opened, 1000 for rebound-ws's own closes. */
  readonly code: number;
  /** The close reason. A reason containing `retry-after=<ms>` sets the floor of the next delay. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** Why the connection ended, for people and programs. */
  readonly kind: CloseKind;
  /**
   * A one-line explanation with what to check, e.g. for `connect-timeout`: proxies and
   * Upgrade headers; for `refused`, what its HTTP status means (426: a proxy drops the
   * Upgrade/Connection headers; 401/403: credentials; 404: the path; 502–504: the upstream).
   */
  readonly hint: string;
  /** For kind `refused`: the HTTP status that answered the upgrade (Node's `ws` only; browsers hide it); else `null`. */
  readonly httpStatus: number | null;
  /** Whether rebound-ws will connect again without the app calling `reconnect()`. */
  readonly willRetry: boolean;
  /**
   * Milliseconds until the next attempt; `null` when it will not retry, when it waits for the
   * network (`offline`) or the page (`suspended`), and for `reconnect()` (which connects at once).
   */
  readonly retryIn: number | null;
}

/** An `error` event: a plain `Event` (always followed by a `close`). */
export interface ReboundErrorEvent extends ReboundEvent {
  /** The cause when known (an invalid URL from the provider, a throwing constructor, a rejected provider); else `undefined`. */
  readonly error: unknown;
  /** `error.message`, or `"WebSocket error"`. */
  readonly message: string;
}

/** A `statechange` event: fired on every change of `ws.state`. */
export interface StateChangeEvent extends ReboundEvent {
  /** The new state. */
  readonly state: State;
  /** The attempt number: n while connecting, verifying or waiting for the n-th retry; 0 otherwise. */
  readonly attempt: number;
  /** `maxRetries`, or `null` when unlimited. */
  readonly maxRetries: number | null;
  /** In `reconnecting`: milliseconds until the next attempt; otherwise `null`. */
  readonly retryIn: number | null;
}

/** A `ready` event: fired right after `open`. */
export interface ReadyEvent extends ReboundEvent {
  /** Milliseconds from the socket's open to ready (0 without a ready check). */
  readonly openToReadyMs: number;
}

/** A `drop` event: a message that will not be sent. Every drop is reported; none is silent. */
export interface DropEvent extends ReboundEvent {
  /** The message, handed back (for a request: its JSON text). */
  readonly data: Message;
  /** Why it was dropped. */
  readonly reason: DropReason;
}

/** Every event and its type. */
export interface ReboundEventMap {
  open: ReboundEvent;
  close: ReboundCloseEvent;
  error: ReboundErrorEvent;
  message: ReboundMessageEvent;
  statechange: StateChangeEvent;
  ready: ReadyEvent;
  drop: DropEvent;
  drain: ReboundEvent;
}

/**
 * `addEventListener`'s options, as EventTarget takes them: `once` removes the listener before
 * its first call; a `signal` removes it when aborted (an aborted one adds nothing; a value
 * that is not an AbortSignal throws a TypeError); `capture` is part of a listener's identity
 * (add and remove with the same flag); `passive` changes nothing here.
 */
export interface ReboundListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: GlobalInstance<'AbortSignal', { readonly aborted: boolean }>;
}

/** A listener: a function (called with `this` = the socket) or an object with `handleEvent`. */
export type ReboundListener<E> =
  | ((this: ReconnectingWebSocket, event: E) => void)
  | { handleEvent(event: E): void };

// ---- stats and errors -------------------------------------------------------------------------

/** A snapshot of counters and measurements (`ws.stats`; a fresh object on every read). */
/**
 * What an indicator shows (`data-state` of `<rebound-status>`): `connected`; `connecting`
 * (the first connect, or the app's Retry); `reconnecting` (lost, coming back); `offline`
 * (waiting for the network); `disconnected` (closed by the app, or not started); `error`
 * (stopped for good: refused by policy, or retries exhausted).
 */
export type StatusIndicator = 'connected' | 'connecting' | 'reconnecting' | 'offline' | 'disconnected' | 'error';

/** The Retry button: not shown, usable, or shown disabled while the Retry it started connects. */
export type RetryButton = 'hidden' | 'enabled' | 'disabled';

/** `ws.statusView(grace)`: everything an indicator renders at one moment. */
export interface StatusView {
  readonly state: StatusIndicator;
  /** An icon for the state, so colour is not the only signal: ● ↻ ⚠ ○ ! */
  readonly icon: string;
  /** The line to show, e.g. `Reconnecting · retrying in 3 s · attempt 2 of 10`. Plain text: never render it as HTML. */
  readonly text: string;
  /** The line for screen readers: `text` without the ticking countdown. */
  readonly spoken: string;
  /** In `error`: the server's close reason, or what the close kind means when it gave none; else `null`. */
  readonly reason: string | null;
  /** The retry being waited for or made (0 on a first connect). */
  readonly attempt: number;
  /** `maxRetries`, or `null` when unlimited. */
  readonly maxAttempts: number | null;
  /** When the next attempt runs (`performance.now()` ms) while a countdown is shown, else `null`. */
  readonly retryAt: number | null;
  readonly retry: RetryButton;
  /** In how many ms the view changes without an event (countdown, end of the grace period); `null` = only on events. */
  readonly recheckIn: number | null;
}

export interface ReboundStats {
  /** Sockets opened or attempted. */
  readonly attempts: number;
  /** Sockets that opened. */
  readonly opens: number;
  /** Messages handed to an open socket (direct sends and flushed queued ones, requests included). */
  readonly messagesSent: number;
  /** Inbound messages, heartbeat and request replies included. */
  readonly messagesReceived: number;
  /** Messages dropped (each also a `drop` event). */
  readonly messagesDropped: number;
  /** Last heartbeat round trip (ms), or `null` before the first one. */
  readonly rttMs: number | null;
  /** Open to ready on the last connection (ms; 0 without a ready check), or `null`. */
  readonly openToReadyMs: number | null;
  /** When the current connection became ready (`performance.now()` clock, ms), or `null` when not ready. */
  readonly readySince: number | null;
  /** The kind of the last close, or `null`. */
  readonly lastClose: CloseKind | null;
  /** Messages waiting in the queue. */
  readonly queued: number;
  /** Their size (bytes; UTF-16 code units for strings). */
  readonly queuedBytes: number;
  /** The attempt number (as `retryCount`). */
  readonly attempt: number;
  /** In `reconnecting`: when the next attempt runs (`performance.now()` clock, ms); otherwise `null`. */
  readonly retryAt: number | null;
  /** `maxRetries`, or `null` when unlimited. */
  readonly maxRetries: number | null;
  /**
   * With `share`: messages on the tabs' channel this instance ignored — malformed, or said in
   * the name of a leading tab the lock manager does not show leading (another page's post, a
   * hub that was replaced). 0 without `share`.
   */
  readonly shareIgnored: number;
}

/** The error a `request()` promise rejects with when no reply will come. */
export interface RequestError extends Error {
  readonly name: 'RequestError';
  /** Why. */
  readonly reason: RequestFailure;
}

// ---- options ----------------------------------------------------------------------------------

/**
 * Options. Every one is optional; `undefined` means the default. Invalid values throw from
 * the constructor: a `TypeError` or `RangeError` whose message names the option.
 * Durations are milliseconds, at most 2147483647.
 */
export interface Options {
  // -- socket ------------------------------------------------------------------------------

  /**
   * The WebSocket constructor to use. In Node 20 pass `WebSocket` from the `ws` package
   * (there is no global one). JS API only.
   * @defaultValue `globalThis.WebSocket`
   */
  WebSocket?: WebSocketConstructor | undefined;

  /**
   * Create the socket without connecting (state `idle`); call `reconnect()` to start.
   * `send()` queues meanwhile; `request()` is rejected (`closed`). JS API only.
   * @defaultValue `false`
   */
  startClosed?: boolean | undefined;

  // -- backoff ------------------------------------------------------------------------------

  /**
   * First retry delay before jitter (ms, > 0, ≤ `maxReconnectionDelay`).
   * reconnecting-websocket's default is a random 1000–5000.
   * @defaultValue `1000`
   */
  minReconnectionDelay?: number | undefined;

  /**
   * Cap on the retry delay (ms, > 0); with `phased` jitter also the period of a client's
   * retry clock during a long outage. reconnecting-websocket's default is 10000.
   * @defaultValue `5500`
   */
  maxReconnectionDelay?: number | undefined;

  /**
   * Growth of the delay per retry (finite, ≥ 1). reconnecting-websocket's default is 1.3.
   * @defaultValue `2`
   */
  reconnectionDelayGrowFactor?: number | undefined;

  /**
   * How retry delays are randomised (see {@link Jitter}).
   * @defaultValue `'phased'`
   */
  jitter?: Jitter | undefined;

  /**
   * Retries before giving up (a whole number ≥ 0, or `Infinity`). When they run out the
   * state becomes `failed`.
   * @defaultValue `Infinity`
   */
  maxRetries?: number | undefined;

  /**
   * A connection that stayed up at least this long resets the retry count (ms, ≥ 0); one
   * that dies sooner counts as a failure, so a crash-looping server keeps clients in backoff.
   * @defaultValue `5000`
   */
  minUptime?: number | undefined;

  /**
   * An attempt that has not opened after this long is closed and counts as a failure
   * (ms, > 0; close kind `connect-timeout`).
   * @defaultValue `4000`
   */
  connectionTimeout?: number | undefined;

  /**
   * Least delay after a 1013 (try again later) close without a `retry-after=<ms>` hint in its
   * reason (ms, ≥ 0), plus up to 50 % random extra.
   * @defaultValue `10000`
   */
  tryAgainLaterDelay?: number | undefined;

  /**
   * Consulted first for every close reported by the socket (not for the app's `close()`, nor
   * for the timeouts and failed checks rebound-ws closes on, which always retry): return
   * `true` to reconnect, `false` to stop (state `failed`), anything else for the default
   * table. It runs before the close reaches the engine, so it may call the socket's methods
   * like any listener (a `close()` there wins over its answer).
   * @defaultValue the default table: stop on 1002, 1003, 1007, 1008, 1009, 1010 and
   * 4000–4099, reconnect on everything else.
   */
  shouldReconnect?: ((code: number, reason: string) => boolean | undefined | void) | undefined;

  // -- heartbeat ----------------------------------------------------------------------------

  /**
   * Send `heartbeatMessage` after this long without inbound traffic (ms; 0 = heartbeat off).
   * The server must answer it (see `heartbeatReply`).
   * @defaultValue `0` (off)
   */
  heartbeatInterval?: number | undefined;

  /**
   * A heartbeat unanswered (no inbound traffic at all) this long after it was really sent
   * means the peer is dead: the socket is closed (kind `heartbeat-timeout`) and retried
   * (ms, > 0). Judged by elapsed time: a check that runs late (background tab, sleep) sends a
   * fresh probe with `probeTimeout` instead.
   * @defaultValue `10000`
   */
  heartbeatTimeout?: number | undefined;

  /**
   * The heartbeat message: a string or binary data, sent as is, or another object, sent as
   * its JSON (made once, when the socket is created; a value that cannot be sent is a
   * `TypeError` then). JS API only.
   * @defaultValue `'ping'`
   */
  heartbeatMessage?: string | ArrayBuffer | ArrayBufferView | object | undefined;

  /**
   * Recognises the heartbeat reply: a string compared with `===` to the message data, or a
   * predicate on it. Replies are consumed (not dispatched as `message` events). Used only when
   * `heartbeatInterval` > 0. JS API only.
   * @defaultValue `'pong'`
   */
  heartbeatReply?: string | ((data: any) => boolean) | undefined;

  /**
   * Deadline of the probe sent when the page becomes visible again or the network changes
   * while open, and after a late heartbeat check (ms, > 0). The probe is the heartbeat
   * message, so it needs `heartbeatInterval`.
   * @defaultValue `3000`
   */
  probeTimeout?: number | undefined;

  // -- ready verification -------------------------------------------------------------------

  /**
   * Ready check run on every opened socket before it counts as open: given the underlying
   * socket, it may send commands and listen on it; it passes unless it returns (or resolves
   * to) `false`, throws or rejects. Inbound messages are not dispatched while it runs.
   * Takes precedence over `verifyMessage`/`verifyReply`. Turns verification on. JS API only.
   * @defaultValue none
   */
  verify?: ((socket: ReboundSocket) => boolean | void | PromiseLike<boolean | void>) | undefined;

  /**
   * Message sent on every opened socket before it counts as open (as `heartbeatMessage`: an
   * object other than binary data is sent as its JSON, made once). Messages received while
   * verifying are judged by `verifyReply`; without it, the first answer means ready. Turns
   * verification on. JS API only.
   * @defaultValue none
   */
  verifyMessage?: string | ArrayBuffer | ArrayBufferView | object | undefined;

  /**
   * Judges each message received while verifying (consumed, not dispatched): `true` = ready,
   * `false` = close with `verification-failed` and retry, `undefined`/`null` = not the answer
   * yet (keep waiting, up to `verifyTimeout`). On its own (no `verify`, no `verifyMessage`) it
   * turns verification on and judges what the server sends first. JS API only.
   * @defaultValue none
   */
  verifyReply?: ((data: any) => boolean | undefined | null) | undefined;

  /**
   * A ready check not finished in this long fails (ms, > 0; close kind
   * `verification-timeout`). Only a check (`verify`, `verifyMessage` or `verifyReply`) turns
   * verification on; this only bounds it.
   * @defaultValue `10000`
   */
  verifyTimeout?: number | undefined;

  // -- requests -----------------------------------------------------------------------------

  /**
   * Default timeout of `request()` (ms, > 0, ≤ 2147483647). JS API only.
   * @defaultValue `10000`
   */
  requestTimeout?: number | undefined;

  /**
   * The field `request()` writes its id into, and reads it back from in replies. JS API only.
   * @defaultValue `'id'`
   */
  requestIdField?: string | undefined;

  // -- queue and backpressure ---------------------------------------------------------------

  /**
   * Most messages held while not ready (a whole number ≥ 0; 0 = queue nothing).
   * reconnecting-websocket's default is unlimited.
   * @defaultValue `1000`
   */
  maxEnqueuedMessages?: number | undefined;

  /**
   * Most bytes held while not ready (a whole number ≥ 0; strings count UTF-16 code units).
   * @defaultValue `1048576` (1 MiB)
   */
  maxEnqueuedBytes?: number | undefined;

  /**
   * What to do with a new message when the queue is full (see {@link QueueOverflow}).
   * @defaultValue `'drop-oldest'`
   */
  queueOverflow?: QueueOverflow | undefined;

  /**
   * Drop queued messages older than this (ms, ≥ 0; 0 = keep until sent), with a `drop`
   * event (`expired`).
   * @defaultValue `0` (no TTL)
   */
  messageTtl?: number | undefined;

  /**
   * `send()` returns `false` once the socket's `bufferedAmount` is above this (bytes, > 0);
   * the message is still sent.
   * @defaultValue `1048576` (1 MiB)
   */
  highWaterMark?: number | undefined;

  /**
   * After `send()` returned `false`, `drain` fires once `bufferedAmount` is at or below this
   * (bytes, ≥ 0, ≤ `highWaterMark`), or when that socket closes.
   * @defaultValue `262144` (256 KiB)
   */
  lowWaterMark?: number | undefined;

  // -- page and logging ---------------------------------------------------------------------

  /**
   * Follow the page's hints (browsers only): offline → no attempts until online; online →
   * retry now; visible again → probe an open socket, retry a waiting one; entering the
   * back/forward cache → close cleanly, restored → reconnect. JS API only.
   * @defaultValue `true`
   */
  networkHints?: boolean | undefined;

  /**
   * Share one socket between every tab (and frame) of this origin that opens the same URL
   * and protocols with the same key (`true` is the empty key). One tab leads and owns the
   * socket; the others relay through it. With a URL provider the key alone names the
   * endpoint: give one (`share: 'chat'`); `true` or `''` with a provider is a `TypeError`.
   * Without Web Locks and BroadcastChannel (Node, old browsers), or on an opaque origin (a
   * sandboxed frame), each instance has its own socket. See "One connection for all tabs" in
   * the README.
   * @defaultValue `false`
   */
  share?: boolean | string | undefined;

  /**
   * Log connection events: `true` for `console.log` with a `[rebound-ws]` prefix, or a logger
   * function. URLs are logged without query string or fragment (except inside the error
   * message of a socket that could not be created); payloads are never logged.
   * JS API only.
   * @defaultValue `false`
   */
  debug?: boolean | ((message: string, ...details: unknown[]) => void) | undefined;
}

// ---- the class --------------------------------------------------------------------------------

/**
 * A WebSocket that reconnects: a drop-in for reconnecting-websocket 4.x (and so for
 * WebSocket), with heartbeats, ready checks, requests, a bounded queue, backpressure and
 * classified disconnects.
 */
/**
 * An `on<type>` handler: called with `this` the socket, in its place among the listeners;
 * one that returns `false` cancels a cancelable event.
 */
export type ReboundHandler<E> = ((this: ReconnectingWebSocket, event: E) => unknown) | null;

export declare class ReconnectingWebSocket {
  /**
   * Connects at once (unless `options.startClosed`).
   * @param url - The URL, or a function returning it before every attempt. A string is
   * checked here: a malformed URL or a scheme other than ws/wss/http/https throws a
   * `SyntaxError`, a `ws://` URL on an `https://` page a `SecurityError`.
   * @param protocols - Subprotocols; invalid or duplicate tokens throw a `SyntaxError`.
   * @param options - See {@link Options}.
   */
  constructor(url: UrlProvider, protocols?: string | string[], options?: Options);

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /**
   * WebSocket's numbers: `OPEN` (1) only when ready (`state` is `open` and `open` has fired);
   * `CLOSING` (2) after `close()` until the socket has closed (`closing`); `CLOSED` (3) when
   * `idle`, `closed` or `failed`; `CONNECTING` (0) otherwise, including while waiting to retry.
   */
  readonly readyState: number;
  /** The current socket's URL (resolved, query included), or `''` before the first socket. */
  readonly url: string;
  /** The subprotocol the server chose on the current socket, or `''`. */
  readonly protocol: string;
  /** The extensions the server chose on the current socket, or `''`. */
  readonly extensions: string;
  /** Bytes queued while not ready plus the current socket's `bufferedAmount`. */
  readonly bufferedAmount: number;
  /**
   * Applied to every socket, current and future. `'blob'` by default, as for WebSocket — also
   * with the `ws` package, whose own default would be `'nodebuffer'`.
   */
  binaryType: ReboundBinaryType;
  /** The attempt number: n while connecting, verifying or waiting for the n-th retry; 0 when open or stopped. */
  readonly retryCount: number;
  /** The engine's state. */
  readonly state: State;
  /** Counters and measurements (a fresh snapshot on every read). */
  readonly stats: ReboundStats;
  /**
   * What a connection indicator shows now: the model `<rebound-status>` and the Leptos
   * widget render, computed in Rust. `grace` (ms, default 500): a drop that recovers within
   * it keeps showing `connected`. Throws a `TypeError`/`RangeError` naming `grace` for
   * anything but a number from 0 to 2147483647 (or `undefined`).
   */
  statusView(grace?: number): StatusView;

  /**
   * Called for `open` (the connection is ready). Each `on<type>` handler runs in its place
   * among the listeners, as on `WebSocket`: where it was first set, until set to `null`.
   */
  get onopen(): ReboundHandler<ReboundEvent>;
  set onopen(handler: ReboundHandler<ReboundEvent>);
  /** Called for `close` (with kind, hint, willRetry, retryIn). */
  get onclose(): ReboundHandler<ReboundCloseEvent>;
  set onclose(handler: ReboundHandler<ReboundCloseEvent>);
  /** Called for `error` (a `close` follows). */
  get onerror(): ReboundHandler<ReboundErrorEvent>;
  set onerror(handler: ReboundHandler<ReboundErrorEvent>);
  /** Called for every inbound message, except heartbeat, verification and request replies. */
  get onmessage(): ReboundHandler<ReboundMessageEvent>;
  set onmessage(handler: ReboundHandler<ReboundMessageEvent>);
  /** Called for `statechange`. */
  get onstatechange(): ReboundHandler<StateChangeEvent>;
  set onstatechange(handler: ReboundHandler<StateChangeEvent>);
  /** Called for `ready`. */
  get onready(): ReboundHandler<ReadyEvent>;
  set onready(handler: ReboundHandler<ReadyEvent>);
  /** Called for `drop` (a message that will not be sent). */
  get ondrop(): ReboundHandler<DropEvent>;
  set ondrop(handler: ReboundHandler<DropEvent>);
  /** Called for `drain`. */
  get ondrain(): ReboundHandler<ReboundEvent>;
  set ondrain(handler: ReboundHandler<ReboundEvent>);

  /**
   * Sends `data` on the ready socket, or queues it while not ready (flushed in order before
   * `open` fires). Returns `false` only when the socket is congested (`bufferedAmount` above
   * `highWaterMark`; the message was still sent): wait for `drain`. A queued message returns
   * `true`, and so does one dropped (reported by a `drop` event). Every message accepted is
   * sent or reported by exactly one `drop` event; one that meets a socket already closing goes
   * back to the queue for the next connection. Values other than strings and binary data are
   * converted with `String()`, as `WebSocket.send` converts them.
   * @throws RangeError with `queueOverflow: 'error'` when the queue is full or the message is
   * larger than `maxEnqueuedBytes`; TypeError for a `Symbol`.
   */
  send(data: Message): boolean;

  /**
   * Sends `message` as JSON with a fresh numeric id in `requestIdField` and resolves with the
   * reply (parsed JSON object) carrying the same id; the reply is not dispatched as a
   * `message` event. Queued like `send()` while not ready. Never hangs: rejects with a
   * {@link RequestError} on timeout, when its socket closes, when its message is dropped, or
   * on `close()`; with a `RangeError` when the queue refuses it (`queueOverflow: 'error'`).
   */
  request<Reply = Record<string, unknown>>(message: object, options?: { timeout?: number | undefined }): Promise<Reply>;

  /**
   * Closes the socket and stops: no retries until `reconnect()`. Pending requests are
   * rejected; queued messages are reported by `drop` events (`closed`), and so is anything
   * sent until `reconnect()`. Fires `close` (kind `user`)
   * synchronously when a socket was open or opening.
   * @param code - Converted as `WebSocket.close` converts it (WebIDL `[Clamp] unsigned short`:
   * `'3000'` and `999.9` → 1000 are accepted); then 1000 or 3000–4999, else an
   * `InvalidAccessError` is thrown. Default 1000.
   * @param reason - Made a string once; at most 123 bytes of UTF-8, else a `SyntaxError` is
   * thrown. Default `''`.
   */
  close(code?: number, reason?: string): void;

  /**
   * Connects again now from any state, closing the current socket first (with 1000
   * `"reconnect"`), resetting the retry count and skipping any wait. Also starts a socket
   * created with `startClosed`. The arguments are accepted for reconnecting-websocket
   * compatibility and ignored.
   */
  reconnect(code?: number, reason?: string): void;

  /** `open`: the connection is ready (after any verification, with the queue flushed). */
  addEventListener(type: 'open', listener: ReboundListener<ReboundEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `close`: a connection ended, classified. */
  addEventListener(type: 'close', listener: ReboundListener<ReboundCloseEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `error`: the socket failed or could not be created; a `close` follows. */
  addEventListener(type: 'error', listener: ReboundListener<ReboundErrorEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `message`: an inbound message. */
  addEventListener(type: 'message', listener: ReboundListener<ReboundMessageEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `statechange`: `state` changed. */
  addEventListener(type: 'statechange', listener: ReboundListener<StateChangeEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `ready`: right after `open`, with the open-to-ready time. */
  addEventListener(type: 'ready', listener: ReboundListener<ReadyEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `drop`: a message will not be sent. */
  addEventListener(type: 'drop', listener: ReboundListener<DropEvent>, options?: boolean | ReboundListenerOptions): void;
  /** `drain`: `bufferedAmount` fell to `lowWaterMark` after `send()` returned `false`. */
  addEventListener(type: 'drain', listener: ReboundListener<ReboundEvent>, options?: boolean | ReboundListenerOptions): void;
  addEventListener<K extends keyof ReboundEventMap>(type: K, listener: ReboundListener<ReboundEventMap[K]>, options?: boolean | ReboundListenerOptions): void;

  removeEventListener(type: 'open', listener: ReboundListener<ReboundEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'close', listener: ReboundListener<ReboundCloseEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'error', listener: ReboundListener<ReboundErrorEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'message', listener: ReboundListener<ReboundMessageEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'statechange', listener: ReboundListener<StateChangeEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'ready', listener: ReboundListener<ReadyEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'drop', listener: ReboundListener<DropEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: 'drain', listener: ReboundListener<ReboundEvent>, options?: boolean | { capture?: boolean }): void;
  removeEventListener<K extends keyof ReboundEventMap>(type: K, listener: ReboundListener<ReboundEventMap[K]>, options?: boolean | { capture?: boolean }): void;

  /** Calls the listeners of `event.type` (`on<type>` in its place); `false` when one canceled `event`. */
  dispatchEvent(event: ReboundEvent): boolean;
}

/** Socket handlers alive in this instance of the package: flat across reconnects (for leak checks). */
export declare function liveHandlers(): number;

/** Timers the package has armed and not yet fired or cancelled: 0 once every socket is closed (for leak checks). */
export declare function pendingTimers(): number;

/** Bytes of linear memory the package's wasm instance holds (grows in 64 KiB pages; for leak checks). */
export declare function wasmMemoryBytes(): number;

/** reconnecting-websocket's name for the close event type. */
export type CloseEvent = ReboundCloseEvent;
/** reconnecting-websocket's name for the error event type. */
export type ErrorEvent = ReboundErrorEvent;

export default ReconnectingWebSocket;
