// @ts-check
// The entry for Node (ESM and CommonJS, and `require` in bundlers): the wasm is inlined, so
// it instantiates synchronously with no file access, in either module system. It imports
// nothing (its JS half is core.js).
import { wasmBase64 } from './generated/wasm-bytes.js';
import { bind } from './instance.js';

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

bind(new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(wasmBase64)), {}).exports);

export * from './index.js';
export { default } from './index.js';
