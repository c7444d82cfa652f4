// The status element and the heartbeat in a background tab as a user's browser runs one
// (issue 19, item 2): the tab really hidden behind another, the browser's default background
// throttling on (its timers clamped, which each test checks first). In Chromium over raw
// DevTools (tests/support/cdp-tabs.mjs) and in Firefox (background-firefox.test.mjs, over
// WebDriver BiDi). The times are printed; only generous bounds are asserted.
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/background.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root } from '../support/testbed.mjs';
import { BROWSER } from '../support/browsers.mjs';
import { useHiddenTabs } from '../support/share-pages.mjs';

const env = useHiddenTabs({ 'status.js': join(root, 'npm', 'dist', 'status.js') });

/**
 * A tab whose instance (`options`) is open, then sent to the back behind a new tab: hidden,
 * its timers clamped. Returns the tab and the one in front.
 */
async function backgroundTab(options, withStatus = false) {
  const tab = await env.browser.newTab(`${env.bed.base}/index.html`);
  await tab.waitFor(() => window.loaded === true);
  await tab.evaluate(
    async ([options, withStatus]) => {
      window.make(false, '/ws', options);
      if (!withStatus) return;
      await import('./status.js');
      const el = document.createElement('rebound-status');
      window.states = [];
      new MutationObserver(() => window.states.at(-1) !== el.dataset.state && window.states.push(el.dataset.state)).observe(el, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
      el.socket = window.ws;
      document.body.append(el);
      // Every line the element shows, as it renders it (a snapshot taken later could fall
      // between two renders: during an attempt the line is `Reconnecting… · attempt N`).
      window.texts = [];
      const line = () => el.shadowRoot.querySelector('[part=text]')?.textContent ?? '';
      new MutationObserver(() => window.texts.at(-1) !== line() && window.texts.push(line())).observe(el.shadowRoot, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    },
    [options, withStatus],
  );
  await tab.waitFor(() => window.ws.state === 'open');
  const front = await env.browser.newTab(`${env.bed.base}/index.html`);
  assert.equal(await tab.evaluate(() => document.visibilityState), 'hidden');
  const ms = await tab.evaluate(async () => {
    const start = performance.now();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - start;
  });
  assert.ok(ms > 250, `${BROWSER} clamps the hidden tab's timers: five 10 ms timers took ${Math.round(ms)} ms`);
  return { tab, front };
}

/** Closes both tabs and resets the bed (also when the test failed: the next one starts clean). */
async function cleanUp(tab, front) {
  await tab.close();
  await front.close();
  await env.bed.control('drop'); // a blackholed connection too
  await env.bed.reset();
}

test('<rebound-status> in a background tab: the server goes down for 3 s; it shows reconnecting with its text, then connected', async () => {
  const { tab, front } = await backgroundTab({ minReconnectionDelay: 100, maxReconnectionDelay: 500 }, true);
  try {
    await tab.evaluate(() => ((window.states = []), (window.texts = [])));
    const downAt = Date.now();
    await env.bed.control('down', { ms: 3000 });
    await tab.waitFor(() => window.states.includes('reconnecting'), undefined, 30000);
    await tab.waitFor(() => window.ws.state === 'open' && document.querySelector('rebound-status').dataset.state === 'connected', undefined, 30000);
    console.log(`# ${BROWSER}: background tab connected again ${Date.now() - downAt} ms after a 3,000 ms outage`);
    const states = await tab.evaluate(() => window.states);
    assert.deepEqual(states.slice(states.indexOf('reconnecting')), ['reconnecting', 'connected'], states.join(' → '));
    // While it waited to retry, it showed the countdown (its text, not only its state).
    const texts = await tab.evaluate(() => window.texts);
    assert.ok(texts.some((text) => /^Reconnecting · retrying in \d+ s/.test(text)), texts.join(' | '));
    assert.equal(texts.at(-1), 'Connected');
    assert.deepEqual(tab.errors, []);
  } finally {
    await cleanUp(tab, front);
  }
});

test('the heartbeat in a background tab: a link that answers nothing is closed (heartbeat-timeout) and the tab connects again', async () => {
  const options = { heartbeatInterval: 1000, heartbeatTimeout: 2000, minReconnectionDelay: 100, maxReconnectionDelay: 500 };
  const { tab, front } = await backgroundTab(options);
  try {
    await heartbeatCloses(tab);
    assert.deepEqual(tab.errors, []);
  } finally {
    await cleanUp(tab, front);
  }
});

/** The open link goes dead (it reads and answers nothing): the heartbeat closes it, and the tab connects again. */
async function heartbeatCloses(tab) {
  const deadAt = Date.now();
  await env.bed.control('blackhole', { ms: 60000 }); // the open connection reads and answers nothing
  // The first close after the link died (an attempt that failed before the tab first opened
  // is not this one).
  await tab.waitFor((since) => window.log.some((e) => e.t === 'close' && e.at >= since), deadAt, 30000);
  const close = await tab.evaluate((since) => window.log.find((e) => e.t === 'close' && e.at >= since), deadAt);
  console.log(`# ${BROWSER}: background tab closed the dead link ${close.at - deadAt} ms after it died (heartbeat 1,000 / 2,000 ms)`);
  assert.equal(close.kind, 'heartbeat-timeout');
  // The tab is back on a new, working link: an echo comes back.
  await tab.waitFor(
    async (since) => {
      if (window.ws.state !== 'open' || !window.log.some((e) => e.t === 'open' && e.at > since)) return false;
      window.ws.send('still-here');
      await new Promise((r) => setTimeout(r, 200));
      return window.log.some((e) => e.t === 'message' && e.data === 'still-here');
    },
    close.at,
    30000,
  );
}
