// LifetimeValueModel and Segmenter through the contract, as a user reaches them: tl.load
// gives the right class, and the CLI trains, scores (value + interval; segment), evaluates and
// describes them in child processes. Data: the bundled fixtures (see test/fixtures/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { runCli, tempDir } from './helpers/boundary.js';
import { repoRoot } from './helpers/dist.js';

const t = tempDir('value-segments-cli');
const survey = join(repoRoot, 'test', 'fixtures', 'customer_sat.csv');
const value = t.file('value.csv', readFileSync(join(repoRoot, 'test', 'fixtures', 'wa_churn_value.csv'), 'utf8').split('\n').slice(0, 601).join('\n') + '\n');

describe('the contract', () => {
  it('both presets are registered: tl.load restores them, and they score files per their output columns', async () => {
    const { rows } = await tl.data.readCsv(survey);
    const seg = await tl.presets.Segmenter.fit(rows.slice(0, 400), { k: 3, epochs: 5 });
    const path = t.path('seg.safetensors');
    await seg.save(path);
    const back = await tl.load(path, { as: tl.presets.Segmenter });
    expect(back.outputColumns().map((c) => c.name)).toEqual(['segment']);
    expect(back.score(rows.slice(0, 5))).toEqual(seg.predict(rows.slice(0, 5)).map((s) => [s]));
    expect(back.inputSchema.map((c) => c.type)).toEqual(new Array(10).fill('numeric'));
  }, 60_000);
});

describe('tensorlift train ltv | segments', () => {
  it('segments: train, predict (a segment column), describe', async () => {
    const model = t.path('segments.safetensors'), out = t.path('segments.csv');
    const trained = await runCli(['train', 'segments', '--data', survey, '--k', '3', '--out', model]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/found 3 segments in [\d.]+ s; silhouette 0\.\d+ in the input space/);
    const scored = await runCli(['predict', '--model', model, '--in', survey, '--out', out]);
    expect(scored.code, scored.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('q1,q2,q3,q4,q5,q6,q7,q8,q9,q10,segment');
    expect(new Set(lines.slice(1).map((l) => l.split(',').at(-1)))).toEqual(new Set(['0', '1', '2']));
    const described = await runCli(['describe', '--model', model]);
    expect(described.stdout).toMatch(/Segmenter \(kind 'segments'\): 3 segments/);
    const bad = await runCli(['train', 'segments', '--data', survey, '--k', '1', '--out', model]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n').pop()).toBe("tensorlift: --k must be 'auto' or a whole number from 2 to 50, got '1'");
  }, 120_000);

  it('ltv: train from a table, predict value + p10/p50/p90, evaluate; a log needs all four flags', async () => {
    const model = t.path('ltv.safetensors'), out = t.path('ltv.csv');
    const trained = await runCli(['train', 'ltv', '--data', value, '--target', 'total_charges', '--ensemble', '1', '--drop-missing', '--out', model]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/trained in [\d.]+ s; out-of-fold RMSE [\d.]+, Spearman 0\.\d+/);
    const scored = await runCli(['predict', '--model', model, '--in', value, '--out', out, '--impute-missing']);
    expect(scored.code, scored.stderr).toBe(0);
    const [header, first] = readFileSync(out, 'utf8').split('\n');
    expect(header.split(',').slice(-4)).toEqual(['value', 'p10', 'p50', 'p90']);
    const [v, p10, p50, p90] = first.split(',').slice(-4).map(Number);
    expect(v).toBeGreaterThan(0);
    expect(p10).toBeLessThanOrEqual(p50);
    expect(p50).toBeLessThanOrEqual(p90);
    const report = await runCli(['evaluate', '--model', model, '--data', value]);
    expect(report.stdout).toMatch(/rmse [\d.]+/);
    expect(report.stdout).toMatch(/spearman 0\.\d+/);
    const half = await runCli(['train', 'ltv', '--data', value, '--customer', 'a', '--out', model]);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toMatch(/train ltv: needs --target, or all of --customer, --time, --amount, --horizon-days \(missing --time, --amount, --horizon-days\)/);
  }, 180_000);
});
