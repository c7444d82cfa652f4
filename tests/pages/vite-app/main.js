// A tiny app bundled by Vite and by webpack with their defaults: the package is imported like
// any other, with no wasm plugin, no `await init()` and no asset URL.
import ReconnectingWebSocket from 'rebound-ws';

const out = document.body.dataset;
const log = (line) => {
  document.getElementById('log').textContent += `${line}\n`;
};

// Synchronous construction: nothing is awaited before this point. If a microtask ran
// before the constructor returned, something in between yielded.
let microtaskRan = false;
queueMicrotask(() => {
  microtaskRan = true;
});
// `?share`: the same checks through `share` (its module and wasm loaded as the bundler emitted them).
const options = new URLSearchParams(location.search).has('share') ? { share: true } : undefined;
let ws;
try {
  ws = new ReconnectingWebSocket('/ws', undefined, options); // relative: resolved against the page
  out.urlMode = 'relative';
} catch (error) {
  out.relativeUrlError = `${error.name}: ${error.message}`;
  out.urlMode = 'absolute-fallback';
  ws = new ReconnectingWebSocket(`ws://${location.host}/ws`, undefined, options);
}
const firstSend = ws.send('echo-1'); // queued until the socket opens
out.sync = JSON.stringify({
  microtaskRanBeforeConstructed: microtaskRan,
  instance: ws instanceof ReconnectingWebSocket,
  readyState: ws.readyState,
  firstSend,
});

const received = [];
let opens = 0;
let closes = 0;
ws.addEventListener('open', () => {
  opens += 1;
  out.opens = String(opens);
  out.url = ws.url;
  log(`open #${opens} ${ws.url}`);
  if (opens >= 2) ws.send(`echo-${opens}`); // after a reconnect: the second message
});
ws.addEventListener('close', (event) => {
  closes += 1;
  out.closes = String(closes);
  log(`close ${event.code} kind=${event.kind} willRetry=${event.willRetry} retryIn=${event.retryIn}`);
});
ws.addEventListener('error', (event) => log(`error ${event.message}`));
ws.addEventListener('message', (event) => {
  received.push(event.data);
  out.messages = JSON.stringify(received);
  out.result = event.data;
  log(`message ${event.data}`);
});
out.loaded = '1';
