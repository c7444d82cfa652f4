// Installs the packed rebound-ws tarball (target/npm/rebound-ws-*.tgz, made by
// `node scripts/package.mjs`) and the `ws` package into a fresh temporary folder, the way a
// user's project gets them, so the Node tests exercise what npm would publish (its `files`,
// its `exports` map, both bundles) rather than the sources.
//
// Usage: const pkg = await installPackage();
//        const { default: ReconnectingWebSocket, WebSocket } = await pkg.importRebound();
//        const cjs = pkg.requireRebound();   // the CommonJS entry, through `require`
// The install is made once per process and removed when the process exits.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { root } from './testbed.mjs';

/** The packed tarball: $REBOUND_TARBALL, else the only rebound-ws-*.tgz in target/npm. */
export function tarballPath() {
  if (process.env.REBOUND_TARBALL) return process.env.REBOUND_TARBALL;
  const dir = join(root, 'target', 'npm');
  let found = [];
  try {
    found = readdirSync(dir).filter((name) => /^rebound-ws-.*\.tgz$/.test(name));
  } catch {
    // reported below
  }
  if (found.length !== 1) {
    throw new Error(`expected one rebound-ws-*.tgz in ${dir}, found ${found.length} (run: node scripts/package.mjs)`);
  }
  return join(dir, found[0]);
}

let installing = null;

async function install() {
  const tarball = tarballPath();
  const dir = mkdtempSync(join(tmpdir(), 'rebound-ws-test-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rebound-ws-node-tests', private: true }));
  // Resolved from inside the install, so the package's `exports` map is what picks the entry.
  writeFileSync(
    join(dir, 'entry.mjs'),
    "export * from 'rebound-ws';\nexport { default } from 'rebound-ws';\nexport { WebSocket } from 'ws';\n",
  );
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball, 'ws@8'];
  try {
    await promisify(execFile)('npm', args, { cwd: dir, timeout: 120000 });
  } catch (error) {
    throw new Error(`npm ${args.join(' ')} failed in ${dir}: ${error.stderr || error.message}`);
  }
  const require = createRequire(join(dir, 'package.json'));
  return {
    dir,
    tarball,
    /** The ESM entry: `{ default, ReconnectingWebSocket, liveHandlers, WebSocket }` (WebSocket from ws). */
    importRebound: () => import(pathToFileURL(join(dir, 'entry.mjs')).href),
    /** `require('rebound-ws')` from the install (the CommonJS bundle). */
    requireRebound: () => require('rebound-ws'),
    /** `require('ws')` from the install. */
    requireWs: () => require('ws'),
  };
}

/** Installs once per process; every caller gets the same install. */
export function installPackage() {
  installing ??= install();
  return installing;
}

/** Shorthand for the common case: `{ ReconnectingWebSocket, WebSocket, pkg }`. */
export async function loadRebound() {
  const pkg = await installPackage();
  const module = await pkg.importRebound();
  return { ReconnectingWebSocket: module.default, WebSocket: module.WebSocket, module, pkg };
}
