// Starts the Rust test bed (tests/testbed) on a free loopback port for one test suite.
// Usage: const bed = await startTestbed({ www }); bed.wsUrl; await bed.control('drop');
//        await bed.stats(); bed.stop();
// With { tls: true } the bed speaks only TLS (a self-signed certificate made at its start):
// bed.base is https://…, bed.wsUrl wss://…, and control calls skip the certificate check.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
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

/** One HTTPS call to a TLS test bed, trusting its self-signed certificate (this call only). */
function httpsCall(url, method) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const status = res.statusCode;
        resolve({ ok: status >= 200 && status < 300, status, text: Buffer.concat(chunks).toString() });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP call to the bed: `{ ok, status, text }`. */
async function call(url, method, tls) {
  if (tls) return httpsCall(url, method);
  const response = await fetch(url, { method });
  return { ok: response.ok, status: response.status, text: await response.text() };
}

export async function startTestbed({ www, tls = false } = {}) {
  const args = ['--port', '0', ...(www ? ['--www', www] : []), ...(tls ? ['--tls'] : [])];
  const child = spawn(testbedBinary(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`test bed exited with ${code}`)));
  });
  const port = Number(firstLine.match(/:(\d+)$/)?.[1]);
  if (!port) throw new Error(`unexpected first line from the test bed: ${firstLine}`);
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const control = async (action, params = {}) => {
    const query = new URLSearchParams(params).toString();
    const response = await call(`${base}/control/${action}${query ? `?${query}` : ''}`, 'POST', tls);
    if (!response.ok) throw new Error(`control ${action}: ${response.status} ${response.text}`);
    return JSON.parse(response.text);
  };
  return {
    port,
    base,
    wsUrl: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`,
    control,
    stats: async () => JSON.parse((await call(`${base}/control/stats`, 'GET', tls)).text),
    reset: () => control('reset', { stats: '1' }),
    stop: () => child.kill(),
  };
}

/** Resolves when `predicate()` is truthy; rejects after `timeout` ms (generous by default). */
/** Settles `promise` into `{ value }` or `{ error }`, failing if it takes longer than `ms`. */
export async function settle(promise, ms = 10000) {
  let timer;
  const hung = new Promise((resolve) => {
    timer = setTimeout(resolve, ms, { hung: true });
  });
  const result = await Promise.race([promise.then((value) => ({ value }), (error) => ({ error })), hung]);
  clearTimeout(timer);
  if (result.hung) throw new Error(`still pending after ${ms} ms`);
  return result;
}

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
