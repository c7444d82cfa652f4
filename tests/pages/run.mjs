// The packed tarball in real pages, in headless Chromium and Firefox against the Rust test bed:
//  1. a Vite build (Vite's defaults, no wasm plugin) and a webpack 5 build (its production
//     defaults, no warning) of tests/pages/vite-app, each also with `share` (`?share`),
//  2. a plain module page under a strict Content-Security-Policy (tests/pages/csp-page),
//  3. in both, `new ReconnectingWebSocket(url)` at module top level with nothing awaited first.
// Each page: echo, then `POST /control/drop`, then a reconnect and a second echo.
// Run from the repository root: `node tests/pages/run.mjs` (make test-pages). Exit code 1 on failure.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { root, startTestbed } from '../support/testbed.mjs';
import { launchBrowser } from '../support/browsers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OVERALL_TIMEOUT_MS = 150_000;
const FUZZ_STEPS = Number(process.env.REBOUND_FUZZ_STEPS ?? 100_000);
const FUZZ_SEED = Number(process.env.REBOUND_SEED ?? 20261122);
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws://127.0.0.1:*";
const CSP_WITHOUT_WASM = "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:*";
// connect-src without 'self': the page's own rebound.wasm may not be fetched.
const CSP_WITHOUT_FETCH = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src ws://127.0.0.1:*";

const started = performance.now();
const since = (t) => `${Math.round(performance.now() - t)} ms`;
let failures = 0;
const cleanups = [];

async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      // best effort
    }
  }
}

