// `share`: one WebSocket for every tab of an origin that opens the same URL, protocols and key.
//
// The policy — when a link opens, what is replayed and in which order, when links stop,
// when the socket closes, options that differ — is the wasm's `ShareMember` and `ShareHub`
// (crates/ws-core/src/share.rs, bound in crates/ws-wasm/src/share.rs); `Core` gives each
// member its settings (`shareName`, `shareOptions`, an engine without heartbeat or
// verification). This file is the plumbing:
// - the `BroadcastChannel` the tabs talk on, and the Web Locks: the tab holding the lock
//   named `shareName` leads (the browser releases it when the tab closes, navigates or
//   crashes, and the next tab waiting gets it); each member holds a lock of its own while
//   it is open, so the hub can tell when the last one is gone;
// - `SharedSocket`, the WebSocket look-alike a member's engine opens, whose far end is the
//   hub: an ordinary ReconnectingWebSocket with the app's options in the leading tab;
// - performing the actions each wasm call returns, in order, after it has returned.
// Server messages are the one thing relayed without a wasm call (the per-message path):
// the hub posts each as `{ t: 'message', data }` and members dispatch it on their open links.
//
// The policy's wasm is a module of its own (share-wasm.js), fetched the first time an
// instance uses `share`; until it is there, the instance's look-alike stays CONNECTING.

