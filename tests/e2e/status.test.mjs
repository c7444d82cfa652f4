// <rebound-status> (npm/dist/status.js) in headless Chromium (and Firefox:
// status-firefox.test.mjs) against the Rust test bed: every
// state with its text, icon, data-state and ARIA; the grace period; Retry by keyboard; a
// hostile close reason shown as text; listeners detached on removal and on a new socket; a
// strict-CSP page importing it by relative URL; and its min+gzip size (React, Vue and Svelte:
// tests/e2e/frameworks.test.mjs). Waits are generous and bounded; nothing asserts timing.
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/status.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, startTestbed, until } from '../support/testbed.mjs';
import { BROWSER, launchBrowser } from '../support/browsers.mjs';

const dist = join(root, 'npm', 'dist');
/** Bound of every wait (ms): generous, only there so a failure cannot hang. */
const WAIT = 15000;
const ICONS = { connected: '●', connecting: '↻', reconnecting: '↻', offline: '⚠', disconnected: '○', error: '!' };
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 100 };
const REFUSED = 'The server refused the connection: ';

// The plain page: page.js loads the package and the element and gives the tests helpers.
const PAGE_HTML = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>rebound-status</title>
<script type="module" src="./page.js"></script></html>
`;
const PAGE_JS = `import ReconnectingWebSocket from './index.js';
import './status.js';

/** A socket on the bed's /ws. */
window.socket = (options = {}) => new ReconnectingWebSocket('/ws', [], options);

/** Wraps ws.add/removeEventListener to count the listeners added from now on. */
window.counted = (ws) => {
  const live = new Map(); // type → Set of listeners
  const { addEventListener: add, removeEventListener: remove } = ws;
  ws.addEventListener = function (type, fn, options) {
    if (!live.has(type)) live.set(type, new Set());
    live.get(type).add(fn);
    return add.call(this, type, fn, options);
  };
  ws.removeEventListener = function (type, fn, options) {
    live.get(type)?.delete(fn);
    return remove.call(this, type, fn, options);
  };
  ws.listeners = () => [...live].flatMap(([type, fns]) => [...fns].map(() => type)).sort();
  return ws;
};

/** Puts a <rebound-status> showing \`ws\` in the page; window.states() = every data-state it had. */
window.mount = (ws) => {
  const el = document.createElement('rebound-status');
  const old = [];
  new MutationObserver((records) => old.push(...records.map((r) => r.oldValue))).observe(el, {
    attributes: true, attributeFilter: ['data-state'], attributeOldValue: true,
  });
  window.states = () => [...old, el.dataset.state].filter((s, i, all) => s && s !== all[i - 1]);
  window.clearStates = () => old.splice(0);
  el.socket = ws;
  document.body.append(el);
  return el;
};

/** What the element shows now. */
window.view = (el = document.querySelector('rebound-status')) => {
  const part = (name) => el.shadowRoot.querySelector('[part=' + name + ']');
  const retry = part('retry');
  const active = document.activeElement;
  return {
    state: el.dataset.state ?? null,
    role: el.getAttribute('role'),
    live: el.getAttribute('aria-live'),
    icon: part('icon')?.textContent ?? null,
    text: part('text')?.textContent ?? null,
    retry: retry && { tag: retry.localName, shown: retry.checkVisibility(), disabled: retry.getAttribute('aria-disabled') },
    focus: active === el ? (el.shadowRoot.activeElement === retry ? 'retry' : 'host') : active?.localName ?? null,
  };
};
window.ready = true;
`;

// The strict-CSP page: no inline script or style allowed; relative imports, no import map.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' ws://127.0.0.1:*";
const CSP_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>rebound-status under a strict CSP</title>
<script type="module" src="./csp.js"></script></head><body></body></html>
`;
const CSP_JS = `import ReconnectingWebSocket from './index.js';
import './status.js';
const el = document.createElement('rebound-status');
el.socket = new ReconnectingWebSocket('/ws');
document.body.append(el);
`;

