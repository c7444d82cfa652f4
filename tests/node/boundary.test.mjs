// The boundary between the app and wasm: app code never runs inside a wasm call and nothing
// unwinds through it; calls made from inside listeners take effect in order and leave the
// state the app reads equal to the engine's; options and close() arguments are checked as
// WebIDL and the README say. Each test is a regression test for a failure seen on the
// previous binding (issue "The binding, rebuilt around one owner").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket, module } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 20, maxReconnectionDelay: 60, jitter: 'none' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let bed;
const sockets = [];
function connect(options = {}, url = bed.wsUrl) {
  const rws = new ReconnectingWebSocket(url, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
function stateLog(rws) {
  const states = [];
  rws.addEventListener('statechange', (event) => states.push(event.state));
  return states;
}
const isOpen = (rws) => () => rws.readyState === ReconnectingWebSocket.OPEN;

/** A fresh socket with the real `ws` class connects and echoes: the module still works. */
async function stillWorks() {
  const rws = connect();
  const echoed = new Promise((resolve) => rws.addEventListener('message', (e) => resolve(String(e.data))));
  const token = `alive-${Math.random()}`;
  rws.send(token);
  assert.equal(await Promise.race([echoed, sleep(5000).then(() => 'timed out')]), token);
  rws.close();
}

/** A WebSocket look-alike that fails at once: it fires `close` (with `closeEvent`) on the next tick. */
function failingClass(closeEvent, extra = {}) {
  return class FailingSocket {
    readyState = 0;
    constructor() {
      Object.assign(this, extra);
      setTimeout(() => {
        this.readyState = 3;
        this.onclose?.(closeEvent);
      });
    }
    send() {}
    close() {}
  };
}

useTestbed((started) => (bed = started), sockets);

describe('app code that throws never reaches wasm', () => {
  test('5,000 constructions with a WebSocket class whose onopen setter throws leave the module working', async () => {
    class ThrowingSetter {
      readyState = 0;
      set onopen(_) {
        throw new Error('deliberate: onopen setter');
      }
      send() {}
      close() {}
    }
    const errors = [];
    for (let i = 0; i < 5000; i++) {
      const rws = new ReconnectingWebSocket('ws://127.0.0.1:9/x', undefined, { WebSocket: ThrowingSetter, startClosed: true });
      rws.addEventListener('error', (e) => errors.push(e.error));
      rws.reconnect();
      rws.close();
    }
    await sleep(50);
    assert.ok(errors.length >= 4000, `the setter's error is the error event's cause (${errors.length})`);
    assert.match(String(errors[0]?.message), /deliberate: onopen setter/);
    await stillWorks();
  });

  test('10,000 failure closes from a look-alike whose close event has no reason leave the module working', async () => {
    const Failing = failingClass({ code: 1006 });
    const rws = connect({ WebSocket: Failing, minReconnectionDelay: 1, maxReconnectionDelay: 1 });
    const closes = [];
    rws.addEventListener('close', (e) => closes.push(e));
    await until(() => closes.length >= 10000, { timeout: 60000, what: '10,000 closes' });
    rws.close();
    assert.equal(closes[0].code, 1006);
    assert.equal(closes[0].reason, '');
    await stillWorks();
  });

  test('events missing every field, a null close event, a throwing getter: defaults, no crash', async () => {
    const hostileEvent = {
      get code() {
        throw new Error('deliberate: code getter');
      },
    };
    for (const event of [null, undefined, {}, { code: 'x', reason: 7, wasClean: 'yes' }, hostileEvent]) {
      const rws = connect({ WebSocket: failingClass(event), maxRetries: 0 });
      const closed = new Promise((resolve) => rws.addEventListener('close', resolve));
      const close = await closed;
      assert.equal(close.code, 1006);
      assert.equal(typeof close.reason, 'string');
      await until(() => rws.state === 'failed', { what: 'failed after 0 retries' });
    }
    await stillWorks();
  });

  test('a debug logger that throws suppresses neither close nor statechange', async () => {
    const rws = connect({
      debug: () => {
        throw new Error('deliberate: logger');
      },
    });
    const states = stateLog(rws);
    const closes = [];
    rws.addEventListener('close', (e) => closes.push(e));
    await until(isOpen(rws), { what: 'open' });
    await bed.control('close', { code: '1012', reason: 'restart' });
    await until(() => closes.length === 1 && rws.readyState === 1, { what: 'closed and back' });
    assert.deepEqual(states.slice(-3), ['reconnecting', 'connecting', 'open']);
  });

  test('a WebSocket constructor that throws is an error event with its cause, and a retried attempt', async () => {
    let calls = 0;
    class Throws {
      constructor() {
        calls++;
        throw new TypeError('deliberate: constructor');
      }
    }
    const rws = connect({ WebSocket: Throws, maxRetries: 2 });
    const errors = [];
    rws.addEventListener('error', (e) => errors.push(e));
    await until(() => rws.state === 'failed', { what: 'failed after 2 retries' });
    assert.equal(calls, 3);
    assert.equal(errors.length, 3);
    assert.ok(errors[0].error instanceof TypeError);
    assert.match(errors[0].message, /deliberate: constructor/);
  });
});

describe('values that could run app code inside wasm never do (review findings)', () => {
  test('a revoked Proxy as request() message or as protocols is a clean error, and the socket still works', async () => {
    const rws = connect();
    await until(isOpen(rws), { what: 'open' });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    await assert.rejects(rws.request(proxy), TypeError);
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl, proxy, { WebSocket }), TypeError);
    const echoed = new Promise((resolve) => rws.addEventListener('message', (e) => resolve(String(e.data))));
    rws.send('after-proxy');
    assert.equal(await echoed, 'after-proxy', 'Core is not left borrowed');
  });

  test("a typed array with its own byteLength getter: the getter never runs, the platform's size counts", async () => {
    const rws = connect({ startClosed: true });
    const data = new Uint16Array(4); // 8 bytes
    let ran = 0;
    Object.defineProperty(data, 'byteLength', {
      get() {
        ran++;
        rws.close(); // would re-enter Core from inside wasm if it ran there
        return 1e9;
      },
    });
    rws.send(data);
    assert.equal(rws.stats.queuedBytes, 8);
    assert.equal(ran, 0);
    assert.equal(rws.state, 'idle');
  });
});

