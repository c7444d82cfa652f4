// @ts-check
// One socket's listeners, kept as EventTarget keeps them (the DOM standard; Chromium and
// Firefox checked side by side by tests/pages), `on<type>` handlers among them.
import { callListener, read } from './events.js';

/** addEventListener's `capture`: the options themselves when a boolean, else their field. */
const captures = (options) => (typeof options === 'boolean' ? options : !!read(options, 'capture'));
/** The platform's brand check (a look-alike's `aborted` getter never runs). */
const abortedGetter = globalThis.AbortSignal && Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;
const isAbortSignal = (value) => {
  try {
    abortedGetter.call(value);
    return true;
  } catch {
    return false;
  }
};

/**
 * The listeners of one target, by event type. Each is an entry `{ callback, capture, once,
 * removed }`; a list is replaced, never mutated, so a dispatch keeps the list it began with
 * (one added meanwhile waits for the next event) and skips an entry removed meanwhile.
 */
export class Listeners {
  #target;
  #lists = new Map();
  /** Each event handler's entry (`value`: the handler), by event type. */
  #handlers = {};

  /** Listeners of `target` (the `this` they are called with), for the event `types`. */
  constructor(target, types) {
    this.#target = target;
    for (const type of types) this.#lists.set(type, []);
  }

  /**
   * addEventListener: a listener is known by its callback and `capture`, added once; `once`
   * removes it before its first call; a `signal`'s abort removes it (also when this call
   * found it added already; an aborted signal adds nothing; a value that is not an
   * AbortSignal is a TypeError).
   */
  add(type, listener, options) {
    const capture = captures(options);
    const signal = read(options, 'signal');
    if (signal !== undefined && !isAbortSignal(signal)) throw new TypeError('rebound-ws: addEventListener: options.signal is not an AbortSignal');
    if (!listener || signal?.aborted) return;
    if (signal) {
      // Held by the signal: these listeners (and so the socket) only weakly, so a long-lived
      // signal keeps no socket alive.
      const listeners = new WeakRef(this);
      signal.addEventListener('abort', () => listeners.deref()?.remove(type, listener, capture), { once: true });
    }
    const list = this.#lists.get(type) ?? [];
    if (!list.some((entry) => entry.callback === listener && entry.capture === capture)) {
      this.#lists.set(type, [...list, { callback: listener, capture, once: !!read(options, 'once'), removed: false }]);
    }
  }

  /** removeEventListener. */
  remove(type, listener, options) {
    const capture = captures(options);
    this.#drop(type, (this.#lists.get(type) ?? []).find((e) => e.callback === listener && e.capture === capture));
  }

  /** dispatchEvent: calls the listeners of `event.type` in order; `false` when one canceled it. */
  dispatch(event) {
    this.call(event.type, event);
    return !event.defaultPrevented;
  }

  /** Calls the listeners of `type` with `event`, as received (a look-alike's may be anything). */
  call(type, event) {
    const list = this.#lists.get(type) ?? [];
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (entry.removed) continue;
      if (entry.once) this.#drop(type, entry);
      callListener(entry.callback, event, this.#target);
    }
  }

  /** The `on<type>` handler's value, or `null`. */
  handler(type) {
    return this.#handlers[type]?.value ?? null;
  }

  /**
   * Sets the `on<type>` handler: a listener placed in the list when first set, left in place
   * when replaced, removed when set to `null` (or anything not an object, which reads back as
   * `null`); one that returns `false` cancels the event.
   */
  setHandler(type, value) {
    const entry = this.#handlers[type];
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      this.#handlers[type] = undefined;
      this.#drop(type, entry);
    } else if (entry) {
      entry.value = value;
    } else {
      const added = {
        callback(event) {
          if (typeof added.value === 'function' && added.value.call(this, event) === false) event?.preventDefault?.(); // a look-alike's event may be anything
        },
        value,
        capture: false,
        once: false,
        removed: false,
      };
      this.#handlers[type] = added;
      this.#lists.set(type, [...(this.#lists.get(type) ?? []), added]);
    }
  }

  #drop(type, entry) {
    if (!entry) return;
    entry.removed = true; // a dispatch under way skips it
    this.#lists.set(type, this.#lists.get(type).filter((e) => e !== entry));
  }
}
