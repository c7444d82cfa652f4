// @ts-check
// `Core`: the engine (the wasm's `Core`, crates/ws-wasm/src/js_api.rs, behind the raw ABI of
// crates/ws-npm) as index.js drives it. This is the JS half of a compact boundary: numbers
// and strings go in (strings as UTF-8 through the wasm's buffer), records come out (read from
// its memory), and no JS value crosses. The app's messages stay here (the wasm holds a handle and a size for
// each); the records are decoded by the table generated from Rust (boundary.js:
// crates/ws-wasm/src/boundary.rs), and each is handed to the wrapper's sink as an object with
// named fields, after the wasm call has returned. Which options exist, their kinds, defaults
// and error texts, and every check on a number are Rust's; what is here is what must be JS:
// looking at JS values (typeof, the platform's brand checks, JSON.stringify), the platform's
// URL parser, the clock, and building the errors the records name.
import { withoutQuery } from './events.js';
import { binarySize, size } from './size.js';
import { exports as wasm } from './instance.js';
import { HINT_EVENTS, INPUT, MUST, OPTIONS, RECORDS, TEXTS, TYPES } from './boundary.js';

const NUMBERS = OPTIONS.filter((option) => option[1] === 'number').length;
const KNOWN = new Set(OPTIONS.map((option) => option[0]));
const now = () => performance.now();
const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF (a close reason may start with one) is text, not a mark to drop:
// the records count it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Writes `texts` (strings, or undefined for none) one after another into the wasm's buffer:
 * their byte lengths (−1: none), as the export that reads them takes them.
 */
function put(...texts) {
  const room = texts.reduce((sum, text) => sum + (text === undefined ? 0 : text.length * 3), 0);
  const at = wasm.buffer(room);
  const bytes = new Uint8Array(wasm.memory.buffer, at, room);
  let used = 0;
  return texts.map((text) => {
    if (text === undefined) return -1;
    const { written } = encoder.encodeInto(text, bytes.subarray(used));
    used += written;
    return written;
  });
}

/** Frees a Core's slot once its instance is collected. */
const slots = new FinalizationRegistry((slot) => wasm.release(slot));

/** `value` as an error message shows it: strings quoted, objects and functions by their kind. */
function describe(value) {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object' && value !== null) {
    let array = false;
    try {
      array = Array.isArray(value); // throws on a revoked Proxy
    } catch {
      // counts as an object
    }
    return array ? 'an array' : 'an object';
  }
  return String(value);
}

/** The error `name` names: TypeError and RangeError as themselves, the rest as DOMExceptions. */
function error(name, message) {
  if (name === 'TypeError') return new TypeError(message);
  if (name === 'RangeError') return new RangeError(message);
  try {
    return new DOMException(message, name);
  } catch {
    return Object.assign(new Error(message), { name });
  }
}

/** A rejected value: `rebound-ws: invalid option "name": <value> <problem>`. */
function invalid(name, option, value, problem) {
  return error(name, `rebound-ws: invalid option "${option}": ${describe(value)} ${problem}`);
}

/**
 * The warning for an unknown option: it names the known option sharing the longest start
 * with it, ignoring case (`heartbeat` → `heartbeatInterval`; the first listed on a tie).
 */
function unknownOption(key) {
  let closest = '';
  let most = 0;
  for (const [name] of OPTIONS) {
    let shared = 0;
    while (shared < key.length && key[shared].toLowerCase() === name[shared]?.toLowerCase()) shared++;
    if (shared > most) [closest, most] = [name, shared];
  }
  return `${TEXTS.unknownOption}${key}" ignored; did you mean "${closest}"?`;
}

/** Whether `value` is of an option kind (boundary.js `TYPES`, crates/ws-wasm/src/boundary.rs `types`). */
const accepts = (kind, value, choices) => (kind === 'choice' ? choices.includes(value) : TYPES[kind].split(' ').includes(typeof value));

/**
 * A message option: a string or binary data as is, another object as its JSON (made once,
 * here, so a value that cannot be sent is refused now, not at every attempt).
 */
function message(name, value) {
  if (typeof value === 'string' || (typeof value === 'object' && value !== null && binarySize(value) !== undefined)) return value;
  if (typeof value === 'object' && value !== null) {
    try {
      const text = JSON.stringify(value);
      if (typeof text === 'string') return text;
    } catch {
      // refused below
    }
  }
  throw invalid('TypeError', name, value, MUST.message);
}

