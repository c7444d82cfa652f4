#!/usr/bin/env node
// `make bench`: Rebound side by side with the raw WebSocket and the JS peers, in one headless
// Chromium run, plus bundle sizes, liveness, leaks and the herd. Prints one table per
// benchmark and writes target/bench/summary.json (and docs/herd.png).
// Environment: BENCH_ROUNDS (default 5), BENCH_MESSAGES (100000), BENCH_TRIALS (20).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, startTestbed } from '../support/testbed.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { renderHerdChart } from './herd-chart.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100000);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
const KINDS = ['raw', 'rebound', 'reconnecting-websocket', 'partysocket'];
const HEARTBEAT = { interval: 1000, timeout: 2000 };
const out = join(root, 'target', 'bench');
mkdirSync(out, { recursive: true });
const bin = join(root, 'node_modules', '.bin');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, digits = 2) => Number(x.toFixed(digits));
function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(i ? widths[i] : 0).padEnd(i ? 0 : widths[i])).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

// ---- bundles: the bench page, and what each client costs a bundler ----------------------
const work = mkdtempSync(join(tmpdir(), 'rebound-bench-'));
const rebound = join(root, 'npm', 'dist', 'index.js');
// `share`'s module stays a file of its own, fetched only by an instance that shares (as a
// bundler that splits dynamic imports ships it, and as `make package` measures it; esbuild
// without --splitting would inline it).
function bundle(entry, outfile, stdin) {
  const args = ['--bundle', '--format=esm', '--minify', '--log-level=warning', '--legal-comments=none', '--target=es2022', `--alias:rebound-ws=${rebound}`, '--external:./share-wasm.js', `--outfile=${outfile}`];
  execFileSync(join(bin, 'esbuild'), stdin ? args : [entry, ...args], { cwd: root, input: stdin, stdio: ['pipe', 'ignore', 'inherit'] });
}
bundle(join(root, 'tests/bench/page/bench.js'), join(work, 'bench.js'));
copyFileSync(join(root, 'tests/bench/page/index.html'), join(work, 'index.html'));
// The browser entry fetches its wasm file beside the module that imports it.
const reboundWasm = join(root, 'npm', 'dist', 'rebound.wasm');
copyFileSync(reboundWasm, join(work, 'rebound.wasm'));

const SIZE_ENTRIES = {
  rebound: "import RWS from 'rebound-ws'; globalThis.c = RWS;",
  'reconnecting-websocket': "import RWS from 'reconnecting-websocket'; globalThis.c = RWS;",
  partysocket: "import { WebSocket } from 'partysocket'; globalThis.c = WebSocket;",
  'socket.io-client': "import { io } from 'socket.io-client'; globalThis.c = io;",
};
const bundleGz = {};
for (const [name, source] of Object.entries(SIZE_ENTRIES)) {
  const file = join(work, `size-${name}.js`);
  bundle(null, file, source);
  bundleGz[name] = gzipSync(execFileSync('cat', [file]), { level: 9 }).length;
}
// Rebound ships a second file: its wasm, fetched by the entry (counted at gzip -9 too).
bundleGz.rebound += gzipSync(execFileSync('cat', [reboundWasm]), { level: 9 }).length;

// ---- the browser run --------------------------------------------------------------------
const bed = await startTestbed({ www: work });
const browser = await launchChromium();
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
await page.goto(`${bed.base}/index.html`);
await page.waitForFunction(() => window.benchReady === true);
const benchUrl = `ws://127.0.0.1:${bed.port}/bench`;
const wsUrl = bed.wsUrl;
const scriptSeconds = async () =>
  (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration').value;

const samples = Object.fromEntries(KINDS.map((k) => [k, { recv: [], send: [], rate: [] }]));
for (let r = 0; r < ROUNDS; r++) {
  const order = KINDS.map((_, i) => KINDS[(i + r) % KINDS.length]);
  for (const kind of order) {
    await page.evaluate(([k, url]) => window.bench.open(k, url), [kind, benchUrl]);
    // Start each measurement from a clean heap: garbage left by the previous client (or
    // by this one's receive phase) would otherwise be collected on someone else's clock.
    await cdp.send('HeapProfiler.collectGarbage');
    const before = await scriptSeconds();
    const elapsed = await page.evaluate((n) => window.bench.receive(n), MESSAGES);
    const after = await scriptSeconds();
    samples[kind].recv.push(((after - before) * 1e6) / MESSAGES);
    samples[kind].rate.push((MESSAGES * 1000) / elapsed);
    await cdp.send('HeapProfiler.collectGarbage');
    samples[kind].send.push(await page.evaluate((n) => window.bench.send(n), MESSAGES));
    for (let count = 0; count < MESSAGES; ) count = await page.evaluate(() => window.bench.serverCount());
    await page.evaluate(() => window.bench.close());
  }
}
const per = (key) => Object.fromEntries(KINDS.map((k) => [k, round(median(samples[k][key]), key === 'rate' ? 0 : 3)]));
const recv = per('recv');
const send = per('send');
const rate = per('rate');

// Liveness: dead-peer detection and recovery.
const detections = [];
for (let i = 0; i < TRIALS; i++) {
  // Silence begins at phases spread evenly over the interval (the blackhole itself comes
  // before the ping is due: phases stay under 0.9 × interval).
  const phase = Math.round((i / TRIALS) * HEARTBEAT.interval * 0.9);
  detections.push(await page.evaluate(([url, h, p]) => window.bench.detect(url, h.interval, h.timeout, p), [wsUrl, HEARTBEAT, phase]));
}
const recoveries = [];
for (let i = 0; i < TRIALS; i++) recoveries.push(await page.evaluate((url) => window.bench.recover(url, 2000), wsUrl));
await bed.reset();

// Leaks: 1,000 forced reconnects, heap measured after a forced GC.
const heapUsed = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
};
const leakBefore = await page.evaluate((url) => window.bench.leakOpen(url), wsUrl);
const heapBefore = await heapUsed();
const leakAfter = await page.evaluate((n) => window.bench.leakCycle(n), 1000);
const heapAfter = await heapUsed();
const chromium = browser.version();
await browser.close();
bed.stop();

