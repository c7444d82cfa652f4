// @ts-check
// `share`: one WebSocket for every tab of an origin that opens the same URL, protocols and key.
//
// This file is what an instance that shares holds from its first line: the `ShareLink`
// façade and `SharedSocket`, the WebSocket look-alike a member's engine opens, which stays
// CONNECTING until the share module is there. The module (share-wasm.js, fetched the first
// time an instance opens a shared socket) has everything else: the policy's wasm
// (`ShareMember`, `ShareHub`), the channel and the locks, the leading tab's hub, and the
// `MemberLink` that performs what the member asks. So apps that never share ship none of it,
// and an app that does fetches it once, with the policy it needs anyway.

import { nextTask } from './events.js';
import { wasmUrl } from './instance.js';

let shareModule = null;
let failedLoads = 0;
/**
 * The share module, loaded once. After a failure the same import is tried first (Chromium
 * fetches again, and a bundler's renamed module is found only so), then the module beside
 * the main wasm under a new URL: a page remembers a failed import by its URL (Firefox a
 * failed fetch, every browser a module whose evaluation failed, as when its wasm could not
 * be fetched), so only a new URL loads it again there.
 */
const load = () =>
  (shareModule ??= import('./share-wasm.js')
    .catch((error) => {
      let url;
      try {
        url = failedLoads > 0 && new URL(`share-wasm.js?retry=${failedLoads}`, wasmUrl).href;
      } catch {
        // no base to resolve against (the Node entries, a data: or blob: wasm URL)
      }
      if (!url) throw error;
      return import(/* @vite-ignore */ url);
    })
    .catch((error) => {
      failedLoads++;
      shareModule = null;
      throw error;
    }));

/** One instance's link to the leading tab's socket (its workings: the module's `MemberLink`). */
export class ShareLink {
  /**
   * `settings` are the member's (from Core: `shareSetup`, `shareIds`);
   * `makeHub()` builds the hub's socket in the tab that leads and returns `{ rws, sendNow,
   * buffered }` (`sendNow(data)`: sends only if it goes out at once, returning what it added
   * to `bufferedAmount`, else -1); `dropped(data, reason)` reports a send the shared socket
   * will not take to the instance.
   */
  constructor(settings, makeHub, dropped) {
    this.settings = settings;
    this.makeHub = makeHub;
    this.dropped = dropped;
    /** @type {Set<number>} other members' blocks of request ids (each its first id): their replies */
    this.others = new Set();
    /** @type {any} the module's MemberLink, once loaded */
    this.link = null;
    /** @type {Promise<void> | null} */
    this.loading = null;
    /** @type {any[]} look-alikes made before the module was there */
    this.waiting = [];
    const share = this;
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
        if (share.link) {
          share.link.open(this);
        } else {
          share.waiting.push(this);
          share.#load();
        }
      }
      addEventListener() {}
      /** @param {any} data */
      send(data) {
        share.link.send(this, data);
      }
      close(code = 1000, reason = '') {
        if (this.conn === undefined) return share.fail(this, code, reason, true); // never linked
        share.link.close(this, code, reason);
      }
    };
  }

  /** Channel messages ignored (malformed, or in the name of a hub not followed), for `stats`. */
  get ignored() {
    return this.link?.ignored ?? 0;
  }

  /** Loads the share module (once; a failed load is tried again by the next attempt). */
  #load() {
    this.loading ??= load().then(
      ({ MemberLink }) => {
        this.link = new MemberLink(this);
        // Opens only a look-alike still waiting: the app may have closed meanwhile.
        for (const socket of this.waiting.splice(0).filter((s) => s.readyState === 0)) this.link.open(socket);
      },
      (error) => {
        // No policy, no link: this attempt fails (the engine tries again after retry-after).
        console.error('rebound-ws: share: the share module did not load', error);
        this.loading = null;
        for (const socket of this.waiting.splice(0)) this.fail(socket, 1006, 'the share module did not load; retry-after=1000', false);
      },
    );
  }

  /** Closes a look-alike that never got a link, as a WebSocket would: CLOSED, then its close event. */
  fail(socket, code, reason, wasClean) {
    if (socket.readyState === 3) return;
    socket.readyState = 3;
    this.waiting = this.waiting.filter((s) => s !== socket);
    nextTask(() => socket.onclose?.({ type: 'close', code, reason, wasClean }));
  }

  /** The app's reconnect(): a shared socket that stopped for good tries again. */
  revive() {
    this.link?.revive();
  }

  /** The app's close(): says so, closes the channel, gives up the member lock and the place in line. */
  leave() {
    this.link?.leave();
  }
}
