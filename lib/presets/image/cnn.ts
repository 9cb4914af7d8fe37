// The image backbone: a small ResNet (He et al. 2016) sized for marketing images of tens of
// pixels a side. A 3x3 stem, then stages of basic residual blocks (two 3x3 conv + batch norm,
// an identity or 1x1 strided shortcut), global average pooling to an embedding, and a linear
// head. `width` scales every stage (distillation trains a narrower student), `blocks` the depth.
import { Module, type ModuleConfig } from '../../nn/module.js';
import { Dropout } from '../../nn/layers/basic.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import { BatchNorm2d } from '../../nn/layers/norm.js';
import { registerModule } from '../../nn/registry.js';
import { relu } from '../../ops/activation.js';
import { add } from '../../ops/arithmetic.js';
import { adaptiveAvgPool2d } from '../../ops/conv.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface ImageNetOptions {
  /** Channels of the first stage; stage s has width * 2^s (default 24: fashion-mnist's 60k images train in minutes on 2 cores). */
  width?: number;
  /** Residual blocks per stage (default [1, 1, 1]: three stages, two of them downsampling). */
  blocks?: number[];
  /** Dropout before the head (default 0.1). */
  dropout?: number;
}

/** conv3x3-BN-ReLU-conv3x3-BN plus a shortcut, then ReLU. */
export class ResidualBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  shortcut: Conv2d | null;
  shortcutBn: BatchNorm2d | null;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly stride: number) {
    super();
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(outChannels);
    const project = stride !== 1 || inChannels !== outChannels;
    this.shortcut = project ? new Conv2d(inChannels, outChannels, 1, { stride, bias: false }) : null;
    this.shortcutBn = project ? new BatchNorm2d(outChannels) : null;
  }

  forward(x: Tensor): Tensor {
    const h = relu(this.bn1.forward(this.conv1.forward(x)));
    const y = this.bn2.forward(this.conv2.forward(h));
    const s = this.shortcut && this.shortcutBn ? this.shortcutBn.forward(this.shortcut.forward(x)) : x;
    return relu(add(y, s));
  }

  override config(): ModuleConfig {
    return { type: 'ResidualBlock', args: [this.inChannels, this.outChannels, this.stride] };
  }
}

/** The backbone (stem + stages: `features()`, `embed()`) and the classification head. */
export class ImageNet extends Module {
  stem: Conv2d;
  stemBn: BatchNorm2d;
  blocks: ResidualBlock[];
  drop: Dropout;
  head: Linear;
  readonly opts: Required<ImageNetOptions>;

  constructor(readonly channels: number, readonly classes: number, opts: ImageNetOptions = {}) {
    super();
    this.opts = { width: opts.width ?? 24, blocks: opts.blocks ?? [1, 1, 1], dropout: opts.dropout ?? 0.1 };
    const { width, blocks } = this.opts;
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`ImageNet: width must be a positive integer, got ${width}`);
    if (!Array.isArray(blocks) || !blocks.length || !blocks.every((b) => Number.isInteger(b) && b >= 1))
      throw new RangeError(`ImageNet: blocks must be a non-empty list of positive integers, got ${JSON.stringify(blocks)}`);
    this.stem = new Conv2d(channels, width, 3, { padding: 1, bias: false });
    this.stemBn = new BatchNorm2d(width);
    this.blocks = [];
    let c = width;
    blocks.forEach((n, stage) => {
      const out = width * 2 ** stage;
      for (let i = 0; i < n; i++) {
        this.blocks.push(new ResidualBlock(c, out, stage > 0 && i === 0 ? 2 : 1));
        c = out;
      }
    });
    this.drop = new Dropout(this.opts.dropout);
    this.head = new Linear(c, classes);
  }

  /** Width of the embedding (channels of the last stage). */
  get embeddingDim(): number {
    return this.opts.width * 2 ** (this.opts.blocks.length - 1);
  }

  /** The backbone's modules (what freeze: 'backbone' freezes): everything but the head. */
  backboneModules(): Module[] {
    return [this.stem, this.stemBn, ...this.blocks];
  }

  /** x [N, C, H, W] -> the pooled embedding [N, embeddingDim]. */
  embed(x: Tensor): Tensor {
    let h = relu(this.stemBn.forward(this.stem.forward(x)));
    for (const b of this.blocks) h = b.forward(h);
    return adaptiveAvgPool2d(h, 1).reshape([h.shape[0], h.shape[1]]);
  }

  /** x [N, C, H, W] -> class logits [N, classes]. */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.drop.forward(this.embed(x)));
  }

  override config(): ModuleConfig {
    return { type: 'ImageNet', args: [this.channels, this.classes, this.opts] };
  }
}

registerModule('ResidualBlock', ResidualBlock);
registerModule('ImageNet', ImageNet);
