// Gradient checks of nn.LSTM and nn.GRU (1-2 layers, bidirectional, batchFirst true/false,
// with and without initial states and biases) against a float64 reference of PyTorch's gate
// equations, w.r.t. the input, the initial states and every parameter.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { GRAD_LAYOUTS, type GradInput, checkModuleGrad, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import type { Ref } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

interface RnnConfig {
  kind: 'lstm' | 'gru';
  input: number;
  hidden: number;
  layers: number;
  dirs: number;
  batchFirst: boolean;
  bias: boolean;
}

/**
 * PyTorch's LSTM / GRU in float64. x is [N, T, I] (batchFirst) or [T, N, I]; h0, c0 are
 * [layers * dirs, N, H] or null (zeros). Returns [output, hN] (+ cN for the LSTM).
 *   LSTM: i, f, g, o = chunks of x W_ih^T + b_ih + h W_hh^T + b_hh;
 *         c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c')
 *   GRU:  r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r * (W_hn h + b_hn)),
 *         h' = (1 - z) n + z h
 */
function rnnRef(cfg: RnnConfig, x: Float64Array, xShape: number[], p: Record<string, Float64Array>, h0: Float64Array | null, c0: Float64Array | null): Ref[] {
  const H = cfg.hidden, G = cfg.kind === 'lstm' ? 4 : 3;
  const [N, T] = cfg.batchFirst ? [xShape[0], xShape[1]] : [xShape[1], xShape[0]];
  // seq[n][t] = feature vector
  let F = xShape[2];
  let seq: Float64Array[][] = Array.from({ length: N }, (_, n) =>
    Array.from({ length: T }, (_, t) => {
      const base = cfg.batchFirst ? (n * T + t) * F : (t * N + n) * F;
      return x.slice(base, base + F);
    }),
  );
  const hN = new Float64Array(cfg.layers * cfg.dirs * N * H), cN = new Float64Array(hN.length);
  const sig = R.sigmoid;
  for (let l = 0; l < cfg.layers; l++) {
    const outs: Float64Array[][] = Array.from({ length: N }, () => Array.from({ length: T }, () => new Float64Array(cfg.dirs * H)));
    for (let d = 0; d < cfg.dirs; d++) {
      const sfx = `l${l}${d ? '_reverse' : ''}`;
      const wih = p[`weight_ih_${sfx}`], whh = p[`weight_hh_${sfx}`];
      const bih = cfg.bias ? p[`bias_ih_${sfx}`] : null, bhh = cfg.bias ? p[`bias_hh_${sfx}`] : null;
      const k = l * cfg.dirs + d;
      for (let n = 0; n < N; n++) {
        let h = h0 ? h0.slice((k * N + n) * H, (k * N + n + 1) * H) : new Float64Array(H);
        let c = c0 ? c0.slice((k * N + n) * H, (k * N + n + 1) * H) : new Float64Array(H);
        for (let i = 0; i < T; i++) {
          const t = d ? T - 1 - i : i;
          const xt = seq[n][t];
          const gx = new Float64Array(G * H), gh = new Float64Array(G * H);
          for (let j = 0; j < G * H; j++) {
            let sx = bih ? bih[j] : 0, sh = bhh ? bhh[j] : 0;
            for (let q = 0; q < F; q++) sx += wih[j * F + q] * xt[q];
            for (let q = 0; q < H; q++) sh += whh[j * H + q] * h[q];
            gx[j] = sx;
            gh[j] = sh;
          }
          const h2 = new Float64Array(H), c2 = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            if (cfg.kind === 'lstm') {
              const ig = sig(gx[j] + gh[j]), fg = sig(gx[H + j] + gh[H + j]);
              const gg = Math.tanh(gx[2 * H + j] + gh[2 * H + j]), og = sig(gx[3 * H + j] + gh[3 * H + j]);
              c2[j] = fg * c[j] + ig * gg;
              h2[j] = og * Math.tanh(c2[j]);
            } else {
              const r = sig(gx[j] + gh[j]), z = sig(gx[H + j] + gh[H + j]);
              const nn = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
              h2[j] = (1 - z) * nn + z * h[j];
            }
          }
          h = h2;
          c = c2;
          outs[n][t].set(h, d * H);
        }
        hN.set(h, (k * N + n) * H);
        cN.set(c, (k * N + n) * H);
      }
    }
    seq = outs;
    F = cfg.dirs * H;
  }
  const D = cfg.dirs * H;
  const out = new Float64Array(N * T * D);
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) out.set(seq[n][t], (cfg.batchFirst ? n * T + t : t * N + n) * D);
  const outShape = cfg.batchFirst ? [N, T, D] : [T, N, D];
  const stShape = [cfg.layers * cfg.dirs, N, H];
  const res = [R.r64(out, outShape), R.r64(hN, stShape)];
  if (cfg.kind === 'lstm') res.push(R.r64(cN, stShape));
  return res;
}

