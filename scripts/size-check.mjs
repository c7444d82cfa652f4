#!/usr/bin/env node
// The size gate of `make test`: measures what each entry ships in npm/dist (minified, gzip -9,
// as scripts/package.mjs and BENCHMARKS.md do) and fails above size-budget.json.
// Usage: node scripts/size-check.mjs [--budget path]   (exit code 1 above a budget)
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--budget');
const budget = JSON.parse(readFileSync(at > 0 ? process.argv[at + 1] : join(root, 'size-budget.json'), 'utf8'));
const dist = join(root, 'npm', 'dist');
const gz = (...files) => files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file)), { level: 9 }).length, 0);

const measured = {
  core: gz('index.js', 'rebound.wasm'),
  status: gz('status.js'),
  share: gz('share-wasm.js', 'rebound-share.wasm'),
};
let over = 0;
for (const [entry, bytes] of Object.entries(measured)) {
  const limit = budget[entry];
  if (typeof limit !== 'number') throw new Error(`size-budget.json has no figure for "${entry}"`);
  const verdict = bytes > limit ? `OVER by ${bytes - limit}` : `${limit - bytes} under`;
  console.log(`size: ${entry.padEnd(6)} ${String(bytes).padStart(6)} bytes min+gzip, budget ${limit} (${verdict})`);
  if (bytes > limit) over++;
}
process.exit(over ? 1 : 0);
