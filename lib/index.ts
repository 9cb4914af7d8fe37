// tensorlift: deep learning for Node.js and TypeScript. `import * as tl from 'tensorlift'`.
export { Tensor, tidy, isTensor } from './tensor/tensor.js';
export type { TensorOrScalar } from './tensor/tensor.js';
export { keep } from './tensor/scope.js';
export type { DType, Device, NestedArray, TensorOptions, TypedArray } from './tensor/types.js';
export {
  tensor, full, zeros, ones, zerosLike, onesLike, fullLike, rand, randn, randint, arange, eye, manualSeed,
} from './tensor/create.js';
export { memory, setDefaultDevice, getDefaultDevice, setNumThreads, getNumThreads } from './tensor/device.js';
export { cuda } from './ops/cuda.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/mode.js';
export * from './ops/arithmetic.js';
export * from './ops/math.js';
export * from './ops/activation.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './ops/join.js';
export * from './ops/embed.js';
export * from './ops/linalg.js';
export * from './ops/conv.js';
export * from './ops/norm.js';
export * from './ops/dropout.js';
export * as nn from './nn/index.js';
export * as losses from './nn/losses.js';
export * as optim from './optim/index.js';
export * as metrics from './metrics/index.js';
export { compile, InferencePlan } from './nn/compile.js';
export type { CompileOptions } from './nn/compile.js';
export { fit } from './train/fit.js';
export type { FitOptions, History } from './train/fit.js';
export * as callbacks from './train/callbacks.js';
export type { Batch, BatchSource, FitData, TensorData } from './train/data.js';
export { save, load } from './io/model-file.js';
export * as io from './io/safetensors.js';
export * as presets from './presets/index.js';
export * as data from './data/index.js';
export { serve, consume, asPredictor } from './serve/index.js';
export type { Server, ServeOptions, Predictor, Consumer, ConsumeOptions } from './serve/index.js';
export * as report from './report/index.js';
