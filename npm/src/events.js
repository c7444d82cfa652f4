// @ts-check
// Event plumbing shared by the wrapper: building events, calling listeners, reading what
// look-alike sockets hand over, and WebSocket.send's argument rule.

/** WebSocket's events and Rebound's own; each has an `on<type>` handler. */
export const BUILTIN_EVENTS = ['open', 'close', 'error', 'message', 'statechange', 'ready', 'drop', 'drain'];

export function makeEvent(type, target, props) {
  const event =
    type === 'close' && typeof CloseEvent === 'function'
      ? new CloseEvent('close', { code: props.code, reason: props.reason, wasClean: props.wasClean })
      : new Event(type);
  for (const key in props) {
    if (!(key in event)) Object.defineProperty(event, key, { value: props[key], enumerable: true });
  }
  Object.defineProperty(event, 'target', { value: target });
  return event;
}

/** An app callback threw: report it the way EventTarget does (uncaught, later), and go on. */
export function reportError(error) {
  setTimeout(() => {
    throw error;
  });
}

export function callListener(listener, event, self) {
  try {
    if (typeof listener === 'function') listener.call(self, event);
    else if (listener && typeof listener.handleEvent === 'function') listener.handleEvent(event);
  } catch (error) {
    reportError(error);
  }
}

/** `object[key]`, or `undefined` when reading it throws (events from look-alike sockets). */
export function read(object, key) {
  try {
    return object == null ? undefined : object[key];
  } catch {
    return undefined;
  }
}

/** What `WebSocket.send` takes as is; anything else it converts to a string (WebIDL). */
export function isBinary(data) {
  return (
    ArrayBuffer.isView(data) ||
    Object.prototype.toString.call(data) === '[object ArrayBuffer]' ||
    (typeof Blob === 'function' && data instanceof Blob)
  );
}

export function withoutQuery(url) {
  return String(url).replace(/[?#].*$/s, ''); // `s`: a newline after the query hides nothing
}

// The `ws` package reports an aborted handshake as an 'error' on the next tick, and an
// EventEmitter with no 'error' listener throws, which kills a Node process; this listener,
// never removed, keeps that error harmless once the socket is detached.
export function ignoreError() {}


/**
 * Runs `callback` in a later task: a message to ourselves, which background tabs do not delay
 * as they do `setTimeout(0)` (Firefox clamps it to about a second in a hidden tab).
 */
export function nextTask(callback) {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    callback();
  };
  port2.postMessage(null);
}
