// The reconnecting-websocket 4.x / WebSocket surface: constructor forms, constants, getters,
// subprotocols and binaryType, against the packed package installed with `ws`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket, module } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };

let bed;
const sockets = [];
function connect(url, protocols, options = {}) {
  const rws = new ReconnectingWebSocket(url, protocols, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
const isOpen = (rws) => () => rws.readyState === ReconnectingWebSocket.OPEN;

useTestbed((started) => (bed = started), sockets);

describe('exports', () => {
  test('default export and named ReconnectingWebSocket are the same class', () => {
    assert.equal(typeof ReconnectingWebSocket, 'function');
    assert.equal(module.ReconnectingWebSocket, ReconnectingWebSocket);
    assert.equal(typeof module.liveHandlers, 'function');
  });
});

describe('constructor forms', () => {
  test('a string URL connects to that URL', async () => {
    const rws = connect(bed.wsUrl);
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.url, bed.wsUrl);
    assert.equal((await bed.stats()).live, 1);
  });

  test('a sync URL provider () => url is called and used', async () => {
    let calls = 0;
    const rws = connect(() => {
      calls++;
      return bed.wsUrl;
    });
    await until(isOpen(rws), { what: 'open' });
    assert.equal(calls, 1);
    assert.equal(rws.url, bed.wsUrl);
  });

  test('an async URL provider async () => url is awaited and used', async () => {
    const rws = connect(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return bed.wsUrl;
    });
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.url, bed.wsUrl);
  });

  test('the URL provider is asked again for every reconnect', async () => {
    const urls = [];
    const rws = connect(() => {
      urls.push(bed.wsUrl);
      return bed.wsUrl;
    });
    await until(isOpen(rws), { what: 'first open' });
    const opens = [];
    rws.addEventListener('open', () => opens.push(1));
    await bed.control('drop');
    await until(() => opens.length === 1, { what: 'reopen' });
    assert.equal(urls.length, 2);
  });

  test('a provider that throws counts as a failed attempt (error event) and is retried', async () => {
    let calls = 0;
    const boom = new Error('no URL yet');
    const rws = connect(() => {
      if (++calls === 1) throw boom;
      return bed.wsUrl;
    });
    const errors = [];
    rws.addEventListener('error', (event) => errors.push(event));
    await until(isOpen(rws), { what: 'open after the provider recovered' });
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].error, boom);
  });

  test('the http: scheme is mapped to ws:', async () => {
    const rws = connect(bed.wsUrl.replace(/^ws:/, 'http:'));
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.url, bed.wsUrl);
  });
});

describe('constants', () => {
  test('CONNECTING/OPEN/CLOSING/CLOSED are 0..3 on the class and on instances', () => {
    const rws = connect(bed.wsUrl, undefined, { startClosed: true });
    for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) {
      assert.equal(ReconnectingWebSocket[name], value, `static ${name}`);
      assert.equal(rws[name], value, `instance ${name}`);
      assert.equal(WebSocket[name], value, `ws agrees on ${name}`);
    }
  });
});

