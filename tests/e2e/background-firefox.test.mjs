// tests/e2e/background.test.mjs in Firefox (tests/support/browsers.mjs).
process.env.REBOUND_BROWSER = 'firefox';
await import('./background.test.mjs');
