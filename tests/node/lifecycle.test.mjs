// Starting, stopping and giving up: close(), reconnect(), startClosed, maxRetries and
// connectionTimeout, checked from the client's events and the test bed's counters.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket, module } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let bed;
const sockets = [];
function connect(options = {}, url = bed.wsUrl) {
  const rws = new ReconnectingWebSocket(url, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
function closes(rws) {
  const list = [];
  rws.addEventListener('close', (event) => list.push(event));
  return list;
}
const isOpen = (rws) => () => rws.readyState === ReconnectingWebSocket.OPEN;

/** A loopback port with nothing listening on it. */
async function unusedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

useTestbed((started) => (bed = started), sockets);

describe('close()', () => {
  test('closes the open socket cleanly and never reconnects', async () => {
    const rws = connect();
    const list = closes(rws);
    await until(isOpen(rws), { what: 'open' });
    const before = (await bed.stats()).accepted;
    rws.close();
    // As WebSocket: CLOSING until the socket has closed, and no close event before that.
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSING);
    assert.equal(rws.state, 'closing');
    assert.equal(list.length, 0);
    await until(() => list.length === 1, { what: 'the close event' });
    assert.equal(rws.state, 'closed');
    await until(async () => (await bed.stats()).live === 0, { what: 'server sees the close' });
    await sleep(600); // with 50 ms delays, a retrying client would have come back several times
    const stats = await bed.stats();
    assert.equal(stats.accepted, before);
    assert.equal(list.length, 1);
    assert.equal(list[0].code, 1000);
    assert.equal(list[0].kind, 'user');
    assert.equal(list[0].willRetry, false);
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  });

  test('passes its code and reason to the server', async () => {
    const rws = connect();
    const list = closes(rws);
    await until(isOpen(rws), { what: 'open' });
    rws.close(4001, 'bye now');
    await until(() => list.length === 1, { what: 'the close event' });
    assert.equal(list.at(-1).code, 4001);
    assert.equal(list.at(-1).reason, 'bye now');
    assert.equal(list.at(-1).wasClean, true);
  });

  test('fires close after the call returns, so a listener added after close() hears it (WebSocket, reconnecting-websocket)', async () => {
    const rws = connect();
    await until(isOpen(rws), { what: 'open' });
    rws.close(4002, 'later');
    const states = [];
    const event = await new Promise((resolve) => {
      rws.addEventListener('statechange', (e) => states.push(e.state));
      rws.addEventListener('close', resolve, { once: true });
    });
    assert.equal(event.code, 4002);
    assert.equal(event.kind, 'user');
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED, 'CLOSED by the time close fires');
    assert.deepEqual(states, ['closed']);
    // And side by side with the platform's: the same order for the same calls.
    const raw = new WebSocket(bed.wsUrl);
    await new Promise((resolve) => raw.addEventListener('open', resolve, { once: true }));
    raw.close(4002, 'later');
    assert.equal(raw.readyState, WebSocket.CLOSING);
    const rawEvent = await new Promise((resolve) => raw.addEventListener('close', resolve, { once: true }));
    assert.equal(rawEvent.code, 4002);
  });

  test('without a socket (waiting to retry) fires close in a later task, not during the call', async () => {
    const rws = connect({ minReconnectionDelay: 5000, maxReconnectionDelay: 5000 });
    await until(isOpen(rws), { what: 'open' });
    await bed.control('down', { ms: 60000 });
    await until(() => rws.state === 'reconnecting', { what: 'reconnecting' });
    const list = closes(rws);
    rws.close(1000, 'gave up');
    assert.equal(list.length, 0, 'not during close()');
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSING);
    await once(rws, 'close');
    assert.equal(list.length, 1);
    assert.deepEqual([list[0].code, list[0].reason, list[0].kind], [1000, 'gave up', 'user']);
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  });

  test('during an outage stops the retries (the test bed sees no more attempts)', async () => {
    const rws = connect();
    await until(isOpen(rws), { what: 'open' });
    await bed.control('down', { ms: 60000 });
    await until(async () => (await bed.stats()).refused >= 2, { what: 'refused retries' });
    rws.close();
    await sleep(100); // an attempt already on the wire may still land
    const { refused } = await bed.stats();
    await sleep(600);
    assert.equal((await bed.stats()).refused, refused);
    assert.equal(rws.state, 'closed');
  });

  test('while the first attempt is connecting: no crash, no socket, stays closed', async () => {
    await bed.control('slow-upgrade', { ms: 60000 });
    const rws = connect();
    await sleep(50);
    rws.close();
    await sleep(300);
    assert.equal(rws.state, 'closed');
    assert.equal((await bed.stats()).live, 0);
  });
});

describe('reconnect()', () => {
  test('after close() connects again', async () => {
    const rws = connect();
    let opens = 0;
    rws.addEventListener('open', () => opens++);
    await until(() => opens === 1, { what: 'open' });
    rws.close();
    await sleep(200);
    const before = (await bed.stats()).accepted;
    rws.reconnect();
    await until(() => opens === 2, { what: 'open after reconnect()' });
    assert.equal((await bed.stats()).accepted, before + 1);
    rws.send('still works');
    await until(async () => (await bed.stats()).connections.at(-1).received.includes('still works'), {
      what: 'message on the new connection',
    });
  });

  test('while open replaces the socket (close kind "user", willRetry) and resets retryCount', async () => {
    const rws = connect();
    const list = closes(rws);
    let opens = 0;
    rws.addEventListener('open', () => opens++);
    await until(() => opens === 1, { what: 'open' });
    rws.reconnect();
    await until(() => opens === 2, { what: 'second open' });
    assert.equal(list.length, 1);
    assert.equal(list[0].kind, 'user');
    assert.equal(list[0].willRetry, true);
    assert.equal(rws.retryCount, 0);
    await until(async () => (await bed.stats()).live === 1, { what: 'the old connection gone' });
  });
});

