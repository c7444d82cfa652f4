// A plain module page: no bundler, the package's ESM file copied next to this one.
// The page's CSP allows 'wasm-unsafe-eval' but not 'unsafe-eval' or inline scripts.
import ReconnectingWebSocket from './rebound-ws.js';

const out = document.body.dataset;
const log = (line) => {
  document.getElementById('log').textContent += `${line}\n`;
};

// Synchronous construction: nothing is awaited before this point.
let microtaskRan = false;
queueMicrotask(() => {
  microtaskRan = true;
});
let ws;
try {
  ws = new ReconnectingWebSocket('/ws'); // relative: resolved against the page
  out.urlMode = 'relative';
} catch (error) {
  out.relativeUrlError = `${error.name}: ${error.message}`;
  out.urlMode = 'absolute-fallback';
  ws = new ReconnectingWebSocket(`ws://${location.host}/ws`);
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
  if (opens >= 2) ws.send(`echo-${opens}`);
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
