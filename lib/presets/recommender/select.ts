// Which model serves a data set is decided on that data set: each user's last training
// interaction is held out, every candidate is trained on the rest and scored by NDCG@10 over
// full rankings, and the winner is refit on all rows (the sequential model for the number of
// epochs that validated best). This is how the project's baselines chose their settings.
import { holdOutLast } from '../../data/interactions.js';
import { manualSeed } from '../../tensor/create.js';
import { Ease, EaseAccuracyError, type EaseOptions, RECENCY_GRID, defaultLambdas } from './ease.js';
import { blendScores, blendedRanks, rankOf, seenMask } from './ranking.js';
import { Sasrec, type SasrecOptions, type SasrecTrainOptions, trainSasrec } from './sasrec.js';
import { TRANSITION_GRID, TRANSITION_WEIGHTS, type TransitionOptions, Transitions } from './transitions.js';
import { UserFeatures } from './user-features.js';

export type ModelKind = 'sequential' | 'ease';
export type Backbone = { kind: 'sequential'; net: Sasrec } | { kind: 'ease'; ease: Ease };

export interface SelectOptions {
  model?: ModelKind | 'auto';
  /**
   * The sequence model: architecture, training, `patience` (epochs without a better validation
   * NDCG, default 3) and `maxSeconds` (wall-clock budget of its validation run, default 30,
   * checked every batch; the refit trains as many optimizer steps as the best validated epoch).
   */
  sequential?: SasrecOptions & Omit<SasrecTrainOptions, 'onEpoch' | 'seed'> & { patience?: number; maxSeconds?: number };
  ease?: EaseOptions;
  /**
   * Item-to-next-item transitions blended beside the chosen model (ordered histories only):
   * window and recency half-life validated on TRANSITION_GRID with weights TRANSITION_WEIGHTS
   * (0 included), or the settings given; false leaves them out.
   */
  transitions?: false | Partial<TransitionOptions>;
  seed?: number;
  /** Validation users scored per epoch, at most (an evenly spread sample beyond it; default 2000). */
  validationUsers?: number;
  onProgress?: (message: string) => void;
}

export interface Validation {
  /** Validation NDCG@10 and HR@10 of each candidate tried. */
  candidates: Partial<Record<ModelKind, { ndcg: number; hitRate: number; epochs?: number; steps?: number; halfLife?: number; lambda?: number }>>;
  chosen: ModelKind;
  users: number;
  /** Validation NDCG@10 of the chosen model with the transitions at the chosen settings (weight 0: not used). */
  transitions?: TransitionOptions & { ndcg: number };
  /** With user features: NDCG@10 of popularity and of feature scores alone (cold users), and of the chosen blend for known users. */
  userFeatures?: { popular: number; features: number; smoothing: number; weight: number; blended: number; forCold: boolean };
}

/** Scores of item lists by a backbone: [lists][items]. */
export function scoreWith(b: Backbone, histories: Int32Array[]): Float32Array[] {
  return b.kind === 'sequential' ? b.net.score(histories) : b.ease.score(histories);
}

function disposeBackbone(b: Backbone): void {
  if (b.kind === 'sequential') for (const p of b.net.parameters()) p.dispose();
  else b.ease.dispose();
}

/** HR@10 and NDCG@10 of held-out items, ranked against everything outside each history. */
export function heldOutMetrics(b: Backbone, histories: Int32Array[], targets: number[], numItems: number): { ndcg: number; hitRate: number } {
  return rankedMetrics(histories, targets, numItems, (part) => scoreWith(b, part));
}

/** heldOutMetrics for any scorer of history batches (`start`: the batch's first row). */
function rankedMetrics(histories: Int32Array[], targets: number[], numItems: number, scorer: (part: Int32Array[], start: number) => Float32Array[]): { ndcg: number; hitRate: number } {
  let ndcg = 0, hits = 0;
  for (let s = 0; s < histories.length; s += 256) {
    const part = histories.slice(s, s + 256);
    const scores = scorer(part, s);
    part.forEach((h, r) => {
      const rank = rankOf(scores[r], targets[s + r], seenMask(h, numItems));
      if (rank < 10) {
        hits++;
        ndcg += 1 / Math.log2(rank + 2);
      }
    });
  }
  const n = Math.max(1, histories.length);
  return { ndcg: ndcg / n, hitRate: hits / n };
}

