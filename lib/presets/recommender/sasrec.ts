// SASRec (Kang & McAuley 2018): causal self-attention over a user's last `maxLen` items, built
// from the library's TransformerEncoderLayer; the hidden state at each position scores every
// item by a dot product with the (tied) item embeddings. Trained with softmax cross-entropy
// over all items, or over `negatives` shared uniformly sampled items when the catalogue is
// large: the literature (Klenitskiy & Vasilev 2023, gSASRec) finds this, not BCE with one
// negative, is what makes SASRec strong.
import { noGrad } from '../../autograd/mode.js';
import { constant, normal } from '../../nn/init.js';
import { Module, type ModuleConfig, parameter } from '../../nn/module.js';
import { LayerNorm } from '../../nn/layers/norm.js';
import { TransformerEncoderLayer } from '../../nn/layers/attention.js';
import { crossEntropy } from '../../nn/losses.js';
import { dropout } from '../../ops/dropout.js';
import { cat, embedding } from '../../ops/join.js';
import { matmul } from '../../ops/linalg.js';
import { reshape, slice, transpose } from '../../ops/shape.js';
import { AdamW } from '../../optim/optimizers.js';
import { tensor } from '../../tensor/create.js';
import { Tensor, tidy } from '../../tensor/tensor.js';
import { seededRandom } from '../../train/data.js';

export interface SasrecOptions {
  dim?: number;
  layers?: number;
  heads?: number;
  maxLen?: number;
  dropout?: number;
}

export interface SasrecTrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Sampled negatives per batch, or 'all' (full softmax). Default: all items up to 4096, else 512. */
  negatives?: number | 'all';
  seed?: number;
  /** Stop after this many optimizer steps in all (a refit repeats a validated run's length). */
  maxSteps?: number;
  /** Stop at this performance.now() time, even inside an epoch (a budget for big data). */
  deadline?: number;
  /** Called after each epoch (and after a stop inside one) with the steps so far; return false to stop. */
  onEpoch?: (epoch: number, loss: number, steps: number) => boolean | void | Promise<boolean | void>;
}

const NEG = -1e9; // additive mask: finite, so a row of padding never softmaxes to NaN

export class Sasrec extends Module {
  itemEmb: Tensor;
  /** Per-item output bias: lets the model carry popularity apart from the taste vectors. */
  itemBias: Tensor;
  posEmb: Tensor;
  blocks: TransformerEncoderLayer[];
  norm: LayerNorm;
  readonly dim: number;
  readonly maxLen: number;
  readonly dropoutP: number;

  constructor(readonly numItems: number, readonly opts: SasrecOptions = {}) {
    super();
    const d = (this.dim = opts.dim ?? 64);
    this.maxLen = opts.maxLen ?? 50;
    this.dropoutP = opts.dropout ?? 0.2;
    // Row 0 is padding; item i is row i + 1.
    this.itemEmb = parameter(normal([numItems + 1, d], 1 / Math.sqrt(d)));
    this.itemBias = parameter(constant([1, numItems], 0));
    this.posEmb = parameter(normal([this.maxLen, d], 0.02));
    this.blocks = Array.from({ length: opts.layers ?? 2 }, () =>
      new TransformerEncoderLayer(d, opts.heads ?? 2, { dimFeedforward: 2 * d, dropout: this.dropoutP, activation: 'gelu', normFirst: true }),
    );
    this.norm = new LayerNorm(d);
  }

  /** Hidden states [B, L, d] for left-padded item rows [B, L] (int32, item + 1, 0 = padding). */
  forward(seq: Tensor): Tensor {
    const [b, l] = seq.shape;
    const pad = seq.eq(0);
    const notPad = reshape(seq.ne(0).float(), [b, l, 1]);
    let x = embedding(this.itemEmb, seq).mul(Math.sqrt(this.dim)).add(slice(this.posEmb, 0, this.maxLen - l, this.maxLen));
    x = dropout(x, this.dropoutP, this.training).mul(notPad);
    const causal = new Float32Array(l * l);
    for (let i = 0; i < l; i++) for (let j = i + 1; j < l; j++) causal[i * l + j] = NEG;
    const srcMask = tensor(causal, { shape: [l, l] });
    const srcKeyPaddingMask = pad.float().mul(NEG);
    for (const block of this.blocks) x = block.forward(x, { srcMask, srcKeyPaddingMask }).mul(notPad);
    return this.norm.forward(x);
  }

  /** Scores of every item [rows, numItems] from hidden states [rows, d]. */
  logits(h: Tensor): Tensor {
    return matmul(h, transpose(this.items(), 0, 1)).add(this.itemBias);
  }

  /** Item weights [numItems, d] (without the padding row). */
  items(): Tensor {
    return slice(this.itemEmb, 0, 1, this.numItems + 1);
  }

  override config(): ModuleConfig {
    return { type: 'Sasrec', args: [this.numItems, this.opts] };
  }

  /** Left-padded input rows of the last maxLen items of each history (item + 1; 0 = padding). */
  encode(histories: Int32Array[]): Tensor {
    const L = this.maxLen;
    const x = new Int32Array(histories.length * L);
    histories.forEach((h, r) => {
      const tail = h.subarray(Math.max(0, h.length - L));
      for (let k = 0; k < tail.length; k++) x[r * L + L - tail.length + k] = tail[k] + 1;
    });
    return tensor(x, { shape: [histories.length, L] });
  }

