export { Module, parameter, buffer, isParameter } from './module.js';
export { registerModule } from './registry.js';
export type { StateDict, ModuleConfig } from './module.js';
export * as init from './init.js';
export { Linear } from './layers/linear.js';
export {
  ReLU, Sigmoid, Tanh, SiLU, GELU, LeakyReLU, ELU, Softplus, Softmax, LogSoftmax, Identity, Flatten, Dropout, Sequential,
} from './layers/basic.js';
export { Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/conv.js';
export type { Conv2dLayerOptions } from './layers/conv.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm } from './layers/norm.js';
export { Embedding } from './layers/embedding.js';
export { LSTM, GRU } from './layers/rnn.js';
export type { RnnOptions } from './layers/rnn.js';
export { MultiheadAttention, TransformerEncoderLayer } from './layers/attention.js';
export { EmbeddingBag, TransformerTextEncoder } from './layers/text.js';
export type { TransformerTextOptions } from './layers/text.js';
