// @ts-check
// A message's size as the queue counts it: a string's length, binary data's bytes by the
// platform's own getters. core.js and the share module's link (share-wasm.js) both use it.

/** The platform's own size getters (the brand checks: a look-alike's getter never runs). */
const SIZE_GETTERS = [
  [globalThis.ArrayBuffer?.prototype, 'byteLength'],
  [Object.getPrototypeOf(Uint8Array.prototype), 'byteLength'],
  [globalThis.DataView?.prototype, 'byteLength'],
  [globalThis.Blob?.prototype, 'size'],
]
  .map(([prototype, name]) => prototype && Object.getOwnPropertyDescriptor(prototype, name)?.get)
  .filter(Boolean);

/** The bytes of binary data (ArrayBuffer, typed arrays, DataView, Blob), else undefined. */
export function binarySize(value) {
  for (const get of SIZE_GETTERS) {
    try {
      const size = get.call(value);
      if (typeof size === 'number') return size;
    } catch {
      // not this kind
    }
  }
  return undefined;
}

/** What the queue counts for a message: a string's length, binary data's bytes, else 0. */
export const size = (data) => (typeof data === 'string' ? data.length : (binarySize(data) ?? 0));
