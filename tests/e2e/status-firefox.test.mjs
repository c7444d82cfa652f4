// tests/e2e/status.test.mjs in Firefox (tests/support/browsers.mjs).
process.env.REBOUND_BROWSER = 'firefox';
await import('./status.test.mjs');
