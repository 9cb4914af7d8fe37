// Tensor creation. Options follow PyTorch: { dtype, device, requiresGrad }.
import { native } from '../native.js';
import { wrap } from '../ops/util.js';
import { checkDevice, getDefaultDevice } from './device.js';
import { flattenNested, inferShape } from './nested.js';
import { Tensor } from './tensor.js';
import type { DType, Device, NestedArray, TensorOptions } from './types.js';

type CreateOptions = Omit<TensorOptions, 'shape'>;

function resolveDType(dtype: unknown, fallback: DType, op: string): DType {
  if (dtype === undefined) return fallback;
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new TypeError(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected 'float32' or 'int32')`);
  return dtype;
}

function resolveDevice(device: unknown, op: string): Device {
  return device === undefined ? getDefaultDevice() : checkDevice(device, op);
}

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: expected shape to be an array of sizes, got ${typeof shape}`);
  return shape as number[];
}

/**
 * A tensor from a number, nested number arrays, or a Float32Array / Int32Array (with
 * opts.shape, default 1-D). The data is copied.
 */
export function tensor<T extends DType>(data: NestedArray | Float32Array | Int32Array, opts: TensorOptions & { dtype: T }): Tensor<T>;
export function tensor(data: Int32Array, opts?: TensorOptions): Tensor<'int32'>;
export function tensor(data: NestedArray | Float32Array, opts?: TensorOptions): Tensor<'float32'>;
export function tensor(data: NestedArray | Float32Array | Int32Array, opts: TensorOptions = {}): Tensor {
  const device = resolveDevice(opts.device, 'tensor');
  if (data instanceof Float32Array || data instanceof Int32Array) {
    const natural: DType = data instanceof Int32Array ? 'int32' : 'float32';
    const dtype = resolveDType(opts.dtype, natural, 'tensor');
    const shape = opts.shape ?? [data.length];
    const h = native.fromData(data, checkShape(shape, 'tensor'), device);
    if (dtype === natural) return finish(wrap(h), opts);
    const converted = native.cast(h, dtype);
    h.dispose();
    return finish(wrap(converted), opts);
  }
  if (typeof data !== 'number' && typeof data !== 'boolean' && !Array.isArray(data))
    throw new TypeError(`tensor: expected a number, nested arrays or a typed array, got ${data === null ? 'null' : typeof data}`);
  const dtype = resolveDType(opts.dtype, 'float32', 'tensor');
  const inferred = inferShape(data);
  if (inferred.length > 32) throw new RangeError(`tensor: nested ${inferred.length} levels deep; at most 32 dims`);
  const values = flattenNested(data, inferred, dtype);
  const shape = opts.shape ? checkShape(opts.shape, 'tensor') : inferred;
  return finish(wrap(native.fromData(values, shape, device)), opts);
}

function filled(op: string, shape: number[], value: number, opts: CreateOptions): Tensor {
  if (typeof value !== 'number') throw new TypeError(`${op}: expected value to be a number, got ${typeof value}`);
  const dtype = resolveDType(opts.dtype, 'float32', op);
  try {
    return finish(wrap(native.full(checkShape(shape, op), value, dtype, resolveDevice(opts.device, op))), opts);
  } catch (e) {
    // The native entry is shared; name the function the caller used.
    if (e instanceof Error && e.message.startsWith('full:') && op !== 'full') e.message = op + e.message.slice(4);
    throw e;
  }
}

function likeOf(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  return t;
}

// The dtype of a fill: opts.dtype when given, float32 otherwise.
type FillDType<O> = O extends { dtype: infer T extends DType } ? T : 'float32';

export const full = <O extends CreateOptions = CreateOptions>(shape: number[], value: number, opts?: O): Tensor<FillDType<O>> =>
  filled('full', shape, value, opts ?? {}) as Tensor<FillDType<O>>;
export const zeros = <O extends CreateOptions = CreateOptions>(shape: number[], opts?: O): Tensor<FillDType<O>> =>
  filled('zeros', shape, 0, opts ?? {}) as Tensor<FillDType<O>>;
export const ones = <O extends CreateOptions = CreateOptions>(shape: number[], opts?: O): Tensor<FillDType<O>> =>
  filled('ones', shape, 1, opts ?? {}) as Tensor<FillDType<O>>;
export const zerosLike = (t: Tensor, opts: CreateOptions = {}): Tensor =>
  filled('zerosLike', likeOf(t, 'zerosLike').shape, 0, { dtype: t.dtype, device: t.device, ...opts });
export const onesLike = (t: Tensor, opts: CreateOptions = {}): Tensor =>
  filled('onesLike', likeOf(t, 'onesLike').shape, 1, { dtype: t.dtype, device: t.device, ...opts });
export const fullLike = (t: Tensor, value: number, opts: CreateOptions = {}): Tensor =>
  filled('fullLike', likeOf(t, 'fullLike').shape, value, { dtype: t.dtype, device: t.device, ...opts });

/** Uniform on [low, high) (default [0, 1)), from the seeded generator. */
export function rand(shape: number[], opts: CreateOptions & { low?: number; high?: number } = {}): Tensor<'float32'> {
  const device = resolveDevice(opts.device, 'rand');
  return finish(wrap(native.rand(checkShape(shape, 'rand'), opts.low ?? 0, opts.high ?? 1, device)), opts) as Tensor<'float32'>;
}

/** Normal with mean 0 and std 1 unless given, from the seeded generator. */
export function randn(shape: number[], opts: CreateOptions & { mean?: number; std?: number } = {}): Tensor<'float32'> {
  const device = resolveDevice(opts.device, 'randn');
  return finish(wrap(native.randn(checkShape(shape, 'randn'), opts.mean ?? 0, opts.std ?? 1, device)), opts) as Tensor<'float32'>;
}

/** Uniform int32 integers in [low, high). */
export function randint(low: number, high: number, shape: number[], opts: CreateOptions = {}): Tensor<'int32'> {
  return <Tensor<'int32'>>wrap(native.randint(checkShape(shape, 'randint'), low, high, resolveDevice(opts.device, 'randint')));
}

/**
 * arange(end), arange(start, end) or arange(start, end, step): the half-open range. Integer
 * arguments give int32 (as in PyTorch) unless opts.dtype says otherwise.
 */
export function arange(start: number, end?: number, step?: number | CreateOptions, opts: CreateOptions = {}): Tensor {
  let s = start, e = end, st = 1;
  if (typeof step === 'object') opts = step;
  else if (step !== undefined) st = step;
  if (e === undefined) [s, e] = [0, start];
  for (const [name, v] of [['start', s], ['end', e], ['step', st]] as const)
    if (typeof v !== 'number') throw new TypeError(`arange: expected ${name} to be a number, got ${typeof v}`);
  const natural: DType = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(st) ? 'int32' : 'float32';
  const dtype = resolveDType(opts.dtype, natural, 'arange');
  return finish(wrap(native.arange(s, e, st, dtype, resolveDevice(opts.device, 'arange'))), opts);
}

/** The n-by-m identity (m defaults to n). */
export function eye(n: number, m?: number, opts: CreateOptions = {}): Tensor {
  const dtype = resolveDType(opts.dtype, 'float32', 'eye');
  return finish(wrap(native.eye(n, m ?? n, dtype, resolveDevice(opts.device, 'eye'))), opts);
}

/** Seeds the generator behind rand/randn/randint/dropout/shuffling: same seed, same numbers. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}
