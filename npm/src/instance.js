// @ts-check
// The wasm instance's exports (crates/ws-npm), set once by the entry that instantiated it
// (browser.js or node.js); used by core.js, and read by the leak-check helpers. The browser
// entry also gives the URL it fetched the wasm from: the share module is beside it.

/** @type {any} */
export let exports = null;
/** @type {URL | undefined} */
export let wasmUrl;

export function bind(instanceExports, url = undefined) {
  exports = instanceExports;
  wasmUrl = url;
}
