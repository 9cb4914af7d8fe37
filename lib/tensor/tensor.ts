// The Tensor class: a typed handle on a native tensor. Methods are thin forwards to the
// functional ops (lib/ops), which own argument handling and, later, gradients.
import { native, type NativeTensor } from '../native.js';
import * as ew from '../ops/elementwise.js';
import * as la from '../ops/linalg.js';
import * as rd from '../ops/reduce.js';
import * as sh from '../ops/shape.js';
import { toNested } from './nested.js';
import { runTidy, track } from './scope.js';
import type { DType, Device, NestedArray, TypedArray } from './types.js';

export type Scalar = number;
export type TensorOrScalar = Tensor | number;

export class Tensor {
  /** @internal The native handle; owned by this Tensor. */
  readonly handle: NativeTensor;
  readonly #shape: number[];

  /** @internal Use the creation functions (tl.tensor, tl.zeros, ...) instead. */
  constructor(handle: NativeTensor) {
    this.handle = handle;
    this.#shape = handle.shape;
    track(this);
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
  get dtype(): DType {
    return this.handle.dtype;
  }
  get device(): Device {
    return this.handle.device;
  }
  /** Number of elements. */
  get size(): number {
    return this.#shape.reduce((a, b) => a * b, 1);
  }
  get isDisposed(): boolean {
    return this.handle.isDisposed;
  }
  /** @internal */
  get dimsInternal(): readonly number[] {
    return this.#shape;
  }

  // ---- reading
  /** The values as a flat row-major typed array, copied without blocking the event loop. */
  data(): Promise<TypedArray> {
    return this.handle.data();
  }
  dataSync(): TypedArray {
    return this.handle.dataSync();
  }
  /** The single value of a one-element tensor. */
  item(): number {
    return this.handle.item();
  }
  /** Nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    return toNested(this.dataSync(), this.#shape);
  }
  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    const body = this.size <= 1000 ? JSON.stringify(this.toArray()) : `[${this.size} values]`;
    return `Tensor(${body}, shape=[${this.#shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- memory and layout
  /** Frees the native memory now. Later use of this tensor throws. */
  dispose(): void {
    this.handle.dispose();
  }
  isContiguous(): boolean {
    return this.handle.isContiguous();
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
  cast(dtype: DType): Tensor {
    return sh.cast(this, dtype);
  }
  float(): Tensor {
    return sh.cast(this, 'float32');
  }
  int(): Tensor {
    return sh.cast(this, 'int32');
  }

  // ---- arithmetic
  add(b: TensorOrScalar): Tensor { return ew.add(this, b); }
  sub(b: TensorOrScalar): Tensor { return ew.sub(this, b); }
  mul(b: TensorOrScalar): Tensor { return ew.mul(this, b); }
  div(b: TensorOrScalar): Tensor { return ew.div(this, b); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  maximum(b: TensorOrScalar): Tensor { return ew.maximum(this, b); }
  minimum(b: TensorOrScalar): Tensor { return ew.minimum(this, b); }
  atan2(b: TensorOrScalar): Tensor { return ew.atan2(this, b); }
  eq(b: TensorOrScalar): Tensor { return ew.eq(this, b); }
  ne(b: TensorOrScalar): Tensor { return ew.ne(this, b); }
  lt(b: TensorOrScalar): Tensor { return ew.lt(this, b); }
  le(b: TensorOrScalar): Tensor { return ew.le(this, b); }
  gt(b: TensorOrScalar): Tensor { return ew.gt(this, b); }
  ge(b: TensorOrScalar): Tensor { return ew.ge(this, b); }
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  square(): Tensor { return ew.square(this); }
  sign(): Tensor { return ew.sign(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  log1p(): Tensor { return ew.log1p(this); }
  expm1(): Tensor { return ew.expm1(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  erf(): Tensor { return ew.erf(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  isNaN(): Tensor { return ew.isNaN(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }

  // ---- activations
  relu(): Tensor { return ew.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ew.leakyRelu(this, negativeSlope); }
  gelu(approximate?: 'none' | 'tanh'): Tensor { return ew.gelu(this, approximate); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  tanh(): Tensor { return ew.tanh(this); }
  silu(): Tensor { return ew.silu(this); }
  softplus(beta?: number, threshold?: number): Tensor { return ew.softplus(this, beta, threshold); }
  elu(alpha?: number): Tensor { return ew.elu(this, alpha); }
  softmax(dim: number): Tensor { return rd.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return rd.logSoftmax(this, dim); }

  // ---- reductions
  sum(dim?: number | number[], keepDim = false): Tensor { return rd.sum(this, dim, keepDim); }
  mean(dim?: number | number[], keepDim = false): Tensor { return rd.mean(this, dim, keepDim); }
  prod(dim?: number | number[], keepDim = false): Tensor { return rd.prod(this, dim, keepDim); }
  max(dim?: number | number[], keepDim = false): Tensor { return rd.max(this, dim, keepDim); }
  min(dim?: number | number[], keepDim = false): Tensor { return rd.min(this, dim, keepDim); }
  argmax(dim?: number, keepDim = false): Tensor { return rd.argmax(this, dim, keepDim); }
  argmin(dim?: number, keepDim = false): Tensor { return rd.argmin(this, dim, keepDim); }
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
  gather(dim: number, index: Tensor): Tensor { return sh.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return sh.indexSelect(this, dim, index); }

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

/** @internal Wraps a fresh native handle. */
export function fromHandle(h: NativeTensor): Tensor {
  return new Tensor(h);
}

export { native };
