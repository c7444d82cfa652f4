// A real Chrome DevTools Protocol server: headless Chromium's browser endpoint, used the way
// the npm README's CDP example does (a URL provider reading webSocketDebuggerUrl from
// /json/version before every attempt, a Browser.getVersion ready check, request() with the
// default 'id' field). Then Chromium crashes (SIGKILL) with a request in flight and comes back
// on the same port with a new browser id: the request settles, the client keeps retrying
// through the failing provider, and reconnects to the new URL, verified.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';

import { startBrowser } from '../support/cdp-browser.mjs';
import { loadRebound } from '../support/install.mjs';
import { root, settle, until } from '../support/testbed.mjs';

const { ReconnectingWebSocket, WebSocket } = await loadRebound();


const browserId = (url) => new URL(url).pathname.match(/^\/devtools\/browser\/(.+)$/)?.[1];
const PRODUCT = /Chrome|HeadlessChrome/;

let browser;
let cdp;
const readies = []; // { at, url, openToReadyMs }
const closes = []; // close events
const errors = []; // error events
const states = []; // statechange states
const provided = []; // { ok, url | error }
const unhandled = [];
let queuedRequest; // made during the outage, answered after the restart
const onUnhandled = (error) => unhandled.push(error);

// The README's example, pointed at this browser's port.
const discoverDebuggerUrl = async () => {
  try {
    const url = (await (await fetch(`${browser.base}/json/version`)).json()).webSocketDebuggerUrl;
    provided.push({ ok: true, url });
    return url;
  } catch (error) {
    provided.push({ ok: false, error });
    throw error;
  }
};

const verify = (socket) =>
  new Promise((resolve, reject) => {
    socket.addEventListener('message', function onReply(event) {
      const reply = JSON.parse(event.data);
      if (reply.id !== 0) return;
      socket.removeEventListener('message', onReply);
      reply.error ? reject(new Error(reply.error.message)) : resolve();
    });
    socket.send(JSON.stringify({ id: 0, method: 'Browser.getVersion' }));
  });

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  browser = await startBrowser();
});

