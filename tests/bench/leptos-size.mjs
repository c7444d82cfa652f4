#!/usr/bin/env node
// What a Leptos CSR app pays for its socket: the same minimal page (a socket to /ws, its state
// shown with a Retry button, the last message, a Send button) built with Rebound
// (use_rebound + ConnectionStatus) and with leptos-use's use_websocket plus a hand-written
// indicator (tests/bench/leptos-apps). Release wasm (opt-level z, LTO), wasm-bindgen glue,
// wasm-opt -Oz, each file gzip -9. Writes target/bench/leptos-size.json.
// Run: node tests/bench/leptos-size.mjs   (make bench; builds leptos-use, a few minutes cold)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { root } from '../support/testbed.mjs';

const target = join(root, 'target', 'leptos-apps');
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CARGO_TARGET_DIR: target } });
// One build per app: built together, cargo would unify ws-wasm's features across them.
const build = (crate) => run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', crate.replaceAll('_', '-')], join(root, 'tests', 'bench', 'leptos-apps'));

const rows = [];
for (const [label, crate] of [
  ['Rebound: use_rebound + ConnectionStatus', 'rebound_app'],
  ['Rebound without `share` (default features off)', 'rebound_lean_app'],
  ["leptos-use 0.16: use_websocket + a hand-written indicator", 'leptos_use_app'],
]) {
  build(crate);
  const out = join(target, 'measured', crate);
  mkdirSync(out, { recursive: true });
  run('wasm-bindgen', [join(target, 'wasm32-unknown-unknown', 'release', `${crate}.wasm`), '--target', 'web', '--no-typescript', '--out-dir', out]);
  const wasm = join(out, `${crate}_bg.wasm`);
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--enable-bulk-memory', '--enable-reference-types', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
  const wasmBytes = readFileSync(wasm);
  const js = readFileSync(join(out, `${crate}.js`));
  rows.push({ app: label, wasm_bytes: wasmBytes.length, wasm_gz_bytes: gzipSync(wasmBytes, { level: 9 }).length, js_gz_bytes: gzipSync(js, { level: 9 }).length });
}
for (const r of rows) r.total_gz_bytes = r.wasm_gz_bytes + r.js_gz_bytes;
console.log('| app | wasm (bytes) | wasm gzip | glue JS gzip | total gzip |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.app} | ${r.wasm_bytes} | ${r.wasm_gz_bytes} | ${r.js_gz_bytes} | ${r.total_gz_bytes} |`);
mkdirSync(join(root, 'target', 'bench'), { recursive: true });
writeFileSync(join(root, 'target', 'bench', 'leptos-size.json'), JSON.stringify(rows, null, 2) + '\n');
