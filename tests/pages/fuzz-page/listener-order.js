// Event handlers and listeners side by side with the browser's own WebSocket (run by
// tests/pages/run.mjs): random sequences of `on<type>` assignments and reads,
// addEventListener (with `once`, `signal`, and listeners that are not objects) and
// removeEventListener, signals aborted, and dispatchEvent of cancelable and plain events,
// where listeners cancel the event, return false, stop immediate propagation, abort the
// signal, or reassign, clear or add during the dispatch. The same sequence runs on a `WebSocket` and on a
// `ReconnectingWebSocket`; who was called, in which order, with which `this`, what each
// handler reads back and what dispatchEvent returned must agree.
// (`capture` is left out: Firefox calls capture listeners at the target first, Chromium in
// the order added.)
// window.listenerOrder(seed, sequences, wsUrl) → { sequences, steps, mismatches: [...] }
import ReconnectingWebSocket from './rebound-ws.js';
import { mulberry32 as rng } from './random.mjs';

const TYPES = ['open', 'close', 'error', 'message'];
const CALLBACKS = ['f0', 'f1', 'f2', 'f3', 'obj'];
/** What a set handler can be: a callback, or a value the platform treats as none or ignores. */
const VALUES = [...CALLBACKS, 'null', 'undefined', 'string', 'number', 'plain'];
/** What a callback does, once, the next time it is called. */
const ACTIONS = ['prevent', 'returnFalse', 'stopImmediate', 'handlerSame', 'handlerOther', 'handlerNull', 'addOther', 'removeOther', 'abort'];

/** A random sequence of operations, the same for both sockets. */
function generate(random, length) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const ops = [];
  for (let i = 0; i < length; i++) {
    const type = pick(TYPES);
    const roll = random();
    if (roll < 0.2) ops.push({ op: 'set', type, value: pick(VALUES) });
    else if (roll < 0.3) ops.push({ op: 'get', type });
    else if (roll < 0.42) ops.push({ op: 'add', type, callback: pick(CALLBACKS), once: random() < 0.3 });
    // With a signal, a callback of its own, added once: Chromium's abort removes the listener
    // by its callback (also one added again after a removal), Firefox's the one it added.
    else if (roll < 0.5) ops.push({ op: 'add', type, callback: `s${i}`, once: random() < 0.3, signal: true });
    else if (roll < 0.52) ops.push({ op: 'add', type, callback: pick(['number', 'string', 'null', 'undefined']) });
    else if (roll < 0.6) ops.push({ op: 'remove', type, callback: pick(CALLBACKS) });
    else if (roll < 0.72) ops.push({ op: 'arm', callback: pick(CALLBACKS), action: pick(ACTIONS), other: pick(CALLBACKS) });
    else if (roll < 0.75) ops.push({ op: 'abort' });
    else ops.push({ op: 'dispatch', type, cancelable: random() < 0.5 });
  }
  return ops;
}

/** Runs `ops` on `target`; returns its log. */
function run(target, ops) {
  const log = [];
  const armed = new Map();
  const callbacks = {};
  const label = (value) => {
    if (value === null) return 'null';
    const name = Object.keys(callbacks).find((key) => callbacks[key] === value);
    return name ?? (typeof value === 'object' ? 'plain' : `other ${typeof value}`);
  };
  const called = (name, self, event) => {
    log.push(`${name}${self === target ? '' : ' (this is not the socket)'}`);
    const arm = armed.get(name);
    armed.delete(name);
    if (!arm) return undefined;
    const handler = `on${event.type}`;
    switch (arm.action) {
      case 'prevent':
        event.preventDefault();
        return undefined;
      case 'returnFalse':
        return false;
      case 'stopImmediate':
        event.stopImmediatePropagation();
        return undefined;
      case 'abort':
        abort();
        return undefined;
      case 'handlerSame':
        target[handler] = target[handler];
        return undefined;
      case 'handlerOther':
        target[handler] = callbacks[arm.other];
        return undefined;
      case 'handlerNull':
        target[handler] = null;
        return undefined;
      case 'addOther':
        target.addEventListener(event.type, callbacks[arm.other]);
        return undefined;
      default:
        target.removeEventListener(event.type, callbacks[arm.other]);
        return undefined;
    }
  };
  for (const name of ['f0', 'f1', 'f2', 'f3']) {
    callbacks[name] = function (event) {
      return called(name, this, event);
    };
  }
  callbacks.obj = {
    handleEvent(event) {
      return called('obj', target, event);
    },
  };
  const values = { ...callbacks, null: null, undefined, string: 'f0', number: 5, plain: {} };
  for (const step of ops) {
    if (step.signal) {
      callbacks[step.callback] = function (event) {
        return called(step.callback, this, event);
      };
    }
  }
  // Listeners added with `signal` share the current controller; 'abort' aborts it (removing
  // them, and only them: one added again later stays) and starts a new one.
  let controller = new AbortController();
  const abort = () => {
    controller.abort();
    controller = new AbortController();
  };
  for (const step of ops) {
    if (step.op === 'set') target[`on${step.type}`] = values[step.value];
    else if (step.op === 'get') log.push(`on${step.type} is ${label(target[`on${step.type}`])}`);
    else if (step.op === 'add') {
      const listener = step.callback in callbacks ? callbacks[step.callback] : values[step.callback]; // values: not objects
      const options = step.once || step.signal ? { once: step.once, signal: step.signal ? controller.signal : undefined } : undefined;
      try {
        target.addEventListener(step.type, listener, options);
      } catch (error) {
        log.push(`addEventListener(${step.callback}) threw ${error.name}`);
      }
    }
    else if (step.op === 'remove') target.removeEventListener(step.type, callbacks[step.callback]);
    else if (step.op === 'arm') armed.set(step.callback, step);
    else if (step.op === 'abort') abort();
    else {
      log.push(`dispatch ${step.type}${step.cancelable ? ' (cancelable)' : ''}`);
      const event = new Event(step.type, { cancelable: step.cancelable });
      const result = target.dispatchEvent(event);
      log.push(`→ ${result}, defaultPrevented ${event.defaultPrevented}`);
    }
  }
  return log;
}

window.listenerOrder = (seed, sequences, wsUrl) => {
  const random = rng(seed);
  const mismatches = [];
  let steps = 0;
  for (let n = 0; n < sequences && mismatches.length < 3; n++) {
    const ops = generate(random, 10 + Math.floor(random() * 30));
    steps += ops.length;
    const socket = new WebSocket(wsUrl);
    const rebound = new ReconnectingWebSocket(wsUrl, undefined, { startClosed: true });
    const expected = run(socket, ops);
    const actual = run(rebound, ops);
    socket.close();
    rebound.close();
    const at = expected.findIndex((line, i) => line !== actual[i]);
    if (at >= 0 || expected.length !== actual.length) {
      mismatches.push({ sequence: n, ops, webSocket: expected, rebound: actual, firstDifference: at >= 0 ? at : Math.min(expected.length, actual.length) });
    }
  }
  return { sequences, steps, mismatches };
};
document.body.dataset.listenerOrder = '1';
