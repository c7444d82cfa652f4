// request(): a message stamped with an id, resolved by the reply carrying the same id,
// rejected (never left hanging) on timeout, disconnect or close.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { settle, until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let bed;
const sockets = [];
function connect(options = {}) {
  const rws = new ReconnectingWebSocket(bed.wsUrl, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
async function connected(options) {
  const rws = connect(options);
  await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open' });
  return rws;
}

useTestbed((started) => (bed = started), sockets);

describe('request()', () => {
  test('resolves with the reply carrying the same id (the test bed echoes JSON)', async () => {
    const rws = await connected();
    const reply = await rws.request({ type: 'x', n: 1 });
    assert.equal(typeof reply.id, 'number');
    assert.deepEqual(reply, { type: 'x', n: 1, id: reply.id });
    const [sent] = (await bed.stats()).connections.at(-1).received;
    assert.deepEqual(JSON.parse(sent), reply);
  });

  test('concurrent requests get distinct ids and each resolves with its own reply', async () => {
    const rws = await connected();
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => rws.request({ type: 'n', n })));
    assert.deepEqual(
      replies.map((r) => r.n),
      [1, 2, 3, 4, 5],
    );
    assert.equal(new Set(replies.map((r) => r.id)).size, 5);
  });

  test('replies are consumed: they do not reach onmessage or message listeners', async () => {
    const rws = await connected();
    const messages = [];
    rws.onmessage = (event) => messages.push(event.data);
    rws.addEventListener('message', (event) => messages.push(event.data));
    await rws.request({ type: 'quiet' });
    rws.send('loud');
    await until(() => messages.length >= 2, { what: 'echo' });
    assert.deepEqual(messages, ['loud', 'loud']);
  });

  test('a request made while connecting is queued and resolves once open', async () => {
    const rws = connect();
    assert.equal(rws.readyState, ReconnectingWebSocket.CONNECTING);
    const { value, error } = await settle(rws.request({ type: 'early' }));
    assert.equal(error, undefined);
    assert.equal(value.type, 'early');
  });

  test('a request while not started (startClosed) rejects at once with reason "closed"', async () => {
    const rws = connect({ startClosed: true });
    const { error } = await settle(rws.request({ type: 'nobody' }), 1000);
    assert.equal(error?.name, 'RequestError');
    assert.equal(error.reason, 'closed');
  });

  test('requestIdField names the id field', async () => {
    const rws = await connected({ requestIdField: 'rid' });
    const reply = await rws.request({ type: 'x' });
    assert.equal(typeof reply.rid, 'number');
    assert.equal(reply.id, undefined);
  });

  test('no reply in time: rejects with a RequestError (reason "timeout")', async () => {
    const rws = await connected();
    await bed.control('blackhole', { ms: 3000 });
    const { error } = await settle(rws.request({ type: 'slow' }, { timeout: 200 }));
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'RequestError');
    assert.equal(error.reason, 'timeout');
  });

  test('the requestTimeout option is the default timeout', async () => {
    const rws = await connected({ requestTimeout: 150 });
    await bed.control('blackhole', { ms: 3000 });
    const started = Date.now();
    const { error } = await settle(rws.request({ type: 'slow' }), 5000);
    assert.equal(error?.name, 'RequestError');
    assert.equal(error.reason, 'timeout');
    assert.ok(Date.now() - started < 5000);
  });

  test('the connection drops while pending: rejects with a RequestError (reason "disconnected")', async () => {
    const rws = await connected();
    await bed.control('blackhole', { ms: 5000 });
    const pending = rws.request({ type: 'lost' }, { timeout: 20000 });
    await sleep(50);
    await bed.control('drop');
    const { error } = await settle(pending, 5000);
    assert.equal(error?.name, 'RequestError');
    assert.equal(error.reason, 'disconnected');
  });

  test('close() while pending rejects (never hangs); a request after close() rejects too', async () => {
    const rws = await connected();
    await bed.control('blackhole', { ms: 5000 });
    const pending = rws.request({ type: 'cut' }, { timeout: 20000 });
    await sleep(20);
    rws.close();
    const first = await settle(pending, 2000);
    assert.equal(first.error?.name, 'RequestError');
    const second = await settle(rws.request({ type: 'too late' }), 2000);
    assert.equal(second.error?.name, 'RequestError');
    assert.equal(second.error.reason, 'closed');
  });

  test('close() while a request is on the wire rejects it with reason "closed"', async () => {
    const rws = await connected();
    await bed.control('blackhole', { ms: 5000 });
    const pending = rws.request({ type: 'cut' }, { timeout: 20000 });
    await sleep(20);
    rws.close();
    const { error } = await settle(pending, 2000);
    assert.equal(error?.reason, 'closed');
  });

  test('a late reply after a timeout is delivered as an ordinary message', async () => {
    const rws = await connected();
    const messages = [];
    rws.addEventListener('message', (event) => messages.push(event.data));
    await bed.control('blackhole', { ms: 400 });
    const { error } = await settle(rws.request({ type: 'late' }, { timeout: 100 }));
    assert.equal(error?.reason, 'timeout');
    await until(() => messages.length === 1, { what: 'the late reply' });
    assert.equal(JSON.parse(messages[0]).type, 'late');
  });

  test('bad input rejects at once with a typed error, and a refused request leaves nothing pending', async () => {
    const rws = await connected();
    const cyclic = {};
    cyclic.self = cyclic;
    const notObject = await settle(rws.request('text'));
    assert.equal(notObject.error?.name, 'TypeError');
    const badTimeout = await settle(rws.request({ type: 'x' }, { timeout: 0 }));
    assert.equal(badTimeout.error?.name, 'RangeError');
    const unserializable = await settle(rws.request(cyclic));
    assert.equal(unserializable.error?.name, 'TypeError');
    const refusing = connect({ startClosed: true, maxEnqueuedMessages: 0, queueOverflow: 'error' });
    const refused = await settle(refusing.request({ type: 'x' }));
    assert.ok(refused.error, 'refused or closed');
    // The first request still works: nothing above left the socket in a bad state.
    const ok = await settle(rws.request({ type: 'after' }));
    assert.equal(ok.value?.type, 'after');
  });
});
