// rebound-ws: a drop-in for reconnecting-websocket (and so for WebSocket), with its policy
// (backoff, heartbeat, queue, close codes, page hints) in Rust/WebAssembly.
//
// This file is the per-message half: it sends on the open socket directly and dispatches
// inbound messages itself, so no message crosses into wasm while the socket is open and
// uncongested. `Core` (crates/ws-wasm/src/js_api.rs) owns the policy and reports through
// `#onCore(kind, a, b)`.
import { Core, initSync } from './generated/rebound_wasm.js';
import { wasmBase64 } from './generated/wasm-bytes.js';

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const wasm = initSync({ module: decodeBase64(wasmBase64) });

const EVENTS = ['open', 'close', 'error', 'message', 'statechange', 'ready', 'drop', 'drain'];
const PROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(ErrorClass, option, problem, value) {
  let shown;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = typeof value;
  }
  return new ErrorClass(`rebound-ws: invalid option "${option}": ${shown} ${problem}`);
}

function checkType(options, name, type) {
  const value = options[name];
  if (value !== undefined && typeof value !== type) throw fail(TypeError, name, `must be a ${type}`, value);
}

function domError(message, name) {
  return typeof DOMException === 'function' ? new DOMException(message, name) : Object.assign(new Error(message), { name });
}

function checkProtocols(protocols) {
  if (protocols === undefined) return;
  const list = typeof protocols === 'string' ? [protocols] : protocols;
  if (!Array.isArray(list)) throw fail(TypeError, 'protocols', 'must be a string or an array of strings', protocols);
  const seen = new Set();
  for (const p of list) {
    if (typeof p !== 'string' || !PROTOCOL_TOKEN.test(p) || seen.has(p)) {
      throw domError(`rebound-ws: invalid or duplicate subprotocol ${JSON.stringify(p)}`, 'SyntaxError');
    }
    seen.add(p);
  }
}

function makeEvent(type, target, props) {
  const event =
    type === 'close' && typeof CloseEvent === 'function'
      ? new CloseEvent('close', { code: props.code, reason: props.reason, wasClean: props.wasClean })
      : new Event(type);
  for (const key in props) {
    if (!(key in event)) Object.defineProperty(event, key, { value: props[key], enumerable: true });
  }
  Object.defineProperty(event, 'target', { value: target });
  return event;
}

function reportError(error) {
  setTimeout(() => {
    throw error;
  });
}

function callListener(listener, event, self) {
  try {
    if (typeof listener === 'function') listener.call(self, event);
    else listener.handleEvent(event);
  } catch (error) {
    reportError(error);
  }
}

// A socket the engine abandons (connect timeout, reconnect(), close() while connecting) is
// closed and then detached at once. The `ws` package reports the aborted handshake as an
// 'error' on the next tick, and an EventEmitter with no 'error' listener throws, which
// kills a Node process; this listener, never removed, keeps that error harmless.
function ignoreError() {}

// Sockets that are connecting, open or waiting to retry are held here, as the browser holds
// an open WebSocket: one the app keeps no reference to still reconnects. Closed, failed and
// never-started ones are not, so they can be collected (and their wasm state freed).
const active = new Set();
const STOPPED = new Set(['idle', 'closed', 'failed']);

