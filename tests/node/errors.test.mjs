// Mistakes fail loudly and precisely: bad options name the option, bad URLs are
// SyntaxErrors, a missing WebSocket constructor says so, bad close codes are
// InvalidAccessErrors. Plus the CommonJS entry of the package.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket, pkg } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let bed;
const sockets = [];
function connect(options = {}, Class = ReconnectingWebSocket) {
  const rws = new Class(bed.wsUrl, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
/** Asserts that constructing with `options` throws `Class` with a message naming each of `names`. */
function rejects(options, Class, ...names) {
  let error;
  try {
    sockets.push(new ReconnectingWebSocket(bed.wsUrl, undefined, { WebSocket, ...options }));
  } catch (caught) {
    error = caught;
  }
  assert.ok(error, `expected ${JSON.stringify(options)} to be rejected`);
  if (Class) assert.ok(error instanceof Class, `${error.name}: ${error.message} is not a ${Class.name}`);
  for (const name of names) assert.match(error.message, new RegExp(`\\b${name}\\b`), `message names ${name}`);
  return error;
}

useTestbed((started) => (bed = started), sockets);

describe('option validation', () => {
  test('connectionTimeout: -1 is a RangeError naming connectionTimeout', () => {
    rejects({ connectionTimeout: -1 }, RangeError, 'connectionTimeout');
  });

  test('maxRetries: "x" is a TypeError naming maxRetries', () => {
    rejects({ maxRetries: 'x' }, TypeError, 'maxRetries');
  });

  test('jitter: "sometimes" is a TypeError naming jitter', () => {
    rejects({ jitter: 'sometimes' }, TypeError, 'jitter');
  });

  test('minReconnectionDelay above maxReconnectionDelay is a RangeError naming both', () => {
    rejects({ minReconnectionDelay: 5000, maxReconnectionDelay: 1000 }, RangeError, 'minReconnectionDelay', 'maxReconnectionDelay');
  });

  test('more bad values, each named', () => {
    rejects({ heartbeatInterval: Number.NaN }, Error, 'heartbeatInterval');
    rejects({ reconnectionDelayGrowFactor: 0.5 }, RangeError, 'reconnectionDelayGrowFactor');
    rejects({ maxEnqueuedMessages: 1.5 }, Error, 'maxEnqueuedMessages');
    rejects({ queueOverflow: 'explode' }, TypeError, 'queueOverflow');
    rejects({ shouldReconnect: true }, TypeError, 'shouldReconnect');
    rejects({ startClosed: 'yes' }, TypeError, 'startClosed');
    rejects({ requestTimeout: -5 }, RangeError, 'requestTimeout');
    rejects({ lowWaterMark: 10, highWaterMark: 5 }, RangeError, 'lowWaterMark', 'highWaterMark');
  });

  test('an option refused for another one is shown with the value the engine refused, not "undefined"', () => {
    // highWaterMark 1000 is below the default lowWaterMark: the engine names lowWaterMark,
    // which the app left out (review of the compact boundary).
    const error = rejects({ highWaterMark: 1000 }, RangeError, 'lowWaterMark', 'highWaterMark');
    assert.doesNotMatch(error.message, /undefined/, error.message);
    assert.match(error.message, /"lowWaterMark": \d+ is larger than "highWaterMark"/, error.message);
  });

  test('requestTimeout above 0 but below 0.5 is accepted, as request()\'s own timeout is', () => {
    sockets.push(new ReconnectingWebSocket(bed.wsUrl, undefined, { WebSocket, startClosed: true, requestTimeout: 0.3 }));
    rejects({ requestTimeout: 0 }, RangeError, 'requestTimeout');
  });

  test('options that are not an object are a TypeError', () => {
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl, undefined, 42), TypeError);
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl, undefined, null), TypeError);
  });

  test('a rejected construction opens no connection', async () => {
    const { accepted } = await bed.stats();
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl, undefined, { WebSocket, connectionTimeout: -1 }));
    await sleep(200);
    assert.equal((await bed.stats()).accepted, accepted);
  });
});

describe('URLs and the WebSocket constructor', () => {
  test('an invalid URL is a SyntaxError naming it', () => {
    assert.throws(() => new ReconnectingWebSocket('not a url', undefined, FAST), { name: 'SyntaxError', message: /not a url/ });
    assert.throws(() => new ReconnectingWebSocket('ftp://127.0.0.1/ws', undefined, FAST), { name: 'SyntaxError' });
  });

  test('a URL that is neither a string nor a function is a TypeError naming url', () => {
    assert.throws(() => new ReconnectingWebSocket(42, undefined, FAST), (error) => error instanceof TypeError && /\burl\b/.test(error.message));
  });

  test('a provider returning an invalid URL reports an error event and retries, without throwing', async () => {
    let calls = 0;
    const rws = new ReconnectingWebSocket(() => (++calls === 1 ? 'not a url' : bed.wsUrl), undefined, FAST);
    sockets.push(rws);
    const errors = [];
    rws.addEventListener('error', (event) => errors.push(event));
    await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open after a good URL' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0].error?.name, 'SyntaxError');
  });

  test('a provider that throws, rejects or gives no string form: an error event with its cause, a url-provider close, a retry', async () => {
    const failures = [
      () => {
        throw new Error('token service down');
      },
      () => Promise.reject(new Error('token service down')),
      () => Object.create(null), // String() of it throws
      () => ({
        toString() {
          throw new Error('token service down');
        },
      }),
    ];
    for (const fail of failures) {
      let calls = 0;
      const rws = new ReconnectingWebSocket(() => (++calls === 1 ? fail() : bed.wsUrl), undefined, FAST);
      sockets.push(rws);
      const errors = [];
      const closes = [];
      rws.addEventListener('error', (event) => errors.push(event));
      rws.addEventListener('close', (event) => closes.push(event));
      await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open after the provider recovers' });
      assert.equal(errors.length, 1, String(fail));
      assert.ok(errors[0].error instanceof Error, String(fail));
      assert.equal(closes[0].kind, 'url-provider');
      assert.match(closes[0].hint, /URL provider failed/);
      assert.equal(closes[0].willRetry, true);
    }
  });

  test('Node 20 has no global WebSocket: leaving the option out is a TypeError naming WebSocket', () => {
    assert.equal(typeof globalThis.WebSocket, 'undefined', 'this Node has a global WebSocket; the check is moot');
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl), (error) => error instanceof TypeError && /\bWebSocket\b/.test(error.message));
    assert.throws(
      () => new ReconnectingWebSocket(bed.wsUrl, undefined, { WebSocket: 42 }),
      (error) => error instanceof TypeError && /\bWebSocket\b/.test(error.message),
    );
  });
});

