// Building blocks of the generated adversarial suite (tests/node/generated.test.mjs):
//
// - `Rng`: a seeded PRNG (mulberry32) with the small helpers generators need;
// - deliberate errors: everything the suite throws on purpose is tagged, so an uncaught
//   error can be told apart from one the library made up;
// - `VirtualClock`: replaces setTimeout/clearTimeout/setInterval/clearInterval,
//   performance.now and Date.now while installed, so retry delays, connect/verify/request
//   timeouts and heartbeats run in virtual time: fast, and the same on every run of a seed;
// - `fakeSocketClass(world)`: a WebSocket look-alike to pass as `options.WebSocket`, as
//   well-behaved or as hostile as `world.hostility` says, recording what the library does
//   to it and letting the test fire open/message/error/close at will.

// ---- seeded randomness ------------------------------------------------------------------------

import { mulberry32 } from './random.mjs';

export { mulberry32 };

/** A 32-bit seed derived from any parts (FNV-1a over their text). */
export function hashSeed(...parts) {
  let h = 0x811c9dc5;
  for (const ch of parts.join('/')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Rng {
  constructor(seed) {
    this.seed = seed >>> 0;
    this.float = mulberry32(this.seed);
  }
  /** An integer in [0, n). */
  int(n) {
    return Math.floor(this.float() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return p > 0 && this.float() < p;
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  /** `entries` is [[value, weight], …]. */
  weighted(entries) {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [value, w] of entries) {
      if ((r -= w) < 0) return value;
    }
    return entries.at(-1)[0];
  }
  /** An independent stream for a sub-purpose, still determined by this one's seed. */
  fork(label) {
    return new Rng(hashSeed(this.seed, label));
  }
}

/** Runs `fn` with Math.random drawing from `rng` (the library seeds its jitter from it). */
export function withSeededRandom(rng, fn) {
  const saved = Math.random;
  Math.random = () => rng.float();
  try {
    return fn();
  } finally {
    Math.random = saved;
  }
}

// ---- deliberate errors ------------------------------------------------------------------------

const deliberateObjects = new WeakSet();
export const DELIBERATE_PREFIX = 'deliberate:';

/** An Error the suite throws on purpose, tagged (`error.deliberate`, message prefix). */
export function deliberate(label) {
  const error = new Error(`${DELIBERATE_PREFIX} ${label}`);
  error.deliberate = true;
  deliberateObjects.add(error);
  return error;
}

/** Tags any object (or function) as thrown on purpose; strings carry the prefix instead. */
export function markDeliberate(value) {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') deliberateObjects.add(value);
  return value;
}

export function isDeliberate(value) {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    if (deliberateObjects.has(value)) return true;
    try {
      return value.deliberate === true || String(value.message).startsWith(DELIBERATE_PREFIX);
    } catch {
      return false;
    }
  }
  return typeof value === 'string' && value.startsWith(DELIBERATE_PREFIX);
}

/** A WebAssembly trap, however it surfaced. */
export function isTrap(value) {
  if (typeof WebAssembly !== 'undefined' && value instanceof WebAssembly.RuntimeError) return true;
  let text;
  try {
    text = typeof value === 'object' && value !== null ? `${value.name} ${value.message}` : String(value);
  } catch {
    return false;
  }
  return /RuntimeError|unreachable|memory access out of bounds|table index is out of bounds|call stack exhausted/i.test(text);
}

/** One line saying what `value` is, never throwing. */
export function describe(value) {
  try {
    if (value === undefined) return 'undefined';
    if (value === null) return 'null';
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
    if (value instanceof Error || (typeof value === 'object' && 'message' in value && 'name' in value)) {
      return `${value.name}: ${value.message}`;
    }
    if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
    if (typeof value === 'object') {
      const tag = Object.prototype.toString.call(value);
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `${tag} (${value.byteLength} bytes)`;
      return tag;
    }
    return String(value);
  } catch {
    return `<${typeof value} that cannot be described>`;
  }
}

/** Values a hostile constructor (or callback) throws: Errors and not-Errors. */
export function hostileThrowable(rng, label) {
  switch (rng.int(8)) {
    case 0:
      return deliberate(label);
    case 1:
      return `${DELIBERATE_PREFIX} ${label} (a string)`;
    case 2:
      return undefined;
    case 3:
      return null;
    case 4:
      return 42;
    case 5:
      return markDeliberate(Object.create(null)); // no prototype: no toString, no message
    case 6: {
      // An Error-looking object whose `message` getter throws.
      const value = { name: 'Hostile' };
      Object.defineProperty(value, 'message', {
        get() {
          throw deliberate(`${label}: message getter`);
        },
      });
      return markDeliberate(value);
    }
    default: {
      const error = new TypeError(`${DELIBERATE_PREFIX} ${label} (a TypeError)`);
      return markDeliberate(error);
    }
  }
}

// ---- virtual time -----------------------------------------------------------------------------

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  dateNow: Date.now,
};

/** Lets every pending microtask (and promise chain) run: one real macrotask turn. */
export function drain() {
  return new Promise((resolve) => real.setImmediate(resolve));
}

/** Real-time sleep, whatever the clock (uses the real setTimeout). */
export function realSleep(ms) {
  return new Promise((resolve) => real.setTimeout(resolve, ms));
}

class VirtualTimer {
  constructor(id) {
    this.id = id;
  }
  // What code written for Node may call on a timer handle.
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return false;
  }
  [Symbol.toPrimitive]() {
    return this.id;
  }
}

