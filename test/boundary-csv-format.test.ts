// File formats at the data boundary: delimiters (sniffed or given), BOM, CRLF, empty and
// header-only files, ragged rows, quotes never closed, bytes that are not UTF-8 (an error naming
// the line, never silent replacement) and named encodings, and JSON Lines. Every problem is a
// rejected promise with one line naming the file and, where there is one, the line.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { scoreFile } from '../lib/cli/score-file.js';
import { churnRows, smallModel, tempDir, toCsv } from './helpers/boundary.js';

const t = tempDir('format');
const rows = [{ id: '1', name: 'a, b', v: '2.5' }, { id: '2', name: 'x', v: '3' }];
const read = (name: string, content: string | Buffer, opts?: tl.data.ReadOptions) => tl.data.readTable(t.file(name, content), opts);
const oneLine = async (p: Promise<unknown>, pattern: RegExp) => {
  const e = await p.then(() => undefined, (err: Error) => err);
  expect(e, 'must reject').toBeInstanceOf(tl.data.InputError);
  expect(e!.message).toMatch(pattern);
  expect(e!.message).not.toContain('\n');
};

describe('delimiters', () => {
  for (const [name, d] of [['comma', ','], ['semicolon', ';'], ['tab', '\t'], ['pipe', '|']] as const)
    it(`sniffs ${name}-separated files from the header`, async () => {
      const table = await read(`${name}.csv`, toCsv(rows, d));
      expect(table.columns).toEqual(['id', 'name', 'v']);
      expect(table.rows).toEqual(rows);
    });

  it('ignores delimiters inside quoted header names, and a one-column file is one column', async () => {
    expect((await read('quoted.csv', '"a;b;c",d\n1,2\n')).columns).toEqual(['a;b;c', 'd']);
    expect((await read('single.csv', 'score\n1\n2\n')).rows).toEqual([{ score: '1' }, { score: '2' }]);
  });

  it('takes a given delimiter over the sniffed one, by character or by name', async () => {
    const text = 'a;b,c\n1;2,3\n';
    expect((await read('given.csv', text)).columns).toEqual(['a;b', 'c']);
    expect((await read('given.csv', text, { delimiter: ';' })).columns).toEqual(['a', 'b,c']);
    expect((await read('tabname.csv', 'a\tb\n1\t2\n', { delimiter: 'tab' })).rows).toEqual([{ a: '1', b: '2' }]);
    await oneLine(read('bad.csv', text, { delimiter: ';;' }), /delimiter must be one character/);
  });

  it('scores a ;-separated file exactly like the comma-separated one (not one constant probability)', async () => {
    const model = await smallModel();
    const data = churnRows(200, 9);
    const comma = t.file('score-comma.csv', toCsv(data)), semi = t.file('score-semi.csv', toCsv(data, ';'));
    await scoreFile(model, comma, t.path('out-comma.csv'));
    await scoreFile(model, semi, t.path('out-semi.csv'));
    const scores = (f: string, d: string) => readFileSync(t.path(f), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(d).at(-1)));
    const a = scores('out-comma.csv', ','), b = scores('out-semi.csv', ';');
    expect(b).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(100);
    expect(readFileSync(t.path('out-semi.csv'), 'utf8').split('\n')[0]).toBe('id;tenure;spend;plan;region;churn;probability');
  });
});

describe('BOM, line endings, empty files', () => {
  it('accepts a UTF-8 BOM and CRLF line endings', async () => {
    const table = await read('bom-crlf.csv', '\ufeff' + toCsv(rows, ',', '\r\n'));
    expect(table.columns).toEqual(['id', 'name', 'v']);
    expect(table.rows).toEqual(rows);
    expect(table.lines).toEqual([2, 3]);
    expect((await read('cr-semi.csv', '\ufeffa;b\r\n1;2\r\n')).rows).toEqual([{ a: '1', b: '2' }]);
  });

  it('rejects an empty file, one holding only a BOM, only blank lines, or only a header', async () => {
    await oneLine(read('empty.csv', ''), /empty\.csv is empty \(no header row\)/);
    await oneLine(read('bom-only.csv', '\ufeff'), /bom-only\.csv is empty/);
    await oneLine(read('bom-bytes.csv', Buffer.from([0xef, 0xbb, 0xbf])), /bom-bytes\.csv is empty/);
    await oneLine(read('blank.csv', '\n\r\n  \n'), /blank\.csv is empty/);
    await oneLine(read('header.csv', 'a,b\r\n'), /header\.csv has a header but no data rows/);
  });
});

