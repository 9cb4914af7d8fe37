// The CLI with images and distillation, run for real in child processes: `train images` on a
// class folder and on a pixel CSV, `distill` of an image model and of a ChurnModel (teacher and
// student side by side), and one-line errors for a missing folder and a model that cannot be
// distilled.
import { copyFileSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/boundary.js';

const t = tempDir('images-cli');
const folder = new URL('./fixtures/fashion-png', import.meta.url).pathname;
const digits = new URL('./fixtures/digits.csv', import.meta.url).pathname;

describe('tensorlift train images / distill', () => {
  it('trains on a folder of class folders and distills it into a narrower CNN', async () => {
    const model = t.path('fashion.safetensors'), student = t.path('student.safetensors');
    const r = await runCli(['train', 'images', '--data', folder, '--epochs', '2', '--out', model]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/epoch 2: loss \d\.\d+/);
    expect(r.stdout).toMatch(/trained in [\d.]+ s \(2 epochs\); held-out accuracy 0\.\d+ on 30 images\n\nsaved /);
    const d = await runCli(['distill', '--model', model, '--data', folder, '--test', folder, '--epochs', '1', '--out', student]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/teacher +173842 +\d+ +[\d.]+ +0\.\d{4}\nstudent +44014 +\d+ +[\d.]+ +0\.\d{4}/);
    const described = await runCli(['describe', '--model', student]);
    expect(described.stdout).toMatch(/residual CNN, width 12/);
  }, 240_000);

  it('trains on a CSV of pixel columns and scores it with predict', async () => {
    const model = t.path('digits.safetensors'), out = t.path('scored.csv');
    const data = t.path('digits.csv');
    copyFileSync(digits, data);
    const r = await runCli(['train', 'images', '--data', data, '--target', 'label', '--epochs', '2', '--out', model]);
    expect(r.code, r.stderr).toBe(0);
    const p = await runCli(['predict', '--model', model, '--in', data, '--out', out]);
    expect(p.code, p.stderr).toBe(0);
    const [header, first] = readFileSync(out, 'utf8').split('\n');
    expect(header).toMatch(/,px63,class,probability_0,.*,probability_9$/);
    expect(first.split(',')).toHaveLength(1 + 64 + 11);
  }, 240_000);

  it('says in one line what is wrong', async () => {
    const missing = await runCli(['train', 'images', '--data', t.path('nope')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toMatch(/^tensorlift: --data .*nope: no such file or folder$/);
    const noModel = await runCli(['distill', '--model', t.path('nope.safetensors'), '--data', digits]);
    expect(noModel.code).not.toBe(0);
    expect(noModel.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});

describe('serving an image model', () => {
  it('answers POST /predict with pixel arrays in the image field, and names a bad one', async () => {
    const { ImageClassifier } = (await import('../lib/index.js')).presets;
    const tl = await import('../lib/index.js');
    const rows = Array.from({ length: 40 }, (_, i) => ({ image: Array.from({ length: 16 }, (_, j) => ((i % 2 ? j : 15 - j) * 16 + (i % 5))), label: i % 2 ? 'up' : 'down' }));
    const model = await ImageClassifier.fit(rows, { imageShape: [1, 4, 4], epochs: 3, validation: 0 });
    const server = await tl.serve(model, { port: 0 });
    try {
      const ok = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: rows.slice(0, 4).map(({ image }) => ({ image })) }) });
      expect(ok.status).toBe(200);
      expect((await ok.json()).predictions).toEqual(model.predict(rows.slice(0, 4)));
      const bad = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [{ image: [1, 2, 3] }] }) });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatch(/field 'image' has 3 values, the model expects 16/);
    } finally {
      await server.close();
    }
  }, 60_000);
});
