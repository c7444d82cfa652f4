// `share`'s backpressure, in Chromium and Firefox over https: what a tab sent and the leading
// tab has not yet acknowledged is that tab's `bufferedAmount`, so `send()` says `false` above
// `highWaterMark` and `drain` follows once the leading tab has taken it, as a WebSocket's
// buffer would tell a slow network. Until this test, a tab that shares always said 0 and
// `true`, so a leading tab that took nothing (frozen, as Chromium freezes background tabs)
// let a sending tab's unacknowledged sends grow without the app hearing of it. Chromium also
// freezes the leading tab (Page Lifecycle over DevTools): the sending tab stays congested,
// and once the leading tab resumes everything arrives, in order, and `drain` fires.
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/share-backpressure.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../support/testbed.mjs';
import { launchTabs } from '../support/cdp-tabs.mjs';
import { launchFirefoxTabs } from '../support/firefox-tabs.mjs';
import { assertOnceInOrder, useServedPackage } from '../support/share-pages.mjs';

const served = useServedPackage({ tls: true });

const MESSAGES = 30;
const SIZE = 100; // characters, ASCII: the queue's count and the bytes agree
const HIGH = 2000;

/** A tab with the package loaded and a sharing instance (a token provider, small water marks). */
async function sharedTab(browser) {
  return share(await page(browser));
}

async function page(browser) {
  const tab = await browser.newTab(`${served.bed.base}/index.html`);
  await tab.waitFor(() => window.loaded === true);
  return tab;
}

async function share(tab) {
  const options = { highWaterMark: HIGH, lowWaterMark: 0 };
  await tab.evaluate(([url, options]) => window.makeWithProvider('backpressure', url, options), [`${served.bed.wsUrl}?token=t`, options]);
  await tab.waitFor(() => window.ws.state === 'open' && window.count('ready') > 0);
  return tab;
}

/** Sends MESSAGES messages of SIZE characters at once: what each send() said, and bufferedAmount after. */
const burst = (tab) =>
  tab.evaluate(
    ([n, size]) => {
      window.drains = 0;
      window.drainedOpen = false; // a drain on the open link with nothing left (not one at a close)
      window.watchDrains ??= window.ws.addEventListener('drain', () => {
        window.drains++;
        window.drainedOpen = window.ws.state === 'open' && window.ws.bufferedAmount === 0;
      }) ?? true;
      const said = [];
      for (let i = 0; i < n; i++) said.push(window.ws.send(`m${String(i).padStart(2, '0')}`.padEnd(size, '.')));
      return { said, buffered: window.ws.bufferedAmount };
    },
    [MESSAGES, SIZE],
  );

/** Checks what send() said: true until the unacknowledged bytes passed the high-water mark, false after. */
function assertCongested({ said, buffered }) {
  // The wrapper's bound on bufferedAmount is exact once read, so the first false is the send
  // that took the unacknowledged bytes past the mark.
  assert.deepEqual(said, Array.from({ length: MESSAGES }, (_, i) => (i + 1) * SIZE <= HIGH), 'send() said false once past highWaterMark');
  assert.equal(buffered, MESSAGES * SIZE, 'bufferedAmount: every send, none acknowledged yet');
}

const expected = Array.from({ length: MESSAGES }, (_, i) => `m${String(i).padStart(2, '0')}`.padEnd(SIZE, '.'));

async function arrivedInOrder() {
  const seen = async () => (await served.bed.stats()).connections.flatMap((c) => c.received);
  await until(async () => {
    const all = await seen();
    return expected.every((m) => all.includes(m));
  }, { timeout: 30000, what: 'every send at the server' });
  const all = await seen();
  assertOnceInOrder(all.filter((m, i) => all.indexOf(m) === i), expected, 'the sending tab');
}

/**
 * `drain` fired on the open link with nothing left unacknowledged (`once`: the only drain),
 * and nothing was dropped.
 */
async function drained(tab, once) {
  await tab.waitFor(() => window.drainedOpen === true, undefined, 30000);
  const { drains, drops, buffered } = await tab.evaluate(() => ({ drains: window.drains, drops: window.count('drop'), buffered: window.ws.bufferedAmount }));
  if (once) assert.equal(drains, 1);
  assert.equal(buffered, 0);
  assert.equal(drops, 0, 'nothing dropped');
}

async function cleanUp(tabs) {
  for (const tab of tabs) await tab.close();
  await until(async () => (await served.bed.stats()).live === 0, { timeout: 15000, what: 'no live connection' });
  await served.bed.reset();
}

