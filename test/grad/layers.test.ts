// Gradient checks of nn layers w.r.t. their inputs and every parameter: Linear, Conv2d,
// BatchNorm1d/2d (training and eval, running statistics), LayerNorm, Embedding, Sequential.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { expectClose } from '../helpers/assert.js';
import { checkModuleGrad, numel, randomizeParams, rshape, spreadChannels, spreadRows, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInts, uniform } from '../helpers/random.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const P = (p: Record<string, Float64Array>, name: string, shape: number[]) => R.r64(p[name], shape);

describe('nn.Linear', () => {
  it('with and without bias, 2-D and 3-D input', () => {
    const [inF, outF, n, t] = rshape([1, 6], [1, 5], [1, 4], [2, 3]);
    for (const bias of [true, false])
      for (const xs of [[n, inF], [n, t, inF]]) {
        const layer = new tl.nn.Linear(inF, outF, { bias });
        checkModuleGrad(layer, {
          what: `Linear(${inF}, ${outF}, bias ${bias}) x [${xs}]`,
          inputs: [{ shape: xs, name: 'x' }],
          ref: ([x], p) => R.linear(R.r64(x, xs), P(p, 'weight', [outF, inF]), bias ? P(p, 'bias', [outF]) : null),
          op: ([x]) => layer.forward(x),
        });
      }
  });
});

describe('nn.Conv2d', () => {
  it('stride / padding / dilation / groups, bias and no bias', () => {
    const cases: [string, tl.nn.Conv2dLayerOptions, number][] = [
      ['defaults', {}, 3],
      ['stride 2, padding 1', { stride: 2, padding: 1 }, 3],
      ["padding 'same', dilation 2, no bias", { padding: 'same', dilation: 2, bias: false }, 3],
      ['groups 2, 1x1', { groups: 2 }, 1],
    ];
    for (const [name, opts, k] of cases) {
      const g = opts.groups ?? 1;
      const [n, cpg, opg] = rshape([1, 2], [1, 2], [1, 2]);
      const C = cpg * g, O = opg * g;
      const d = opts.dilation === 2 ? 2 : 1;
      const H = d * (k - 1) + 1 + rshape([0, 3])[0], W = d * (k - 1) + 1 + rshape([0, 3])[0];
      const layer = new tl.nn.Conv2d(C, O, k, opts);
      const xs = [n, C, H, W];
      const pad = opts.padding === 'same' ? (d * (k - 1)) / 2 : ((opts.padding as number | undefined) ?? 0);
      const s = (opts.stride as number | undefined) ?? 1;
      checkModuleGrad(layer, {
        what: `Conv2d ${name}`,
        inputs: [{ shape: xs, name: 'x' }],
        ref: ([x], p) =>
          R.conv2d(R.r64(x, xs), P(p, 'weight', [O, C / g, k, k]), opts.bias === false ? null : P(p, 'bias', [O]), {
            stride: [s, s], padding: [pad, pad], dilation: [d, d], groups: g,
          }),
        op: ([x]) => layer.forward(x),
      });
    }
  });
});