async function fitSequential(
  histories: Int32Array[], numItems: number, opts: SelectOptions, maxSteps: number | undefined,
  monitor?: (b: Backbone) => number,
): Promise<{ backbone: Backbone; bestEpoch: number; bestSteps: number; best: number }> {
  const seed = opts.seed ?? 42;
  manualSeed(seed);
  const o = opts.sequential ?? {};
  const net = new Sasrec(numItems, { dim: o.dim, layers: o.layers, heads: o.heads, maxLen: o.maxLen, dropout: o.dropout });
  const backbone: Backbone = { kind: 'sequential', net };
  const patience = o.patience ?? 3;
  let best = -Infinity, bestEpoch = 0, bestSteps = 0;
  const started = performance.now(), budget = (o.maxSeconds ?? 30) * 1000;
  await trainSasrec(net, histories, {
    epochs: maxSteps ? Number.MAX_SAFE_INTEGER : o.epochs ?? 40, maxSteps, batchSize: o.batchSize, lr: o.lr, negatives: o.negatives, seed,
    deadline: monitor ? started + budget : undefined,
    onEpoch: (epoch, loss, steps) => {
      if (!monitor) {
        opts.onProgress?.(`sequential model: epoch ${epoch + 1}, loss ${loss.toFixed(4)}`);
        return;
      }
      const v = monitor(backbone);
      opts.onProgress?.(`sequential model: epoch ${epoch + 1}, loss ${loss.toFixed(4)}, validation NDCG@10 ${v.toFixed(4)}`);
      if (v > best) {
        best = v;
        bestEpoch = epoch + 1;
        bestSteps = steps;
      }
      return epoch + 1 - bestEpoch < patience && performance.now() - started < budget;
    },
  });
  return { backbone, bestEpoch, bestSteps, best };
}