describe('malformed CSV', () => {
  it('names the line of a ragged row, longer or shorter', async () => {
    await oneLine(read('long.csv', 'a,b\n1,2\n3,4,5\n'), /long\.csv line 3: ragged row: 3 fields where the header has 2/);
    await oneLine(read('short.csv', 'a,b,c\n1,2,3\n4,5\n'), /short\.csv line 3: ragged row: 2 fields where the header has 3/);
  });

  it('names where a quote that is never closed starts', async () => {
    await oneLine(read('quote.csv', 'a,b\n1,2\n3,"four\n5,6\n'), /quote\.csv: a quoted field \(column 'b'\) that starts after line 2 is never closed/);
    await oneLine(read('stray.csv', 'a,b\n1,x"y\n'), /stray\.csv line 2: /);
  });

  it('rejects empty, duplicate and unusable header names', async () => {
    await oneLine(read('dup.csv', 'a,a\n1,2\n'), /dup\.csv line 1: column 'a' appears twice/);
    await oneLine(read('dup-trim.csv', 'a, a\n1,2\n'), /dup-trim\.csv line 1: column 'a' appears twice/);
    await oneLine(read('proto.csv', '__proto__,b\n1,2\n'), /proto\.csv line 1: '__proto__' cannot be a column name/);
    await oneLine(read('noname.csv', 'a,,c\n1,2,3\n'), /noname\.csv line 1: column 2 has an empty name/);
  });
});

describe('files that are not text', () => {
  it('names a gzip file, a ZIP archive (an .xlsx workbook) and a binary file for what they are', async () => {
    const { gzipSync } = await import('node:zlib');
    await oneLine(read('data.csv.gz', gzipSync('a,b\n1,2\n')), /data\.csv\.gz is gzip-compressed; decompress it first/);
    await oneLine(read('book.xlsx', Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1')), /book\.xlsx is a ZIP archive \(an Excel workbook\?\)/);
    await oneLine(read('blob.bin', Buffer.from([0x61, 0x0a, 0x80, 0x81, 0xfe, 0x0a])), /blob\.bin line 2: byte 0x80 is not UTF-8/);
  });
});

describe('encodings', () => {
  const latin1 = Buffer.concat([Buffer.from('city,n\nParis,1\n'), Buffer.from([0x4d, 0x6f, 0x6e, 0x74, 0x72, 0xe9, 0x61, 0x6c]), Buffer.from(',2\n')]);

  it('rejects bytes that are not UTF-8, naming the line and the way out', async () => {
    await oneLine(read('latin1.csv', latin1), /latin1\.csv line 3: byte 0xE9 is not UTF-8; .*encoding: 'latin1'/);
  });

  it('names the right line far into a file (past read-chunk boundaries)', async () => {
    const body = Buffer.from('k,v\n' + 'x,é€\n'.repeat(40_000));
    await oneLine(read('deep.csv', Buffer.concat([body, Buffer.from([0x6f, 0x2c, 0xff, 0x0a])])), /deep\.csv line 40002: byte 0xFF/);
    await oneLine(read('cut.csv', Buffer.concat([Buffer.from('k,v\nx,'), Buffer.from([0xe2, 0x82])])), /cut\.csv line 2: byte 0xE2 is not UTF-8/);
    await oneLine(read('surrogate.csv', Buffer.concat([Buffer.from('k,v\nx,'), Buffer.from([0xed, 0xa0, 0x80, 0x0a])])), /surrogate\.csv line 2/);
  });

  it('keeps multi-byte characters that straddle read chunks whole', async () => {
    // 64 KiB reads: put 'é' (2 bytes) and '€' (3 bytes) across every boundary offset near 65536.
    for (let pad = 65529; pad <= 65536; pad++) {
      const text = 'k,v\n' + 'a'.repeat(pad - 4) + ',é€\n' + 'b,ü\n';
      const table = await read(`straddle-${pad}.csv`, text);
      expect(table.rows.map((r) => r.v)).toEqual(['é€', 'ü']);
    }
  });

  it('reads a named encoding: latin1 (as Windows-1252, what Excel writes), utf-16le', async () => {
    expect((await read('latin1-ok.csv', latin1, { encoding: 'latin1' })).rows[1].city).toBe('Montréal');
    expect((await read('cp1252.csv', Buffer.from([0x61, 0x0a, 0x80, 0x0a]), { encoding: 'windows-1252' })).rows[0].a).toBe('€');
    const utf16 = Buffer.from('\ufeffa;b\r\n1;ü\r\n', 'utf16le');
    await oneLine(read('utf16.csv', utf16), /utf16\.csv is UTF-16 text; .*encoding: 'utf-16le'/);
    expect((await read('utf16.csv', utf16, { encoding: 'utf-16le' })).rows).toEqual([{ a: '1', b: 'ü' }]);
    await oneLine(read('x.csv', 'a\n1\n', { encoding: 'klingon' }), /unknown encoding 'klingon'/);
  });
});

describe('JSON Lines', () => {
  it('reads objects one per line, with a BOM, CRLF and blank lines, keys in order of appearance', async () => {
    const table = await read('ok.jsonl', '\ufeff{"a":1,"b":"x"}\r\n\r\n{"a":2.5,"c":null}\n{"b":true}');
    expect(table.columns).toEqual(['a', 'b', 'c']);
    expect(table.rows).toEqual([{ a: 1, b: 'x' }, { a: 2.5, c: null }, { b: true }]);
    expect(table.lines).toEqual([1, 3, 4]);
    expect((await read('events.log', '{"a":1}\n', { format: 'jsonl' })).rows).toEqual([{ a: 1 }]);
  });

  it('names the line of invalid JSON, a non-object, a nested value, and rejects an empty file', async () => {
    await oneLine(read('bad.jsonl', '{"a":1}\n{a:1}\n'), /bad\.jsonl line 2: not valid JSON/);
    await oneLine(read('array.jsonl', '{"a":1}\n[1,2]\n'), /array\.jsonl line 2: expected an object of column values, got an array/);
    await oneLine(read('scalar.jsonl', '3\n'), /scalar\.jsonl line 1: expected an object of column values, got 3/);
    await oneLine(read('nested.jsonl', '{"a":{"b":1}}\n'), /nested\.jsonl line 1, column 'a': an object; column values are/);
    await oneLine(read('empty.jsonl', '\n\n'), /empty\.jsonl is empty \(no JSON objects\)/);
    await oneLine(read('latin.jsonl', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])), /latin\.jsonl line 1: byte 0xE9 is not UTF-8/);
  });
});

