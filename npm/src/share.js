// @ts-check
// `share`: one WebSocket for every tab of an origin that opens the same URL, protocols and key.
//
// The policy — when a link opens, what is replayed and in which order, when links stop,
// when the socket closes, options that differ — is the wasm's `ShareMember` and `ShareHub`
// (crates/ws-core/src/share.rs, bound in crates/ws-wasm/src/share.rs); `Core` gives each
// member its settings (`shareName`, `shareOptions`, an engine without heartbeat or
// verification). This file is the plumbing:
// - the `BroadcastChannel` the tabs talk on, and the Web Locks: the tab holding the lock
//   named `shareName` leads (the browser releases it when the tab closes, navigates or
//   crashes, and the next tab waiting gets it) and holds its hub's lock too, which members
//   check in the lock manager before they follow it; each member holds a lock of its own
//   while it is open, so the hub can tell when the last one is gone. The lock names, and
//   what a lock manager snapshot means, come from the wasm;
// - `SharedSocket`, the WebSocket look-alike a member's engine opens, whose far end is the
//   hub: an ordinary ReconnectingWebSocket with the app's options in the leading tab;
// - performing the actions each wasm call returns, in order, after it has returned.
// Server messages are the one thing relayed without a wasm call (the per-message path):
// the hub posts each as `{ t: 'message', hub, data }` (the shape crates/ws-wasm/src/
// share_wire.rs reads) and members dispatch it on their open links if they follow that hub;
// anything else goes to the wasm, which ignores and counts what is malformed or forged.
//
// The policy's wasm is a module of its own (share-wasm.js), fetched the first time an
// instance uses `share`; until it is there, the instance's look-alike stays CONNECTING.

import { nextTask } from './events.js';