function withoutQuery(url) {
  return String(url).replace(/[?#].*$/, '');
}

export class ReconnectingWebSocket {
  onopen = null;
  onclose = null;
  onerror = null;
  onmessage = null;

  #core;
  #ws = null;
  #conn = -1;
  #state = 'idle';
  #ready = false;
  #congested = false;
  #estimate = 0;
  #sent = 0;
  #received = new Float64Array(1);
  #listeners = Object.fromEntries(EVENTS.map((type) => [type, []]));
  #binaryType = 'blob';
  #url;
  #options;
  #log;
  #heartbeat;
  #isReply;
  #verifying = -1;
  #stateEvents = 0;
  #pending = new Map();
  #inspect = null;
  #highWater;
  #lastFailure;

  constructor(url, protocols, options = {}) {
    if (options === null || typeof options !== 'object') throw fail(TypeError, 'options', 'must be an object', options);
    checkProtocols(protocols);
    for (const name of ['verify', 'verifyReply']) checkType(options, name, 'function');
    for (const name of ['startClosed', 'networkHints']) checkType(options, name, 'boolean');
    for (const name of ['requestIdField']) checkType(options, name, 'string');
    if (options.debug !== undefined && !['boolean', 'function'].includes(typeof options.debug)) {
      throw fail(TypeError, 'debug', 'must be a boolean or a function', options.debug);
    }
    const reply = options.heartbeatReply ?? 'pong';
    if (typeof reply !== 'string' && typeof reply !== 'function') {
      throw fail(TypeError, 'heartbeatReply', 'must be a string or a function', reply);
    }
    const requestTimeout = options.requestTimeout ?? 10000;
    if (typeof requestTimeout !== 'number' || !(requestTimeout > 0) || requestTimeout > 2147483647) {
      throw fail(typeof requestTimeout === 'number' ? RangeError : TypeError, 'requestTimeout', 'must be a number of ms > 0', requestTimeout);
    }
    this.#options = { requestTimeout, requestIdField: options.requestIdField ?? 'id', ...options };
    this.#isReply = typeof reply === 'function' ? reply : (data) => data === reply;
    this.#heartbeat = options.heartbeatInterval > 0;
    this.#highWater = options.highWaterMark ?? 1 << 20;
    this.#url = url;
    const debug = options.debug;
    this.#log = typeof debug === 'function' ? debug : debug ? (...args) => console.log('[rebound-ws]', ...args) : null;
    // Core keeps `notify` alive (wasm holds it), so it must not keep this object alive: a
    // closed socket nobody references can then be collected, and Core freed with it
    // (`active` below keeps the live ones).
    const notify = ReconnectingWebSocket.#weakNotify(this);
    try {
      this.#core = new Core(url, protocols, options, notify, this.#received, Math.floor(Math.random() * 2 ** 53));
    } catch (error) {
      if (!Array.isArray(error)) throw error;
      const [name, option, problem, other, value] = error;
      throw fail(name === 'RangeError' ? RangeError : TypeError, option, other ? `${problem} "${other}"` : problem, value);
    }
    this.#updateInspect();
    if (!options.startClosed) this.#core.start();
    // Listeners can only be added once the constructor returns: unless the state has changed
    // since, tell them where it stands.
    const announced = this.#stateEvents;
    queueMicrotask(() => {
      if (this.#stateEvents === announced) this.#emit('statechange', { state: this.#state, ...this.#retryInfo() });
    });
  }

  /** Made outside the constructor's scope: a closure created there would share its context,
   * and with it a strong reference to the instance. */
  static #weakNotify(instance) {
    const ref = new WeakRef(instance);
    return (kind, a, b) => ref.deref()?.#onCore(kind, a, b);
  }

  static get CONNECTING() { return 0; }
  static get OPEN() { return 1; }
  static get CLOSING() { return 2; }
  static get CLOSED() { return 3; }
  get CONNECTING() { return 0; }
  get OPEN() { return 1; }
  get CLOSING() { return 2; }
  get CLOSED() { return 3; }

  /** Same numbers as WebSocket: OPEN only when ready; CLOSED when closed, failed or not started. */
  get readyState() {
    if (this.#ready) return 1;
    return this.#state === 'closed' || this.#state === 'failed' || this.#state === 'idle' ? 3 : 0;
  }
  get url() { return this.#ws ? this.#ws.url : ''; }
  get protocol() { return this.#ws ? this.#ws.protocol : ''; }
  get extensions() { return this.#ws ? this.#ws.extensions : ''; }
  get bufferedAmount() {
    return this.#core.queuedBytes() + (this.#ws ? this.#ws.bufferedAmount : 0);
  }
  /** 'blob' by default, like WebSocket and reconnecting-websocket (also with `ws`, which would say 'nodebuffer'). */
  get binaryType() { return this.#ws ? this.#ws.binaryType : this.#binaryType; }
  set binaryType(type) {
    this.#binaryType = type;
    if (this.#ws) this.#ws.binaryType = type;
  }
  /** Retries since the last stable connection (reconnecting-websocket's `retryCount`). */
  get retryCount() { return this.#core.stats().attempt; }
  /** The engine's state: idle, connecting, verifying, open, reconnecting, offline, suspended, closed, failed. */
  get state() { return this.#state; }
  /** Counters and measurements (attempts, messages, RTT, queue, next retry). */
  get stats() {
    const stats = this.#core.stats();
    stats.messagesSent += this.#sent;
    stats.messagesReceived = this.#received[0];
    return stats;
  }

  send(data) {
    const ws = this.#ws;
    // Also OPEN per the browser: between a server's close frame and the close event the
    // socket is CLOSING and would discard the data; queue it instead.
    if (this.#ready && ws.readyState === 1) {
      ws.send(data);
      this.#sent++;
      if (this.#congested) return false;
      this.#estimate += data.length ?? data.byteLength ?? data.size ?? 0;
      if (this.#estimate <= this.#highWater) return true;
      const buffered = ws.bufferedAmount;
      this.#estimate = buffered;
      if (buffered <= this.#highWater) return true;
      this.#congested = true;
      this.#core.congested(buffered);
      return false;
    }
    const status = this.#core.send(data);
    if (status === 4) throw new RangeError('rebound-ws: the outbound queue is full (maxEnqueuedMessages / maxEnqueuedBytes)');
    if (status === 5) throw new RangeError('rebound-ws: the message is larger than maxEnqueuedBytes');
    if (status === 1) this.#congested = true;
    return status !== 1;
  }

  /** Sends `message` (an object) with a fresh id; resolves with the reply carrying the same id. */
  request(message, { timeout = this.#options.requestTimeout } = {}) {
    return new Promise((resolve, reject) => {
      const field = this.#options.requestIdField;
      if (message === null || typeof message !== 'object' || Array.isArray(message)) {
        throw new TypeError('rebound-ws: request() takes a plain object message');
      }
      if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 2147483647) {
        throw new RangeError(`rebound-ws: request timeout must be a number of ms > 0, got ${timeout}`);
      }
      JSON.stringify({ ...message, [field]: 0 }); // throws now (cycles, BigInt) rather than later
      let id;
      try {
        this.#core.request(timeout, (assigned) => {
          id = assigned;
          this.#pending.set(assigned, { resolve, reject });
          return JSON.stringify({ ...message, [field]: assigned });
        });
      } catch (status) {
        this.#pending.delete(id);
        reject(
          status instanceof Error
            ? status
            : new RangeError(`rebound-ws: request refused: ${status === 5 ? 'too large for the queue' : 'the queue is full'}`),
        );
      }
      this.#updateInspect();
    });
  }

  close(code = 1000, reason = '') {
    if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw domError(`rebound-ws: close code must be 1000 or 3000-4999, got ${code}`, 'InvalidAccessError');
    }
    if (new TextEncoder().encode(reason).length > 123) {
      throw domError('rebound-ws: close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
    }
    this.#core.close(code, String(reason));
  }

  /** Connects again now (closing the current socket), resetting the retry count. */
  reconnect() {
    this.#core.start();
  }

  // Listener arrays are replaced, never mutated, so a dispatch in progress keeps its list.
  addEventListener(type, listener) {
    const list = this.#listeners[type];
    if (listener && list && !list.includes(listener)) this.#listeners[type] = [...list, listener];
  }

  removeEventListener(type, listener) {
    const list = this.#listeners[type];
    if (list && list.includes(listener)) this.#listeners[type] = list.filter((l) => l !== listener);
  }

  dispatchEvent(event) {
    const handler = this['on' + event.type];
    if (typeof handler === 'function') callListener(handler, event, this);
    for (const listener of this.#listeners[event.type] ?? []) callListener(listener, event, this);
    return true;
  }

  #emit(type, props) {
    this.dispatchEvent(makeEvent(type, this, props));
  }

  // The per-message path: keep it this short (it is the benchmark).
  #onMessage = (event) => {
    this.#received[0]++;
    if (this.#inspect !== null && this.#inspect(event)) return;
    const handler = this.onmessage;
    if (handler !== null) {
      try {
        handler.call(this, event);
      } catch (error) {
        reportError(error);
      }
    }
    const listeners = this.#listeners.message;
    for (let i = 0; i < listeners.length; i++) callListener(listeners[i], event, this);
  };

  #updateInspect() {
    const active = this.#heartbeat || this.#verifying >= 0 || this.#pending.size > 0;
    this.#inspect = active ? this.#inspectMessage : null;
  }

  /** Heartbeat replies, verification answers and request replies: `true` = consumed. */
  #inspectMessage = (event) => {
    const data = event.data;
    if (this.#verifying >= 0) {
      // With `verifyMessage`: `verifyReply` judges each message — true ready, false failed,
      // undefined/null not the answer yet (a greeting); without it, any answer means ready.
      // With `verify(socket)`, the app's function listens for itself.
      if (!this.#options.verify) {
        const conn = this.#verifying;
        let verdict = true;
        try {
          if (this.#options.verifyReply) verdict = this.#options.verifyReply(data);
        } catch (error) {
          reportError(error);
          verdict = false;
        }
        if (verdict === undefined || verdict === null) return true;
        const ok = !!verdict;
        this.#verifying = -1;
        this.#updateInspect();
        this.#core.verified(conn, ok);
      }
      return true;
    }
    if (this.#heartbeat && this.#isReply(data)) {
      this.#core.pong();
      return true;
    }
    if (this.#pending.size > 0 && typeof data === 'string' && data.charCodeAt(0) === 123) {
      let reply;
      try {
        reply = JSON.parse(data);
      } catch {
        return false;
      }
      const id = reply?.[this.#options.requestIdField];
      const pending = this.#pending.get(id);
      if (pending && this.#core.resolve(id)) {
        this.#pending.delete(id);
        this.#updateInspect();
        pending.resolve(reply);
        return true;
      }
    }
    return false;
  };

  #verify(conn) {
    const ws = this.#ws;
    this.#verifying = conn;
    this.#updateInspect();
    const { verify, verifyMessage } = this.#options;
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
        .then((ok) => {
          if (this.#verifying === conn) {
            this.#verifying = -1;
            this.#updateInspect();
          }
          this.#core.verified(conn, ok);
        });
    } else if (verifyMessage !== undefined) {
      ws.send(typeof verifyMessage === 'string' ? verifyMessage : JSON.stringify(verifyMessage));
    }
  }

  #resolveUrl(conn) {
    Promise.resolve()
      .then(() => this.#url())
      .then(
        (url) => this.#core.openUrl(conn, String(url)),
        (error) => {
          this.#lastFailure = error;
          this.#core.urlFailed(conn);
        },
      );
  }

  #onCore = (kind, a, b) => {
    switch (kind) {
      case 0: // SOCKET: a new socket; its messages come straight here
        if (this.#ws) this.#ws.onmessage = null;
        this.#ws = a;
        this.#conn = b;
        this.#estimate = 0;
        a.onmessage = this.#onMessage;
        if (typeof a.addEventListener === 'function') a.addEventListener('error', ignoreError);
        a.binaryType = this.#binaryType;
        this.#log?.('connecting to', withoutQuery(a.url));
        break;
      case 1: // NEED_URL
        this.#resolveUrl(a);
        break;
      case 2: // VERIFY
        this.#verify(a);
        break;
      case 3: // FAILURE: the socket could not be created
        this.#lastFailure = a;
        this.#log?.('could not create the socket:', a?.name ?? 'Error'); // the message may hold the URL
        break;
      case 4: // STATE
        this.#state = a;
        if (STOPPED.has(a)) active.delete(this);
        else active.add(this);
        if (a !== 'open') this.#ready = false;
        if (this.#verifying >= 0 && a !== 'verifying') {
          this.#verifying = -1;
          this.#updateInspect();
        }
        this.#log?.('state', a);
        this.#stateEvents++;
        this.#emit('statechange', { state: a, ...this.#retryInfo() });
        break;
      case 6: // READY: usable; `open` is dispatched here, after any verification
        this.#ready = true;
        this.#congested = false;
        this.#emit('open', {});
        this.#emit('ready', { openToReadyMs: b });
        break;
      case 7: {
        // CLOSE: a connection ended, classified
        const [code, reason, wasClean, closeKind, hint, willRetry, retryIn] = a;
        this.#ready = false;
        // A closing socket may still deliver; nothing of it reaches the app any more.
        if (this.#ws) this.#ws.onmessage = null;
        this.#log?.('closed', code, closeKind, willRetry ? `retrying in ${retryIn ?? '?'} ms` : 'not retrying');
        this.#emit('close', { code, reason, wasClean, kind: closeKind, hint, willRetry, retryIn: retryIn ?? null });
        break;
      }
      case 8: // ERROR
        this.#emit('error', { error: this.#lastFailure, message: this.#lastFailure?.message ?? 'WebSocket error' });
        this.#lastFailure = undefined;
        break;
      case 9: // DROP: a message that will not be sent
        this.#emit('drop', { data: a, reason: b });
        break;
      case 10: {
        // REQUEST_FAILED
        const pending = this.#pending.get(a);
        if (pending) {
          this.#pending.delete(a);
          this.#updateInspect();
          const error = new Error(`rebound-ws: request ${a} failed: ${b}`);
          error.name = 'RequestError';
          error.reason = b;
          pending.reject(error);
        }
        break;
      }
      case 11: // DRAIN
        this.#congested = false;
        this.#estimate = 0;
        this.#emit('drain', {});
        break;
    }
  };

  #retryInfo() {
    const s = this.#core.stats();
    const retryIn = s.retryAt === null ? null : Math.max(0, Math.round(s.retryAt - performance.now()));
    return { attempt: s.attempt, maxRetries: s.maxRetries, retryIn };
  }
}

/** Socket handlers alive in this wasm instance: flat across reconnects (for leak checks). */
export const liveHandlers = () => Core.liveHandlers();

/** Bytes of linear memory the wasm instance holds (grows in 64 KiB pages; for leak checks). */
// (Found by type: the packaging minifies export names, `memory` included.)
const memory = Object.values(wasm).find((value) => value instanceof WebAssembly.Memory);
export const wasmMemoryBytes = () => memory.buffer.byteLength;

export default ReconnectingWebSocket;
