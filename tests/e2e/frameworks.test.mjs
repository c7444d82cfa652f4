// The npm README's framework examples, built as an app would build them (Vite, with each
// framework's own plugin) and run in headless Chromium (and Firefox:
// frameworks-firefox.test.mjs) against the test bed: React 19, Vue 3 and Svelte 5 each show
// a socket with <rebound-status>, which must receive `socket` as a property (an attribute
// would be "[object Object]") and reach "Connected".
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/frameworks.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root, startTestbed, until } from '../support/testbed.mjs';
import { launchBrowser } from '../support/browsers.mjs';

const dist = join(root, 'npm', 'dist');
const here = dirname(fileURLToPath(import.meta.url));
const WAIT = 15000;
let bed;
let browser;
let www;
const errors = [];

before(async () => {
  www = mkdtempSync(join(tmpdir(), 'rebound-frameworks-'));
  for (const file of ['index.js', 'rebound.wasm', 'status.js']) {
    assert.ok(existsSync(join(dist, file)), `npm/dist/${file} is built (make package)`);
  }
  bed = await startTestbed({ www });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  bed?.stop();
  if (www) rmSync(www, { recursive: true, force: true });
});

/** Builds `tests/e2e/<name>-app` with Vite and `plugins` into the bed's folder (Vite emits the wasm as an asset). */
async function buildApp(name, plugins, extra = {}) {
  const { build } = await import('vite');
  const outDir = join(www, name);
  await build({
    root: join(here, `${name}-app`),
    configFile: false,
    logLevel: 'silent',
    base: './',
    plugins,
    resolve: {
      alias: [
        { find: /^rebound-ws\/status$/, replacement: join(dist, 'status.js') },
        { find: /^rebound-ws$/, replacement: join(dist, 'index.js') },
      ],
    },
    build: { outDir, emptyOutDir: true },
    ...extra,
  });
  assert.ok(existsSync(join(outDir, 'index.html')), 'vite wrote index.html');
}

/** Opens the built app and returns what its element shows once connected. */
async function connectedView(name, frameworkKey) {
  await until(async () => (await bed.stats()).live === 0, { timeout: WAIT, what: 'no live connection' });
  await bed.reset();
  const page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(`${name}: ${error.stack ?? error}`));
  await page.goto(`${bed.base}/${name}/`);
  await page.waitForSelector('rebound-status[data-state="connected"]', { state: 'attached', timeout: WAIT });
  const seen = await page.evaluate((key) => {
    const el = document.querySelector('rebound-status');
    return {
      property: el.socket === window.ws,
      attribute: el.getAttribute('socket'),
      text: el.shadowRoot.querySelector('[part=text]').textContent,
      framework: key === null || Object.keys(el).some((k) => k.startsWith(key)),
    };
  }, frameworkKey);
  await page.close();
  return seen;
}

const EXPECTED = { property: true, attribute: null, text: 'Connected', framework: true };

test('React 19 (Vite): <rebound-status socket={ws} /> sets the property and connects', async () => {
  // Vite compiles .jsx with esbuild; the automatic runtime is React's jsx-runtime.
  await buildApp('react', [], { esbuild: { jsx: 'automatic' } });
  assert.deepEqual(await connectedView('react', '__react'), EXPECTED);
});

test("Vue 3 (Vite, @vitejs/plugin-vue, isCustomElement as the README says): :socket.prop=\"ws\" sets the property and connects", async () => {
  const { default: vue } = await import('@vitejs/plugin-vue');
  await buildApp('vue', [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'rebound-status' } } })]);
  assert.deepEqual(await connectedView('vue', null), EXPECTED);
});

test('Svelte 5 (Vite, @sveltejs/vite-plugin-svelte): socket={ws} sets the property and connects', async () => {
  const { svelte } = await import('@sveltejs/vite-plugin-svelte');
  await buildApp('svelte', [svelte()]);
  assert.deepEqual(await connectedView('svelte', null), EXPECTED);
});

test('no page errors', () => {
  assert.deepEqual(errors, []);
});
