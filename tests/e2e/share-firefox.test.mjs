// tests/e2e/share.test.mjs in Firefox (tests/support/browsers.mjs), whose background tabs are throttled.
process.env.REBOUND_BROWSER = 'firefox';
await import('./share.test.mjs');
