// User features (age, country, plan, ...): rows keyed by the user column. Each cell becomes a
// token (`column=value`; '|' splits multi-valued text; numbers with many distinct values go to
// quantile bins), and a user's feature score of an item is naive Bayes over the tokens:
// log P(item) + sum_t log(1 + count(t, item) / (a * P(item))), where count(t, item) counts
// the interactions of users holding token t and a (pseudo-interactions) shrinks rare tokens
// toward plain popularity. It ranks items for cold users (features, no history) and, blended
// with the backbone's scores at a weight chosen by validation, for known users.
import { InputError } from '../../data/errors.js';
import type { Row, Value } from '../../data/table.js';

/** Numeric columns with more distinct values than this are cut into BINS quantile bins. */
const MAX_LEVELS = 12;
const BINS = 5;

export interface UserFeatureState {
  /** Feature columns used, and the bin edges of the binned numeric ones. */
  columns: string[];
  cuts: Record<string, number[]>;
  tokens: string[];
  /** Token indices of every known user (by index; [] without a feature row). */
  warm: number[][];
  /** Users with features but no interactions, and their tokens. */
  cold: string[];
  coldTokens: number[][];
  /** Shrinkage in pseudo-interactions (chosen by validation). */
  smoothing: number;
  /** Weight of the feature scores beside the backbone's for known users (0: not used). */
  weight: number;
  /** Whether feature scores beat plain popularity on validation (else cold users get popular items). */
  forCold: boolean;
}

const text = (v: Value): string => (v === null || v === undefined ? '' : String(v).trim());

/** Which columns of the feature rows are features, and the bin edges of the numeric ones. */
function columnPlan(rows: Row[], userColumn: string, what: string): { columns: string[]; cuts: Record<string, number[]> } {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== userColumn);
  const columns: string[] = [], cuts: Record<string, number[]> = {};
  for (const c of names) {
    const values = rows.map((r) => text(r[c])).filter((v) => v !== '');
    if (!values.length) continue; // an empty column says nothing
    columns.push(c);
    const numbers = values.map(Number);
    if (!numbers.every(Number.isFinite) || new Set(numbers).size <= MAX_LEVELS) continue;
    const sorted = numbers.sort((a, b) => a - b);
    cuts[c] = [...new Set(Array.from({ length: BINS - 1 }, (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / BINS)]))];
  }
  if (!columns.length) throw new InputError(`${what}: userFeatures rows have no feature column besides the user column '${userColumn}'`);
  return { columns, cuts };
}

/** The token strings of one feature row. */
function tokenStrings(row: Row, plan: { columns: string[]; cuts: Record<string, number[]> }): string[] {
  const out: string[] = [];
  for (const c of plan.columns) {
    const v = text(row[c]);
    if (v === '') continue;
    const edges = plan.cuts[c];
    if (edges && Number.isFinite(Number(v))) out.push(`${c}=bin${edges.filter((e) => Number(v) >= e).length}`);
    else for (const part of v.split('|')) if (part.trim()) out.push(`${c}=${part.trim()}`);
  }
  return [...new Set(out)];
}

export class UserFeatures {
  private index: Map<string, number>;
  /** Per token: its users' interaction counts per item (sparse). */
  private counts: Map<number, number>[] = [];
  private logPop = new Float32Array(0);
  private pop = new Float32Array(0);

  private constructor(readonly state: UserFeatureState) {
    this.index = new Map(state.tokens.map((t, i) => [t, i]));
  }