describe('the error event carries the cause', () => {
  test('a refused upgrade (503 from the test bed) reaches the error event as the ws package reports it', async () => {
    await bed.control('reject-upgrade');
    const rws = connect({ maxRetries: 0 });
    const errors = [];
    rws.addEventListener('error', (event) => errors.push(event));
    await until(() => rws.state === 'failed', { what: 'failed' });
    assert.ok(errors.length >= 1);
    assert.match(errors[0].message, /Unexpected server response: 503/);
    assert.ok(errors[0].error instanceof Error);
  });
});

describe('calls from inside listeners', () => {
  test('close() in onclose after a 1012 leaves the socket closed, and the last statechange says so', async () => {
    const rws = connect();
    const states = stateLog(rws);
    rws.onclose = (e) => {
      if (e.kind === 'restart') rws.close();
    };
    await until(isOpen(rws), { what: 'open' });
    await bed.control('close', { code: '1012', reason: 'restart' });
    await until(() => rws.state === 'closed', { what: 'closed' });
    await sleep(300); // with 20 ms delays a retrying socket would be back by now
    assert.equal(rws.state, 'closed');
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
    assert.equal(states.at(-1), 'closed');
    assert.equal(module.pendingTimers(), 0, 'a closed socket holds no timer');
  });

  test('reconnect() in onclose after a 1008 reports failed → connecting → open, in that order', async () => {
    const rws = connect();
    await until(isOpen(rws), { what: 'open' });
    const states = stateLog(rws);
    let once = false;
    rws.onclose = (e) => {
      if (e.kind === 'policy' && !once) {
        once = true;
        rws.reconnect();
      }
    };
    await bed.control('close', { code: '1008', reason: 'token expired' });
    await until(() => states.at(-1) === 'open', { what: 'open again' });
    assert.deepEqual(states, ['failed', 'connecting', 'open']);
    assert.equal(rws.state, 'open');
  });

  test('close() in onerror after a URL provider failure leaves the socket closed', async () => {
    const rws = connect({}, () => {
      throw new Error('deliberate: provider');
    });
    const states = stateLog(rws);
    rws.onerror = () => rws.close();
    await until(() => rws.state === 'closed', { what: 'closed' });
    await sleep(200);
    assert.equal(rws.state, 'closed');
    assert.equal(states.at(-1), 'closed');
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  });

  test('send() and request() from inside onopen go out after the queued messages, in order', async () => {
    const rws = connect({ startClosed: true });
    const received = [];
    rws.addEventListener('message', (e) => received.push(String(e.data)));
    rws.send('q1');
    rws.send('q2');
    rws.onopen = () => rws.send('from-onopen');
    rws.reconnect();
    await until(() => received.length === 3, { what: 'three echoes' });
    assert.deepEqual(received, ['q1', 'q2', 'from-onopen']);
  });

  // Found by the Chromium fuzz page: the first statechange of a startClosed socket was
  // dispatched outside the batch, so a close() from onstatechange was heard by the
  // addEventListener listeners before the "idle" they had not yet received.
  test('close() from onstatechange on the first statechange: listeners hear idle, then closed', async () => {
    const rws = connect({ startClosed: true });
    const states = stateLog(rws);
    rws.onstatechange = (event) => {
      if (event.state === 'idle') rws.close();
    };
    await until(() => states.length === 2, { what: 'two statechanges' });
    assert.deepEqual(states, ['idle', 'closed']);
    assert.equal(states.at(-1), rws.state);
  });

  test('close() inside onopen: no ready event after it', async () => {
    const rws = connect();
    const seen = [];
    rws.addEventListener('open', () => {
      seen.push('open');
      rws.close();
    });
    rws.addEventListener('ready', () => seen.push('ready'));
    await until(() => rws.state === 'closed', { what: 'closed' });
    await sleep(50);
    assert.deepEqual(seen, ['open']);
  });
});

