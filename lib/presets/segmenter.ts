// Segmenter: customer segments from mixed numeric and categorical rows. Rows are encoded in
// the input space (segment-space.ts), an autoencoder learns a compact embedding of them, and
// k-means runs on the embedding. The embedding's clusters then seed k-means in the input
// space itself, and the final assignment is whichever of {embedding clusters, refined
// clusters, k-means++ in the input space} has the best silhouette in the input space: the
// space marketers read the segments in, which a learned embedding must not distort to make
// its clusters look tidy. k = 'auto' takes the k in 2..10 with the best such silhouette.
import { noGrad } from '../autograd/mode.js';
import { InputError } from '../data/errors.js';
import { NUMBER_FORMATS } from '../data/number-format.js';
import type { TransformOptions } from '../data/preprocess.js';
import { type ColumnKind, inferSchema } from '../data/schema.js';
import type { ReadOptions } from '../data/source.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { save as saveModel } from '../io/model-file.js';
import { type InputColumn, type OutputColumn, type OutputValue, type Preset, inputColumns } from './preset.js';
import { registerPreset } from './registry.js';
import { silhouette } from '../metrics/marketing.js';
import { mse } from '../nn/losses.js';
import { Adam } from '../optim/optimizers.js';
import { manualSeed, tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { earlyStopping } from '../train/callbacks.js';
import { type History, fit } from '../train/fit.js';
import { Autoencoder } from './autoencoder.js';
import { type Clustering, type Points, assign, centroidsOf, kmeans, lloyd, silhouetteOf } from './kmeans.js';
import { type SegmentProfile, segmentProfiles } from './segment-profiles.js';
import { type SpaceColumn, encodeSpace, fitSpace, spaceWidth } from './segment-space.js';
import { type NetworkHistory, networkHistory } from './training-history.js';

export interface SegmenterFitOptions {
  /** Number of segments, or 'auto' (default): the best input-space silhouette over 2..10. */
  k?: number | 'auto';
  exclude?: string[];
  columns?: Record<string, ColumnKind>;
  /** Width of the learned embedding (default: half the input width, 2..8). */
  latent?: number;
  epochs?: number;
  /** k-means++ restarts per clustering (default 10). */
  restarts?: number;
  seed?: number;
  progress?: boolean;
  read?: ReadOptions;
}

export interface SegmentReport {
  rows: number;
  /** Mean silhouette of the rows' segments, in the input space. */
  silhouette: number;
  /** Rows per segment. */
  sizes: number[];
}

type Source = 'embedding' | 'refined' | 'input';

interface State {
  cols: SpaceColumn[];
  k: number;
  /** Where the final centroids live: the embedding, or the input space. */
  space: 'embedding' | 'input';
  source: Source;
  centroids: number[];
  /** The autoencoder's per-epoch reconstruction loss, training and held-out (files before it have none). */
  history?: NetworkHistory;
  profiles: SegmentProfile[];
  /** Training silhouette (input space) of each k tried. */
  tried: { k: number; silhouette: number; source: Source }[];
  rows: number;
}

const VERSION = 1;

export class Segmenter implements Preset<number, SegmentReport> {
  static readonly kind = 'segments';
  readonly kind = 'segments';

  private constructor(readonly encoder: Autoencoder, private readonly state: State) {}

  static async fit(data: string | Row[] | Table, opts: SegmenterFitOptions = {}): Promise<Segmenter> {
    if (opts === null || typeof opts !== 'object') throw new TypeError('Segmenter.fit: options must be an object');
    const kOpt = opts.k ?? 'auto';
    if (kOpt !== 'auto' && !(Number.isInteger(kOpt) && kOpt >= 2 && kOpt <= 50)) throw new RangeError(`Segmenter.fit: k must be 'auto' or an integer from 2 to 50, got ${JSON.stringify(kOpt)}`);
    if (opts.latent !== undefined && !(Number.isInteger(opts.latent) && opts.latent >= 1 && opts.latent <= 256)) throw new RangeError('Segmenter.fit: latent must be an integer from 1 to 256');
    if (opts.restarts !== undefined && !(Number.isInteger(opts.restarts) && opts.restarts >= 1)) throw new RangeError('Segmenter.fit: restarts must be a positive integer');
    const table = await toTable(data, 'Segmenter.fit', opts.read);
    // Each segment needs at least 2 rows. 'auto' on a small table tries only the k that fit (under
    // 20 rows the user never asked for 10 segments, so refusing over 10 would be misleading).
    const n = table.rows.length;
    const ks = kOpt === 'auto' ? [2, 3, 4, 5, 6, 7, 8, 9, 10].filter((c) => 2 * c <= n) : [kOpt];
    if (!ks.length || n < 2 * Math.max(...ks)) throw new InputError(`Segmenter.fit: ${n} rows are too few for ${ks.length ? Math.max(...ks) : 2} segments (at least 2 rows per segment: ${2 * (ks.length ? Math.max(...ks) : 2)} rows)`);
    const seed = opts.seed ?? 42;
    const schema = inferSchema(table, undefined, { exclude: opts.exclude, overrides: opts.columns });
    const cols = fitSpace(table, table.rows.map((_, i) => i), schema);
    const width = spaceWidth(cols);
    const x: Points = { data: encodeSpace(cols, table), n: table.rows.length, d: width };
    // k segments need k different points, or some come out empty (30 copies of one row, k = 3).
    const distinct = distinctPoints(x, Math.max(...ks));
    if (distinct < Math.max(...ks)) {
      if (kOpt !== 'auto' || distinct < 2)
        throw new InputError(`Segmenter.fit: the rows hold only ${distinct} distinct point${distinct === 1 ? '' : 's'} in the columns segmented (${cols.map((c) => c.name).join(', ')}), too few for ${kOpt === 'auto' ? 2 : kOpt} segments`);
      ks.splice(0, ks.length, ...ks.filter((c) => c <= distinct));
    }

    manualSeed(seed);
    const latent = opts.latent ?? Math.max(2, Math.min(8, Math.ceil(width / 2)));
    const ae = new Autoencoder(width, Math.max(16, Math.min(64, 2 * width)), latent);
    const xt = tensor(Float32Array.from(x.data), { shape: [x.n, width] });
    let history: History;
    try {
      history = await fit(ae, { x: xt, y: xt }, {
        loss: (p, t) => mse(p, t), optimizer: new Adam(ae.parameters(), { lr: 3e-3 }), epochs: opts.epochs ?? 100, batchSize: 64,
        validation: 0.1, seed, progress: opts.progress ?? false, callbacks: earlyStopping({ monitor: 'valLoss', mode: 'min', patience: 10 }),
      });
    } finally {
      xt.dispose();
    }
    ae.eval();
    const z = embed(ae, x);

    const restarts = opts.restarts ?? 10;
    let best: { k: number; clustering: Clustering; source: Source; score: number } | undefined;
    const tried: State['tried'] = [];
    for (const k of ks) {
      const inEmbedding = kmeans(z, k, { restarts, seed });
      const candidates: [Source, Clustering][] = [
        // Refined first: on a tie it wins, since it keeps the embedding's view and reads in the input space.
        ['refined', lloyd(x, centroidsOf(x, inEmbedding.labels, k), k)],
        ['input', kmeans(x, k, { restarts, seed })],
        ['embedding', inEmbedding],
      ];
      let top: { source: Source; clustering: Clustering; score: number } | undefined;
      for (const [source, clustering] of candidates) {
        const score = silhouetteOf(x, clustering.labels, { seed });
        if (!top || score > top.score + 1e-9) top = { source, clustering, score };
      }
      tried.push({ k, silhouette: top!.score, source: top!.source });
      if (!best || top!.score > best.score + 1e-9) best = { k, ...top! };
    }
    const { k, source } = best!;
    // Segment 0 is the largest: indices mean the same thing whatever the seed.
    const counts = new Array(k).fill(0);
    for (const l of best!.clustering.labels) counts[l]++;
    const order = counts.map((c, j) => [c, j]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, j]) => j);
    const pts = source === 'embedding' ? z : x;
    const centroids = new Float64Array(k * pts.d);
    order.forEach((j, s) => centroids.set(best!.clustering.centroids.subarray(j * pts.d, (j + 1) * pts.d), s * pts.d));
    const labels = assign(pts, centroids, k).labels;
    return new Segmenter(ae, {
      cols, k, space: source === 'embedding' ? 'embedding' : 'input', source, centroids: Array.from(centroids),
      profiles: segmentProfiles(cols, table, labels, k), tried, rows: x.n, history: { ...networkHistory(history), group: 'autoencoder' },
    });
  }

  get k(): number {
    return this.state.k;
  }

  get inputSchema(): InputColumn[] {
    return inputColumns(this.state.cols);
  }

  /** Scored files get the segment index (0 = the largest segment, as in profiles()). */
  outputColumns(): OutputColumn[] {
    return [{ name: 'segment', type: 'number', description: `segment index, 0..${this.state.k - 1} (0 = the largest; see profiles())` }];
  }

  score(rows: Row[] | Table, opts: TransformOptions = {}): OutputValue[][] {
    return this.predict(rows, opts).map((s) => [s]);
  }

  /** The autoencoder's training curves (reconstruction loss per epoch), as the networks of other presets record theirs. */
  get validation(): { history?: NetworkHistory[] } {
    return { history: this.state.history ? [this.state.history] : undefined };
  }

  /** Training silhouettes (input space) per k tried, and which clustering won. */
  get tried(): State['tried'] {
    return this.state.tried;
  }

  private points(rows: Row[] | Table, opts: TransformOptions): Points {
    const table = Array.isArray(rows) ? { rows, columns: [] } : rows;
    if (!Array.isArray(table?.rows)) throw new TypeError('Segmenter: expected an array of row objects');
    return { data: encodeSpace(this.state.cols, table, opts), n: table.rows.length, d: spaceWidth(this.state.cols) };
  }

  /** The learned embedding of rows: number[][] (n x latent). */
  embed(rows: Row[] | Table, opts: TransformOptions = {}): number[][] {
    const z = embed(this.encoder, this.points(rows, opts));
    return Array.from({ length: z.n }, (_, i) => Array.from(z.data.subarray(i * z.d, (i + 1) * z.d)));
  }

  /** Segment index (0 = the largest segment in training) of each row. */
  predict(rows: Row[] | Table, opts: TransformOptions = {}): number[] {
    let p = this.points(rows, opts);
    if (!p.n) return [];
    if (this.state.space === 'embedding') p = embed(this.encoder, p);
    return Array.from(assign(p, Float64Array.from(this.state.centroids), this.state.k).labels);
  }

  /** Per segment: size, share, numeric means and over-represented labels with their lift (training rows). */
  profiles(): SegmentProfile[] {
    return structuredClone(this.state.profiles);
  }

  /** Silhouette of the rows' segments in the input space (exact), and the segment sizes. */
  async evaluate(data: string | Row[] | Table, opts: TransformOptions & { read?: ReadOptions } = {}): Promise<SegmentReport> {
    const table = await toTable(data, 'Segmenter.evaluate', opts.read);
    const labels = this.predict(table, opts);
    const p = this.points(table, opts);
    const sizes = new Array(this.state.k).fill(0);
    for (const l of labels) sizes[l]++;
    const s = sizes.filter((c) => c > 0).length < 2 ? NaN
      : tidy(() => silhouette(tensor(Float32Array.from(p.data), { shape: [p.n, p.d] }), labels));
    return { rows: p.n, silhouette: s, sizes };
  }

  describe(): string {
    const s = this.state;
    const sizes = s.profiles.map((p) => `${(p.share * 100).toFixed(0)}%`).join(' / ');
    const sil = s.tried.find((t) => t.k === s.k)!.silhouette;
    return [
      `Segmenter (kind 'segments'): ${s.k} segments of rows described by ${s.cols.length} columns (${s.cols.map((c) => c.name).join(', ')}).`,
      `Trained on ${s.rows} rows: shares ${sizes}; input-space silhouette ${sil.toFixed(3)} (clusters from the ${s.source === 'input' ? 'input space (k-means++)' : s.source === 'refined' ? 'embedding, refined in the input space' : 'autoencoder embedding'}).`,
      `predict -> segment index per row; profiles() -> sizes, means and over-represented labels per segment.`,
    ].join('\n');
  }

  toSafetensors(): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
    if (!this.state.centroids.every(Number.isFinite)) throw new Error('save: the segmenter has centroids that are not finite');
    return {
      tensors: this.encoder.stateDict(),
      meta: { kind: 'segments', preset: 'Segmenter', presetVersion: VERSION, encoder: this.encoder.config(), state: JSON.parse(JSON.stringify(this.state)) },
    };
  }

  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  static async load(path: string): Promise<Segmenter> {
    const { load } = await import('../io/model-file.js');
    const m = await load(path);
    if (!(m instanceof Segmenter)) throw new TypeError(`Segmenter.load: ${path} does not hold a segmenter`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): Segmenter {
    if (meta.presetVersion !== VERSION) throw new Error(`Segmenter: unsupported preset version ${String(meta.presetVersion)}`);
    const state = meta.state as State, cfg = meta.encoder as { args: [number, number, number] };
    if (!state || !Array.isArray(state.centroids) || !Array.isArray(state.cols) || !cfg?.args) throw new Error('Segmenter: the file has no segmenter state');
    if (state.centroids.length !== state.k * (state.space === 'embedding' ? cfg.args[2] : spaceWidth(state.cols)))
      throw new Error('Segmenter: the centroids do not match the number of segments');
    const odd = state.cols.find((c) => c.kind === 'numeric' && c.format !== undefined && !NUMBER_FORMATS.includes(c.format));
    if (odd) throw new Error(`Segmenter: column '${odd.name}' has an unknown number format ${JSON.stringify((odd as { format?: unknown }).format)}`);
    const ae = new Autoencoder(...cfg.args);
    ae.loadStateDict(tensors);
    for (const t of Object.values(tensors)) t.dispose();
    return new Segmenter(ae.eval(), state);
  }
}

/** How many different rows `p` holds, counting no further than `enough`. */
function distinctPoints(p: Points, enough: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < p.n && seen.size < enough; i++) seen.add(p.data.subarray(i * p.d, (i + 1) * p.d).join(','));
  return seen.size;
}

/** The encoder's embedding of points, as float64 points. */
function embed(ae: Autoencoder, p: Points): Points {
  const out = noGrad(() => tidy(() => ae.encode(tensor(Float32Array.from(p.data), { shape: [p.n, p.d] })).dataSync()));
  return { data: Float64Array.from(out), n: p.n, d: ae.latent };
}

registerPreset(Segmenter, ['segmenter', 'segmentation']);
