// Seeded randomness for the generated suites, in Node (hostile.mjs) and in pages (tests/pages
// copies this file beside the fuzz page): a seed replays a run. No imports, so both can load it.

/** mulberry32: a tiny, good-enough 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
