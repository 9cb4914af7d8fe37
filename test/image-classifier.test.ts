// ImageClassifier: quality on the bundled 8x8 digits (BASELINES.md split: MLP 0.9778), a file
// that predicts identically, embed() and similar(); class folders and image paths decoded with
// sharp (test/fixtures/fashion-png: 300 fashion-mnist test images); one-line errors for corrupt
// files, wrong sizes and channel counts, empty class folders and bad fields; augmentation
// against a plain reference; transfer learning (frozen backbone and batch-norm statistics
// untouched, fine-tuning moving only the later blocks) and distillation into a narrower CNN.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { flipsKeepLabels, makeBatch } from '../lib/presets/image/augment.js';
import { useSeedPerTest } from './helpers/gradcheck.js';
import { uniform } from './helpers/random.js';
import { tempDir } from './helpers/boundary.js';

useSeedPerTest();
const { ImageClassifier } = tl.presets;
const t = tempDir('images');
const fashionDir = new URL('./fixtures/fashion-png', import.meta.url).pathname;

function digits(): { train: Record<string, number>[]; test: Record<string, number>[] } {
  const [header, ...lines] = readFileSync(new URL('./fixtures/digits.csv', import.meta.url), 'utf8').trim().split('\n');
  const names = header.split(',');
  const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [names[j], Number(v)])));
  return { train: rows.filter((_, i) => i % 5 !== 0), test: rows.filter((_, i) => i % 5 === 0) };
}

