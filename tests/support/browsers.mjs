// The browser a suite runs in: headless Chromium through playwright-core, or Debian's Firefox
// ESR through puppeteer-core over WebDriver BiDi (playwright-core cannot drive a stock Firefox)
// behind the small part of Playwright's API the suites use, so one suite runs in both.
//
// A suite calls `launchBrowser()` and runs in `BROWSER`: `REBOUND_BROWSER=firefox` picks
// Firefox (the `*-firefox.test.mjs` files set it and import the suite); Chromium otherwise.
//
// Usage: const browser = await launchBrowser({ tls: true });
//        const context = await browser.newContext(); const page = await context.newPage();
//        await page.goto(url); await page.evaluate((x) => x + 1, 1);
//        await page.waitForFunction((n) => window.count >= n, 3, { timeout: 15000 });
import puppeteer from 'puppeteer-core';
import { launchChromium } from './chromium.mjs';
import { launchTabs } from './cdp-tabs.mjs';
import { FIREFOX, FIREFOX_SOCKET_REPORT, launchFirefoxTabs } from './firefox-tabs.mjs';

/** `chromium` or `firefox`. */
export const BROWSER = process.env.REBOUND_BROWSER === 'firefox' ? 'firefox' : 'chromium';

/**
 * Tabs of `name` with the browser's default background throttling (cdp-tabs.mjs for Chromium,
 * firefox-tabs.mjs for Firefox): the tab made last is in front, the others really hidden.
 */
export function launchHiddenTabs(name = BROWSER) {
  return name === 'firefox' ? launchFirefoxTabs() : launchTabs({ args: ['--ignore-certificate-errors'] });
}

/** Launches `name` (BROWSER by default); `tls` accepts the test bed's self-signed certificate. */
export async function launchBrowser({ tls = false, name = BROWSER } = {}) {
  if (name === 'chromium') return launchChromium({ args: tls ? ['--ignore-certificate-errors'] : [] });
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, acceptInsecureCerts: tls,
    extraPrefsFirefox: { 'layout.css.prefers-color-scheme.content-override': 1 },
  });
  // Pages are light (Playwright's `colorScheme: 'light'`; BiDi has no media emulation).
  const newContext = async () => {
    const context = await browser.createBrowserContext();
    const pages = [];
    const contextListeners = []; // [event, handler]: on every page, as Playwright's context.on
    return {
      async newPage() {
        const page = playwrightPage(await context.newPage());
        for (const [event, handler] of contextListeners) page.on(event, handler);
        pages.push(page);
        return page;
      },
      on(event, handler) {
        contextListeners.push([event, handler]);
        for (const page of pages) page.on(event, handler);
      },
      /** Every page of the context offline (or back). */
      setOffline: (offline) => Promise.all(pages.map((p) => p.raw.setOfflineMode(offline))),
      close: () => context.close(),
    };
  };
  return {
    newContext,
    async newPage() {
      return (await newContext()).newPage();
    },
    version: () => browser.version(),
    close: () => browser.close(),
  };
}

/** A puppeteer page with Playwright's names and argument order for what the suites call. */
function playwrightPage(page) {
  return {
    raw: page,
    keyboard: page.keyboard,
    mouse: page.mouse,
    goto: (url, { timeout } = {}) => page.goto(url, { timeout }),
    setContent: (html) => page.setContent(html),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    waitForFunction: (fn, arg, { timeout = 30000, polling = 20 } = {}) => page.waitForFunction(fn, { timeout, polling }, arg),
    waitForSelector: (selector, { timeout } = {}) => page.waitForSelector(selector, { timeout }),
    waitForTimeout: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    addInitScript: (fn) => page.evaluateOnNewDocument(fn),
    locator: (selector) => ({
      textContent: ({ timeout = 30000 } = {}) =>
        page.waitForSelector(selector, { timeout }).then((el) => el.evaluate((e) => e.textContent)),
    }),
    // Firefox reports a WebSocket that fails or is cut as a page error too (Chromium logs it to
    // the console): those are the network's, not uncaught exceptions of the page.
    close: () => page.close(),
    isClosed: () => page.isClosed(),
    once: (event, handler) => page.once(event, handler),
    on: (event, handler) =>
      page.on(event, event === 'pageerror' ? (error) => !FIREFOX_SOCKET_REPORT.test(String(error)) && handler(error) : handler),
  };
}