describe('scoring files in other formats', () => {
  let model: tl.presets.ChurnModel;
  beforeAll(async () => {
    model = await smallModel();
  });

  it('scores JSON Lines into JSON Lines, and CSV into the format the output name says', async () => {
    const data = churnRows(30, 4);
    const input = t.file('in.jsonl', data.map((r) => JSON.stringify({ ...r, tenure: Number(r.tenure) })).join('\n'));
    await scoreFile(model, input, t.path('out.jsonl'));
    const out = readFileSync(t.path('out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(30);
    expect(out[0].probability).toBeCloseTo(model.predict([data[0]])[0], 6);
    await scoreFile(model, t.file('in2.csv', toCsv(data)), t.path('out2.jsonl'));
    expect(JSON.parse(readFileSync(t.path('out2.jsonl'), 'utf8').split('\n')[0]).id).toBe('c0');
    // JSON Lines into CSV: one header (the first record's keys) for every batch, whatever the key order.
    const shuffled = data.map((r, i) => (i % 2 ? Object.fromEntries(Object.entries(r).reverse()) : r));
    await scoreFile(model, t.file('keys.jsonl', shuffled.map((r) => JSON.stringify(r)).join('\n')), t.path('keys.csv'), { batchSize: 3 });
    const csv = await tl.data.readCsv(t.path('keys.csv'));
    expect(csv.columns).toEqual(['id', 'tenure', 'spend', 'plan', 'region', 'churn', 'probability']);
    expect(csv.rows.map((r) => r.id)).toEqual(data.map((r) => r.id));
  });

  it('rejects a header-only input instead of writing an empty output', async () => {
    await oneLine(scoreFile(model, t.file('only-header.csv', 'id,tenure,spend,plan,region\n'), t.path('none.csv')), /only-header\.csv has a header but no data rows; nothing to score/);
    await oneLine(scoreFile(model, t.file('blank.jsonl', '\n'), t.path('none.csv')), /blank\.jsonl has no records; nothing to score/);
  });
});
