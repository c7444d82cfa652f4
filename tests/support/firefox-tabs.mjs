// Tabs of one headless Firefox (Debian's firefox-esr) driven by puppeteer-core over WebDriver
// BiDi, with the same shape as cdp-tabs.mjs: the tab made last is in front, the others are
// really hidden, and Firefox throttles their timers as it does a user's background tabs (even
// `setTimeout(0)` runs about a second late there).
//
// Usage: const browser = await launchFirefoxTabs();
//        const tab = await browser.newTab(url); await tab.evaluate((x) => x + 1, 1);
//        await tab.waitFor(() => window.ready); tab.errors; await tab.close(); await browser.close();
import puppeteer from 'puppeteer-core';

/** Debian's Firefox ESR (`make setup` installs it). */
export const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';

/** Firefox's own report of a failed or cut WebSocket, delivered as a page error. */
export const FIREFOX_SOCKET_REPORT = /can.t establish a connection to the server at wss?:|The connection to wss?:.* was interrupted while the page was loading/;

export async function launchFirefoxTabs() {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, acceptInsecureCerts: true });
  async function newTab(url) {
    const page = await browser.newPage();
    const tab = {
      errors: [],
      evaluate: (fn, arg) => page.evaluate(fn, arg),
      async waitFor(fn, arg, timeout = 15000) {
        const handle = await page.waitForFunction(fn, { timeout, polling: 20 }, arg);
        return handle.jsonValue();
      },
      close: () => page.close().catch(() => {}),
    };
    // Firefox reports every failed WebSocket as a page error too; those are not ours.
    page.on('pageerror', (error) => {
      if (!FIREFOX_SOCKET_REPORT.test(String(error))) tab.errors.push(String(error));
    });
    await page.goto(url);
    await page.bringToFront();
    return tab;
  }
  return { newTab, version: await browser.version(), close: () => browser.close() };
}
