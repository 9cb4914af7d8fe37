// tl.distill: knowledge distillation (Hinton, Vinyals & Dean 2015). The student learns from the
// teacher's softened outputs as well as from the labels:
//   loss = alpha * T^2 * KL(teacher(x)/T || student(x)/T) + (1 - alpha) * labelLoss(student(x), y)
// with softmax outputs for [n, classes] logits and a Bernoulli for one logit per row [n, 1].
// T^2 keeps the soft term's gradients on the scale of the label term's as T grows. The teacher
// is frozen: it runs in eval mode without gradients, once per batch, and its targets travel
// with the labels (column 0 of the batch's y is the label, the rest are the teacher's logits),
// so tl.fit's loop, validation, callbacks and BatchSources work unchanged.
import { noGrad } from '../autograd/mode.js';
import { binaryCrossEntropyWithLogits, crossEntropy } from '../nn/losses.js';
import { Module } from '../nn/module.js';
import { cat } from '../ops/join.js';
import { logSoftmax, mean, softmax, sum } from '../ops/reduce.js';
import { cast, slice } from '../ops/shape.js';
import { Tensor, tidy } from '../tensor/tensor.js';
import { accuracy, rocAuc } from '../metrics/classification.js';
import { type Batch, type FitData, type Inputs, type TensorData, asList, isBatchSource, rowCount } from './data.js';
import { type FitOptions, type History, type LossFn, type MetricFn, fit } from './fit.js';

export interface DistillOptions extends Omit<FitOptions, 'loss' | 'validation' | 'metrics'> {
  /** Softens both models' outputs (default 3); 1 compares plain probabilities. */
  temperature?: number;
  /** Weight of the teacher term, from 0 (labels only) to 1 (teacher only); default 0.5. */
  alpha?: number;
  /** The loss on the labels (default: cross-entropy for several logits, binary cross-entropy for one). */
  labelLoss?: LossFn;
  /** Held-out data (with plain labels), for the epoch logs and early stopping. */
  validation?: TensorData;
  /** On the validation data: 'accuracy', 'auc', or { name, fn(studentOutputs, labels) }. */
  metrics?: ('accuracy' | 'auc' | { name: string; fn: MetricFn })[];
  /** Receives the training history. */
  onHistory?: (h: History) => void;
}

function forward(model: Module, x: Inputs): Tensor {
  const out = Array.isArray(x) ? (model.forward as (...a: Tensor[]) => unknown)(...x) : (model.forward as (a: Tensor) => unknown)(x);
  if (!(out instanceof Tensor) || out.ndim !== 2) throw new TypeError('distill: the teacher and the student must return logits [rows, outputs]');
  return out;
}

/** Labels [n] or [n, 1] next to the teacher's logits of x: [n, 1 + outputs] float32. */
export function withTeacher(teacher: Module, x: Inputs, y: Tensor): Tensor {
  return noGrad(() => tidy(() => {
    const logits = forward(teacher, x);
    const n = y.shape[0];
    if (logits.shape[0] !== n) throw new RangeError(`distill: the teacher gave ${logits.shape[0]} rows for ${n} labels`);
    if (y.size !== n) throw new RangeError(`distill: labels must be one per row ([n] or [n, 1]), got [${y.shape.join(', ')}]`);
    return cat([cast(y, 'float32').reshape([n, 1]), logits.to('cpu').contiguous()], 1);
  }));
}

/** The teacher's targets for in-memory data, computed in batches once. */
function tensorTargets(teacher: Module, d: TensorData, batchSize = 512): TensorData {
  const n = rowCount(d, 'data'), parts: Tensor[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const rows = (t: Tensor) => noGrad(() => slice(t, 0, s, Math.min(n, s + batchSize)));
    const x = Array.isArray(d.x) ? d.x.map(rows) : rows(d.x), y = rows(d.y);
    parts.push(withTeacher(teacher, x, y));
    for (const t of [...asList(x), y]) t.dispose();
  }
  const y = noGrad(() => cat(parts, 0));
  for (const p of parts) p.dispose();
  return { x: d.x, y };
}

