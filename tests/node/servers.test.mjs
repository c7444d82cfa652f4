// Behaviour that depends on what a real server does, with servers written here on Node's own
// `http` and the `ws` package: an upgrade refused with an HTTP status (the close says what
// the status means), and the heartbeat counting silence from the last message whatever the
// timer's phase.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket, pkg } = await loadRebound();
const { WebSocketServer } = pkg.requireWs();

const sockets = [];
const servers = [];
after(async () => {
  for (const rws of sockets) rws.close();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

function listen(server) {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** An HTTP server that answers every upgrade with `status`; counts the attempts. */
async function refusingServer(status) {
  const server = createServer((request, response) => response.writeHead(404).end());
  const hits = [];
  server.on('upgrade', (request, socket) => {
    hits.push(Date.now());
    socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  const port = await listen(server);
  return { url: `ws://127.0.0.1:${port}/ws`, hits };
}

describe('an upgrade refused with an HTTP status (the ws package tells it; browsers do not)', () => {
  const cases = [
    [426, /Upgrade\/Connection headers/],
    [401, /credentials/],
    [403, /credentials/],
    [404, /path/],
    [502, /upstream/],
    [503, /upstream/],
    [504, /upstream/],
    [418, /HTTP error status/],
  ];
  for (const [status, hint] of cases) {
    test(`${status}: the error carries the cause; the close is kind "refused" with httpStatus and what ${status} means`, async () => {
      const { url, hits } = await refusingServer(status);
      const rws = new ReconnectingWebSocket(url, undefined, { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 'none' });
      sockets.push(rws);
      const errors = [];
      const closes = [];
      rws.addEventListener('error', (event) => errors.push(event));
      rws.addEventListener('close', (event) => closes.push(event));
      await until(() => closes.length >= 2, { what: 'two refused attempts' });
      rws.close();
      assert.match(errors[0].message, new RegExp(`Unexpected server response: ${status}`));
      assert.match(String(errors[0].error?.message), new RegExp(`${status}`));
      for (const close of closes) {
        assert.equal(close.kind, 'refused');
        assert.equal(close.httpStatus, status);
        assert.equal(close.code, 1006);
        assert.equal(close.willRetry, true, 'refused upgrades are retried with backoff');
        assert.match(close.hint, hint);
      }
      assert.ok(hits.length >= 2);
    });
  }

  test('other closes carry httpStatus null', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(wss);
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (socket) => socket.close(4100, 'again'));
    const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${wss.address().port}/`, undefined, { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 100 });
    sockets.push(rws);
    const close = await new Promise((resolve) => rws.addEventListener('close', resolve, { once: true }));
    rws.close();
    assert.equal(close.kind, 'app-retry');
    assert.equal(close.httpStatus, null);
  });
});

describe('heartbeat: silence counts from the last message, not from the timer that noticed it', () => {
  test('a message just after a timer tick does not push the ping a whole interval late', async () => {
    const INTERVAL = 1000;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(wss);
    await new Promise((resolve) => wss.once('listening', resolve));
    let lastPush = 0;
    const gaps = [];
    wss.on('connection', (socket) => {
      // A message 50 ms after open: just after the phase the heartbeat timer was armed
      // on. With silence counted from the timer's check, the ping came ~2 intervals later.
      setTimeout(() => {
        socket.send('news');
        lastPush = performance.now();
      }, 50);
      socket.on('message', (data) => {
        if (String(data) !== 'ping') return;
        gaps.push(performance.now() - lastPush);
        socket.send('pong');
      });
    });
    const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${wss.address().port}/`, undefined, {
      WebSocket,
      heartbeatInterval: INTERVAL,
      heartbeatTimeout: 5000,
    });
    sockets.push(rws);
    await until(() => gaps.length >= 1, { timeout: 10000, what: 'the first ping' });
    rws.close();
    // Bounds, not a timing claim: one interval plus generous slack, well under the two
    // intervals the old grid gave.
    assert.ok(gaps[0] >= INTERVAL - 50, `ping ${gaps[0].toFixed(0)} ms after the last message`);
    assert.ok(gaps[0] < INTERVAL * 1.5, `ping ${gaps[0].toFixed(0)} ms after the last message (want ~${INTERVAL})`);
  });
});