  /** Tokens of the rows' users; users keep their index, cold users (no interactions) are listed apart. */
  static fit(rows: Row[], userColumn: string, users: string[], what: string): UserFeatures {
    if (!Array.isArray(rows) || rows.some((r) => !r || typeof r !== 'object')) throw new TypeError(`${what}: userFeatures must be an array of row objects`);
    if (!rows.length) throw new InputError(`${what}: userFeatures has no rows`);
    const userIndex = new Map(users.map((s, i) => [s, i]));
    const seen = new Map<string, number>();
    rows.forEach((r, n) => {
      const id = text(r[userColumn]);
      if (id === '') throw new InputError(`${what}: userFeatures row ${n} lacks the user column '${userColumn}'`);
      if (seen.has(id)) throw new InputError(`${what}: userFeatures rows ${seen.get(id)} and ${n} are both for user '${id}'; give one row per user`);
      seen.set(id, n);
    });
    if (![...seen.keys()].some((id) => userIndex.has(id)))
      throw new InputError(`${what}: no user of userFeatures occurs in the interactions (column '${userColumn}'; e.g. '${[...seen.keys()][0]}'): check the ids`);
    const plan = columnPlan(rows, userColumn, what);
    const tokens = new Map<string, number>();
    const code = (r: Row) => tokenStrings(r, plan).map((t) => tokens.get(t) ?? (tokens.set(t, tokens.size), tokens.size - 1));
    const warm: number[][] = users.map(() => []), cold: string[] = [], coldTokens: number[][] = [];
    for (const r of rows) {
      const id = text(r[userColumn]), u = userIndex.get(id);
      if (u !== undefined) warm[u] = code(r);
      else {
        cold.push(id);
        coldTokens.push(code(r));
      }
    }
    return new UserFeatures({ ...plan, tokens: [...tokens.keys()], warm, cold, coldTokens, smoothing: 10, weight: 0, forCold: false });
  }

  static fromJSON(s: UserFeatureState): UserFeatures {
    return new UserFeatures(s);
  }

  /** Counts each token's interactions from the histories (known users by index); call before scoring. */
  count(histories: Int32Array[], numItems: number): this {
    const n = this.state.tokens.length;
    this.counts = Array.from({ length: n }, () => new Map<number, number>());
    const c = new Float64Array(numItems);
    let total = 0;
    histories.forEach((h, u) => {
      for (const i of h) {
        c[i]++;
        total++;
        for (const t of this.state.warm[u] ?? []) this.counts[t].set(i, (this.counts[t].get(i) ?? 0) + 1);
      }
    });
    // Smoothed so that an item no one has touched still has a (small) probability.
    this.pop = Float32Array.from(c, (v) => (v + 0.5) / (total + 0.5 * numItems));
    this.logPop = this.pop.map(Math.log);
    return this;
  }

  /** Token indices of a feature row (unknown values are skipped). */
  tokensOf(row: Row): number[] {
    return tokenStrings(row, this.state).flatMap((t) => (this.index.has(t) ? [this.index.get(t)!] : []));
  }

  /** Tokens of a cold user (features at fit time, no interactions), or undefined. */
  coldUser(id: string): number[] | undefined {
    const k = this.state.cold.indexOf(id);
    return k < 0 ? undefined : this.state.coldTokens[k];
  }

  /** The naive Bayes feature score of every item for a user with these tokens. */
  score(tokens: number[], smoothing = this.state.smoothing): Float32Array {
    const s = Float32Array.from(this.logPop);
    for (const t of tokens)
      for (const [i, n] of this.counts[t] ?? []) s[i] += Math.log1p(n / (smoothing * this.pop[i]));
    return s;
  }

  /** One line for describe(): the columns, the users, how validation chose to use them. */
  describe(v?: { features: number; popular: number; blended: number }): string {
    const s = this.state;
    const use = `${s.forCold ? 'rank items for new users' : 'not used for new users (popular items validated better)'}; weight beside the model ${s.weight}`;
    return `user features (${s.columns.join(', ')}; ${s.warm.filter((t) => t.length).length} known + ${s.cold.length} new users): ${use}` +
      (v ? ` (validation NDCG@10: features alone ${v.features.toFixed(4)}, popular items ${v.popular.toFixed(4)}, blend ${v.blended.toFixed(4)})` : '');
  }
}
