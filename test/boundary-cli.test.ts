// The command line at the data boundary, run for real in child processes: every failure is
// exit code != 0 and one line "tensorlift: ..." in CLI words (--positive yes, not
// { positive: 'yes' }), no stack trace unless DEBUG=tensorlift; paths are checked before any
// work; nothing saved before is lost; --version, --out -, and the ensemble's progress.
import { readFileSync, readdirSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { type CliResult, churnRows, errorLines, runCli, smallModel, tempDir, toCsv } from './helpers/boundary.js';

const t = tempDir('cli');
const rows = churnRows(300, 7);
const trainCsv = t.file('train.csv', toCsv(rows));
const testCsv = t.file('test.csv', toCsv(churnRows(120, 8)));
const modelFile = t.path('model.safetensors');
const fast = ['--ensemble', '2', '--epochs', '2'];

/** A failure: non-zero exit, exactly one line on stderr that starts "tensorlift: " and matches. */
function expectOneLineFailure(r: CliResult, pattern: RegExp): void {
  const lines = errorLines(r);
  expect(r.code, r.stderr).not.toBe(0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tensorlift: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/\{ \w+: /); // API syntax such as { positive: '...' }
}

beforeAll(async () => {
  await (await smallModel(rows)).save(modelFile);
});

describe('the CLI', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });

  const dir = t.path('a-dir');
  mkdirSync(dir);
  symlinkSync(dir, t.path('dir-link.csv'));
  const f = (name: string, content: string | Buffer) => t.file(name, content);
  const cases: [string, () => string[], RegExp][] = [
    ['--data missing', () => ['train', 'churn', '--data', t.path('nope.csv'), '--target', 'churn'], /--data: cannot read .*nope\.csv: no such file or directory/],
    ['--data a directory', () => ['train', 'churn', '--data', dir, '--target', 'churn'], /--data: cannot read .*a-dir: it is a directory/],
    ['--data a link to a directory', () => ['train', 'churn', '--data', t.path('dir-link.csv'), '--target', 'churn'], /dir-link\.csv: it is a directory/],
    ['--data empty', () => ['train', 'churn', '--data', f('empty.csv', ''), '--target', 'churn'], /empty\.csv is empty/],
    ['--data only a BOM', () => ['train', 'churn', '--data', f('bom.csv', '\ufeff'), '--target', 'churn'], /bom\.csv is empty/],
    ['--data ragged', () => ['train', 'churn', '--data', f('ragged.csv', 'a,churn\n1,yes\n2,no,3\n'), '--target', 'churn'], /ragged\.csv line 3: ragged row/],
    ['--data with an unclosed quote', () => ['train', 'churn', '--data', f('quote.csv', 'a,churn\n1,"yes\n'), '--target', 'churn'], /quote\.csv: a quoted field .* is never closed/],
    ['--data not UTF-8', () => ['train', 'churn', '--data', f('latin.csv', Buffer.from('a,churn\ncaf\xe9,yes\n', 'latin1')), '--target', 'churn'], /latin\.csv line 2: byte 0xE9 is not UTF-8; .*--encoding latin1/],
    ['--target absent', () => ['train', 'churn', '--data', trainCsv, '--target', 'gone'], /target: column 'gone' is not in the data/],
    ['--target with one class', () => ['train', 'churn', '--data', f('one.csv', toCsv(rows.map((r) => ({ ...r, churn: 'no' })))), '--target', 'churn'], /found 1: 'no'/],
    ['--target needing --positive', () => ['train', 'churn', '--data', f('gs.csv', toCsv(rows.map((r) => ({ ...r, churn: r.churn === 'yes' ? 'Gold tier' : 'silver' })))), '--target', 'churn'], /pass --positive 'Gold tier' \(or the other value\)/],
    ['--positive not a value', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--positive', 'si'], /positive class 'si' is not a value of 'churn'/],
    ['an unknown preset', () => ['train', 'lifetime', '--data', trainCsv, '--target', 'churn'], /unknown preset 'lifetime'/],
    ['a missing required option', () => ['train', 'churn', '--target', 'churn'], /required option '--data <file>' not specified/],
    ['train without --target', () => ['train', 'churn', '--data', trainCsv], /train churn: --target is required/],
    ['an option of another preset', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--max-classes', '5'], /train churn does not take --max-classes \(it takes --target, --positive, /],
    ['--no-trees for a preset without them', () => ['train', 'segments', '--data', trainCsv, '--no-trees'], /train segments does not take --no-trees/],
    ['describe --model not a model', () => ['describe', '--model', trainCsv], /train\.csv is not a valid safetensors file/],
    ['an unknown option', () => ['predict', '--model', modelFile, '--in', testCsv, '--out', t.path('o.csv'), '--colum', 'p'], /unknown option '--colum'/],
    ['--ensemble 0', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--ensemble', '0'], /--ensemble must be an integer from 1 to 20/],
    ['--delimiter of two characters', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--delimiter', ';;'], /--delimiter must be one character/],
    ['--encoding unknown', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--encoding', 'klingon'], /unknown encoding 'klingon'/],
    ['--out a directory', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--out', dir], /--out: cannot write .*a-dir: it is a directory/],
    ['--out the training file', () => ['train', 'churn', '--data', trainCsv, '--target', 'churn', '--out', trainCsv], /is the same file as --data; saving would overwrite it/],
    ['--test lacking a feature column (found before training)', () => ['train', 'churn', '--data', trainCsv, '--test', f('t-lack.csv', toCsv(rows.map(({ tenure: _t, ...r }) => r))), '--target', 'churn'], /--test .*t-lack\.csv lacks a column of --data: 'tenure'/],
    ['--data a gzip file', () => ['train', 'churn', '--data', f('d.csv.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])), '--target', 'churn'], /d\.csv\.gz is gzip-compressed/],
    ['predict --model missing', () => ['predict', '--model', t.path('none.safetensors'), '--in', testCsv, '--out', t.path('o.csv')], /--model: cannot read .*none\.safetensors: no such file/],
    ['predict --model not a model', () => ['predict', '--model', trainCsv, '--in', testCsv, '--out', t.path('o.csv')], /train\.csv is not a valid safetensors file/],
    ['predict --in a directory', () => ['predict', '--model', modelFile, '--in', dir, '--out', t.path('o.csv')], /--in: cannot read .*a-dir: it is a directory/],
    ['predict --in lacking columns', () => ['predict', '--model', modelFile, '--in', f('lack.csv', toCsv(rows.map(({ spend: _s, ...r }) => r))), '--out', t.path('o.csv')], /lack\.csv lacks a column the model was trained on: 'spend'; add it, or pass --impute-missing/],
    ['predict --in header-only', () => ['predict', '--model', modelFile, '--in', f('head.csv', 'id,tenure,spend,plan,region\n'), '--out', t.path('o.csv')], /head\.csv has a header but no data rows; nothing to score/],
    ['predict --out in a missing directory', () => ['predict', '--model', modelFile, '--in', testCsv, '--out', t.path('nodir/o.csv')], /--out: cannot write .*nodir\/o\.csv: the directory .*nodir does not exist/],
    ['predict --out the input', () => ['predict', '--model', modelFile, '--in', testCsv, '--out', testCsv], /same file as --in/],
    ['evaluate on one class', () => ['evaluate', '--model', modelFile, '--data', f('no.csv', toCsv(rows.filter((r) => r.churn === 'no')))], /every row has 'churn' = 'no'/],
    ['importance --data missing', () => ['importance', '--model', modelFile, '--data', t.path('x.csv')], /--data: cannot read .*x\.csv: no such file/],
  ];
  for (const [name, args, pattern] of cases)
    it(`fails in one line with exit code != 0: ${name}`, async () => {
      expectOneLineFailure(await runCli(args()), pattern);
    });

  it('describe prints what a saved model predicts, from which columns, trained on what', async () => {
    const r = await runCli(['describe', '--model', modelFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ChurnModel \(kind 'churn'\): P\(churn = 'yes'\) per row \(column 'probability'\)\ninputs: 4 columns: tenure \(numeric\), spend \(numeric\), plan \(categorical\), region \(categorical\)\ntrained on 300 rows/);
  });

  it('prints a stack trace only with DEBUG=tensorlift', async () => {
    const args = ['train', 'churn', '--data', dir, '--target', 'churn'];
    const r = await runCli(args, { env: { DEBUG: 'tensorlift' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tensorlift: --data: cannot read/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });

  it('train --out in a missing directory fails before training starts', async () => {
    const r = await runCli(['train', 'churn', '--data', trainCsv, '--target', 'churn', '--out', t.path('no/such/dir/m.safetensors')]);
    expectOneLineFailure(r, /the directory .*no\/such\/dir does not exist/);
    expect(r.stderr).not.toMatch(/training|network/);
  });

  it('a failed run keeps what was saved before: the model file and the previous scores', async () => {
    const model = readFileSync(modelFile);
    const out = t.file('kept.csv', 'id,probability\nold,0.5\n');
    expectOneLineFailure(await runCli(['train', 'churn', '--data', trainCsv, '--target', 'gone', '--out', modelFile]), /'gone'/);
    expect(readFileSync(modelFile).equals(model)).toBe(true);
    const bad = t.file('bad-row.csv', toCsv(churnRows(50, 1)).replace(/\n(c9,)\d+/, '\n$1twelve'));
    expectOneLineFailure(await runCli(['predict', '--model', modelFile, '--in', bad, '--out', out]), /bad-row\.csv line 11, column 'tenure': 'twelve' is not a number/);
    expect(readFileSync(out, 'utf8')).toBe('id,probability\nold,0.5\n');
    expect(readdirSync(t.dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('trains, telling which network of the ensemble it is on; predicts ;-separated and latin1 files', async () => {
    const out = t.path('cli-model.safetensors');
    const r = await runCli(['train', 'churn', '--data', trainCsv, '--target', 'churn', '--out', out, ...fast]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/network 1\/2: training\n[^]*network 2\/2: training/);
    expect(r.stdout).toMatch(/out-of-fold ROC AUC 0\.\d+[^]*saved /);
    const semi = t.file('semi.csv', toCsv(rows, ';'));
    const p = await runCli(['predict', '--model', out, '--in', semi, '--out', t.path('semi-out.csv')]);
    expect(p.code, p.stderr).toBe(0);
    const scores = readFileSync(t.path('semi-out.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';').at(-1)));
    expect(new Set(scores).size).toBeGreaterThan(50);
    const latin = t.file('latin-in.csv', Buffer.from(toCsv(rows.map((r, i) => ({ ...r, region: i % 2 ? 'Montréal' : r.region }))), 'latin1'));
    expect((await runCli(['predict', '--model', out, '--in', latin, '--out', t.path('l.csv')])).code).toBe(1);
    const ok = await runCli(['predict', '--model', out, '--in', latin, '--out', t.path('l.csv'), '--encoding', 'latin1']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(t.path('l.csv'), 'utf8')).toContain('Montréal');
    const tab = await runCli(['evaluate', '--model', out, '--data', t.file('tab.txt', toCsv(rows, '\t')), '--delimiter', 'tab']);
    expect(tab.stdout).toMatch(/ROC AUC 0\.\d+/);
  });

  it('--impute-missing scores rows lacking a column, with one warning', async () => {
    const lack = t.file('lack2.csv', toCsv(rows.map(({ plan: _p, ...r }) => r)));
    const r = await runCli(['predict', '--model', modelFile, '--in', lack, '--out', t.path('imp.csv'), '--impute-missing']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/warning/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/tensorlift: warning: 300 rows of .*lack2\.csv lack column 'plan' the model was trained on; imputed/);
  });

  it('--out - writes the scores to stdout and the messages to stderr', async () => {
    const r = await runCli(['predict', '--model', modelFile, '--in', testCsv, '--out', '-']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,tenure,spend,plan,region,churn,probability');
    expect(lines).toHaveLength(121);
    expect(r.stderr).toMatch(/scored 120 rows -> stdout/);
  });

  it('train --out - writes a model that loads', async () => {
    const r = await runCli(['train', 'churn', '--data', trainCsv, '--target', 'churn', '--out', '-', ...fast]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/saved to stdout/);
    const file = t.file('from-stdout.safetensors', r.stdoutBytes);
    const m = await tl.presets.ChurnModel.load(file);
    expect(m.predict(rows.slice(0, 3))).toHaveLength(3);
    expect(statSync(file).size).toBeGreaterThan(1000);
  });
});
