// How an inbound message is classified, on the cases of tests/fixtures/inbound-cases.json,
// which the Rust face runs too (crates/ws-wasm/tests/browser.rs): the two faces agree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { loadRebound } from '../support/install.mjs';
import { root, until, useTestbed } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket } = await loadRebound();
const CASES = JSON.parse(readFileSync(join(root, 'tests', 'fixtures', 'inbound-cases.json'), 'utf8'));
const FAST = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 'none' };

let bed;
const sockets = [];
useTestbed((started) => (bed = started), sockets);

describe('inbound classification (the table both faces run)', () => {
  test('a verification answer equal to the heartbeat reply verifies (verification is asked first)', async () => {
    const c = CASES.verifyAnswerEqualToHeartbeatReply;
    const rws = new ReconnectingWebSocket(bed.wsUrl, undefined, {
      ...FAST,
      heartbeatInterval: 60_000,
      heartbeatMessage: c.heartbeatMessage,
      heartbeatReply: c.heartbeatReply,
      verifyMessage: c.verifyMessage,
      verifyTimeout: 2_000,
    });
    sockets.push(rws);
    let opened = 0;
    rws.addEventListener('open', () => opened++);
    await until(() => opened === 1, { what: 'ready' });
    assert.equal(rws.stats.lastClose, null, 'no verification timeout before it');
  });

  test('a reply whose id is not a whole number names no request: the app gets it, the request its own reply', async () => {
    const c = CASES.fractionalReplyId;
    const rws = new ReconnectingWebSocket(bed.wsUrl, undefined, FAST);
    sockets.push(rws);
    await until(() => rws.readyState === ReconnectingWebSocket.OPEN, { what: 'open' });
    const messages = [];
    rws.addEventListener('message', (event) => messages.push(event.data));
    rws.send(c.sentFirst); // echoed first, while request 1 waits
    const reply = await rws.request({ type: 'wait' });
    assert.equal(reply.id, 1);
    await until(() => messages.includes(c.sentFirst), { what: 'the fractional one delivered to the app' });
  });
});
