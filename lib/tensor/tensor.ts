// The Tensor class: a typed handle on a native tensor. Methods are thin forwards to the
// functional ops (lib/ops), which own argument handling and, later, gradients.
import { native, type NativeTensor } from '../native.js';
import * as act from '../ops/activation.js';
import * as ar from '../ops/arithmetic.js';
import * as jn from '../ops/join.js';
import * as la from '../ops/linalg.js';
import * as mt from '../ops/math.js';
import * as rd from '../ops/reduce.js';
import * as sh from '../ops/shape.js';
import { runBackward } from '../autograd/backward.js';
import { canUseDisposed } from '../autograd/backward-state.js';
import type { GradNode } from '../autograd/node.js';
import { toNested } from './nested.js';
import { runTidy, track } from './scope.js';
import type { ArrayFor, DType, Device, NestedArray } from './types.js';

export type Scalar = number;
export type TensorOrScalar = Tensor | number;

/** A tensor; D is its dtype where the type system knows it (tl.tensor(new Int32Array(...)) is Tensor<'int32'>). */
export class Tensor<D extends DType = DType> {
  #handle: NativeTensor;
  readonly #shape: number[];
  readonly #dtype: D;
  readonly #device: Device;
  #disposed = false;
  #requiresGrad = false;
  /** Gradient accumulated by backward() (leaf tensors that require grad). */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, when it was recorded for autograd. */
  gradFn: GradNode | null = null;
  /** @internal Autograd nodes that still need this tensor (see autograd/node.ts). */
  graphRefs = 0;

  /** @internal Use the creation functions (tl.tensor, tl.zeros, ...) instead. */
  constructor(handle: NativeTensor) {
    this.#handle = handle;
    this.#shape = handle.shape;
    this.#dtype = handle.dtype as D;
    this.#device = handle.device;
    track(this);
  }

  /** @internal The native handle; throws once the tensor is disposed. */
  get handle(): NativeTensor {
    return this.handleFor('tensor');
  }

