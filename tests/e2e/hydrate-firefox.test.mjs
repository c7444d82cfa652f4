// tests/e2e/hydrate.test.mjs in Firefox (tests/support/browsers.mjs).
process.env.REBOUND_BROWSER = 'firefox';
await import('./hydrate.test.mjs');
