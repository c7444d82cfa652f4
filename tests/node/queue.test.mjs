// Sending while not connected: messages are queued and delivered in order once open, the
// queue is bounded (maxEnqueuedMessages drops the oldest with a 'drop' event), and nothing
// is delivered twice.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };

let bed;
const sockets = [];
function connect(options = {}) {
  const rws = new ReconnectingWebSocket(bed.wsUrl, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
const isOpen = (rws) => () => rws.readyState === ReconnectingWebSocket.OPEN;
/** Everything the test bed received, per connection, in order. */
const received = async () => (await bed.stats()).connections.map((c) => c.received);

useTestbed((started) => (bed = started), sockets);

describe('queueing', () => {
  test('messages sent before the first open are delivered in order on open', async () => {
    const rws = connect();
    assert.equal(rws.readyState, ReconnectingWebSocket.CONNECTING);
    for (const m of ['a', 'b', 'c']) rws.send(m);
    await until(async () => (await received()).flat().length === 3, { what: 'delivery' });
    assert.deepEqual(await received(), [['a', 'b', 'c']]);
  });

  test('messages sent while disconnected are delivered once, in order, on the new connection', async () => {
    const rws = connect();
    await until(isOpen(rws), { what: 'open' });
    rws.send('before');
    await until(async () => (await received()).flat().includes('before'), { what: 'first message' });
    const lost = new Promise((resolve) => rws.addEventListener('close', resolve, { once: true }));
    await bed.control('down', { ms: 500 });
    await lost;
    assert.notEqual(rws.readyState, ReconnectingWebSocket.OPEN);
    const queued = Array.from({ length: 20 }, (_, i) => `q${i}`);
    for (const m of queued) rws.send(m);
    assert.equal(rws.stats.queued, 20);
    await until(async () => (await received()).at(-1)?.length === 20, { what: 'flush after reconnect' });
    const all = await received();
    assert.deepEqual(all.at(-1), queued);
    assert.deepEqual(all.flat(), ['before', ...queued], 'nothing lost, nothing twice');
    assert.equal(rws.stats.queued, 0);
    assert.equal(rws.bufferedAmount, 0);
  });

  test('queued messages interleave correctly with ones sent after the reopen', async () => {
    const rws = connect({ startClosed: true });
    rws.send('1');
    rws.send('2');
    rws.addEventListener('open', () => rws.send('3'));
    rws.reconnect();
    await until(async () => (await received()).flat().length === 3, { what: 'delivery' });
    assert.deepEqual(await received(), [['1', '2', '3']]);
  });

  test('binary messages are queued too', async () => {
    const rws = connect({ startClosed: true });
    rws.send(new Uint8Array([1, 2, 3, 4]));
    assert.equal(rws.bufferedAmount, 4);
    rws.reconnect();
    await until(async () => (await received()).flat().length === 1, { what: 'delivery' });
    assert.deepEqual(await received(), [['<binary 4 bytes>']]);
  });
});

describe('maxEnqueuedMessages', () => {
  test('overflow drops the oldest with a drop event carrying it; the rest arrive in order', async () => {
    const rws = connect({ startClosed: true, maxEnqueuedMessages: 3 });
    const drops = [];
    rws.addEventListener('drop', (event) => drops.push(event));
    for (const m of ['m1', 'm2', 'm3', 'm4', 'm5']) rws.send(m);
    assert.deepEqual(
      drops.map((e) => e.data),
      ['m1', 'm2'],
    );
    assert.equal(drops[0].reason, 'queue-full');
    assert.equal(rws.stats.queued, 3);
    assert.equal(rws.stats.messagesDropped, 2);
    rws.reconnect();
    await until(async () => (await received()).flat().length === 3, { what: 'delivery' });
    assert.deepEqual(await received(), [['m3', 'm4', 'm5']]);
  });

  test('queueOverflow "error" refuses with a RangeError and keeps the queue', () => {
    const rws = connect({ startClosed: true, maxEnqueuedMessages: 1, queueOverflow: 'error' });
    rws.send('kept');
    assert.throws(() => rws.send('refused'), RangeError);
    assert.equal(rws.stats.queued, 1);
  });

  test('close() reports every queued message as a drop (closed), and so is a send after it', async () => {
    const rws = connect({ startClosed: true });
    const drops = [];
    rws.addEventListener('drop', (event) => drops.push([event.data, event.reason]));
    rws.send('queued');
    assert.equal(rws.stats.queued, 1);
    rws.close();
    assert.equal(rws.send('after'), true, 'accepted (and reported), as WebSocket.send does not throw when closed');
    await until(() => drops.length === 2, { what: 'two drop events' });
    assert.deepEqual(drops, [['queued', 'closed'], ['after', 'closed']]);
    assert.equal(rws.stats.queued, 0);
  });

  test('a socket that failed for good drops what is sent to it, and reconnect() starts afresh', async () => {
    const rws = connect();
    const drops = [];
    rws.addEventListener('drop', (event) => drops.push([event.data, event.reason]));
    await until(isOpen(rws), { what: 'open' });
    await bed.control('close', { code: '1008', reason: 'auth' });
    await until(() => rws.state === 'failed', { what: 'failed' });
    rws.send('while-failed');
    await until(() => drops.length === 1, { what: 'a drop event' });
    assert.deepEqual(drops, [['while-failed', 'closed']]);
    rws.reconnect();
    rws.send('after-retry');
    await until(async () => (await received()).at(-1)?.includes('after-retry'), { what: 'delivery after reconnect()' });
  });
});
