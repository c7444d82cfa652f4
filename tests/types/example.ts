// Uses rebound-ws the way an application would; `tsc -p tests/types` must accept every line
// except the ones marked `@ts-expect-error`, which must be rejected.
import ReconnectingWebSocket, {
  ReconnectingWebSocket as Named,
  liveHandlers,
  type CloseKind,
  type DropEvent,
  type Options,
  type ReboundCloseEvent,
  type ReboundStats,
  type RequestError,
  type State,
  type StateChangeEvent,
} from 'rebound-ws';

// ---- construction -------------------------------------------------------------------------

const options: Options = {
  maxReconnectionDelay: 10_000,
  minReconnectionDelay: 500,
  reconnectionDelayGrowFactor: 1.5,
  jitter: 'phased',
  connectionTimeout: 4_000,
  maxRetries: Infinity,
  heartbeatInterval: 15_000,
  heartbeatTimeout: 5_000,
  heartbeatMessage: JSON.stringify({ type: 'ping' }),
  heartbeatReply: (data) => typeof data === 'string' && data.includes('"pong"'),
  maxEnqueuedMessages: 100,
  queueOverflow: 'drop-oldest',
  messageTtl: 30_000,
  shouldReconnect: (code) => (code === 4401 ? false : undefined),
  debug: (message, ...details) => console.debug('[ws]', message, ...details),
};

const ws = new ReconnectingWebSocket('wss://example.com/socket', [], options);
const same: Named = ws;

// A URL provider (a fresh token per attempt) and a ready check with an async function.
declare function freshToken(): Promise<string>;
const cdp = new Named(async () => `wss://example.com/devtools?token=${await freshToken()}`, undefined, {
  startClosed: true,
  verify: async (socket) => {
    socket.send(JSON.stringify({ id: 0, method: 'Runtime.enable' }));
    await new Promise<void>((resolve) => socket.addEventListener('message', () => resolve(), { once: true }));
  },
  verifyTimeout: 5_000,
});
cdp.reconnect();

// A verification message and its reply predicate.
const verified = new ReconnectingWebSocket('wss://example.com/rpc', 'v1.rpc', {
  verifyMessage: { type: 'hello' },
  verifyReply: (data) => data === '{"type":"welcome"}',
  requestIdField: 'requestId',
  requestTimeout: 2_000,
});

// Node with the `ws` package: its constructor (as @types/ws declares it) is accepted.
declare class NodeWs {
  constructor(address: string | URL, options?: object);
  constructor(address: string | URL, protocols?: string | string[], options?: object);
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
}
const inNode = new ReconnectingWebSocket('ws://127.0.0.1:8080', undefined, { WebSocket: NodeWs });

// ---- WebSocket-compatible surface ---------------------------------------------------------

ws.binaryType = 'arraybuffer';
const isOpen: boolean = ws.readyState === ReconnectingWebSocket.OPEN || ws.readyState === ws.CLOSING;
const description: string = `${ws.url} ${ws.protocol} ${ws.extensions} ${ws.bufferedAmount} ${ws.retryCount}`;

ws.onopen = () => console.log('ready');
ws.onmessage = (event) => console.log('message', event.data);
ws.onerror = (event) => console.warn('socket error', event.message, event.error);
ws.onclose = function (event) {
  // `this` is the socket.
  console.log(this.state, event.code, event.reason, event.wasClean);
};
ws.onstatechange = (event) => console.log(event.state, event.attempt);
ws.onready = (event) => console.log(`ready after ${event.openToReadyMs} ms`);
ws.ondrop = (event) => console.warn('not sent', event.reason);
ws.ondrain = null;
// A handler that returns false cancels a cancelable event, as on WebSocket.
ws.onmessage = () => false;
// @ts-expect-error: a 'ready' event has no `code`
ws.onready = (event) => console.log(event.code);

// ---- typed listeners ----------------------------------------------------------------------

ws.addEventListener('close', (event) => {
  const kind: CloseKind = event.kind;
  const hint: string = event.hint;
  if (kind === 'policy' || kind === 'app-stop') showLogin(hint);
  if (event.willRetry && event.retryIn !== null) console.log(`retrying in ${Math.round(event.retryIn / 1000)} s`);
});

ws.addEventListener('statechange', (event: StateChangeEvent) => {
  const state: State = event.state;
  const maxRetries = event.maxRetries === null ? '∞' : String(event.maxRetries);
  console.log(`${state}: attempt ${event.attempt} of ${maxRetries}, next in ${event.retryIn ?? '-'} ms`);
});