  /** @internal The native handle for `op`, whose name the disposed-tensor error carries. */
  handleFor(op: string): NativeTensor {
    if (this.#disposed && !canUseDisposed()) throw new Error(`${op}: this tensor was disposed; it cannot be used any more`);
    return this.#handle;
  }

  /** Sizes of the dims (a fresh array each time). */
  get shape(): number[] {
    return this.#shape.slice();
  }
  /** Number of dims. */
  get rank(): number {
    return this.#shape.length;
  }
  get ndim(): number {
    return this.#shape.length;
  }
  get dtype(): D {
    return this.#dtype;
  }
  get device(): Device {
    return this.#device;
  }
  /** Number of elements. */
  get size(): number {
    return this.#shape.reduce((a, b) => a * b, 1);
  }
  get isDisposed(): boolean {
    return this.#disposed;
  }
  /** @internal */
  get dimsInternal(): readonly number[] {
    return this.#shape;
  }

  // ---- autograd
  /** Whether gradients flow to this tensor: set it on leaves (parameters, inputs). */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (this.gradFn && !value)
      throw new Error('requiresGrad: only leaf tensors can stop requiring grad; use t.detach() for a copy without history');
    if (value && this.dtype !== 'float32')
      throw new TypeError(`requiresGrad: only float32 tensors can require gradients, this one is ${this.dtype}`);
    this.#requiresGrad = value;
  }
  /** @internal Marks an op's output as part of the graph. */
  markRequiresGrad(): void {
    this.#requiresGrad = true;
  }
  /** True for tensors not produced by a recorded op (parameters, inputs, detached tensors). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /**
   * Backpropagates from this tensor: accumulates d(this)/d(leaf) into every leaf's .grad.
   * Without `grad`, this must hold one element. The graph is freed unless retainGraph.
   */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, opts.retainGraph ?? false);
  }
  /** A tensor sharing this one's memory, cut off from the autograd graph. */
  detach(): Tensor {
    return new Tensor(native.reshape(this.handleFor('detach'), this.#shape));
  }
  /** Drops the accumulated gradient. */
  zeroGrad(): void {
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  // ---- memory
  /**
   * Frees the native memory now; later use of this tensor throws. If an autograd graph
   * still needs the values, they are freed when that graph is.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.graphRefs === 0) this.freeNative();
  }
  /** @internal Releases the native handle and this tensor's own graph node. */
  freeNative(): void {
    this.#handle.dispose();
    const node = this.gradFn;
    this.gradFn = null;
    node?.release();
  }

  // ---- reading
  /**
   * The values as a flat row-major typed array (Float32Array for float32, Int32Array for
   * int32), copied without blocking the event loop. With `into` (a typed array of this
   * dtype and size), the values are written there and `into` is returned: a loop that reads
   * every step can reuse one array.
   */
  async data(into?: ArrayFor<D>): Promise<ArrayFor<D>> {
    return this.handleFor('data').data(into) as Promise<ArrayFor<D>>;
  }
  /** The values now, on the calling thread (see data()). */
  dataSync(into?: ArrayFor<D>): ArrayFor<D> {
    return this.handleFor('dataSync').dataSync(into) as ArrayFor<D>;
  }
  /** The single value of a one-element tensor. */
  item(): number {
    return this.handleFor('item').item();
  }
  /** Nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    return toNested(this.handleFor('toArray').dataSync(), this.#shape);
  }
  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    const body = this.size <= 1000 ? JSON.stringify(this.toArray()) : `[${this.size} values]`;
    return `Tensor(${body}, shape=[${this.#shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- layout
  isContiguous(): boolean {
    return this.handleFor('isContiguous').isContiguous();
  }
  contiguous(): Tensor {
    return sh.contiguous(this);
  }
  clone(): Tensor {
    return sh.clone(this);
  }
  to(device: Device): Tensor {
    return sh.to(this, device);
  }
  cast<T extends DType>(dtype: T): Tensor<T> {
    return sh.cast(this, dtype) as Tensor<T>;
  }
  float(): Tensor<'float32'> {
    return sh.cast(this, 'float32') as Tensor<'float32'>;
  }
  int(): Tensor<'int32'> {
    return sh.cast(this, 'int32') as Tensor<'int32'>;
  }

  // ---- arithmetic
  add(b: TensorOrScalar): Tensor { return ar.add(this, b); }
  sub(b: TensorOrScalar): Tensor { return ar.sub(this, b); }
  mul(b: TensorOrScalar): Tensor { return ar.mul(this, b); }
  div(b: TensorOrScalar): Tensor { return ar.div(this, b); }
  pow(exponent: TensorOrScalar): Tensor { return ar.pow(this, exponent); }
  maximum(b: TensorOrScalar): Tensor { return ar.maximum(this, b); }
  minimum(b: TensorOrScalar): Tensor { return ar.minimum(this, b); }
  atan2(b: TensorOrScalar): Tensor { return ar.atan2(this, b); }
  eq(b: TensorOrScalar): Tensor { return ar.eq(this, b); }
  ne(b: TensorOrScalar): Tensor { return ar.ne(this, b); }
  lt(b: TensorOrScalar): Tensor { return ar.lt(this, b); }
  le(b: TensorOrScalar): Tensor { return ar.le(this, b); }
  gt(b: TensorOrScalar): Tensor { return ar.gt(this, b); }
  ge(b: TensorOrScalar): Tensor { return ar.ge(this, b); }
  neg(): Tensor { return mt.neg(this); }
  abs(): Tensor { return mt.abs(this); }
  square(): Tensor { return mt.square(this); }
  sign(): Tensor { return mt.sign(this); }
  exp(): Tensor { return mt.exp(this); }
  log(): Tensor { return mt.log(this); }
  sqrt(): Tensor { return mt.sqrt(this); }
  rsqrt(): Tensor { return mt.rsqrt(this); }
  reciprocal(): Tensor { return mt.reciprocal(this); }
  log1p(): Tensor { return mt.log1p(this); }
  expm1(): Tensor { return mt.expm1(this); }
  sin(): Tensor { return mt.sin(this); }
  cos(): Tensor { return mt.cos(this); }
  erf(): Tensor { return mt.erf(this); }
  floor(): Tensor { return mt.floor(this); }
  ceil(): Tensor { return mt.ceil(this); }
  round(): Tensor { return mt.round(this); }
  isNaN(): Tensor { return mt.isNaN(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ar.clamp(this, min, max); }
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ar.where(condition, this, other); }

  // ---- activations
  relu(): Tensor { return act.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return act.leakyRelu(this, negativeSlope); }
  gelu(approximate?: 'none' | 'tanh'): Tensor { return act.gelu(this, approximate); }
  sigmoid(): Tensor { return act.sigmoid(this); }
  tanh(): Tensor { return act.tanh(this); }
  silu(): Tensor { return act.silu(this); }
  softplus(beta?: number, threshold?: number): Tensor { return act.softplus(this, beta, threshold); }
  elu(alpha?: number): Tensor { return act.elu(this, alpha); }
  softmax(dim: number): Tensor { return rd.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return rd.logSoftmax(this, dim); }

  // ---- reductions
  sum(dim?: number | number[], keepDim = false): Tensor { return rd.sum(this, dim, keepDim); }
  mean(dim?: number | number[], keepDim = false): Tensor { return rd.mean(this, dim, keepDim); }
  prod(dim?: number | number[], keepDim = false): Tensor { return rd.prod(this, dim, keepDim); }
  max(dim?: number | number[], keepDim = false): Tensor { return rd.max(this, dim, keepDim); }
  min(dim?: number | number[], keepDim = false): Tensor { return rd.min(this, dim, keepDim); }
  argmax(dim?: number, keepDim = false): Tensor<'int32'> { return rd.argmax(this, dim, keepDim) as Tensor<'int32'>; }
  argmin(dim?: number, keepDim = false): Tensor<'int32'> { return rd.argmin(this, dim, keepDim) as Tensor<'int32'>; }
  variance(dim?: number | number[], keepDim = false, correction = 1): Tensor {
    return rd.variance(this, dim, keepDim, correction);
  }
  std(dim?: number | number[], keepDim = false, correction = 1): Tensor { return rd.std(this, dim, keepDim, correction); }

  // ---- shape
  reshape(shape: number[]): Tensor { return sh.reshape(this, shape); }
  view(shape: number[]): Tensor { return sh.reshape(this, shape); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return sh.transpose(this, dim0, dim1); }
  /** Transpose of a matrix (the last two dims swapped). */
  get T(): Tensor { return sh.transpose(this, -2, -1); }
  permute(dims: number[]): Tensor { return sh.permute(this, dims); }
  squeeze(dim?: number | number[]): Tensor { return sh.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  expand(shape: number[]): Tensor { return sh.expand(this, shape); }
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return sh.slice(this, dim, start, end, step);
  }
  gather(dim: number, index: Tensor): Tensor { return jn.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return jn.indexSelect(this, dim, index); }

  // ---- linear algebra
  matmul(b: Tensor): Tensor { return la.matmul(this, b); }
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Runs fn, then disposes every tensor it made except what it returns; returns fn's result. */
export function tidy<T>(fn: () => T): T {
  return runTidy(fn, isTensor);
}
