// File scoring on worker threads (scoreFile's `workers`, `tensorlift predict --workers`):
// batches scored side by side and written in the order read, so the output is the file that
// scoring on one thread writes, byte for byte (fast reader, its fallback, JSON Lines, shards);
// data warnings summed as before; a bad row fails the run with the same one line and leaves
// no output; a text model too.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreFile } from '../lib/cli/score-file.js';
import * as tl from '../lib/index.js';
import { churnRows, runCli, smallModel, tempDir, toCsv } from './helpers/boundary.js';

const t = tempDir('score-workers');
let model: tl.presets.ChurnModel;
const rows = churnRows(400, 12);
const read = (name: string) => readFileSync(t.path(name), 'utf8');

beforeAll(async () => {
  model = await smallModel(churnRows(300, 7));
}, 60_000);

describe('scoreFile with workers', () => {
  it('writes the file that one thread writes, for every reader and format, in small batches', async () => {
    const plain = t.file('plain.csv', toCsv(rows));
    const odd = t.file('odd.csv', toCsv(rows).replace('\nc5,', '\nc5, ')); // the standard reader's path
    const jsonl = t.file('rows.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (const [input, out] of [[plain, 'plain'], [odd, 'odd'], [jsonl, 'jsonl']] as const) {
      const ext = out === 'jsonl' ? 'jsonl' : 'csv';
      await scoreFile(model, input, t.path(`${out}-0.${ext}`), { batchSize: 16 });
      const r = await scoreFile(model, input, t.path(`${out}-2.${ext}`), { batchSize: 16, workers: 2 });
      expect(r.rows).toBe(400);
      expect(read(`${out}-2.${ext}`)).toBe(read(`${out}-0.${ext}`));
    }
    await scoreFile(model, plain, t.path('shard.csv'), { batchSize: 7, workers: 3, shard: { index: 1, count: 3 } });
    await scoreFile(model, plain, t.path('shard-0.csv'), { batchSize: 7, shard: { index: 1, count: 3 } });
    expect(read('shard.csv')).toBe(read('shard-0.csv'));
  }, 60_000);

  it('sums the data warnings of every batch, as one thread does', async () => {
    const gappy = rows.map(({ spend: _s, ...r }, i) => (i % 2 ? r : { ...r, spend: rows[i].spend }));
    const input = t.file('gappy.jsonl', gappy.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const seen = (workers: number) => new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      scoreFile(model, input, t.path(`gappy-${workers}.jsonl`), { batchSize: 16, workers, missing: 'impute', onWarning: (m) => got.push(m) }).then(() => resolve(got), reject);
    });
    const one = await seen(0);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatch(/^200 rows .*lack column 'spend'/);
    expect(await seen(2)).toEqual(one);
    expect(read('gappy-2.jsonl')).toBe(read('gappy-0.jsonl'));
  }, 60_000);

  it('fails on a bad row with the one line one thread gives, and leaves no output', async () => {
    const bad = rows.map((r, i) => (i === 250 ? { id: r.id, tenure: r.tenure } : r));
    const input = t.file('bad.jsonl', bad.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const error = (workers: number) => scoreFile(model, input, t.path(`bad-${workers}.csv`), { batchSize: 16, workers }).then(() => 'no error', (e: Error) => e.message);
    const one = await error(0);
    expect(one).toMatch(/line 251/);
    expect(await error(2)).toBe(one);
    expect(() => read('bad-2.csv')).toThrow(/ENOENT/);
    await expect(scoreFile(model, input, t.path('x.csv'), { workers: -1 })).rejects.toThrow(/workers must be an integer from 0 to 256/);
  }, 60_000);

  it('scores a text model on workers from the command line, and refuses a bad --workers in one line', async () => {
    const reviews = (await tl.data.readTable(new URL('./fixtures/fine_foods_small.csv', import.meta.url).pathname)).rows;
    const sentiment = await tl.presets.SentimentModel.fit(reviews.slice(0, 400), { text: 'review', target: 'score', ensemble: 1, epochs: 2 });
    const file = t.path('sentiment.safetensors');
    await sentiment.save(file);
    const input = t.file('reviews.csv', toCsv(reviews.slice(400, 700).map((r) => ({ review: r.review }))));
    const a = await runCli(['predict', '--model', file, '--in', input, '--out', t.path('reviews-0.csv')]);
    const b = await runCli(['predict', '--model', file, '--in', input, '--out', t.path('reviews-2.csv'), '--workers', '2']);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(read('reviews-2.csv')).toBe(read('reviews-0.csv'));
    expect(read('reviews-2.csv').trim().split('\n')).toHaveLength(301);
    const bad = await runCli(['predict', '--model', file, '--in', input, '--out', t.path('x.csv'), '--workers', '-2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^tensorlift: .*--workers must be an integer from 0 up/);
  }, 120_000);
});