describe('getters', () => {
  test('before open: CONNECTING, empty protocol/extensions, numeric bufferedAmount', () => {
    const rws = connect(bed.wsUrl);
    assert.equal(rws.readyState, ReconnectingWebSocket.CONNECTING);
    assert.equal(typeof rws.url, 'string');
    assert.ok(rws.url === '' || rws.url === bed.wsUrl, `url before open: ${rws.url}`);
    assert.equal(rws.protocol, '');
    assert.equal(rws.extensions, '');
    assert.equal(rws.bufferedAmount, 0);
    assert.equal(rws.retryCount, 0);
    assert.equal(typeof rws.binaryType, 'string');
  });

  test('after open: OPEN, url, state "open", no extensions negotiated', async () => {
    const rws = connect(bed.wsUrl);
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.state, 'open');
    assert.equal(rws.url, bed.wsUrl);
    assert.equal(rws.extensions, '');
    assert.equal(rws.bufferedAmount, 0);
  });

  test('bufferedAmount counts messages queued while not connected', () => {
    const rws = connect(bed.wsUrl, undefined, { startClosed: true });
    rws.send('12345');
    rws.send('678');
    assert.equal(rws.bufferedAmount, 8);
  });

  test('binaryType defaults to "blob" (like WebSocket and reconnecting-websocket) before and after open', async () => {
    const rws = connect(bed.wsUrl);
    assert.equal(rws.binaryType, 'blob');
    const received = [];
    rws.onmessage = (event) => received.push(event.data);
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.binaryType, 'blob');
    rws.send(new Uint8Array([7, 8]));
    await until(() => received.length === 1, { what: 'binary echo' });
    assert.ok(received[0] instanceof Blob, `got ${Object.prototype.toString.call(received[0])}`);
    assert.deepEqual([...new Uint8Array(await received[0].arrayBuffer())], [7, 8]);
  });

  test('binaryType "arraybuffer" set before open applies to every socket, across reconnects', async () => {
    const rws = connect(bed.wsUrl);
    rws.binaryType = 'arraybuffer';
    const received = [];
    rws.onmessage = (event) => received.push(event.data);
    await until(isOpen(rws), { what: 'open' });
    rws.send(new Uint8Array([1, 2, 3]));
    await until(() => received.length === 1, { what: 'binary echo' });
    assert.ok(received[0] instanceof ArrayBuffer, `got ${Object.prototype.toString.call(received[0])}`);
    assert.deepEqual([...new Uint8Array(received[0])], [1, 2, 3]);

    const reopened = new Promise((resolve) => rws.addEventListener('open', resolve));
    await bed.control('drop');
    await reopened;
    assert.equal(rws.binaryType, 'arraybuffer');
    rws.send(new Uint8Array([4, 5]));
    await until(() => received.length === 2, { what: 'binary echo after reconnect' });
    assert.ok(received[1] instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(received[1])], [4, 5]);
  });
});

describe('debug option', () => {
  test('debug: a function receives the log lines, with the URL query (tokens) left out', async () => {
    const lines = [];
    const rws = connect(`${bed.wsUrl}?token=s3cret`, undefined, { debug: (...args) => lines.push(args.join(' ')) });
    await until(isOpen(rws), { what: 'open' });
    assert.ok(lines.some((line) => line.includes(bed.wsUrl)), lines.join('\n'));
    assert.ok(!lines.some((line) => line.includes('s3cret')), 'the token was logged');
  });

  test('debug: true logs through console.log; debug unset logs nothing', async (t) => {
    const logged = t.mock.method(console, 'log', () => {});
    const quiet = connect(bed.wsUrl);
    await until(isOpen(quiet), { what: 'quiet open' });
    assert.equal(logged.mock.callCount(), 0);
    const loud = connect(bed.wsUrl, undefined, { debug: true });
    await until(isOpen(loud), { what: 'loud open' });
    assert.ok(logged.mock.callCount() > 0);
  });
});

describe('subprotocols', () => {
  test('a string protocol is offered and selected', async () => {
    const rws = connect(bed.wsUrl, 'chat.v1');
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.protocol, 'chat.v1');
    const { connections } = await bed.stats();
    assert.equal(connections.at(-1).protocol, 'chat.v1');
  });

  test('an array offers every protocol; the test bed picks the first, also after a reconnect', async () => {
    const rws = connect(bed.wsUrl, ['v2', 'v1']);
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.protocol, 'v2');
    const reopened = new Promise((resolve) => rws.addEventListener('open', resolve));
    await bed.control('drop');
    await reopened;
    assert.equal(rws.protocol, 'v2');
  });

  test('no protocols: protocol stays empty', async () => {
    const rws = connect(bed.wsUrl);
    await until(isOpen(rws), { what: 'open' });
    assert.equal(rws.protocol, '');
  });

  test('an invalid or duplicate subprotocol is a SyntaxError', () => {
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl, 'has space', FAST), { name: 'SyntaxError' });
    assert.throws(() => new ReconnectingWebSocket(bed.wsUrl, ['a', 'a'], FAST), { name: 'SyntaxError' });
  });
});
