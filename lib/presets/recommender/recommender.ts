// Recommender: interactions (user, item, optional time and rating) -> top-k items per user,
// next items for an anonymous session, similar items, and honest full-ranking evaluation.
// The model is chosen on the user's own data (select.ts): a SASRec-style sequence model when
// there is a time column, EASE (closed-form item-item) otherwise or when it validates better.
import { type DataWarning, InputError, type WarningHandler, emitWarning, formatWarning } from '../../data/errors.js';
import { type InteractionOptions, readInteractions } from '../../data/interactions.js';
import type { ReadOptions } from '../../data/source.js';
import { type Row, type Table, toTable } from '../../data/table.js';
import { save as saveModel } from '../../io/model-file.js';
import { registerPreset } from '../registry.js';
import type { PredictOptions } from '../preset.js';
import { keep } from '../../tensor/scope.js';
import { tensor } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { Ease } from './ease.js';
import { type FeatureState, ItemFeatures } from './features.js';
import { type ListStats, blendScores, cosineRow, listStats, rankOf, seenMask, topK } from './ranking.js';
import { Sasrec, type SasrecOptions } from './sasrec.js';
import { type Backbone, type SelectOptions, type Validation, scoreWith, selectAndFit } from './select.js';
import { type TransitionOptions, Transitions } from './transitions.js';
import { type UserFeatureState, UserFeatures } from './user-features.js';

export interface RecommenderFitOptions extends SelectOptions, InteractionOptions {
  user: string;
  item: string;
  /** Orders each user's history; without it only the order-free model (EASE) is used. */
  time?: string;
  rating?: string;
  /** Rows with the item column and feature columns (text; '|' separates several values). */
  itemFeatures?: Row[];
  /**
   * Rows with the user column and feature columns (age, country, ...; '|' separates several
   * values): they rank items for users without interactions, and beside the model for known
   * users when validation says it helps.
   */
  userFeatures?: Row[];
  read?: ReadOptions;
  onWarning?: WarningHandler;
}

export interface Recommendation {
  item: string;
  score: number;
}

export interface RecommenderReport extends ListStats {
  hitRate: number;
  ndcg: number;
  k: number;
  /** Held-out rows scored (rows of unknown items count as misses). */
  rows: number;
  unknownUsers: number;
  unknownItems: number;
}

const VERSION = 1;
const K = 10;

export class Recommender {
  /** The file kind (tl.load finds the class by it), on the class and on each model. */
  static readonly kind = 'recommender';
  readonly kind = 'recommender';
  private readonly userIndex: Map<string, number>;
  private readonly itemIndex: Map<string, number>;
  /** Training interactions per warm item (popularity). */
  readonly counts: Float64Array;
  private readonly popular: number[];

  private constructor(
    readonly columns: { user: string; item: string; time?: string; rating?: string },
    readonly users: string[],
    readonly items: string[],
    readonly histories: Int32Array[],
    readonly backbone: Backbone,
    readonly features: ItemFeatures | undefined,
    readonly validation: Validation,
    readonly userFeatures?: UserFeatures,
    /** Next-item transitions blended beside the backbone (ordered histories, where validation chose them). */
    readonly transitions?: Transitions,
  ) {
    this.userIndex = new Map(users.map((s, i) => [s, i]));
    this.itemIndex = new Map(items.map((s, i) => [s, i]));
    features?.state.cold.forEach((s, c) => this.itemIndex.set(s, items.length + c));
    this.counts = new Float64Array(items.length);
    for (const h of histories) for (const i of h) this.counts[i]++;
    this.popular = topK(this.counts, Math.min(1000, items.length));
  }