/** The distillation loss of student logits against combined [label, teacher logits] rows. */
export function distillationLoss(student: Tensor, combined: Tensor, opts: { temperature?: number; alpha?: number; labelLoss?: LossFn } = {}): Tensor {
  const T = opts.temperature ?? 3, alpha = opts.alpha ?? 0.5;
  const k = student.shape[1];
  if (combined.shape[1] !== k + 1) throw new RangeError(`distill: the student has ${k} outputs, the teacher ${combined.shape[1] - 1}`);
  const label = slice(combined, 1, 0, 1), teacher = slice(combined, 1, 1, k + 1);
  let soft: Tensor, hard: Tensor;
  if (k === 1) {
    // KL of Bernoullis: BCE(student/T, p) - BCE(teacher/T, p), p = sigmoid(teacher / T).
    const p = teacher.div(T).sigmoid();
    soft = binaryCrossEntropyWithLogits(student.div(T), p).sub(binaryCrossEntropyWithLogits(teacher.div(T), p));
    hard = opts.labelLoss ? opts.labelLoss(student, label) : binaryCrossEntropyWithLogits(student, label);
  } else {
    const logP = logSoftmax(teacher.div(T), 1);
    soft = mean(sum(softmax(teacher.div(T), 1).mul(logP.sub(logSoftmax(student.div(T), 1))), 1));
    const ids = cast(label.reshape([label.shape[0]]), 'int32');
    hard = opts.labelLoss ? opts.labelLoss(student, ids) : crossEntropy(student, ids);
  }
  if (alpha === 0) return hard;
  if (alpha === 1) return soft.mul(T * T);
  return soft.mul(alpha * T * T).add(hard.mul(1 - alpha));
}

/**
 * Trains `student` to match `teacher` (frozen) and the labels of `data` ({ x, y } tensors or a
 * BatchSource); resolves with the trained student.
 */
export async function distill<S extends Module>(teacher: Module, student: S, data: FitData, opts: DistillOptions = {}): Promise<S> {
  if (!(teacher instanceof Module) || !(student instanceof Module)) throw new TypeError('distill: the teacher and the student must be tl.nn.Modules');
  if (teacher === student) throw new TypeError('distill: the student must be another model than the teacher');
  const T = opts.temperature ?? 3, alpha = opts.alpha ?? 0.5;
  if (!(typeof T === 'number' && T > 0 && Number.isFinite(T))) throw new RangeError(`distill: temperature must be a positive number, got ${T}`);
  if (!(typeof alpha === 'number' && alpha >= 0 && alpha <= 1)) throw new RangeError(`distill: alpha must be from 0 to 1, got ${alpha}`);
  // Each submodule's own mode comes back afterwards: a wrapper made for the call (training, as
  // new modules are) must not switch the networks it wraps into training mode.
  const modes = teacher.namedModules().map(([, m]) => [m, m.training] as const);
  teacher.eval();
  const owned: Tensor[] = [];
  try {
    let train: FitData;
    if (isBatchSource(data)) {
      train = {
        async *batches(epoch, batchSize, shuffle) {
          for await (const b of data.batches(epoch, batchSize, shuffle)) {
            const y = withTeacher(teacher, b.x, b.y);
            b.y.dispose();
            yield { x: b.x, y } as Batch;
          }
        },
      };
    } else {
      const t = tensorTargets(teacher, data);
      owned.push(t.y);
      // fit disposes nothing it was given: the caller's x stays theirs.
      train = t;
    }
    let validation: TensorData | undefined;
    if (opts.validation) {
      validation = tensorTargets(teacher, opts.validation);
      owned.push(validation.y);
    }
    const label = (yc: Tensor) => noGrad(() => tidy(() => slice(yc, 1, 0, 1).reshape([yc.shape[0]])));
    const metrics = (opts.metrics ?? []).map((m) => {
      if (typeof m === 'object') return { name: m.name, fn: (p: Tensor, yc: Tensor) => { const l = label(yc); try { return m.fn(p, l); } finally { l.dispose(); } } };
      const fn = m === 'auc' ? rocAuc : m === 'accuracy' ? accuracy : null;
      if (!fn) throw new TypeError(`distill: unknown metric ${JSON.stringify(m)} (use 'accuracy', 'auc' or { name, fn })`);
      return { name: m, fn: (p: Tensor, yc: Tensor) => { const l = label(yc); try { return fn(p, l); } finally { l.dispose(); } } };
    });
    const history = await fit(student, train, {
      ...opts, metrics, validation,
      loss: (p, yc) => distillationLoss(p, yc, { temperature: T, alpha, labelLoss: opts.labelLoss }),
    });
    opts.onHistory?.(history);
    return student;
  } finally {
    for (const t of owned) t.dispose();
    for (const [m, training] of modes) m.training = training;
  }
}