describe('close() arguments', () => {
  test('close(1234) is an InvalidAccessError and leaves the socket open', async () => {
    const rws = connect();
    await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open' });
    assert.throws(() => rws.close(1234), { name: 'InvalidAccessError' });
    assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
    rws.send('still open');
    await until(async () => (await bed.stats()).connections.at(-1).received.includes('still open'), { what: 'delivery' });
  });

  test('a close reason over 123 bytes is a SyntaxError', () => {
    const rws = connect({ startClosed: true });
    assert.throws(() => rws.close(1000, 'é'.repeat(62)), { name: 'SyntaxError' });
    rws.close(1000, 'é'.repeat(61));
    assert.equal(rws.state, 'closed');
  });
});

describe('share', () => {
  test('share: a number or an object is a TypeError naming share', () => {
    rejects({ share: 5 }, TypeError, 'share');
    rejects({ share: {} }, TypeError, 'share');
    rejects({ share: null }, TypeError, 'share');
  });

  test('share: true (or an empty key) with a URL provider is a TypeError naming share and asking for a key; a key, or false, is fine', () => {
    const make = (share) => new ReconnectingWebSocket(() => bed.wsUrl, undefined, { WebSocket, share, startClosed: true });
    for (const share of [true, '']) {
      assert.throws(
        () => make(share),
        (error) => error instanceof TypeError && /"share"/.test(error.message) && /key/.test(error.message),
        JSON.stringify(share),
      );
    }
    for (const share of ['chat', false, undefined]) sockets.push(make(share));
  });

  test('Node has no Web Locks: share falls back to a socket per instance, and it works', async () => {
    const before = (await bed.stats()).accepted;
    const a = connect({ share: true });
    const b = connect({ share: 'key' });
    const echoes = [];
    b.addEventListener('message', (event) => echoes.push(event.data));
    await until(() => a.readyState === ReconnectingWebSocket.OPEN && b.readyState === ReconnectingWebSocket.OPEN, { what: 'both open' });
    assert.equal((await bed.stats()).accepted - before, 2, 'one socket each');
    b.send('unshared');
    await until(() => echoes.includes('unshared'), { what: 'echo' });
  });
});

describe('statusView(grace)', () => {
  test('undefined means the default; a wrong type is a TypeError and a wrong range a RangeError, naming grace', () => {
    const rws = connect({ startClosed: true });
    assert.equal(rws.statusView().state, 'disconnected');
    assert.equal(rws.statusView(0).retry, 'enabled');
    for (const bad of ['500', null, {}, Symbol('x'), 10n]) {
      assert.throws(() => rws.statusView(bad), (error) => error instanceof TypeError && /\bgrace\b/.test(error.message), String(typeof bad));
    }
    for (const bad of [-1, NaN, Infinity, 2 ** 31]) {
      assert.throws(() => rws.statusView(bad), (error) => error instanceof RangeError && /\bgrace\b/.test(error.message), String(bad));
    }
  });

  test('a policy close is an error saying the server refused, with the reason as given', async () => {
    const rws = connect();
    await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open' });
    assert.deepEqual([rws.statusView().state, rws.statusView().text, rws.statusView().retry], ['connected', 'Connected', 'hidden']);
    await bed.control('close', { code: 1008, reason: '<b>token</b> expired' });
    await until(() => rws.state === 'failed', { what: 'failed' });
    const view = rws.statusView();
    assert.equal(view.state, 'error');
    assert.equal(view.text, 'The server refused the connection: <b>token</b> expired');
    assert.equal(view.reason, '<b>token</b> expired');
    assert.equal(view.retry, 'enabled');
    rws.reconnect();
    assert.deepEqual([rws.statusView().state, rws.statusView().retry], ['connecting', 'disabled']);
  });
});

describe('CommonJS', () => {
  // As with reconnecting-websocket, the CommonJS entry is the class itself.
  test('require("rebound-ws") is the class (with .default and named exports), and it connects', async () => {
    const cjs = pkg.requireRebound();
    assert.equal(typeof cjs, 'function');
    assert.equal(cjs.ReconnectingWebSocket, cjs);
    assert.equal(cjs.default, cjs);
    assert.equal(typeof cjs.liveHandlers, 'function');
    assert.notEqual(cjs.ReconnectingWebSocket, ReconnectingWebSocket, 'a separate bundle, not the ESM one');
    const rws = connect({ WebSocket: pkg.requireWs().WebSocket }, cjs.ReconnectingWebSocket);
    const echoed = [];
    rws.onmessage = (event) => echoed.push(event.data);
    await until(() => rws.readyState === cjs.ReconnectingWebSocket.OPEN, { what: 'open' });
    rws.send('from cjs');
    await until(() => echoed.length === 1, { what: 'echo' });
    assert.deepEqual(echoed, ['from cjs']);
  });
});
