// Garbage collection: a socket the app keeps no reference to still reconnects (like an open
// WebSocket, the library holds it while it is active), and a closed one is released.
// Runs a child Node with --expose-gc so collections can be forced.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

import { installPackage } from '../support/install.mjs';
import { until, useTestbed } from '../support/testbed.mjs';

let bed;
useTestbed((started) => (bed = started), []);

const CHILD = `
const { default: ReconnectingWebSocket, WebSocket } = await import(process.argv[2]);
const url = process.argv[3];
const base = url.replace('ws://', 'http://').replace('/ws', '');
const collect = async () => { for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); } };
const opens = { anonymous: 0, closed: 0 };
const freed = [];
const registry = new FinalizationRegistry((name) => freed.push(name));
const options = { WebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 'none' };
// Each in its own function: closures made in one scope share it, and would keep both alive.
(() => {
  const anonymous = new ReconnectingWebSocket(url, undefined, options);
  anonymous.addEventListener('open', () => opens.anonymous++);
  registry.register(anonymous, 'anonymous');
})();
(() => {
  const closed = new ReconnectingWebSocket(url, undefined, options);
  closed.addEventListener('open', () => { opens.closed++; closed.close(); });
  registry.register(closed, 'closed');
})();
while (opens.anonymous < 1 || opens.closed < 1) await new Promise((r) => setTimeout(r, 20));
await collect();
await fetch(base + '/control/drop', { method: 'POST' });
const deadline = Date.now() + 10000;
while (opens.anonymous < 2 && Date.now() < deadline) { await collect(); }
for (let i = 0; i < 20 && !freed.includes('closed'); i++) await collect();
console.log(JSON.stringify({ opens, freed }));
process.exit(0);
`;

test('an unreferenced active socket keeps reconnecting; a closed one is collected', async () => {
  const pkg = await installPackage();
  const script = join(pkg.dir, 'gc-child.mjs');
  writeFileSync(script, CHILD);
  const entry = pathToFileURL(join(pkg.dir, 'entry.mjs')).href;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, entry, bed.wsUrl], {
    timeout: 30000,
  });
  const { opens, freed } = JSON.parse(stdout.trim().split('\n').pop());
  assert.equal(opens.anonymous, 2, 'reconnected after the drop though nothing referenced it');
  assert.ok(freed.includes('closed'), 'the closed socket was garbage collected');
  assert.ok(!freed.includes('anonymous'), 'the active one was not');
  await until(async () => (await bed.stats()).accepted >= 3, { what: 'three connections' });
});