type Case = RnnConfig & { withState: boolean; dropout?: number };

function configs(kind: 'lstm' | 'gru'): Case[] {
  const draw = () => {
    const [input, hidden] = rshape([1, 4], [1, 4]);
    return { kind, input, hidden };
  };
  return [
    { ...draw(), layers: 1, dirs: 1, batchFirst: true, bias: true, withState: false },
    { ...draw(), layers: 1, dirs: 1, batchFirst: false, bias: true, withState: true },
    { ...draw(), layers: 2, dirs: 1, batchFirst: true, bias: false, withState: true },
    { ...draw(), layers: 1, dirs: 2, batchFirst: true, bias: true, withState: true },
    { ...draw(), layers: 2, dirs: 2, batchFirst: false, bias: true, withState: false },
    { ...draw(), layers: 2, dirs: 2, batchFirst: true, bias: true, withState: true },
    // dropout between layers is off in eval mode: the same equations
    { ...draw(), layers: 2, dirs: 1, batchFirst: true, bias: true, withState: false, dropout: 0.5 },
  ];
}

const describeCfg = (c: Case) =>
  `${c.layers} layer(s), ${c.dirs === 2 ? 'bidirectional' : 'unidirectional'}, batchFirst ${c.batchFirst}, bias ${c.bias}, ` +
  `${c.withState ? 'given' : 'zero'} initial state${c.dropout ? `, dropout ${c.dropout} in eval mode` : ''}, input ${c.input}, hidden ${c.hidden}`;

for (const kind of ['lstm', 'gru'] as const)
  describe(`nn.${kind.toUpperCase()}: gradients w.r.t. input, initial states and all parameters`, () => {
    configs(kind).forEach((cfg, ci) =>
      it(describeCfg(cfg), () => {
        const [N, T] = rshape([1, 3], [1, 4]);
        const opts = { numLayers: cfg.layers, bidirectional: cfg.dirs === 2, batchFirst: cfg.batchFirst, bias: cfg.bias, dropout: cfg.dropout };
        const layer = kind === 'lstm' ? new tl.nn.LSTM(cfg.input, cfg.hidden, opts) : new tl.nn.GRU(cfg.input, cfg.hidden, opts);
        if (cfg.dropout) layer.eval();
        const G = kind === 'lstm' ? 4 : 3;
        const names = layer.namedParameters().map(([k]) => k).sort();
        const expected: string[] = [];
        for (let l = 0; l < cfg.layers; l++)
          for (let d = 0; d < cfg.dirs; d++) {
            const sfx = `l${l}${d ? '_reverse' : ''}`;
            expected.push(`weight_ih_${sfx}`, `weight_hh_${sfx}`, ...(cfg.bias ? [`bias_ih_${sfx}`, `bias_hh_${sfx}`] : []));
          }
        expect(names).toEqual(expected.sort());
        for (const [name, t] of layer.namedParameters()) {
          const l = Number(/l(\d)/.exec(name)![1]);
          const inF = l === 0 ? cfg.input : cfg.hidden * cfg.dirs;
          expect(t.shape, name).toEqual(name.startsWith('bias') ? [G * cfg.hidden] : [G * cfg.hidden, name.includes('_ih_') ? inF : cfg.hidden]);
        }
        const xShape = cfg.batchFirst ? [N, T, cfg.input] : [T, N, cfg.input];
        const stShape = [cfg.layers * cfg.dirs, N, cfg.hidden];
        const inputs: GradInput[] = [{ shape: xShape, lo: -2, hi: 2, name: 'x' }];
        if (cfg.withState) {
          inputs.push({ shape: stShape, name: 'h0' });
          if (kind === 'lstm') inputs.push({ shape: stShape, name: 'c0' });
        }
        checkModuleGrad(layer, {
          what: `${kind} ${describeCfg(cfg)}`,
          inputs,
          // the gradient reaching the outputs' backward: contiguous, a transposed or a stride-0 view
          gradLayout: GRAD_LAYOUTS[ci % 3],
          ref: ([x, h0, c0], p) => rnnRef(cfg, x, xShape, p, h0 ?? null, c0 ?? null),
          op: ([x, h0, c0]) => {
            if (layer instanceof tl.nn.LSTM) {
              const [out, [h, c]] = layer.forward(x, cfg.withState ? [h0, c0] : undefined);
              return [out, h, c];
            }
            const [out, h] = (layer as tl.nn.GRU).forward(x, cfg.withState ? h0 : undefined);
            return [out, h] as Tensor[];
          },
        });
      }),
    );
  });
