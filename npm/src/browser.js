// @ts-check
// The ESM entry for browsers and bundlers: the wasm is a file of its own (dist/rebound.wasm,
// fetched next to this module and compiled while the page loads), awaited at the module's
// top level, so `new ReconnectingWebSocket(url)` is synchronous once the import resolved.
// The wasm imports nothing (its JS half is core.js), so it is instantiated with no glue.
import { bind } from './instance.js';
import { wasmLoadError } from './load-error.js';

const wasm = new URL('./rebound.wasm', import.meta.url);

/** Fetches and instantiates the wasm: streaming where the server says application/wasm. */
async function instantiate(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`failed to fetch Wasm: ${response.status} ${response.statusText}`);
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      return (await WebAssembly.instantiateStreaming(response, {})).instance;
    } catch (error) {
      // A server that serves the file with another MIME type: compiled from its bytes, with a
      // warning. Any other failure (a CSP that refuses compiling wasm) is the import's error.
      if (response.headers.get('Content-Type') === 'application/wasm' || response.bodyUsed) throw error;
      console.warn('rebound-ws: the server does not serve rebound.wasm as application/wasm; compiling it from its bytes (slower)', error);
    }
  }
  return (await WebAssembly.instantiate(await response.arrayBuffer(), {})).instance;
}

bind((await instantiate(wasm).catch((error) => Promise.reject(wasmLoadError(error, wasm)))).exports, wasm);

export * from './index.js';
export { default } from './index.js';
