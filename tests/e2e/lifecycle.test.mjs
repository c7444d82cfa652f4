// Frozen pages and time jumps (issue 19, item 8) in headless Chromium (and Firefox:
// lifecycle-firefox.test.mjs) against the test bed, on a tab really hidden behind another,
// driven over raw CDP or WebDriver BiDi (Playwright keeps its pages visible, and visible pages
// are not frozen). A page whose timers could not run for 8 s (a long task:
// a time jump as its timers see it) while its link died must find out within `probeTimeout`
// plus a little, not after the full heartbeat timeout: the previous release sent the ping
// that fell due meanwhile with the full timeout (about 20 s more with these settings). A page
// the browser froze (Page Lifecycle, `Page.setWebLifecycleState`) likewise, after `resume`:
// Chromium only, as nothing freezes a Firefox tab from outside (the long task stands in there).
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/lifecycle.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER } from '../support/browsers.mjs';
import { useHiddenTabs } from '../support/share-pages.mjs';

const env = useHiddenTabs();

/** A hidden tab whose instance (heartbeat 5 s / 20 s, probe 2 s) is open, the server then reading nothing. */
async function deadLink() {
  const tab = await env.browser.newTab(`${env.bed.base}/index.html`);
  await tab.waitFor(() => window.loaded === true);
  await tab.evaluate(() => {
    window.make(false, '/ws', { heartbeatInterval: 5000, heartbeatTimeout: 20000, probeTimeout: 2000 });
    window.lifecycle = [];
    for (const type of ['freeze', 'resume']) document.addEventListener(type, () => window.lifecycle.push(type));
  });
  await tab.waitFor(() => window.ws.state === 'open');
  const front = await env.browser.newTab(`${env.bed.base}/index.html`); // the page goes to the back
  assert.equal(await tab.evaluate(() => document.visibilityState), 'hidden');
  await env.bed.control('blackhole', { ms: 60000 }); // the link is dead: nothing is read or answered
  return { tab, front };
}

/** The first close after `since` (Date.now()), waited for; its delay is printed. */
async function closeAfter(tab, since, what) {
  await tab.waitFor(() => window.log.some((e) => e.t === 'close'), undefined, 30000);
  const close = await tab.evaluate(() => window.log.find((e) => e.t === 'close'));
  console.log(`# ${BROWSER} ${what}: closed ${close.at - since} ms later (${close.kind}; probeTimeout 2,000, heartbeatTimeout 20,000)`);
  return { ...close, after: close.at - since };
}

async function cleanUp(tab, front) {
  await env.bed.control('drop'); // end the blackholed connection
  assert.deepEqual(tab.errors, []);
  await tab.close();
  await front.close();
  await env.bed.reset();
}

test("a time jump (the page's thread blocked 8 s, so the first ping falls due late): the heartbeat probes with probeTimeout and closes within it + 2 s, not after the full timeout", async () => {
  const { tab, front } = await deadLink();
  await tab.evaluate(() => {
    const end = performance.now() + 8000;
    while (performance.now() < end); // a long task: no timer runs, the socket stays open
  });
  const close = await closeAfter(tab, Date.now(), 'after an 8 s long task');
  assert.equal(close.kind, 'heartbeat-timeout');
  assert.ok(close.after < 2000 + 2000, `the probe's deadline, not the full timeout: ${close.after} ms`);
  await cleanUp(tab, front);
});

const chromiumTest = BROWSER === 'chromium' ? test : () => {};
chromiumTest('a hidden page frozen for 8 s (Page Lifecycle): after resume it knows within probeTimeout + 2 s that its link is gone', async () => {
  const { tab, front } = await deadLink();
  await tab.send('Page.setWebLifecycleState', { state: 'frozen' });
  await new Promise((r) => setTimeout(r, 8000)); // the first ping falls due during the freeze
  const resumedAt = Date.now();
  await tab.send('Page.setWebLifecycleState', { state: 'active' });
  const close = await closeAfter(tab, resumedAt, 'after an 8 s freeze');
  assert.deepEqual(await tab.evaluate(() => window.lifecycle), ['freeze', 'resume'], 'it was really frozen');
  // Chromium closes a frozen page's sockets (connection-lost at resume); where a browser
  // keeps them (Safari resumes pages whose sockets still say OPEN), `resume` probes at once.
  assert.ok(close.after < 2000 + 2000, `within the probe's deadline: ${close.after} ms`);
  await cleanUp(tab, front);
});
