// End to end: the built demo (www/dist, `make demo-build`) served by the test bed, driven in
// headless Chromium. Saves a screenshot of the widget in each state (to docs/screenshots/, the
// README's, with `make screenshots`). Run: node --test tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { root, startTestbed } from '../support/testbed.mjs';
import { launchChromium } from '../support/chromium.mjs';

const dist = join(root, 'www', 'dist');
// Screenshots go to $REBOUND_SCREENSHOTS (`make screenshots`: docs/screenshots, the README's),
// else to a temporary folder: `make test` leaves the tree as it found it.
const shots = process.env.REBOUND_SCREENSHOTS ? resolve(process.env.REBOUND_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'rebound-shots-'));
mkdirSync(shots, { recursive: true });
const WAIT = { timeout: 15000 };
let bed;
let browser;
let page;
const errors = [];

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'the demo is built (make demo-build)');
  mkdirSync(shots, { recursive: true });
  bed = await startTestbed({ www: dist });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 900 }, colorScheme: 'light' });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
});

after(async () => {
  await browser?.close();
  bed?.stop();
});

const widget = () => page.locator('.rebound-status').first();
const element = () => page.locator('rebound-status#js-status');

async function expectElement(state) {
  await page.waitForSelector(`rebound-status#js-status[data-state="${state}"]`, WAIT);
}

/** The <rebound-status> element beside the Leptos widget (README screenshots). */
async function shootElement(name) {
  await element().screenshot({ path: join(shots, `element-${name}.png`), animations: 'disabled' });
}

async function expectState(state) {
  await page.waitForSelector(`.rebound-status[data-state="${state}"]`, WAIT);
}

async function shoot(name) {
  await widget().screenshot({ path: join(shots, `${name}.png`), animations: 'disabled' });
}

test('the demo connects, survives an outage, shows a policy error, and retries', async (t) => {
  await t.test('page loads and the widget reaches connected', async () => {
    await bed.control('slow-upgrade', { ms: 1500 });
    await page.goto(bed.base + '/');
    await expectState('connecting');
    assert.match(await widget().textContent(), /Connecting/);
    await shoot('connecting');
    await bed.control('reset');
    await expectState('connected');
    assert.equal(await widget().getAttribute('role'), 'status');
    assert.equal(await widget().getAttribute('aria-live'), 'polite');
    await shoot('connected');
    await expectElement('connected');
    assert.equal(await element().getAttribute('role'), 'status');
    await shootElement('connected');
  });

  await t.test('messages echo through the hook', async () => {
    await page.fill('input[aria-label="Message"]', 'hello from e2e');
    await page.click('form button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('.last-message')?.textContent === 'hello from e2e', null, WAIT);
  });

  await t.test('server down 3 s: reconnecting with a countdown, then connected', async () => {
    await bed.control('down', { ms: 3000 });
    await expectState('reconnecting');
    await page.waitForFunction(
      () => /retrying in \d+ s · attempt \d+ of 10/.test(document.querySelector('.rebound-status__text')?.textContent ?? ''),
      null,
      WAIT,
    );
    await shoot('reconnecting');
    await expectElement('reconnecting');
    await shootElement('reconnecting');
    await expectState('connected');
  });

  await t.test('close 1008: error with the reason as text, Retry reconnects', async () => {
    // Both sockets must be open to hear the 1008 (the JS panel's keeps its own backoff).
    await page.waitForFunction(() => document.getElementById('js-state')?.textContent === 'open', null, WAIT);
    await bed.control('close', { code: 1008, reason: 'token expired' });
    await expectState('error');
    assert.match(await widget().textContent(), /token expired/);
    await shoot('error');
    // The JS panel's socket got the same 1008: the element says so, with the same model.
    await expectElement('error');
    assert.match(await element().evaluate((e) => e.shadowRoot.querySelector('[part=text]').textContent), /^The server refused the connection: token expired$/);
    await shootElement('error');
    const retry = widget().getByRole('button', { name: 'Retry' });
    await retry.focus();
    await page.keyboard.press('Enter');
    await expectState('connected');
  });

  await t.test('the app closes: disconnected, then reconnects on request', async () => {
    await page.getByRole('button', { name: 'Close (app)' }).click();
    await expectState('disconnected');
    await shoot('disconnected');
    await page.getByRole('button', { name: 'Reconnect (app)' }).click();
    await expectState('connected');
  });

  await t.test('the plain-JS panel runs the npm package against the same test bed', async () => {
    // The 1008 above closed its socket too (it stops on policy closes): reconnect it.
    await page.click('#js-reconnect');
    await page.waitForFunction(() => document.getElementById('js-state')?.textContent === 'open', null, WAIT);
    await page.click('#js-send');
    await page.waitForFunction(() => document.getElementById('js-last')?.textContent === 'hello from JS', null, WAIT);
    await page.screenshot({ path: join(shots, 'demo.png'), fullPage: true, animations: 'disabled' });
  });

  await t.test('no page errors', () => {
    // Chromium logs every refused WebSocket handshake itself; the outage above makes some.
    const unexpected = errors.filter((e) => !/favicon|WebSocket connection to .* failed/.test(e));
    assert.deepEqual(unexpected, []);
  });
});