/** What the fingerprint tabs compare is given of a message: the string, '' for none, else undefined (not a string). */
const shown = (value) => (typeof value === 'string' ? value : value === undefined ? '' : undefined);

/** Whether tabs can share here: BroadcastChannel and Web Locks on an origin that is not opaque. */
const canShare = () =>
  typeof BroadcastChannel === 'function' && typeof globalThis.navigator?.locks?.request === 'function' && globalThis.origin !== 'null';

export class Core {
  /** The wasm's Core: its slot. */
  #slot;
  #sink;
  /** The app's messages the wasm holds, by handle. */
  #held = new Map();
  #nextHandle = 0;
  /** @type {any} the validated settings index.js reads (defaults filled in) */
  settings;

  /**
   * Validates the URL, subprotocols and options, throwing a TypeError, RangeError or a
   * SyntaxError/SecurityError DOMException that names the problem. `options` is the
   * wrapper's plain copy of the app's object; `sink` receives the records as objects.
   */
  constructor(url, protocols, options, sink, seed) {
    this.#sink = sink;
    this.#slot = wasm.create();
    try {
      this.settings = this.#setup(url, protocols, options, seed);
    } catch (thrown) {
      wasm.release(this.#slot);
      throw thrown;
    }
    slots.register(this, this.#slot);
  }

  #setup(url, protocols, options, seed) {
    if (typeof url !== 'function' && typeof url !== 'string') throw invalid('TypeError', 'url', url, TEXTS.url);
    const fixed = typeof url === 'string' ? this.#resolve(url) : undefined;
    const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
    if (!Array.isArray(list)) throw invalid('TypeError', 'protocols', protocols, TEXTS.protocols);
    for (const [i, token] of list.entries()) {
      if (typeof token !== 'string' || !wasm.is_token(put(token)[0]) || list.indexOf(token) !== i) throw error('SyntaxError', TEXTS.subprotocol + describe(token));
    }
    if (typeof options !== 'object' || options === null) throw invalid('TypeError', 'options', options, TEXTS.options);

    const settings = { url: fixed ?? url, protocols };
    const numbers = new Float64Array(NUMBERS);
    let given = 0;
    const choices = [-1, -1];
    for (const [index, [name, kind, fallback, ...names]] of OPTIONS.entries()) {
      let value = options[name];
      if (index === NUMBERS + 2) {
        // The numbers go to the engine's builder first: its range errors come first.
        const at = wasm.buffer(NUMBERS * 8); // first: it may grow the memory (a new buffer)
        new Float64Array(wasm.memory.buffer, at, NUMBERS).set(numbers);
        this.#run(wasm.configure(this.#slot, given, choices[0], choices[1]), undefined, options);
      }
      if (value === undefined) {
        if (kind === 'WebSocket') value = globalThis.WebSocket;
        else {
          settings[name] = fallback;
          continue;
        }
      }
      if (kind === 'message') {
        settings[name] = message(name, value);
        continue;
      }
      if (!accepts(kind, value, names)) throw invalid('TypeError', name, value, kind === 'choice' ? `${MUST.choice} "${names.join('", "')}"` : MUST[kind]);
      if (kind === 'number') {
        numbers[index] = value;
        given |= 1 << index;
      } else if (kind === 'choice') {
        choices[index - NUMBERS] = names.indexOf(value);
      } else if (kind === 'timeout' && wasm.timeout(value) < 0) {
        throw invalid('RangeError', name, value, TEXTS.timeout);
      }
      settings[name] = value;
    }
    const warnings = (settings.warnings = []);
    for (const key of Object.keys(options)) if (!KNOWN.has(key)) warnings.push(unknownOption(key));

    const share = settings.share === false ? undefined : settings.share === true ? '' : settings.share;
    const tabs = share !== undefined && canShare();
    if (share !== undefined && globalThis.origin === 'null') warnings.push(TEXTS.opaqueOrigin);
    const hasCheck = settings.verify !== undefined || settings.verifyMessage !== undefined || settings.verifyReply !== undefined;
    const { heartbeatMessage, heartbeatReply, verifyMessage } = settings;
    const timeout = wasm.timeout(settings.requestTimeout);
    const set = this.#run(wasm.setup(this.#slot, seed, +hasCheck, timeout, +tabs, ...put(fixed, share)), undefined, options);
    const { url: coreUrl, ...computed } = set;
    Object.assign(settings, computed);
    if (coreUrl !== null) settings.url = coreUrl;
    if (set.member) {
      // What the share module's ShareMember makes the group's name and the options'
      // fingerprint of.
      const [ping, pong, check] = [heartbeatMessage, heartbeatReply, verifyMessage].map(shown);
      settings.shareSetup = { key: share, url: fixed ?? null, protocols: list, config: set.shareConfig, ping, pong, check };
      // A member: the leading tab's socket runs the heartbeat, the ready check and the app's
      // shouldReconnect (its engine has none: Core's member config).
      settings.shouldReconnect = settings.verify = settings.verifyMessage = settings.verifyReply = undefined;
    }
    return settings;
  }

  /** A socket URL resolved against the page and checked (Core's scheme rule). */
  #resolve(text) {
    const page = globalThis.location?.href;
    let parsed;
    try {
      parsed = new URL(text, page);
    } catch {
      throw error('SyntaxError', TEXTS.invalidUrl + withoutQuery(text)); // never echo a query: tokens live there
    }
    parsed.protocol = this.#input(INPUT.scheme, +(typeof page === 'string' && page.startsWith('https:')), 0, 0, 0, parsed.protocol).protocol;
    parsed.hash = '';
    return parsed.href;
  }

