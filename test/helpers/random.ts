// Seeded JS random numbers for test inputs (independent of tensorlift's generator). Each run
// uses a fresh seed unless TEST_SEED is set; failures print the seed to reproduce them.
export const TEST_SEED = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : (Date.now() ^ (process.pid << 8)) >>> 0;

export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let shared = makeRng(TEST_SEED);

export function reseed(seed: number): void {
  shared = makeRng(seed);
}

/** Uniform in [lo, hi). */
export function uniform(n: number, lo = -1, hi = 1, rng = shared): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

export function randInts(n: number, lo: number, hi: number, rng = shared): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(rng() * (hi - lo));
  return out;
}

export function randInt(lo: number, hi: number, rng = shared): number {
  return lo + Math.floor(rng() * (hi - lo));
}
