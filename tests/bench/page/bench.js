// Benchmark page (bundled by tests/bench/run.mjs with esbuild): the same measurements for
// the raw WebSocket, rebound-ws, reconnecting-websocket and partysocket. Driven through
// window.bench by playwright.
import Rebound, { liveHandlers, wasmMemoryBytes } from 'rebound-ws';
import ReconnectingWebSocket from 'reconnecting-websocket';
import { WebSocket as PartySocket } from 'partysocket';

const PAYLOAD = 'x'.repeat(32);
const clients = {
  raw: (url) => new WebSocket(url),
  rebound: (url, options) => new Rebound(url, undefined, options),
  'reconnecting-websocket': (url) => new ReconnectingWebSocket(url),
  partysocket: (url) => new PartySocket(url),
};

let socket = null;
let received = 0;
let target = 0;
let done = null;

function onMessage(event) {
  if (typeof event.data === 'string' && event.data.startsWith('count ')) {
    done?.(Number(event.data.slice(6)));
    return;
  }
  if (++received === target) done?.(received);
}

function waitOpen(ws) {
  return new Promise((resolve) => {
    if (ws.readyState === 1) return resolve();
    ws.addEventListener('open', () => resolve(), { once: true });
  });
}

function expect(n) {
  return new Promise((resolve) => {
    target = n;
    done = resolve;
  });
}

window.bench = {
  async open(kind, url, options = {}) {
    socket = clients[kind](url, options);
    received = 0;
    socket.onmessage = onMessage;
    await waitOpen(socket);
  },
  /** Asks for n pre-framed messages; resolves with the ms from request to the last one. */
  async receive(n) {
    received = 0;
    const all = expect(n);
    const start = performance.now();
    socket.send(`burst ${n} 32`);
    await all;
    return performance.now() - start;
  },
  /** Sends n messages in a synchronous loop; returns the loop's µs per message. */
  send(n) {
    const start = performance.now();
    for (let i = 0; i < n; i++) socket.send(PAYLOAD);
    return ((performance.now() - start) * 1000) / n;
  },
  /** The server's count of messages received on this connection. */
  async serverCount() {
    const answer = new Promise((resolve) => (done = resolve));
    socket.send('count');
    return answer;
  },
  close() {
    socket.onmessage = null;
    socket.close();
    socket = null;
  },
  // ---- liveness and leaks (rebound only) ----
  async control(action, query = '') {
    await fetch(`/control/${action}${query ? `?${query}` : ''}`, { method: 'POST' });
  },
  /**
   * The peer falls silent `phase` ms after its last message (an echo), then is blackholed;
   * resolves with the ms from that last message until the heartbeat declared it dead.
   * Spreading `phase` over the interval shows detection does not depend on the timer's phase.
   */
  async detect(url, interval, timeout, phase) {
    const ws = new Rebound(url, undefined, { heartbeatInterval: interval, heartbeatTimeout: timeout });
    await waitOpen(ws);
    await new Promise((r) => setTimeout(r, interval * 1.5));
    const echoed = new Promise((resolve) => ws.addEventListener('message', () => resolve(performance.now()), { once: true }));
    ws.send('last words');
    const last = await echoed;
    const dead = new Promise((resolve) =>
      ws.addEventListener('close', (e) => e.kind === 'heartbeat-timeout' && resolve(performance.now())),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, last + phase - performance.now())));
    await this.control('blackhole', 'ms=20000');
    const at = await dead;
    ws.close();
    await this.control('reset');
    return at - last;
  },
  /** Takes the server down for `down` ms; resolves with when it came back, the first attempt
   * after that, and when the socket was ready again (all ms, page clock). */
  async recover(url, down) {
    const ws = new Rebound(url);
    await waitOpen(ws);
    const attempts = [];
    ws.addEventListener('statechange', (e) => e.state === 'connecting' && attempts.push(performance.now()));
    const closed = new Promise((resolve) => ws.addEventListener('close', resolve, { once: true }));
    const start = performance.now();
    await this.control('down', `ms=${down}`);
    await closed;
    const back = start + down;
    await new Promise((resolve) => ws.addEventListener('ready', resolve, { once: true }));
    const ready = performance.now();
    ws.close();
    return { back, ready, attempt: attempts.find((t) => t >= back - 5) ?? null };
  },
  /** Opens the socket the leak check reconnects; returns live handlers and wasm memory. */
  async leakOpen(url) {
    window.leaky = new Rebound(url);
    await waitOpen(window.leaky);
    return { handlers: liveHandlers(), wasm: wasmMemoryBytes() };
  },
  /** Forces n reconnects of that socket, each to open; returns the same measurements. */
  async leakCycle(n) {
    const ws = window.leaky;
    for (let i = 0; i < n; i++) {
      const open = new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
      ws.reconnect();
      await open;
    }
    return { handlers: liveHandlers(), wasm: wasmMemoryBytes() };
  },
  wasmMemoryBytes,
};
window.benchReady = true;
