// tests/e2e/lifecycle.test.mjs in Firefox (tests/support/browsers.mjs).
process.env.REBOUND_BROWSER = 'firefox';
await import('./lifecycle.test.mjs');
