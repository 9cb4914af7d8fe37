// Types of the native addon (build/Release/tensorlift.node). Only lib/native.ts imports it.
// Errors: TypeError for a wrong kind of argument, RangeError for a bad value or shape,
// Error for a disposed tensor; every message starts with the op's name.

export type NativeDType = 'float32' | 'int32';
export type NativeDevice = 'cpu' | 'cuda';
export type Dims = number | number[] | null | undefined;

export declare class NativeTensor {
  private constructor();
  readonly shape: number[];
  readonly strides: number[];
  readonly dtype: NativeDType;
  readonly device: NativeDevice;
  readonly size: number;
  readonly isDisposed: boolean;
  isContiguous(): boolean;
  sharesStorage(other: NativeTensor): boolean;
  /** Releases the native memory now; later use throws. Calling it twice is harmless. */
  dispose(): void;
  /** The values, or `into` (a typed array of the tensor's dtype and size) filled with them. */
  dataSync(into?: Float32Array | Int32Array): Float32Array | Int32Array;
  /** Copies off the JS thread for large tensors. */
  data(into?: Float32Array | Int32Array): Promise<Float32Array | Int32Array>;
  item(): number;
}

export type UnaryOpName =
  | 'neg' | 'abs' | 'square' | 'sign' | 'relu' | 'clamp' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'reciprocal'
  | 'sigmoid' | 'tanh' | 'gelu' | 'geluTanh' | 'silu' | 'softplus' | 'leakyRelu' | 'elu' | 'erf' | 'log1p'
  | 'expm1' | 'sin' | 'cos' | 'floor' | 'ceil' | 'round' | 'pow' | 'isNaN';
export type BinaryOpName =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'atan2'
  | 'bceWithLogits';
export type ReduceOpName = 'sum' | 'mean' | 'max' | 'min' | 'prod';
export type ActivationGradName =
  | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'gelu' | 'geluTanh' | 'silu' | 'softplus' | 'elu' | 'clamp';
export type Pair = number | [number, number];
export interface NormResult { out: NativeTensor; mean: NativeTensor; rstd: NativeTensor }
export interface NormGrads { gradX: NativeTensor; gradWeight: NativeTensor; gradBias: NativeTensor }

export interface CudaStatus {
  /** Whether this build has the CUDA backend (nvcc was found at build time). */
  built: boolean;
  available: boolean;
  /** Why CUDA cannot be used ('' when it can). */
  reason: string;
  device?: string;
  computeCapability?: string;
  memoryBytes?: number;
  /** The cuBLAS library that was loaded. */
  cublas?: string;
  /** Every cuBLAS candidate tried, with what became of it ('<path>: loaded', ': lacks <symbol>', ...). */
  cublasTried?: string[];
}

export interface Binding {
  NativeTensor: typeof NativeTensor;

  // creation
  fromData(values: Float32Array | Int32Array, shape: number[], device?: NativeDevice): NativeTensor;
  full(shape: number[], value: number, dtype?: NativeDType, device?: NativeDevice): NativeTensor;
  arange(start: number, end: number, step: number, dtype?: NativeDType, device?: NativeDevice): NativeTensor;
  eye(n: number, m?: number | null, dtype?: NativeDType, device?: NativeDevice): NativeTensor;
  rand(shape: number[], low: number, high: number, device?: NativeDevice): NativeTensor;
  randn(shape: number[], mean: number, std: number, device?: NativeDevice): NativeTensor;
  randint(shape: number[], low: number, high: number, device?: NativeDevice): NativeTensor;
  manualSeed(seed: number): void;

  // views and layout
  transpose(x: NativeTensor, dim0: number, dim1: number): NativeTensor;
  permute(x: NativeTensor, dims: number[]): NativeTensor;
  slice(x: NativeTensor, dim: number, start?: number | null, end?: number | null, step?: number | null): NativeTensor;
  reshape(x: NativeTensor, shape: number[]): NativeTensor;
  expand(x: NativeTensor, shape: number[]): NativeTensor;
  squeeze(x: NativeTensor, dims?: Dims): NativeTensor;
  unsqueeze(x: NativeTensor, dim: number): NativeTensor;
  flatten(x: NativeTensor, startDim?: number, endDim?: number): NativeTensor;
  contiguous(x: NativeTensor): NativeTensor;
  clone(x: NativeTensor): NativeTensor;
  cast(x: NativeTensor, dtype: NativeDType): NativeTensor;
  to(x: NativeTensor, device: NativeDevice): NativeTensor;