const watchdog = setTimeout(async () => {
  console.log(`FAIL runner: still running after ${OVERALL_TIMEOUT_MS} ms, giving up`);
  await cleanup();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

/** Runs one check; prints `PASS name (detail, ms)` or `FAIL name: why`; returns its value or undefined. */
async function check(name, fn) {
  const t = performance.now();
  try {
    const value = await fn();
    const detail = typeof value === 'string' ? value : value?.detail;
    console.log(`PASS ${name}${detail ? ` — ${detail}` : ''} (${since(t)})`);
    return value ?? true;
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}: ${error?.message ?? error} (${since(t)})`);
    if (error?.dump) console.log(indent(error.dump));
    return undefined;
  }
}

function fail(message, dump) {
  return Object.assign(new Error(message), { dump });
}

const indent = (text) =>
  String(text)
    .split('\n')
    .map((l) => `    | ${l}`)
    .join('\n');

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The packed tarball, installed with npm into a temp folder, as an app would get it.
const pkg = JSON.parse(readFileSync(join(root, 'npm', 'package.json'), 'utf8'));
const tarball = join(root, 'target', 'npm', `${pkg.name}-${pkg.version}.tgz`);
const work = mkdtempSync(join(tmpdir(), 'rebound-pages-'));
cleanups.push(() => rmSync(work, { recursive: true, force: true }));

const installDir = join(work, 'install');
const pkgDir = join(installDir, 'node_modules', pkg.name);

const installed = await check('install: npm install <packed tarball> into a temp folder', async () => {
  if (!existsSync(tarball)) throw new Error(`${relative(root, tarball)} is missing (run: make package)`);
  cpSync(join(here, 'vite-app'), installDir, { recursive: true }); // gives the folder a root
  writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'pages-app', private: true }));
  await promisify(execFile)(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--prefer-offline', tarball],
    { cwd: installDir, timeout: 30_000 },
  );
  if (!existsSync(join(pkgDir, 'dist', 'index.js'))) throw new Error(`no dist/index.js in ${pkgDir}`);
  return `${pkg.name}@${JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version}`;
});

// 3 (static half): the browser entry awaits its wasm file at the module's top level (so an
// app's import resolves once it is ready, and the constructor is synchronous after it); the
// Node entries inline the wasm and await nothing (esbuild → cjs accepts them).
await check('entries: browser ESM awaits its wasm at top level; Node ESM and CJS await nothing', async () => {
  if (!installed) throw new Error('not reached: the install failed');
  const { transform } = await import('esbuild');
  const toCjs = async (file) => {
    const source = readFileSync(join(pkgDir, 'dist', file), 'utf8');
    try {
      await transform(source, { format: 'cjs', loader: 'js', logLevel: 'silent' });
      return { source, tla: false };
    } catch (error) {
      const text = error.errors?.map((e) => e.text).join('; ') ?? error.message;
      if (!/top-level await/i.test(text)) throw new Error(`esbuild on ${file}: ${text}`);
      return { source, tla: true };
    }
  };
  const browserEntry = await toCjs('index.js');
  if (!browserEntry.tla) throw new Error('dist/index.js has no top-level await: how does it load its wasm?');
  if (!browserEntry.source.includes('rebound.wasm')) throw new Error('dist/index.js does not name rebound.wasm');
  if ((await toCjs('node.js')).tla) throw new Error('dist/node.js has a top-level await');
  if (!existsSync(join(pkgDir, 'dist', 'rebound.wasm'))) throw new Error('no dist/rebound.wasm');
  return `index.js ${(browserEntry.source.length / 1024).toFixed(0)} KiB + rebound.wasm; node.js inlined`;
});

// ---------------------------------------------------------------------------------------
// 1. The Vite build, with Vite's defaults: only the alias pointing at the installed package.
const viteDist = join(work, 'vite-dist');
const viteBuilt = await check('vite: build tests/pages/vite-app (defaults, alias to the installed package)', async () => {
  if (!installed) throw new Error('not reached: the install failed');
  const { build } = await import('vite');
  await build({
    root: join(here, 'vite-app'),
    configFile: false,
    logLevel: 'error',
    resolve: { alias: { [pkg.name]: pkgDir } },
    build: { outDir: viteDist, emptyOutDir: true },
  });
  const files = listFiles(viteDist).map((f) => relative(viteDist, f));
  if (!files.includes('index.html')) throw new Error(`no index.html in the output: ${files.join(', ')}`);
  return files.map((f) => `${f} ${(statSync(join(viteDist, f)).size / 1024).toFixed(0)} KiB`).join(', ');
});

// 1b. The same app bundled by webpack 5 with its production defaults: no warning (a run-time
// `import(url)` left unmarked makes webpack warn and replace it with one that always fails).
const webpackDist = join(work, 'webpack-dist');
const webpackBuilt = await check('webpack: build tests/pages/vite-app (webpack 5 production defaults), no errors or warnings', async () => {
  if (!installed) throw new Error('not reached: the install failed');
  const { default: webpack } = await import('webpack');
  const stats = await new Promise((resolve, reject) => {
    webpack({ mode: 'production', context: installDir, entry: './main.js', output: { path: webpackDist, clean: true } }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  const { errors = [], warnings = [], assets = [] } = stats.toJson({ all: false, errors: true, warnings: true, assets: true });
  const problems = [...errors, ...warnings].map((p) => `${p.moduleName ?? ''}: ${p.message}`);
  if (problems.length) throw new Error(`${errors.length} error(s), ${warnings.length} warning(s): ${problems.join('; ')}`);
  const page = readFileSync(join(here, 'vite-app', 'index.html'), 'utf8');
  const tag = '<script type="module" src="/main.js"></script>';
  if (!page.includes(tag)) throw new Error(`vite-app/index.html has no ${tag}`);
  writeFileSync(join(webpackDist, 'index.html'), page.replace(tag, '<script src="/main.js"></script>'));
  return assets.map((a) => `${a.name} ${(a.size / 1024).toFixed(0)} KiB`).join(', ');
});

// 2. The plain module page: the checked-in page plus the package's ESM file copied next to it.
// A second copy without 'wasm-unsafe-eval' is the control that shows the violation listener works.
const cspDir = join(work, 'csp-page');
const cspControlDir = join(work, 'csp-control');
const cspNoFetchDir = join(work, 'csp-no-fetch');
const cspReady = installed
  ? (() => {
      for (const [dir, policy] of [
        [cspDir, CSP],
        [cspControlDir, CSP_WITHOUT_WASM],
        [cspNoFetchDir, CSP_WITHOUT_FETCH],
      ]) {
        cpSync(join(here, 'csp-page'), dir, { recursive: true });
        cpSync(join(pkgDir, 'dist', 'index.js'), join(dir, 'rebound-ws.js'));
        cpSync(join(pkgDir, 'dist', 'rebound.wasm'), join(dir, 'rebound.wasm')); // fetched beside it
        const html = readFileSync(join(dir, 'index.html'), 'utf8');
        if (!html.includes(`content="${CSP}"`)) throw new Error('csp-page/index.html does not carry the expected policy');
        writeFileSync(join(dir, 'index.html'), html.replace(`content="${CSP}"`, `content="${policy}"`));
      }
      return true;
    })()
  : false;

// 4. The generated steps page (tests/pages/fuzz-page): hostile look-alikes and listeners
// calling back in, in a real browser, then a real echo.
const fuzzDir = join(work, 'fuzz-page');
if (installed) {
  cpSync(join(here, 'fuzz-page'), fuzzDir, { recursive: true });
  cpSync(join(pkgDir, 'dist', 'index.js'), join(fuzzDir, 'rebound-ws.js'));
  cpSync(join(pkgDir, 'dist', 'rebound.wasm'), join(fuzzDir, 'rebound.wasm'));
  cpSync(join(root, 'tests', 'support', 'random.mjs'), join(fuzzDir, 'random.mjs'));
}

// ---------------------------------------------------------------------------------------
// The browser: every check below runs in each (inBrowser at the end).
let browser;
let browserName;
let launched;

/** Opens `url` in a fresh context and records console output, page errors and CSP violations. */
async function openPage(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => {
    const where = m.location()?.url;
    consoleLines.push(`console.${m.type()}: ${m.text()}${where ? ` [${where}]` : ''}`);
  });
  // The fuzz page's callbacks throw on purpose ("deliberate …"): those are not the page's errors.
  page.on('pageerror', (e) => !/deliberate/.test(e.message) && consoleLines.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => consoleLines.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => r.status() >= 400 && consoleLines.push(`http ${r.status()}: ${r.url()}`));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked=${e.blockedURI} sample=${e.sample}`);
    });
  });
  await page.goto(url, { waitUntil: 'load', timeout: 10_000 });
  const dump = async () => {
    const pageLog = await page.locator('#log').textContent({ timeout: 1000 }).catch(() => '(no #log)');
    const data = await page.evaluate(() => ({ ...document.body.dataset })).catch(() => ({}));
    const violations = await page.evaluate(() => window.__cspViolations).catch(() => []);
    return [
      `url: ${url}`,
      `dataset: ${JSON.stringify(data)}`,
      `page log:\n${pageLog?.trimEnd() || '(empty)'}`,
      `browser console (${consoleLines.length}):${consoleLines.length ? `\n${consoleLines.join('\n')}` : ' (none)'}`,
      `securitypolicyviolation events: ${JSON.stringify(violations)}`,
    ].join('\n');
  };
  return { context, page, consoleLines, dump };
}