  /** Trains on a CSV path or rows of interactions; resolves with a model ready to recommend. */
  static async fit(data: string | Row[] | Table, opts: RecommenderFitOptions): Promise<Recommender> {
    if (!opts || typeof opts.user !== 'string' || typeof opts.item !== 'string')
      throw new TypeError('Recommender.fit: options.user and options.item (column names) are required');
    const table = await toTable(data, 'Recommender.fit', opts.read);
    const columns = { user: opts.user, item: opts.item, time: opts.time, rating: opts.rating };
    const inter = readInteractions(table, columns, 'Recommender.fit', { minRating: opts.minRating, duplicates: opts.duplicates });
    if (inter.duplicates) {
      const w: DataWarning = { kind: 'duplicate-rows', columns: [opts.user, opts.item], source: table.source, rows: inter.duplicates };
      (opts.onWarning ?? emitWarning)(`Recommender.fit: ${formatWarning(w)}`, w);
    }
    const features = opts.itemFeatures ? ItemFeatures.fit(opts.itemFeatures, opts.item, inter.items, 'Recommender.fit') : undefined;
    const users = opts.userFeatures ? UserFeatures.fit(opts.userFeatures, opts.user, inter.users, 'Recommender.fit') : undefined;
    const { backbone, validation, transitions } = await selectAndFit(inter.histories, inter.items.length, !!opts.time, opts, users);
    users?.count(inter.histories, inter.items.length);
    const next = transitions ? new Transitions(inter.histories, inter.items.length, transitions) : undefined;
    return new Recommender(columns, inter.users, inter.items, inter.histories, backbone, features, validation, users, next);
  }

  get modelKind(): 'sequential' | 'ease' {
    return this.backbone.kind;
  }

  /**
   * Scores of every item (warm, then cold) after each history; `tokens` (user features, by
   * row) are blended in at the validated weight, and rank alone for an empty history.
   */
  private scores(histories: Int32Array[], tokens?: (number[] | undefined)[]): Float32Array[] {
    const uf = this.userFeatures;
    const rows = histories.map((_, r) => r), known = rows.filter((r) => histories[r].length);
    const backbone = known.length ? scoreWith(this.backbone, known.map((r) => histories[r])) : [];
    const warm: Float32Array[] = new Array(histories.length);
    const tr = this.transitions;
    known.forEach((r, k) => {
      const t = tokens?.[r];
      const model = tr ? blendScores(backbone[k], tr.score(histories[r]), tr.weight) : backbone[k];
      warm[r] = uf && uf.state.weight && t?.length ? blendScores(model, uf.score(t), uf.state.weight) : model;
    });
    for (const r of rows) if (!histories[r].length) warm[r] = uf?.state.forCold && tokens?.[r]?.length ? uf.score(tokens[r]!) : Float32Array.from(this.counts);
    if (!this.features?.coldCount) return warm;
    return warm.map((s) => {
      const all = new Float32Array(s.length + this.features!.coldCount);
      all.set(s);
      all.set(this.features!.coldScores(s), s.length);
      return all;
    });
  }

  private get catalogue(): number {
    return this.items.length + (this.features?.coldCount ?? 0);
  }

  private named(list: number[], scores: ArrayLike<number>): Recommendation[] {
    return list.map((i) => ({ item: this.itemName(i), score: scores[i] }));
  }

  private itemName(i: number): string {
    return i < this.items.length ? this.items[i] : this.features!.state.cold[i - this.items.length];
  }

  private popularFor(k: number): Recommendation[] {
    return this.popular.slice(0, k).map((i) => ({ item: this.items[i], score: this.counts[i] }));
  }

  /** The k best items for a user; a user not seen in training gets the most popular items. */
  recommend(user: string | number, k = K, opts: { excludeSeen?: boolean } = {}): Recommendation[] {
    return this.recommendMany([user], k, opts)[0];
  }

  /** recommend() for many users, scored in batches. */
  recommendMany(users: (string | number)[], k = K, opts: { excludeSeen?: boolean } = {}): Recommendation[][] {
    if (!Array.isArray(users)) throw new TypeError('Recommender.recommendMany: expected an array of user ids');
    return this.recommendWith(users, k, opts, 'recommendMany');
  }

  /** recommend() for rows with the user column; a new user's row may carry feature columns (see userFeatures). */
  recommendRows(rows: Row[], k = K, opts: { excludeSeen?: boolean } = {}): Recommendation[][] {
    if (!Array.isArray(rows)) throw new TypeError('Recommender.recommendRows: expected an array of row objects');
    return this.recommendWith(rows.map((r) => String(r?.[this.columns.user] ?? '')), k, opts, 'recommendRows', this.userFeatures ? rows : undefined);
  }

