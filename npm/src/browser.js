// @ts-check
// The ESM entry for browsers and bundlers: the wasm is a file of its own (dist/rebound.wasm,
// fetched next to this module and compiled while the page loads), awaited at the module's
// top level, so `new ReconnectingWebSocket(url)` is synchronous once the import resolved.
import init from './generated/rebound_wasm.js';
import { bind } from './instance.js';
import { wasmLoadError } from './load-error.js';

const wasm = new URL('./rebound.wasm', import.meta.url);
bind(await init({ module_or_path: wasm }).catch((error) => Promise.reject(wasmLoadError(error, wasm))));

export * from './index.js';
export { default } from './index.js';