ws.addEventListener('ready', (event) => console.log(`ready after ${event.openToReadyMs} ms`));

// EventTarget's options: a listener that goes with its component, one that fires once.
const unmount = new AbortController();
ws.addEventListener('message', (event) => console.log(event.data), { signal: unmount.signal });
ws.addEventListener('open', () => console.log('first open'), { once: true, passive: true });
ws.removeEventListener('drop', () => {}, { capture: false });
unmount.abort();

const onDrop = (event: DropEvent): void => console.warn('not sent:', event.reason, event.data);
ws.addEventListener('drop', onDrop);
ws.removeEventListener('drop', onDrop);

ws.addEventListener('drain', () => pump());
ws.addEventListener('message', { handleEvent: (event) => console.log(event.data) });

const closeListener = (event: ReboundCloseEvent): void => console.log(event.kind);
ws.addEventListener('close', closeListener);
const eventName: 'close' | 'open' = Math.random() > 0.5 ? 'close' : 'open';
ws.addEventListener(eventName, () => {});

// ---- sending, requests, stats -------------------------------------------------------------

function pump(): void {
  while (hasMore()) {
    const accepted: boolean = ws.send(nextChunk());
    if (!accepted) return; // congested: wait for 'drain'
  }
}
ws.send(new Uint8Array([1, 2, 3]));
ws.send(new ArrayBuffer(8));
ws.send(new Blob(['hi']));

interface RpcReply {
  requestId: number;
  result?: { value: unknown };
}

async function evaluate(expression: string): Promise<unknown> {
  try {
    const reply = await verified.request<RpcReply>({ method: 'eval', params: { expression } }, { timeout: 1_000 });
    return reply.result?.value;
  } catch (error) {
    const failure = error as RequestError;
    if (failure.name === 'RequestError' && failure.reason === 'timeout') return undefined;
    throw error;
  }
}
const untyped: Promise<Record<string, unknown>> = ws.request({ method: 'status' });

const stats: ReboundStats = ws.stats;
const line = `${stats.attempts} attempts, ${stats.opens} opens, ${stats.messagesSent} sent, ${stats.messagesReceived} received, ${stats.messagesDropped} dropped, rtt ${stats.rttMs ?? '?'} ms, queued ${stats.queued} (${stats.queuedBytes} B), last close ${stats.lastClose ?? 'none'}`;
const handlers: number = liveHandlers();

ws.close(4000, 'logged out');
ws.close();
ws.reconnect();

// ---- wrong usage is rejected --------------------------------------------------------------

// @ts-expect-error: unknown event name
ws.addEventListener('opened', () => {});
// @ts-expect-error: a 'statechange' event has no `kind`
ws.addEventListener('statechange', (event) => event.kind);
// @ts-expect-error: a 'close' listener does not take a DropEvent
ws.addEventListener('close', onDrop);
// @ts-expect-error: durations are numbers
new ReconnectingWebSocket('wss://example.com', [], { connectionTimeout: '4000' });
// @ts-expect-error: unknown option (typo of maxRetries)
new ReconnectingWebSocket('wss://example.com', [], { maxRetry: 3 });
// @ts-expect-error: not a jitter kind
new ReconnectingWebSocket('wss://example.com', [], { jitter: 'random' });
// @ts-expect-error: not an overflow policy
new ReconnectingWebSocket('wss://example.com', [], { queueOverflow: 'drop' });
// @ts-expect-error: the URL is a string or a function, not a number
new ReconnectingWebSocket(8080);
// @ts-expect-error: send() takes WebSocket data, not a plain object
ws.send({ type: 'hello' });
// @ts-expect-error: not a State
const wrongState: State = 'disconnected';
// @ts-expect-error: readyState is read-only
ws.readyState = 1;
// @ts-expect-error: stats are read-only
ws.stats.attempts = 0;

declare function showLogin(hint: string): void;
declare function hasMore(): boolean;
declare function nextChunk(): string;

export { same, cdp, inNode, isOpen, description, evaluate, untyped, line, handlers, wrongState };

// A subclass's own `onmessage` field would hide the handler accessor (as it would a
// WebSocket's): the handler would never be called, so the types refuse it.
class Chat extends ReconnectingWebSocket {
  // @ts-expect-error: 'onmessage' is an accessor in ReconnectingWebSocket
  onmessage = null;
}
void Chat;
