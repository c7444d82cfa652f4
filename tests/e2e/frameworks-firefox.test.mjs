// tests/e2e/frameworks.test.mjs in Firefox (tests/support/browsers.mjs).
process.env.REBOUND_BROWSER = 'firefox';
await import('./frameworks.test.mjs');
