// Gradient checks of conv2d (input, weight, bias; stride, padding incl. 'same', dilation,
// groups, 1x1 kernels) against a float64 direct convolution, and of the pooling ops.
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Conv2dOptions, Pair, Pool2dOptions } from '../../lib/ops/conv.js';
import { GRAD_LAYOUTS, checkGrad, distinctValues, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInt } from '../helpers/random.js';
import { reduce } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const pair = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

interface ConvCase {
  name: string;
  opts: Conv2dOptions;
  kernel: [number, number];
  groups?: number;
  bias?: boolean;
}

function convCases(): ConvCase[] {
  const k = () => randInt(1, 4);
  return [
    { name: 'plain', opts: {}, kernel: [k(), k()] },
    { name: 'stride 2', opts: { stride: 2 }, kernel: [3, 3] },
    { name: 'stride [2, 1]', opts: { stride: [2, 1] }, kernel: [2, 3] },
    { name: 'stride 3 (windows skip inputs)', opts: { stride: 3 }, kernel: [2, 2] },
    { name: 'padding 1', opts: { padding: 1 }, kernel: [3, 3] },
    { name: 'padding [2, 1]', opts: { padding: [2, 1] }, kernel: [3, 2] },
    { name: 'dilation 2', opts: { dilation: 2 }, kernel: [2, 3] },
    { name: 'dilation [1, 2]', opts: { dilation: [1, 2] }, kernel: [3, 2] },
    { name: 'groups 2', opts: { groups: 2 }, kernel: [k(), k()], groups: 2 },
    { name: 'depthwise (groups = C)', opts: {}, kernel: [3, 3], groups: -1 },
    { name: "padding 'same'", opts: { padding: 'same' }, kernel: [3, 5] },
    { name: "padding 'same' with dilation 2", opts: { padding: 'same', dilation: 2 }, kernel: [3, 2] },
    { name: "padding 'valid'", opts: { padding: 'valid' }, kernel: [2, 2] },
    { name: '1x1 kernel', opts: {}, kernel: [1, 1] },
    { name: '1x1 kernel, stride 2, groups 2', opts: { stride: 2, groups: 2 }, kernel: [1, 1], groups: 2 },
    { name: 'no bias', opts: { padding: 1 }, kernel: [3, 3], bias: false },
    { name: 'padding wider than the kernel (border outputs see only padding)', opts: { padding: [3, 2] }, kernel: [2, 2] },
    { name: 'stride 2, padding 1, dilation 2, groups 2', opts: { stride: 2, padding: 1, dilation: 2, groups: 2 }, kernel: [3, 3], groups: 2 },
    { name: 'stride [1, 2], padding [0, 2], dilation [2, 1], no bias', opts: { stride: [1, 2], padding: [0, 2], dilation: [2, 1] }, kernel: [2, 3], bias: false },
  ];
}

// The layout of the gradient reaching each op's backward (contiguous, transposed view,
// stride-0 view) rotates over the cases and input layouts, so each appears with each.
const gradLayoutFor = (caseIndex: number, layoutIndex: number) => GRAD_LAYOUTS[(caseIndex + 2 * layoutIndex) % 3];
const INPUT_LAYOUTS = ['contiguous', 'transposed'] as const;

describe('conv2d: gradients for input, weight and bias', () => {
  convCases().forEach((c, ci) =>
    it(c.name, () => {
      INPUT_LAYOUTS.forEach((layout, li) => {
        const [n, cpg, opg] = rshape([1, 2], [1, 3], [1, 2]);
        const g = c.groups === -1 ? randInt(2, 4) : c.groups ?? 1;
        const C = cpg * g, O = c.groups === -1 ? g : opg * g;
        const dil = pair(c.opts.dilation, 1), [kh, kw] = c.kernel;
        const reach = [dil[0] * (kh - 1) + 1, dil[1] * (kw - 1) + 1];
        const H = reach[0] + randInt(0, 4), W = reach[1] + randInt(0, 4);
        const pad: [number, number] =
          c.opts.padding === 'same' ? [(reach[0] - 1) / 2, (reach[1] - 1) / 2] : c.opts.padding === 'valid' ? [0, 0] : pair(c.opts.padding, 0);
        const bias = c.bias !== false;
        const xs = [n, C, H, W], ws = [O, C / g, kh, kw];
        checkGrad({
          what: `conv2d ${c.name} x [${xs}] w [${ws}] ${layout}`,
          inputs: [
            { shape: xs, layout, name: 'input' },
            { shape: ws, layout: layout === 'transposed' && kh > 1 && kw > 1 ? 'transposed' : 'contiguous', name: 'weight' },
            ...(bias ? [{ shape: [O], name: 'bias' }] : []),
          ],
          ref: ([x, w, b]) =>
            R.conv2d(R.r64(x, xs), R.r64(w, ws), bias ? R.r64(b, [O]) : null, {
              stride: pair(c.opts.stride, 1), padding: pad, dilation: dil, groups: g,
            }),
          op: ([x, w, b]) => tl.conv2d(x, w, bias ? b : null, { ...c.opts, groups: g }),
          gradLayout: gradLayoutFor(ci, li),
        });
      });
    }),
  );

  it('only the weight requires grad; only the input requires grad', () => {
    const xs = [2, 2, 5, 5], ws = [3, 2, 3, 3];
    for (const which of [0, 1])
      checkGrad({
        inputs: [{ shape: xs, grad: which === 0 }, { shape: ws, grad: which === 1 }, { shape: [3], grad: false }],
        ref: ([x, w, b]) => R.conv2d(R.r64(x, xs), R.r64(w, ws), R.r64(b, [3]), { padding: [1, 1] }),
        op: ([x, w, b]) => tl.conv2d(x, w, b, { padding: 1 }),
      });
  });
});