// The browser asks for /favicon.ico, which the pages do not have; its 404 is the only error
// that is not the page's own (Chromium's console line; Firefox's response).
function unexpectedErrors(lines) {
  return lines.filter(
    (l) =>
      /^(console\.error|pageerror|requestfailed|http )/.test(l) &&
      !/^console\.error: Failed to load resource: .*404.* \[[^\]]*\/favicon\.ico\]$/.test(l) &&
      !/^http 404: \S+\/favicon\.ico$/.test(l),
  );
}

const dataset = (page) => page.evaluate(() => ({ ...document.body.dataset }));

/** Waits until `document.body.dataset` satisfies `want` (an object of expected values). */
async function waitForData(session, want, timeout, what) {
  try {
    await session.page.waitForFunction(
      (w) => Object.entries(w).every(([k, v]) => document.body?.dataset[k] === v),
      want,
      { timeout, polling: 20 },
    );
  } catch {
    throw fail(`timed out after ${timeout} ms waiting for ${what}`, await session.dump());
  }
}

/** The echo / drop / reconnect checks on one page, served by its own test bed. */
async function pageChecks(label, wwwDir, { csp, query = '' }) {
  const bed = await startTestbed({ www: wwwDir });
  cleanups.push(() => bed.stop());
  let session;
  const loaded = await check(`${browserName} ${label}: page loads and its module imports the package`, async () => {
    session = await openPage(`${bed.base}/${query}`);
    await waitForData(session, { loaded: '1' }, 5000, 'the module to run (dataset.loaded)');
  });

  await check(`${browserName} ${label}: new ReconnectingWebSocket('/ws') is synchronous`, async () => {
    if (!loaded) throw new Error('not reached: the page did not load');
    const sync = JSON.parse((await dataset(session.page)).sync);
    if (sync.microtaskRanBeforeConstructed) throw fail('a microtask ran before the constructor returned', await session.dump());
    if (!sync.instance) throw fail('the constructed object is not an instance of the default export', await session.dump());
    if (sync.readyState !== 0) throw fail(`readyState right after construction is ${sync.readyState}, expected 0 (CONNECTING)`, await session.dump());
    return `at module top level, nothing awaited first; readyState 0; send() before open returned ${sync.firstSend}`;
  });

  await check(`${browserName} ${label}: relative URL "/ws" resolves against the page`, async () => {
    if (!loaded) throw new Error('not reached: the page did not load');
    const data = await dataset(session.page);
    if (data.urlMode !== 'relative') {
      throw fail(`BUG: new ReconnectingWebSocket('/ws') threw ${data.relativeUrlError}; the page fell back to ws://location.host/ws`, await session.dump());
    }
    await waitForData(session, { opens: '1' }, 5000, 'the first open');
    const url = (await dataset(session.page)).url;
    if (url !== bed.wsUrl) throw fail(`socket url is ${url}, expected ${bed.wsUrl}`, await session.dump());
    return `url ${url}`;
  });

  const echoed = await check(`${browserName} ${label}: echo arrives (message sent before open, queued)`, async () => {
    if (!loaded) throw new Error('not reached: the page did not load');
    await waitForData(session, { result: 'echo-1' }, 5000, 'the echo of "echo-1"');
    return '"echo-1" echoed into the DOM';
  });

  await check(`${browserName} ${label}: POST /control/drop → reconnects and a second message echoes`, async () => {
    if (!echoed) throw new Error('not reached: no first echo');
    const t = performance.now();
    const answer = await bed.control('drop');
    await waitForData(session, { opens: '2', result: 'echo-2' }, 10_000, 'a second open and the echo of "echo-2"');
    const data = await dataset(session.page);
    const messages = JSON.stringify(JSON.parse(data.messages));
    // Through `share`, a send the leading tab had not yet acknowledged (it does so a second
    // after the socket's buffer drained) when the socket dropped is sent again: at least once.
    const allowed = [['echo-1', 'echo-2'], ...(query.includes('share') ? [['echo-1', 'echo-1', 'echo-2']] : [])];
    if (!allowed.some((list) => JSON.stringify(list) === messages)) {
      throw fail(`messages received: ${messages}`, await session.dump());
    }
    if (data.closes !== '1') throw fail(`expected exactly 1 close event, got ${data.closes}`, await session.dump());
    const closeLine = (await session.page.locator('#log').textContent()).split('\n').find((l) => l.startsWith('close'));
    return `drop answered ${JSON.stringify(answer)}; ${closeLine}; reopened and echoed in ${since(t)}`;
  });

  if (csp) {
    await check(`${browserName} ${label}: no CSP violation reported (securitypolicyviolation events, console)`, async () => {
      if (!loaded) throw new Error('not reached: the page did not load');
      const violations = await session.page.evaluate(() => window.__cspViolations);
      const cspConsole = session.consoleLines.filter((l) => /Content Security Policy|Refused to/i.test(l));
      if (violations.length || cspConsole.length) {
        throw fail(`${violations.length} violation event(s), ${cspConsole.length} CSP console message(s)`, await session.dump());
      }
      return `policy: ${CSP}`;
    });
  }
  await check(`${browserName} ${label}: no page errors or console errors`, async () => {
    if (!loaded) throw new Error('not reached: the page did not load');
    const errors = unexpectedErrors(session.consoleLines);
    if (errors.length) throw fail(`${errors.length}: ${errors[0]}`, await session.dump());
    return `${session.consoleLines.length} console line(s), none unexpected`;
  });
  if (session) await session.context.close();
  bed.stop();
}

