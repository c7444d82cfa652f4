// The packed package behind a real nginx reverse proxy, with a `ws` server as the backend:
// nginx's proxy_read_timeout cutting an idle link (and the heartbeat keeping it alive), the
// classic missing-Upgrade-headers misconfiguration (a 426 from the backend), and nginx
// stopped and started again on the same port while the app keeps sending.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, afterEach, before, describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { startNginx } from '../support/nginx.mjs';
import { until } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket, pkg } = await loadRebound();
const { WebSocketServer } = pkg.requireWs();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Everything a test starts is stopped after it, last started first.
const cleanups = [];
async function cleanUp() {
  for (const stop of cleanups.splice(0).reverse()) await stop();
}
afterEach(cleanUp);
after(cleanUp);

/**
 * A `ws` server on a free port (its own HTTP server, which answers a request without an
 * upgrade with 426). Records every text message per connection, in arrival order; with
 * `answerPing` it answers the default heartbeat ('ping') with 'pong'.
 */
async function startBackend({ answerPing = false } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const connections = [];
  wss.on('connection', (socket) => {
    const record = { received: [] };
    connections.push(record);
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString();
      record.received.push(text);
      if (answerPing && text === 'ping') socket.send('pong');
    });
  });
  const backend = {
    port: wss.address().port,
    connections,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
  cleanups.push(backend.close);
  return backend;
}

async function proxyTo(backend, options = {}) {
  const proxy = await startNginx({ backendPort: backend.port, ...options });
  cleanups.push(proxy.stop);
  return proxy;
}

function connect(url, options = {}) {
  const rws = new ReconnectingWebSocket(url, undefined, { ...FAST, ...options });
  cleanups.push(() => rws.close());
  return rws;
}

function record(rws) {
  const log = { open: [], close: [], error: [], statechange: [], drop: [] };
  for (const type of Object.keys(log)) rws.addEventListener(type, (event) => log[type].push(event));
  return log;
}

const describeClose = (event) => `code ${event.code}, kind ${event.kind}, willRetry ${event.willRetry}, hint ${JSON.stringify(event.hint)}`;

describe('proxy_read_timeout cuts idle links', () => {
  test('without a heartbeat, the cut is a connection loss (not a user close) and the client reconnects', async (t) => {
    const backend = await startBackend();
    const proxy = await proxyTo(backend, { readTimeout: '1s' });
    const rws = connect(proxy.wsUrl);
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open through nginx' });
    await until(() => log.close.length === 1, { timeout: 5000, what: 'nginx cutting the idle link (proxy_read_timeout 1s)' });
    const [cut] = log.close;
    t.diagnostic(`idle cut by nginx: ${describeClose(cut)}, wasClean ${cut.wasClean}`);
    assert.notEqual(cut.kind, 'user');
    assert.equal(cut.kind, 'connection-lost');
    assert.equal(cut.code, 1006, 'nginx closes the TCP connection, no close frame');
    assert.equal(cut.willRetry, true);
    await until(() => log.open.length === 2, { what: 'reconnect after the cut' });
    assert.equal(backend.connections.length, 2);
  });

  test('a heartbeat the backend answers keeps the link open past the timeout', async (t) => {
    const backend = await startBackend({ answerPing: true });
    const proxy = await proxyTo(backend, { readTimeout: '1s' });
    const rws = connect(proxy.wsUrl, { heartbeatInterval: 300, heartbeatTimeout: 2000 });
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open through nginx' });
    await sleep(3500);
    assert.deepEqual(log.close.map(describeClose), [], 'no close while the heartbeat runs');
    assert.equal(rws.state, 'open');
    assert.equal(backend.connections.length, 1, 'still the first connection');
    const pings = backend.connections[0].received.filter((m) => m === 'ping').length;
    t.diagnostic(`pings through nginx in 3.5 s: ${pings}`);
    assert.ok(pings >= 2, `the heartbeat ran (${pings} pings)`);
  });
});