  // math
  unary(op: UnaryOpName, x: NativeTensor, p0?: number, p1?: number): NativeTensor;
  binary(op: BinaryOpName, a: NativeTensor, b: NativeTensor): NativeTensor;
  binaryScalar(op: BinaryOpName, a: NativeTensor, b: number, scalarFirst?: boolean): NativeTensor;
  clamp(x: NativeTensor, min: number | null | undefined, max: number | null | undefined): NativeTensor;
  where(condition: NativeTensor, a: NativeTensor, b: NativeTensor): NativeTensor;
  reduce(op: ReduceOpName, x: NativeTensor, dims?: Dims, keepDim?: boolean): NativeTensor;
  argReduce(op: 'argmax' | 'argmin', x: NativeTensor, dim?: number | null, keepDim?: boolean): NativeTensor;
  softmax(x: NativeTensor, dim: number, log?: boolean): NativeTensor;
  matmul(a: NativeTensor, b: NativeTensor): NativeTensor;
  /** act(x [..., in] @ weight [out, in]^T + bias [out]): bias fused into the GEMM, activation applied in cache. */
  linear(x: NativeTensor, weight: NativeTensor, bias?: NativeTensor | null, activation?: 'relu' | 'sigmoid' | 'tanh' | null): NativeTensor;

  // joining and indexing
  cat(tensors: NativeTensor[], dim?: number): NativeTensor;
  stack(tensors: NativeTensor[], dim?: number): NativeTensor;
  gather(x: NativeTensor, dim: number, index: NativeTensor): NativeTensor;
  indexSelect(x: NativeTensor, dim: number, index: NativeTensor): NativeTensor;

  // in place (the destination must not be a broadcast view)
  assign(dst: NativeTensor, src: NativeTensor): void;
  binaryInplace(op: BinaryOpName, dst: NativeTensor, src: NativeTensor): void;
  fill(dst: NativeTensor, value: number): void;

  // neural-network ops and backward kernels
  /** grad * f'(saved); saved is the input x, or the output y for sigmoid and tanh. */
  activationGrad(op: ActivationGradName, grad: NativeTensor, saved: NativeTensor, p0?: number, p1?: number): NativeTensor;
  softmaxBackward(grad: NativeTensor, output: NativeTensor, dim: number, log: boolean): NativeTensor;
  scatterAdd(shape: number[], dim: number, index: NativeTensor, src: NativeTensor): NativeTensor;
  indexAdd(shape: number[], dim: number, index: NativeTensor, src: NativeTensor): NativeTensor;
  dropout(x: NativeTensor, p: number): { out: NativeTensor; seed: number; offset: number };
  dropoutBackward(grad: NativeTensor, p: number, seed: number, offset: number): NativeTensor;
  crossEntropy(logits: NativeTensor, labels: NativeTensor, ignoreIndex: number, labelSmoothing: number): { loss: NativeTensor; lse: NativeTensor };
  crossEntropyBackward(logits: NativeTensor, labels: NativeTensor, lse: NativeTensor, gradLoss: NativeTensor, ignoreIndex: number, labelSmoothing: number): NativeTensor;
  conv2d(x: NativeTensor, weight: NativeTensor, bias: NativeTensor | null, stride: Pair, padding: Pair, dilation: Pair, groups: number): NativeTensor;
  conv2dBackwardInput(grad: NativeTensor, weight: NativeTensor, inputShape: number[], stride: Pair, padding: Pair, dilation: Pair, groups: number): NativeTensor;
  conv2dBackwardWeight(grad: NativeTensor, x: NativeTensor, weightShape: number[], stride: Pair, padding: Pair, dilation: Pair, groups: number): NativeTensor;
  maxPool2d(x: NativeTensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, ceilMode: boolean): { out: NativeTensor; indices: NativeTensor };
  maxPool2dBackward(grad: NativeTensor, indices: NativeTensor, inputShape: number[], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, ceilMode: boolean): NativeTensor;
  avgPool2d(x: NativeTensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, ceilMode: boolean, countIncludePad: boolean): NativeTensor;
  avgPool2dBackward(grad: NativeTensor, inputShape: number[], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, ceilMode: boolean, countIncludePad: boolean): NativeTensor;
  batchNorm(x: NativeTensor, weight: NativeTensor | null, bias: NativeTensor | null, runningMean: NativeTensor | null, runningVar: NativeTensor | null, training: boolean, momentum: number, eps: number): NormResult;
  batchNormBackward(grad: NativeTensor, x: NativeTensor, weight: NativeTensor | null, mean: NativeTensor, rstd: NativeTensor, training: boolean): NormGrads;
  layerNorm(x: NativeTensor, normalizedDims: number, weight: NativeTensor | null, bias: NativeTensor | null, eps: number): NormResult;
  layerNormBackward(grad: NativeTensor, x: NativeTensor, normalizedDims: number, weight: NativeTensor | null, mean: NativeTensor, rstd: NativeTensor): NormGrads;