describe('ImageClassifier on the 8x8 digits (pixel columns)', () => {
  const { train, test } = digits();
  let model: InstanceType<typeof ImageClassifier>;
  beforeAll(async () => {
    model = await ImageClassifier.fit(train, { target: 'label', epochs: 20 });
  }, 300_000);

  it('beats the scikit-learn MLP (0.9778): test accuracy >= 0.98', async () => {
    const r = await model.evaluate(test);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(model.spec.shape).toEqual([1, 8, 8]);
    expect(model.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(model.training.flip).toBe(false); // a mirrored 3 is no 3
    expect(model.describe()).toMatch(/held-out accuracy 0\.9\d+ on 1\d\d images/);
  });

  it('predicts and scores in the contract shapes', () => {
    const p = model.predictProba(test.slice(0, 5));
    expect(p).toHaveLength(5);
    for (const row of p) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(model.predict(test.slice(0, 5))).toEqual(p.map((r) => String(r.indexOf(Math.max(...r)))));
    expect(model.score(test.slice(0, 2))[0]).toHaveLength(11);
    expect(model.inputSchema).toHaveLength(64);
    expect(model.inputSchema[63]).toEqual({ name: 'px63', type: 'numeric' });
  });

  it('saves and loads to identical predictions, embeddings and neighbours', async () => {
    const path = t.path('digits.safetensors');
    await model.save(path);
    const back = await tl.load(path);
    expect(back).toBeInstanceOf(ImageClassifier);
    const m = back as InstanceType<typeof ImageClassifier>;
    expect(m.predictProba(test)).toEqual(model.predictProba(test));
    expect(m.embed(test.slice(0, 3))).toEqual(model.embed(test.slice(0, 3)));
    expect(m.similar(test[0], 5)).toEqual(model.similar(test[0], 5));
  });

  it('embeds for visual search: a training image finds itself first, neighbours share its class', () => {
    const e = model.embed(train.slice(0, 2));
    expect(e[0]).toHaveLength(model.net.embeddingDim);
    const hits = model.similar(train[10], 5);
    expect(hits[0].index).toBe(10);
    expect(hits[0].score).toBeCloseTo(1, 4);
    for (let i = 1; i < hits.length; i++) expect(hits[i].score).toBeLessThanOrEqual(hits[i - 1].score);
    const sameClass = test.slice(0, 50).filter((r) => model.similar(r, 1)[0].label === String(r.label)).length;
    expect(sameClass).toBeGreaterThanOrEqual(45);
    // Raw pixels work as a query as well as a row.
    const pixels = Array.from({ length: 64 }, (_, j) => train[10][`px${j}`]);
    expect(model.similar(pixels, 1)[0].index).toBe(10);
  });

  it('indexes a catalogue with ids, and says what is wrong with bad rows', async () => {
    const copy = await tl.load(t.path('digits.safetensors')) as InstanceType<typeof ImageClassifier>;
    await copy.index(test.slice(0, 30).map((r, i) => ({ ...r, sku: `sku-${i}` })), { id: 'sku' });
    expect(copy.similar(test[7], 1)[0]).toMatchObject({ index: 7, id: 'sku-7' });
    const { px5: _gone, ...lacking } = test[0];
    expect(() => model.predict([lacking])).toThrow(/row 0: column 'px5' is missing/);
    expect(() => model.predict([{ ...test[0], px3: 'dark' as unknown as number }])).toThrow(/column 'px3' is "dark", not a pixel value/);
    expect(() => model.similar(test[0], 0)).toThrow(/k must be a positive integer/);
  });
});

describe('ImageClassifier on image files (sharp)', () => {
  let model: InstanceType<typeof ImageClassifier>;
  beforeAll(async () => {
    model = await ImageClassifier.fit(fashionDir, { epochs: 4, validation: 0 });
  }, 300_000);

  it('reads a folder of class folders: classes by folder name, shape from the images', async () => {
    expect(model.classes).toEqual(['bag', 'boot', 'coat', 'dress', 'pullover', 'sandal', 'shirt', 'sneaker', 'trouser', 'tshirt']);
    expect(model.spec).toMatchObject({ shape: [1, 28, 28], input: 'image' });
    expect(model.training.rows).toBe(300);
    expect(model.inputSchema).toEqual([{ name: 'image', type: 'image' }]);
    // Four epochs on 300 images: well above chance (0.1) on the images it saw.
    expect((await model.evaluate(fashionDir)).accuracy).toBeGreaterThan(0.5);
  });

  it('predicts paths and PNG bytes asynchronously, raw pixels synchronously, the same classes', async () => {
    const file = join(fashionDir, 'bag', '00.png');
    const { data } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const byPath = await model.predictProbaAsync([{ image: file }]);
    const byBytes = await model.predictProbaAsync([{ image: readFileSync(file) }]);
    const byPixels = model.predictProba([{ image: Float32Array.from(data) }]);
    expect(byBytes).toEqual(byPath);
    expect(byPixels[0].map((v) => v.toFixed(5))).toEqual(byPath[0].map((v) => v.toFixed(5)));
    expect(() => model.predict([{ image: file }])).toThrow(/use await model\.predictAsync/);
    expect((await model.similarAsync(file, 1))[0]).toMatchObject({ label: 'bag', index: 0 });
  });

  it('reads a CSV of image paths relative to the CSV', async () => {
    const dir = t.path('csv-images');
    mkdirSync(dir, { recursive: true });
    const lines = ['image,kind'];
    for (const c of ['bag', 'trouser']) for (let i = 0; i < 10; i++) {
      copyFileSync(join(fashionDir, c, `${String(i).padStart(2, '0')}.png`), join(dir, `${c}${i}.png`));
      lines.push(`${c}${i}.png,${c}`);
    }
    writeFileSync(join(dir, 'list.csv'), lines.join('\n') + '\n');
    const m = await ImageClassifier.fit(join(dir, 'list.csv'), { target: 'kind', epochs: 2, validation: 0, gallery: false });
    expect(m.classes).toEqual(['bag', 'trouser']);
    expect(m.describe()).toMatch(/no gallery/);
  }, 120_000);

  it('refuses bad images in one line naming the file', async () => {
    const root = t.path('bad');
    const make = async (name: string, files: Record<string, Buffer>) => {
      const dir = join(root, name);
      for (const [f, b] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), b);
      }
      return dir;
    };
    const good = readFileSync(join(fashionDir, 'bag', '00.png'));
    const rgb = await sharp({ create: { width: 28, height: 28, channels: 3, background: '#a05020' } }).png().toBuffer();
    const small = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#808080' } }).toColourspace('b-w').png().toBuffer();
    const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.from('not the rest of a png')]);
    await expect(ImageClassifier.fit(await make('corrupt', { 'a/1.png': good, 'a/2.png': corrupt, 'b/1.png': good, 'b/2.png': good }), { epochs: 1 }))
      .rejects.toThrow(/a[\\/]2\.png: cannot decode the image \(corrupt or not an image/);
    await expect(ImageClassifier.fit(await make('size', { 'a/1.png': good, 'a/2.png': small, 'b/1.png': good, 'b/2.png': good }), { epochs: 1 }))
      .rejects.toThrow(/a[\\/]2\.png: the image is 20x20 pixels, the model expects 28x28; pass resize: true/);
    await expect(ImageClassifier.fit(await make('channels', { 'a/1.png': good, 'a/2.png': rgb, 'b/1.png': good, 'b/2.png': good }), { epochs: 1 }))
      .rejects.toThrow(/a[\\/]2\.png: the image has 3 channels, the model expects 1 \(greyscale\)/);
    const empty = await make('empty', { 'a/1.png': good, 'a/2.png': good, 'b/readme.txt': Buffer.from('x') });
    await expect(ImageClassifier.fit(empty, { epochs: 1 })).rejects.toThrow(/class folder 'b' \(.*\) has no images/);
    await expect(ImageClassifier.fit(await make('none', { 'x.png': good }), { epochs: 1 })).rejects.toThrow(/has no class folders/);
    // resize: true accepts the odd ones out.
    const m = await ImageClassifier.fit(await make('resize', { 'a/1.png': good, 'a/2.png': small, 'b/1.png': rgb, 'b/2.png': good }), { epochs: 1, resize: true, imageShape: [1, 28, 28], validation: 0 });
    expect(m.spec.shape).toEqual([1, 28, 28]);
    await expect(model.predictAsync([{ image: join(root, 'size', 'a', '2.png') }])).rejects.toThrow(/the image is 20x20 pixels/);
    await expect(model.predictAsync([{ image: join(root, 'nope.png') }])).rejects.toThrow(/no such image file/);
    expect(() => model.predict([{ image: new Float32Array(100) }])).toThrow(/field 'image' has 100 values, the model expects 784 \(1x28x28/);
    expect(() => model.predict([{ picture: 1 }])).toThrow(/field 'image' \(the image\) is missing/);
  }, 120_000);
});