describe('nginx without Upgrade/Connection forwarding', () => {
  // One run, two tests: what works today (the cause and the backoff), and the close
  // classification (kind 'refused' with a hint naming the headers).
  const run = { errors: [], closes: [], attempts: 0, opens: 0, accessLog: [] };
  before(async () => {
    const backend = await startBackend();
    const proxy = await proxyTo(backend, { upgradeHeaders: false });
    const rws = connect(proxy.wsUrl, { minReconnectionDelay: 100, maxReconnectionDelay: 1000, jitter: 'none' });
    const log = record(rws);
    await until(() => log.close.length >= 1, { what: 'the first refused attempt' });
    await sleep(3000);
    run.errors = log.error.slice();
    run.closes = log.close.slice();
    run.attempts = log.statechange.filter((event) => event.state === 'connecting').length;
    run.opens = log.open.length;
    run.backendConnections = backend.connections.length;
    run.accessLog = proxy.accessLog();
    await cleanUp();
  });

  test('the error carries the 426 and the client backs off instead of hammering', (t) => {
    t.diagnostic(`attempts in ~3 s: ${run.attempts}; nginx access log: ${JSON.stringify(run.accessLog)}`);
    assert.ok(run.errors.length >= 1, 'an error event');
    const messages = run.errors.map((event) => `${event.message} / ${event.error?.message}`);
    assert.match(messages[0], /Unexpected server response: 426/, messages.join('; '));
    assert.equal(run.opens, 0, 'never open');
    assert.equal(run.backendConnections, 0, 'no WebSocket reached the backend');
    assert.ok(run.closes.every((event) => event.willRetry === true && event.kind !== 'user'), run.closes.map(describeClose).join('; '));
    assert.ok(run.attempts >= 2, `retried (${run.attempts} attempts)`);
    assert.ok(run.attempts <= 10, `backed off (${run.attempts} attempts in ~3 s)`);
    // Every attempt went through nginx as a plain GET and came back 426.
    const refused = run.accessLog.filter((line) => line.startsWith('426 GET /ws'));
    assert.equal(refused.length, run.accessLog.length, JSON.stringify(run.accessLog));
    assert.ok(refused.length >= 2 && refused.length <= 10, `${refused.length} requests at nginx`);
  });

  test('the close is kind "refused" with a hint naming the Upgrade/Connection headers', (t) => {
    const [first] = run.closes;
    assert.ok(first, 'a close event');
    t.diagnostic(`426 through nginx: ${describeClose(first)}`);
    assert.equal(first.kind, 'refused', describeClose(first));
    assert.match(first.hint ?? '', /Upgrade/, describeClose(first));
    assert.equal(first.willRetry, true);
  });
});

describe('nginx restarted while the app sends', () => {
  test('what was sent during the outage arrives once, in order; nothing is dropped', async (t) => {
    const backend = await startBackend();
    const proxy = await proxyTo(backend);
    const rws = connect(proxy.wsUrl);
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open through nginx' });

    // m0, m1, … every ~10 ms, each with the state it was sent in.
    const sent = [];
    const sender = setInterval(() => {
      const state = rws.state;
      const accepted = rws.send(`m${sent.length}`);
      sent.push({ state, accepted });
    }, 10);
    cleanups.push(() => clearInterval(sender));
    await sleep(300);
    await proxy.stop();
    await sleep(800);
    await proxy.start();
    await sleep(300);
    clearInterval(sender);
    const last = sent.length - 1;

    await until(() => backend.connections.some((c) => c.received.includes(`m${last}`)), { what: `m${last} at the backend` });
    const received = backend.connections.flatMap((c) => c.received).filter((m) => m?.startsWith('m'));
    const indices = received.map((m) => Number(m.slice(1)));

    assert.deepEqual(log.drop.map((event) => `${event.reason}: ${event.data}`), [], 'no drop event');
    assert.equal(new Set(indices).size, indices.length, 'no duplicates');
    for (let k = 1; k < indices.length; k++) {
      assert.ok(indices[k] > indices[k - 1], `order: m${indices[k - 1]} then m${indices[k]}`);
    }
    // From the first message sent while not open (the outage, as the client saw it), all arrive.
    const firstQueued = sent.findIndex((entry) => entry.state !== 'open');
    assert.ok(firstQueued > 0, 'the client saw the outage while sending');
    const queued = sent.filter((entry) => entry.state !== 'open');
    assert.ok(queued.every((entry) => entry.accepted === true), 'send() returns true while disconnected');
    const arrived = new Set(indices);
    const missing = [];
    for (let i = firstQueued; i <= last; i++) if (!arrived.has(i)) missing.push(`m${i}`);
    assert.deepEqual(missing, [], `sent from m${firstQueued} on (state left open) must all arrive`);
    // Before that, messages sent into the dying connection may be lost in TCP flight.
    const lostInFlight = [];
    for (let i = 0; i < firstQueued; i++) if (!arrived.has(i)) lostInFlight.push(`m${i}`);
    t.diagnostic(
      `sent ${sent.length}, ${queued.length} while not open (from m${firstQueued}), connections ${backend.connections.length}, ` +
        `lost in flight before the client noticed: ${lostInFlight.length} ${JSON.stringify(lostInFlight)}`,
    );
    assert.ok(backend.connections.length >= 2, 'a new connection after the restart');
    assert.equal(rws.state, 'open');
  });
});
