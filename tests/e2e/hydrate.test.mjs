// A Leptos SSR app (tests/ssr-app: typed chat messages, the indicator, `share`) in headless
// Chromium (and Firefox: hydrate-firefox.test.mjs) against the test bed: the page the server
// rendered (leptos `ssr`, native: the indicator in the engine's first state, `connecting`) is
// hydrated in place by the app's `hydrate` build (debug, so leptos checks as it goes) — the
// same elements, no hydration warning or error — and then connects; the Send button's handler
// (attached by hydration) sends a typed message and its echo shows, decoded; a second tab
// shares the one connection. Needs target/ssr-app (scripts/build-ssr-app.sh) and the test bed.
// Run: node --test tests/e2e/hydrate.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, startTestbed } from '../support/testbed.mjs';
import { BROWSER, launchBrowser } from '../support/browsers.mjs';

const app = join(root, 'target', 'ssr-app');
const WAIT = 15000;
let bed;
let browser;
let context;
let page;
const console_ = [];

before(async () => {
  assert.ok(existsSync(join(app, 'index.html')), 'target/ssr-app is built (scripts/build-ssr-app.sh)');
  bed = await startTestbed({ www: app });
  browser = await launchBrowser();
  context = await browser.newContext();
  page = await context.newPage();
  page.on('pageerror', (error) => console_.push(`pageerror: ${error}`));
  page.on('console', (m) => {
    // The page has no favicon: the browser's 404 for it is not the page's.
    if (!['error', 'warning', 'warn'].includes(m.type()) || /\/favicon\.ico$/.test(m.location()?.url ?? '')) return;
    console_.push(`console.${m.type()}: ${m.text()} [${m.location()?.url}]`);
  });
  // Before the app's module runs (the document parsed, deferred scripts not yet run): the
  // server's elements, to compare with what is there after hydration.
  await page.addInitScript(() => {
    document.addEventListener('readystatechange', () => {
      if (document.readyState !== 'interactive') return;
      window.server = {
        status: document.querySelector('.rebound-status'),
        send: document.querySelector('button.send'),
        state: document.querySelector('.rebound-status')?.dataset.state,
      };
    });
  });
});

after(async () => {
  await browser?.close();
  bed?.stop();
});

test('the server rendered the indicator as connecting (leptos ssr, native)', () => {
  const html = readFileSync(join(app, 'index.html'), 'utf8');
  assert.match(html, /<div role="status"[^>]*data-state="connecting"[^>]*class="rebound-status"/);
  assert.match(html, /Connecting…/);
});

test('hydrated in place: the same elements, then connected; a click sends and the echo shows; no warning or error', async () => {
  await page.goto(`${bed.base}/`);
  await page.waitForFunction(() => window.hydrated === true, null, { timeout: WAIT });
  assert.equal(await page.evaluate(() => window.server.state), 'connecting', 'the server HTML, before hydration');
  await page.waitForFunction(() => document.querySelector('.rebound-status')?.dataset.state === 'connected', null, { timeout: WAIT });
  assert.equal(await page.evaluate(() => document.querySelectorAll('.rebound-status').length), 1);
  assert.ok(
    await page.evaluate(() => document.querySelector('.rebound-status') === window.server.status && document.querySelector('button.send') === window.server.send),
    'hydration kept the server-rendered elements (a client render would replace them)',
  );
  assert.equal(await page.evaluate(() => document.querySelector('.rebound-status__text').textContent), 'Connected');
  await page.evaluate(() => document.querySelector('button.send').click());
  await page.waitForFunction(() => document.querySelector('.last').textContent === 'hydrated: hello from a hydrated page', null, { timeout: WAIT });
  assert.equal(await page.evaluate(() => document.querySelector('.unreadable').textContent), '0');
  assert.deepEqual(console_, [], `${BROWSER}: no hydration warning, page error or console error`);
});

test('share: a second tab of the app (same origin and storage) uses the same connection; its typed sends echo back', async () => {
  const second = await context.newPage();
  await second.goto(`${bed.base}/`);
  await second.waitForFunction(() => document.querySelector('.rebound-status')?.dataset.state === 'connected', null, { timeout: WAIT });
  await second.evaluate(() => document.querySelector('button.send').click());
  await second.waitForFunction(() => document.querySelector('.last').textContent === 'hydrated: hello from a hydrated page', null, { timeout: WAIT });
  const stats = await bed.stats();
  assert.equal(stats.live, 1, `one live connection for both tabs: ${JSON.stringify(stats.connections.map((c) => c.open))}`);
  assert.deepEqual(console_, []);
});