  /**
   * Known users by their history (and features); new users by their features (`featureRows`,
   * else those given at fit) when validation found them better than popular items.
   */
  private recommendWith(users: (string | number)[], k: number, opts: { excludeSeen?: boolean }, op: string, featureRows?: Row[]): Recommendation[][] {
    checkK(k, op);
    const uf = this.userFeatures;
    const idx = users.map((u) => this.userIndex.get(String(u).trim()));
    const tokens = users.map((u, p) => {
      if (!uf) return undefined;
      if (idx[p] !== undefined) return uf.state.warm[idx[p]!];
      return uf.state.forCold ? (featureRows ? uf.tokensOf(featureRows[p]) : uf.coldUser(String(u).trim())) : undefined;
    });
    const out: Recommendation[][] = users.map(() => this.popularFor(k));
    const positions = idx.flatMap((u, p) => (u !== undefined || tokens[p]?.length ? [p] : []));
    const empty = new Int32Array(0);
    for (let s = 0; s < positions.length; s += 256) {
      const part = positions.slice(s, s + 256);
      const hist = part.map((p) => (idx[p] === undefined ? empty : this.histories[idx[p]!]));
      const scores = this.scores(hist, part.map((p) => tokens[p]));
      part.forEach((p, r) => {
        const mask = opts.excludeSeen === false ? undefined : seenMask(hist[r], this.catalogue);
        out[p] = this.named(topK(scores[r], k, mask), scores[r]);
      });
    }
    return out;
  }

  /** Next items for an anonymous session, from its item ids in order (unknown ids are skipped). */
  recommendNext(items: (string | number)[], k = K, opts: { excludeSeen?: boolean } = {}): Recommendation[] {
    if (!Array.isArray(items)) throw new TypeError('Recommender.recommendNext: expected an array of item ids');
    checkK(k, 'recommendNext');
    const seq = Int32Array.from(items.map((i) => this.itemIndex.get(String(i).trim()) ?? -1).filter((i) => i >= 0 && i < this.items.length));
    if (!seq.length) return this.popularFor(k);
    const [scores] = this.scores([seq]);
    return this.named(topK(scores, k, opts.excludeSeen === false ? undefined : seenMask(seq, this.catalogue)), scores);
  }

  /** Items most like `item`: cosine of the sequence model's item vectors, or EASE weights; cold items by shared features. */
  similarItems(item: string | number, k = K): Recommendation[] {
    checkK(k, 'similarItems');
    const i = this.itemIndex.get(String(item).trim());
    if (i === undefined) throw new InputError(`Recommender.similarItems: item '${item}' was not in the training data or the item features`);
    let scores: Float32Array;
    if (i >= this.items.length) scores = this.features!.similarByTokens(i);
    else if (this.backbone.kind === 'ease') scores = this.backbone.ease.similar(i);
    else scores = cosineRow(this.backbone.net.itemVectors(), this.backbone.net.dim, i);
    const mask = new Uint8Array(scores.length);
    mask[i] = 1;
    return this.named(topK(scores, k, mask), scores);
  }

  /**
   * Rows of { user } -> recommend(user) for each (the preset contract's predict); `opts` is the
   * list length, or the contract's options object with a `k`.
   */
  predict(data: Row[] | Table, opts: number | (PredictOptions & { k?: number }) = K): Recommendation[][] {
    const k = typeof opts === 'number' ? opts : opts?.k ?? K;
    const rows = Array.isArray(data) ? data : data?.rows;
    if (!Array.isArray(rows)) throw new TypeError('Recommender.predict: expected an array of row objects');
    rows.forEach((r, n) => {
      if (r?.[this.columns.user] == null) throw new InputError(`Recommender.predict: row ${n} lacks the user column '${this.columns.user}'`);
    });
    return this.recommendWith(rows.map((r) => String(r[this.columns.user])), k, {}, 'predict', this.userFeatures ? rows : undefined);
  }

