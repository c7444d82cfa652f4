// @ts-check
// The share module: `share`'s policy (ShareMember, ShareHub) in a wasm of its own and the
// link's workings, so apps that never use `share` ship none of it. share.js imports this file
// the first time an instance opens a shared socket (left external by every other entry:
// dist/share-wasm.js, next to dist/rebound-share.wasm).
import init, { ShareHub, ShareMember } from './generated/rebound_share.js';
import { nextTask } from './events.js';
import { size } from './size.js';
import { wasmLoadError } from './load-error.js';

const wasm = new URL('./rebound-share.wasm', import.meta.url);
await init({ module_or_path: wasm }).catch((error) => Promise.reject(wasmLoadError(error, wasm)));

export { ShareHub, ShareMember };

// The link's workings (the façade and the look-alike are share.js's `ShareLink`):
// - the `BroadcastChannel` the tabs talk on, and the Web Locks: the tab holding the lock
//   named by the member's `name` leads (the browser releases it when the tab closes, navigates or
//   crashes, and the next tab waiting gets it) and holds its hub's lock too, which members
//   check in the lock manager before they follow it; each member holds a lock of its own
//   while it is open, so the hub can tell when the last one is gone. The lock names, and
//   what a lock manager snapshot means, come from the wasm;
// - the hub: an ordinary ReconnectingWebSocket with the app's options in the leading tab;
// - performing the actions each wasm call returns, in order, after it has returned.
// Server messages are the one thing relayed without a wasm call (the per-message path):
// the hub posts each as `{ t: 'message', hub, data }` (the shape crates/ws-wasm/src/
// share_wire.rs reads) and members dispatch it on their open links if they follow that hub;
// anything else goes to the wasm, which ignores and counts what is malformed or forged.

