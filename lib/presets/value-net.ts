// The lifetime-value network: the TabularNet backbone under a value head, optionally fed by a
// recurrent encoder of each customer's recent transactions. The head is 3 outputs for ZILN
// (logit of P(value > 0), mu, raw sigma) or 1 for MSE; a constant offset (fitted from the
// training targets: the base rate, mean log value, its spread) is added to the outputs, so a
// freshly initialized network starts at the marginal distribution instead of spending its
// first epochs learning a location of 7 (log of $1000) from zero.
import { Module, type ModuleConfig } from '../nn/module.js';
import { GRU, LSTM } from '../nn/layers/rnn.js';
import { add } from '../ops/arithmetic.js';
import { cat } from '../ops/join.js';
import { tensor } from '../tensor/create.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { TabularNet, type TabularNetOptions } from './tabular-net.js';

/**
 * 'ziln': zero-inflated lognormal; 'mse': squared error on the standardized value; 'poisson':
 * log-link mean (Poisson deviance on value / mean), multiplicative in the features.
 */
export type ValueHead = 'ziln' | 'mse' | 'poisson';

export interface ValueNetOptions {
  head: ValueHead;
  /** Output offsets, one per output (see the file's comment). */
  offset: number[];
  backbone?: TabularNetOptions;
  /** Sequence encoder over [n, steps, seqFeatures]; absent in per-customer table mode. */
  sequence?: { cell: 'gru' | 'lstm'; features: number; hidden: number };
}

export class ValueNet extends Module {
  backbone: TabularNet;
  encoder?: GRU | LSTM;
  private offsetTensor: Tensor;

  constructor(readonly numericWidth: number, readonly cardinalities: number[], readonly opts: ValueNetOptions) {
    super();
    const outputs = opts.head === 'ziln' ? 3 : 1;
    if (opts.offset.length !== outputs) throw new RangeError(`ValueNet: offset needs ${outputs} values for the '${opts.head}' head`);
    const seq = opts.sequence;
    if (seq) this.encoder = seq.cell === 'lstm' ? new LSTM(seq.features, seq.hidden) : new GRU(seq.features, seq.hidden);
    this.backbone = new TabularNet(numericWidth + (seq?.hidden ?? 0), cardinalities, { ...opts.backbone, outputs });
    // A constant, not a parameter: it is part of the config, not of the state dict.
    this.offsetTensor = keep(tensor(Float32Array.from(opts.offset), { shape: [1, outputs] }));
  }

  /** numeric [n, w], categorical [n, c] int32, sequence [n, steps, f] (when configured) -> [n, outputs]. */
  forward(numeric: Tensor, categorical: Tensor, sequence?: Tensor): Tensor {
    let features = numeric;
    if (this.encoder) {
      if (!sequence) throw new TypeError('ValueNet: this network needs the transaction sequences');
      const n = numeric.shape[0];
      const state = this.encoder instanceof LSTM ? this.encoder.forward(sequence)[1][0] : (this.encoder as GRU).forward(sequence)[1];
      features = cat([numeric, state.reshape([n, -1])], 1);
    }
    return add(this.backbone.forward(features, categorical), this.offsetTensor);
  }

  override config(): ModuleConfig {
    return { type: 'ValueNet', args: [this.numericWidth, this.cardinalities, this.opts] };
  }
}