  /**
   * HR@10 and NDCG@10 of held-out (user, item) rows, each ranked against every item the user
   * has not interacted with in training (full ranking, ties to the smaller item id), and the
   * coverage / popularity bias of the users' top-10 lists.
   */
  async evaluate(heldOut: string | Row[] | Table, opts: { read?: ReadOptions; k?: number } = {}): Promise<RecommenderReport> {
    const k = opts.k ?? K;
    checkK(k, 'evaluate');
    const table = await toTable(heldOut, 'Recommender.evaluate', opts.read);
    for (const c of [this.columns.user, this.columns.item])
      if (!table.columns.includes(c)) throw new InputError(`Recommender.evaluate: the held-out rows lack the column '${c}'`);
    let hits = 0, ndcg = 0, unknownUsers = 0, unknownItems = 0;
    const lists: number[][] = [];
    const uf = this.userFeatures;
    const rows = table.rows.map((r) => {
      const id = String(r[this.columns.user]).trim(), u = this.userIndex.get(id);
      // New users rank by their features (in the held-out row, else from fit) where validation chose that.
      const tokens = !uf ? undefined : u !== undefined ? uf.state.warm[u] : uf.state.forCold ? (uf.tokensOf(r).length ? uf.tokensOf(r) : uf.coldUser(id)) : undefined;
      return { u, i: this.itemIndex.get(String(r[this.columns.item]).trim()), tokens };
    });
    for (let s = 0; s < rows.length; s += 256) {
      const part = rows.slice(s, s + 256);
      const hist = part.map((r) => (r.u === undefined ? new Int32Array(0) : this.histories[r.u]));
      const scores = this.scores(hist, part.map((r) => r.tokens));
      part.forEach((r, n) => {
        if (r.u === undefined) {
          unknownUsers++;
          if (!r.tokens?.length) scores[n] = Float32Array.from({ length: this.catalogue }, (_, i) => (i < this.items.length ? this.counts[i] : -1));
        }
        const mask = seenMask(hist[n], this.catalogue);
        lists.push(topK(scores[n], k, mask));
        if (r.i === undefined) return void unknownItems++;
        mask[r.i] = 0; // the held-out item always competes, even if it was also in training
        const rank = rankOf(scores[n], r.i, mask);
        if (rank < k) {
          hits++;
          ndcg += 1 / Math.log2(rank + 2);
        }
      });
    }
    const n = Math.max(1, rows.length);
    const counts = Float64Array.from({ length: this.catalogue }, (_, i) => (i < this.items.length ? this.counts[i] : 0));
    return { hitRate: hits / n, ndcg: ndcg / n, k, rows: rows.length, unknownUsers, unknownItems, ...listStats(lists, counts) };
  }

  /** The preset contract's view: predict reads the user id column. */
  get inputSchema(): { name: string; type: 'id' }[] {
    return [{ name: this.columns.user, type: 'id' }];
  }

  /** What score() gives per row, as flat file columns: the top-10 ids and their scores, '|'-separated. */
  outputColumns(): { name: string; type: 'string'; description: string }[] {
    return [
      { name: 'items', type: 'string', description: `the user's top ${K} '${this.columns.item}' values, best first, separated by |` },
      { name: 'scores', type: 'string', description: 'their scores, in the same order' },
    ];
  }

  /** predict() as the flat columns batch scoring writes (see outputColumns). */
  score(data: Row[] | Table): string[][] {
    return this.predict(data).map((list) => [list.map((r) => r.item).join('|'), list.map((r) => String(r.score)).join('|')]);
  }

  describe(): string {
    const v = this.validation.candidates;
    const tried = Object.entries(v).map(([m, r]) => `${m} ${r!.ndcg.toFixed(4)}`).join(', ');
    return [
      `Recommender (${this.backbone.kind === 'sequential' ? 'SASRec-style sequence model' : 'EASE item-item model'})`,
      `inputs: '${this.columns.user}' -> top-k '${this.columns.item}' values`,
      `trained on ${this.histories.reduce((a, h) => a + h.length, 0)} interactions of ${this.users.length} users and ${this.items.length} items` +
        (this.features?.coldCount ? ` (+${this.features.coldCount} cold items with features)` : ''),
      `validation NDCG@10 (each user's last training item held out, ${this.validation.users} users): ${tried}`,
      ...(this.transitions ? [`next-item transitions (window ${this.transitions.opts.window}, recency half-life ${this.transitions.opts.halfLife}) blended in at weight ${this.transitions.weight} (validation NDCG@10 ${this.validation.transitions!.ndcg.toFixed(4)})`] : []),
      ...(this.userFeatures ? [this.userFeatures.describe(this.validation.userFeatures)] : []),
    ].join('\n');
  }

  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  static async load(path: string): Promise<Recommender> {
    const { load } = await import('../../io/model-file.js');
    const m = await load(path);
    if (!(m instanceof Recommender)) throw new TypeError(`Recommender.load: ${path} does not hold a recommender`);
    return m;
  }