after(async () => {
  cdp?.close();
  await browser?.stop();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

describe('CDP: headless Chromium browser endpoint', () => {
  test('connects through the /json/version provider, verifies with Browser.getVersion, answers requests', async () => {
    cdp = new ReconnectingWebSocket(discoverDebuggerUrl, [], {
      WebSocket,
      minReconnectionDelay: 100,
      maxReconnectionDelay: 500,
      verify,
    });
    cdp.addEventListener('ready', (event) =>
      readies.push({ at: performance.now(), url: cdp.url, openToReadyMs: event.openToReadyMs }),
    );
    cdp.addEventListener('close', (event) => closes.push(event));
    cdp.addEventListener('error', (event) => errors.push(event));
    cdp.addEventListener('statechange', (event) => states.push(event.state));

    await until(() => readies.length === 1, { timeout: 15000, what: 'the first ready event' });
    assert.equal(cdp.state, 'open');
    assert.equal(cdp.readyState, ReconnectingWebSocket.OPEN);
    assert.ok(states.includes('verifying'), `states: ${states.join(' ')}`);
    assert.equal(readies[0].url, browser.version.webSocketDebuggerUrl);
    assert.ok(browserId(readies[0].url), readies[0].url);
    assert.equal(typeof readies[0].openToReadyMs, 'number');

    const { value: reply, error } = await settle(cdp.request({ method: 'Browser.getVersion' }));
    assert.equal(error, undefined);
    assert.equal(typeof reply.id, 'number');
    assert.match(reply.result.product, PRODUCT);

    const [version, targets] = await Promise.all([
      settle(cdp.request({ method: 'Browser.getVersion' })),
      settle(cdp.request({ method: 'Target.getTargets' })),
    ]);
    assert.equal(version.error, undefined);
    assert.equal(targets.error, undefined);
    assert.notEqual(version.value.id, targets.value.id);
    assert.match(version.value.result.product, PRODUCT);
    assert.ok(Array.isArray(targets.value.result.targetInfos), JSON.stringify(targets.value));
    assert.ok(
      targets.value.result.targetInfos.some((target) => target.type === 'page'),
      'about:blank is a page target',
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(closes, []);
  });

  test('SIGKILL with a request in flight: the request settles, the client retries through the failing provider', async () => {
    assert.equal(cdp?.state, 'open', 'needs the connection from the previous test');
    const closesBefore = closes.length;
    const providedBefore = provided.length;

    const pending = cdp.request({ method: 'Browser.getVersion' }, { timeout: 30000 });
    const killed = browser.kill('SIGKILL');
    const { value, error } = await settle(pending, 10000);
    if (error) {
      assert.equal(error.name, 'RequestError', String(error));
      assert.equal(error.reason, 'disconnected');
    } else {
      assert.match(value.result.product, PRODUCT); // Chromium answered before it died
    }
    const exit = await killed;
    assert.equal(exit?.signal, 'SIGKILL');

    await until(() => closes.length > closesBefore, { what: 'a close after the crash' });
    const lost = closes[closesBefore];
    assert.equal(lost.kind, 'connection-lost');
    assert.equal(lost.willRetry, true);

    // The browser is gone: the provider's fetch fails, each failure an error event and a close
    // of kind url-provider, and the client keeps retrying.
    await until(() => closes.slice(closesBefore).filter((c) => c.kind === 'url-provider').length >= 2, {
      what: 'two failed provider attempts',
    });
    assert.ok(provided.slice(providedBefore).some((p) => !p.ok));
    assert.ok(errors.length >= 1);
    for (const close of closes.slice(closesBefore)) assert.equal(close.willRetry, true, close.kind);
    assert.ok(['reconnecting', 'connecting'].includes(cdp.state), cdp.state);
    assert.equal(cdp.readyState, ReconnectingWebSocket.CONNECTING);
    assert.equal(readies.length, 1);

    // A request made while the browser is gone waits in the queue for the next connection
    // (settled in the next test; settle() holds its outcome from now on).
    queuedRequest = settle(cdp.request({ method: 'Target.getTargets' }, { timeout: 30000 }), 40000);
    assert.deepEqual(unhandled, []);
  });

  test('Chromium restarts on the same port: the client reconnects to the new debugger URL, verified', async () => {
    assert.equal(readies.length, 1, 'needs the outage from the previous test');
    const firstUrl = readies[0].url;
    const statesBefore = states.length;

    let restartFailed;
    const restarting = browser.restart();
    restarting.catch((error) => (restartFailed = error));
    const restarted = () => {
      if (restartFailed) throw restartFailed;
      return readies.length >= 2;
    };
    await until(restarted, { timeout: 30000, what: 'ready after the restart' });
    await restarting;
    const restartToReadyMs = Math.round(readies[1].at - browser.spawnedAt);
    console.log('cdp restart-to-ready ms', restartToReadyMs);
    try {
      const dir = join(root, 'target', 'bench');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cdp.json'), `${JSON.stringify({ restart_to_ready_ms: restartToReadyMs })}\n`);
    } catch (error) {
      console.log('cdp: could not write target/bench/cdp.json:', error.message);
    }
    assert.ok(restartToReadyMs > 0 && restartToReadyMs < 30000, `restart-to-ready ${restartToReadyMs} ms`);

    assert.equal(readies.length, 2);
    const secondUrl = readies[1].url;
    assert.notEqual(secondUrl, firstUrl);
    assert.notEqual(browserId(secondUrl), browserId(firstUrl));
    assert.equal(secondUrl, browser.version.webSocketDebuggerUrl);
    assert.equal(cdp.state, 'open');
    assert.ok(states.slice(statesBefore).includes('verifying'), 're-verified');

    const queued = await queuedRequest;
    assert.equal(queued.error, undefined, String(queued.error));
    assert.ok(Array.isArray(queued.value.result.targetInfos), JSON.stringify(queued.value));

    const { value: reply, error } = await settle(cdp.request({ method: 'Browser.getVersion' }));
    assert.equal(error, undefined);
    assert.match(reply.result.product, PRODUCT);
    assert.deepEqual(unhandled, []);
  });
});
