// node bench/quality-images.mjs [digits] [fashion] [transfer] [distill]: ImageClassifier on the
// shared image sets, beside BASELINES.md (scikit-learn, same splits):
//   - digits 8x8 (row index % 5 == 0 is test), default options;
//   - fashion-mnist, all 60,000 training images, default options, the 10,000 test images
//     (FASHION_ROWS=n trains on the first n only, labelled as such), with the fit time;
//   - transfer: a backbone trained on fashion-mnist classes 0-4 (T-shirt, trouser, pullover,
//     dress, coat), then 20 labelled images per class of the held-apart classes 5-9 (sandal,
//     shirt, sneaker, bag, ankle boot): fine-tuned from the backbone vs trained from scratch on
//     the same 100 images, both scored on the 5,000 test images of classes 5-9; and the same
//     backbone fine-tuned on 20 digits per class (resized 8x8 -> 28x28) vs from scratch; over
//     TRANSFER_DRAWS (default 5) draws of the 20 per class, mean and range; TRANSFER_BACKBONE=file
//     reuses a saved backbone (or saves the one trained);
//   - distill: the fashion model distilled into a narrower CNN: size, latency, accuracy.
import { createReadStream, existsSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'digits.csv'))) {
  console.log(`bench:quality images: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const { ImageClassifier } = tl.presets;
const wanted = new Set(process.argv.slice(2));
const want = (s) => !wanted.size || wanted.has(s);
const tmp = mkdtempSync(join(tmpdir(), 'tl-images-'));
const log = (l) => console.log(`  epoch ${l.epoch}: loss ${l.loss.toFixed(4)}, ${l.seconds.toFixed(1)} s`);
console.log(`ImageClassifier quality, ${new Date().toISOString()}, ${tl.getNumThreads()} threads`);

async function gunzipped(name) {
  const out = join(tmp, name.replace(/\.gz$/, ''));
  if (!existsSync(out)) await pipeline(createReadStream(join(dataDir, name)), createGunzip(), createWriteStream(out));
  return out;
}
/** Rows of pixel columns as plain objects of numbers (first `limit` rows). */
async function readRows(path, limit = Infinity) {
  const out = [];
  for await (const { row } of tl.data.streamCsv(path)) {
    if (out.length >= limit) break;
    out.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])));
  }
  return out;
}
const timed = async (f) => { const t0 = performance.now(); const v = await f(); return [v, (performance.now() - t0) / 1000]; };

const results = [];
if (want('digits')) {
  const all = await readRows(join(dataDir, 'digits.csv'));
  const train = all.filter((_, i) => i % 5 !== 0), test = all.filter((_, i) => i % 5 === 0);
  const [m, s] = await timed(() => ImageClassifier.fit(train, { target: 'label' }));
  const r = await m.evaluate(test);
  results.push(['digits 8x8', train.length, test.length, r.accuracy.toFixed(4), '0.9778 (MLP)', s.toFixed(1), `${m.net.opts.width}, ${m.validation.epochs} epochs`]);
  printTable('ImageClassifier, default options', ['data set', 'train', 'test', 'accuracy', 'sklearn best', 'fit s', 'width, epochs'], results);
}

let fashion;
if (want('fashion') || want('distill')) {
  const trainCsv = await gunzipped('fashion_mnist_train.csv.gz'), testCsv = await gunzipped('fashion_mnist_test.csv.gz');
  const limit = Number(process.env.FASHION_ROWS ?? 60000);
  const test = await readRows(testCsv);
  let data = trainCsv;
  if (limit < 60000) data = await readRows(trainCsv, limit);
  console.log(`\nfashion-mnist: training on ${limit} images (default options)`);
  // FASHION_EPOCHS=n overrides the default epochs (labelled in the table).
  const epochs = process.env.FASHION_EPOCHS ? Number(process.env.FASHION_EPOCHS) : undefined;
  const [m, s] = await timed(() => ImageClassifier.fit(data, { target: 'label', onEpoch: log, epochs }));
  const r = await m.evaluate(test);
  fashion = { model: m, test };
  results.push([`fashion-mnist${limit < 60000 ? ` (first ${limit})` : ''}${epochs ? ` (epochs ${epochs}, not default)` : ''}`, limit, test.length, r.accuracy.toFixed(4), '0.8911 (MLP)', s.toFixed(1), `${m.net.opts.width}, ${m.validation.epochs} epochs`]);
  printTable('ImageClassifier, default options', ['data set', 'train', 'test', 'accuracy', 'sklearn best', 'fit s', 'width, epochs'], results);
  if (process.env.IMAGES_MODEL_OUT) await m.save(process.env.IMAGES_MODEL_OUT);
}

if (want('distill') && fashion) {
  const { model: teacher, test } = fashion;
  const trainCsv = await gunzipped('fashion_mnist_train.csv.gz');
  const [student, s] = await timed(() => teacher.distill({ data: trainCsv, onEpoch: log }));
  const rows = test.slice(0, 1000);
  const latency = (m) => { m.predict(rows); const t0 = performance.now(); for (let i = 0; i < 3; i++) m.predict(rows); return (performance.now() - t0) / 3; };
  const lt = [], ls = [];
  for (let i = 0; i < 3; i++) { lt.push(latency(teacher)); ls.push(latency(student)); }
  const tr = await teacher.evaluate(test), sr = await student.evaluate(test);
  printTable(`fashion-mnist: teacher and distilled student (predict of 1000 images, best of 3 interleaved; distill ${s.toFixed(0)} s)`,
    ['model', 'parameters', 'weights KB', 'predict 1000 ms', 'test accuracy'], [
      ['teacher', teacher.size.parameters, (teacher.size.bytes / 1024).toFixed(0), Math.min(...lt).toFixed(1), tr.accuracy.toFixed(4)],
      ['student', student.size.parameters, (student.size.bytes / 1024).toFixed(0), Math.min(...ls).toFixed(1), sr.accuracy.toFixed(4)],
    ]);
}

if (want('transfer')) {
  const trainCsv = await gunzipped('fashion_mnist_train.csv.gz'), testCsv = await gunzipped('fashion_mnist_test.csv.gz');
  // With TRANSFER_SOURCE_ROWS, only as many rows are read as hold that many of classes 0-4 (about half of each stretch).
  const sourceRows = Number(process.env.TRANSFER_SOURCE_ROWS ?? Infinity);
  const all = await readRows(trainCsv, Math.min(60000, 2.5 * sourceRows)), test = await readRows(testCsv);
  // TRANSFER_SOURCE_ROWS=n pretrains on the first n images of classes 0-4 only (labelled as such).
  const source = all.filter((r) => r.label < 5).slice(0, Number(process.env.TRANSFER_SOURCE_ROWS ?? Infinity)), fresh = all.filter((r) => r.label >= 5), freshTest = test.filter((r) => r.label >= 5);
  console.log(`\ntransfer: backbone on fashion-mnist classes 0-4 (${source.length} images)`);
  const epochs = process.env.TRANSFER_EPOCHS ? Number(process.env.TRANSFER_EPOCHS) : undefined;
  const saved = process.env.TRANSFER_BACKBONE;
  const [backbone, bs] = saved && existsSync(saved) ? [await ImageClassifier.load(saved), 0]
    : await timed(() => ImageClassifier.fit(source, { target: 'label', gallery: false, onEpoch: log, epochs }));
  if (saved && !existsSync(saved)) await backbone.save(saved);
  // 20 images per class of the new task: draw 0 is the first 20 of each class in file order,
  // draws 1.. a seeded random 20 of each class (TRANSFER_DRAWS, default 5): the spread matters.
  const draws = Number(process.env.TRANSFER_DRAWS ?? 5);
  const few = (rows, d) => {
    const by = new Map();
    for (const r of rows) { if (!by.has(r.label)) by.set(r.label, []); by.get(r.label).push(r); }
    return [...by.keys()].sort((a, b) => a - b).flatMap((k) => {
      const a = [...by.get(k)], random = mulberry32(1000 + 100 * d + k);
      if (d === 0) return a.slice(0, 20);
      for (let i = 0; i < 20; i++) { const j = i + Math.floor(random() * (a.length - i)); [a[i], a[j]] = [a[j], a[i]]; }
      return a.slice(0, 20);
    });
  };
  const digitsAll = await readRows(join(dataDir, 'digits.csv'));
  // Digits 8x8 (0-16) nearest-neighbour upscaled to 28x28 (0-255) so the fashion backbone reads them.
  const upscale = (r) => { const o = { label: r.label }; for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) o[`px${y * 28 + x}`] = r[`px${Math.min(7, Math.floor(y * 8 / 28)) * 8 + Math.min(7, Math.floor(x * 8 / 28))}`] * 16; return o; };
  const digits = digitsAll.map(upscale);
  const tasks = [
    ['fashion classes 5-9', fresh, freshTest],
    ['digits resized to 28x28', digits.filter((_, i) => i % 5 !== 0), digits.filter((_, i) => i % 5 === 0)],
  ];
  // Both arms train on all the drawn images (validation: 0; a 10% hold-out of 100 images
  // measures nothing and would give the two arms different training sets). Default options otherwise.
  const rows = [];
  const stats = (v) => `${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(4)} (${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)})`;
  for (const [name, pool, evalRows] of tasks) {
    const a = [], b = [], gain = [];
    let ss = 0, ts = 0;
    for (let d = 0; d < draws; d++) {
      const small = few(pool, d);
      const [scratch, s1] = await timed(() => ImageClassifier.fit(small, { target: 'label', gallery: false, validation: 0 }));
      const [tuned, s2] = await timed(async () => {
        const m = await ImageClassifier.fit(small, { target: 'label', from: backbone, freeze: 'backbone', gallery: false, validation: 0 });
        return m.fineTune(small);
      });
      a.push((await scratch.evaluate(evalRows)).accuracy);
      b.push((await tuned.evaluate(evalRows)).accuracy);
      gain.push(100 * (b.at(-1) - a.at(-1)));
      ss += s1; ts += s2;
      console.log(`  ${name}, draw ${d}: from scratch ${a.at(-1).toFixed(4)}, fine-tuned ${b.at(-1).toFixed(4)}`);
    }
    const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
    rows.push([name, few(pool, 0).length, evalRows.length, draws, stats(a), stats(b),
      `${((mean(b) - mean(a)) * 100).toFixed(1)} (${Math.min(...gain).toFixed(1)} to ${Math.max(...gain).toFixed(1)})`, (ss / draws).toFixed(0), (ts / draws).toFixed(0)]);
  }
  printTable(`transfer learning: 20 labelled images per class, mean (range) over draws (backbone: ${source.length} fashion images of classes 0-4, ${saved && !bs ? `loaded from ${saved}` : `${bs.toFixed(0)} s`})`,
    ['new task', 'train', 'test', 'draws', 'from scratch', 'fine-tuned', 'points gained', 'scratch s', 'fine-tune s'], rows);
}
function mulberry32(a) {
  return () => { a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
rmSync(tmp, { recursive: true, force: true });
