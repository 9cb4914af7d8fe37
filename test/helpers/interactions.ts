// Synthetic interaction logs for the recommender tests (MovieLens has its own usage terms, so
// no real data is bundled). Each user has a latent taste (one of `groups` blocks of items) and
// walks through it in order: item i is mostly followed by item i + 1 within the block, so an
// order-aware model can predict the next item and an order-free one only the block.
import { seededRandom } from '../../lib/train/data.js';

export interface SyntheticOptions {
  users?: number;
  items?: number;
  groups?: number;
  minLength?: number;
  maxLength?: number;
  /** Share of steps that jump to a random popular item instead of i + 1. */
  noise?: number;
  seed?: number;
}

export function syntheticInteractions(o: SyntheticOptions = {}): { user: string; item: string; ts: number }[] {
  const users = o.users ?? 300, items = o.items ?? 200, groups = o.groups ?? 4;
  const minLen = o.minLength ?? 12, maxLen = o.maxLength ?? 30, noise = o.noise ?? 0.1;
  const random = seededRandom(o.seed ?? 1);
  const block = Math.floor(items / groups);
  const rows: { user: string; item: string; ts: number }[] = [];
  for (let u = 0; u < users; u++) {
    const g = u % groups, len = minLen + Math.floor(random() * (maxLen - minLen + 1));
    let pos = Math.floor(random() * block);
    const seen = new Set<number>();
    let ts = 1_600_000_000 + Math.floor(random() * 1000);
    for (let k = 0; k < len && seen.size < block; k++) {
      let item = g * block + (pos % block);
      if (random() < noise) item = Math.floor(random() * random() * items); // skewed toward low ids: popular
      if (!seen.has(item)) {
        seen.add(item);
        rows.push({ user: `u${u}`, item: `i${item}`, ts: (ts += 1 + Math.floor(random() * 100)) });
      }
      pos++;
    }
  }
  return rows;
}

/** Leave-last-out by time: the last row of each user is the test row. */
export function splitLast<T extends { user: string; ts: number }>(rows: T[]): { train: T[]; test: T[] } {
  const last = new Map<string, T>();
  for (const r of rows) if (!last.has(r.user) || last.get(r.user)!.ts < r.ts) last.set(r.user, r);
  const test = new Set(last.values());
  return { train: rows.filter((r) => !test.has(r)), test: [...test] };
}
