// Item features (e.g. genres) for cold items: items that have features but no interactions.
// Text cells become tokens (`column=value`, multi-valued cells split on '|'); a cold item's
// score for a user is the mean, over its tokens, of that user's mean score of the warm items
// sharing the token, so "more like the genres this user likes" without any training.
import { InputError } from '../../data/errors.js';
import type { Row } from '../../data/table.js';

export interface FeatureState {
  /** Ids of the cold items, in order (their indices follow the warm items'). */
  cold: string[];
  tokens: string[];
  /** Token indices per warm item and per cold item. */
  warm: number[][];
  coldTokens: number[][];
}

function tokensOf(row: Row, itemColumn: string, index: Map<string, number>, grow: boolean): number[] {
  const out: number[] = [];
  for (const [col, v] of Object.entries(row)) {
    if (col === itemColumn || typeof v !== 'string' || v.trim() === '' || Number.isFinite(Number(v))) continue;
    for (const part of v.split('|')) {
      const t = `${col}=${part.trim()}`;
      if (!part.trim()) continue;
      let k = index.get(t);
      if (k === undefined && grow) index.set(t, (k = index.size));
      if (k !== undefined) out.push(k);
    }
  }
  return [...new Set(out)];
}

export class ItemFeatures {
  private constructor(readonly state: FeatureState, private readonly byToken: number[][]) {}

  static fit(rows: Row[], itemColumn: string, items: string[], what: string): ItemFeatures {
    if (!Array.isArray(rows)) throw new TypeError(`${what}: itemFeatures must be an array of row objects`);
    if (rows.length && !(itemColumn in rows[0])) throw new InputError(`${what}: itemFeatures rows lack the item column '${itemColumn}'`);
    const itemIndex = new Map(items.map((s, i) => [s, i]));
    const index = new Map<string, number>();
    const warm: number[][] = items.map(() => []);
    const cold: string[] = [], coldTokens: number[][] = [];
    for (const row of rows) {
      const id = row[itemColumn] == null ? '' : String(row[itemColumn]).trim();
      if (!id) continue;
      const toks = tokensOf(row, itemColumn, index, true);
      const i = itemIndex.get(id);
      if (i !== undefined) warm[i] = toks;
      else if (!cold.includes(id)) {
        cold.push(id);
        coldTokens.push(toks);
      }
    }
    return ItemFeatures.fromJSON({ cold, tokens: [...index.keys()], warm, coldTokens });
  }

  static fromJSON(s: FeatureState): ItemFeatures {
    const byToken: number[][] = s.tokens.map(() => []);
    s.warm.forEach((toks, i) => toks.forEach((t) => byToken[t].push(i)));
    return new ItemFeatures(s, byToken);
  }

  get coldCount(): number {
    return this.state.cold.length;
  }

  /** Scores of the cold items from one user's scores of the warm items. */
  coldScores(warm: Float32Array): Float32Array {
    let min = Infinity;
    for (const v of warm) min = Math.min(min, v);
    const tokenMean = this.byToken.map((items) => (items.length ? items.reduce((a, i) => a + warm[i], 0) / items.length : NaN));
    return Float32Array.from(this.state.coldTokens, (toks) => {
      const known = toks.map((t) => tokenMean[t]).filter((v) => !Number.isNaN(v));
      // No shared token: nothing to go on, so below every warm item.
      return known.length ? known.reduce((a, b) => a + b, 0) / known.length : min - 1;
    });
  }

  /** Jaccard similarity of token sets between item `a` (warm index or cold index + warm count) and every item. */
  similarByTokens(a: number): Float32Array {
    const warmCount = this.state.warm.length;
    const all = [...this.state.warm, ...this.state.coldTokens];
    const mine = new Set(all[a]);
    return Float32Array.from(all, (toks) => {
      if (!mine.size || !toks.length) return 0;
      const inter = toks.filter((t) => mine.has(t)).length;
      return inter / (mine.size + toks.length - inter);
    }).map((v, i) => (i === a ? -Infinity : v + (i < warmCount ? 1e-6 : 0)));
  }
}
