// The fast CSV reader used to score big files reads every file it accepts exactly as the
// standard reader (csv-parse) does: the same rows, line numbers and record text; a file it is
// unsure of it refuses, and scoring falls back to the standard reader (same output, same
// errors). --shard i/n splits the rows by row number so n jobs score each row exactly once.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreFile } from '../lib/cli/score-file.js';
import { CsvFastUnsupported, streamCsvFast } from '../lib/data/csv-fast.js';
import { readCsv, streamCsv } from '../lib/data/csv.js';
import type { presets } from '../lib/index.js';
import { churnRows, runCli, smallModel, tempDir, toCsv } from './helpers/boundary.js';

const t = tempDir('score-fast');
let n = 0;

async function both(text: string): Promise<{ fast: unknown; standard: unknown }> {
  const path = t.file(`f${n++}.csv`, text);
  const standard: unknown[] = [];
  let fast: unknown;
  try {
    for await (const r of streamCsv(path, { raw: true })) standard.push(r);
  } catch (e) {
    standard.push(`error: ${(e as Error).message}`);
  }
  try {
    const got: unknown[] = [];
    for await (const b of streamCsvFast(path, { batchSize: 3 })) b.rows.forEach((row, i) => got.push({ line: b.lines[i], row, raw: b.raws[i] }));
    fast = got;
  } catch (e) {
    if (!(e instanceof CsvFastUnsupported)) throw e;
    fast = 'unsupported';
  }
  return { fast, standard };
}