  /** Next-item scores [histories.length][numItems] from each history's last state. */
  score(histories: Int32Array[], batch = 256): Float32Array[] {
    const out: Float32Array[] = [];
    const V = this.numItems;
    noGrad(() => {
      for (let s = 0; s < histories.length; s += batch) {
        const part = histories.slice(s, s + batch);
        const flat = tidy(() => {
          const h = this.forward(this.encode(part));
          const last = reshape(slice(h, 1, this.maxLen - 1, this.maxLen), [part.length, this.dim]);
          return this.logits(last).dataSync() as Float32Array;
        });
        for (let r = 0; r < part.length; r++) out.push(flat.slice(r * V, (r + 1) * V));
      }
    });
    return out;
  }

  /** Item vectors (for item-item similarity). */
  itemVectors(): Float32Array {
    return noGrad(() => tidy(() => this.items().contiguous().dataSync() as Float32Array));
  }
}

/** Training windows: every history split into chunks of maxLen + 1 (inputs, next-item targets). */
function windows(histories: Int32Array[], maxLen: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (const h of histories) {
    if (h.length < 2) continue;
    for (let end = h.length; end > 1; end -= maxLen) out.push(h.subarray(Math.max(0, end - maxLen - 1), end));
  }
  return out;
}

/** Trains the model in place on the histories. */
export async function trainSasrec(model: Sasrec, histories: Int32Array[], opts: SasrecTrainOptions = {}): Promise<void> {
  const L = model.maxLen, V = model.numItems;
  const wins = windows(histories, L);
  if (!wins.length) return;
  const random = seededRandom(opts.seed ?? 42);
  const negatives = opts.negatives ?? (V <= 4096 ? 'all' : 512);
  const full = negatives === 'all' || negatives >= V;
  const optimizer = new AdamW(model.parameters(), { lr: opts.lr ?? 1e-3, weightDecay: 0 });
  // Small batches: on a few hundred users' histories, optimizer steps (not epochs) are scarce.
  const batchSize = opts.batchSize ?? 16;
  const epochs = opts.epochs ?? 50;
  let total = 0, halt = false;
  model.train();
  try {
    for (let epoch = 0; epoch < epochs && !halt; epoch++) {
      const order = wins.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let lossSum = 0, steps = 0;
      for (let s = 0; s < order.length; s += batchSize) {
        const idx = order.slice(s, s + batchSize), B = idx.length;
        // Inputs: window[0..n-2], targets: window[1..n-1], both right-aligned.
        const inp = new Int32Array(B * L), tgt = new Int32Array(B * L).fill(-100);
        idx.forEach((w, r) => {
          const win = wins[w], n = win.length - 1;
          for (let k = 0; k < n; k++) {
            inp[r * L + L - n + k] = win[k] + 1;
            tgt[r * L + L - n + k] = win[k + 1];
          }
        });
        let negs: Int32Array | undefined;
        if (!full) {
          negs = new Int32Array(negatives as number);
          for (let k = 0; k < negs.length; k++) negs[k] = Math.floor(random() * V);
        }
        const loss = tidy(() => {
          optimizer.zeroGrad();
          const h = reshape(model.forward(tensor(inp, { shape: [B, L] })), [B * L, model.dim]);
          const labels = tensor(tgt, { shape: [B * L] });
          let l: Tensor;
          if (full) l = crossEntropy(model.logits(h), labels);
          else l = sampledLoss(model, h, tgt, negs!);
          l.backward();
          optimizer.step();
          return l.item();
        });
        if (!Number.isFinite(loss)) throw new RangeError(`Recommender: the sequence model's loss became ${loss} at epoch ${epoch + 1}`);
        lossSum += loss;
        steps++;
        total++;
        await new Promise<void>((r) => setImmediate(r));
        if ((opts.maxSteps && total >= opts.maxSteps) || (opts.deadline && performance.now() > opts.deadline)) {
          halt = true;
          break;
        }
      }
      model.eval();
      const go = await opts.onEpoch?.(epoch, lossSum / Math.max(1, steps), total);
      model.train();
      if (go === false) break;
    }
  } finally {
    model.eval();
  }
}

/**
 * Cross-entropy of the true next item against shared sampled negatives: column 0 holds the
 * positive logit; a negative equal to the row's target is masked out (an accidental hit).
 */
function sampledLoss(model: Sasrec, h: Tensor, tgt: Int32Array, negs: Int32Array): Tensor {
  const P = tgt.length, N = negs.length;
  const rows: number[] = [];
  for (let p = 0; p < P; p++) if (tgt[p] >= 0) rows.push(p);
  const rowIdx = tensor(Int32Array.from(rows), { shape: [rows.length] });
  const hv = h.indexSelect(0, rowIdx); // [R, d]
  const pos = embedding(model.itemEmb, tensor(Int32Array.from(rows, (p) => tgt[p] + 1), { shape: [rows.length] }));
  const bias = reshape(model.itemBias, [model.numItems, 1]);
  const posIdx = tensor(Int32Array.from(rows, (p) => tgt[p]), { shape: [rows.length] });
  const posLogit = hv.mul(pos).sum(1, true).add(embedding(bias, posIdx)); // [R, 1]
  const negIdx = tensor(negs, { shape: [N] });
  const negEmb = embedding(model.itemEmb, negIdx.add(1).int());
  let negLogits = matmul(hv, transpose(negEmb, 0, 1)).add(reshape(embedding(bias, negIdx), [1, N])); // [R, N]
  const hit = new Float32Array(rows.length * N);
  const negSet = new Map<number, number[]>();
  negs.forEach((v, k) => negSet.set(v, [...(negSet.get(v) ?? []), k]));
  rows.forEach((p, r) => negSet.get(tgt[p])?.forEach((k) => (hit[r * N + k] = NEG)));
  negLogits = negLogits.add(tensor(hit, { shape: [rows.length, N] }));
  return crossEntropy(cat([posLogit, negLogits], 1), tensor(new Int32Array(rows.length), { shape: [rows.length] }));
}
