// `share` when its module or its wasm cannot be fetched (a blocked request, a server error
// during a deploy), in Chromium and Firefox over https: each attempt closes with a reason
// saying so and is retried after a second, nothing else breaks, and once the file is back the
// instance connects. A page remembers a failed import by its URL — Firefox a failed fetch
// (Chromium fetches again), every browser a module whose evaluation failed (its wasm did not
// load) — so share.js loads the module again under a new URL; before that, both cases failed
// for the page's lifetime (Firefox: both; Chromium: the wasm).
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/share-load.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../support/testbed.mjs';
import { launchTabs } from '../support/cdp-tabs.mjs';
import { launchFirefoxTabs } from '../support/firefox-tabs.mjs';
import { useServedPackage } from '../support/share-pages.mjs';

const served = useServedPackage({ tls: true });

const REASON = 'the share module did not load';
const closesSayingSo = (tab) => tab.evaluate((reason) => window.log.filter((e) => e.t === 'close' && e.reason.startsWith(reason)).length, REASON);

for (const [name, launch] of [
  ['Chromium', () => launchTabs({ args: ['--ignore-certificate-errors'] })],
  ['Firefox', () => launchFirefoxTabs()],
]) {
  for (const file of ['share-wasm.js', 'rebound-share.wasm']) {
    test(`${name}: ${file} cannot be fetched: attempts close saying so and are retried; once it is back, the instance connects`, async () => {
      const browser = await launch();
      const away = (back) => (back ? renameSync(join(served.www, `${file}.away`), join(served.www, file)) : renameSync(join(served.www, file), join(served.www, `${file}.away`)));
      away(false);
      try {
        await served.bed.reset();
        const tab = await browser.newTab(`${served.bed.base}/index.html`);
        await tab.waitFor(() => window.loaded === true);
        await tab.evaluate((url) => window.makeWithProvider('load', url), `${served.bed.wsUrl}?token=t`);
        // Two attempts failed: the retry a second later loaded under a new URL, and failed too.
        await tab.waitFor((reason) => window.log.filter((e) => e.t === 'close' && e.reason.startsWith(reason)).length >= 2, REASON);
        assert.ok(['connecting', 'reconnecting'].includes(await tab.evaluate(() => window.ws.state)), 'still trying');
        assert.equal((await served.bed.stats()).connections.length, 0, 'no socket without the policy');
        away(true);
        await tab.waitFor(() => window.ws.state === 'open' && window.count('ready') > 0);
        await tab.evaluate(() => window.ws.send('after-it-came-back'));
        await until(async () => (await served.bed.stats()).connections.some((c) => c.received.includes('after-it-came-back')), { timeout: 15000, what: 'the send' });
        assert.ok((await closesSayingSo(tab)) >= 2);
        assert.equal((await served.bed.stats()).connections.length, 1, 'one socket');
        await tab.close();
        await until(async () => (await served.bed.stats()).live === 0, { timeout: 15000, what: 'no live connection' });
      } finally {
        try {
          away(true);
        } catch {
          // back already
        }
        await browser.close();
      }
    });
  }
}
