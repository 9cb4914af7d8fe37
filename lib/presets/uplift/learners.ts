// The three ways UpliftModel learns a treatment effect, each from TabularNets on the shared
// preprocessor, and how each turns its networks' outputs into uplift:
//   - 'tarnet': one network, a shared trunk with two outputs (control and treated heads);
//     each row trains only the head of the arm it was in (Shalit et al. 2017, TARNet);
//   - 't-learner': two networks, one fitted on the control rows, one on the treated rows;
//   - 'class-transformation': one network on a transformed target whose expectation is the
//     uplift itself: for a conversion, Z = 1 when (treated and converted) or (control and not)
//     with the arms reweighted to 50/50, uplift = 2 P(Z) - 1 (Jaskowski & Jaroszewicz 2012);
//     for a number, Y* = Y (T - p) / (p (1 - p)) (the transformed outcome, Athey & Imbens).
// Numeric outcomes are standardized before training; uplift comes back in those units and
// the model scales it back.
import { noGrad } from '../../autograd/mode.js';
import type { Encoded, Preprocessor } from '../../data/preprocess.js';
import { binaryCrossEntropyWithLogits, mse } from '../../nn/losses.js';
import { add, mul, sub } from '../../ops/arithmetic.js';
import { sigmoid } from '../../ops/activation.js';
import { cat } from '../../ops/join.js';
import { mean, sum } from '../../ops/reduce.js';
import { slice } from '../../ops/shape.js';
import { AdamW } from '../../optim/optimizers.js';
import { tensor } from '../../tensor/create.js';
import { type Tensor, tidy } from '../../tensor/tensor.js';
import { earlyStopping } from '../../train/callbacks.js';
import { fit } from '../../train/fit.js';
import type { Fold } from '../fit-folds.js';
import { TabularNet, type TabularTrainingOptions, embeddingCapFor } from '../tabular-net.js';
import { type NetworkHistory, networkHistory } from '../training-history.js';

export const LEARNERS = ['tarnet', 't-learner', 'class-transformation'] as const;
export type Learner = (typeof LEARNERS)[number];
export type OutcomeType = 'binary' | 'numeric';

/** The network settings an uplift learner takes: those of the tabular presets' networks. */
export type NetworkOptions = Pick<TabularTrainingOptions, 'hidden' | 'dropout' | 'embeddingDropout' | 'epochs' | 'batchSize' | 'lr' | 'weightDecay' | 'patience' | 'progress'>;

/** What one learner trains on: the encoded rows, 0/1 treatment, outcome (0/1 or standardized), the treated share. */
export interface LearnerData {
  encoded: Encoded;
  preprocessor: Preprocessor;
  treated: Float32Array;
  outcome: Float64Array;
  outcomeType: OutcomeType;
  treatedShare: number;
}

/** The encoded feature rows `idx` as the two input tensors of a TabularNet. */
export function featureTensors(e: Encoded, pre: Preprocessor, idx?: number[]): [Tensor, Tensor] {
  const nw = pre.numericWidth, nc = pre.cardinalities.length;
  if (!idx) return [tensor(e.numeric, { shape: [e.n, nw], device: 'cpu' }), tensor(e.categorical, { shape: [e.n, nc], device: 'cpu' })];
  const num = new Float32Array(idx.length * nw), catg = new Int32Array(idx.length * nc);
  idx.forEach((i, r) => {
    num.set(e.numeric.subarray(i * nw, (i + 1) * nw), r * nw);
    catg.set(e.categorical.subarray(i * nc, (i + 1) * nc), r * nc);
  });
  return [tensor(num, { shape: [idx.length, nw], device: 'cpu' }), tensor(catg, { shape: [idx.length, nc], device: 'cpu' })];
}

/** Loss of outputs [n, 1] against the targets [n, 1] for the outcome's type. */
function factualLoss(out: Tensor, y: Tensor, type: OutcomeType): Tensor {
  return type === 'binary' ? binaryCrossEntropyWithLogits(out, y) : mse(out, y);
}

interface Task {
  outputs: number;
  /** Rows of the fold this network learns from (T-learner: one arm's). */
  rows: (idx: number[]) => number[];
  /** The target tensor of rows `idx`: [n, 2] columns the loss reads. */
  targets: (idx: number[]) => Tensor;
  loss: (out: Tensor, y: Tensor) => Tensor;
}

