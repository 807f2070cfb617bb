/**
 * mulberry32: a tiny seeded PRNG, so `sandbox request --seed S` answers the same way every time.
 * A string seed is folded into 32 bits with FNV-1a first.
 */
export function mulberry32(seed: number | string): () => number {
  let state = typeof seed === "number" ? seed >>> 0 : foldSeed(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function foldSeed(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