describe('nn.BatchNorm1d / BatchNorm2d', () => {
  const cases = () => {
    // 3+ values per channel (see norm.test.ts)
    const [n, c, l, h, w] = rshape([3, 5], [1, 4], [1, 4], [1, 3], [2, 3]);
    return [
      ['BatchNorm1d [N, C]', () => new tl.nn.BatchNorm1d(c), [n, c]],
      ['BatchNorm1d [N, C, L]', () => new tl.nn.BatchNorm1d(c, { momentum: 0.3 }), [n, c, l]],
      ['BatchNorm2d', () => new tl.nn.BatchNorm2d(c, { eps: 1e-3 }), [n, c, h, w]],
    ] as const;
  };

  it('training: gradients for x, weight and bias; running statistics updated once', () => {
    for (const [name, make, xs] of cases()) {
      const layer = make();
      randomizeParams(layer, 0.5, 1.5);
      const C = xs[1];
      let xData: Float64Array | null = null;
      checkModuleGrad(layer, {
        what: name,
        inputs: [{ shape: [...xs], values: spreadChannels([...xs]), name: 'x' }],
        ref: ([x], p) => {
          xData = x;
          return R.batchNormTrain(R.r64(x, [...xs]), P(p, 'weight', [C]), P(p, 'bias', [C]), layer.eps);
        },
        op: ([x]) => layer.forward(x),
      });
      const st = R.channelStats(R.r64(xData!, [...xs]));
      const m = layer.momentum;
      expectClose(layer.runningMean!.dataSync(), Array.from(st.mean, (v) => m * v), { rtol: 1e-5, atol: 1e-6 }, `${name} runningMean`);
      expectClose(layer.runningVar!.dataSync(), Array.from(st.varUnbiased, (v) => 1 - m + m * v), { rtol: 1e-5, atol: 1e-6 }, `${name} runningVar`);
    }
  });

  it('eval: normalizes with the running statistics; gradients for x, weight and bias', () => {
    for (const [name, make, xs] of cases()) {
      const layer = make();
      randomizeParams(layer, 0.5, 1.5);
      const C = xs[1];
      // give the running statistics non-trivial values with a training forward first
      tl.noGrad(() => layer.forward(tl.tensor(uniform(numel([...xs]), -1, 3), { shape: [...xs] })));
      layer.eval();
      const rm = Float64Array.from(layer.runningMean!.dataSync()), rv = Float64Array.from(layer.runningVar!.dataSync());
      checkModuleGrad(layer, {
        what: `${name} eval`,
        inputs: [{ shape: [...xs], lo: -2, hi: 3, name: 'x' }],
        ref: ([x], p) => R.batchNorm(R.r64(x, [...xs]), rm, rv, P(p, 'weight', [C]), P(p, 'bias', [C]), layer.eps),
        op: ([x]) => layer.forward(x),
      });
      expect(Array.from(layer.runningMean!.dataSync())).toEqual(Array.from(rm, Math.fround));
    }
  });

  it('affine false and trackRunningStats false', () => {
    const [n, c] = rshape([3, 5], [1, 4]);
    const layer = new tl.nn.BatchNorm1d(c, { affine: false, trackRunningStats: false });
    checkModuleGrad(layer, {
      inputs: [{ shape: [n, c], values: spreadChannels([n, c]), name: 'x' }],
      ref: ([x]) => R.batchNormTrain(R.r64(x, [n, c]), null, null, 1e-5),
      op: ([x]) => layer.forward(x),
    });
  });
});

describe('nn.LayerNorm', () => {
  it('1 and 2 normalized dims; with and without affine / bias', () => {
    const [a, b, c] = rshape([1, 3], [2, 4], [3, 5]);
    const cases: [number[], { elementwiseAffine?: boolean; bias?: boolean; eps?: number }][] = [
      [[c], {}],
      [[b, c], {}],
      [[c], { elementwiseAffine: false }],
      [[b, c], { bias: false, eps: 1e-3 }],
    ];
    for (const [ns, opts] of cases) {
      const layer = new tl.nn.LayerNorm(ns.length === 1 ? ns[0] : ns, opts);
      randomizeParams(layer, 0.5, 1.5);
      const xs = [a, b, c];
      const affine = opts.elementwiseAffine !== false;
      checkModuleGrad(layer, {
        what: `LayerNorm(${ns}) ${JSON.stringify(opts)}`,
        inputs: [{ shape: xs, values: spreadRows(xs, ns.length), name: 'x' }],
        ref: ([x], p) =>
          R.layerNorm(R.r64(x, xs), ns.length, affine ? P(p, 'weight', ns) : null, affine && opts.bias !== false ? P(p, 'bias', ns) : null, opts.eps ?? 1e-5),
        op: ([x]) => layer.forward(x),
      });
    }
  });
});