function tasks(learner: Learner, d: LearnerData): Task[] {
  const { treated: t, outcome: y, outcomeType: type, treatedShare: p } = d;
  const pairs = (idx: number[], f: (i: number) => [number, number]) => {
    const v = new Float32Array(idx.length * 2);
    idx.forEach((i, r) => v.set(f(i), 2 * r));
    return tensor(v, { shape: [idx.length, 2], device: 'cpu' });
  };
  const column = (m: Tensor, j: number) => slice(m, 1, j, j + 1);
  if (learner === 'tarnet')
    return [{
      outputs: 2, rows: (idx) => idx, targets: (idx) => pairs(idx, (i) => [y[i], t[i]]),
      // Only the head of the row's own arm sees its outcome.
      loss: (out, yt) => {
        const arm = column(yt, 1);
        const factual = sum(mul(out, cat([sub(1, arm), arm], 1)), 1, true);
        return factualLoss(factual, column(yt, 0), type);
      },
    }];
  if (learner === 't-learner')
    return [0, 1].map((arm) => ({
      outputs: 1, rows: (idx: number[]) => idx.filter((i) => t[i] === arm), targets: (idx: number[]) => pairs(idx, (i) => [y[i], t[i]]),
      loss: (out: Tensor, yt: Tensor) => factualLoss(out, column(yt, 0), type),
    }));
  if (type === 'binary')
    return [{
      outputs: 1,
      rows: (idx) => idx,
      // Z and each row's weight, which makes the arms count 50/50 whatever the assignment share.
      targets: (idx) => pairs(idx, (i) => [t[i] ? y[i] : 1 - y[i], t[i] ? 0.5 / p : 0.5 / (1 - p)]),
      loss: (out, zw) => mean(mul(binaryCrossEntropyWithLogits(out, column(zw, 0), { reduction: 'none' }), column(zw, 1))),
    }];
  return [{
    outputs: 1, rows: (idx) => idx, targets: (idx) => pairs(idx, (i) => [(y[i] * (t[i] - p)) / (p * (1 - p)), 0]),
    loss: (out, ys) => mse(out, column(ys, 0)),
  }];
}

/** Trains the networks of one learner on one fold; returns them (eval mode) and their uplift on the fold's validation rows. */
export async function trainLearner(learner: Learner, d: LearnerData, fold: Fold, opts: NetworkOptions): Promise<{ nets: TabularNet[]; validationUplift: Float32Array; epochs: number[]; history: NetworkHistory[] }> {
  const nets: TabularNet[] = [], epochs: number[] = [], curves: NetworkHistory[] = [];
  for (const task of tasks(learner, d)) {
    const train = task.rows(fold.train), validation = task.rows(fold.validation);
    const net = new TabularNet(d.preprocessor.numericWidth, d.preprocessor.cardinalities, {
      hidden: opts.hidden ?? [32, 16], dropout: opts.dropout ?? 0.2, embeddingDropout: opts.embeddingDropout, maxEmbeddingDim: embeddingCapFor(train.length), outputs: task.outputs,
    });
    const trainData = { x: featureTensors(d.encoded, d.preprocessor, train), y: task.targets(train) };
    const valData = { x: featureTensors(d.encoded, d.preprocessor, validation), y: task.targets(validation) };
    try {
      const history = await fit(net, trainData, {
        loss: task.loss,
        optimizer: new AdamW(net.parameters(), { lr: opts.lr ?? 3e-3, weightDecay: opts.weightDecay ?? 1e-3 }),
        epochs: opts.epochs ?? 150,
        batchSize: opts.batchSize ?? 128,
        validation: valData,
        callbacks: earlyStopping({ monitor: 'valLoss', mode: 'min', patience: opts.patience ?? 15 }),
        seed: fold.seed + nets.length * 1000,
        progress: opts.progress ?? false,
      });
      epochs.push(history.epochs.length);
      // Each learner's loss has its own scale (a T-learner arm, a transformed target): one group each.
      curves.push({ ...networkHistory(history), group: learner === 't-learner' ? `t-learner, ${nets.length ? 'treated' : 'control'} arm` : learner });
    } finally {
      for (const part of [trainData, valData]) [...part.x, part.y].forEach((x) => x.dispose());
    }
    nets.push(net.eval());
  }
  const [num, catg] = featureTensors(d.encoded, d.preprocessor, fold.validation);
  try {
    return { nets, validationUplift: upliftOf(learner, [nets], num, catg, d.outcomeType), epochs, history: curves };
  } finally {
    num.dispose();
    catg.dispose();
  }
}

/**
 * The uplift of rows (numeric and categorical input tensors) by an ensemble: one entry of
 * `members` per fold, each the nets of one learner; the members' uplifts are averaged.
 */
export function upliftOf(learner: Learner, members: TabularNet[][], num: Tensor, catg: Tensor, type: OutcomeType): Float32Array {
  return noGrad(() =>
    tidy(() => {
      let total: Tensor | undefined;
      for (const nets of members) {
        let u: Tensor;
        if (learner === 'class-transformation') {
          const o = nets[0].forward(num, catg);
          u = type === 'binary' ? sub(mul(sigmoid(o), 2), 1) : o;
        } else {
          const [c, t] = learner === 'tarnet'
            ? (() => { const o = nets[0].forward(num, catg); return [slice(o, 1, 0, 1), slice(o, 1, 1, 2)]; })()
            : [nets[0].forward(num, catg), nets[1].forward(num, catg)];
          u = type === 'binary' ? sub(sigmoid(t), sigmoid(c)) : sub(t, c);
        }
        total = total ? add(total, u) : u;
      }
      return mul(total!, 1 / members.length).dataSync() as Float32Array;
    }),
  );
}

/** How many networks one fold of `learner` has. */
export function netsPerMember(learner: Learner): number {
  return learner === 't-learner' ? 2 : 1;
}
