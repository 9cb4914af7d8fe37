// Rebuilding modules from their config(): class name -> constructor, for tl.load().
import { Module, type ModuleConfig } from './module.js';
import { MultiheadAttention, TransformerEncoderLayer } from './layers/attention.js';
import * as basic from './layers/basic.js';
import { AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d } from './layers/conv.js';
import { Embedding } from './layers/embedding.js';
import { Linear } from './layers/linear.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from './layers/norm.js';
import { GRU, LSTM } from './layers/rnn.js';
import { EmbeddingBag, TransformerTextEncoder } from './layers/text.js';

type Ctor = new (...args: never[]) => Module;

const registry = new Map<string, Ctor>(
  Object.entries({
    ...basic, Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, LayerNorm, Embedding, LSTM, GRU,
    MultiheadAttention, TransformerEncoderLayer, EmbeddingBag, TransformerTextEncoder,
  }).filter(([, v]) => typeof v === 'function') as [string, Ctor][],
);

/** Makes a custom Module class rebuildable by tl.load() from the config() it returns. */
export function registerModule(type: string, ctor: Ctor): void {
  registry.set(type, ctor);
}

function isConfig(v: unknown): v is ModuleConfig {
  return !!v && typeof v === 'object' && typeof (v as ModuleConfig).type === 'string' && Array.isArray((v as ModuleConfig).args);
}

export function buildModule(config: unknown): Module {
  if (!isConfig(config)) throw new TypeError('load: the model config is malformed');
  const ctor = registry.get(config.type);
  if (!ctor) throw new TypeError(`load: unknown module type '${config.type}' (register custom classes with tl.nn.registerModule)`);
  const args = config.args.map((a) => (isConfig(a) ? buildModule(a) : a));
  return new (ctor as new (...a: unknown[]) => Module)(...args);
}
