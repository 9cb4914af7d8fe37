// tl.distill and the presets' distill(): the distillation loss against an independent float64
// reference (softmax and Bernoulli KL at temperature T, plus the label loss) on fresh random
// logits, its gradient against central differences of that reference, a student that learns a
// frozen teacher, and ChurnModel.distill: one network in place of the ensemble, ROC AUC within
// 0.005 of it on the bundled mlc_churn test rows, a file that predicts identically.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { distillationLoss } from '../lib/train/distill.js';
import { useSeedPerTest } from './helpers/gradcheck.js';
import { uniform } from './helpers/random.js';
import { runCli, tempDir } from './helpers/boundary.js';

useSeedPerTest();
const t = tempDir('distill');

const logSoftmax = (x: number[]) => { const m = Math.max(...x); const l = Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0)) + m; return x.map((v) => v - l); };
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const bce = (z: number, y: number) => softplus(z) - y * z;

/** float64 reference of the loss for rows of student logits s, teacher logits t, labels y. */
function reference(s: number[][], tt: number[][], y: number[], T: number, alpha: number): number {
  const n = s.length, k = s[0].length;
  let soft = 0, hard = 0;
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      const p = 1 / (1 + Math.exp(-tt[i][0] / T));
      soft += bce(s[i][0] / T, p) - bce(tt[i][0] / T, p);
      hard += bce(s[i][0], y[i]);
    } else {
      const lt = logSoftmax(tt[i].map((v) => v / T)), ls = logSoftmax(s[i].map((v) => v / T));
      soft += lt.reduce((acc, l, j) => acc + Math.exp(l) * (l - ls[j]), 0);
      hard -= logSoftmax(s[i])[y[i]];
    }
  }
  return alpha * T * T * (soft / n) + (1 - alpha) * (hard / n);
}

const rows = (flat: Float32Array, k: number) => Array.from({ length: flat.length / k }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));

describe('distillationLoss', () => {
  for (const [k, T, alpha] of [[5, 3, 0.5], [3, 1, 0.9], [1, 2, 0.5], [1, 1, 0.3], [4, 4, 1], [2, 3, 0]] as const) {
    it(`matches the float64 reference and its gradient (${k} outputs, T ${T}, alpha ${alpha})`, () => {
      const n = 6;
      const s = uniform(n * k, -3, 3), te = uniform(n * k, -3, 3);
      const y = Array.from({ length: n }, (_, i) => (k === 1 ? i % 2 : (i * 7) % k));
      const combined = new Float32Array(n * (k + 1));
      for (let i = 0; i < n; i++) {
        combined[i * (k + 1)] = y[i];
        combined.set(te.subarray(i * k, (i + 1) * k), i * (k + 1) + 1);
      }
      const student = tl.tensor(s, { shape: [n, k], requiresGrad: true });
      const loss = distillationLoss(student, tl.tensor(combined, { shape: [n, k + 1] }), { temperature: T, alpha });
      expect(loss.item()).toBeCloseTo(reference(rows(s, k), rows(te, k), y, T, alpha), 4);
      loss.backward();
      const grad = student.grad!.dataSync();
      const base = Array.from(s, Number);
      for (let j = 0; j < n * k; j++) {
        const h = 1e-5, up = [...base], down = [...base];
        up[j] += h;
        down[j] -= h;
        const num = (reference(rows(Float32Array.from(up), k), rows(te, k), y, T, alpha) - reference(rows(Float32Array.from(down), k), rows(te, k), y, T, alpha)) / (2 * h);
        expect(Math.abs(grad[j] - num)).toBeLessThan(1e-4 + 1e-3 * Math.abs(num));
      }
    });
  }

  it('is zero on the teacher term when the student equals the teacher', () => {
    const te = uniform(12, -2, 2);
    const combined = new Float32Array(4 * 4);
    for (let i = 0; i < 4; i++) combined.set([0, ...te.subarray(i * 3, i * 3 + 3)], i * 4);
    const l = distillationLoss(tl.tensor(te, { shape: [4, 3] }), tl.tensor(combined, { shape: [4, 4] }), { alpha: 1 });
    expect(Math.abs(l.item())).toBeLessThan(1e-6);
  });
});

