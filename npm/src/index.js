// @ts-check
// rebound-ws: a drop-in for reconnecting-websocket (and so for WebSocket), with its policy
// (backoff, heartbeat, queue, close codes, page hints, every default and validation) in
// Rust/WebAssembly.
//
// This file only plumbs. `Core` (crates/ws-wasm/src/js_api.rs) decides; it never calls app
// code. Each call into it records what to do in this instance's sink (`#record`) and
// returns; `#flush` then performs the recorded actions (create, send on, close a socket)
// and dispatches the recorded events, in order, with wasm off the stack. A call the app
// makes from inside a listener goes into Core at once — so `state` is always the engine's —
// and what it caused is delivered after the events already recorded.
//
// On the per-message path nothing enters wasm: an open, uncongested socket is sent on
// directly, and inbound messages are dispatched here and counted; Core reads the count
// when its timer fires.
import { Core } from './core.js';
import { exports as wasmExports } from './instance.js';
import { BUILTIN_EVENTS, ignoreError, isBinary, makeEvent, nextTask, read, reportError, withoutQuery } from './events.js';
import { Listeners } from './listeners.js';
import { onHint, watchPage } from './page.js';
import { ShareLink } from './share.js';

// Counters for leak checks (see `liveHandlers`, `pendingTimers`).
let liveHandlerCount = 0;
let pendingTimerCount = 0;

// Instances that keep running by themselves (connecting, open, waiting to retry, suspended)
// are held here, as the browser holds an open WebSocket: one the app keeps no reference to
// still reconnects. Stopped ones are not, so they can be collected with their wasm state.
const held = new Set();

const warned = new Set();

export class ReconnectingWebSocket {
  /**
   * `onopen`, `onclose`, `onerror`, `onmessage` (and `onstatechange`, `onready`, `ondrop`,
   * `ondrain` for Rebound's events): event handlers as the platform keeps them
   * (`Listeners.setHandler`).
   */
  static {
    for (const type of BUILTIN_EVENTS) {
      Object.defineProperty(this.prototype, 'on' + type, {
        get() {
          return this.#listeners.handler(type);
        },
        set(value) {
          this.#listeners.setHandler(type, value);
        },
        enumerable: true,
        configurable: true,
      });
    }
  }

  #core;
  #settings;
  #ws = null;
  /** The socket the engine currently owns (-1: none); its handlers are attached. */
  #conn = -1;
  /** The attempt the engine wants a socket for, until the socket is made or abandoned. */
  #wanted = -1;
  #state = 'idle';
  #readyState = 3;
  #congested = false;
  #highWater;
  #lastBuffered = 0;
  #sinceLook = 0;
  #sent = 0;
  #received = 0;
  /** When (`performance.now()`) the last message arrived, tracked while messages are inspected (heartbeat on). */
  #lastInbound = -1;
  #listeners = new Listeners(this, BUILTIN_EVENTS);
  #binaryType = 'blob';
  #log = null;
  #verifying = -1;
  #pending = new Map();
  #inspect = null;
  #isReply;
  #lastFailure;
  /** A socket error event's own message, when it has one but no `error`. */
  #lastFailureText;
  #stateEvents = 0;
  /** The retry details of the last state change (for the first statechange). */
  #info = null;
  #timer = null;
  /** With `share` (where tabs can share): the link to the leading tab's socket. */
  #share = null;
  /** Recorded actions and events, performed in order by `#flush`. */
  #queue = [];
  #flushing = false;