/** Every page check in browser `name`. */
async function inBrowser(name) {
  browserName = name;
  launched = await check(`${name}: launch headless`, async () => {
    browser = await launchBrowser({ name });
    cleanups.push(() => browser.close());
    return browser.version();
  });
  for (const [name, built, dist] of [
    ['vite', viteBuilt, viteDist],
    ['webpack', webpackBuilt, webpackDist],
  ]) {
    if (built && launched) {
      await pageChecks(name, dist, { csp: false });
      await pageChecks(`${name} share`, dist, { csp: false, query: '?share' });
    } else {
      failures += 1;
      console.log(`FAIL ${browserName} ${name} page checks: not reached (build or browser launch failed)`);
    }
  }

  if (installed && launched) {
    await check(`${browserName} fuzz: ${FUZZ_STEPS} generated steps (seed ${FUZZ_SEED}), hostile look-alikes, re-entrant listeners`, async () => {
      const bed = await startTestbed({ www: fuzzDir });
      cleanups.push(() => bed.stop());
      const session = await openPage(`${bed.base}/`);
      try {
        await waitForData(session, { loaded: '1' }, 5000, 'the fuzz module to load');
        const report = await session.page.evaluate(([seed, steps, url]) => window.fuzz(seed, steps, url), [FUZZ_SEED, FUZZ_STEPS, bed.wsUrl]);
        if (report.trapped.length) throw fail(`the wasm module trapped: ${report.trapped[0]}`, await session.dump());
        if (report.failures.length) throw fail(`${report.failures.length} invariant failure(s): ${report.failures.join('; ')}`, await session.dump());
        const pageErrors = session.consoleLines.filter((l) => l.startsWith('pageerror'));
        if (pageErrors.length) throw fail(`unexpected page errors: ${pageErrors[0]}`, await session.dump());
        return `${report.steps} steps, ${report.messages} messages accounted for, final echo "${report.echo}"`;
      } finally {
        await session.context.close();
        bed.stop();
      }
    });
    await check(`${browserName} listeners: 1000 generated sequences of handlers, listeners and dispatches agree with the browser's WebSocket`, async () => {
      const bed = await startTestbed({ www: fuzzDir });
      cleanups.push(() => bed.stop());
      const session = await openPage(`${bed.base}/`);
      try {
        await waitForData(session, { listenerOrder: '1' }, 5000, 'the listener-order module to load');
        const report = await session.page.evaluate(([seed, url]) => window.listenerOrder(seed, 1000, url), [FUZZ_SEED, bed.wsUrl]);
        if (report.mismatches.length) {
          const first = report.mismatches[0];
          const show = (log) => log.slice(Math.max(0, first.firstDifference - 4), first.firstDifference + 3).join(' | ');
          throw fail(`${report.mismatches.length} sequence(s) differ; sequence ${first.sequence} at line ${first.firstDifference}: WebSocket ${show(first.webSocket)}; rebound-ws ${show(first.rebound)}; ops ${JSON.stringify(first.ops)}`);
        }
        return `${report.sequences} sequences, ${report.steps} steps`;
      } finally {
        await session.context.close();
        bed.stop();
      }
    });
  }

  if (cspReady && launched) {
    await pageChecks('csp', cspDir, { csp: true });

    // The control: without 'wasm-unsafe-eval' the same page must be refused, and the refusal
    // must reach the listener — otherwise "no violation reported" above would prove nothing.
    /** Serves `dir`, opens it, waits for a CSP violation (bounded), then runs `inspect(session, bed)`. */
    const refusedPage = async (dir, inspect) => {
      const bed = await startTestbed({ www: dir });
      cleanups.push(() => bed.stop());
      const session = await openPage(`${bed.base}/`);
      try {
        await session.page
          .waitForFunction(() => window.__cspViolations.length > 0, null, { timeout: 5000, polling: 20 })
          .catch(() => {});
        return await inspect(session, bed);
      } finally {
        await session.context.close();
        bed.stop();
      }
    };

    await check(`${browserName} csp control: without 'wasm-unsafe-eval' the violation is seen by the listener`, () =>
      refusedPage(cspControlDir, async (session) => {
        const violations = await session.page.evaluate(() => window.__cspViolations);
        const data = await dataset(session.page);
        if (!violations.length) throw fail('no securitypolicyviolation event: the listener cannot be trusted', await session.dump());
        if (data.loaded) throw fail('the page loaded the package although wasm compilation should be refused', await session.dump());
        // The import's error names the wasm and the directive to change.
        const refusal = session.consoleLines.find((line) => /^pageerror: (Error: )+rebound-ws: the browser refused to compile/.test(line));
        if (!refusal || !refusal.includes('rebound.wasm') || !refusal.includes("'wasm-unsafe-eval'")) {
          throw fail('the import did not reject with an error naming the wasm and wasm-unsafe-eval', await session.dump());
        }
        return `${violations[0]}; ${refusal.split('\n')[0]}`;
      }),
    );

    await check(`${browserName} csp: a connect-src that does not allow the wasm URL: the import rejects naming the URL and connect-src`, () =>
      refusedPage(cspNoFetchDir, async (session, bed) => {
        const line = () => session.consoleLines.find((l) => /^pageerror: (Error: )+rebound-ws: could not load/.test(l));
        for (let i = 0; i < 50 && !line(); i++) await new Promise((r) => setTimeout(r, 50));
        const refusal = line();
        if (!refusal || !refusal.includes(`${bed.base}/rebound.wasm`) || !refusal.includes('connect-src')) {
          throw fail('the import did not reject with an error naming the URL and connect-src', await session.dump());
        }
        return refusal.split('\n')[0];
      }),
    );
  } else {
    failures += 1;
    console.log(`FAIL ${browserName} csp page checks: not reached (install or browser launch failed)`);
  }
  await browser?.close();
}

for (const name of ['chromium', 'firefox']) await inBrowser(name);

clearTimeout(watchdog);
await cleanup();
console.log(`${failures ? 'FAIL' : 'PASS'} tests/pages: ${failures} failure(s) in ${since(started)}`);
process.exit(failures ? 1 : 0);
