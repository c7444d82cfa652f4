// `share` in background tabs as a user's browser runs them, in Chromium and Firefox: headless
// Chromium driven over the raw DevTools protocol (tests/support/cdp-tabs.mjs) and Debian's
// Firefox ESR over WebDriver BiDi (tests/support/firefox-tabs.mjs), each with its default
// background throttling, the followers really hidden behind a tab in front (their timers
// clamped, which the test checks first). The leading tab closes: the hidden followers come back on one new
// connection and their sends arrive once, in order. The failover's time is printed here and
// measured in `make bench` (tests/bench/share.mjs); nothing asserts it.
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/share-hidden.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../support/testbed.mjs';
import { launchTabs } from '../support/cdp-tabs.mjs';
import { launchFirefoxTabs } from '../support/firefox-tabs.mjs';
import { assertOnceInOrder, useServedPackage } from '../support/share-pages.mjs';

let browser;
const served = useServedPackage({ tls: true });

/** A tab with the package loaded and its instance made (`share: 'hidden'`, a token provider). */
async function sharedTab() {
  const tab = await browser.newTab(`${served.bed.base}/index.html`);
  await tab.waitFor(() => window.loaded === true);
  await tab.evaluate((url) => window.makeWithProvider('hidden', url), `${served.bed.wsUrl}?token=t`);
  return tab;
}

const ready = (tab, readies = 0) => tab.waitFor((r) => window.ws.state === 'open' && window.count('ready') > r, readies);

async function failover(name) {
  await until(async () => (await served.bed.stats()).live === 0, { timeout: 15000, what: 'no live connection' });
  await served.bed.reset();
  const leader = await sharedTab();
  const followers = [await sharedTab(), await sharedTab()];
  for (const tab of [leader, ...followers]) await ready(tab);
  const front = await browser.newTab(`${served.bed.base}/index.html`); // in front: the others are hidden
  for (const tab of followers) {
    assert.equal(await tab.evaluate(() => document.visibilityState), 'hidden');
    // The browser throttles them: five 10 ms timers in a row take far longer than 50 ms.
    const ms = await tab.evaluate(async () => {
      const start = performance.now();
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
      return performance.now() - start;
    });
    assert.ok(ms > 250, `timers in a hidden tab are clamped (${ms} ms)`);
  }
  assert.equal((await served.bed.stats()).connections.length, 1);
  const readies = await Promise.all(followers.map((t) => t.evaluate(() => window.count('ready'))));
  const closedAt = Date.now();
  await leader.close();
  for (const [i, tab] of followers.entries()) {
    await tab.evaluate((i) => {
      for (let j = 0; j < 10; j++) window.ws.send(`during-${i}-${j}`);
    }, i);
  }
  await until(async () => (await served.bed.stats()).live === 1 && (await served.bed.stats()).connections.length === 2, { timeout: 15000, what: 'one new connection' });
  for (const [i, tab] of followers.entries()) await ready(tab, readies[i]);
  const back = await Promise.all(followers.map((t, i) => t.evaluate((n) => window.log.filter((e) => e.t === 'ready')[n].at, readies[i])));
  console.log(`# ${name}: hidden-tab failover ${Math.min(...back) - closedAt} ms (leading tab closed → ready in a hidden follower)`);
  // Each send made during the failover, on either connection: one that left the old leader's
  // socket before it went (and was acknowledged) is not sent again on the new one.
  const during = Array.from({ length: 2 }, (_, i) => Array.from({ length: 10 }, (_, j) => `during-${i}-${j}`)).flat();
  const arrived = async () => (await served.bed.stats()).connections.flatMap((c) => c.received);
  await until(
    async () => {
      const seen = await arrived();
      return during.every((m) => seen.includes(m));
    },
    { timeout: 15000, what: 'the sends made during the failover' },
  );
  // At least once, in order (by first arrival): a send the old leader put on its socket just
  // before it went, whose acknowledgement it never posted, goes out again from the new one.
  const all = (await served.bed.stats()).connections.flatMap((c) => c.received);
  const firsts = all.filter((m, i) => all.indexOf(m) === i);
  for (let i = 0; i < 2; i++) assertOnceInOrder(firsts, Array.from({ length: 10 }, (_, j) => `during-${i}-${j}`), `follower ${i}`);
  console.log(`# ${name}: ${all.length - firsts.length} duplicate(s) of the 20 sends made during the failover`);
  for (const tab of [...followers, front]) assert.deepEqual(tab.errors, []);
  for (const tab of [...followers, front]) await tab.close();
  await until(async () => (await served.bed.stats()).live === 0, { timeout: 15000, what: 'no live connection' });
  await served.bed.reset();
}

for (const [name, launch] of [
  ['Chromium', () => launchTabs({ args: ['--ignore-certificate-errors'] })],
  ['Firefox', () => launchFirefoxTabs()],
]) {
  test(`${name}, hidden followers, default throttling: the leading tab closes, one new connection, the followers ready again, sends made meanwhile arrive in order`, async () => {
    browser = await launch();
    try {
      await failover(name);
    } finally {
      await browser.close();
    }
  });
}