describe('augmentation', () => {
  it('shifts with repeated edges, flips and normalizes exactly as a plain reference', () => {
    const shape: [number, number, number] = [2, 5, 6], size = 60;
    const pixels = uniform(3 * size, 0, 255);
    const norm = { mean: [100, 50], std: [20, 10] };
    const draws = [0.1, 0.9, 0.3, 0.7, 0.2, 0.6, 0.55, 0.95, 0.4];
    let d = 0;
    const out = makeBatch(pixels, shape, [2, 0], norm, { shift: 2, flip: true }, () => draws[d++ % draws.length]);
    d = 0;
    for (let b = 0; b < 2; b++) {
      const src = [2, 0][b];
      const dy = Math.floor(draws[d++] * 5) - 2, dx = Math.floor(draws[d++] * 5) - 2, flip = draws[d++] < 0.5;
      for (let k = 0; k < 2; k++) for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) {
        const sy = Math.min(4, Math.max(0, y + dy)), sx = Math.min(5, Math.max(0, (flip ? 5 - x : x) + dx));
        const want = (pixels[src * size + k * 30 + sy * 6 + sx] - norm.mean[k]) / norm.std[k];
        expect(out[b * size + k * 30 + y * 6 + x]).toBeCloseTo(want, 4);
      }
    }
  });

  it('turns flips on only where mirrored images keep their labels', () => {
    const { train } = digits();
    const px = Float32Array.from(train.flatMap((r) => Array.from({ length: 64 }, (_, j) => r[`px${j}`])));
    expect(flipsKeepLabels(px, [1, 8, 8], Int32Array.from(train, (r) => r.label), 10)).toBe(false);
    // Left-right symmetric classes (bars at mirrored positions): flips keep them.
    const n = 200, sym = new Float32Array(n * 64), labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 4;
      for (let y = 0; y < 8; y++) { sym[i * 64 + y * 8 + labels[i]] = 200; sym[i * 64 + y * 8 + 7 - labels[i]] = 200; }
    }
    expect(flipsKeepLabels(sym, [1, 8, 8], labels, 4)).toBe(true);
  });
});

