// Tabs of one headless Chromium window driven over the raw DevTools protocol (no Playwright:
// Playwright keeps every page "visible" and turns background throttling off). The tab made
// last is in front; the others are really hidden (`document.visibilityState === 'hidden'`)
// and the browser throttles their timers as it does a user's background tabs.
//
// Usage: const browser = await launchTabs({ args: ['--ignore-certificate-errors'] });
//        const tab = await browser.newTab(url);      // in front; the others go to the back
//        await tab.evaluate((x) => x + 1, 1);        // 2 (a function and a JSON argument)
//        await tab.waitFor(() => window.ready, null, 15000);
//        await tab.send('Page.setWebLifecycleState', { state: 'frozen' }); // any DevTools command
//        tab.errors;                                 // uncaught exceptions in the tab
//        await tab.close(); await browser.close();
import WebSocket from 'ws';
import { startBrowser } from './cdp-browser.mjs';

export async function launchTabs({ args = [] } = {}) {
  const chromium = await startBrowser({ args });
  const socket = new WebSocket(chromium.version.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let lastId = 0;
  const pending = new Map();
  const listeners = new Map(); // sessionId → (method, params) => void
  socket.on('message', (raw) => {
    const message = JSON.parse(raw);
    if (message.id !== undefined) {
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) call?.reject(new Error(`${call.method}: ${message.error.message}`));
      else call?.resolve(message.result);
    } else if (message.sessionId) {
      listeners.get(message.sessionId)?.(message.method, message.params);
    }
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve, reject, method });
      socket.send(JSON.stringify({ id, method, params, sessionId }));
    });

  async function newTab(url) {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank', newWindow: false });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const tab = {
      targetId,
      errors: [],
      async evaluate(fn, arg) {
        const expression = `(${fn})(${arg === undefined ? '' : JSON.stringify(arg)})`;
        const result = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
        if (result.exceptionDetails) {
          throw new Error(`in the tab: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
        }
        return result.result.value;
      },
      async waitFor(fn, arg, timeout = 15000) {
        const deadline = Date.now() + timeout;
        for (;;) {
          const value = await tab.evaluate(fn, arg).catch(() => undefined);
          if (value) return value;
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${fn}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      /** A DevTools command for this tab (e.g. `Page.setWebLifecycleState`). */
      send: (method, params) => send(method, params, sessionId),
      async close() {
        listeners.delete(sessionId);
        await send('Target.closeTarget', { targetId }).catch(() => {});
      },
    };
    listeners.set(sessionId, (method, params) => {
      if (method === 'Runtime.exceptionThrown') tab.errors.push(params.exceptionDetails?.exception?.description ?? 'error');
    });
    await send('Runtime.enable', {}, sessionId);
    await send('Page.enable', {}, sessionId);
    await send('Page.navigate', { url }, sessionId);
    await tab.waitFor(() => document.readyState === 'complete' && location.href !== 'about:blank');
    return tab;
  }

  return {
    newTab,
    async close() {
      socket.close();
      await chromium.stop();
    },
  };
}
