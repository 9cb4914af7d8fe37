// The CLI with an uplift model, run for real in child processes: train uplift (with --test),
// evaluate (intervals and balance), predict (an `uplift` column), describe, plan (for a file,
// for the training rows, as JSON, within a budget), and the errors in CLI words.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { churnRows, errorLines, runCli, tempDir, toCsv } from './helpers/boundary.js';
// @ts-expect-error: a plain ES module without typings (shared with bench/quality-uplift.mjs)
import { simulateCampaign } from '../bench/uplift-sim.mjs';

const t = tempDir('uplift-cli');
const telco = (await tl.data.readCsv(new URL('./fixtures/wa_churn_value.csv', import.meta.url).pathname)).rows.slice(0, 1000);
const sim = simulateCampaign(telco, { seed: 4 }).map((d: { row: tl.data.Row }) => d.row);
const trainCsv = t.file('campaign.csv', toCsv(sim.slice(0, 800)));
const testCsv = t.file('campaign-test.csv', toCsv(sim.slice(800)));
const modelFile = t.path('uplift.safetensors');
const quick = ['--folds', '2', '--epochs', '15'];

describe('tensorlift train uplift', () => {
  it('trains, reporting each learner out of fold, and evaluates the --test file', async () => {
    const r = await runCli(['train', 'uplift', '--data', trainCsv, '--treatment', 'offer', '--outcome', 'bought', '--out', modelFile, '--test', testCsv, ...quick]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/learner tarnet: out-of-fold uplift-curve area -?0\.\d{4}, Qini -?0\.\d{4}/);
    expect(r.stderr).toMatch(/learner class-transformation: /);
    expect(r.stdout).toMatch(/trained in [\d.]+ s; kept (blend|tarnet|t-learner|class-transformation) \(tried tarnet -?0\.\d+, t-learner -?0\.\d+, class-transformation -?0\.\d+, blend -?0\.\d+\)/);
    expect(r.stdout).toMatch(/test set .*campaign-test\.csv:\nrows 200: \d+ treated, \d+ control\naverage effect \(treated - control\) -?0\.\d{4} {2}\[/);
    expect(r.stdout).toMatch(/uplift in the top 30% +-?0\.\d{4} {2}\[-?0\.\d{4}, -?0\.\d{4}\]/);
    expect(r.stdout).toMatch(/balance: \d+\.\d% treated; largest standardized difference/);
  }, 120_000);

  it('predict writes an uplift column; evaluate and describe read the file', async () => {
    const out = t.path('scored.csv');
    const p = await runCli(['predict', '--model', modelFile, '--in', testCsv, '--out', out]);
    expect(p.code, p.stderr).toBe(0);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header.split(',').at(-1)).toBe('uplift');
    expect(lines).toHaveLength(200);
    for (const line of lines) expect(Math.abs(Number(line.split(',').at(-1)))).toBeLessThan(1);
    const e = await runCli(['evaluate', '--model', modelFile, '--data', testCsv]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/Qini coefficient +-?0\.\d{4}/);
    const d = await runCli(['describe', '--model', modelFile]);
    expect(d.stdout).toMatch(/^UpliftModel \(kind 'uplift'\)/);
  }, 60_000);

  it('plan prints how many to contact and the curve, for a file or the training rows, or JSON', async () => {
    const r = await runCli(['plan', '--model', modelFile, '--data', testCsv, '--cost-per-contact', '1', '--value-per-conversion', '25']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^contact \d+ of 200 \(\d+\.\d%\), best-first by predicted uplift\nexpected incremental conversions -?\d+\.\d, cost [\d.]+, expected profit -?[\d.]+\nobserved in the data's own test: /);
    expect(r.stdout).toMatch(/share {2}contacts {2}incremental {2}observed {3}cost {2}profit\n {3}0% +0 +0\.0 +0\.0/);
    expect(r.stdout.trim().split('\n').filter((l) => /^ +\d+% /.test(l))).toHaveLength(11);
    const j = await runCli(['plan', '--model', modelFile, '--cost-per-contact', '2', '--value-per-conversion', '25', '--budget', '100', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const plan = JSON.parse(j.stdout);
    expect(plan.population).toBe(800);
    expect(plan.contacts).toBeLessThanOrEqual(50);
    expect(plan.curve.length).toBeGreaterThanOrEqual(101);
    expect(plan.basis).toMatch(/out-of-fold predicted uplift of the 800 training rows/);
  }, 60_000);

  it('errors in CLI words, one line each', async () => {
    const noTreatment = await runCli(['train', 'uplift', '--data', trainCsv, '--outcome', 'bought']);
    expect(noTreatment.code).not.toBe(0);
    expect(errorLines(noTreatment)).toEqual(['tensorlift: train uplift: --treatment is required']);
    const threeArms = t.file('three.csv', toCsv(sim.slice(0, 90).map((row: tl.data.Row, i: number) => ({ ...row, offer: ['email', 'sms', 'control'][i % 3] }))));
    const r3 = await runCli(['train', 'uplift', '--data', threeArms, '--treatment', 'offer', '--outcome', 'bought', '--out', t.path('x.safetensors')]);
    expect(errorLines(r3)).toEqual([expect.stringMatching(/^tensorlift: treatment: 'offer' must have two values \(treated and control\), found 3: 'email' \(30 rows\)/)]);
    const unclear = t.file('ab.csv', toCsv(sim.slice(0, 90).map((row: tl.data.Row, i: number) => ({ ...row, offer: i % 2 ? 'A' : 'B' }))));
    const rab = await runCli(['train', 'uplift', '--data', unclear, '--treatment', 'offer', '--outcome', 'bought', '--out', t.path('x.safetensors')]);
    expect(errorLines(rab)).toEqual([expect.stringMatching(/^tensorlift: treatment: cannot tell which value of 'offer' is the treated arm \('B' or 'A'\); pass --treated B \(or the other value\)$/)]);
    const foreign = await runCli(['train', 'uplift', '--data', trainCsv, '--treatment', 'offer', '--outcome', 'bought', '--target', 'bought']);
    expect(errorLines(foreign)[0]).toMatch(/^tensorlift: train uplift does not take --target/);
    const churnFlags = await runCli(['plan', '--model', modelFile, '--cost-per-contact', '1', '--value-per-saved', '3', '--offer-success-rate', '0.2']);
    expect(errorLines(churnFlags)).toEqual(['tensorlift: plan: --value-per-saved is for churn models; an uplift model takes --value-per-conversion']);
    const badCost = await runCli(['plan', '--model', modelFile, '--cost-per-contact', 'x', '--value-per-conversion', '3']);
    expect(errorLines(badCost)[0]).toMatch(/--cost-per-contact must be a non-negative number, got 'x'/);
  }, 120_000);

  it('plan with a churn model needs the assumed offer success rate, and prints it', async () => {
    const churnCsv = t.file('churn.csv', toCsv(churnRows(400)));
    const churnModel = t.path('churn.safetensors');
    expect((await runCli(['train', 'churn', '--data', churnCsv, '--target', 'churn', '--ensemble', '2', '--epochs', '4', '--out', churnModel])).code).toBe(0);
    const missing = await runCli(['plan', '--model', churnModel, '--data', churnCsv, '--cost-per-contact', '1', '--value-per-saved', '50']);
    expect(errorLines(missing)).toEqual(['tensorlift: plan: a churn model needs --value-per-saved and --offer-success-rate (the assumed share of contacted churners the offer keeps)']);
    const r = await runCli(['plan', '--model', churnModel, '--data', churnCsv, '--cost-per-contact', '1', '--value-per-saved', '50', '--offer-success-rate', '0.3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^contact \d+ of 400 \(\d+\.\d%\), highest P\(churn\) first\nexpected saved customers \d+\.\d, cost [\d.]+, expected profit -?[\d.]+\nASSUMPTION: assumes the offer keeps 30\.0% of contacted customers/);
  }, 120_000);
});