  /**
   * Hands each record to the sink, in order; returns the call's result record (`sent`,
   * `requestId`, `settings`, `scheme`, `view`, `stats`); throws a `thrown` one. `cause` is
   * the app's error a `failure` record refers to; `values` holds, by name, the values a
   * `thrown` may name.
   */
  #run(count, cause, values) {
    const at = wasm.records();
    const out = new Float64Array(wasm.memory.buffer, at, count).slice();
    let text = null;
    let result;
    for (let i = 0; i < out.length; ) {
      const spec = RECORDS[out[i++]];
      const record = {};
      for (let f = 1; f < spec.length; f += 2) {
        /** @type {any} */
        let field = out[i++];
        switch (spec[f + 1]) {
          case 'o':
            if (field !== field) field = null; // NaN
            break;
          case 'b':
            field = field === 1;
            break;
          case 'd':
            field = this.#held.get(field);
            this.#held.delete(out[i - 1]);
            break;
          case 's':
          case 't': {
            const length = out[i++];
            if (text === null) {
              const [start, length] = [wasm.text(), wasm.text_len()];
              text = decoder.decode(new Uint8Array(wasm.memory.buffer, start, length));
            }
            field = field < 0 ? null : text.slice(field, field + length);
          }
        }
        record[spec[f]] = field;
      }
      const name = spec[0];
      if (name === 'thrown') {
        const { option } = record;
        // The value shown: the one the engine refused (an option the app left out can be
        // refused for another's sake, `lowWaterMark` for `highWaterMark`), else the app's.
        const shown = record.value !== null ? record.value : values?.[option];
        throw option === null ? error(record.name, record.problem) : invalid(record.name, option, shown, record.problem);
      }
      if (name === 'failure') this.#sink.failure(cause);
      else if (name in this.#sink) this.#sink[name](record);
      else result = record;
    }
    return result;
  }

