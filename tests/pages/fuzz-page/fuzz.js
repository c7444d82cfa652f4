// Generated steps against the package in a real browser (run by tests/pages/run.mjs):
// hostile WebSocket look-alikes, app callbacks that throw, random API calls made from inside
// every kind of listener. After each step and at the end it checks what must always hold:
//   - no WebAssembly.RuntimeError, ever (a JS exception unwinding through wasm traps it);
//   - once a step has settled, the last statechange each instance dispatched is its `state`,
//     and `readyState` agrees with it;
//   - an instance never has two look-alike sockets open (readyState 0 or 1) at once;
//   - every send() that returned was handed to an OPEN socket exactly once or reported by
//     exactly one `drop` event (after a final close(), nothing is still held);
//   - a closed instance holds no timer (pendingTimers() is 0 once all are closed);
// and at the end a fresh socket with the browser's own WebSocket echoes through the test bed.
// window.fuzz(seed, steps, wsUrl) → { steps, failures: [...], ... }
import ReconnectingWebSocket, { pendingTimers } from './rebound-ws.js';
import { mulberry32 as rng } from './random.mjs';

const STATES_CLOSED = new Set(['idle', 'closed', 'failed']);

const tick = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});

window.fuzz = async (seed, steps, wsUrl) => {
  const random = rng(seed);
  const chance = (p) => random() < p;
  const pick = (list) => list[Math.floor(random() * list.length)];
  const failures = [];
  const fail = (what) => {
    if (failures.length < 20) failures.push(`step ${step}: ${what}`);
  };
  const trapped = [];
  window.addEventListener('error', (event) => {
    const text = String(event.error?.message ?? event.message);
    if (event.error instanceof WebAssembly.RuntimeError || /unreachable|memory access out of bounds/.test(text)) trapped.push(text);
  });
  window.addEventListener('unhandledrejection', (event) => {
    if (event.reason instanceof WebAssembly.RuntimeError) trapped.push(String(event.reason));
  });

  // Accounting of accepted messages: id → { sent, dropped }.
  const ledger = new Map();
  let nextId = 0;
  let step = 0;
  // Calls made from listeners in one step: a drop listener that sends into a full queue
  // would otherwise be the app's own endless loop.
  let budget = 0;

  /** A WebSocket look-alike; `hostility` decides where it throws or misbehaves. */
  function makeClass(owner, hostility) {
    return class LookAlike {
      static CONNECTING = 0;
      static OPEN = 1;
      static CLOSING = 2;
      static CLOSED = 3;
      #handlers = {};
      readyState = 0;
      url;
      protocol = '';
      extensions = '';
      bufferedAmount = 0;
      binaryType = 'blob';
      constructor(url) {
        if (chance(hostility.ctorThrow)) throw pick([new Error('deliberate ctor'), 'deliberate string', undefined]);
        this.url = url;
        owner.fakes.push(this);
        for (const name of ['onopen', 'onclose', 'onerror', 'onmessage']) {
          Object.defineProperty(this, name, {
            get: () => this.#handlers[name] ?? null,
            set: (value) => {
              if (value && chance(hostility.setterThrow)) throw new Error('deliberate setter');
              this.#handlers[name] = value;
            },
          });
        }
      }
      fire(name, event) {
        try {
          this.#handlers[name]?.(event);
        } catch (error) {
          fail(`the library's ${name} handler threw: ${error}`);
        }
      }
      send(data) {
        if (chance(hostility.sendThrow)) throw new Error('deliberate send');
        const id = typeof data === 'string' ? data.match(/^m(\d+)$/)?.[1] : undefined;
        if (id !== undefined) {
          const entry = ledger.get(Number(id));
          if (this.readyState === 1) entry.sent++;
          else entry.handedIn = this.readyState; // a client must not hand data to a socket that is not OPEN
        }
        // A look-alike that calls back into the client from inside send(); its own errors
        // stay inside it (a send that threw would mean "not sent").
        if (chance(hostility.reenter) && budget-- > 0) {
          try {
            owner.rws?.[pick(['close', 'reconnect', 'send'])]?.('m-reenter');
          } catch {
            // a refused close code, a full queue
          }
        }
      }
      close() {
        if (chance(hostility.closeThrow)) {
          this.refusedClose = true; // it stays as it is: nothing a client can do about that
          throw new Error('deliberate close');
        }
        if (this.readyState < 2) {
          this.readyState = 2;
          setTimeout(() => {
            this.readyState = 3;
            this.fire('onclose', chance(0.2) ? undefined : { code: 1000, reason: '', wasClean: true });
          });
        }
      }
    };
  }

  const owners = [];
  const everyInstance = []; // a replaced instance may be restarted by one of its listeners
  function newOwner() {
    const owner = { fakes: [], states: [], rws: null, listeners: 0 };
    const hostility = {
      ctorThrow: pick([0, 0, 0.3, 0.9]),
      setterThrow: pick([0, 0, 0.1]),
      sendThrow: pick([0, 0, 0.2]),
      closeThrow: pick([0, 0.2]),
      reenter: pick([0, 0, 0.05]),
    };
    const options = {
      WebSocket: makeClass(owner, hostility),
      minReconnectionDelay: 1,
      maxReconnectionDelay: 4,
      connectionTimeout: pick([5, 50, 1000]),
      maxRetries: pick([undefined, 0, 3, Infinity]),
      maxEnqueuedMessages: pick([undefined, 0, 2, 50]),
      queueOverflow: pick([undefined, 'drop-oldest', 'drop-newest', 'error']),
      heartbeatInterval: pick([0, 0, 10]),
      heartbeatTimeout: 20,
      requestTimeout: 30,
      startClosed: chance(0.2),
      shouldReconnect: chance(0.2) ? () => pick([true, false, undefined, 'x']) : undefined,
      debug: chance(0.1) ? () => { throw new Error('deliberate logger'); } : undefined,
    };
    try {
      owner.rws = new ReconnectingWebSocket(`ws://fake.test/${owners.length}?token=secret`, undefined, options);
    } catch (error) {
      fail(`construction threw ${error}`);
      return;
    }
    everyInstance.push(owner.rws);
    owner.rws.addEventListener('statechange', (event) => owner.states.push(event.state));
    owner.rws.addEventListener('drop', (event) => {
      const id = typeof event.data === 'string' ? event.data.match(/^m(\d+)$/)?.[1] : undefined;
      if (id !== undefined) ledger.get(Number(id)).dropped++;
    });
    owners.push(owner);
  }

  /** One app call, as the app (or a listener) would make it. */
  function appCall(owner) {
    const rws = owner.rws;
    try {
      switch (pick(['send', 'send', 'send', 'close', 'reconnect', 'request', 'read', 'listen'])) {
        case 'send': {
          const id = nextId++;
          ledger.set(id, { sent: 0, dropped: 0, accepted: false });
          const before = `${rws.state}/${rws.readyState}`;
          const returned = rws.send(`m${id}`);
          Object.assign(ledger.get(id), { accepted: true, at: `${before}→${returned}`, owner: owners.indexOf(owner) });
          break;
        }
        case 'close':
          rws.close(pick([undefined, 1000, 4000, '3000', 999, 'x']), pick([undefined, 'bye', 'é'.repeat(70)]));
          break;
        case 'reconnect':
          rws.reconnect();
          break;
        case 'request':
          rws.request({ op: 'x' }, { timeout: pick([undefined, 5, 0]) }).catch(() => {});
          break;
        case 'read':
          void [rws.state, rws.readyState, rws.bufferedAmount, rws.stats, rws.url];
          break;
        case 'listen': {
          const type = pick(['open', 'close', 'error', 'message', 'statechange', 'ready', 'drop', 'drain']);
          if (owner.listeners >= 8) break;
          owner.listeners++;
          const listener = () => {
            if (chance(0.3)) throw new Error('deliberate listener');
            if (chance(0.6) && budget-- > 0) appCall(owner);
          };
          rws.addEventListener(type, listener);
          if (chance(0.5)) rws[`on${type}`] = listener;
          break;
        }
      }
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) trapped.push(String(error));
      // Other synchronous throws (a bad close code, a full queue) are the contract.
    }
  }

  /** What a look-alike does on its own: open, answer, close, error. */
  function socketEvent(owner) {
    const fake = owner.fakes.at(-1);
    if (!fake) return;
    switch (pick(['open', 'open', 'message', 'close', 'error', 'closing'])) {
      case 'open':
        if (fake.readyState === 0) {
          fake.readyState = 1;
          fake.fire('onopen', {});
        }
        break;
      case 'message':
        if (fake.readyState === 1) fake.fire('onmessage', { data: pick(['pong', 'hello', '{"id":1}', undefined]) });
        break;
      case 'closing':
        if (fake.readyState === 1) fake.readyState = 2; // a close frame arrived; the event comes later
        break;
      case 'close':
        if (fake.readyState < 3) {
          fake.readyState = 3;
          fake.fire('onclose', pick([{ code: pick([1000, 1006, 1008, 1012, 4000, 4500]), reason: 'r', wasClean: true }, {}, null]));
        }
        break;
      case 'error':
        fake.fire('onerror', {});
        break;
    }
  }

  function checkSettled() {
    for (const owner of owners) {
      const rws = owner.rws;
      const last = owner.states.at(-1);
      if (last !== undefined && last !== rws.state) fail(`last statechange "${last}" but state "${rws.state}"`);
      const expected = rws.state === 'open' ? 1 : rws.state === 'closing' ? 2 : STATES_CLOSED.has(rws.state) ? 3 : 0;
      if (rws.readyState !== expected) fail(`readyState ${rws.readyState} in state ${rws.state}`);
      const live = owner.fakes.filter((f) => f.readyState < 2 && !f.refusedClose).length;
      if (live > 1) fail(`${live} look-alike sockets open at once`);
    }
  }

  for (let i = 0; i < 3; i++) newOwner();
  for (step = 0; step < steps; step++) {
    budget = 20;
    const owner = pick(owners);
    const roll = random();
    if (roll < 0.45) appCall(owner);
    else if (roll < 0.85) socketEvent(owner);
    else if (roll < 0.88) {
      owner.rws.close();
      owners.splice(owners.indexOf(owner), 1);
      newOwner();
    } else await tick();
    if (step % 25 === 0) {
      await tick();
      await tick();
      checkSettled();
    }
  }
  // The end: close everything; every accepted message is now sent or reported.
  budget = 0; // listeners stop calling back in: this close is final
  for (const rws of everyInstance) rws.close();
  // `closing` lasts until the look-alike's close event, or at most 2 s when it sends none.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  checkSettled();
  const unclosed = [...everyInstance].filter((rws) => rws.state !== 'closed' && rws.state !== 'idle');
  if (unclosed.length > 0) fail(`${unclosed.length} instance(s) not closed 2 s after close(): ${unclosed.map((rws) => rws.state).join(', ')}`);
  for (const [id, entry] of ledger) {
    if (!entry.accepted) continue;
    if (entry.sent + entry.dropped !== 1) {
      fail(`m${id}: sent ${entry.sent}×, dropped ${entry.dropped}× (send() in ${entry.at})${entry.handedIn !== undefined ? `, handed to a socket in readyState ${entry.handedIn}` : ''}`);
    }
  }
  if (pendingTimers() !== 0) fail(`${pendingTimers()} timers still armed after every socket closed`);

  // The module still works: a real socket to the test bed echoes.
  const echo = await new Promise((resolve) => {
    const rws = new ReconnectingWebSocket(wsUrl);
    const timer = setTimeout(() => resolve('timed out'), 5000);
    rws.onmessage = (event) => {
      clearTimeout(timer);
      rws.close();
      resolve(String(event.data));
    };
    rws.send('still-alive');
  });
  if (echo !== 'still-alive') fail(`the final echo: ${echo}`);
  return { steps, failures, trapped, messages: ledger.size, echo };
};
document.body.dataset.loaded = '1';
