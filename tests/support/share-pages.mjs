// The harness of the `share` suites: the packed package served by the test bed (http, or
// https with `tls`), pages of one browser context (one origin) each with one instance whose
// events are logged, and the checks they all use. Each test gets a fresh context; after it,
// the bed has no live connection left and forgets its records.
import { before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { root, startTestbed, until } from './testbed.mjs';
import { BROWSER, launchBrowser, launchHiddenTabs } from './browsers.mjs';
import { launchChromium } from './chromium.mjs';

const dist = process.env.REBOUND_DIST ?? join(root, 'npm', 'dist');
/** Bound of every wait (ms): generous, only there so a failure cannot hang. */
export const WAIT = 15000;

// The page: the package, one instance (window.ws) whose events are logged, and a lock of its
// own (`probe:<random>`) so the test can tell which page holds the leader's lock.
// `make(share, url, options)`; `makeWithProvider(share, url, options)` gives the instance a
// URL provider returning `url` (and counts its calls in window.providerCalls).
export const INDEX_HTML = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>rebound-ws share</title>
<script type="module">
  import ReconnectingWebSocket from './index.js';
  window.ReconnectingWebSocket = ReconnectingWebSocket;
  window.log = [];
  window.warnings = [];
  window.providerCalls = 0;
  const warn = console.warn;
  console.warn = (...args) => (window.warnings.push(args.join(' ')), warn(...args));
  window.make = (share, url = '/ws', options = {}) => {
    const ws = new ReconnectingWebSocket(url, [], { share, minReconnectionDelay: 100, maxReconnectionDelay: 500, ...options });
    for (const t of ['open', 'close', 'ready', 'message', 'statechange', 'drop']) {
      ws.addEventListener(t, (e) => window.log.push({ t, data: e.data, state: e.state, code: e.code, reason: e.reason, kind: e.kind, retryIn: e.retryIn, at: Date.now() }));
    }
    window.ws = ws;
  };
  window.makeWithProvider = (share, url, options = {}) =>
    window.make(share, () => (window.providerCalls++, url), options);
  /** Events of type t (with data \`data\`, if given) logged from index \`from\` on. */
  window.count = (t, data, from = 0) => window.log.slice(from).filter((e) => e.t === t && (data === undefined || e.data === data)).length;
  window.probe = 'probe:' + Math.random().toString(36).slice(2);
  navigator.locks?.request(window.probe, () => new Promise(() => {})).catch(() => {}); // refused in one test
  window.loaded = true;
</script></html>
`;

/**
 * A temporary folder for the bed to serve: the package as a browser app gets it (the entry,
 * its wasm, and the share module with its wasm), index.html (INDEX_HTML), `files` (name →
 * text) and `copies` (name → a file to copy).
 */
export function packageFolder(files = {}, copies = {}) {
  const www = mkdtempSync(join(tmpdir(), 'rebound-share-'));
  for (const [name, from] of Object.entries(copies)) {
    mkdirSync(dirname(join(www, name)), { recursive: true });
    copyFileSync(from, join(www, name));
  }
  for (const file of ['index.js', 'rebound.wasm', 'share-wasm.js', 'rebound-share.wasm']) {
    assert.ok(existsSync(join(dist, file)), `${dist}/${file} is built (make package)`);
    copyFileSync(join(dist, file), join(www, file));
  }
  writeFileSync(join(www, 'index.html'), INDEX_HTML);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(www, name), text);
  return www;
}

/**
 * The package served for a suite: before the first test, the package folder (`copies`: see
 * packageFolder) served by a test bed (`tls`: over https); after the last, the bed stopped
 * and the folder removed. Returns `{ bed, www }`, filled in `before`.
 */
export function useServedPackage({ tls = false, copies = {} } = {}) {
  const env = { bed: null, www: null };
  before(async () => {
    env.www = packageFolder({}, copies);
    env.bed = await startTestbed({ www: env.www, tls });
  });
  after(async () => {
    env.bed?.stop();
    if (env.www) rmSync(env.www, { recursive: true, force: true });
  });
  return env;
}

/**
 * A suite in really hidden tabs: the package served (useServedPackage) and a hidden-tab
 * browser (launchHiddenTabs), closed after the last test. Returns `{ bed, www, browser }`,
 * filled in `before`.
 */
export function useHiddenTabs(copies = {}) {
  const env = useServedPackage({ copies });
  env.browser = null;
  before(async () => {
    env.browser = await launchHiddenTabs();
  });
  after(async () => {
    await env.browser?.close();
  });
  return env;
}

/**
 * Sets the suite up (before/after hooks) and returns its harness. `tls`: the bed and pages on
 * https; `throttled`: Chromium with its default background throttling (Playwright turns it
 * off unless told not to), as a user's browser runs; `files` and `copies`: see packageFolder.
 */
export function useSharePages({ tls = false, throttled = false, files = {}, copies = {} } = {}) {
  const h = { bed: null, browser: null, context: null, pageErrors: [], www: null };
  before(async () => {
    h.www = packageFolder(files, copies);
    h.bed = await startTestbed({ www: h.www, tls });
    if (BROWSER === 'chromium') {
      const args = tls ? ['--ignore-certificate-errors'] : [];
      const ignoreDefaultArgs = throttled
        ? ['--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding']
        : undefined;
      h.browser = await launchChromium({ args, ignoreDefaultArgs });
    } else {
      h.browser = await launchBrowser({ tls }); // Firefox throttles its background tabs: always
    }
  });
  after(async () => {
    await h.browser?.close();
    h.bed?.stop();
    if (h.www) rmSync(h.www, { recursive: true, force: true });
  });
  afterEach(async () => {
    await h.context?.close();
    h.context = null;
    await until(async () => (await h.bed.stats()).live === 0, { timeout: WAIT, what: 'no live connection' });
    await h.bed.reset();
  });

  h.newContext = async () => {
    h.context = await h.browser.newContext();
    h.pageErrors = [];
    return h.context;
  };

  /** A loaded page in the current context (`init`: an init script for this page only). */
  h.newPage = async (init, path = 'index.html') => {
    const page = await h.context.newPage();
    page.on('pageerror', (error) => h.pageErrors.push(String(error)));
    if (init) await page.addInitScript(init);
    await page.goto(`${h.bed.base}/${path}`);
    await page.waitForFunction(() => window.loaded === true, null, { timeout: WAIT });
    return page;
  };

  /** `n` pages, each with one instance (created in order, page 0 first). */
  h.openPages = async (n, share = true, url = '/ws', options = {}) => {
    const pages = [];
    for (let i = 0; i < n; i++) {
      const page = await h.newPage();
      await page.evaluate(([s, u, o]) => window.make(s, u, o), [share, url, options]);
      pages.push(page);
    }
    return pages;
  };

  /** Waits until the page's instance is open and has fired `ready` more than `readies` times. */
  h.untilOpen = (page, readies = 0) =>
    page.waitForFunction((r) => window.ws.state === 'open' && window.count('ready') > r, readies, { timeout: WAIT });

  h.stats = () => h.bed.stats();
  h.untilStats = (check, what) => until(async () => check(await h.stats()), { timeout: WAIT, what });

  /** The index in `pages` of the page holding the leader's lock (asked in `pages[asker]`). */
  h.leaderIndex = async (pages, asker = 0) => {
    const { held } = await pages[asker].evaluate(() => navigator.locks.query());
    const hub = held.filter((l) => /^rebound-ws[:/]/.test(l.name) && !l.name.includes(':member:') && !l.name.includes(':hub:'));
    assert.equal(hub.length, 1, `one leader lock: ${JSON.stringify(held)}`);
    const probes = await Promise.all(pages.map((p) => (p.isClosed() ? null : p.evaluate(() => window.probe).catch(() => null))));
    const index = probes.findIndex((probe) => probe && held.some((l) => l.name === probe && l.clientId === hub[0].clientId));
    assert.ok(index >= 0, 'the leader lock is held by one of the pages');
    return index;
  };
  return h;
}

/** Asserts that `list` holds every item of `expected` exactly once, in that order. */
export function assertOnceInOrder(list, expected, what) {
  const mine = list.filter((m) => expected.includes(m));
  assert.deepEqual(mine, expected, `${what}: each exactly once, in order`);
}