describe('tl.distill', () => {
  it('trains a smaller student to agree with a frozen teacher, and leaves the teacher as it was', async () => {
    const n = 512, f = 8;
    const x = tl.randn([n, f]);
    const teacher = new tl.nn.Sequential(new tl.nn.Linear(f, 32), new tl.nn.ReLU(), new tl.nn.Linear(32, 3));
    const y = tl.noGrad(() => teacher.forward(x).argmax(1)).cast('int32');
    const before = teacher.parameters().map((p) => Array.from(p.dataSync()));
    const student = new tl.nn.Sequential(new tl.nn.Linear(f, 8), new tl.nn.ReLU(), new tl.nn.Linear(8, 3));
    const out = await tl.distill(teacher, student, { x, y }, { epochs: 40, batchSize: 64, temperature: 2, alpha: 0.7, optimizer: new tl.optim.Adam(student.parameters(), { lr: 1e-2 }), progress: false });
    expect(out).toBe(student);
    const agree = tl.noGrad(() => student.forward(x).argmax(1).eq(teacher.forward(x).argmax(1)).cast('float32').mean().item());
    // Fresh random teacher and init each run: over 60 seeds an 8-unit student matched the
    // 32-unit teacher on 0.844-0.99 of rows (median 0.928); chance is about 1/3. A full-suite
    // run drew 0.846 under a bar of 0.85, so the bar sits below the measured tail.
    expect(agree).toBeGreaterThan(0.8);
    teacher.parameters().forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(before[i]));
    expect(teacher.parameters().every((p) => p.grad === null || p.grad === undefined)).toBe(true);
  });

  it("gives every submodule of the teacher its own mode back: a wrapper in training mode leaves the networks it wraps in inference mode", async () => {
    const inner = new tl.nn.Sequential(new tl.nn.Linear(4, 8), new tl.nn.Dropout(0.5), new tl.nn.Linear(8, 2)).eval();
    const wrapper = new tl.nn.Sequential(inner);
    wrapper.training = true; // a module made for the call starts in training mode, as new modules do
    const x = tl.randn([64, 4]), y = tl.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 2), { shape: [64] });
    await tl.distill(wrapper, new tl.nn.Linear(4, 2), { x, y }, { epochs: 1, progress: false });
    expect(wrapper.training).toBe(true);
    expect(inner.namedModules().every(([, m]) => !m.training)).toBe(true);
  });

  it('refuses bad options in one line', async () => {
    const m = new tl.nn.Linear(2, 2), s = new tl.nn.Linear(2, 2);
    const data = { x: tl.randn([4, 2]), y: tl.tensor([0, 1, 0, 1], { dtype: 'int32' }) };
    await expect(tl.distill(m, s, data, { temperature: 0 })).rejects.toThrow(/temperature must be a positive number/);
    await expect(tl.distill(m, s, data, { alpha: 2 })).rejects.toThrow(/alpha must be from 0 to 1/);
    await expect(tl.distill(m, m, data)).rejects.toThrow(/another model/);
  });
});

describe('ChurnModel.distill on mlc_churn (bundled)', () => {
  const [header, ...lines] = readFileSync(new URL('../data/mlc_churn.csv', import.meta.url), 'utf8').trim().split('\n');
  const names = header.split(',').map((h) => h.replace(/"/g, ''));
  const all = lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [names[j], v.replace(/"/g, '')])));
  const train = all.slice(0, 3333), test = all.slice(3333);
  let teacher: tl.presets.ChurnModel, student: tl.presets.ChurnModel;
  beforeAll(async () => {
    teacher = await tl.presets.ChurnModel.fit(train, { target: 'churn', seed: 3 });
    student = await teacher.distill({ data: train });
  }, 300_000);

  it('is one network of the same class, with ROC AUC within 0.005 of the ensemble on the test rows', async () => {
    expect(student).toBeInstanceOf(tl.presets.ChurnModel);
    expect(teacher.nets.length).toBe(5);
    expect(student.nets.length).toBe(1);
    const a = (await teacher.evaluate(test)).auc, b = (await student.evaluate(test)).auc;
    expect(b).toBeGreaterThan(a - 0.005);
    expect(student.describe()).toMatch(/1 network/);
  });

  it('reads only the columns the ensemble uses: each charge is a copy of its minutes, and rows without the dropped columns score the same', () => {
    const names = student.inputSchema.map((c) => c.name);
    for (const part of ['day', 'eve', 'night', 'intl']) {
      expect(names).toContain(`total_${part}_minutes`);
      expect(names).not.toContain(`total_${part}_charge`);
    }
    expect(names).toContain('international_plan');
    expect(names).toContain('number_customer_service_calls');
    expect(student.validation.dropped!.find((d) => d.column === 'total_day_charge')!.why).toMatch(/copy of 'total_day_minutes'/);
    expect(student.describe()).toMatch(/leaves out \d+ of the ensemble's columns/);
    const slim = test.slice(0, 100).map((r) => Object.fromEntries(names.map((n) => [n, r[n]])));
    expect(student.predict(slim)).toEqual(student.predict(test.slice(0, 100)));
    expect(() => teacher.predict(slim)).toThrow(/total_day_charge/);
  });

  it('distills from the command line, naming the columns left out, and refuses a bad --prune in one line', async () => {
    const model = t.path('cli-teacher.safetensors'), out = t.path('cli-student.safetensors');
    await teacher.save(model);
    const csv = new URL('../data/mlc_churn.csv', import.meta.url).pathname;
    const r = await runCli(['distill', '--model', model, '--data', csv, '--test', csv, '--epochs', '20', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the student reads \d+ of the ensemble's 19 columns; left out: .*total_day_charge/);
    expect(r.stdout).toMatch(/student\s+\d+\s+\d+/);
    const bad = await runCli(['distill', '--model', model, '--data', csv, '--prune', 'lots', '--out', t.path('bad.safetensors')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/prune must be a share/);
  }, 120_000);

  it('saves and loads to identical predictions', async () => {
    const path = t.path('student.safetensors');
    await student.save(path);
    const back = await tl.presets.ChurnModel.load(path);
    expect(back.predict(test.slice(0, 200))).toEqual(student.predict(test.slice(0, 200)));
  });

  it('learns from the teacher alone on rows without the target, and asks for data when given none', async () => {
    const unlabelled = train.slice(0, 1500).map(({ churn: _drop, ...r }) => r);
    const s = await teacher.distill({ data: unlabelled, epochs: 30 });
    expect((await s.evaluate(test)).auc).toBeGreaterThan(0.8);
    await expect(teacher.distill(undefined as never)).rejects.toThrow(/pass the rows to distill on/);
  }, 120_000);
});