/**
 * Virtual time for everything that asks the global timer functions, `performance.now()` or
 * `Date.now()` while installed. `advance(ms)` runs what falls due, in order, letting
 * microtasks run after each callback; an exception thrown by a callback (the library
 * re-throws listener errors from a timer, as EventTarget does) goes to `onThrow`.
 */
export class VirtualClock {
  now = 1_000_000; // ms; an arbitrary page age
  onThrow = (error) => {
    throw error;
  };
  /** Callbacks run by one advance() at most; more means a busy timer loop. */
  storm = 20000;
  #timers = new Map();
  #seq = 0;
  #installed = false;
  #epoch = 0;

  get installed() {
    return this.#installed;
  }

  get pending() {
    return this.#timers.size;
  }

  install() {
    if (this.#installed) return;
    this.#installed = true;
    this.#epoch = real.dateNow() - this.now;
    globalThis.setTimeout = (fn, ms, ...args) => this.#add(fn, ms, args, false);
    globalThis.setInterval = (fn, ms, ...args) => this.#add(fn, ms, args, true);
    globalThis.clearTimeout = (handle) => this.#cancel(handle, real.clearTimeout);
    globalThis.clearInterval = (handle) => this.#cancel(handle, real.clearInterval);
    Object.defineProperty(performance, 'now', { value: () => this.now, configurable: true, writable: true });
    Date.now = () => Math.floor(this.#epoch + this.now);
  }

  uninstall() {
    if (!this.#installed) return;
    this.#installed = false;
    globalThis.setTimeout = real.setTimeout;
    globalThis.setInterval = real.setInterval;
    globalThis.clearTimeout = real.clearTimeout;
    globalThis.clearInterval = real.clearInterval;
    delete performance.now;
    Date.now = real.dateNow;
  }

  #add(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    let delay = Math.ceil(Number(ms));
    if (!(delay >= 0) || delay > 2147483647) delay = 0;
    const handle = new VirtualTimer(++this.#seq);
    this.#timers.set(handle, { at: this.now + delay, seq: this.#seq, fn, args, repeat, delay });
    return handle;
  }

  #cancel(handle, fallback) {
    if (handle instanceof VirtualTimer) this.#timers.delete(handle);
    else if (handle !== undefined && handle !== null) fallback(handle); // a real timer made before install
  }

  /** Moves time forward by `ms`, running every callback that falls due. Returns how many ran. */
  async advance(ms) {
    const target = this.now + Math.max(0, ms);
    let ran = 0;
    for (;;) {
      let next = null;
      for (const entry of this.#timers) {
        const t = entry[1];
        if (t.at <= target && (next === null || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) {
          next = entry;
        }
      }
      if (next === null) break;
      const [handle, t] = next;
      if (t.at > this.now) this.now = t.at;
      if (t.repeat) {
        t.at = this.now + Math.max(1, t.delay);
        t.seq = ++this.#seq;
      } else {
        this.#timers.delete(handle);
      }
      if (++ran > this.storm) throw new Error(`busy timer loop: more than ${this.storm} callbacks without time passing past ${target}`);
      try {
        t.fn(...t.args);
      } catch (error) {
        this.onThrow(error);
      }
      await drain();
    }
    this.now = target;
    return ran;
  }

  /** Forgets every pending timer (between suites). */
  clear() {
    this.#timers.clear();
  }
}

// ---- the fake WebSocket -----------------------------------------------------------------------

export const HANDLER_TYPES = ['open', 'close', 'error', 'message'];

/**
 * The hostility knobs a fake reads (probabilities in [0, 1]; all 0 = a well-behaved socket
 * whose events the test fires). `world.healing` turns all of them off.
 */
export function calm() {
  return {
    ctorThrow: 0, // the constructor throws (Errors and not-Errors)
    ctorFires: 0, // the constructor fires open/error/close synchronously and in a microtask
    ctorReenter: 0, // the constructor calls back into the ReconnectingWebSocket
    setterThrow: 0, // an on<type> setter throws
    setterThrowOn: 'any', // 'any' value, only 'null' (detach), only a 'function' (attach)
    sendThrow: 0, // send() throws
    sendFires: 0, // send() fires close/error/message synchronously
    sendReenter: 0, // send() calls back into the ReconnectingWebSocket
    closeThrow: 0, // close() throws (before or after it took effect)
    closeReenter: 0, // close() calls back into the ReconnectingWebSocket
    closeEvent: { timeout: 1 }, // how close() reports: sync / microtask / timeout / never (weights)
    binaryTypeThrow: 0, // the binaryType setter throws
    getterThrow: 0, // readyState / bufferedAmount / url / protocol / extensions getters throw
    noAddEventListener: false, // the look-alike has no addEventListener at all
    malformed: 0, // an event the test fires is malformed (null, missing fields, throwing getters)
    afterClose: 0, // the test fires events on sockets that already closed
    staleHandlers: 0, // …through handlers the library had already replaced
  };
}

/**
 * A WebSocket constructor for one ReconnectingWebSocket. `world` provides:
 * `rng`, `hostility` (see calm()), `healing`, `note(text)`, `onConstruct(socket)`,
 * `onConstructThrow(value)`, `onSend(socket, data, readyState)`, `onCloseCall(socket)`,
 * `onSocketClosed(socket)`, `dispatchThrew(socket, type, error)`,
 * `reenter(socket, where)` (one random call back into the ReconnectingWebSocket),
 * `schedule(how, fn)` ('sync' | 'microtask' | 'timeout') and `skip` (a Set of input kinds
 * not to generate: 'null-event', 'sync-close').
 */
export function fakeSocketClass(world) {
  const h = () => (world.healing ? calm() : world.hostility);
  const rng = world.rng;
  let reentering = 0;

  function reenter(socket, where) {
    if (reentering > 0) return; // one level: a look-alike calling back from its own call-back would loop
    reentering++;
    try {
      world.reenter(socket, where);
    } finally {
      reentering--;
    }
  }

  class FakeSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;

    constructor(url, protocols) {
      const knobs = h();
      if (rng.chance(knobs.ctorThrow)) {
        const value = hostileThrowable(rng, 'socket constructor');
        world.note(`  socket constructor throws ${describe(value)}`);
        world.onConstructThrow(value);
        throw value;
      }
      this.id = world.sockets.length + 1;
      this._url = String(url);
      this.protocolsOffered = protocols;
      this._readyState = 0;
      this._binaryType = 'blob';
      this._bufferedAmount = 0;
      this.handlers = { open: null, close: null, error: null, message: null };
      this.replaced = { open: [], close: [], error: [], message: [] }; // handlers set earlier
      this.listeners = { open: [], close: [], error: [], message: [] };
      this.closeCalls = 0;
      this.closeFired = false;
      this.sends = 0;
      world.onConstruct(this);
      if (knobs.noAddEventListener) this.addEventListener = undefined;
      if (rng.chance(knobs.ctorReenter)) reenter(this, 'socket constructor');
      if (rng.chance(knobs.ctorFires)) {
        const type = rng.pick(['open', 'error', 'close']);
        world.note(`  socket #${this.id} fires ${type} from inside its constructor`);
        this.fire(type); // no handler is attached yet: nothing may happen
        const later = rng.pick(['open', 'error', 'close', 'message']);
        world.schedule('microtask', () => this.fire(later, { data: 'from-constructor' }));
      }
    }

    /** Closed from the library's point of view: it called close(), or close was fired. */
    get isClosed() {
      return this.closeCalls > 0 || this.closeFired;
    }

    #getter(name, value) {
      if (rng.chance(h().getterThrow)) {
        world.note(`  socket #${this.id} getter ${name} throws`);
        throw deliberate(`socket ${name} getter`);
      }
      return value;
    }

    get url() {
      return this.#getter('url', this._url);
    }
    get protocol() {
      return this.#getter('protocol', '');
    }
    get extensions() {
      return this.#getter('extensions', '');
    }
    get readyState() {
      return this.#getter('readyState', this._readyState);
    }
    get bufferedAmount() {
      return this.#getter('bufferedAmount', this._bufferedAmount);
    }
    get binaryType() {
      return this._binaryType;
    }
    set binaryType(value) {
      if (rng.chance(h().binaryTypeThrow)) {
        world.note(`  socket #${this.id} binaryType setter throws`);
        throw deliberate('socket binaryType setter');
      }
      this._binaryType = value;
    }

    send(data) {
      const knobs = h();
      if (rng.chance(knobs.sendThrow)) {
        // Refused, as a browser socket refuses while CONNECTING: nothing was sent.
        world.note(`  socket #${this.id} send() throws`);
        throw deliberate('socket send');
      }
      world.onSend(this, data, this._readyState);
      this.sends++;
      if (rng.chance(knobs.sendReenter)) reenter(this, 'socket send');
      if (rng.chance(knobs.sendFires)) {
        const type = rng.pick(['close', 'error', 'message']);
        world.note(`  socket #${this.id} fires ${type} from inside send()`);
        if (type !== 'close') this.fire(type, { data: 'from-send' });
        else if (!world.skip?.has('sync-close')) this.serverClose(1006, '', false);
      }
    }

    close(code, reason) {
      const knobs = h();
      world.onCloseCall(this, code, reason);
      this.closeCalls++;
      if (rng.chance(knobs.closeThrow / 2)) {
        world.note(`  socket #${this.id} close() throws before closing`);
        throw deliberate('socket close (before)');
      }
      if (rng.chance(knobs.closeReenter)) reenter(this, 'socket close');
      if (this._readyState < 2) {
        const wasConnecting = this._readyState === 0;
        this._readyState = 2;
        const how = rng.weighted(Object.entries(knobs.closeEvent));
        const report = () => {
          if (wasConnecting) this.fire('error');
          this.serverClose(wasConnecting ? 1006 : (code ?? 1005), wasConnecting ? '' : (reason ?? ''), !wasConnecting);
        };
        if (how !== 'never') world.schedule(how, report);
        else world.note(`  socket #${this.id} will never report its close`);
      }
      if (rng.chance(knobs.closeThrow / 2)) {
        world.note(`  socket #${this.id} close() throws after closing`);
        throw deliberate('socket close (after)');
      }
    }

    addEventListener(type, listener) {
      const list = this.listeners[type];
      if (list && listener && !list.includes(listener)) list.push(listener);
    }

    removeEventListener(type, listener) {
      const list = this.listeners[type];
      if (list) this.listeners[type] = list.filter((l) => l !== listener);
    }

    // ---- what the test drives ------------------------------------------------------------

    /** The connection opened. */
    serverOpen() {
      this.fire('open');
    }

    /** The connection ended (the server closed, or the network dropped it). */
    serverClose(code, reason, wasClean) {
      this.fire('close', { code, reason, wasClean });
    }

    /**
     * Dispatches an event to the on<type> handler and the listeners, as a socket does;
     * what a handler throws goes to `world.dispatchThrew` (a browser reports it as an
     * uncaught error; `ws` in Node lets it escape the event emitter). Hostility may make
     * the event malformed, or call a handler the library had already replaced.
     */
    fire(type, fields = {}) {
      const knobs = h();
      if (type === 'open' && this._readyState === 0) this._readyState = 1;
      if (type === 'close' && !this.closeFired) {
        // A socket that fires close is closed, however it got there.
        this._readyState = 3;
        this.closeFired = true;
        world.onSocketClosed(this);
      }
      let event = { type, target: this, currentTarget: this, ...fields };
      if (rng.chance(knobs.malformed)) event = malformedEvent(rng, type, fields, world.skip);
      const handler = this.handlers[type];
      const targets = typeof handler === 'function' ? [handler] : [];
      targets.push(...this.listeners[type]);
      let stale = null;
      if (rng.chance(knobs.staleHandlers) && this.replaced[type].length > 0) {
        stale = rng.pick(this.replaced[type]);
        if (typeof stale === 'function') {
          world.note(`  socket #${this.id} also calls a replaced on${type} handler`);
          targets.push(stale);
        }
      }
      for (const fn of targets) {
        try {
          if (typeof fn === 'function') fn.call(this, event);
          else if (fn && typeof fn.handleEvent === 'function') fn.handleEvent(event);
        } catch (error) {
          world.dispatchThrew(this, type, error, fn === stale);
        }
      }
    }
  }

  for (const type of HANDLER_TYPES) {
    Object.defineProperty(FakeSocket.prototype, `on${type}`, {
      configurable: true,
      get() {
        return this.handlers[type];
      },
      set(value) {
        const knobs = h();
        const applies =
          knobs.setterThrowOn === 'any' ||
          (knobs.setterThrowOn === 'null' && value === null) ||
          (knobs.setterThrowOn === 'function' && typeof value === 'function');
        if (applies && rng.chance(knobs.setterThrow)) {
          world.note(`  socket #${this.id} on${type} setter throws (given ${value === null ? 'null' : typeof value})`);
          throw deliberate(`socket on${type} setter`);
        }
        if (this.handlers[type]) this.replaced[type].push(this.handlers[type]);
        this.handlers[type] = value;
      },
    });
  }
  return FakeSocket;
}

/** An event a socket should never fire, but a hostile look-alike might. */
export function malformedEvent(rng, type, fields, skip = new Set()) {
  const pick = rng.int(9);
  // 'null-event': no null/undefined/string events (keep the ones with missing or odd fields).
  switch (skip.has('null-event') && (pick <= 1 || pick === 6) ? 2 : pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return {}; // no type, no code/reason/wasClean/data
    case 3:
      return { type }; // the type only
    case 4:
      return { type, code: String(fields.code ?? 1000), reason: 42, wasClean: 'yes', data: fields.data };
    case 5:
      return { type, code: rng.pick([Number.NaN, -1, 70000, 1e12, Infinity]), reason: null, wasClean: null, data: null };
    case 6:
      return 'an event as a string';
    case 7: {
      // Every field a getter that throws.
      const event = { type };
      for (const key of ['code', 'reason', 'wasClean', 'data']) {
        Object.defineProperty(event, key, {
          enumerable: true,
          get() {
            throw deliberate(`event ${key} getter`);
          },
        });
      }
      return event;
    }
    default:
      // A Proxy that throws on every property read.
      return new Proxy(
        {},
        {
          get(_, key) {
            throw deliberate(`event proxy get ${String(key)}`);
          },
        },
      );
  }
}
