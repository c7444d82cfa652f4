// Headless Debian Chromium through playwright-core, with the flags this machine needs
// (no sandbox as root; no background networking: the network is closed).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches it; `args` are added to CHROMIUM_ARGS (e.g. `--ignore-certificate-errors`);
 * `ignoreDefaultArgs` drops some of Playwright's own (its background-throttling switches, for
 * a browser that throttles hidden pages as a user's does).
 */
export function launchChromium({ args = [], ignoreDefaultArgs } = {}) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...args], headless: true, ignoreDefaultArgs });
}
