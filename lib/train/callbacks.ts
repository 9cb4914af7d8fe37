// Training callbacks: hooks fit() calls, and the built-in early stopping and checkpointing.
import { save } from '../io/model-file.js';
import type { Module } from '../nn/module.js';
import { noGrad } from '../autograd/mode.js';
import { clone } from '../ops/shape.js';
import type { Optimizer } from '../optim/optimizer.js';
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

export interface EpochLogs {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Seconds the epoch took (training and validation). */
  seconds: number;
  /** valLoss, valAccuracy, valAuc, ... when validation data is given. */
  [metric: string]: number;
}

export interface TrainContext {
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  /** Ask fit() to stop after the current epoch. */
  stop(): void;
  readonly epochs: EpochLogs[];
}

export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: { loss: number }, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

type Mode = 'min' | 'max' | 'auto';

function better(mode: Mode, monitor: string, value: number, best: number, minDelta: number): boolean {
  const m = mode === 'auto' ? (/loss|error|rmse|mae/i.test(monitor) ? 'min' : 'max') : mode;
  return m === 'min' ? value < best - minDelta : value > best + minDelta;
}

function monitored(logs: EpochLogs, monitor: string): number {
  const v = logs[monitor];
  if (typeof v !== 'number')
    throw new RangeError(`callbacks: '${monitor}' is not among the epoch's logs (${Object.keys(logs).join(', ')}); is validation data given?`);
  return v;
}

/**
 * Stops training when `monitor` (default valLoss) has not improved for `patience` epochs, and
 * (restoreBest, default true) puts back the weights of the best epoch.
 */
export function earlyStopping(opts: { monitor?: string; patience?: number; mode?: Mode; minDelta?: number; restoreBest?: boolean } = {}): Callback {
  const monitor = opts.monitor ?? 'valLoss', patience = opts.patience ?? 5, mode = opts.mode ?? 'auto';
  let best = NaN, wait = 0, snapshot: Record<string, Tensor> | null = null;
  const dropSnapshot = () => {
    if (snapshot) for (const t of Object.values(snapshot)) t.dispose();
    snapshot = null;
  };
  return {
    onTrainBegin() {
      best = NaN;
      wait = 0;
      dropSnapshot();
    },
    onEpochEnd(_epoch, logs, ctx) {
      const v = monitored(logs, monitor);
      if (Number.isNaN(best) || better(mode, monitor, v, best, opts.minDelta ?? 0)) {
        best = v;
        wait = 0;
        if (opts.restoreBest ?? true) {
          dropSnapshot();
          snapshot = Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, t]) => [k, keep(noGrad(() => clone(t)))]));
        }
      } else if (++wait >= patience) {
        ctx.stop();
      }
    },
    onTrainEnd(ctx) {
      if (snapshot) ctx.model.loadStateDict(snapshot);
      dropSnapshot();
    },
  };
}

/** Saves the model to `path` after an epoch: every epoch, or (default) only when `monitor` improves. */
export function checkpoint(opts: { path: string; monitor?: string; mode?: Mode; saveBestOnly?: boolean }): Callback {
  if (!opts || typeof opts.path !== 'string') throw new TypeError('checkpoint: expected { path }');
  const monitor = opts.monitor ?? 'valLoss', mode = opts.mode ?? 'auto';
  let best = NaN;
  return {
    onTrainBegin() {
      best = NaN;
    },
    async onEpochEnd(_epoch, logs, ctx) {
      if (opts.saveBestOnly === false) return save(ctx.model, opts.path);
      const v = monitored(logs, monitor);
      if (Number.isNaN(best) || better(mode, monitor, v, best, 0)) {
        best = v;
        await save(ctx.model, opts.path);
      }
    },
  };
}
