// Rebound's extras over reconnecting-websocket: the heartbeat (half-open links), the
// close-code policy, and the stats getter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket } = await loadRebound();
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };
const HEARTBEAT = { heartbeatInterval: 100, heartbeatTimeout: 400 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let bed;
const sockets = [];
function connect(options = {}) {
  const rws = new ReconnectingWebSocket(bed.wsUrl, undefined, { ...FAST, ...options });
  sockets.push(rws);
  return rws;
}
function record(rws) {
  const log = { open: [], close: [], message: [] };
  for (const type of Object.keys(log)) rws.addEventListener(type, (event) => log[type].push(event));
  return log;
}

useTestbed((started) => (bed = started), sockets);

describe('heartbeat', () => {
  test('pings an idle link; the pongs are consumed, not delivered as messages', async () => {
    const rws = connect(HEARTBEAT);
    const log = record(rws);
    let viaProp = 0;
    rws.onmessage = () => viaProp++;
    await until(() => log.open.length === 1, { what: 'open' });
    await until(async () => (await bed.stats()).connections.at(-1).received.filter((m) => m === 'ping').length >= 3, {
      what: 'three pings at the test bed',
    });
    assert.equal(log.message.length, 0, 'no pong reached addEventListener("message")');
    assert.equal(viaProp, 0, 'no pong reached onmessage');
    assert.equal(log.close.length, 0, 'a healthy link is not closed');
    rws.send('real');
    await until(() => log.message.length === 1, { what: 'echo' });
    assert.equal(log.message[0].data, 'real');
  });

  test('a black-holed link closes with kind "heartbeat-timeout", then reconnects', async () => {
    const rws = connect(HEARTBEAT);
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open' });
    await bed.control('blackhole', { ms: 5000 });
    await until(() => log.close.length === 1, { what: 'heartbeat timeout' });
    assert.equal(log.close[0].kind, 'heartbeat-timeout');
    assert.equal(log.close[0].willRetry, true);
    assert.equal(typeof log.close[0].hint, 'string');
    await until(() => log.open.length === 2, { what: 'reconnect' });
    rws.send('after');
    await until(() => log.message.length === 1, { what: 'echo on the new connection' });
  });

  test('a custom heartbeatMessage / heartbeatReply pair is used', async () => {
    const rws = connect({
      ...HEARTBEAT,
      heartbeatMessage: JSON.stringify({ type: 'ping' }),
      heartbeatReply: (data) => typeof data === 'string' && data.includes('"pong"'),
    });
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open' });
    await until(async () => (await bed.stats()).connections.at(-1).received.length >= 2, { what: 'pings' });
    await sleep(300);
    const { received } = (await bed.stats()).connections.at(-1);
    assert.ok(received.every((m) => m === '{"type":"ping"}'), received.join(' '));
    assert.equal(log.message.length, 0);
    assert.equal(log.close.length, 0, 'the JSON pongs count as replies');
  });
});

describe('close codes', () => {
  test('1008 from the server: state "failed", kind "policy", no reconnect', async () => {
    const rws = connect();
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open' });
    const { accepted } = await bed.stats();
    await bed.control('close', { code: 1008, reason: 'nope' });
    await until(() => log.close.length === 1, { what: 'close' });
    const [event] = log.close;
    assert.equal(event.code, 1008);
    assert.equal(event.reason, 'nope');
    assert.equal(event.kind, 'policy');
    assert.equal(event.willRetry, false);
    assert.equal(rws.state, 'failed');
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
    await sleep(500);
    assert.equal((await bed.stats()).accepted, accepted, 'no new connection');
    assert.equal(log.open.length, 1);
  });

  test('1012 from the server: kind "restart", reconnects', async () => {
    const rws = connect();
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open' });
    await bed.control('close', { code: 1012, reason: 'restarting' });
    await until(() => log.open.length === 2, { what: 'reconnect' });
    assert.equal(log.close[0].code, 1012);
    assert.equal(log.close[0].kind, 'restart');
    assert.equal(log.close[0].willRetry, true);
  });

  test('4000-4099 stop, 1000 from the server reconnects', async () => {
    const rws = connect();
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open' });
    await bed.control('close', { code: 1000 });
    await until(() => log.open.length === 2, { what: 'reconnect after 1000' });
    assert.equal(log.close[0].kind, 'server-normal');
    await bed.control('close', { code: 4001, reason: 'banned' });
    await until(() => rws.state === 'failed', { what: 'failed' });
    assert.equal(log.close[1].kind, 'app-stop');
  });

  test('shouldReconnect overrides the table', async () => {
    const calls = [];
    const rws = connect({
      shouldReconnect: (code, reason) => {
        calls.push([code, reason]);
        return true;
      },
    });
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open' });
    await bed.control('close', { code: 1008, reason: 'retry anyway' });
    await until(() => log.open.length === 2, { what: 'reconnect despite 1008' });
    assert.deepEqual(calls, [[1008, 'retry anyway']]);
  });
});

describe('stats', () => {
  test('counts attempts, opens, messages sent and received', async () => {
    const rws = connect();
    const log = record(rws);
    assert.equal(rws.stats.attempts, 1);
    await until(() => log.open.length === 1, { what: 'open' });
    for (const m of ['a', 'b', 'c']) rws.send(m);
    await until(() => log.message.length === 3, { what: 'echoes' });
    let stats = rws.stats;
    assert.equal(stats.attempts, 1);
    assert.equal(stats.opens, 1);
    assert.equal(stats.messagesSent, 3);
    assert.equal(stats.messagesReceived, 3);
    assert.equal(stats.rttMs, null, 'no heartbeat, no RTT');

    let queuedWhileDown = false;
    rws.addEventListener('close', () => {
      if (!queuedWhileDown) rws.send('queued');
      queuedWhileDown = true;
    });
    await bed.control('drop');
    await until(() => log.message.length === 4, { what: 'echo of the message queued while down' });
    stats = rws.stats;
    assert.equal(stats.attempts, 2);
    assert.equal(stats.opens, 2);
    assert.equal(stats.messagesSent, 4);
    assert.equal(stats.messagesReceived, 4);
    assert.equal(stats.lastClose, 'connection-lost');
  });

  test('rttMs is measured after a heartbeat round trip', async () => {
    const rws = connect(HEARTBEAT);
    await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open' });
    const rtt = await until(() => rws.stats.rttMs !== null && { value: rws.stats.rttMs }, { what: 'rttMs' });
    assert.equal(typeof rtt.value, 'number');
    assert.ok(rtt.value >= 0 && rtt.value < 5000, `rttMs ${rtt.value}`);
  });
});

describe('ready verification', () => {
  test('verifyMessage alone: the first answer makes the socket ready; it is not dispatched', async () => {
    const rws = connect({ verifyMessage: { type: 'hello' } });
    const log = record(rws);
    await until(() => log.open.length === 1, { what: 'open after verification' });
    assert.equal(rws.stats.openToReadyMs >= 0, true);
    assert.deepEqual(log.message, [], 'the welcome went to the verifier');
  });

  test('verifyReply alone turns verification on (a server that speaks first); verifyTimeout alone does not', async () => {
    // The test bed never speaks first: with a judge and nothing sent, the check times out.
    const judged = connect({ verifyReply: () => true, verifyTimeout: 200, maxRetries: 0 });
    const closes = [];
    judged.addEventListener('close', (event) => closes.push(event.kind));
    await until(() => judged.state === 'failed', { what: 'failed after the check timed out' });
    assert.deepEqual(closes, ['verification-timeout']);
    // A timeout without a check is only a setting: the socket opens as usual.
    const plain = connect({ verifyTimeout: 200 });
    await until(() => plain.readyState === 1, { what: 'open without verification' });
  });

  test('verifyReply judging the answer false: closes as verification-failed and retries', async () => {
    const rws = connect({ verifyMessage: { type: 'hello' }, verifyReply: (data) => data.includes('nope') });
    const log = record(rws);
    await until(() => log.close.length >= 2, { what: 'two failed verifications' });
    assert.ok(log.close.every((e) => e.kind === 'verification-failed' && e.willRetry));
    assert.equal(log.open.length, 0);
  });

  test('verify(socket) resolving: ready; resolving false: verification-failed', async () => {
    const ok = connect({ verify: async (socket) => socket.readyState === 1 });
    await until(() => ok.readyState === ReconnectingWebSocket.OPEN, { what: 'open' });
    const bad = connect({ verify: async () => false });
    const log = record(bad);
    await until(() => log.close.length >= 1, { what: 'a failed verification' });
    assert.equal(log.close[0].kind, 'verification-failed');
  });
});

describe('ready verification with a greeting first', () => {
  test('verifyReply returning undefined keeps waiting (timeout), it does not fail the check', async () => {
    const rws = connect({ verifyMessage: { type: 'hello' }, verifyReply: () => undefined, verifyTimeout: 300 });
    const log = record(rws);
    await until(() => log.close.length >= 1, { what: 'the verification timeout' });
    assert.equal(log.close[0].kind, 'verification-timeout');
    assert.deepEqual(log.message, [], 'messages while verifying go to the check only');
  });
});
