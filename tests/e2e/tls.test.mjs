// Mixed content, for real: the npm package's browser build on an https:// page served by the
// test bed with --tls (a self-signed certificate made at its start, which the browser is told
// to accept), in headless Chromium (and Firefox: tls-firefox.test.mjs). Checks the README's promises: a
// `ws://` string URL throws a SecurityError in the constructor; page-relative (`/ws`) and
// protocol-relative (`//host/ws`) URLs become `wss://`; a provider returning `ws://` fails
// each attempt (`error` carrying the SecurityError, close kind `url-provider`) without opening
// a socket; and a reconnect over wss:// after a TCP reset.
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/tls.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startTestbed, until } from '../support/testbed.mjs';
import { launchBrowser } from '../support/browsers.mjs';

const dist = join(root, 'npm', 'dist');
/** Bound of every wait in the page (ms): generous, only there so a failure cannot hang. */
const WAIT_MS = 15000;

// The page: the package's browser build, and a bounded wait for one event of a socket.
const INDEX_HTML = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>rebound-ws over TLS</title>
<script type="module">
  import ReconnectingWebSocket from './index.js';
  window.ReconnectingWebSocket = ReconnectingWebSocket;
  window.sockets = [];
  /** Resolves with the next event of \`type\` that passes \`accept\`; rejects after \`ms\`. */
  window.next = (rws, type, ms, accept = () => true) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        rws.removeEventListener(type, listener);
        reject(new Error('no ' + type + ' event within ' + ms + ' ms'));
      }, ms);
      const listener = (event) => {
        if (!accept(event)) return;
        clearTimeout(timer);
        rws.removeEventListener(type, listener);
        resolve(event);
      };
      rws.addEventListener(type, listener);
    });
  window.reboundLoaded = true;
</script>
</html>
`;

let bed;
let browser;
let page;
let www;
const pageErrors = [];

before(async () => {
  for (const file of ['index.js', 'rebound.wasm']) {
    assert.ok(existsSync(join(dist, file)), `npm/dist/${file} is built (make package)`);
  }
  www = mkdtempSync(join(tmpdir(), 'rebound-tls-'));
  copyFileSync(join(dist, 'index.js'), join(www, 'index.js'));
  copyFileSync(join(dist, 'rebound.wasm'), join(www, 'rebound.wasm'));
  writeFileSync(join(www, 'index.html'), INDEX_HTML);
  bed = await startTestbed({ www, tls: true });
  assert.match(bed.base, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(bed.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
  browser = await launchBrowser({ tls: true });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${bed.base}/`);
  await page.waitForFunction(() => window.reboundLoaded === true, null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => location.protocol), 'https:');
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
});

after(async () => {
  await browser?.close();
  bed?.stop();
  if (www) rmSync(www, { recursive: true, force: true });
});

/**
 * Closes every socket the page made, waits until the bed has none left, and forgets its
 * records; returns its `accepted` count now.
 */
async function fresh() {
  await page.evaluate(() => {
    for (const rws of window.sockets.splice(0)) rws.close();
  });
  await until(async () => (await bed.stats()).live === 0, { timeout: WAIT_MS, what: 'no live connection' });
  await bed.reset();
  return (await bed.stats()).accepted;
}

/** In the page: a socket on `url`, its `open`, then `text` sent and the next message's data. */
function openAndEcho(url, text) {
  return page.evaluate(
    async ({ url, text, ms }) => {
      const rws = new window.ReconnectingWebSocket(url);
      window.sockets.push(rws);
      await window.next(rws, 'open', ms);
      const echo = window.next(rws, 'message', ms);
      rws.send(text);
      return { url: rws.url, readyState: rws.readyState, echoed: (await echo).data };
    },
    { url, text, ms: WAIT_MS },
  );
}

test('a ws:// string URL throws a SecurityError in the constructor', async () => {
  const acceptedBefore = await fresh();
  const thrown = await page.evaluate((url) => {
    try {
      window.sockets.push(new window.ReconnectingWebSocket(url));
      return null;
    } catch (error) {
      return { isDOMException: error instanceof DOMException, name: error.name, message: error.message };
    }
  }, `ws://127.0.0.1:${bed.port}/ws`);
  assert.ok(thrown, 'the constructor threw');
  assert.equal(thrown.isDOMException, true, `a DOMException: ${JSON.stringify(thrown)}`);
  assert.equal(thrown.name, 'SecurityError', thrown.message);
  const stats = await bed.stats();
  assert.equal(stats.accepted, acceptedBefore, 'no connection reached the test bed');
});

