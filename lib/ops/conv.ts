// Convolution and pooling (NCHW) with gradients.
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { mean } from './reduce.js';
import { handleOf, wrap } from './util.js';

export type Pair = number | [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding on each side, or 'same' (stride 1, output size = input size) / 'valid' (0). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

function pair(v: Pair, op: string, name: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]];
  throw new TypeError(`${op}: expected ${name} to be a number or a pair of numbers, got ${JSON.stringify(v)}`);
}

function resolvePadding(padding: Conv2dOptions['padding'], weight: Tensor, stride: [number, number], dilation: [number, number]): [number, number] {
  if (padding === undefined || padding === 'valid') return [0, 0];
  if (padding !== 'same') return pair(padding, 'conv2d', 'padding');
  if (stride[0] !== 1 || stride[1] !== 1) throw new RangeError("conv2d: padding 'same' needs stride 1");
  const k = weight.dimsInternal;
  const reach = [dilation[0] * (k[2] - 1), dilation[1] * (k[3] - 1)];
  if (reach[0] % 2 || reach[1] % 2)
    throw new RangeError("conv2d: padding 'same' needs an odd kernel reach (dilation * (kernel - 1) even) on both axes");
  return [reach[0] / 2, reach[1] / 2];
}

/** 2-D convolution of x [N, C, H, W] with weight [O, C / groups, kh, kw] and optional bias [O]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const hx = handleOf(x, 'conv2d', 'input'), hw = handleOf(weight, 'conv2d', 'weight');
  const hb = bias ? handleOf(bias, 'conv2d', 'bias') : null;
  const stride = pair(opts.stride ?? 1, 'conv2d', 'stride');
  const dilation = pair(opts.dilation ?? 1, 'conv2d', 'dilation');
  const padding = resolvePadding(opts.padding, weight, stride, dilation);
  const groups = opts.groups ?? 1;
  const out = wrap(native.conv2d(hx, hw, hb, stride, padding, dilation, groups));
  const xShape = [...x.dimsInternal], wShape = [...weight.dimsInternal];
  return record('conv2d', out, [x, weight, bias], (g) => {
    // One contiguous copy of a strided gradient (sum()'s is a stride-0 view) serves both
    // kernels, which would each make their own.
    const both = x.requiresGrad && weight.requiresGrad && !g.handle.isContiguous();
    const gh = both ? native.contiguous(g.handle) : g.handle;
    try {
      return [
        x.requiresGrad ? wrap(native.conv2dBackwardInput(gh, weight.handle, xShape, stride, padding, dilation, groups)) : null,
        weight.requiresGrad ? wrap(native.conv2dBackwardWeight(gh, x.handle, wShape, stride, padding, dilation, groups)) : null,
        bias?.requiresGrad ? wrap(native.reduce('sum', g.handle, [0, 2, 3], false)) : null,
      ];
    } finally {
      if (both) gh.dispose();
    }
  }, [x, weight]);
}

export interface Pool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

function poolArgs(op: string, opts: Pool2dOptions) {
  if (!opts || opts.kernel === undefined) throw new TypeError(`${op}: expected options with a kernel size`);
  const kernel = pair(opts.kernel, op, 'kernel');
  return {
    kernel,
    stride: pair(opts.stride ?? kernel, op, 'stride'),
    padding: pair(opts.padding ?? 0, op, 'padding'),
    dilation: pair(opts.dilation ?? 1, op, 'dilation'),
    ceilMode: opts.ceilMode ?? false,
  };
}

/** Max over each window; the gradient goes to the element that won. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const p = poolArgs('maxPool2d', opts);
  const r = native.maxPool2d(handleOf(x, 'maxPool2d', 'input'), p.kernel, p.stride, p.padding, p.dilation, p.ceilMode);
  const out = wrap(r.out), indices = wrap(r.indices);
  const shape = [...x.dimsInternal];
  return record('maxPool2d', out, [x], (g) => [
    wrap(native.maxPool2dBackward(g.handle, indices.handle, shape, p.kernel, p.stride, p.padding, p.dilation, p.ceilMode)),
  ], [indices]);
}

/** Mean over each window; countIncludePad (default true, as in PyTorch) counts padding in the divisor. */
export function avgPool2d(x: Tensor, opts: Pool2dOptions & { countIncludePad?: boolean }): Tensor {
  const p = poolArgs('avgPool2d', opts);
  if (opts.dilation !== undefined && pair(opts.dilation, 'avgPool2d', 'dilation').some((d) => d !== 1))
    throw new RangeError('avgPool2d: dilation is not supported (PyTorch has none either)');
  const cip = opts.countIncludePad ?? true;
  const out = wrap(native.avgPool2d(handleOf(x, 'avgPool2d', 'input'), p.kernel, p.stride, p.padding, 1, p.ceilMode, cip));
  const shape = [...x.dimsInternal];
  return record('avgPool2d', out, [x], (g) => [
    wrap(native.avgPool2dBackward(g.handle, shape, p.kernel, p.stride, p.padding, 1, p.ceilMode, cip)),
  ]);
}

/** Adaptive average pooling to 1x1: the mean of each channel, shape [N, C, 1, 1]. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair = 1): Tensor {
  const [h, w] = pair(outputSize, 'adaptiveAvgPool2d', 'outputSize');
  if (h !== 1 || w !== 1) throw new RangeError(`adaptiveAvgPool2d: only output size 1 is supported, got [${h}, ${w}]`);
  if (x.ndim !== 4) throw new RangeError(`adaptiveAvgPool2d: expected input [N, C, H, W], got [${x.shape.join(', ')}]`);
  return mean(x, [2, 3], true);
}