describe('the fast CSV reader', () => {
  const accepted: [string, string][] = [
    ['plain', 'a,b,c\n1,2,3\n4,5,6\n'],
    ['quoted fields with delimiters, quotes', 'a,b\n"x,y","say ""hi"""\n"one line",2\n3,""\n'],
    ['CRLF', 'a,b\r\n1,2\r\n"q",3\r\n'],
    ['a BOM and no final newline', '\ufeffa,b\n1,2\n3,4'],
    ['semicolons', 'a;b\n1,5;2\n'],
    ['empty fields', 'a,b,c\n,,\n1,,3\n'],
    ['tabs', 'a\tb\nx y\t2\n'],
    ['a header only', 'a,b\n'],
  ];
  for (const [name, text] of accepted)
    it(`reads ${name} as csv-parse does`, async () => {
      const { fast, standard } = await both(text);
      expect(fast).not.toBe('unsupported');
      expect(fast).toEqual(standard);
    });

  const refused: [string, string][] = [
    ['a ragged row', 'a,b\n1,2\n3\n'],
    ['a quote inside a bare field', 'a,b\n1,x"y\n'],
    ['text after a closing quote', 'a,b\n"x"y,2\n'],
    ['spaces around a field', 'a,b\n 1,2\n'],
    ['a quote never closed', 'a,b\n"1,2\n'],
    ['lone CR line ends', 'a,b\r1,2\r'],
    ['a duplicate header', 'a,a\n1,2\n'],
    ['empty lines', 'a,b\n\n1,2\n'],
    ['a line break inside quotes', 'a,b\n"multi\nline",2\n'],
  ];
  for (const [name, text] of refused)
    it(`refuses ${name}`, async () => {
      expect((await both(text)).fast).toBe('unsupported');
    });

  it('readCsv gives the table the standard reader gives, through the fast reader or its fallback, and reports the header once', async () => {
    for (const [, text] of [...accepted, ...refused]) {
      const path = t.file(`r${n++}.csv`, text);
      const standard: { rows: unknown[]; lines: number[] } = { rows: [], lines: [] };
      let expected: unknown;
      try {
        for await (const r of streamCsv(path)) {
          standard.rows.push(r.row);
          standard.lines.push(r.line);
        }
        expected = standard.rows.length ? standard : 'no data rows';
      } catch (e) {
        expected = `error: ${(e as Error).message}`;
      }
      const headers: string[][] = [];
      let got: unknown;
      try {
        const table = await readCsv(path, { onHeader: (c) => headers.push(c) });
        got = { rows: table.rows, lines: table.lines };
      } catch (e) {
        got = /has a header but no data rows$/.test((e as Error).message) ? 'no data rows' : `error: ${(e as Error).message}`;
      }
      expect(got, text).toEqual(expected);
      expect(headers.length, text).toBeLessThanOrEqual(1);
    }
  });

  it('agrees with csv-parse on random tables, or refuses them', async () => {
    const cell = fc.oneof(fc.constantFrom('', ' ', 'x', '1.5', '"', ',', '\n', '\r\n', 'a b', ' y', '""', 'é'), fc.string({ maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean(), async (cells, quoteAll, crlf) => {
        const field = (v: string) => (quoteAll || /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
        const text = ['h1,h2', ...cells.map((r) => r.map(field).join(','))].join(crlf ? '\r\n' : '\n') + '\n';
        const { fast, standard } = await both(text);
        if (fast !== 'unsupported') expect(fast).toEqual(standard);
      }),
      { numRuns: 150 },
    );
  });
});

describe('scoring files', () => {
  let model: presets.ChurnModel;
  const rows = churnRows(250, 11);
  beforeAll(async () => {
    model = await smallModel(churnRows(300, 7));
  });

  it('writes the same file by the fast and the standard reader', async () => {
    const plain = t.file('plain.csv', toCsv(rows));
    // A space after one comma sends the whole file to the standard reader.
    const odd = t.file('odd.csv', toCsv(rows).replace('\nc5,', '\nc5, '));
    await scoreFile(model, plain, t.path('plain-out.csv'), { onWarning: () => {} });
    await scoreFile(model, odd, t.path('odd-out.csv'), { onWarning: () => {} });
    const a = readFileSync(t.path('plain-out.csv'), 'utf8').split('\n'), b = readFileSync(t.path('odd-out.csv'), 'utf8').split('\n');
    expect(a.length).toBe(252);
    expect(a[0]).toBe('id,tenure,spend,plan,region,churn,probability');
    expect(b.filter((l, i) => l !== a[i].replace(/^c5,/, 'c5, '))).toEqual([]);
    expect(Number(a[1].split(',').at(-1))).toBeCloseTo(model.predict([rows[0]])[0], 12);
  });

  it('gives the standard errors for a file the fast reader refuses (line numbers included)', async () => {
    const bad = t.file('bad.csv', toCsv(rows).replace('\nc9,', '\nc9,x,'));
    await expect(scoreFile(model, bad, t.path('bad-out.csv'))).rejects.toThrow(/bad\.csv line 11: ragged row: 7 fields where the header has 6/);
  });

  it('--shard i/n: n jobs score every row exactly once, by row number', async () => {
    const input = t.file('all.csv', toCsv(rows));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await scoreFile(model, input, t.path(`s${i}.csv`), { shard: { index: i, count: 3 } });
      const lines = readFileSync(t.path(`s${i}.csv`), 'utf8').trim().split('\n');
      expect(lines[0]).toBe('id,tenure,spend,plan,region,churn,probability');
      ids.push(...lines.slice(1).map((l) => l.split(',')[0]));
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(rows.map((r) => r.id).filter((_, k) => k % 3 === i));
    }
    expect(ids.sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it('the CLI takes --shard and refuses a bad one in one line', async () => {
    const input = t.file('cli.csv', toCsv(rows));
    const file = t.path('m.safetensors');
    await model.save(file);
    const ok = await runCli(['predict', '--model', file, '--in', input, '--out', t.path('cli-1.jsonl'), '--shard', '1/4']);
    expect(ok.code, ok.stderr).toBe(0);
    const out = readFileSync(t.path('cli-1.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id).filter((_, k) => k % 4 === 1));
    expect(typeof out[0].probability).toBe('number');
    const bad = await runCli(['predict', '--model', file, '--in', input, '--out', t.path('x.csv'), '--shard', '4/4']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^tensorlift: .*--shard must be i\/n with 0 <= i < n/);
  });
});