let bed;
let browser;
let context;
let page;
let www;
const errors = [];

before(async () => {
  for (const file of ['index.js', 'rebound.wasm', 'status.js', 'size.json']) {
    assert.ok(existsSync(join(dist, file)), `npm/dist/${file} is built (make package)`);
  }
  www = mkdtempSync(join(tmpdir(), 'rebound-status-'));
  for (const file of ['index.js', 'rebound.wasm', 'status.js']) copyFileSync(join(dist, file), join(www, file));
  writeFileSync(join(www, 'index.html'), PAGE_HTML);
  writeFileSync(join(www, 'page.js'), PAGE_JS);
  writeFileSync(join(www, 'csp.html'), CSP_HTML);
  writeFileSync(join(www, 'csp.js'), CSP_JS);
  bed = await startTestbed({ www });
  browser = await launchBrowser();
  context = await browser.newContext({ colorScheme: 'light' });
  page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.stack ?? error}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console.error: ${m.text()} [${m.location()?.url}]`));
  // Injected by the browser, so the CSP does not apply to it: every violation on every page.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
});

after(async () => {
  await browser?.close();
  bed?.stop();
  if (www) rmSync(www, { recursive: true, force: true });
});

/** A fresh page at `path`: the last page's sockets gone from the bed, its faults reset. */
async function open(path = '/') {
  await page.goto('about:blank');
  await until(async () => (await bed.stats()).live === 0, { timeout: WAIT, what: 'no live connection on the bed' });
  await bed.reset();
  await page.goto(bed.base + path);
  if (path === '/') await page.waitForFunction(() => window.ready === true, null, { timeout: WAIT });
}

/** Resolves with the element's view once it is in `state` with a text equal to / matching `text`. */
async function waitView(state, text) {
  const want = typeof text === 'string' ? { exact: text } : { source: text.source, flags: text.flags };
  try {
    const handle = await page.waitForFunction(
      ({ state, want }) => {
        const view = document.querySelector('rebound-status') && window.view();
        if (!view || view.state !== state) return false;
        return ('exact' in want ? view.text === want.exact : new RegExp(want.source, want.flags).test(view.text)) && view;
      },
      { state, want },
      { timeout: WAIT, polling: 20 },
    );
    return await handle.jsonValue();
  } catch (error) {
    const last = await page.evaluate(() => window.view?.()).catch(() => null);
    throw new Error(`no "${state}" view with text ${text} within ${WAIT} ms; last view: ${JSON.stringify(last)} (${error.message})`);
  }
}

/** The DOM contract of one view: host role and live region, the state's icon, the Retry button. */
function checkView(view, state, { retry }) {
  assert.equal(view.state, state, JSON.stringify(view));
  assert.equal(view.role, 'status', 'role="status" on the host');
  assert.equal(view.live, 'polite', 'aria-live="polite" on the host');
  assert.equal(view.icon, ICONS[state], `icon of ${state}`);
  assert.equal(view.retry?.tag, 'button', 'part retry is a <button>');
  assert.equal(view.retry.shown, retry, `Retry ${retry ? 'shown' : 'hidden'} in ${state}: ${JSON.stringify(view)}`);
}

/** Mounts an element on a new socket with `options`; resolves once it shows connected. */
async function mountConnected(options = FAST) {
  await page.evaluate((o) => {
    window.ws = window.socket(o);
    window.mount(window.ws);
  }, options);
  return waitView('connected', 'Connected');
}

test('states: connecting on the first connect, then connected', async () => {
  await open();
  await bed.control('slow-upgrade', { ms: 1500 });
  await page.evaluate(() => window.mount(window.socket()));
  checkView(await waitView('connecting', 'Connecting…'), 'connecting', { retry: false });
  await bed.control('reset');
  checkView(await waitView('connected', 'Connected'), 'connected', { retry: false });
  assert.deepEqual(await page.evaluate(() => window.states()), ['connecting', 'connected']);
});

test('states: reconnecting with a countdown while the server is down, then connected', async () => {
  await open();
  await mountConnected({ maxRetries: 20 });
  await bed.control('down', { ms: 3000 });
  const view = await waitView('reconnecting', /^Reconnecting · retrying in \d+ s · attempt [1-9]\d* of 20$/);
  checkView(view, 'reconnecting', { retry: false });
  checkView(await waitView('connected', 'Connected'), 'connected', { retry: false });
});

test('states: disconnected after ws.close(), with Retry', async () => {
  await open();
  await mountConnected();
  await page.evaluate(() => window.ws.close());
  const view = await waitView('disconnected', 'Disconnected');
  checkView(view, 'disconnected', { retry: true });
  assert.equal(view.retry.disabled, 'false');
});

test('states: error on a 1008 close, whose side and the reason, with Retry', async () => {
  await open();
  await mountConnected();
  await bed.control('close', { code: 1008, reason: 'token expired' });
  const view = await waitView('error', `${REFUSED}token expired`);
  checkView(view, 'error', { retry: true });
  assert.equal(view.retry.disabled, 'false');
});

test('states: offline while the browser is offline, then connected when it is back', async () => {
  await open();
  // A network that goes away: the browser says so (`offline`) and the link carries nothing (the
  // bed reads and answers nothing; Chromium's emulation also stops an open socket's traffic,
  // Firefox's does not). On `offline` the package probes the open socket (the heartbeat
  // message, so heartbeatInterval is set), closes it when the probe goes unanswered and waits
  // for the network.
  await mountConnected({ ...FAST, heartbeatInterval: 30000, probeTimeout: 1000 });
  try {
    await bed.control('blackhole', { ms: 3000 });
    await context.setOffline(true);
    checkView(await waitView('offline', 'Waiting for network…'), 'offline', { retry: false });
  } finally {
    await context.setOffline(false);
  }
  checkView(await waitView('connected', 'Connected'), 'connected', { retry: false });
  assert.ok((await page.evaluate(() => window.states())).includes('offline'));
});

test('grace: a short blip never shows reconnecting; a 3 s outage does', async () => {
  await open();
  await mountConnected(FAST); // default grace: 500 ms
  // The blip must really be short for the claim to apply: measured in the page (close → open),
  // and tried again (at most 3 times) if this machine was too busy to reconnect well within it.
  const tries = [];
  for (let i = 0; i < 3; i++) {
    await page.evaluate((ms) => {
      window.clearStates();
      window.blip = new Promise((resolve, reject) => {
        let closedAt;
        setTimeout(() => reject(new Error(`no reopen within ${ms} ms`)), ms);
        window.ws.addEventListener('close', () => (closedAt = performance.now()), { once: true });
        window.ws.addEventListener('open', () => resolve(performance.now() - closedAt), { once: true });
      });
    }, WAIT);
    assert.equal((await bed.control('drop')).affected, 1);
    const outage = await page.evaluate(() => window.blip);
    await page.waitForTimeout(1000); // past the grace period: a late re-render would show now
    const states = await page.evaluate(() => window.states());
    tries.push({ outage: Math.round(outage), states });
    if (outage < 400) break;
  }
  const blip = tries.at(-1);
  assert.ok(blip.outage < 400, `no blip short enough on this machine: ${JSON.stringify(tries)}`);
  assert.deepEqual(blip.states, ['connected'], `a ${blip.outage} ms blip: ${JSON.stringify(tries)}`);

  await page.evaluate(() => window.clearStates());
  await bed.control('down', { ms: 3000 });
  await page.waitForFunction(() => window.states().includes('reconnecting'), null, { timeout: WAIT });
  await waitView('connected', 'Connected');
  assert.deepEqual((await page.evaluate(() => window.states())).slice(0, 2), ['connected', 'reconnecting']);
});

/** Presses Tab (at most 3 times) until the focus is on Retry; fails naming where it went. */
async function tabToRetry() {
  const stops = [];
  while (stops.length < 3 && stops.at(-1) !== 'retry') {
    await page.keyboard.press('Tab');
    stops.push((await page.evaluate(() => window.view())).focus);
  }
  assert.equal(stops.at(-1), 'retry', `Tab reaches the Retry button (focus went to: ${stops.join(', ')})`);
}

test('Retry by keyboard: Tab, Enter; aria-disabled while it connects; focus stays on the element', async () => {
  await open();
  await mountConnected();
  for (const round of [1, 2]) {
    await bed.control('close', { code: 1008, reason: 'token expired' });
    await waitView('error', `${REFUSED}token expired`);
    // Every change of the state or of the button, with where the focus is right after it.
    await page.evaluate(() => {
      const el = document.querySelector('rebound-status');
      window.trail = [];
      window.observer?.disconnect();
      const observer = (window.observer = new MutationObserver(() => window.trail.push(window.view(el))));
      observer.observe(el, { attributes: true, attributeFilter: ['data-state'] });
      observer.observe(el.shadowRoot.querySelector('[part=retry]'), { attributes: true, attributeFilter: ['hidden', 'aria-disabled'] });
    });
    await tabToRetry();
    await page.keyboard.press('Enter');
    await waitView('connected', 'Connected');
    const trail = await page.evaluate(() => window.trail);
    const where = `round ${round}: ${JSON.stringify(trail)}`;
    assert.deepEqual(trail.map((v) => v.state).filter((s, i, all) => s !== all[i - 1]), ['connecting', 'connected'], where);
    for (const view of trail) {
      if (view.state === 'connecting') assert.deepEqual([view.retry.shown, view.retry.disabled], [true, 'true'], where);
      if (view.state === 'connected') assert.equal(view.retry.shown, false, where);
      assert.ok(['retry', 'host'].includes(view.focus), `focus left the element: ${where}`);
    }
    const last = await page.evaluate(() => window.view());
    assert.equal(last.focus, 'host', `focus moves to the host when Retry goes away: ${JSON.stringify(last)}`);
    // The user moves on (a click elsewhere); the next error's Retry must still be reachable by Tab.
    await page.mouse.click(600, 400);
  }
});

test('a close reason with markup is shown as text, never parsed', async () => {
  await open();
  await mountConnected();
  const reason = '<img src=x onerror="window.__pwned=1">';
  await bed.control('close', { code: 1008, reason });
  const view = await waitView('error', REFUSED + reason);
  checkView(view, 'error', { retry: true });
  await page.waitForTimeout(500); // an <img src=x> would have failed to load (and run onerror) by now
  const seen = await page.evaluate(() => {
    const shadow = document.querySelector('rebound-status').shadowRoot;
    return {
      imgs: shadow.querySelectorAll('img').length + document.querySelectorAll('img').length,
      markup: shadow.innerHTML.includes('<img'),
      literal: shadow.textContent.includes('<img src=x onerror="window.__pwned=1">'),
      pwned: typeof window.__pwned,
    };
  });
  assert.deepEqual(seen, { imgs: 0, markup: false, literal: true, pwned: 'undefined' });
});

test('detach: removal and a new socket take every listener off; re-adding attaches again', async () => {
  await open();
  const counts = await page.evaluate(() => {
    const [a, b] = [window.counted(window.socket()), window.counted(window.socket())];
    window.a = a;
    window.b = b;
    const el = document.createElement('rebound-status');
    el.socket = a;
    const out = { detachedAtFirst: a.listeners() };
    document.body.append(el);
    out.attached = a.listeners();
    el.remove();
    out.removed = a.listeners();
    document.body.append(el);
    out.readded = a.listeners();
    el.socket = b;
    out.switchedA = a.listeners();
    out.switchedB = b.listeners();
    return out;
  });
  const all = JSON.stringify(counts);
  assert.deepEqual(counts.detachedAtFirst, [], `none while not in the page: ${all}`);
  assert.ok(counts.attached.length > 0, `the element listens while in the page: ${all}`);
  assert.deepEqual(counts.removed, [], `every listener off after remove(): ${all}`);
  assert.deepEqual(counts.readded, counts.attached, `re-adding attaches the same again: ${all}`);
  assert.deepEqual(counts.switchedA, [], `a new socket: every listener off the first: ${all}`);
  assert.deepEqual(counts.switchedB, counts.attached, `…and on the second: ${all}`);
  // It now shows the second socket only: the first one closing changes nothing.
  await waitView('connected', 'Connected');
  await page.evaluate(() => window.a.close());
  await page.waitForTimeout(300);
  assert.equal((await page.evaluate(() => window.view())).state, 'connected');
  const final = await page.evaluate(() => {
    document.querySelector('rebound-status').remove();
    return window.b.listeners();
  });
  assert.deepEqual(final, []);
});

test('strict CSP: imported by relative URL, styled by its own stylesheet, no violation', async () => {
  await open('/csp.html');
  await page.waitForSelector('rebound-status[data-state="connected"]', { state: 'attached', timeout: WAIT });
  const style = await page.evaluate(() => {
    const el = document.querySelector('rebound-status');
    const host = getComputedStyle(el);
    const icon = getComputedStyle(el.shadowRoot.querySelector('[part=icon]'));
    return {
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content,
      display: host.display,
      border: `${host.borderTopWidth} ${host.borderTopStyle} ${host.borderTopColor}`,
      icon: icon.color,
    };
  });
  assert.equal(style.csp, CSP);
  // #1a7f37: the connected accent (an unstyled element would be `inline` with no border).
  assert.deepEqual(style, { csp: CSP, display: 'inline-flex', border: '1px solid rgb(26, 127, 55)', icon: 'rgb(26, 127, 55)' });
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  // The control: an inline <style> is refused here, and the listener above hears it.
  await page.evaluate(() => document.head.append(Object.assign(document.createElement('style'), { textContent: 'p {}' })));
  await page.waitForFunction(() => window.__violations.length > 0, null, { timeout: WAIT });
  assert.match((await page.evaluate(() => window.__violations))[0], /^style-src/);
});

test('size: <rebound-status> is within its budget (size-budget.json) min+gzip', () => {
  const size = JSON.parse(readFileSync(join(dist, 'size.json'), 'utf8'));
  const measured = gzipSync(readFileSync(join(dist, 'status.js')), { level: 9 }).length;
  console.log(`# <rebound-status>: ${size.status_gz_bytes} bytes min+gzip (size.json), ${measured} measured`);
  assert.equal(size.status_gz_bytes, measured, 'size.json describes this npm/dist/status.js');
  const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8')).status;
  assert.ok(size.status_gz_bytes <= budget, `${size.status_gz_bytes} bytes (size-budget.json: ${budget})`);
});

test('no page errors', () => {
  // The browser logs every refused handshake itself (the outages above make some), the favicon
  // the pages do not have, and the CSP test's control (an inline <style>, refused).
  // Firefox reports the CSP one as a page error, in its words.
  const expected = new RegExp(
    [
      /WebSocket connection to .* failed|^console\.error: Failed to load resource: .*404.*\/favicon\.ico\]$/.source,
      /Applying inline style violates the following Content Security Policy directive 'style-src 'self''/.source,
      /^pageerror: Error: Content-Security-Policy: The page.s settings blocked an inline style .* “style-src 'self'”/.source,
    ].join('|'),
  );
  const unexpected = errors.filter((e) => !expected.test(e));
  assert.deepEqual(unexpected, []);
});