for (const [name, launch] of [
  ['Chromium', () => launchTabs({ args: ['--ignore-certificate-errors'] })],
  ['Firefox', () => launchFirefoxTabs()],
]) {
  test(`${name}: a sharing tab's unacknowledged sends are its bufferedAmount; send() says false above highWaterMark, drain follows`, async () => {
    const browser = await launch();
    try {
      await served.bed.reset();
      const leader = await sharedTab(browser);
      const sender = await sharedTab(browser);
      assert.equal((await served.bed.stats()).connections.length, 1, 'one shared socket');
      assertCongested(await burst(sender));
      await arrivedInOrder();
      await drained(sender, true);
      assert.equal(await sender.evaluate(() => window.count('close')), 0, 'the drain came from the acknowledgements, not a close');
      for (const tab of [leader, sender]) assert.deepEqual(tab.errors, []);
      await cleanUp([leader, sender]);
    } finally {
      await browser.close();
    }
  });
}

for (const [name, launch] of [
  ['Chromium', () => launchTabs({ args: ['--ignore-certificate-errors'] })],
  ['Firefox', () => launchFirefoxTabs()],
]) {
  test(`${name}: a tab that relinks keeps its unacknowledged bytes: congested from its first send; one that missed the acknowledgement (close, then reconnect) hears it again`, async () => {
    const browser = await launch();
    try {
      await served.bed.reset();
      // The leading tab is made last, so it is in front: its timers, which time its
      // acknowledgements, are not throttled (the sending tab's wait below outlasts them).
      const sender = await page(browser);
      const leader = await sharedTab(browser);
      await share(sender);
      assertCongested(await burst(sender));
      // reconnect() relinks at once, before any acknowledgement: the new link starts with
      // the 3,000 bytes, so the first send after it is congested.
      const afterRelink = await sender.evaluate(async () => {
        const readies = window.count('ready');
        const said = new Promise((resolve) => {
          const listener = () => {
            window.ws.removeEventListener('ready', listener);
            resolve(window.ws.send('after-relink'));
          };
          window.ws.addEventListener('ready', listener);
        });
        window.ws.reconnect();
        const result = await said;
        return { said: result, readies: window.count('ready') - readies };
      });
      assert.deepEqual(afterRelink, { said: false, readies: 1 }, 'send() said false on the new link');
      await drained(sender, false);
      // close() leaves the channel; the acknowledgements come while it is away; reconnect()
      // replays what it still holds, and the leading tab acknowledges it again.
      assertCongested(await burst(sender));
      await sender.evaluate(() => window.ws.close());
      await new Promise((r) => setTimeout(r, 2500)); // the leading tab's acks, a second or more after, unheard
      await sender.evaluate(() => window.ws.reconnect());
      await drained(sender, false);
      await until(async () => {
        const all = (await served.bed.stats()).connections.flatMap((c) => c.received);
        return all.filter((m) => expected.includes(m)).length === 2 * MESSAGES && all.includes('after-relink');
      }, { timeout: 30000, what: 'both bursts, each message twice in all, and the send after the relink' });
      for (const tab of [leader, sender]) assert.deepEqual(tab.errors, []);
      await cleanUp([leader, sender]);
    } finally {
      await browser.close();
    }
  });
}

test('Chromium: a frozen leading tab takes nothing: the sending tab stays congested; after resume all arrive in order and drain fires', async () => {
  const browser = await launchTabs({ args: ['--ignore-certificate-errors'] });
  try {
    await served.bed.reset();
    const leader = await sharedTab(browser);
    const sender = await sharedTab(browser);
    const front = await browser.newTab(`${served.bed.base}/index.html`); // the others are hidden now
    assert.equal(await leader.evaluate(() => document.visibilityState), 'hidden');
    await leader.evaluate(() => {
      window.lifecycle = [];
      for (const type of ['freeze', 'resume']) document.addEventListener(type, () => window.lifecycle.push(type));
    });
    await leader.send('Page.setWebLifecycleState', { state: 'frozen' });
    assertCongested(await burst(sender));
    await new Promise((r) => setTimeout(r, 3000)); // three times the leading tab's settle wait
    const during = await sender.evaluate(() => ({ buffered: window.ws.bufferedAmount, drains: window.drains, state: window.ws.state }));
    assert.deepEqual(during, { buffered: MESSAGES * SIZE, drains: 0, state: 'open' }, 'nothing acknowledged while the leading tab is frozen');
    await leader.send('Page.setWebLifecycleState', { state: 'active' });
    assert.deepEqual(await leader.evaluate(() => window.lifecycle), ['freeze', 'resume'], 'the leading tab was really frozen');
    await arrivedInOrder();
    await drained(sender, false); // the resumed leading tab's socket may have closed: drain then came at the close too
    for (const tab of [leader, sender, front]) assert.deepEqual(tab.errors, []);
    await cleanUp([leader, sender, front]);
  } finally {
    await browser.close();
  }
});
