// @ts-check
// The wasm instance's exports, set once by the entry that instantiated it (browser.js or
// node.js); read by the leak-check helpers.
export let exports = null;

export function bind(instanceExports) {
  exports = instanceExports;
}