describe('options: undefined is the default, anything else of the wrong type is a TypeError naming it', () => {
  const make = (options) => new ReconnectingWebSocket('ws://127.0.0.1:9/x', undefined, { WebSocket, startClosed: true, ...options });
  const rejects = (options, Class, name) => {
    assert.throws(() => make(options), (error) => error instanceof Class && error.message.includes(`"${name}"`), JSON.stringify(Object.keys(options)));
  };

  test('undefined everywhere means the defaults', () => {
    const rws = make({ requestTimeout: undefined, requestIdField: undefined, heartbeatMessage: undefined, jitter: undefined, debug: undefined });
    assert.equal(rws.state, 'idle');
  });

  test('wrong types are TypeErrors that name the option', () => {
    rejects({ heartbeatInterval: Symbol('x') }, TypeError, 'heartbeatInterval');
    rejects({ heartbeatMessage: 10n }, TypeError, 'heartbeatMessage');
    rejects({ verifyMessage: 10n }, TypeError, 'verifyMessage');
    rejects({ verifyMessage: () => 'x' }, TypeError, 'verifyMessage');
    rejects({ requestIdField: 7 }, TypeError, 'requestIdField');
    rejects({ requestTimeout: 'soon' }, TypeError, 'requestTimeout');
    rejects({ maxRetries: null }, TypeError, 'maxRetries');
    rejects({ networkHints: null }, TypeError, 'networkHints');
    rejects({ heartbeatReply: 5 }, TypeError, 'heartbeatReply');
    rejects({ debug: 'loud' }, TypeError, 'debug');
  });

  test('out-of-range values are RangeErrors that name the option', () => {
    rejects({ requestTimeout: 0 }, RangeError, 'requestTimeout');
    rejects({ connectionTimeout: -1 }, RangeError, 'connectionTimeout');
  });

  test('an unknown option warns once, naming the closest known one', () => {
    const warnings = [];
    const original = console.warn;
    console.warn = (message) => warnings.push(message);
    try {
      make({ heartbeat: { interval: 1000 } });
      make({ heartbeat: { interval: 1000 } });
      make({ maxRetires: 3 });
    } finally {
      console.warn = original;
    }
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /"heartbeat".*"heartbeatInterval"/);
    assert.match(warnings[1], /"maxRetires".*"maxRetries"/);
  });

  test('option getters run once, in JS, before any wasm call', () => {
    let reads = 0;
    const options = {
      WebSocket,
      startClosed: true,
      get maxRetries() {
        reads++;
        return 3;
      },
    };
    const rws = new ReconnectingWebSocket('ws://127.0.0.1:9/x', undefined, options);
    assert.equal(reads, 1);
    assert.equal(rws.stats.maxRetries, 3);
  });
});

describe('close() converts its arguments as WebSocket.close does (WebIDL)', () => {
  const opened = () => connect({ startClosed: true });

  test('"1000", 999.9, {valueOf: () => 1000} and "3000" are accepted', () => {
    for (const code of ['1000', 999.9, { valueOf: () => 1000 }, '3000', 4999.4]) {
      const rws = opened();
      rws.close(code, 'bye');
      assert.equal(rws.state, 'closed', String(code));
    }
  });

  test('999, 1001, 5000, "x", null and a symbol are refused as WebSocket refuses them', () => {
    for (const code of [999, 1001, 5000, 'x', null]) {
      assert.throws(() => opened().close(code), (e) => e.name === 'InvalidAccessError', String(code));
    }
    assert.throws(() => opened().close(Symbol('x')), TypeError);
  });

  test('the reason is converted once, then checked (at most 123 bytes)', () => {
    let calls = 0;
    const shifty = { toString: () => (calls++ === 0 ? 'short' : 'x'.repeat(500)) };
    const rws = opened();
    rws.close(1000, shifty);
    assert.equal(calls, 1);
    assert.throws(() => opened().close(1000, 'é'.repeat(62)), (e) => e.name === 'SyntaxError');
  });
});

describe('listeners', () => {
  test('event names that are Object.prototype members are harmless', () => {
    const rws = connect({ startClosed: true });
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      let called = 0;
      const listener = () => called++;
      rws.addEventListener(type, listener);
      rws.dispatchEvent(new Event(type));
      rws.removeEventListener(type, listener);
      rws.dispatchEvent(new Event(type));
      assert.equal(called, 1, type);
    }
  });
});
