// Starts the Rust test bed (tests/testbed) on a free loopback port for one test suite.
// Usage: const bed = await startTestbed({ www }); bed.wsUrl; await bed.control('drop');
//        await bed.stats(); bed.stop();
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, afterEach, before } from 'node:test';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The test bed binary (`cargo build -p testbed` builds it; `make` targets do). */
export function testbedBinary() {
  const binary = process.env.TESTBED_BIN ?? join(root, 'target', 'debug', 'testbed');
  if (!existsSync(binary)) throw new Error(`test bed not built: ${binary} (run: cargo build -p testbed)`);
  return binary;
}

export async function startTestbed({ www } = {}) {
  const args = ['--port', '0', ...(www ? ['--www', www] : [])];
  const child = spawn(testbedBinary(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`test bed exited with ${code}`)));
  });
  const port = Number(firstLine.match(/:(\d+)$/)?.[1]);
  if (!port) throw new Error(`unexpected first line from the test bed: ${firstLine}`);
  const base = `http://127.0.0.1:${port}`;
  const control = async (action, params = {}) => {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${base}/control/${action}${query ? `?${query}` : ''}`, { method: 'POST' });
    if (!response.ok) throw new Error(`control ${action}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    port,
    base,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    control,
    stats: async () => (await fetch(`${base}/control/stats`)).json(),
    reset: () => control('reset', { stats: '1' }),
    stop: () => child.kill(),
  };
}

/** Resolves when `predicate()` is truthy; rejects after `timeout` ms (generous by default). */
export async function until(predicate, { timeout = 10000, every = 10, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * One test bed per node:test suite: started before the first test (handed to `onStart`),
 * stopped after the last; after each test the sockets collected in `sockets` are closed and
 * the bed's faults and records reset.
 */
export function useTestbed(onStart, sockets) {
  let bed;
  before(async () => {
    bed = await startTestbed();
    onStart(bed);
  });
  after(() => bed?.stop());
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await bed.reset();
  });
}