describe('resources', () => {
  test('reconnects do not leak socket handlers (liveHandlers stays flat)', async () => {
    const rws = connect();
    let opens = 0;
    rws.addEventListener('open', () => opens++);
    await until(() => opens === 1, { what: 'open' });
    const baseline = module.liveHandlers();
    const memory = module.wasmMemoryBytes();
    assert.ok(baseline > 0, 'an open socket has handlers');
    assert.ok(memory >= 65536 && memory % 65536 === 0, `wasm memory is whole pages: ${memory}`);
    for (let i = 2; i <= 6; i++) {
      await bed.control('drop');
      await until(() => opens === i, { what: `open #${i}` });
    }
    assert.equal(module.liveHandlers(), baseline);
    assert.equal(module.wasmMemoryBytes(), memory, 'reconnects do not grow wasm memory');
    rws.close();
    assert.equal(module.liveHandlers(), 0, 'close() detaches every handler');
  });
});

describe('startClosed', () => {
  test('does not connect until reconnect()', async () => {
    const before = (await bed.stats()).accepted;
    const rws = connect({ startClosed: true });
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
    await sleep(400);
    assert.equal((await bed.stats()).accepted, before);
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
    rws.reconnect();
    await until(isOpen(rws), { what: 'open after reconnect()' });
    assert.equal((await bed.stats()).accepted, before + 1);
  });
});

describe('maxRetries', () => {
  test('unreachable port: gives up after N retries, state "failed", last close willRetry false', async () => {
    const port = await unusedPort();
    const rws = connect({ maxRetries: 2 }, `ws://127.0.0.1:${port}/ws`);
    const list = closes(rws);
    const errors = [];
    rws.addEventListener('error', (event) => errors.push(event));
    await until(() => rws.state === 'failed', { what: 'failed' });
    assert.equal(rws.stats.attempts, 3, 'the first attempt and 2 retries');
    assert.equal(list.length, 3);
    assert.deepEqual(
      list.map((e) => e.willRetry),
      [true, true, false],
    );
    assert.equal(list.at(-1).kind, 'unreachable');
    assert.ok(errors.length >= 1);
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
    await sleep(500);
    assert.equal(rws.stats.attempts, 3, 'no attempt after giving up');
  });

  test('server down: the test bed refuses exactly 1 + N attempts', async () => {
    const rws = connect({ maxRetries: 3 });
    await until(isOpen(rws), { what: 'open' });
    const retryCounts = [];
    rws.addEventListener('statechange', (event) => {
      if (event.state === 'reconnecting') retryCounts.push(rws.retryCount);
    });
    const { refused: before } = await bed.stats();
    await bed.control('down', { ms: 60000 });
    await until(() => rws.state === 'failed', { what: 'failed' });
    await sleep(400);
    assert.equal((await bed.stats()).refused - before, 3, 'refused attempts');
    assert.deepEqual(retryCounts, [1, 2, 3]);
  });

  test('maxRetries: 0 never retries', async () => {
    const rws = connect({ maxRetries: 0 });
    const list = closes(rws);
    await until(isOpen(rws), { what: 'open' });
    await bed.control('drop');
    await until(() => rws.state === 'failed', { what: 'failed' });
    assert.equal(list.length, 1);
    assert.equal(list[0].willRetry, false);
  });

  test('reconnect() after giving up starts over', async () => {
    const rws = connect({ maxRetries: 0 });
    await until(isOpen(rws), { what: 'open' });
    await bed.control('drop');
    await until(() => rws.state === 'failed', { what: 'failed' });
    rws.reconnect();
    await until(isOpen(rws), { what: 'open again' });
  });
});

describe('connectionTimeout', () => {
  test('an upgrade that never comes: the attempt is abandoned, retried, and the process survives', async () => {
    await bed.control('slow-upgrade', { ms: 60000 });
    const rws = connect({ connectionTimeout: 300 });
    const list = closes(rws);
    const errors = [];
    rws.addEventListener('error', (event) => errors.push(event));
    await until(() => list.length >= 2, { what: 'two timed-out attempts' });
    assert.equal(errors.length, 0, 'a connect timeout is a close with a kind, not an error event');
    for (const event of list) {
      assert.equal(event.kind, 'connect-timeout');
      assert.equal(event.willRetry, true);
    }
    assert.ok(rws.stats.attempts >= 2);
    assert.equal(rws.readyState, ReconnectingWebSocket.CONNECTING);
    await bed.control('reset');
    await until(isOpen(rws), { what: 'open once upgrades are answered' });
  });

  test('the default 4 s is not hit by a fast server', async () => {
    const rws = connect();
    const list = closes(rws);
    await until(isOpen(rws), { what: 'open' });
    await sleep(200);
    assert.equal(list.length, 0);
  });
});
