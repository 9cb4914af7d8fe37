// LSTM and GRU (PyTorch's gate equations, parameter names and initialization). The input
// projection of every time step is one GEMM per layer; the recurrence runs step by step.
import { uniform } from '../init.js';
import { Module, type ModuleConfig, parameter } from '../module.js';
import { sigmoid, tanh } from '../../ops/activation.js';
import { add, mul, sub } from '../../ops/arithmetic.js';
import { dropout } from '../../ops/dropout.js';
import { cat, stack } from '../../ops/join.js';
import { linear } from '../../ops/linalg.js';
import { slice, transpose } from '../../ops/shape.js';
import { zeros } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';

export interface RnnOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output as [batch, time, features] (default true, the API's convention). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, while training. */
  dropout?: number;
  bidirectional?: boolean;
}

type Cell = (xGates: Tensor, state: Tensor[], p: Record<string, Tensor | null>) => Tensor[];

abstract class RecurrentBase extends Module {
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly dropoutP: number;
  readonly directions: number;
  [name: string]: unknown;

  constructor(readonly inputSize: number, readonly hiddenSize: number, gates: number, readonly opts: RnnOptions) {
    super();
    this.numLayers = opts.numLayers ?? 1;
    this.batchFirst = opts.batchFirst ?? true;
    this.dropoutP = opts.dropout ?? 0;
    this.directions = opts.bidirectional ? 2 : 1;
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new RangeError(`${this.constructor.name}: hiddenSize must be a positive integer`);
    const bound = 1 / Math.sqrt(hiddenSize);
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < this.directions; d++) {
        const sfx = `l${l}${d ? '_reverse' : ''}`;
        const inF = l === 0 ? inputSize : hiddenSize * this.directions;
        this[`weight_ih_${sfx}`] = parameter(uniform([gates * hiddenSize, inF], bound));
        this[`weight_hh_${sfx}`] = parameter(uniform([gates * hiddenSize, hiddenSize], bound));
        if (opts.bias !== false) {
          this[`bias_ih_${sfx}`] = parameter(uniform([gates * hiddenSize], bound));
          this[`bias_hh_${sfx}`] = parameter(uniform([gates * hiddenSize], bound));
        }
      }
  }

  override config(): ModuleConfig {
    return { type: this.constructor.name, args: [this.inputSize, this.hiddenSize, this.opts] };
  }

  protected abstract stateCount: number;
  protected abstract cell: Cell;

  /** Runs all layers; x [N, T, in] (or [T, N, in]); states [layers * dirs, N, H] each. */
  protected run(x: Tensor, initial?: Tensor[]): [Tensor, Tensor[]] {
    if (!(x instanceof Tensor) || x.ndim !== 3)
      throw new RangeError(`${this.constructor.name}: expected input [batch, time, features], got ${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`);
    let seq = this.batchFirst ? x : transpose(x, 0, 1); // [N, T, F]
    const [n, steps] = seq.shape;
    const initialState = () => zeros([n, this.hiddenSize], { device: x.device });
    const finals: Tensor[][] = Array.from({ length: this.stateCount }, () => []);
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < this.directions; d++) {
        const sfx = `l${l}${d ? '_reverse' : ''}`;
        const p = {
          wih: this[`weight_ih_${sfx}`] as Tensor, whh: this[`weight_hh_${sfx}`] as Tensor,
          bih: (this[`bias_ih_${sfx}`] as Tensor | undefined) ?? null, bhh: (this[`bias_hh_${sfx}`] as Tensor | undefined) ?? null,
        };
        const xGates = linear(seq, p.wih, p.bih); // [N, T, gates * H], one GEMM for every step
        const k = l * this.directions + d;
        let state = initial ? initial.map((s) => s.slice(0, k, k + 1).reshape([n, this.hiddenSize])) : Array.from({ length: this.stateCount }, initialState);
        const hs: Tensor[] = new Array(steps);
        for (let i = 0; i < steps; i++) {
          const t = d ? steps - 1 - i : i;
          state = this.cell(slice(xGates, 1, t, t + 1).reshape([n, -1]), state, p);
          hs[t] = state[0];
        }
        outs.push(stack(hs, 1));
        state.forEach((s, j) => finals[j].push(s));
      }
      seq = outs.length === 1 ? outs[0] : cat(outs, 2);
      if (l < this.numLayers - 1 && this.dropoutP > 0) seq = dropout(seq, this.dropoutP, this.training);
    }
    const output = this.batchFirst ? seq : transpose(seq, 0, 1);
    return [output, finals.map((f) => stack(f, 0))];
  }
}

/** Long short-term memory. forward(x, [h0, c0]?) -> [output, [hN, cN]]. */
export class LSTM extends RecurrentBase {
  protected stateCount = 2;
  constructor(inputSize: number, hiddenSize: number, opts: RnnOptions = {}) {
    super(inputSize, hiddenSize, 4, opts);
  }
  protected cell: Cell = (xg, [h, c], p) => {
    const H = this.hiddenSize;
    const gates = add(xg, linear(h, p.whh as Tensor, p.bhh));
    const i = sigmoid(slice(gates, 1, 0, H)), f = sigmoid(slice(gates, 1, H, 2 * H));
    const g = tanh(slice(gates, 1, 2 * H, 3 * H)), o = sigmoid(slice(gates, 1, 3 * H, 4 * H));
    const c2 = add(mul(f, c), mul(i, g));
    return [mul(o, tanh(c2)), c2];
  };
  forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [out, [h, c]] = this.run(x, state);
    return [out, [h, c]];
  }
}

/** Gated recurrent unit. forward(x, h0?) -> [output, hN]. */
export class GRU extends RecurrentBase {
  protected stateCount = 1;
  constructor(inputSize: number, hiddenSize: number, opts: RnnOptions = {}) {
    super(inputSize, hiddenSize, 3, opts);
  }
  protected cell: Cell = (xg, [h], p) => {
    const H = this.hiddenSize;
    const hg = linear(h, p.whh as Tensor, p.bhh);
    const r = sigmoid(add(slice(xg, 1, 0, H), slice(hg, 1, 0, H)));
    const z = sigmoid(add(slice(xg, 1, H, 2 * H), slice(hg, 1, H, 2 * H)));
    const nGate = tanh(add(slice(xg, 1, 2 * H, 3 * H), mul(r, slice(hg, 1, 2 * H, 3 * H))));
    return [add(nGate, mul(z, sub(h, nGate)))];
  };
  forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, h0 ? [h0] : undefined);
    return [out, h];
  }
}
