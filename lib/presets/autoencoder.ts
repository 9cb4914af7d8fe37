// The segmenter's learned embedding: an MLP autoencoder on the encoded input vectors
// (standardized numbers, scaled one-hot categories). Its bottleneck keeps the directions
// that explain the data jointly and drops per-column noise, where k-means on the raw
// columns weighs every column alike.
import { Module, type ModuleConfig } from '../nn/module.js';
import { Linear } from '../nn/layers/linear.js';
import { ReLU, Sequential } from '../nn/layers/basic.js';
import type { Tensor } from '../tensor/tensor.js';

export class Autoencoder extends Module {
  encoder: Sequential;
  decoder: Sequential;

  constructor(readonly inputs: number, readonly hidden: number, readonly latent: number) {
    super();
    this.encoder = new Sequential(new Linear(inputs, hidden), new ReLU(), new Linear(hidden, latent));
    this.decoder = new Sequential(new Linear(latent, hidden), new ReLU(), new Linear(hidden, inputs));
  }

  /** x [n, inputs] -> its reconstruction [n, inputs] (what training fits to x). */
  forward(x: Tensor): Tensor {
    return this.decoder.forward(this.encoder.forward(x));
  }

  encode(x: Tensor): Tensor {
    return this.encoder.forward(x);
  }

  override config(): ModuleConfig {
    return { type: 'Autoencoder', args: [this.inputs, this.hidden, this.latent] };
  }
}