// ---- the herd ---------------------------------------------------------------------------
execFileSync('cargo', ['build', '--release', '-q', '-p', 'ws-core', '--example', 'herd'], { cwd: root, stdio: 'inherit' });
const herdBin = join(root, 'target', 'release', 'examples', 'herd');
const herd = JSON.parse(execFileSync(herdBin, ['--json'], { encoding: 'utf8' }));
const timeline = execFileSync(herdBin, ['--timeline'], { encoding: 'utf8' });
writeFileSync(join(out, 'herd-timeline.csv'), timeline);
await renderHerdChart(timeline, join(root, 'docs', 'herd.png'));

// ---- report -----------------------------------------------------------------------------
const ratio = (values, k) => round(values[k] / values.raw, 2);
table(`Receive: main-thread script time per message (µs, median of ${ROUNDS}; ${MESSAGES} × 32 B)`,
  ['client', 'µs/msg', '× raw', 'msgs/s', '× raw'],
  KINDS.map((k) => [k, recv[k], ratio(recv, k), rate[k], ratio(rate, k)]));
table(`Send: synchronous send loop per message (µs, median of ${ROUNDS})`, ['client', 'µs/msg', '× raw'],
  KINDS.map((k) => [k, send[k], ratio(send, k)]));
table('Bundle a bundler ships (esbuild, min + gzip, bytes; rebound: JS + its .wasm file)', ['client', 'bytes'], Object.entries(bundleGz));
const detect = {
  interval_ms: HEARTBEAT.interval,
  timeout_ms: HEARTBEAT.timeout,
  bound_ms: HEARTBEAT.interval + HEARTBEAT.timeout,
  median: round(median(detections), 0),
  min: round(Math.min(...detections), 0),
  max: round(Math.max(...detections), 0),
};
const recoverMs = recoveries.map((r) => r.ready - r.back);
const afterAttempt = recoveries.filter((r) => r.attempt !== null).map((r) => r.ready - r.attempt);
table(`Liveness (${TRIALS} trials each)`, ['measure', 'median ms', 'max ms'], [
  [`dead peer detected after its last message (heartbeat ${HEARTBEAT.interval}/${HEARTBEAT.timeout} ms, bound ${detect.bound_ms} + slack; phases over the interval)`, detect.median, detect.max],
  ['ready after the server is back (down 2 s)', round(median(recoverMs), 0), round(Math.max(...recoverMs), 0)],
  ['ready after the first attempt once back', round(median(afterAttempt), 0), round(Math.max(...afterAttempt), 0)],
]);
const heapGrowth = heapAfter - heapBefore;
const wasmGrowth = leakAfter.wasm - leakBefore.wasm;
table('Leaks: 1,000 forced reconnects', ['measure', 'before', 'after', 'growth'], [
  ['JS heap used after GC (bytes)', heapBefore, heapAfter, heapGrowth],
  ['wasm linear memory (bytes)', leakBefore.wasm, leakAfter.wasm, wasmGrowth],
  ['live socket handlers', leakBefore.handlers, leakAfter.handlers, leakAfter.handlers - leakBefore.handlers],
]);
table('Herd (10,000 clients; see BENCHMARKS.md)', ['policy', 'peak/100ms', 'after return', 'total', 'p99 back s'],
  Object.entries(herd.policies).map(([k, v]) => [k, v.peak_per_100ms, v.attempts_after_return, v.attempts_total, v.p99_back_s ?? 'never']));

const summary = {
  machine: { chromium, cpus: cpus().length, cpu: cpus()[0]?.model, memory_gib: round(totalmem() / 2 ** 30, 1), node: process.version },
  rounds: ROUNDS,
  messages: MESSAGES,
  recv_script_us_per_msg: recv,
  send_script_us_per_msg: send,
  recv_msgs_per_s: rate,
  bundle_gz_bytes: bundleGz,
  herd,
  detect_ms: detect,
  recover_ms: round(median(recoverMs), 0),
  recover_after_first_attempt_ms: round(median(afterAttempt), 0),
  heap_growth_bytes_1000_reconnects: heapGrowth,
  wasm_memory_growth_bytes_1000_reconnects: wasmGrowth,
  live_handlers_growth_1000_reconnects: leakAfter.handlers - leakBefore.handlers,
};
writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(`\nwrote ${join('target', 'bench', 'summary.json')} and docs/herd.png`);
rmSync(work, { recursive: true, force: true });