test('a page-relative URL (/ws) becomes wss:// and echoes', async () => {
  await fresh();
  const result = await openAndEcho('/ws', 'hello over wss (page-relative)');
  assert.equal(result.url, `wss://127.0.0.1:${bed.port}/ws`);
  assert.equal(result.readyState, 1);
  assert.equal(result.echoed, 'hello over wss (page-relative)');
  const stats = await bed.stats();
  assert.deepEqual(stats.connections.map((c) => c.received), [['hello over wss (page-relative)']]);
});

test('a protocol-relative URL (//host/ws) becomes wss:// and opens', async () => {
  await fresh();
  const result = await openAndEcho(`//127.0.0.1:${bed.port}/ws`, 'hello over wss (protocol-relative)');
  assert.equal(result.url, `wss://127.0.0.1:${bed.port}/ws`);
  assert.equal(result.readyState, 1);
  assert.equal(result.echoed, 'hello over wss (protocol-relative)');
});

test('a provider returning ws:// fails each attempt with a SecurityError and url-provider', async () => {
  const acceptedBefore = await fresh();
  const ATTEMPTS = 3;
  const seen = await page.evaluate(
    async ({ url, attempts, ms }) => {
      let calls = 0;
      const errors = [];
      const closes = [];
      const rws = new window.ReconnectingWebSocket(
        () => {
          calls += 1;
          return url;
        },
        [],
        { minReconnectionDelay: 50, maxReconnectionDelay: 200 },
      );
      window.sockets.push(rws);
      let opened = false;
      rws.addEventListener('open', () => (opened = true));
      rws.addEventListener('error', (event) => {
        const e = event.error;
        errors.push({ name: e?.name, isDOMException: e instanceof DOMException, message: e?.message ?? null });
      });
      // Resolves at the `attempts`-th close (bounded by `next`'s own deadline).
      await window.next(rws, 'close', ms, (event) => {
        closes.push({ kind: event.kind, willRetry: event.willRetry, hint: event.hint });
        return closes.length >= attempts;
      });
      rws.close();
      return { calls, errors, closes, opened, url: rws.url };
    },
    { url: `ws://127.0.0.1:${bed.port}/ws`, attempts: ATTEMPTS, ms: WAIT_MS },
  );
  assert.equal(seen.opened, false);
  assert.equal(seen.closes.length, ATTEMPTS);
  assert.ok(seen.calls >= ATTEMPTS, `the provider was called before every attempt (${seen.calls})`);
  for (const close of seen.closes) {
    assert.equal(close.kind, 'url-provider', JSON.stringify(close));
    assert.equal(close.willRetry, true, JSON.stringify(close));
  }
  // One error per failed attempt, each carrying the SecurityError (a close follows each).
  assert.ok(seen.errors.length >= ATTEMPTS, JSON.stringify(seen.errors));
  for (const error of seen.errors) {
    assert.equal(error.name, 'SecurityError', JSON.stringify(error));
    assert.equal(error.isDOMException, true, JSON.stringify(error));
  }
  const stats = await bed.stats();
  assert.equal(stats.accepted, acceptedBefore, 'no socket reached the test bed');
  assert.deepEqual(stats.connections, []);
});

test('a reconnect over wss:// after a TCP reset, and an echo after it', async () => {
  const acceptedBefore = await fresh();
  const result = await page.evaluate(
    async ({ url, ms }) => {
      const rws = new window.ReconnectingWebSocket(url, [], { minReconnectionDelay: 100, maxReconnectionDelay: 500 });
      window.sockets.push(rws);
      await window.next(rws, 'open', ms);
      window.firstUrl = rws.url;
      window.reconnecting = {
        close: window.next(rws, 'close', ms).then((e) => ({ kind: e.kind, willRetry: e.willRetry, code: e.code })),
        open: window.next(rws, 'open', ms),
      };
      return rws.url;
    },
    { url: bed.wsUrl, ms: WAIT_MS },
  );
  assert.equal(result, bed.wsUrl);
  const dropped = await bed.control('drop');
  assert.equal(dropped.affected, 1);
  const second = await page.evaluate(async (ms) => {
    const rws = window.sockets.at(-1);
    const close = await window.reconnecting.close;
    await window.reconnecting.open;
    const echo = window.next(rws, 'message', ms);
    rws.send('after the reconnect');
    return { close, echoed: (await echo).data, url: rws.url, opens: rws.stats.opens };
  }, WAIT_MS);
  assert.equal(second.close.willRetry, true, JSON.stringify(second.close));
  assert.equal(second.close.kind, 'connection-lost', JSON.stringify(second.close));
  assert.equal(second.url, bed.wsUrl);
  assert.equal(second.opens, 2);
  assert.equal(second.echoed, 'after the reconnect');
  const stats = await bed.stats();
  assert.equal(stats.accepted - acceptedBefore, 2, 'two connections accepted: before and after the reset');
  assert.deepEqual(
    stats.connections.map((c) => c.received),
    [[], ['after the reconnect']],
  );
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
