#!/usr/bin/env node
// `share` in numbers (part of `make bench`): server connections for 1, 3 and 10 tabs (pages of
// one browser context) — Rebound shared, Rebound unshared, reconnecting-websocket — and the
// failover time: the leading page closed → `ready` again in a follower (median and max).
// Writes target/bench/share.json. Environment: SHARE_TRIALS (default 12).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startTestbed, until } from '../support/testbed.mjs';
import { launchChromium } from '../support/chromium.mjs';

const TRIALS = Number(process.env.SHARE_TRIALS ?? 12);
const TABS = [1, 3, 10];
const www = mkdtempSync(join(tmpdir(), 'rebound-share-bench-'));
for (const file of ['index.js', 'rebound.wasm', 'share-wasm.js', 'rebound-share.wasm']) copyFileSync(join(root, 'npm', 'dist', file), join(www, file));
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
    ws.addEventListener(mode === 'rws' ? 'open' : 'ready', () => window.readyAt.push(Date.now()));
    window.ws = ws;
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
await browser.close();
bed.stop();
rmSync(www, { recursive: true, force: true });

const sorted = [...failovers].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
console.log('\nServer connections by open tabs (one browser context)');
console.log('client                      ' + TABS.map((n) => `${n} tab${n > 1 ? 's' : ''}`.padStart(8)).join(''));
for (const [mode, label] of [['shared', 'rebound-ws, share: true'], ['unshared', 'rebound-ws'], ['rws', 'reconnecting-websocket']]) {
  console.log(label.padEnd(28) + TABS.map((n) => String(connections[mode][n]).padStart(8)).join(''));
}
console.log(`\nFailover: leading tab closed → ready again in a follower (${TRIALS} trials): median ${median} ms, max ${sorted.at(-1)} ms`);
const out = join(root, 'target', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'share.json'), JSON.stringify({ connections, failover_ms: { trials: TRIALS, median, max: sorted.at(-1), all: failovers } }, null, 2) + '\n');