interface PoolCase {
  name: string;
  opts: Pool2dOptions & { countIncludePad?: boolean };
}

const MAX_CASES: PoolCase[] = [
  { name: 'kernel 2', opts: { kernel: 2 } },
  { name: 'kernel 3, stride 2', opts: { kernel: 3, stride: 2 } },
  { name: 'kernel 3, stride 1 (overlapping windows)', opts: { kernel: 3, stride: 1 } },
  { name: 'kernel [3, 2], stride [2, 1], padding 1', opts: { kernel: [3, 2], stride: [2, 1], padding: 1 } },
  { name: 'kernel 2, dilation 2', opts: { kernel: 2, stride: 1, dilation: 2 } },
  { name: 'kernel 3, stride 2, ceilMode', opts: { kernel: 3, stride: 2, ceilMode: true } },
  { name: 'kernel 2, ceilMode (odd sizes)', opts: { kernel: 2, ceilMode: true } },
  { name: 'kernel 3, stride 2, padding 1, dilation [1, 2], ceilMode', opts: { kernel: 3, stride: 2, padding: [1, 0], dilation: [1, 2], ceilMode: true } },
];

const AVG_CASES: PoolCase[] = [
  { name: 'kernel 2', opts: { kernel: 2 } },
  { name: 'kernel 3, stride 1 (overlapping)', opts: { kernel: 3, stride: 1 } },
  { name: 'kernel [3, 2], stride [1, 2]', opts: { kernel: [3, 2], stride: [1, 2] } },
  { name: 'kernel 3, stride 2, padding 1, countIncludePad', opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: true } },
  { name: 'kernel 3, stride 2, padding 1, not countIncludePad', opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: false } },
  { name: 'kernel 2, ceilMode', opts: { kernel: 2, ceilMode: true } },
  { name: 'kernel 3, stride 2, padding 1, ceilMode, countIncludePad', opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true } },
  { name: 'kernel 3, stride 2, padding 1, ceilMode, not countIncludePad', opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false } },
];

function poolShape(o: Pool2dOptions): number[] {
  const [kh, kw] = pair(o.kernel, 1), [dh, dw] = pair(o.dilation, 1);
  const [n, c] = rshape([1, 2], [1, 3]);
  return [n, c, dh * (kh - 1) + 1 + randInt(0, 5), dw * (kw - 1) + 1 + randInt(0, 5)];
}

function refPoolOpts(o: Pool2dOptions): R.PoolRefOptions {
  const kernel = pair(o.kernel, 1);
  return { kernel, stride: o.stride === undefined ? kernel : pair(o.stride, 1), padding: pair(o.padding, 0), dilation: pair(o.dilation, 1), ceilMode: o.ceilMode };
}

describe('maxPool2d (distinct values: no ties)', () => {
  MAX_CASES.forEach((c, ci) =>
    it(c.name, () => {
      INPUT_LAYOUTS.forEach((layout, li) => {
        const s = poolShape(c.opts);
        checkGrad({
          what: `maxPool2d ${c.name} [${s}] ${layout}`,
          inputs: [{ shape: s, values: distinctValues(numel(s)), layout }],
          ref: ([x]) => R.maxPool2d(R.r64(x, s), refPoolOpts(c.opts)),
          op: ([x]) => tl.maxPool2d(x, c.opts),
          gradLayout: gradLayoutFor(ci, li),
        });
      });
    }),
  );
});

describe('avgPool2d', () => {
  AVG_CASES.forEach((c, ci) =>
    it(c.name, () => {
      INPUT_LAYOUTS.forEach((layout, li) => {
        const s = poolShape(c.opts);
        checkGrad({
          what: `avgPool2d ${c.name} [${s}] ${layout}`,
          inputs: [{ shape: s, layout }],
          ref: ([x]) => R.avgPool2d(R.r64(x, s), { ...refPoolOpts(c.opts), countIncludePad: c.opts.countIncludePad ?? true }),
          op: ([x]) => tl.avgPool2d(x, c.opts),
          gradLayout: gradLayoutFor(ci, li),
        });
      });
    }),
  );
});

