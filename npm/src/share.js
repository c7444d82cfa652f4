// `share`: one WebSocket for every tab of an origin that opens the same URL, protocols and key.
//
// The whole sharing policy is here (the engine and its rules are untouched):
// - Who leads: the first tab to get the Web Lock `rebound-ws:<key>:<url>` runs the *hub*: an
//   ordinary ReconnectingWebSocket with the app's options (heartbeat, verification, URL
//   provider, backoff) that owns the real socket. The browser releases the lock when that
//   tab closes, navigates or crashes; the next tab waiting for it takes over.
// - Every app-facing instance, the leader tab's included, is a *member*: its engine runs as
//   usual over a `SharedSocket`, a WebSocket look-alike whose far end is the hub, reached by
//   BroadcastChannel. It opens when the hub's socket is ready, carries the hub's messages,
//   and closes with the hub's close code, so the member's own engine queues, drops, times
//   out requests and reports events exactly as for a socket of its own.
// - What is replayed: a member keeps what it sent until the hub acknowledges it (after the
//   hub handed it to its socket); when the leader goes, the unacknowledged messages go to the
//   next hub first, in order, before anything the member queued meanwhile.
// - Heartbeat and verification run once, in the hub; members run without them. Request ids
//   are distinct per member (the engine numbers them from a per-instance base), so a reply
//   is consumed by the member that asked and ignored by the others.
// - The hub closes its socket when the last member has left (each member holds a Web Lock of
//   its own while it is open, so a crashed tab counts as gone).