  constructor(url, protocols, options) {
    // A plain copy, made here: getters on the app's object run now, in JS, not in wasm.
    const copy = options === undefined || options === null || typeof options !== 'object' ? options : { ...options };
    const protocolList = Array.isArray(protocols) ? [...protocols] : protocols; // likewise
    const sink = ReconnectingWebSocket.#sink(new WeakRef(this));
    const seed = Math.floor(Math.random() * 2 ** 53);
    this.#core = new Core(url, protocolList, copy === undefined ? {} : copy, sink, seed);
    if (this.#core.settings.member) {
      // A member of a shared connection (Core checked that tabs can share here and set the
      // member up): its engine runs over a link to the leading tab's socket, whose own
      // instance gets the app's options.
      const makeHub = () => {
        // The leading tab's socket connects whatever this instance's `startClosed` said:
        // the tabs it serves have connected.
        const rws = new ReconnectingWebSocket(url, protocolList, { ...copy, share: false, startClosed: false });
        return { rws, sendNow: (data) => rws.#sendNow(data), buffered: () => (rws.#conn >= 0 ? Number(read(rws.#ws, 'bufferedAmount')) || 0 : 0) };
      };
      // A send the shared socket will not take, or the channel cannot carry: a drop.
      const dropped = (data, reason) =>
        this.#call(() => (reason === 'refused' ? this.#core.refused(data, undefined) : this.#core.unsent(data, undefined)));
      this.#share = new ShareLink(this.#core.settings, makeHub, dropped);
    }
    const settings = (this.#settings = this.#core.settings);
    this.#highWater = settings.highWaterMark;
    for (const warning of settings.warnings) {
      if (!warned.has(warning)) {
        warned.add(warning);
        console.warn(warning);
      }
    }
    const reply = settings.heartbeatReply;
    this.#isReply = typeof reply === 'function' ? reply : (data) => data === reply;
    const debug = settings.debug;
    const logger = typeof debug === 'function' ? debug : debug ? (...args) => console.log('[rebound-ws]', ...args) : null;
    // A logger is a debugging aid: if it throws, the line is lost and nothing else.
    this.#log = logger && ((...args) => {
      try {
        logger(...args);
      } catch {
        // ignored
      }
    });
    this.#updateInspect();
    if (!settings.startClosed) this.#core.connect();
    // Like WebSocket's, the constructor fires no event: what it started (the first socket,
    // the first statechange) is performed in a microtask, once listeners can be there.
    // Unless something has been said since, the first statechange tells where it stands.
    // (Recorded, so a call made from a listener of it is heard after it, like any other.)
    queueMicrotask(() => {
      this.#record(() => {
        if (this.#stateEvents === 0) {
          this.#stateEvents++;
          this.#emit('statechange', { state: this.#state, ...this.#retryInfo() });
        }
      });
      this.#flush();
    });
  }

  /**
   * The sink Core hands its records to (each an object with named fields, after the wasm
   * call has returned). Made outside the constructor's scope and holding the instance weakly,
   * as the instance's timers and sockets may outlive it. It records and never throws: the
   * call that produced the records still has its own result to return.
   */
  static #sink(ref) {
    const to = (method) => (...args) => {
      const self = ref.deref();
      try {
        if (self) method(self, ...args);
      } catch (error) {
        reportError(error);
      }
    };
    return {
      state: to((s, { state, readyState, attempt, maxRetries, retryIn, keepsRunning: keeps }) => {
        s.#state = state;
        s.#readyState = readyState;
        if (keeps) held.add(s);
        else held.delete(s);
        const hints = keeps && s.#settings?.networkHints !== false;
        s.#info = { attempt, maxRetries, retryIn };
        if (s.#verifying >= 0 && state !== 'verifying') {
          s.#verifying = -1;
          s.#updateInspect();
        }
        s.#record(() => {
          watchPage(s, hints); // it may call into wasm: not from inside the sink
          s.#log?.('state', state);
          s.#stateEvents++;
          s.#emit('statechange', { state, attempt, maxRetries, retryIn });
        });
      }),
      openSocket: to((s, { conn, url }) => {
        s.#wanted = conn;
        s.#record(() => s.#open(conn, url));
      }),
      needUrl: to((s, { conn }) => {
        s.#wanted = conn;
        s.#record(() => s.#resolveUrl(conn));
      }),
      verify: to((s, { conn }) => {
        s.#verifying = conn;
        s.#updateInspect();
        s.#record(() => s.#verify(conn));
      }),
      transmit: to((s, { conn, data, request }) => s.#record(() => s.#transmit(conn, data, request))),
      ping: to((s, { conn }) => s.#record(() => s.#sendControl(conn, s.#settings.heartbeatMessage))),
      closeSocket: to((s, { conn, code, reason }) => {
        if (s.#wanted === conn) s.#wanted = -1;
        s.#record(() => s.#closeSocket(conn, code, reason));
      }),
      ready: to((s, { conn, openToReadyMs }) => {
        s.#congested = false;
        s.#record(() => {
          // A socket may start with bytes buffered (a shared link's: what the leading tab
          // has not acknowledged yet): the direct sends count from there.
          const buffered = conn === s.#conn ? Number(read(s.#ws, 'bufferedAmount')) || 0 : 0;
          s.#lastBuffered = buffered;
          s.#sinceLook = 0;
          if (buffered > s.#highWater) {
            s.#congested = true;
            s.#call(() => s.#core.congested(buffered));
          }
          // Not if the app closed it meanwhile (say, from a statechange listener).
          if (conn !== s.#conn || s.#readyState !== 1) return;
          s.#emit('open', {});
          if (conn === s.#conn && s.#readyState === 1) s.#emit('ready', { openToReadyMs });
        });
      }),
      close: to((s, close) =>
        s.#record(() => {
          s.#log?.('closed', close.code, close.kind, close.willRetry ? `retrying in ${close.retryIn ?? '?'} ms` : 'not retrying');
          s.#emit('close', close);
        }),
      ),
      error: to((s) =>
        s.#record(() => {
          const error = s.#lastFailure;
          s.#lastFailure = undefined;
          const text = s.#lastFailureText;
          s.#lastFailureText = undefined;
          const message = read(error, 'message');
          s.#emit('error', {
            error,
            message: typeof message === 'string' ? message : typeof error === 'string' ? error : (text ?? 'WebSocket error'),
          });
        }),
      ),
      drop: to((s, { data, reason }) => s.#record(() => s.#emit('drop', { data, reason }))),
      requestFailed: to((s, { id, failure }) =>
        s.#record(() => {
          const pending = s.#pending.get(id);
          if (!pending) return;
          s.#pending.delete(id);
          s.#updateInspect();
          const error = Object.assign(new Error(`rebound-ws: request ${id} failed: ${failure}`), { reason: failure });
          error.name = 'RequestError';
          pending.reject(error);
        }),
      ),
      drain: to((s) => {
        s.#congested = false;
        s.#lastBuffered = 0;
        s.#sinceLook = 0;
        s.#record(() => s.#emit('drain', {}));
      }),
      failure: to((s, error) => {
        s.#lastFailure = error;
      }),
      timer: to((s, { delay }) => s.#arm(delay)),
    };
  }

  static {
    onHint((socket, page) => socket.#call(() => socket.#core.hint(page)));
  }

  static get CONNECTING() { return 0; }
  static get OPEN() { return 1; }
  static get CLOSING() { return 2; }
  static get CLOSED() { return 3; }
  get CONNECTING() { return 0; }
  get OPEN() { return 1; }
  get CLOSING() { return 2; }
  get CLOSED() { return 3; }

  /** As WebSocket's: OPEN only when ready; CLOSED when closed, failed or not started (Core says which). */
  get readyState() { return this.#readyState; }
  get url() { return this.#ws ? String(read(this.#ws, 'url') ?? '') : ''; }
  get protocol() { return this.#ws ? String(read(this.#ws, 'protocol') ?? '') : ''; }
  get extensions() { return this.#ws ? String(read(this.#ws, 'extensions') ?? '') : ''; }
  get bufferedAmount() {
    return this.#core.queuedBytes() + (this.#conn >= 0 ? Number(read(this.#ws, 'bufferedAmount')) || 0 : 0);
  }
  /** 'blob' by default, like WebSocket and reconnecting-websocket (also with `ws`, which would say 'nodebuffer'). */
  get binaryType() { return this.#binaryType; }
  set binaryType(type) {
    this.#binaryType = type;
    if (this.#conn >= 0) {
      try {
        this.#ws.binaryType = type;
      } catch (error) {
        reportError(error);
      }
    }
  }
  /** Retries since the last stable connection (reconnecting-websocket's `retryCount`). */
  get retryCount() { return this.#core.stats().attempt; }
  /** The engine's state: idle, connecting, verifying, open, reconnecting, offline, suspended, closed, failed. */
  get state() { return this.#state; }
  /** Counters and measurements (attempts, messages, RTT, queue, next retry). */
  get stats() {
    const stats = this.#core.stats();
    stats.messagesSent += this.#sent;
    stats.messagesReceived = this.#received;
    stats.shareIgnored = this.#share?.ignored ?? 0;
    return stats;
  }

  /**
   * What a connection indicator shows now (`<rebound-status>` renders it; so can an app's
   * own): computed in Rust, the same model as the Leptos widget. `grace` (ms, default 500):
   * a drop that recovers within it keeps showing `connected`.
   */
  statusView(grace) {
    return this.#core.statusView(grace);
  }

  send(data) {
    // WebIDL's string conversion, as WebSocket.send does it: a Symbol has no string form.
    if (typeof data === 'symbol') throw new TypeError('rebound-ws: send(): a Symbol cannot be converted to a string');
    if (typeof data !== 'string' && !isBinary(data)) data = String(data);
    const ws = this.#ws;
    // The fast path: ready, nothing recorded still to perform (it would go out first), and
    // OPEN per the socket (between a server's close frame and the close event it is CLOSING
    // and would discard the data: the engine queues it instead). Congested or not, the
    // message goes; send() then says false.
    if (this.#readyState === 1 && this.#queue.length === 0 && ws.readyState === 1) {
      ws.send(data);
      this.#sent++;
      if (this.#congested) return false; // Core is watching bufferedAmount for the drain
      // bufferedAmount can only have grown by what was sent since it was last read (strings
      // counted at 3 bytes per UTF-16 unit, their UTF-8 worst case), so it is read only when
      // that bound could cross the high-water mark; Core decides what congestion means.
      this.#sinceLook += typeof data === 'string' ? data.length * 3 : data.byteLength ?? data.size ?? 0;
      if (this.#lastBuffered + this.#sinceLook <= this.#highWater) return true;
      const buffered = ws.bufferedAmount;
      this.#lastBuffered = buffered;
      this.#sinceLook = 0;
      if (!(buffered > this.#highWater)) return true;
      this.#congested = true;
      this.#call(() => this.#core.congested(buffered));
      return false;
    }
    const status = this.#call(() => this.#core.send(data));
    if (status === 'congested') this.#congested = true;
    return status !== 'congested';
  }

  /**
   * For `share`'s hub: sends `data` only if it goes out at once (ready, nothing ahead of it,
   * the socket OPEN), returning what it added to the socket's `bufferedAmount` (the hub
   * acknowledges it once that has drained); -1 and nothing queued otherwise.
   */
  #sendNow(data) {
    const ws = this.#ws;
    if (this.#readyState !== 1 || this.#queue.length !== 0 || ws?.readyState !== 1) return -1;
    const before = ws.bufferedAmount;
    this.send(data);
    return Math.max(0, ws.bufferedAmount - before);
  }

  /** Sends `message` (an object) with a fresh id; resolves with the reply carrying the same id. */
  request(message, options) {
    return new Promise((resolve, reject) => {
      const timeout = read(options, 'timeout');
      const id = this.#core.requestId(message, timeout);
      const text = JSON.stringify({ ...message, [this.#settings.requestIdField]: id });
      this.#call(() => {
        this.#core.request(id, text);
        this.#pending.set(id, { resolve, reject });
        this.#updateInspect();
      });
    });
  }

  close(code, reason) {
    // WebIDL conversions, as WebSocket.close does them; Core checks the results.
    const number = code === undefined ? undefined : +code;
    const text = reason === undefined ? undefined : String(reason);
    this.#call(() => this.#core.close(number, text));
    this.#share?.leave();
  }

  /** Connects again now (closing the current socket), resetting the retry count. */
  reconnect() {
    this.#share?.revive();
    this.#call(() => this.#core.connect());
  }

  /** As EventTarget's, with its options (`once`, `signal`, `capture`): see `Listeners.add`. */
  addEventListener(type, listener, options) {
    this.#listeners.add(type, listener, options);
  }

  removeEventListener(type, listener, options) {
    this.#listeners.remove(type, listener, options);
  }

  /** Calls the listeners (handlers among them, in their places); `false` when one canceled the event. */
  dispatchEvent(event) {
    return this.#listeners.dispatch(event);
  }

  // ---- the batch ---------------------------------------------------------------------------

  /** Calls into Core, then performs what it recorded (unless a flush is already running). */
  #call(enter) {
    try {
      return enter();
    } finally {
      this.#flush();
    }
  }

  #record(action) {
    this.#queue.push(action);
  }

  #flush() {
    if (this.#flushing) return;
    this.#flushing = true;
    const queue = this.#queue;
    try {
      for (let i = 0; i < queue.length; i++) {
        try {
          queue[i]();
        } catch (error) {
          reportError(error);
        }
      }
    } finally {
      queue.length = 0;
      this.#flushing = false;
    }
  }

  #emit(type, props) {
    this.dispatchEvent(makeEvent(type, this, props));
  }

  #arm(delay) {
    if (this.#timer !== null) {
      if (this.#timer.cancelled === false) this.#timer.cancelled = true; // a task (below)
      else clearTimeout(this.#timer);
      pendingTimerCount--;
      this.#timer = null;
    }
    if (delay < 0) return;
    pendingTimerCount++;
    if (delay > 0) {
      this.#timer = setTimeout(() => this.#tick(), delay);
      return;
    }
    // Due now (a shared link's retry after a failover): a task of its own, which background
    // tabs do not delay as they do setTimeout(0) (to ~1 s in Firefox).
    const task = { cancelled: false };
    this.#timer = task;
    nextTask(() => task.cancelled || this.#tick());
  }

  #tick() {
    this.#timer = null;
    pendingTimerCount--;
    const buffered = this.#conn >= 0 ? Number(read(this.#ws, 'bufferedAmount')) || 0 : 0;
    this.#call(() => this.#core.tick(this.#received, buffered, this.#lastInbound));
  }

  // ---- sockets -----------------------------------------------------------------------------

  #open(conn, url) {
    if (this.#wanted !== conn) return; // abandoned before its turn came
    this.#wanted = -1;
    let ws;
    try {
      ws = this.#share ? new this.#share.Socket(url) : new this.#settings.WebSocket(url, this.#settings.protocols);
    } catch (error) {
      this.#core.failed(conn, error);
      return;
    }
    try {
      this.#attach(ws, conn);
    } catch (error) {
      this.#detach(ws);
      try {
        ws.close();
      } catch {
        // it refused its handlers; it may refuse this too
      }
      this.#core.failed(conn, error);
      return;
    }
    this.#log?.('connecting to', withoutQuery(url));
  }

  #attach(ws, conn) {
    this.#ws = ws;
    this.#conn = conn;
    this.#lastBuffered = 0;
    this.#sinceLook = 0;
    liveHandlerCount++;
    if (typeof ws.addEventListener === 'function') ws.addEventListener('error', ignoreError);
    ws.binaryType = this.#binaryType;
    ws.onopen = () => this.#socketEvent(conn, () => this.#core.opened(conn));
    ws.onerror = (event) => {
      // The cause, where the socket gives one (the `ws` package: "Unexpected server response:
      // 426"; browsers hide it): the error event passes it on.
      let cause;
      if (conn === this.#conn) {
        this.#lastFailure = read(event, 'error');
        const text = read(event, 'message');
        this.#lastFailureText = typeof text === 'string' && text ? text : undefined;
        cause = this.#lastFailureText ?? read(this.#lastFailure, 'message');
      }
      // Core reads the HTTP status that refused the upgrade from it, where there is one.
      this.#socketEvent(conn, () => this.#core.errored(conn, typeof cause === 'string' ? cause : undefined));
    };
    ws.onclose = (event) => this.#socketClosed(conn, event);
    // A look-alike may refuse to let go of the handler: what it delivers later is dropped.
    ws.onmessage = (event) => {
      if (conn === this.#conn) this.#onMessage(event);
    };
  }

  /** Removes the handlers of a socket the engine is done with. */
  #detach(ws) {
    if (ws === this.#ws && this.#conn >= 0) {
      this.#conn = -1;
      liveHandlerCount--;
    }
    for (const name of ['onopen', 'onerror', 'onclose', 'onmessage']) {
      try {
        ws[name] = null;
      } catch {
        // a look-alike that refuses; its events are ignored by number anyway
      }
    }
  }

  #socketEvent(conn, enter) {
    if (conn === this.#conn) this.#call(enter);
  }

  #socketClosed(conn, event) {
    if (conn !== this.#conn) return;
    const code = read(event, 'code');
    const reason = read(event, 'reason');
    let decision;
    const shouldReconnect = this.#settings.shouldReconnect;
    if (shouldReconnect) {
      try {
        decision = shouldReconnect(code, reason);
      } catch (error) {
        reportError(error);
      }
    }
    // The predicate may have closed or reconnected (the socket is detached then); either way
    // this socket is closed now: Core reports an app's close() with it at once and ignores
    // the close of a socket it has replaced.
    if (conn === this.#conn) this.#detach(this.#ws);
    this.#call(() => this.#core.closed(conn, { code, reason, wasClean: read(event, 'wasClean') }, decision));
  }

  /** Sends an app message the engine handed over; one that cannot go out goes back to it. */
  #transmit(conn, data, request) {
    // CLOSING or CLOSED: the socket would discard it (a server's close frame arrived and the
    // close event is yet to come), so the engine keeps it for the next connection. A
    // `readyState` that cannot be read counts as closed.
    let state = 3;
    try {
      state = this.#ws?.readyState;
    } catch {
      // a look-alike's getter threw
    }
    if (conn === this.#conn && !(state >= 2)) {
      try {
        this.#ws.send(data);
      } catch {
        // The open socket refused the value itself (a detached ArrayBuffer): it could never
        // go out, so it is reported by a drop ('refused'), not queued again ahead of the rest.
        this.#core.refused(data, request);
      }
      return;
    }
    this.#core.unsent(data, request);
  }

  /** Sends the heartbeat or verification message: for this socket only, never kept. */
  #sendControl(conn, data) {
    if (conn !== this.#conn) return;
    try {
      this.#ws.send(data);
    } catch (error) {
      reportError(error);
    }
  }

  #closeSocket(conn, code, reason) {
    if (conn !== this.#conn) {
      // No socket yet (its URL was still being resolved): nothing to wait for. Say so in a
      // later task, so the app's close() still reports its close after the call.
      setTimeout(() => this.#call(() => this.#core.closed(conn, { code, reason, wasClean: true }, undefined)), 0);
      return;
    }
    const ws = this.#ws;
    this.#detach(ws);
    // Its close event still matters: it ends the app's close() (`closing` → `closed`, then
    // the `close` event, as with `WebSocket`). Core ignores it for the other closes.
    try {
      ws.onclose = (event) => {
        try {
          ws.onclose = null;
        } catch {
          // a look-alike that refuses; Core ignores a second report
        }
        const close = { code: read(event, 'code'), reason: read(event, 'reason'), wasClean: read(event, 'wasClean') };
        this.#call(() => this.#core.closed(conn, close, undefined));
      };
    } catch {
      // without it, Core reports the close after its wait
    }
    try {
      ws.close(code, reason);
    } catch {
      try {
        ws.close();
      } catch (error) {
        // A look-alike that cannot close (its close() throws, or it has none): the attempt
        // fails with an `error` event, and the socket counts as closed now.
        this.#record(() => this.#emit('error', { error, message: String(read(error, 'message') ?? error) }));
        this.#call(() => this.#core.closed(conn, { code: 1006, reason: '', wasClean: false }, undefined));
      }
    }
  }

  #resolveUrl(conn) {
    if (this.#wanted !== conn) return;
    Promise.resolve()
      .then(() => this.#settings.url())
      .then((url) => {
        if (this.#wanted === conn) this.#call(() => this.#core.openUrl(conn, String(url)));
      })
      .catch((error) => {
        if (this.#wanted === conn) this.#call(() => this.#core.urlFailed(conn, error));
      });
  }

  #verify(conn) {
    if (conn !== this.#conn || this.#verifying !== conn) return;
    const ws = this.#ws;
    const { verify, verifyMessage } = this.#settings;
    if (verify) {
      Promise.resolve()
        .then(() => verify(ws))
        .then(
          (result) => result !== false,
          (error) => {
            this.#log?.('verification threw', error);
            return false;
          },
        )
        .then((ok) => this.#socketEvent(conn, () => this.#core.verdict(conn, ok)));
    } else if (verifyMessage !== undefined) {
      this.#sendControl(conn, verifyMessage);
    }
  }

  // ---- inbound -----------------------------------------------------------------------------

  // The per-message path: keep it this short (it is the benchmark).
  #onMessage = (event) => {
    this.#received++;
    if (this.#inspect !== null && this.#inspect(event)) return;
    this.#listeners.call('message', event);
  };

  #updateInspect() {
    const on = this.#settings?.heartbeat || this.#verifying >= 0 || this.#pending.size > 0 || this.#share !== null;
    this.#inspect = on ? this.#inspectMessage : null;
  }

  /** Heartbeat replies, verification answers and request replies: `true` = consumed. */
  #inspectMessage = (event) => {
    this.#lastInbound = performance.now(); // the heartbeat counts silence from here
    const data = event?.data;
    const conn = this.#verifying;
    if (conn >= 0) {
      // With `verify(socket)` the app's function listens for itself; otherwise
      // `verifyReply` judges each message (Core reads the verdict), and without it any
      // answer means ready.
      if (!this.#settings.verify) {
        let verdict = true;
        const judge = this.#settings.verifyReply;
        if (judge) {
          try {
            verdict = judge(data);
          } catch (error) {
            reportError(error);
            verdict = false;
          }
        }
        this.#socketEvent(conn, () => this.#core.verdict(conn, verdict));
      }
      return true;
    }
    if (this.#settings.heartbeat) {
      let pong = false;
      try {
        pong = this.#isReply(data);
      } catch (error) {
        reportError(error);
      }
      if (pong) {
        this.#call(() => this.#core.pong(this.#received));
        return true;
      }
    }
    if ((this.#pending.size > 0 || this.#share) && typeof data === 'string' && data.charCodeAt(0) === 123) {
      let reply;
      try {
        reply = JSON.parse(data);
      } catch {
        return false;
      }
      const id = reply?.[this.#settings.requestIdField];
      const pending = this.#pending.get(id);
      if (pending && this.#core.resolve(id)) {
        this.#pending.delete(id);
        this.#updateInspect();
        pending.resolve(reply);
        return true;
      }
      // Shared: another tab's reply is theirs alone — an id in a block (of shareBlockIds ids,
      // Rust's figure) that another tab announced (the share module's list). Any other id,
      // however large (a timestamp), is the app's message.
      if (this.#share && !pending && Number.isSafeInteger(id) && this.#share.others.has(id - (id % this.#settings.shareBlockIds))) return true;
    }
    return false;
  };

  #retryInfo() {
    return this.#info ?? { attempt: 0, maxRetries: this.#core.stats().maxRetries, retryIn: null };
  }
}

/** Socket handler sets attached now: flat across reconnects (for leak checks). */
export const liveHandlers = () => liveHandlerCount;

/** Timers armed and not yet fired or cancelled: 0 once every socket is closed (for leak checks). */
export const pendingTimers = () => pendingTimerCount;

/** Bytes of linear memory the wasm instance holds (grows in 64 KiB pages; for leak checks). */
export const wasmMemoryBytes = () =>
  // Found by type (any instance's exports: the memory is the one `WebAssembly.Memory`).
  Object.values(wasmExports ?? {}).find((value) => value instanceof WebAssembly.Memory)?.buffer.byteLength ?? 0;

export default ReconnectingWebSocket;
