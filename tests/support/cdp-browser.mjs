// A real headless Chromium whose DevTools endpoint serves as a Chrome DevTools Protocol
// server, launched directly (no playwright) so a test can crash it (SIGKILL) and start a new
// one on the same port, the way a browser restarts under a CDP client.
//
// Usage: const browser = await startBrowser();
//        browser.base;                    // http://127.0.0.1:<port>, /json/version answers
//        await browser.kill('SIGKILL');   // crash: resolves once it has exited
//        await browser.restart();         // same port, fresh profile; browser.spawnedAt is set
//        await browser.stop();            // at the end (SIGTERM, then SIGKILL if it lingers)
// One browser at a time per suite. Whatever is left running is killed, and the profiles
// removed, when the process exits.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nothing listens on (listen on 0, close); reused for every restart. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Every process group and profile this module made, for the exit hook.
const groups = new Set();
const profiles = new Set();
let hooked = false;

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

/**
 * Whether a process of group `pgid` is still running. Zombies do not count: helpers orphaned
 * by the browser's death wait for pid 1 to reap them, which can take a while in a container.
 */
function groupAlive(pgid) {
  let names;
  try {
    names = readdirSync('/proc');
  } catch {
    return killGroup(pgid, 0); // no /proc: zombies count too
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After "pid (comm) ": state ppid pgrp …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function cleanUpNow() {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
  groups.clear();
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  profiles.clear();
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanUpNow);
  // A runner that stops the file with a signal skips 'exit': clean up, then die of the signal.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      cleanUpNow();
      process.kill(process.pid, signal);
    });
  }
}

/** Resolves with the /json/version body once it answers; bounded by `timeout` ms. */
async function waitForEndpoint(base, child, exited, timeout) {
  const deadline = performance.now() + timeout;
  let lastError;
  while (performance.now() < deadline) {
    if (exited()) {
      const how = `code ${child.exitCode}, signal ${child.signalCode}`;
      throw new Error(`chromium exited (${how}) before ${base}/json/version answered`);
    }
    try {
      const response = await fetch(`${base}/json/version`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) {
        const body = await response.json();
        if (body.webSocketDebuggerUrl) return body;
      }
      lastError = new Error(`status ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`${base}/json/version did not answer within ${timeout} ms (last: ${lastError?.message})`);
}

/**
 * Launches Chromium with `--remote-debugging-port` on a free port (or `port`), and `args`
 * after the usual flags, and waits until `/json/version` answers. Returns the handle described at the top of this file.
 */
export async function startBrowser({ port, timeout = 15000, args: extra = [] } = {}) {
  hookExit();
  const handle = {
    port: port ?? (await freePort()),
    base: '',
    child: null,
    /** performance.now() when the current process was spawned. */
    spawnedAt: 0,
    /** /json/version of the current process. */
    version: null,
    /** The last lines Chromium wrote to stderr, for failure messages. */
    stderr: '',
    start,
    kill,
    restart,
    stop,
  };
  handle.base = `http://127.0.0.1:${handle.port}`;
  let profile = null;
  let exit = null; // resolves when the current process has exited

  async function start() {
    if (handle.child) throw new Error('chromium is already running');
    profile = mkdtempSync(join(tmpdir(), 'rebound-cdp-profile-'));
    profiles.add(profile);
    const args = [
      '--headless',
      `--remote-debugging-port=${handle.port}`,
      `--user-data-dir=${profile}`,
      ...CHROMIUM_ARGS,
      ...extra,
      'about:blank',
    ];
    // Its own process group, so the renderers and helpers are swept with it.
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    handle.spawnedAt = performance.now();
    handle.child = child;
    handle.stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      handle.stderr = (handle.stderr + chunk).slice(-4000);
    });
    let exited = false;
    exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      });
      child.once('error', (error) => {
        exited = true;
        handle.stderr += `\nspawn error: ${error.message}`;
        resolve({ code: null, signal: null, error });
      });
    });
    if (child.pid) groups.add(child.pid);
    try {
      handle.version = await waitForEndpoint(handle.base, child, () => exited, timeout);
    } catch (error) {
      await kill('SIGKILL');
      error.message += `\nchromium stderr (tail):\n${handle.stderr}`;
      throw error;
    }
    return handle;
  }

  /** Sends `signal` to the browser process, waits for it to exit, then sweeps its helpers. */
  async function kill(signal = 'SIGTERM') {
    const child = handle.child;
    if (!child) return null;
    // Taken now, so a second kill() meanwhile is a no-op and start() may follow at once.
    const { pid } = child;
    const exited = exit;
    const dir = profile;
    handle.child = null;
    profile = null;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
    let timer;
    const result = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(resolve, 10000, null);
      }),
    ]);
    clearTimeout(timer);
    if (result === null && pid) {
      // It ignored the signal for 10 s: force it.
      killGroup(pid, 'SIGKILL');
      await exited;
    }
    if (pid) {
      // Renderers and helpers notice the browser is gone on their own; make sure (bounded).
      killGroup(pid, 'SIGKILL');
      for (let i = 0; i < 50 && groupAlive(pid); i++) await sleep(100);
      groups.delete(pid);
    }
    rmSync(dir, { recursive: true, force: true });
    profiles.delete(dir);
    return result;
  }

  /** A new browser on the same port with a fresh profile (kills the current one first). */
  async function restart() {
    await kill('SIGKILL');
    return start();
  }

  async function stop() {
    await kill('SIGTERM');
  }

  await start();
  return handle;
}