const READY = 1;
let tabs = 0;
const TAB = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-`;

/** Whether `share` can work here (Web Locks and BroadcastChannel); else each instance has its own socket. */
export function canShare() {
  return typeof BroadcastChannel === 'function' && typeof navigator !== 'undefined' && !!navigator.locks?.request;
}

/**
 * A member engine's options: the app's, over the link, without the heartbeat and the ready
 * check (the hub runs those once, for everyone) and with quick retries of the link (they
 * cost the server nothing; the hub's own backoff paces the real socket). It retries as long
 * as the hub does: when the hub stops for good, it closes its members with 4000.
 */
export function memberOptions(options = {}, Socket) {
  return {
    ...options,
    WebSocket: Socket,
    heartbeatInterval: 0,
    verify: undefined,
    verifyMessage: undefined,
    verifyReply: undefined,
    verifyTimeout: undefined,
    minReconnectionDelay: 50,
    maxReconnectionDelay: 500,
    jitter: 'none',
    maxRetries: Infinity,
  };
}

/** The name tabs meet under: the key, the URL (or "provider") and the protocols. */
export function shareName(share, url, protocols) {
  const key = share === true ? '' : String(share);
  const where = typeof url === 'string' ? url : 'provider';
  return `rebound-ws:${key}:${where}:${[].concat(protocols ?? []).join(',')}`;
}

/**
 * A member's link to the hub. `makeHub()` builds the hub's ReconnectingWebSocket (with the
 * app's options) in the tab that wins the lock.
 */
export class ShareLink {
  constructor(name, makeHub) {
    this.name = name;
    this.tab = TAB + ++tabs;
    this.makeHub = makeHub;
    this.sockets = new Map();
    this.outbox = []; // [seq, data] sent but not acknowledged, oldest first
    this.seq = 0;
    this.conns = 0;
    this.leader = null;
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => this.#receive(event.data);
    const link = this;
    /** The WebSocket look-alike a member's engine opens. */
    this.Socket = class SharedSocket {
      constructor(url) {
        this.url = url;
        this.protocol = '';
        this.extensions = '';
        this.binaryType = 'blob';
        this.bufferedAmount = 0;
        this.readyState = 0;
        this.conn = ++link.conns;
        link.sockets.set(this.conn, this);
        link.post({ t: 'hello', conn: this.conn });
      }
      addEventListener() {}
      send(data) {
        if (this.readyState !== READY) throw new DOMException('not open', 'InvalidStateError');
        link.transmit(this.conn, data);
      }
      close(code = 1000, reason = '') {
        if (this.readyState >= 2) return;
        link.post({ t: 'bye', conn: this.conn });
        link.end(this, code, reason, true);
      }
    };
    this.join();
  }

  post(message) {
    this.channel.postMessage({ ...message, tab: this.tab });
  }

  transmit(conn, data) {
    const seq = ++this.seq;
    this.outbox.push([seq, data]);
    this.post({ t: 'send', conn, seq, data });
  }

  /** Closes `socket` as a WebSocket would: CLOSED, then its close event in a later task. */
  end(socket, code, reason, wasClean) {
    if (socket.readyState === 3) return;
    socket.readyState = 3;
    this.sockets.delete(socket.conn);
    setTimeout(() => socket.onclose?.({ type: 'close', code, reason, wasClean }));
  }

  #receive(message) {
    if (message.to !== undefined && message.to !== this.tab) return;
    const socket = this.sockets.get(message.conn);
    switch (message.t) {
      case 'leader':
        // A new hub: sockets the old one served are gone (1006); those still waiting ask again.
        if (this.leader !== message.id) {
          this.leader = message.id;
          for (const s of [...this.sockets.values()]) {
            if (s.readyState === READY) this.end(s, 1006, 'the leading tab went away', false);
            else this.post({ t: 'hello', conn: s.conn });
          }
        }
        break;
      case 'open':
        if (!socket || socket.readyState !== 0) return;
        this.leader = message.id;
        socket.readyState = READY;
        socket.url = message.url;
        socket.protocol = message.protocol;
        // What the last hub never acknowledged goes first, in order.
        for (const [seq, data] of this.outbox) this.post({ t: 'send', conn: socket.conn, seq, data });
        socket.onopen?.({ type: 'open' });
        break;
      case 'message':
        for (const s of this.sockets.values()) if (s.readyState === READY) s.onmessage?.({ type: 'message', data: message.data });
        break;
      case 'ack':
        while (this.outbox.length > 0 && this.outbox[0][0] <= message.seq) this.outbox.shift();
        break;
      case 'close':
        for (const s of [...this.sockets.values()]) {
          if (message.conn === undefined || message.conn === s.conn) this.end(s, message.code, message.reason, message.wasClean);
        }
        break;
    }
  }

  /** Becomes a member: holds a member lock while open and waits in line to lead. */
  join() {
    if (this.left === false) return;
    this.left = false;
    this.abort = new AbortController();
    const { signal } = this.abort;
    const held = new Promise((resolve) => (this.release = resolve));
    const quietly = () => {}; // an aborted request rejects: that is the point
    navigator.locks.request(`${this.name}:member:${this.tab}`, { signal }, () => held).catch(quietly);
    navigator.locks.request(this.name, { signal }, () => new Hub(this.name, this.makeHub).done).catch(quietly);
  }

  /** The app's reconnect(): a shared socket that stopped for good tries again. */
  revive() {
    this.join();
    this.post({ t: 'revive' });
  }

  /** Leaves (the app closed): gives up the member lock and the place in line. */
  leave() {
    if (this.left !== false) return;
    this.left = true;
    this.abort.abort();
    this.release();
    this.post({ t: 'leave' });
  }
}

/** The leading tab's end: the real socket, relayed to every member. */
class Hub {
  constructor(name, makeHub) {
    this.name = name;
    this.id = `${TAB}hub`;
    this.waiting = new Map(); // tab → set of conns waiting for the socket to be ready
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => this.#receive(event.data);
    const rws = (this.rws = makeHub());
    rws.addEventListener('open', () => {
      for (const [tab, conns] of this.waiting) for (const conn of conns) this.#open(tab, conn);
      this.waiting.clear();
    });
    rws.addEventListener('message', (event) => this.ended || this.channel.postMessage({ t: 'message', data: event.data }));
    rws.addEventListener('close', (event) => {
      if (this.ended) return;
      const closing = this.#closing(event);
      this.stopped = event.willRetry ? null : closing;
      this.channel.postMessage({ t: 'close', ...closing });
    });
    rws.addEventListener('statechange', (event) => {
      if (event.state === 'connecting') this.stopped = null; // reconnect() on the hub's tab
    });
    this.channel.postMessage({ t: 'leader', id: this.id });
  }

  /**
   * The close members see: the hub's own while it retries; when it has stopped for good
   * (policy, retries exhausted) a 4000 ("do not retry") whose reason names the hub's kind.
   */
  #closing({ willRetry, code, reason, wasClean, kind, hint }) {
    if (willRetry) return { code, reason, wasClean };
    return { code: 4000, reason: `shared connection stopped (${kind}): ${reason || hint}`.slice(0, 123), wasClean };
  }

  #open(tab, conn) {
    const rws = this.rws;
    this.channel.postMessage({ t: 'open', to: tab, conn, id: this.id, url: rws.url, protocol: rws.protocol });
  }

  #receive(message) {
    const { tab, conn } = message;
    switch (message.t) {
      case 'hello':
        if (this.rws.readyState === READY) this.#open(tab, conn);
        else if (this.stopped) this.channel.postMessage({ t: 'close', to: tab, conn, ...this.stopped });
        else (this.waiting.get(tab) ?? this.waiting.set(tab, new Set()).get(tab)).add(conn);
        break;
      case 'bye':
        this.waiting.get(tab)?.delete(conn);
        break;
      case 'send':
        // Acknowledged only once handed to an open socket. While the hub reconnects it is not
        // taken (not held in the hub's queue, which dies with this tab): it stays in the
        // member's outbox, and the member, whose link closes with the socket, replays it on
        // its next open, in order, to this hub or the next.
        if (this.rws.readyState !== READY) break;
        this.rws.send(message.data);
        this.channel.postMessage({ t: 'ack', to: tab, seq: message.seq });
        break;
      case 'leave':
        this.waiting.delete(tab);
        this.#checkMembers(tab);
        break;
      case 'revive':
        // A member's reconnect(): a hub that stopped for good tries again.
        if (this.stopped) {
          this.stopped = null;
          this.rws.reconnect();
        }
        break;
    }
  }

  /** The last member gone (`leaving` may not have let its lock go yet): close the socket and let the lock go. */
  async #checkMembers(leaving) {
    const { held = [] } = await navigator.locks.query();
    const gone = `${this.name}:member:${leaving}`;
    if (this.ended || held.some((lock) => lock.name.startsWith(`${this.name}:member:`) && lock.name !== gone)) return;
    this.ended = true;
    this.channel.onmessage = null;
    this.channel.close();
    this.rws.close();
    this.finish();
  }
}
