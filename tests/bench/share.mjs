#!/usr/bin/env node
// `share` in numbers (part of `make bench`): server connections for 1, 3 and 10 tabs (pages of
// one browser context) — Rebound shared, Rebound unshared, reconnecting-websocket — the
// failover time (the leading tab closed → `ready` again in a follower; median and max) with
// Playwright's pages (visible, background throttling off) and in really hidden tabs with the
// browsers' default throttling, Chromium (raw CDP) and Firefox ESR (WebDriver BiDi); and churn:
// 5 pages sending every 10 ms while the leading page is closed 30 times (accepted, delivered,
// duplicates, lost). Writes target/bench/share.json (share-<label>.json with SHARE_LABEL).
// Environment: SHARE_TRIALS (default 12), SHARE_CLOSES (default 30), REBOUND_DIST (another
// build of the package, e.g. an earlier release's, measured the same way).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startTestbed, until } from '../support/testbed.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { launchTabs } from '../support/cdp-tabs.mjs';
import { launchFirefoxTabs } from '../support/firefox-tabs.mjs';

const TRIALS = Number(process.env.SHARE_TRIALS ?? 12);
const CLOSES = Number(process.env.SHARE_CLOSES ?? 30);
const TABS = [1, 3, 10];
const www = mkdtempSync(join(tmpdir(), 'rebound-share-bench-'));
const dist = process.env.REBOUND_DIST ?? join(root, 'npm', 'dist');
for (const file of ['index.js', 'rebound.wasm', 'share-wasm.js', 'rebound-share.wasm']) copyFileSync(join(dist, file), join(www, file));
execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), ['--bundle', '--format=esm', '--minify', '--log-level=warning', `--outfile=${join(www, 'rws.js')}`], {
  input: "export { default } from 'reconnecting-websocket';",
  cwd: root,
});
writeFileSync(join(www, 'index.html'), `<!doctype html><meta charset="utf-8"><title>share bench</title>
<script type="module">
  import Rebound from './index.js';
  import Peer from './rws.js';
  window.make = (mode) => {
    const url = 'ws://' + location.host + '/ws';
    const ws = mode === 'rws' ? new Peer(url) : new Rebound(url, [], { share: mode === 'shared', minReconnectionDelay: 100, maxReconnectionDelay: 500 });
    window.readyAt = [];
    window.drops = [];
    ws.addEventListener(mode === 'rws' ? 'open' : 'ready', () => window.readyAt.push(Date.now()));
    ws.addEventListener('drop', (e) => window.drops.push(e.data));
    window.ws = ws;
  };
  /** Sends a numbered message every 10 ms; window.sent lists what send() accepted. */
  window.churn = (tag) => {
    window.sent = [];
    window.timer = setInterval(() => {
      const text = tag + '-' + window.sent.length;
      window.ws.send(text);
      window.sent.push(text);
    }, 10);
  };
  window.loaded = true;
</script>`);

const bed = await startTestbed({ www });
const browser = await launchChromium();
const WAIT = { timeout: 20000 };

async function pages(context, n, mode) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    await page.goto(`${bed.base}/index.html`);
    await page.waitForFunction(() => window.loaded === true, null, WAIT);
    await page.evaluate((m) => window.make(m), mode);
    list.push(page);
  }
  for (const page of list) await page.waitForFunction(() => window.readyAt.length > 0, null, WAIT);
  return list;
}

async function fresh() {
  await until(async () => (await bed.stats()).live === 0, { timeout: 20000, what: 'no live connection' });
  await bed.reset();
}

// ---- connections per tab count -----------------------------------------------------------
const connections = {};
for (const mode of ['shared', 'unshared', 'rws']) {
  connections[mode] = {};
  for (const n of TABS) {
    await fresh();
    const context = await browser.newContext();
    await pages(context, n, mode);
    connections[mode][n] = (await bed.stats()).connections.length; // recorded since the reset
    await context.close();
  }
}