const OPEN = 1;
let tabs = 0;
let hubs = 0;
const TAB = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-`;
const quietly = () => {}; // an aborted lock request rejects: that is the point
let shareModule = null;
/** The share module (ShareMember, ShareHub), loaded once (again after a failure). */
const load = () =>
  (shareModule ??= import('./share-wasm.js').catch((error) => {
    shareModule = null;
    throw error;
  }));

/** One instance's link to the leading tab's socket. */
export class ShareLink {
  /**
   * `settings` are the member's (from Core); `makeHub()` builds the hub's socket in the tab
   * that leads and returns `{ rws, sendNow }` (`sendNow(data)`: sends only if it goes out at once).
   */
  constructor(settings, makeHub) {
    this.name = settings.shareName;
    this.options = settings.shareOptions;
    this.tab = TAB + ++tabs;
    this.makeHub = makeHub;
    this.member = null; // once the share module is loaded
    this.loading = null;
    this.waiting = []; // look-alikes made before that
    this.sockets = new Map(); // conn → SharedSocket
    this.channel = null; // while joined
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
        link.join(); // the first connect joins (not the constructor: `startClosed` opens nothing)
        if (link.member) {
          link.connect(this);
        } else {
          link.waiting.push(this);
          link.#load();
        }
      }
      addEventListener() {}
      send(data) {
        if (!link.member.send(this.conn, data)) throw new DOMException('not open', 'InvalidStateError');
        link.perform();
      }
      close(code = 1000, reason = '') {
        if (this.conn === undefined) return link.fail(this, code, reason, true); // never linked
        link.member.disconnect(this.conn, code, reason);
        link.perform();
      }
    };
  }

  /** Loads the share module (once; a failed load is tried again by the next attempt). */
  #load() {
    this.loading ??= load().then(
      ({ ShareMember }) => {
        this.member = new ShareMember(this.tab, this.options);
        for (const socket of this.waiting.splice(0)) this.connect(socket);
      },
      (error) => {
        // No policy, no link: this attempt fails now (the engine backs off and tries again).
        console.error('rebound-ws: share: the share module did not load', error);
        this.loading = null;
        for (const socket of this.waiting.splice(0)) this.fail(socket, 1006, 'the share module did not load', false);
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
    setTimeout(() => socket.onclose?.({ type: 'close', code, reason, wasClean }));
  }

  #receive(message) {
    if (!this.member) return; // nothing linked yet: nothing to hear
    if (message?.t === 'message') {
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
          this.channel?.postMessage(action.message);
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
          setTimeout(() => socket.onclose?.({ type: 'close', code: action.code, reason: action.reason, wasClean: action.wasClean }));
          break;
        case 'warn':
          console.warn(action.text);
          break;
        // 'deliver' never comes: server messages skip the member (see #receive).
      }
    }
  }

  /** Becomes a member: opens the channel, holds a member lock while open and waits in line to lead. */
  join() {
    if (this.channel) return;
    this.channel = new BroadcastChannel(this.name);
    this.channel.onmessage = (event) => this.#receive(event.data);
    this.abort = new AbortController();
    const { signal } = this.abort;
    const held = new Promise((resolve) => (this.release = resolve));
    navigator.locks.request(`${this.name}:member:${this.tab}`, { signal }, () => held).catch(quietly);
    const lead = () => load().then((share) => new Hub(this.name, this.options, this.makeHub, share).done);
    navigator.locks.request(this.name, { signal }, lead).catch(quietly);
  }

  /** The app's reconnect(): a shared socket that stopped for good tries again. */
  revive() {
    this.join();
    this.member?.revive();
    this.perform();
  }

  /** The app's close(): says so, closes the channel, gives up the member lock and the place in line. */
  leave() {
    if (!this.channel) return;
    this.member?.leave();
    this.perform();
    this.channel.onmessage = null;
    this.channel.close();
    this.channel = null;
    this.abort.abort();
    this.release();
  }
}

/** The leading tab's end: the real socket, relayed to every member. */
class Hub {
  constructor(name, options, makeHub, { ShareHub }) {
    this.name = name;
    this.hub = new ShareHub(`${TAB}hub-${++hubs}`, options); // a new name for every hub; Rust gives the term
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => {
      this.hub.receive(event.data);
      this.#perform();
    };
    const { rws, sendNow } = makeHub();
    this.rws = rws;
    this.sendNow = sendNow;
    rws.addEventListener('open', () => {
      this.hub.socketOpened(rws.url, rws.protocol);
      this.#perform();
    });
    rws.addEventListener('message', (event) => this.ended || this.channel.postMessage({ t: 'message', data: event.data }));
    rws.addEventListener('close', (event) => {
      const { code, reason, wasClean, willRetry, kind, hint } = event;
      this.hub.socketClosed(code, reason, wasClean, willRetry, kind, hint ?? '');
      this.#perform();
    });
    rws.addEventListener('statechange', (event) => event.state === 'connecting' && this.hub.socketConnecting());
    this.#perform();
  }

  /** Does what the hub asked, in order, until it asks nothing more. */
  #perform() {
    for (let actions = this.hub.actions(); actions.length > 0; actions = this.hub.actions()) {
      for (const action of actions) {
        switch (action.do) {
          case 'post':
            if (!this.ended) this.channel.postMessage(action.message);
            break;
          case 'transmit':
            // Acknowledged only if it went out now; else the member still has it and sends it again.
            if (this.sendNow(action.data)) this.hub.transmitted(action.tab, action.seq);
            break;
          case 'reconnect':
            this.rws.reconnect();
            break;
          case 'check':
            this.#checkMembers(action.leaving);
            break;
          case 'watch':
            // Granted when that member's lock is released (it left, navigated or crashed).
            // Shared mode: the check below counts only members' (exclusive) locks, not this.
            navigator.locks.request(`${this.name}:member:${action.tab}`, { mode: 'shared' }, () => {
              this.hub.memberGone(action.tab);
              this.#perform();
            });
            break;
          case 'end':
            this.ended = true;
            this.channel.onmessage = null;
            this.channel.close();
            this.rws.close();
            this.finish();
            break;
        }
      }
    }
  }

  /** Whether a member other than `leaving` (whose lock the hub may hold by now) holds its lock. */
  async #checkMembers(leaving) {
    const { held = [] } = await navigator.locks.query();
    const prefix = `${this.name}:member:`;
    const member = (lock) => lock.mode === 'exclusive' && lock.name.startsWith(prefix) && lock.name !== prefix + leaving;
    this.hub.membersChecked(held.some(member));
    this.#perform();
  }
}