const OPEN = 1;
let tabs = 0;
let hubs = 0;
const TAB = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-`;

/** A lock request ended: aborted (that is the point) or refused (the link falls back, see below). */
const quietly = () => {};

/** The browser's channel and locks, which tabs of an origin share. */
const BROWSER = { channel: (name) => new BroadcastChannel(name), locks: () => navigator.locks };

let fallbackWarned = false;

/** What a `ShareLink` (share.js) does once the module is there: one instance's member. */
export class MemberLink {
  /** @param {any} share the instance's ShareLink */
  constructor(share) {
    const { shareSetup, shareIds } = share.settings;
    this.share = share;
    this.member = new ShareMember(TAB + ++tabs, shareSetup, shareIds);
    this.name = this.member.name;
    this.options = this.member.options;
    this.hub = undefined; // the hub the member follows (its server messages are dispatched)
    this.sockets = new Map(); // conn → SharedSocket
    this.channel = null; // while joined
    this.refused = undefined; // the error of a send the channel refused, during send()
    /** @type {any} the browser's channel and locks; inTab once the browser refused */
    this.platform = BROWSER;
  }

  /** Channel messages ignored (malformed, or in the name of a hub not followed). */
  get ignored() {
    return this.member.ignored;
  }

  /** A look-alike's first connect joins (not its construction: `startClosed` opens nothing), then asks the hub for the socket. */
  open(socket) {
    this.join();
    if (socket.readyState !== 0) return;
    socket.conn = this.member.connect();
    this.sockets.set(socket.conn, socket);
    this.perform();
  }

  /** A look-alike's send. */
  send(socket, data) {
    if (!this.member.send(socket.conn, data, size(data))) throw new DOMException('not open', 'InvalidStateError');
    this.refused = null; // set by perform() if the channel refuses this send
    this.perform();
    const refused = this.refused;
    this.refused = undefined;
    // The channel could not carry the value (it cannot be cloned): as a socket refuses
    // one, a TypeError (the wrapper reports it by a drop, `refused`).
    if (refused) throw new TypeError(`rebound-ws: share: this value cannot be sent to the leading tab (${refused.message})`);
  }

  /** A look-alike's close. */
  close(socket, code, reason) {
    this.member.disconnect(socket.conn, code, reason);
    this.perform();
  }

  #receive(message) {
    if (message?.t === 'message' && this.hub !== undefined && message.hub === this.hub) {
      for (const s of this.sockets.values()) if (s.readyState === OPEN) s.onmessage?.({ type: 'message', data: message.data });
      return;
    }
    this.member.receive(message);
    this.perform();
  }

  /** Does what the member asked, in order. */
  perform() {
    for (const action of this.member.actions()) {
      const socket = this.sockets.get(action.conn);
      switch (action.do) {
        case 'post':
          try {
            this.channel?.postMessage(action.message);
          } catch (error) {
            // A send whose value cannot be cloned: forgotten here, reported by the caller
            // (send) or, in a replay, by a drop.
            if (action.message.t !== 'send') throw error;
            this.member.forget(action.message.seq);
            if (this.refused === null) this.refused = error;
            else nextTask(() => this.share.dropped(action.message.data, 'refused'));
          }
          break;
        case 'check': {
          // Which hub leads: the lock manager's word, not a message's. A failed query counts
          // as "none now": the member asks again when a hub speaks.
          const answer = (snapshot) => {
            this.member.hubChecked(snapshot);
            this.hub = this.member.hub;
            this.perform();
          };
          this.platform.locks().query().then(answer, () => answer({ held: [] }));
          break;
        }
        case 'unsent':
          // The shared socket stopped before taking it: a drop, as for a queued message.
          nextTask(() => this.share.dropped(action.data, 'closed'));
          break;
        case 'opened':
          if (!socket) break;
          socket.readyState = OPEN;
          socket.url = action.url;
          socket.protocol = action.protocol;
          socket.onopen?.({ type: 'open' });
          break;
        case 'closed':
          // As a WebSocket: CLOSED now, the close event in a later task.
          if (!socket) break;
          socket.readyState = 3;
          this.sockets.delete(action.conn);
          nextTask(() => socket.onclose?.({ type: 'close', code: action.code, reason: action.reason, wasClean: action.wasClean }));
          break;
        case 'warn':
          console.warn(action.text);
          break;
        case 'block':
          this.share.others.add(action.added);
          this.share.others.delete(action.forgotten);
          break;
        // 'deliver' never comes: server messages skip the member (see #receive).
      }
    }
    // What the hub has not acknowledged is the look-alikes' bufferedAmount, which the wrapper
    // reads as a socket's: a leading tab that takes no sends congests this member's engine.
    const buffered = this.member.bufferedAmount;
    for (const socket of this.sockets.values()) socket.bufferedAmount = buffered;
  }

  /** Becomes a member: opens the channel, holds a member lock while open and waits in line to lead. */
  join() {
    if (this.channel) return;
    const { channel, locks } = this.platform;
    try {
      this.channel = channel(this.name);
      this.channel.onmessage = (event) => this.#receive(event.data);
      this.abort = new AbortController();
      const { signal } = this.abort;
      const held = new Promise((resolve) => (this.release = resolve));
      locks().request(this.member.lock, { signal }, () => held).catch(quietly);
      // The leader's lock, then the hub's own (members follow a hub only when the lock
      // manager shows both), held until the hub ends.
      const lead = () => {
        const id = `${TAB}hub-${++hubs}`; // a new name for every hub
        const hub = () => new Hub(this.name, id, this.options, this.share.makeHub, ShareHub, this.platform).done;
        return locks().request(ShareHub.lockFor(this.name, id), {}, hub);
      };
      locks()
        .request(this.name, { signal }, lead)
        .catch((error) => error?.name === 'AbortError' || this.#fallBack(error));
    } catch (error) {
      this.#fallBack(error);
    }
  }

  /** The browser refused its channel or locks: run over the in-tab ones, with a warning. */
  #fallBack(error) {
    if (this.platform === inTab) return;
    if (!fallbackWarned) {
      fallbackWarned = true;
      console.warn(`rebound-ws: share: this browser refused ${error?.name ?? 'Web Locks or BroadcastChannel'} (${error?.message ?? error}); this tab opens a socket of its own`);
    }
    this.leave(false);
    this.platform = inTab;
    this.join();
  }

  /** The app's reconnect(): a shared socket that stopped for good tries again. */
  revive() {
    this.join();
    this.member.revive();
    this.perform();
  }

  /**
   * The app's close(): says so (`announce`), closes the channel, gives up the member lock and
   * the place in line.
   */
  leave(announce = true) {
    if (!this.channel) return;
    if (announce) {
      this.member.leave();
      this.perform();
    }
    this.channel.onmessage = null;
    this.channel.close();
    this.channel = null;
    this.abort?.abort();
    this.release?.();
  }
}

/** The leading tab's end: the real socket, relayed to every member. */
class Hub {
  constructor(name, id, options, makeHub, ShareHub, platform) {
    this.id = id;
    this.locks = platform.locks();
    this.hub = new ShareHub(id, options, name);
    this.taskReads = ShareHub.drainTaskReads();
    this.polling = false;
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.channel = platform.channel(name);
    this.channel.onmessage = (event) => {
      this.hub.receive(event.data);
      this.#perform();
    };
    const { rws, sendNow, buffered } = makeHub();
    this.rws = rws;
    this.sendNow = sendNow;
    this.buffered = buffered;
    rws.addEventListener('open', () => {
      this.hub.socketOpened(rws.url, rws.protocol);
      this.#perform();
    });
    rws.addEventListener('message', (event) => this.ended || this.channel.postMessage({ t: 'message', hub: id, data: event.data }));
    rws.addEventListener('close', (event) => {
      this.hub.socketClosed(event);
      this.#perform();
    });
    rws.addEventListener('statechange', (event) => event.state === 'connecting' && this.hub.socketConnecting());
    // The tab goes (closed, navigated away): acknowledge what left the socket's buffer long
    // enough ago (the share module's settle time) now, so the next leader does not send it
    // again (a throttled tab reads the buffer late); what left it just now, the next leader
    // sends again (it may still have been in the browser's network stack).
    this.onPageHide = () => {
      if (this.ended) return;
      this.hub.drained(performance.now(), this.buffered());
      this.#perform();
    };
    globalThis.addEventListener?.('pagehide', this.onPageHide);
    this.#perform();
  }

  /**
   * Reads the socket's buffer while sends wait for it to drain and settle (then they are
   * acknowledged): `taskReads` times in the next task, then as the hub says (`nextReadIn`:
   * soon while a send is in the buffer, else when the oldest out of it settles).
   */
  #drainLater(tries = 0) {
    if (this.polling) return;
    this.polling = true;
    const read = () => {
      this.polling = false;
      if (this.ended) return;
      this.hub.drained(performance.now(), this.buffered());
      if (this.hub.awaitingDrain) this.#drainLater(tries + 1);
      this.#perform();
    };
    if (tries < this.taskReads) nextTask(read);
    else setTimeout(read, this.hub.nextReadIn(performance.now()));
  }

  /** Does what the hub asked, in order, until it asks nothing more. */
  #perform() {
    for (let actions = this.hub.actions(); actions.length > 0; actions = this.hub.actions()) {
      for (const action of actions) {
        switch (action.do) {
          case 'post':
            if (!this.ended) this.channel.postMessage(action.message);
            break;
          case 'transmit': {
            // Taken only if it goes out now (else the member sends it again), acknowledged
            // once the socket's buffer has drained past it.
            const bytes = this.sendNow(action.data);
            if (bytes >= 0) {
              this.hub.transmitted(action.tab, action.seq, bytes);
              this.#drainLater();
            }
            break;
          }
          case 'reconnect':
            this.rws.reconnect();
            break;
          case 'check':
            this.locks.query().then((snapshot) => {
              this.hub.membersChecked(snapshot, action.leaving);
              this.#perform();
            }, quietly);
            break;
          case 'watch':
            // Granted when that member's lock is released (it left, navigated or crashed).
            // Shared mode: the member check counts only members' (exclusive) locks, not this.
            this.locks
              .request(action.lock, { mode: 'shared' }, () => {
                this.hub.memberGone(action.tab);
                this.#perform();
              })
              .catch(quietly);
            break;
          case 'end':
            this.ended = true;
            globalThis.removeEventListener?.('pagehide', this.onPageHide);
            this.channel.onmessage = null;
            this.channel.close();
            this.rws.close();
            this.finish();
            break;
        }
      }
    }
  }
}

// Where the browser refuses its channel or locks (Web Locks in a privacy mode, storage
// partitioning, a BroadcastChannel that throws), share.js runs the same member and hub over
// `inTab`, an in-tab channel and lock table: the tab has a socket of its own (shared by its
// own instances). Here, not in share.js, so only apps that share ship it.
const tabChannels = new Map(); // name → Set of TabChannel
class TabChannel {
  constructor(name) {
    this.name = name;
    this.onmessage = null;
    if (!tabChannels.has(name)) tabChannels.set(name, new Set());
    tabChannels.get(name).add(this);
  }
  postMessage(data) {
    const copy = structuredClone(data);
    for (const other of tabChannels.get(this.name) ?? []) if (other !== this) nextTask(() => other.onmessage?.({ data: copy }));
  }
  close() {
    tabChannels.get(this.name)?.delete(this);
  }
}
class TabLocks {
  held = [];
  waiting = [];
  request(name, options, callback) {
    return new Promise((resolve, reject) => {
      const entry = { name, mode: options.mode ?? 'exclusive', callback, resolve, reject };
      options.signal?.addEventListener('abort', () => {
        if (!this.waiting.includes(entry)) return;
        this.waiting = this.waiting.filter((w) => w !== entry);
        reject(new DOMException('aborted', 'AbortError'));
      });
      this.waiting.push(entry);
      this.grant();
    });
  }
  grant() {
    for (const entry of [...this.waiting]) {
      const conflicts = (other) => other.name === entry.name && (other.mode === 'exclusive' || entry.mode === 'exclusive');
      const ahead = this.waiting.slice(0, this.waiting.indexOf(entry));
      if (this.held.some(conflicts) || ahead.some(conflicts)) continue;
      this.waiting = this.waiting.filter((w) => w !== entry);
      this.held.push(entry);
      const release = () => {
        this.held = this.held.filter((h) => h !== entry);
        this.grant();
      };
      Promise.resolve()
        .then(() => entry.callback())
        .then((value) => (release(), entry.resolve(value)), (error) => (release(), entry.reject(error)));
    }
  }
  query() {
    return Promise.resolve({ held: this.held.map(({ name, mode }) => ({ name, mode, clientId: 'this-tab' })), pending: [] });
  }
}
const tabLocks = new TabLocks();
const inTab = { channel: (name) => new TabChannel(name), locks: () => tabLocks };
export { inTab };