// ---- failover ----------------------------------------------------------------------------
const failovers = [];
for (let trial = 0; trial < TRIALS; trial++) {
  await fresh();
  const context = await browser.newContext();
  const [leader, ...followers] = await pages(context, 3, 'shared'); // the first page takes the lock
  const before = await Promise.all(followers.map((p) => p.evaluate(() => window.readyAt.length)));
  const start = Date.now();
  await leader.close();
  const back = await Promise.all(
    followers.map(async (page, i) => {
      await page.waitForFunction((n) => window.readyAt.length > n, before[i], WAIT);
      return page.evaluate((n) => window.readyAt[n], before[i]);
    }),
  );
  failovers.push(Math.min(...back) - start);
  await context.close();
}
// ---- churn ------------------------------------------------------------------------------
await fresh();
const churnContext = await browser.newContext();
const churnPages = [];
let tags = 0;
async function churnPage() {
  const [page] = await pages(churnContext, 1, 'shared');
  await page.evaluate((tag) => window.churn(tag), `p${tags++}`);
  return page;
}
for (let i = 0; i < 5; i++) churnPages.push(await churnPage());
for (let round = 0; round < CLOSES; round++) {
  // The first page made leads (the lock goes in order of asking), so the oldest page is closed.
  const oldest = churnPages.shift();
  if (process.env.SHARE_CRASH) {
    // Its renderer crashes (no unload, no close frame): what its socket had buffered dies with it.
    const crashed = oldest.waitForEvent('crash', { timeout: 5000 }).catch(() => {});
    (await churnContext.newCDPSession(oldest)).send('Page.crash').catch(() => {});
    await crashed;
  }
  await oldest.close();
  churnPages.push(await churnPage());
  await new Promise((r) => setTimeout(r, 200)); // traffic between failovers
}
for (const page of churnPages) await page.evaluate(() => clearInterval(window.timer));
await new Promise((r) => setTimeout(r, 2000)); // the last sends land
const arrived = new Map();
for (const text of (await bed.stats()).connections.flatMap((c) => c.received)) arrived.set(text, (arrived.get(text) ?? 0) + 1);
const churn = { closes: CLOSES, pages: churnPages.length, accepted: 0, delivered: 0, duplicates: 0, dropped: 0, lost: 0 };
for (const page of churnPages) {
  const { sent, drops } = await page.evaluate(() => ({ sent: window.sent, drops: window.drops }));
  churn.accepted += sent.length;
  churn.dropped += drops.length;
  for (const text of sent) {
    const n = arrived.get(text) ?? 0;
    if (n > 0) churn.delivered++;
    if (n > 1) churn.duplicates += n - 1;
    if (n === 0 && !drops.includes(text)) churn.lost++;
  }
}
await churnContext.close();

// ---- failover in hidden tabs, default throttling ------------------------------------------
async function hiddenFailovers(launch) {
  const tabs = await launch();
  const times = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    await fresh();
    const made = [];
    for (let i = 0; i < 3; i++) {
      const tab = await tabs.newTab(`${bed.base}/index.html`);
      await tab.waitFor(() => window.loaded === true);
      await tab.evaluate(() => window.make('shared'));
      await tab.waitFor(() => window.readyAt.length > 0);
      made.push(tab);
    }
    const front = await tabs.newTab(`${bed.base}/index.html`); // the others are hidden now
    const [leader, ...followers] = made;
    const hidden = await Promise.all(followers.map((t) => t.evaluate(() => document.visibilityState)));
    if (hidden.some((v) => v !== 'hidden')) throw new Error(`followers not hidden: ${hidden}`);
    const start = Date.now();
    await leader.close();
    const back = await Promise.all(followers.map((t) => t.waitFor(() => window.readyAt.length > 1 && window.readyAt[1])));
    times.push(Math.min(...back) - start);
    for (const tab of [...followers, front]) await tab.close();
  }
  await tabs.close();
  return summary(times);
}
const hidden = {
  chromium: await hiddenFailovers(() => launchTabs()),
  firefox: await hiddenFailovers(() => launchFirefoxTabs()),
};

await browser.close();
bed.stop();
rmSync(www, { recursive: true, force: true });

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { trials: times.length, median, max: sorted.at(-1), all: times };
}
const visible = summary(failovers);
console.log('\nServer connections by open tabs (one browser context)');
console.log('client                      ' + TABS.map((n) => `${n} tab${n > 1 ? 's' : ''}`.padStart(8)).join(''));
for (const [mode, label] of [['shared', 'rebound-ws, share: true'], ['unshared', 'rebound-ws'], ['rws', 'reconnecting-websocket']]) {
  console.log(label.padEnd(28) + TABS.map((n) => String(connections[mode][n]).padStart(8)).join(''));
}
console.log(`\nFailover: leading tab closed → ready again in a follower (${TRIALS} trials)`);
console.log(`  Playwright pages (visible, throttling off): median ${visible.median} ms, max ${visible.max} ms`);
console.log(`  hidden tabs, default throttling, Chromium:  median ${hidden.chromium.median} ms, max ${hidden.chromium.max} ms`);
console.log(`  hidden tabs, default throttling, Firefox:   median ${hidden.firefox.median} ms, max ${hidden.firefox.max} ms`);
console.log(`\nChurn: 5 pages sending every 10 ms, the leading page closed ${CLOSES} times: ${churn.accepted} accepted by the pages still open, ${churn.delivered} delivered, ${churn.duplicates} duplicates, ${churn.dropped} dropped (reported), ${churn.lost} lost`);
const out = join(root, 'target', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, process.env.SHARE_LABEL ? `share-${process.env.SHARE_LABEL}.json` : 'share.json'), JSON.stringify({ connections, failover_ms: visible, hidden_failover_ms: hidden, churn }, null, 2) + '\n');