describe('transfer learning and distillation', () => {
  const { train, test } = digits();
  let base: InstanceType<typeof ImageClassifier>;
  beforeAll(async () => {
    // A backbone trained on digits 0-4, reused for 5-9.
    base = await ImageClassifier.fit(train.filter((r) => r.label < 5), { epochs: 6, gallery: false });
  }, 300_000);

  it('fit({ from, freeze: "backbone" }) trains only the new head; frozen batch norm keeps its statistics', async () => {
    const fresh = train.filter((r) => r.label >= 5);
    const before = Object.fromEntries(Object.entries(base.net.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const m = await ImageClassifier.fit(fresh, { from: base, freeze: 'backbone', epochs: 3, gallery: false });
    expect(m.classes).toEqual(['5', '6', '7', '8', '9']);
    for (const [k, v] of Object.entries(m.net.stateDict())) {
      if (k.startsWith('head.')) continue;
      expect(Array.from(v.dataSync()), k).toEqual(before[k]);
    }
    expect(m.norm).toEqual(base.norm);
    const headBefore = Array.from(m.net.head.weight.dataSync());
    const stem = Array.from(m.net.stem.weight.dataSync()), lastBlock = Array.from(m.net.blocks.at(-1)!.conv2.weight.dataSync());
    const lastMean = Array.from(m.net.blocks.at(-1)!.bn2.runningMean!.dataSync());
    await m.fineTune(fresh, { epochs: 3, unfreeze: 1 });
    expect(Array.from(m.net.stem.weight.dataSync())).toEqual(stem);
    expect(Array.from(m.net.blocks.at(-1)!.conv2.weight.dataSync())).not.toEqual(lastBlock);
    expect(Array.from(m.net.blocks.at(-1)!.bn2.runningMean!.dataSync())).not.toEqual(lastMean);
    expect(Array.from(m.net.head.weight.dataSync())).not.toEqual(headBefore);
    // A few epochs on a small backbone: far above chance (0.2), not a quality figure (bench/quality-images.mjs has those).
    expect((await m.evaluate(test.filter((r) => r.label >= 5))).accuracy).toBeGreaterThan(0.5);
    await expect(ImageClassifier.fit(fresh, { freeze: 'backbone' })).rejects.toThrow(/freeze needs a pretrained model/);
    await expect(m.fineTune(fresh, { unfreeze: 9 })).rejects.toThrow(/unfreeze must be 'all' or a number of residual blocks from 0 to 3/);
  }, 300_000);

  it("fineTune({ batchNorm: 'frozen' }) trains the weights but keeps the pretrained statistics; l2sp pulls the weights back", async () => {
    const fresh = train.filter((r) => r.label >= 5).slice(0, 200);
    const backboneOf = (m: InstanceType<typeof ImageClassifier>) => m.net.backboneModules().flatMap((b) => b.parameters()).map((p) => Array.from(p.dataSync()));
    const statsOf = (m: InstanceType<typeof ImageClassifier>) => Object.entries(m.net.stateDict()).filter(([k]) => /running/.test(k)).map(([, v]) => Array.from(v.dataSync()));
    const start = backboneOf(base), stats = statsOf(base);
    const distance = (w: number[][]) => Math.sqrt(w.reduce((s, p, i) => s + p.reduce((q, v, j) => q + (v - start[i][j]) ** 2, 0), 0));
    const tuned = async (opts: Record<string, unknown>) => {
      const m = await ImageClassifier.fit(fresh, { from: base, freeze: 'backbone', epochs: 2, gallery: false, seed: 5 });
      return m.fineTune(fresh, { epochs: 2, seed: 5, ...opts });
    };
    const frozenBn = await tuned({ batchNorm: 'frozen' });
    expect(statsOf(frozenBn)).toEqual(stats);
    const free = distance(backboneOf(frozenBn));
    expect(free).toBeGreaterThan(0);
    // The trained layers are left trainable (and batch norm adapting) for whatever comes next.
    expect(frozenBn.net.blocks[0].bn1.frozen).toBe(false);
    expect(frozenBn.net.stem.weight.requiresGrad).toBe(true);
    // A pull of a quarter per step keeps the weights much nearer the start; a full pull (rate capped at 1) restores them.
    expect(distance(backboneOf(await tuned({ batchNorm: 'frozen', l2sp: 300 })))).toBeLessThan(0.5 * free);
    const pinned = backboneOf(await tuned({ batchNorm: 'frozen', l2sp: 1e9 }));
    pinned.forEach((p, i) => p.forEach((v, j) => expect(Math.abs(v - start[i][j])).toBeLessThan(1e-5)));
    const adapted = await tuned({ batchNorm: 'adapt' });
    expect(statsOf(adapted)).not.toEqual(stats);
    await expect(frozenBn.fineTune(fresh, { batchNorm: 'fixed' as never })).rejects.toThrow(/batchNorm must be 'frozen' or 'adapt', got "fixed"/);
    await expect(frozenBn.fineTune(fresh, { l2sp: -1 })).rejects.toThrow(/l2sp must be a number >= 0, got -1/);
  }, 300_000);

  it('20 images per class of a new task: the default linear probe + fineTune beats training from scratch on the same images', async () => {
    // Digits 5-9 (8x8) from the digits 0-4 backbone; three draws of 20 per class, both arms on all of them.
    // The gain varies by draw (one of these three loses ~2 points; the mean gains ~3): the bound is on the mean.
    const pool = train.filter((r) => r.label >= 5), newTest = test.filter((r) => r.label >= 5);
    const gains: number[] = [];
    for (const offset of [0, 40, 80]) {
      const few = [5, 6, 7, 8, 9].flatMap((k) => pool.filter((r) => r.label === k).slice(offset, offset + 20));
      const scratch = await ImageClassifier.fit(few, { validation: 0, gallery: false });
      const tuned = await ImageClassifier.fit(few, { from: base, freeze: 'backbone', validation: 0, gallery: false });
      expect(tuned.validation.heldOut).toBe(0);
      await tuned.fineTune(few);
      const a = (await scratch.evaluate(newTest)).accuracy, b = (await tuned.evaluate(newTest)).accuracy;
      gains.push(b - a);
      console.log(`transfer, digits 5-9, 20 per class from ${offset}: scratch ${a.toFixed(3)}, fine-tuned ${b.toFixed(3)}`);
    }
    expect(gains.reduce((x, y) => x + y, 0) / gains.length).toBeGreaterThan(0.01);
  }, 300_000);

  it('Module.freeze() runs batch norm in inference mode even in training mode', () => {
    const bn = new tl.nn.BatchNorm2d(2).freeze();
    bn.train();
    const x = tl.randn([4, 2, 3, 3]).mul(5).add(3);
    const y = bn.forward(x);
    expect(Array.from(bn.runningMean!.dataSync())).toEqual([0, 0]);
    // Running statistics 0 / 1: the output is x / sqrt(1 + eps).
    expect(y.sub(x.div(Math.sqrt(1 + 1e-5))).abs().max().item()).toBeLessThan(1e-5);
    bn.unfreeze();
    bn.forward(x);
    expect(Array.from(bn.runningMean!.dataSync())).not.toEqual([0, 0]);
  });

  it('distill() gives a narrower CNN of the same class that predicts the same kind of labels', async () => {
    const low = train.filter((r) => r.label < 5);
    const student = await base.distill({ data: low, epochs: 4 });
    expect(student).toBeInstanceOf(ImageClassifier);
    expect(student.net.opts.width).toBe(base.net.opts.width / 2);
    expect(student.size.parameters).toBeLessThan(base.size.parameters / 3);
    expect(student.classes).toEqual(base.classes);
    const lowTest = test.filter((r) => r.label < 5);
    expect((await student.evaluate(lowTest)).accuracy).toBeGreaterThan(0.9);
    const path = t.path('student.safetensors');
    await student.save(path);
    expect((await ImageClassifier.load(path)).predict(lowTest)).toEqual(student.predict(lowTest));
    await expect(base.distill({} as never)).rejects.toThrow(/pass the images to distill on/);
  }, 300_000);
});