const OPEN = 1;
let tabs = 0;
let hubs = 0;
const TAB = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-`;
let shareModule = null;
/** The share module (ShareMember, ShareHub), loaded once (again after a failure). */
const load = () =>
  (shareModule ??= import('./share-wasm.js').catch((error) => {
    shareModule = null;
    throw error;
  }));

/** A lock request ended: aborted (that is the point) or refused (the link falls back, see below). */
const quietly = () => {};

/** The browser's channel and locks, which tabs of an origin share. */
const BROWSER = { channel: (name) => new BroadcastChannel(name), locks: () => navigator.locks };

let fallbackWarned = false;

/** One instance's link to the leading tab's socket. */
export class ShareLink {
  /**
   * `settings` are the member's (from Core); `makeHub()` builds the hub's socket in the tab
   * that leads and returns `{ rws, sendNow, buffered }` (`sendNow(data)`: sends only if it
   * goes out at once, returning what it added to `bufferedAmount`, else -1); `dropped(data)`
   * reports a send the shared socket will not take (it stopped first) to the instance.
   */
  constructor(settings, makeHub, dropped) {
    this.dropped = dropped;
    this.name = settings.shareName;
    this.options = settings.shareOptions;
    this.ids = settings.shareIds; // the first of this instance's request ids, announced to the others
    /** @type {Set<number>} other members' blocks of request ids (each its first id): their replies */
    this.others = new Set();
    this.tab = TAB + ++tabs;
    this.makeHub = makeHub;
    this.member = null; // once the share module is loaded
    this.hub = undefined; // the hub the member follows (its server messages are dispatched)
    this.loading = null;
    this.waiting = []; // look-alikes made before that
    this.sockets = new Map(); // conn → SharedSocket
    this.channel = null; // while joined
    this.refused = undefined; // the error of a send the channel refused, during SharedSocket.send
    this.platform = BROWSER; // the share module's inTab once the browser refused
    this.inTab = null; // that, once the share module is loaded
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
        /** @type {number | undefined} the link's connection, once joined */
        this.conn = undefined;
        if (link.member) {
          link.join(); // the first connect joins (not the constructor: `startClosed` opens nothing)
          link.connect(this);
        } else {
          link.waiting.push(this);
          link.#load();
        }
      }
      addEventListener() {}
      send(data) {
        if (!link.member.send(this.conn, data)) throw new DOMException('not open', 'InvalidStateError');
        link.refused = null; // set by perform() if the channel refuses this send
        link.perform();
        const refused = link.refused;
        link.refused = undefined;
        // The channel could not carry the value (it cannot be cloned): as a socket refuses
        // one, a TypeError (the wrapper reports it by a drop, `refused`).
        if (refused) throw new TypeError(`rebound-ws: share: this value cannot be sent to the leading tab (${refused.message})`);
      }
      close(code = 1000, reason = '') {
        if (this.conn === undefined) return link.fail(this, code, reason, true); // never linked
        link.member.disconnect(this.conn, code, reason);
        link.perform();
      }
    };
  }

  /** Channel messages ignored (malformed, or in the name of a hub not followed), for `stats`. */
  get ignored() {
    return this.member?.ignored ?? 0;
  }

  /** Loads the share module (once; a failed load is tried again by the next attempt). */
  #load() {
    this.loading ??= load().then(
      ({ ShareMember, inTab }) => {
        this.inTab = inTab;
        this.member = new ShareMember(this.tab, this.options, this.name, this.ids);
        // Joins only for a look-alike still waiting: the app may have closed meanwhile.
        const waiting = this.waiting.splice(0).filter((socket) => socket.readyState === 0);
        if (waiting.length > 0) this.join();
        for (const socket of waiting) this.connect(socket);
      },
      (error) => {
        // No policy, no link: this attempt fails (the engine tries again after retry-after).
        console.error('rebound-ws: share: the share module did not load', error);
        this.loading = null;
        for (const socket of this.waiting.splice(0)) this.fail(socket, 1006, 'the share module did not load; retry-after=1000', false);
      },
    );
  }

  /** Asks the hub for the socket on `socket`'s behalf. */
  connect(socket) {
    if (socket.readyState !== 0) return;
    socket.conn = this.member.connect();
    this.sockets.set(socket.conn, socket);
    this.perform();
  }

  /** Closes a look-alike that never got a link, as a WebSocket would: CLOSED, then its close event. */
  fail(socket, code, reason, wasClean) {
    if (socket.readyState === 3) return;
    socket.readyState = 3;
    this.waiting = this.waiting.filter((s) => s !== socket);
    nextTask(() => socket.onclose?.({ type: 'close', code, reason, wasClean }));
  }

  #receive(message) {
    if (!this.member) return; // nothing linked yet: nothing to hear
    if (message?.t === 'message' && this.hub !== undefined && message.hub === this.hub) {
      for (const s of this.sockets.values()) if (s.readyState === OPEN) s.onmessage?.({ type: 'message', data: message.data });
      return;
    }
    this.member.receive(message);
    this.perform();
  }

  /** Does what the member asked, in order. */
  perform() {
    if (!this.member) return;
    for (const action of this.member.actions()) {
      const socket = this.sockets.get(action.conn);
      switch (action.do) {
        case 'post':
          try {
            this.channel?.postMessage(action.message);
          } catch (error) {
            // A send whose value cannot be cloned: forgotten here, reported by the caller
            // (SharedSocket.send) or, in a replay, by a drop.
            if (action.message.t !== 'send') throw error;
            this.member.forget(action.message.seq);
            if (this.refused === null) this.refused = error;
            else nextTask(() => this.dropped(action.message.data, 'refused'));
          }
          break;
        case 'check': {
          // Which hub leads: the lock manager's word, not a message's. A failed query counts
          // as "none now": the member asks again when a hub speaks.
          const answer = (snapshot) => {
            this.member?.hubChecked(snapshot);
            this.hub = this.member?.hub;
            this.perform();
          };
          this.platform.locks().query().then(answer, () => answer({ held: [] }));
          break;
        }
        case 'unsent':
          // The shared socket stopped before taking it: a drop, as for a queued message.
          nextTask(() => this.dropped(action.data, 'closed'));
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
          this.others.add(action.added);
          this.others.delete(action.forgotten);
          break;
        // 'deliver' never comes: server messages skip the member (see #receive).
      }
    }
  }

  /** Becomes a member: opens the channel, holds a member lock while open and waits in line to lead. */
  join() {
    if (this.channel || !this.member) return;
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
      const lead = () =>
        load().then(({ ShareHub }) => {
          const id = `${TAB}hub-${++hubs}`; // a new name for every hub
          const hub = () => new Hub(this.name, id, this.options, this.makeHub, ShareHub, this.platform).done;
          return locks().request(ShareHub.lockFor(this.name, id), {}, hub);
        });
      locks()
        .request(this.name, { signal }, lead)
        .catch((error) => error?.name === 'AbortError' || this.#fallBack(error));
    } catch (error) {
      this.#fallBack(error);
    }
  }

  /** The browser refused its channel or locks: run over the in-tab ones, with a warning. */
  #fallBack(error) {
    if (this.platform === this.inTab) return;
    if (!fallbackWarned) {
      fallbackWarned = true;
      console.warn(`rebound-ws: share: this browser refused ${error?.name ?? 'Web Locks or BroadcastChannel'} (${error?.message ?? error}); this tab opens a socket of its own`);
    }
    this.leave(false);
    this.platform = this.inTab;
    this.join();
  }

  /** The app's reconnect(): a shared socket that stopped for good tries again. */
  revive() {
    this.join();
    this.member?.revive();
    this.perform();
  }

  /**
   * The app's close(): says so (`announce`), closes the channel, gives up the member lock and
   * the place in line.
   */
  leave(announce = true) {
    if (!this.channel) return;
    if (announce) {
      this.member?.leave();
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
    this.pollMs = ShareHub.drainPollMs();
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
    // The tab goes (closed, navigated away): acknowledge what already left the socket's buffer
    // now, so the next leader does not send it again (a throttled tab reads the buffer late).
    this.onPageHide = () => {
      if (this.ended) return;
      this.hub.drained(this.buffered());
      this.#perform();
    };
    globalThis.addEventListener?.('pagehide', this.onPageHide);
    this.#perform();
  }

  /**
   * Reads the socket's buffer while sends wait for it to drain (then they are acknowledged):
   * `taskReads` times in the next task, then every `pollMs` (the share module's figures).
   */
  #drainLater(tries = 0) {
    if (this.polling) return;
    this.polling = true;
    const read = () => {
      this.polling = false;
      if (this.ended) return;
      this.hub.drained(this.buffered());
      if (this.hub.awaitingDrain) this.#drainLater(tries + 1);
      this.#perform();
    };
    if (tries < this.taskReads) nextTask(read);
    else setTimeout(read, this.pollMs);
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