describe('adaptiveAvgPool2d', () => {
  it('output size 1 (and [1, 1])', () => {
    const s = rshape([1, 3], [1, 4], [1, 5], [1, 5]);
    checkGrad({
      inputs: [{ shape: s, layout: 'transposed' }],
      ref: ([x]) => {
        const r = reduce(R.r64(x, s), [2, 3], true, (v) => v.reduce((a, b) => a + b, 0) / v.length);
        return [r, r];
      },
      op: ([x]) => [tl.adaptiveAvgPool2d(x), tl.adaptiveAvgPool2d(x, [1, 1])],
    });
  });
});

describe('random configurations (fresh each run)', () => {
  const rp = () => [randInt(1, 5), randInt(1, 5)] as [number, number];
  it('conv2d: kernel 1-4, stride 1-3, padding 0-3, dilation 1-3, groups 1-3', () => {
    for (let i = 0; i < 15; i++) {
      const g = randInt(1, 4), cpg = randInt(1, 3), opg = randInt(1, 3), n = randInt(1, 3);
      const [kh, kw] = rp(), [sh, sw] = [randInt(1, 4), randInt(1, 4)], [dh, dw] = [randInt(1, 4), randInt(1, 4)], [ph, pw] = [randInt(0, 4), randInt(0, 4)];
      const H = Math.max(1, dh * (kh - 1) + 1 - 2 * ph) + randInt(0, 4), W = Math.max(1, dw * (kw - 1) + 1 - 2 * pw) + randInt(0, 4);
      const xs = [n, cpg * g, H, W], ws = [opg * g, cpg, kh, kw], O = opg * g;
      const opts = { stride: [sh, sw] as [number, number], padding: [ph, pw] as [number, number], dilation: [dh, dw] as [number, number], groups: g };
      const bias = i % 4 !== 3;
      checkGrad({
        what: `conv2d x [${xs}] w [${ws}] ${JSON.stringify(opts)} bias ${bias}`,
        inputs: [{ shape: xs, layout: i % 2 && H > 1 && W > 1 ? 'transposed' : 'contiguous' }, { shape: ws }, ...(bias ? [{ shape: [O] }] : [])],
        ref: ([x, w, b]) => R.conv2d(R.r64(x, xs), R.r64(w, ws), bias ? R.r64(b, [O]) : null, opts),
        op: ([x, w, b]) => tl.conv2d(x, w, bias ? b : null, opts),
        gradLayout: GRAD_LAYOUTS[i % 3],
      });
    }
  });

  it('maxPool2d and avgPool2d: kernel 1-4, stride 1-3, padding <= kernel / 2, dilation 1-2, ceilMode, countIncludePad', () => {
    for (let i = 0; i < 15; i++) {
      const kernel = rp(), stride = [randInt(1, 4), randInt(1, 4)] as [number, number];
      const padding = [randInt(0, Math.floor(kernel[0] / 2) + 1), randInt(0, Math.floor(kernel[1] / 2) + 1)] as [number, number];
      const dilation = [randInt(1, 3), randInt(1, 3)] as [number, number], ceilMode = randInt(0, 2) === 1, countIncludePad = randInt(0, 2) === 1;
      const [n, c] = [randInt(1, 3), randInt(1, 3)];
      const ms = [n, c, dilation[0] * (kernel[0] - 1) + 1 + randInt(0, 5), dilation[1] * (kernel[1] - 1) + 1 + randInt(0, 5)];
      const mo = { kernel, stride, padding, dilation, ceilMode };
      checkGrad({
        what: `maxPool2d [${ms}] ${JSON.stringify(mo)}`,
        inputs: [{ shape: ms, values: distinctValues(numel(ms)) }],
        ref: ([x]) => R.maxPool2d(R.r64(x, ms), mo),
        op: ([x]) => tl.maxPool2d(x, mo),
        gradLayout: GRAD_LAYOUTS[i % 3],
      });
      const as = [n, c, kernel[0] + randInt(0, 5), kernel[1] + randInt(0, 5)];
      const ao = { kernel, stride, padding, ceilMode, countIncludePad };
      checkGrad({
        what: `avgPool2d [${as}] ${JSON.stringify(ao)}`,
        inputs: [{ shape: as, layout: i % 2 ? 'transposed' : 'contiguous' }],
        ref: ([x]) => R.avgPool2d(R.r64(x, as), ao),
        op: ([x]) => tl.avgPool2d(x, ao),
        gradLayout: GRAD_LAYOUTS[(i + 1) % 3],
      });
    }
  });
});
