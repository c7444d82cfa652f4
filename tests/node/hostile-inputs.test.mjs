// The last hostile inputs (issue 19, item 3), in Node with the real `ws` package against the
// test bed: a value the socket refuses at flush (a detached ArrayBuffer), a Symbol, a
// WebSocket look-alike whose close() throws or is missing, and close() called inside
// shouldReconnect. Each is a regression test for a failure of the previous release: an
// uncaught exception, a message stuck in (and reordering) the queue, a close reported 2 s late
// and with the wrong code.
import assert from 'node:assert/strict';
import { describe, test, before, after } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 20, maxReconnectionDelay: 60, jitter: 'none' };

let bed;
const sockets = [];
useTestbed((b) => (bed = b), sockets);
function connect(options = {}) {
  const rws = new ReconnectingWebSocket(bed.wsUrl, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
function record(rws) {
  const log = [];
  for (const type of ['open', 'close', 'error', 'drop', 'message']) {
    rws.addEventListener(type, (e) => log.push({ type, data: e.data, reason: e.reason, code: e.code, error: e.error }));
  }
  return log;
}

// Anything uncaught fails the test it happens in.
const uncaught = [];
const onUncaught = (error) => uncaught.push(error);
before(() => process.on('uncaughtException', onUncaught));
after(() => process.off('uncaughtException', onUncaught));

const detached = () => {
  const buffer = new ArrayBuffer(8);
  structuredClone(buffer, { transfer: [buffer] });
  assert.equal(buffer.byteLength, 0, 'detached');
  return buffer;
};

describe('values the socket refuses', () => {
  test('a detached ArrayBuffer: open, send() throws the socket\'s TypeError; queued, it is reported by one drop (refused) at flush and neither blocks nor reorders the queue', async () => {
    const rws = connect({ startClosed: true });
    const log = record(rws);
    assert.equal(rws.send('first'), true);
    assert.equal(rws.send(detached()), true, 'queued while not connected');
    assert.equal(rws.send('last'), true);
    rws.reconnect();
    await until(() => log.filter((e) => e.type === 'message').length === 2, { what: 'the two good messages echoed' });
    assert.deepEqual(log.filter((e) => e.type === 'message').map((e) => String(e.data)), ['first', 'last']);
    const drops = log.filter((e) => e.type === 'drop');
    assert.equal(drops.length, 1);
    assert.equal(drops[0].reason, 'refused');
    assert.equal(rws.stats.queued, 0, 'nothing stuck in the queue');
    assert.throws(() => rws.send(detached()), TypeError, 'open: the socket refuses it at once');
    assert.deepEqual(uncaught, []);
  });

  test('send(Symbol()) is a TypeError, as WebIDL converts it; nothing is sent', async () => {
    const rws = connect();
    const log = record(rws);
    await until(() => rws.readyState === 1, { what: 'open' });
    assert.throws(() => rws.send(Symbol('s')), TypeError);
    rws.send('after');
    await until(() => log.some((e) => e.type === 'message'), { what: 'echo' });
    assert.deepEqual(log.filter((e) => e.type === 'message').map((e) => String(e.data)), ['after']);
  });
});

describe('a WebSocket look-alike that cannot close', () => {
  class Throwing extends WebSocket {
    close() {
      throw new Error('this socket cannot close');
    }
  }
  class Closeless extends WebSocket {}
  Object.defineProperty(Closeless.prototype, 'close', { value: undefined });

  for (const [name, Socket] of [['whose close() throws', Throwing], ['without close()', Closeless]]) {
    test(`${name}: reconnect() and close() fail that socket with an error event, never an uncaught exception; close() ends at once`, async () => {
      const rws = connect({ WebSocket: Socket });
      const log = record(rws);
      await until(() => rws.readyState === 1, { what: 'open' });
      rws.reconnect();
      await until(() => log.some((e) => e.type === 'error'), { what: 'an error event for the reconnect' });
      await until(() => rws.readyState === 1 && log.filter((e) => e.type === 'open').length === 2, { what: 'open again' });
      rws.close();
      await until(() => rws.state === 'closed', { what: 'closed' });
      assert.equal(log.filter((e) => e.type === 'error').length, 2, 'one error event per failed close');
      assert.equal(log.filter((e) => e.type === 'close').at(-1).code, 1006);
      assert.deepEqual(uncaught, []);
      // The ws sockets behind them are still open: end them.
      await bed.control('drop');
    });
  }
});

test('close() inside shouldReconnect after the server closed with 4100 "bye": the server\'s close is reported at once', async () => {
  let rws;
  rws = connect({
    shouldReconnect: () => {
      rws.close();
      return undefined;
    },
  });
  const log = record(rws);
  await until(() => rws.readyState === 1, { what: 'open' });
  await bed.control('close', { code: 4100, reason: 'bye' });
  await until(() => log.some((e) => e.type === 'close'), { what: 'the close event' });
  const close = log.find((e) => e.type === 'close');
  assert.equal(close.code, 4100);
  assert.equal(close.reason, 'bye');
  assert.equal(rws.state, 'closed');
  assert.deepEqual(uncaught, []);
});