describe('nn.Embedding', () => {
  it('repeated indices of a 2-D index tensor accumulate into the rows', () => {
    const [num, dim] = rshape([3, 7], [2, 5]);
    const is = rshape([2, 3], [2, 5]);
    const idx = randInts(numel(is), 0, num);
    idx[idx.length - 1] = idx[0];
    const layer = new tl.nn.Embedding(num, dim);
    checkModuleGrad(layer, {
      inputs: [],
      ref: (_, p) => R.pick(P(p, 'weight', [num, dim]), [...is, dim], (i) => idx[R.ravel(i.slice(0, -1), is)] * dim + i[i.length - 1]),
      op: () => layer.forward(tl.tensor(idx, { shape: is })),
    });
  });
});

describe('nn.Sequential', () => {
  it('Linear followed by ReLU / Sigmoid / Tanh (run as fused Linear + activation ops)', () => {
    const [inF, h1, h2, outF, n] = rshape([2, 5], [2, 6], [2, 6], [1, 4], [1, 4]);
    const model = new tl.nn.Sequential(
      new tl.nn.Linear(inF, h1), new tl.nn.ReLU(), new tl.nn.Linear(h1, h2), new tl.nn.Sigmoid(), new tl.nn.Linear(h2, outF), new tl.nn.Tanh(),
    );
    const fwd = (x: Float64Array, p: Record<string, Float64Array>) => {
      const a = R.linear(R.r64(x, [n, inF]), P(p, '0.weight', [h1, inF]), P(p, '0.bias', [h1]));
      const b = R.linear({ data: a.data.map((v) => Math.max(v, 0)), shape: a.shape }, P(p, '2.weight', [h2, h1]), P(p, '2.bias', [h2]));
      const c = R.linear({ data: b.data.map(R.sigmoid), shape: b.shape }, P(p, '4.weight', [outF, h2]), P(p, '4.bias', [outF]));
      return { pre: a.data, out: { data: c.data.map(Math.tanh), shape: c.shape } };
    };
    // redraw until no ReLU pre-activation is within 1e-3 of the kink
    let xv: Float32Array;
    for (let tries = 0; ; tries++) {
      randomizeParams(model);
      xv = uniform(n * inF, -1, 1);
      const p = Object.fromEntries(model.namedParameters().map(([k, t]) => [k, Float64Array.from(t.dataSync())]));
      if (fwd(Float64Array.from(xv), p).pre.every((v) => Math.abs(v) > 1e-3) || tries > 100) break;
    }
    checkModuleGrad(model, {
      inputs: [{ shape: [n, inF], values: xv, name: 'x' }],
      ref: ([x], p) => fwd(x, p).out,
      op: ([x]) => model.forward(x),
      gradLayout: 'transposed',
    });
  });


  it('Linear -> Tanh -> Linear -> Softplus: gradients reach every parameter by its dotted name', () => {
    const [inF, hid, outF, n] = rshape([2, 5], [2, 6], [1, 4], [1, 4]);
    const model = new tl.nn.Sequential(new tl.nn.Linear(inF, hid), new tl.nn.Tanh(), new tl.nn.Linear(hid, outF), new tl.nn.Softplus());
    expect(model.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    checkModuleGrad(model, {
      inputs: [{ shape: [n, inF], name: 'x' }],
      ref: ([x], p) => {
        const h = R.linear(R.r64(x, [n, inF]), P(p, '0.weight', [hid, inF]), P(p, '0.bias', [hid]));
        const y = R.linear({ data: h.data.map(Math.tanh), shape: h.shape }, P(p, '2.weight', [outF, hid]), P(p, '2.bias', [outF]));
        return { data: y.data.map((v) => R.softplus(v)), shape: y.shape };
      },
      op: ([x]) => model.forward(x),
    });
  });
});