  private saved?: Record<string, Tensor>;

  /** Everything tl.save needs: histories and backbone weights as tensors, ids and config as metadata. */
  toSafetensors(): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
    // Built once and reused: every save would otherwise leave native copies for the GC.
    this.saved ??= this.savedTensors();
    let backbone: Record<string, unknown>;
    const tensors: Record<string, Tensor> = { ...this.saved };
    if (this.backbone.kind === 'sequential') {
      for (const [k, t] of Object.entries(this.backbone.net.stateDict())) tensors[`sequential.${k}`] = t;
      backbone = { kind: 'sequential', numItems: this.backbone.net.numItems, opts: this.backbone.net.opts };
    } else {
      backbone = { kind: 'ease', lambda: this.backbone.ease.lambda, numItems: this.backbone.ease.numItems, halfLife: this.backbone.ease.halfLife };
    }
    return {
      tensors,
      meta: {
        kind: 'recommender', preset: 'Recommender', presetVersion: VERSION, columns: this.columns, users: this.users, items: this.items,
        backbone, features: this.features?.state ?? null, validation: this.validation, userFeatures: this.userFeatures?.state ?? null, transitions: this.transitions?.opts ?? null,
      },
    };
  }

  private savedTensors(): Record<string, Tensor> {
    const lengths = Int32Array.from(this.histories, (h) => h.length);
    const flat = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    let o = 0;
    for (const h of this.histories) flat.set(h, (o += h.length) - h.length);
    const out: Record<string, Tensor> = {
      'histories.items': keep(tensor(flat, { shape: [flat.length] })),
      'histories.lengths': keep(tensor(lengths, { shape: [lengths.length] })),
    };
    if (this.backbone.kind === 'ease') for (const [k, t] of Object.entries(this.backbone.ease.toState('ease.').tensors)) out[k] = keep(t);
    return out;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): Recommender {
    if (meta.presetVersion !== VERSION) throw new Error(`Recommender: unsupported preset version ${String(meta.presetVersion)}`);
    const users = meta.users as string[], items = meta.items as string[];
    const flat = tensors['histories.items']?.dataSync() as Int32Array | undefined, lengths = tensors['histories.lengths']?.dataSync() as Int32Array | undefined;
    if (!flat || !lengths || lengths.length !== users.length) throw new Error('Recommender: the file lacks the user histories');
    const histories: Int32Array[] = [];
    let o = 0;
    for (const n of lengths) histories.push(flat.slice(o, (o += n)));
    const b = meta.backbone as { kind: string; numItems: number; opts: SasrecOptions; lambda?: number };
    let backbone: Backbone;
    const counts = new Float64Array(items.length);
    for (const h of histories) for (const i of h) counts[i]++;
    if (b.kind === 'sequential') {
      const net = new Sasrec(b.numItems, b.opts);
      net.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith('sequential.')).map(([k, t]) => [k.slice(11), t])));
      net.eval();
      backbone = { kind: 'sequential', net };
      for (const [k, t] of Object.entries(tensors)) if (!k.startsWith('ease.')) t.dispose();
    } else {
      backbone = { kind: 'ease', ease: Ease.fromState(tensors, 'ease.', b, counts) };
      for (const [k, t] of Object.entries(tensors)) if (k !== 'ease.weights') t.dispose();
    }
    const features = meta.features ? ItemFeatures.fromJSON(meta.features as FeatureState) : undefined;
    const userFeatures = meta.userFeatures ? UserFeatures.fromJSON(meta.userFeatures as UserFeatureState).count(histories, items.length) : undefined;
    const transitions = meta.transitions ? new Transitions(histories, items.length, meta.transitions as TransitionOptions) : undefined;
    return new Recommender(meta.columns as Recommender['columns'], users, items, histories, backbone, features, meta.validation as Validation, userFeatures, transitions);
  }
}

function checkK(k: number, op: string): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`Recommender.${op}: k must be a positive integer, got ${k}`);
}

registerPreset(Recommender, ['recommendations', 'recs']);
