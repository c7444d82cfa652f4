// @ts-check
// The wasm instance's exports (crates/ws-npm), set once by the entry that instantiated it
// (browser.js or node.js); used by core.js, and read by the leak-check helpers.

/** @type {any} */
export let exports = null;

export function bind(instanceExports) {
  exports = instanceExports;
}