/** Trains the candidates on all but each user's last item, picks by NDCG@10, refits the winner. */
export async function selectAndFit(
  histories: Int32Array[], numItems: number, hasTime: boolean, opts: SelectOptions, userFeatures?: UserFeatures,
): Promise<{ backbone: Backbone; validation: Validation; transitions?: TransitionOptions }> {
  const wanted = opts.model ?? 'auto';
  if (wanted === 'sequential' && !hasTime) throw new RangeError("Recommender.fit: model 'sequential' needs the time column (options.time) to order each user's history");
  const candidates: ModelKind[] = wanted === 'auto' ? (hasTime ? ['sequential', 'ease'] : ['ease']) : [wanted];
  const { train, heldOut } = holdOutLast(histories);
  let users = Array.from(heldOut.keys()).filter((u) => heldOut[u] >= 0);
  const cap = opts.validationUsers ?? 2000;
  if (users.length > cap) {
    // An evenly spread sample keeps per-epoch validation cheap on big data.
    const step = users.length / cap;
    users = Array.from({ length: cap }, (_, k) => users[Math.floor(k * step)]);
  }
  const vh = users.map((u) => train[u]), vt = users.map((u) => heldOut[u]);
  const validation: Validation = { candidates: {}, chosen: candidates[0], users: users.length };
  let bestSteps = 0, easeHalfLife = hasTime ? [opts.ease?.halfLife ?? 5].flat()[0] : 0, easeLambda: number | undefined = opts.ease?.lambda === undefined ? undefined : [opts.ease.lambda].flat()[0];
  if (candidates.length === 1 && !users.length) return { backbone: await refit(candidates[0]), validation };
  // The best validated model of each kind stays alive until the user features are validated beside it.
  const kept: Partial<Record<ModelKind, Backbone>> = {};
  for (const kind of candidates) {
    if (kind === 'ease') {
      // Recency weighting only means something when the histories are in time order.
      const grid = hasTime ? [opts.ease?.halfLife ?? RECENCY_GRID].flat() : [0];
      for (const lambda of [opts.ease?.lambda ?? defaultLambdas(train, numItems, opts.ease?.maxItems)].flat()) {
        let b: Backbone;
        try {
          b = { kind: 'ease', ease: Ease.fit(train, numItems, { ...opts.ease, lambda }) };
        } catch (e) {
          if (!(e instanceof EaseAccuracyError)) throw e;
          opts.onProgress?.(`${e.message}; skipped`);
          continue;
        }
        for (const halfLife of grid) {
          b.ease.halfLife = halfLife;
          const m = { ...heldOutMetrics(b, vh, vt, numItems), halfLife, lambda };
          opts.onProgress?.(`EASE (lambda ${lambda}, recency half-life ${halfLife || 'none'}): validation NDCG@10 ${m.ndcg.toFixed(4)}`);
          if (!validation.candidates.ease || m.ndcg > validation.candidates.ease.ndcg) validation.candidates.ease = m;
        }
        if (validation.candidates.ease?.lambda !== lambda) disposeBackbone(b);
        else {
          if (kept.ease) disposeBackbone(kept.ease);
          kept.ease = b;
        }
      }
      if (!validation.candidates.ease) throw new RangeError('Recommender.fit: EASE could not be fit accurately at any lambda (pass larger ones: ease.lambda)');
      easeHalfLife = validation.candidates.ease.halfLife ?? 0;
      easeLambda = validation.candidates.ease.lambda!;
      if (kept.ease?.kind === 'ease') kept.ease.ease.halfLife = easeHalfLife;
    } else {
      const r = await fitSequential(train, numItems, opts, undefined, (b) => heldOutMetrics(b, vh, vt, numItems).ndcg);
      const m = heldOutMetrics(r.backbone, vh, vt, numItems);
      validation.candidates.sequential = { ...m, epochs: r.bestEpoch, steps: r.bestSteps };
      bestSteps = r.bestSteps;
      kept.sequential = r.backbone;
    }
  }
  const scored = candidates.filter((c) => validation.candidates[c]);
  validation.chosen = scored.reduce((a, c) => (validation.candidates[c]!.ndcg > validation.candidates[a]!.ndcg ? c : a), scored[0]);
  const winner = kept[validation.chosen]!;
  let scorer = (part: Int32Array[]) => scoreWith(winner, part);
  if (hasTime && opts.transitions !== false) {
    const t = (validation.transitions = validateTransitions(train, vh, vt, numItems, scorer, opts.transitions ?? {}));
    opts.onProgress?.(`transitions (window ${t.window}, half-life ${t.halfLife}) beside ${validation.chosen} at weight ${t.weight}: validation NDCG@10 ${t.ndcg.toFixed(4)}`);
    if (t.weight) {
      const tr = new Transitions(train, numItems, t);
      scorer = (part) => scoreWith(winner, part).map((b, r) => blendScores(b, tr.score(part[r]), t.weight));
    }
  }
  if (userFeatures) {
    validation.userFeatures = validateUserFeatures(userFeatures, scorer, train, vh, vt, users, numItems);
    const v = validation.userFeatures;
    opts.onProgress?.(`user features: validation NDCG@10 alone ${v.features.toFixed(4)} (popular items ${v.popular.toFixed(4)}), beside ${validation.chosen} at weight ${v.weight}: ${v.blended.toFixed(4)}`);
  }
  for (const b of Object.values(kept)) disposeBackbone(b);
  opts.onProgress?.(`chosen: ${validation.chosen}; refitting on all rows`);
  const t = validation.transitions;
  return { backbone: await refit(validation.chosen), validation, transitions: t?.weight ? { window: t.window, halfLife: t.halfLife, weight: t.weight } : undefined };

  async function refit(kind: ModelKind): Promise<Backbone> {
    if (kind === 'ease') {
      // All rows are a little denser than the validation split: should the chosen lambda no
      // longer invert accurately, the next larger one is used.
      let ease: Ease | undefined;
      for (let lambda = easeLambda; !ease; lambda = (lambda ?? defaultLambdas(histories, numItems, opts.ease?.maxItems)[1]) * 3) {
        try {
          ease = Ease.fit(histories, numItems, { ...opts.ease, lambda });
        } catch (e) {
          if (!(e instanceof EaseAccuracyError) || e.lambda > 1e7) throw e;
        }
      }
      ease.halfLife = easeHalfLife;
      return { kind: 'ease', ease };
    }
    // Without a validation run (no user could give up an item) the configured epochs run.
    return (await fitSequential(histories, numItems, opts, bestSteps || undefined)).backbone;
  }
}