  /**
   * Tells the wasm's Core an input (boundary.js INPUT, crates/ws-wasm/src/boundary.rs
   * `Input`: what its numbers `a`, `b`, `c`, the bits of `given` and `text` mean) and runs
   * its records.
   */
  #input(input, a, b, c, given, text, cause, values) {
    return this.#run(wasm.input(this.#slot, input, now(), a, b, c, given, put(text)[0]), cause, values);
  }

  /**
   * Hands message `data` to the wasm with `input`: its handle and size, then `c` and `given`
   * (a request: its `id` first, then the handle and size). A refused message is not held.
   */
  #message(input, data, c, given, id) {
    const handle = this.#nextHandle++;
    this.#held.set(handle, data);
    try {
      return id === undefined ? this.#input(input, handle, size(data), c, given) : this.#input(input, id, handle, size(data), given);
    } catch (thrown) {
      this.#held.delete(handle);
      throw thrown;
    }
  }

  connect() {
    this.#input(INPUT.connect, 0, 0, 0, 0);
  }

  /** The app's close(code, reason), after the wrapper's WebIDL conversions. */
  close(code, reason) {
    this.#input(INPUT.close, code ?? 0, 0, 0, +(code !== undefined), reason);
  }

  /** Queues or sends `data` when the wrapper cannot send it directly: `sent`, `congested`, `queued` or `dropped`. */
  send(data) {
    return this.#message(INPUT.send, data, 0, 0).status;
  }

  /** A message from `transmit` the open socket refused: a `drop` (`refused`). */
  refused(data, request) {
    this.#message(INPUT.refused, data, request ?? 0, +(request != null));
  }

  /** A message from `transmit` did not go out: queued again, or dropped. */
  unsent(data, request) {
    this.#message(INPUT.unsent, data, request ?? 0, +(request != null));
  }

  /** Checks a request() (a plain object message, a timeout) and returns the id it will carry. */
  requestId(message, timeout) {
    let array = false;
    try {
      array = Array.isArray(message);
    } catch {
      array = true; // a revoked Proxy
    }
    if (typeof message !== 'object' || message === null || array) throw error('TypeError', TEXTS.request);
    if (timeout !== undefined && typeof timeout !== 'number') throw invalid('TypeError', 'timeout', timeout, MUST.timeout);
    return this.#input(INPUT.requestId, timeout ?? 0, 0, 0, +(timeout !== undefined), undefined, undefined, { timeout }).id;
  }

  /** Sends request `id` as `text` (with the timeout requestId checked). */
  request(id, text) {
    this.#message(INPUT.request, text, 0, 0, id);
  }

  /** The reply to request `id` arrived; false if it is no longer pending. */
  resolve(id) {
    return wasm.resolve(this.#slot, id) === 1;
  }

  /** The app's URL provider gave `url` (a string) for attempt `conn`. */
  openUrl(conn, url) {
    let resolved = url;
    if (!this.settings.member) {
      try {
        resolved = this.#resolve(url);
      } catch (thrown) {
        return this.urlFailed(conn, thrown);
      }
    }
    this.#input(INPUT.openUrl, conn, 0, 0, 0, resolved);
  }

  /** The app's URL provider failed for attempt `conn`; `cause` is why. */
  urlFailed(conn, cause) {
    this.#input(INPUT.urlFailed, conn, 0, 0, 0, undefined, cause);
  }

  /** Attempt `conn` could not start; `cause` is why. */
  failed(conn, cause) {
    this.#input(INPUT.failed, conn, 0, 0, 0, undefined, cause);
  }

  opened(conn) {
    this.#input(INPUT.opened, conn, 0, 0, 0);
  }

  /** Socket `conn` reported an error; `cause` its message, where it gives one. */
  errored(conn, cause) {
    this.#input(INPUT.errored, conn, 0, 0, 0, typeof cause === 'string' ? cause : undefined);
  }

  /** Socket `conn` closed: `{ code, reason, wasClean }`; `decision` is shouldReconnect's answer. */
  closed(conn, { code, reason, wasClean }, decision) {
    const number = typeof code === 'number';
    const verdict = decision === true ? 1 : decision === false ? 0 : -1;
    this.#input(INPUT.closed, conn, number ? code : 0, verdict, +number | (wasClean === true ? 2 : 0), typeof reason === 'string' ? reason : undefined);
  }

  /** The ready check answered: undefined/null = not yet, else its truthiness. */
  verdict(conn, verdict) {
    if (verdict === undefined || verdict === null) return;
    this.#input(INPUT.verdict, conn, +!!verdict, 0, 0);
  }

  pong(received) {
    this.#input(INPUT.pong, received, 0, 0, 0);
  }

  congested(buffered) {
    this.#input(INPUT.congested, buffered, 0, 0, 0);
  }

  tick(received, buffered, lastInbound) {
    this.#input(INPUT.tick, received, buffered, lastInbound, 0);
  }

  /** A page event: `{ type, hidden, persisted }` (the type by its place in HINT_EVENTS). */
  hint({ type, hidden, persisted }) {
    this.#input(INPUT.hint, +!!hidden, +!!persisted, HINT_EVENTS.findIndex(([name]) => name === type), 0);
  }

  queuedBytes() {
    return wasm.queued_bytes(this.#slot);
  }

  /** What a connection indicator shows now (StatusView in index.d.ts). */
  statusView(grace) {
    if (grace !== undefined && typeof grace !== 'number') throw invalid('TypeError', 'grace', grace, MUST.number);
    const ms = wasm.grace(grace ?? 0, +(grace !== undefined));
    if (ms < 0) throw invalid('RangeError', 'grace', grace, TEXTS.grace);
    return this.#input(INPUT.statusView, ms, 0, 0, 0);
  }

  /** Counters and the current state's details. */
  stats() {
    return this.#input(INPUT.stats, 0, 0, 0, 0);
  }
}
