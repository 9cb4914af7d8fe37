// The CLI with a multi-class propensity model (next best offer), run for real in child
// processes: train, predict writing the class and one probability column per class (CSV and
// JSON Lines), evaluate, describe, and the target errors in CLI words.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLines, offerRows, runCli, tempDir, toCsv } from './helpers/boundary.js';

const t = tempDir('propensity-cli');
const trainCsv = t.file('offers.csv', toCsv(offerRows(600, 11)));
const testCsv = t.file('offers-test.csv', toCsv(offerRows(200, 12)));
const modelFile = t.path('nbo.safetensors');
const classes = ['discount', 'keep', 'upgrade'];

describe('tensorlift train propensity (more than two classes)', () => {
  it('trains, reporting accuracy per network and out of fold', async () => {
    const r = await runCli(['train', 'propensity', '--data', trainCsv, '--target', 'offer', '--out', modelFile, '--ensemble', '2', '--epochs', '25', '--test', testCsv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/network 1\/2: \d+ epochs, accuracy 0\.\d+ on its held-out rows/);
    expect(r.stdout).toMatch(/trained 2 networks in [\d.]+ s; out-of-fold accuracy 0\.\d+, log loss \d\.\d+/);
    expect(r.stdout).toMatch(/test set .*offers-test\.csv:\nrows 200, 3 classes\naccuracy 0\.\d+ {3}top-2 accuracy/);
  }, 120_000);

  it('predict writes the most likely class and one probability per class', async () => {
    const out = t.path('scored.csv');
    const r = await runCli(['predict', '--model', modelFile, '--in', testCsv, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe(`id,tenure,spend,plan,region,offer,class,${classes.map((c) => `probability_${c}`).join(',')}`);
    expect(lines).toHaveLength(200);
    for (const line of lines) {
      const cells = line.split(',');
      const p = cells.slice(-3).map(Number);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(cells.at(-4)).toBe(classes[p.indexOf(Math.max(...p))]);
    }
    const jsonl = t.path('scored.jsonl');
    const renamed = await runCli(['predict', '--model', modelFile, '--in', testCsv, '--out', jsonl, '--column', 'next_offer']);
    expect(renamed.code, renamed.stderr).toBe(0);
    const first = JSON.parse(readFileSync(jsonl, 'utf8').split('\n')[0]);
    expect(Object.keys(first).slice(-4)).toEqual(['next_offer', ...classes.map((c) => `probability_${c}`)]);
    expect(classes).toContain(first.next_offer);
    expect(typeof first.probability_keep).toBe('number');
  });

  it('evaluate prints accuracy, top-k, macro F1 and a row per class; describe says what the model is', async () => {
    const e = await runCli(['evaluate', '--model', modelFile, '--data', testCsv]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^rows 200, 3 classes\naccuracy 0\.\d+ {3}top-2 accuracy 0\.\d+ {3}macro F1 0\.\d+ {3}log loss \d\.\d+\n\nclass +support +precision +recall +F1 +top-decile lift\ndiscount /);
    const d = await runCli(['describe', '--model', modelFile]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^PropensityModel \(kind 'propensity'\): the most likely 'offer' of 3 classes \(column 'class'\)/);
    expect(d.stdout).toMatch(/trained on 600 rows \(\d+ 'discount', \d+ 'keep', \d+ 'upgrade'\); 2 networks/);
    const imp = await runCli(['importance', '--model', modelFile, '--data', testCsv, '--top', '2']);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/^ {2}1\. \w+ +AUC drop -?\d\.\d{4}\n {2}2\. /);
  });

  it('a yes/no target with --positive trains as the churn model does', async () => {
    const data = t.file('yn.csv', toCsv(offerRows(300, 13).map((r) => ({ ...r, offer: r.offer === 'upgrade' ? 'took' : 'declined' }))));
    const r = await runCli(['train', 'propensity', '--data', data, '--target', 'offer', '--positive', 'took', '--out', t.path('yn.safetensors'), '--ensemble', '2', '--epochs', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/out-of-fold ROC AUC 0\.\d+/);
    const p = await runCli(['predict', '--model', t.path('yn.safetensors'), '--in', data, '--out', '-']);
    expect(p.stdout.split('\n')[0]).toBe('id,tenure,spend,plan,region,offer,probability');
  });

  const failures: [string, string[], RegExp][] = [
    ['too many classes for --max-classes', ['train', 'propensity', '--data', trainCsv, '--target', 'offer', '--max-classes', '2'], /^tensorlift: target: 'offer' has 3 distinct values; a classifier learns at most 2 classes \(--max-classes\); is it an identifier\?$/],
    ['a numeric quantity as target', ['train', 'propensity', '--data', trainCsv, '--target', 'spend'], /^tensorlift: target: 'spend' is numeric with \d+ distinct values, a quantity rather than classes/],
    ['--positive with more classes', ['train', 'propensity', '--data', trainCsv, '--target', 'offer', '--positive', 'keep'], /^tensorlift: --positive is for a yes\/no target, and 'offer' has more than two values$/],
    ['predict into a file that has a probability column already', ['predict', '--model', modelFile, '--in', t.file('taken.csv', toCsv(offerRows(5, 1).map((r) => ({ ...r, probability_keep: '1' })))), '--out', t.path('x.csv')], /already has a column named 'probability_keep'$/],
  ];
  for (const [name, args, why] of failures)
    it(`fails in one line: ${name}`, async () => {
      const r = await runCli(args);
      expect(r.code).not.toBe(0);
      const lines = errorLines(r);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(why);
    });
});
