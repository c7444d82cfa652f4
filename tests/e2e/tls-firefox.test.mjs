// tests/e2e/tls.test.mjs in Firefox (tests/support/browsers.mjs).
process.env.REBOUND_BROWSER = 'firefox';
await import('./tls.test.mjs');