  // fused optimizer steps (in place on the parameter and its state)
  sgdStep(param: NativeTensor, grad: NativeTensor, momentumBuffer: NativeTensor | null,
    options: { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; firstStep?: boolean }): void;
  adamStep(param: NativeTensor, grad: NativeTensor, expAvg: NativeTensor, expAvgSq: NativeTensor, maxExpAvgSq: NativeTensor | null,
    options: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; step: number; decoupled?: boolean; amsgrad?: boolean }): void;
  /** Adam / AdamW on many parameters with one options set: one kernel launch per 32 tensors on the GPU. */
  adamStepMulti(params: NativeTensor[], grads: NativeTensor[], expAvgs: NativeTensor[], expAvgSqs: NativeTensor[],
    maxExpAvgSqs: NativeTensor[] | null,
    options: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; step: number; decoupled?: boolean; amsgrad?: boolean }): void;
  rmspropStep(param: NativeTensor, grad: NativeTensor, squareAvg: NativeTensor, gradAvg: NativeTensor | null, momentumBuffer: NativeTensor | null,
    options: { lr: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean }): void;
  adagradStep(param: NativeTensor, grad: NativeTensor, stateSum: NativeTensor,
    options: { lr: number; lrDecay?: number; weightDecay?: number; eps?: number; step: number }): void;

  // runtime
  setNumThreads(n: number): void;
  numThreads(): number;
  memory(): { tensors: number; cpuBytes: number; cudaBytes: number };
  /** Diagnostics: live and cached CPU tensor bytes, and glibc's malloc totals where available. */
  nativeHeap(): {
    cpuLiveBytes: number;
    cpuCachedBytes: number;
    mallocInUseBytes?: number;
    mallocArenaBytes?: number;
  };
  /** Returns the CPU allocator's cached free blocks to the system allocator. */
  emptyCache(): void;
  cudaStatus(): CudaStatus;
  setMatmulPrecision(precision: 'highest' | 'high' | 'medium'): void;
  cudaSynchronize(): void;
  /** Returns unused pooled GPU memory and cached pinned staging blocks; a no-op without a GPU. */
  cudaEmptyCache(): void;
  /** a [m, k] @ b [k, n] with bf16 operands and output through cuBLAS, `reps` times; the last product as float32. */
  cudaMatmulBf16(a: NativeTensor, b: NativeTensor, reps?: number): NativeTensor;
  gemmIsa(): 'avx512' | 'avx2' | 'generic';
  /** Lowers the GEMM kernel family (tests); false when the CPU lacks it. */
  setGemmIsa(isa: 'avx512' | 'avx2' | 'generic'): boolean;

  /** [numeric [n, w], tables[j][categorical[:, j]] ...] -> [n, w + sum of table widths] (a tabular network's input). */
  embedConcat(numeric: NativeTensor, categorical: NativeTensor, tables: NativeTensor[]): NativeTensor;

  // inference plans (core/plan.h)
  planCreate(inputs: { dtype: NativeDType; width: number }[], steps: PlanStepSpec[]): NativePlan;
  /** Runs the plan on one value per input ([batch, width] rows); returns [batch, outFeatures] values (or fills `into`). */
  planRun(plan: NativePlan, inputs: (Float32Array | Int32Array | NativeTensor)[], into?: Float32Array): Float32Array;
  /** The same on a worker thread (inputs copied first); runs of one plan are serialized. */
  planRunAsync(plan: NativePlan, inputs: (Float32Array | Int32Array | NativeTensor)[]): Promise<Float32Array>;
  planDispose(plan: NativePlan): void;
}

export interface NativePlan {
  readonly outFeatures: number;
}

/** A plan step reads slot `in` (and `other`) and writes the next slot. */
export type PlanStepSpec =
  | { kind: 'linear'; in: number; weight: NativeTensor; bias?: NativeTensor | null; activation?: 'relu' | 'sigmoid' | 'tanh' }
  | { kind: 'unary'; in: number; op: UnaryOpName; p0?: number; p1?: number }
  | { kind: 'softmax'; in: number; log?: boolean }
  | { kind: 'layerNorm'; in: number; weight?: NativeTensor | null; bias?: NativeTensor | null; eps: number }
  | { kind: 'batchNorm'; in: number; weight?: NativeTensor | null; bias?: NativeTensor | null; runningMean: NativeTensor; runningVar: NativeTensor; eps: number }
  | { kind: 'embedConcat'; in: number; other: number; tables: NativeTensor[] }
  | { kind: 'add'; in: number; other: number }
  | { kind: 'affine'; in: number; scale?: number; divisor?: number; shift?: number };
