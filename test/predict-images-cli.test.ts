// `tensorlift predict` of a CSV whose image column holds PNG / JPEG paths, run for real in a
// child process: paths relative to the CSV's folder (not the working directory), more rows
// than one asynchronous slice, the values of ImageClassifier.predictProbaAsync, and a
// one-line error naming the row and the path for a missing or a corrupt image (no output
// file left behind). The images are small generated PNGs (sharp writes them).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { ASYNC_SLICE } from '../lib/cli/score-file.js';
import { errorLines, runCli, tempDir } from './helpers/boundary.js';
import { TEST_SEED, makeRng } from './helpers/random.js';

const t = tempDir('predict-images');
const imgDir = t.path('imgs'), listDir = t.path('lists'), elsewhere = t.path('cwd');
const modelPath = t.path('shapes.safetensors');

/** An 8x8 greyscale PNG: a bright square on the left ('left') or on the right ('right'), with noise. */
async function png(kind: 'left' | 'right', rng: () => number): Promise<Buffer> {
  const px = Buffer.alloc(64);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) px[y * 8 + x] = Math.floor(rng() * 60) + ((kind === 'left') === x < 4 ? 180 : 0);
  return sharp(px, { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
}

const csv = (name: string, rows: string[][]) => {
  const p = join(listDir, name);
  writeFileSync(p, ['image,id', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return p;
};

describe('tensorlift predict with image paths', () => {
  const files: string[] = [];
  beforeAll(async () => {
    for (const d of [imgDir, listDir, elsewhere]) mkdirSync(d, { recursive: true });
    const rng = makeRng(TEST_SEED);
    const train: { image: string; label: string }[] = [];
    for (let i = 0; i < 24; i++) {
      const kind = i % 2 ? 'left' : 'right', file = join(imgDir, `${kind}${i}.png`);
      writeFileSync(file, await png(kind, rng));
      files.push(file);
      train.push({ image: file, label: kind });
    }
    const m = await tl.presets.ImageClassifier.fit(train, { target: 'label', epochs: 40, batchSize: 8, validation: 0, gallery: false, width: 8, seed: 1 });
    await m.save(modelPath);
  }, 120_000);

  it('scores paths relative to the CSV, in slices, with the values of predictProbaAsync', async () => {
    // More rows than one slice: the batch is decoded and scored slice by slice.
    const rows = Array.from({ length: ASYNC_SLICE + 9 }, (_, i) => [`../imgs/${files[i % files.length].split('/').pop()}`, String(i)]);
    const input = csv('list.csv', rows), out = t.path('scored.csv');
    const r = await runCli(['predict', '--model', modelPath, '--in', input, '--out', out], { cwd: elsewhere });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`scored ${rows.length} rows`));
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe('image,id,class,probability_left,probability_right');
    expect(lines).toHaveLength(rows.length);
    const model = await tl.presets.ImageClassifier.load(modelPath);
    const want = await model.predictProbaAsync(files.map((f) => ({ image: f })));
    lines.forEach((line, i) => {
      const [image, id, cls, pl, pr] = line.split(',');
      expect([image, id]).toEqual(rows[i]);
      const p = want[i % files.length];
      // Float32 rounding may differ with the batch size (the CLI's slices against these 24 images).
      expect(Math.abs(Number(pl) - p[0]) + Math.abs(Number(pr) - p[1])).toBeLessThan(1e-5);
      expect(cls).toBe(p[0] > p[1] ? 'left' : 'right');
    });
    // The squares are easy: the model trained on these very images gets most of them.
    const right = lines.filter((l, i) => l.split(',')[2] === (rows[i][0].includes('left') ? 'left' : 'right')).length;
    expect(right / lines.length).toBeGreaterThan(0.7);
  }, 120_000);

  it('names the row and the path of a missing or corrupt image, or a directory, in one line, and writes nothing', async () => {
    const good = `../imgs/${files[0].split('/').pop()}`;
    writeFileSync(join(imgDir, 'broken.png'), Buffer.concat([readFileSync(files[0]).subarray(0, 30), Buffer.from('not the rest of a png')]));
    for (const [name, bad, why] of [['missing.csv', '../imgs/nope.png', 'no such image file'], ['corrupt.csv', '../imgs/broken.png', 'cannot decode the image'], ['directory.csv', '../imgs', 'is a directory, not an image file']]) {
      const input = csv(name, [[good, '1'], [good, '2'], [bad, '3']]), out = t.path(`${name}.out.csv`);
      const r = await runCli(['predict', '--model', modelPath, '--in', input, '--out', out], { cwd: elsewhere });
      expect(r.code).not.toBe(0);
      const lines = errorLines(r);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`${input} line 4: ${bad}: ${why}`);
      expect(existsSync(out)).toBe(false);
    }
  }, 120_000);
});
