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
   * removes it before its first call; a `signal`'s abort removes it (not one this call
   * found added already, as in Chromium and Firefox; an aborted signal adds nothing). A
   * listener that is neither an object nor a function (nor null or undefined), or a
   * `signal` that is not an AbortSignal, is a TypeError.
   */
  add(type, listener, options) {
    const capture = captures(options);
    const signal = read(options, 'signal');
    if (signal !== undefined && !isAbortSignal(signal)) throw new TypeError('rebound-ws: addEventListener: options.signal is not an AbortSignal');
    if (listener != null && typeof listener !== 'object' && typeof listener !== 'function') {
      throw new TypeError(`rebound-ws: addEventListener: the listener is a ${typeof listener}, not a function or an object`);
    }
    if (!listener || signal?.aborted) return;
    const list = this.#lists.get(type) ?? [];
    if (list.some((e) => e.callback === listener && e.capture === capture)) return;
    /** @type {{ callback: any, capture: boolean, once: boolean, removed: boolean, signal?: AbortSignal, onAbort?: () => void }} */
    const entry = { callback: listener, capture, once: !!read(options, 'once'), removed: false, signal };
    this.#lists.set(type, [...list, entry]);
    if (signal) {
      // The signal holds the entry and these listeners (and so the socket) only weakly, so a
      // long-lived signal keeps no socket alive; its abort removes this entry, not one added
      // again later; and the entry, once removed, takes its abort handler off the signal.
      const listeners = new WeakRef(this);
      const held = new WeakRef(entry);
      entry.onAbort = () => {
        const added = held.deref();
        const target = listeners.deref();
        if (added && target) target.#drop(type, added);
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
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
    let stopped = false;
    if (list.length > 1) {
      // stopImmediatePropagation() ends the dispatch, as EventTarget's does (only a listener
      // that follows could tell, so a single one costs nothing).
      try {
        const stop = event.stopImmediatePropagation;
        event.stopImmediatePropagation = function () {
          stopped = true;
          if (typeof stop === 'function') stop.call(this);
        };
      } catch {
        // a look-alike's event that takes no property
      }
    }
    for (let i = 0; i < list.length && !stopped; i++) {
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
          if (typeof added.value === 'function' && added.value.call(this, event) === false) {
            try {
              event.preventDefault();
            } catch {
              // a look-alike's event may be anything
            }
          }
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
    if (entry.onAbort) entry.signal.removeEventListener('abort', entry.onAbort);
    this.#lists.set(type, this.#lists.get(type).filter((e) => e !== entry));
  }
}