/**
 * Validates the user features on the held-out items: the shrinkage and whether feature scores
 * alone beat popularity (for cold users), then their weight beside the chosen backbone (0
 * unless it helps). Leaves the counts of the training split in `uf`; the caller recounts.
 */
function validateUserFeatures(
  uf: UserFeatures, scorer: (part: Int32Array[]) => Float32Array[], train: Int32Array[], vh: Int32Array[], vt: number[], users: number[], numItems: number,
): NonNullable<Validation['userFeatures']> {
  uf.count(train, numItems);
  const total = train.reduce((a, h) => a + h.length, 0);
  const tokens = users.map((u) => uf.state.warm[u]);
  const alone = (smoothing: number) => rankedMetrics(vh, vt, numItems, (part, s) => part.map((_, r) => uf.score(tokens[s + r], smoothing))).ndcg;
  const popular = rankedMetrics(vh, vt, numItems, (part) => part.map(() => uf.score([]))).ndcg;
  let best = { smoothing: 0, ndcg: -Infinity };
  for (const f of [0.001, 0.01, 0.1]) {
    const smoothing = Math.max(1, f * total), ndcg = alone(smoothing);
    if (ndcg > best.ndcg) best = { smoothing, ndcg };
  }
  uf.state.smoothing = best.smoothing;
  uf.state.forCold = best.ndcg > popular;
  let weight = 0, blended = -Infinity;
  for (const w of [0, 0.05, 0.1, 0.2, 0.4]) {
    const ndcg = rankedMetrics(vh, vt, numItems, (part, s) => scorer(part).map((b, r) => blendScores(b, uf.score(tokens[s + r]), w))).ndcg;
    if (ndcg > blended) [weight, blended] = [w, ndcg];
  }
  uf.state.weight = weight;
  return { popular, features: best.ndcg, smoothing: best.smoothing, weight, blended, forCold: uf.state.forCold };
}

/** The transition settings and weight with the best validation NDCG@10 beside the model's scores. */
function validateTransitions(
  train: Int32Array[], vh: Int32Array[], vt: number[], numItems: number, scorer: (part: Int32Array[]) => Float32Array[], given: Partial<TransitionOptions>,
): TransitionOptions & { ndcg: number } {
  const grid = given.window !== undefined || given.halfLife !== undefined ? [{ window: given.window ?? 10, halfLife: given.halfLife ?? 3 }] : TRANSITION_GRID;
  const weights = given.weight !== undefined ? [given.weight] : TRANSITION_WEIGHTS;
  const models = grid.map((g) => new Transitions(train, numItems, { ...g, weight: 0 }));
  const gain = grid.map(() => weights.map(() => 0));
  // The model's scores once per batch, every setting and weight on them.
  for (let s = 0; s < vh.length; s += 256) {
    const part = vh.slice(s, s + 256), base = scorer(part);
    part.forEach((h, r) => {
      const mask = seenMask(h, numItems);
      models.forEach((m, g) =>
        blendedRanks(base[r], m.score(h), weights, vt[s + r], mask).forEach((rank, k) => {
          if (rank < 10) gain[g][k] += 1 / Math.log2(rank + 2);
        }),
      );
    });
  }
  let best = { ...grid[0], weight: weights[0], ndcg: -Infinity };
  grid.forEach((g, gi) => weights.forEach((w, k) => {
    const ndcg = gain[gi][k] / Math.max(1, vh.length);
    if (ndcg > best.ndcg + 1e-12) best = { ...g, weight: w, ndcg };
  }));
  return best;
}
