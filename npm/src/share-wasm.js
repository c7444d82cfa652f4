// @ts-check
// The share module: `share`'s policy (ShareMember, ShareHub) in a wasm of its own, so apps
// that never use `share` ship none of it. share.js imports this file the first time an
// instance uses `share` (left external by every other entry: dist/share-wasm.js, next to
// dist/rebound-share.wasm).
import init, { ShareHub, ShareMember } from './generated/rebound_share.js';
import { nextTask } from './events.js';
import { wasmLoadError } from './load-error.js';

const wasm = new URL('./rebound-share.wasm', import.meta.url);
await init({ module_or_path: wasm }).catch((error) => Promise.reject(wasmLoadError(error, wasm)));

export { ShareHub, ShareMember };

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
export const inTab = { channel: (name) => new TabChannel(name), locks: () => tabLocks };
