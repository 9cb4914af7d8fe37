// `tensorlift train images` (a folder of class folders, or a CSV of pixel columns or image
// paths, read and decoded by ImageClassifier itself, not as a table) and `tensorlift distill`
// (a smaller model of the same kind: one network for an ensemble, a narrower CNN for images),
// which prints teacher and student side by side: size, predict latency and quality.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../data/errors.js';
import { readTable } from '../data/source.js';
import { load } from '../io/model-file.js';
import { checkInputFile, checkOutputFile, sameFile } from '../io/paths.js';
import { TabularClassifier } from '../presets/classifier.js';
import { ImageClassifier } from '../presets/image/image-classifier.js';
import { readImages } from '../presets/image/image-input.js';
import { isPreset, type Preset } from '../presets/preset.js';
import { formatReport } from './report.js';
import { int } from './options.js';
import { reporter } from './process.js';

const HIDDEN = 'train-images';

/** Routes `train images ...` to the hidden command that reads images (see registerImageCommands). */
export function imagesArgv(argv: string[]): string[] {
  const i = argv.indexOf('train');
  return i >= 2 && argv[i + 1] === 'images' ? [...argv.slice(0, i), HIDDEN, ...argv.slice(i + 2)] : argv;
}

async function checkData(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError(`--data ${path}: no such file or folder`, 'ENOENT');
  }
  if (!st.isDirectory()) await checkInputFile(path, '--data');
}

const sizeOf = (m: Preset): { parameters: number; bytes: number } => {
  if (m instanceof ImageClassifier) return m.size;
  const nets = (m as TabularClassifier<unknown>).nets;
  const parameters = nets.reduce((n, net) => n + net.parameters().reduce((s, p) => s + p.size, 0), 0);
  return { parameters, bytes: parameters * 4 };
};

/** Median ms of predict() over `rows` (preprocessing included), teacher and student interleaved. */
async function latencies(models: Preset[], rows: Record<string, unknown>[]): Promise<number[]> {
  const runs = models.map(() => [] as number[]);
  const call = async (m: Preset) => m.predict(rows as never);
  for (const m of models) await call(m);
  for (let r = 0; r < 7; r++)
    for (const [i, m] of models.entries()) {
      const t0 = performance.now();
      await call(m);
      runs[i].push(performance.now() - t0);
    }
  return runs.map((t) => t.sort((a, b) => a - b)[3]);
}

/** Up to 1000 images of `data` as rows of raw pixels in the model's input form. */
async function pixelRows(m: ImageClassifier, data: string): Promise<Record<string, unknown>[]> {
  const set = await readImages(data, { spec: m.spec }, 'distill');
  const size = m.spec.shape[0] * m.spec.shape[1] * m.spec.shape[2], n = Math.min(1000, set.n);
  return Array.from({ length: n }, (_, i) => {
    const px = set.pixels.subarray(i * size, (i + 1) * size);
    return m.spec.input === 'pixels' ? Object.fromEntries(Array.from(px, (v, j) => [`px${j}`, v])) : { [m.spec.column]: px };
  });
}

export function registerImageCommands(program: Command): void {
  program
    .command(HIDDEN, { hidden: true })
    .name('train images')
    .alias(HIDDEN)
    .description('train images: an image classifier from a folder of class folders or a CSV (pixel columns px0.. or an image path column)')
    .requiredOption('--data <dir-or-file>', 'a folder with one sub-folder of images per class, or a CSV / JSON Lines file')
    .option('--target <column>', "the label column of a CSV (default 'label'; a folder's labels are its sub-folder names)")
    .option('--image-column <column>', "the column of image paths in a CSV (default 'image')")
    .option('--image-shape <c,h,w>', 'channels, height, width (default: from the data)', (v: string) => v.split(',').map(Number))
    .option('--resize', 'resize and convert images of another size or channel count (default: refuse them)')
    .option('--epochs <n>', 'epochs (default: by the data size, 10-40)', int('--epochs'))
    .option('--width <n>', 'channels of the first stage (default 24)', int('--width', 1024))
    .option('--from <model>', 'start from this ImageClassifier file\'s backbone (transfer learning; frozen, then fine-tuned)')
    .option('--test <dir-or-file>', 'held-out images to report metrics on after training')
    .option('--seed <n>', 'random seed', int('--seed'))
    .option('--out <file>', 'where to save the model', 'model.safetensors')
    .action(async (o) => {
      const say = reporter(false);
      await checkData(o.data);
      if (o.test) await checkData(o.test);
      if (o.from) await checkInputFile(o.from, '--from');
      await checkOutputFile(o.out, '--out');
      if (await sameFile(o.out, o.data)) throw new InputError(`--out ${o.out} is the same file as --data; saving would overwrite it`, 'ESAMEFILE');
      const started = performance.now();
      process.stderr.write(`training images on ${o.data}${o.from ? ` from ${o.from}` : ''} ...\n`);
      const opts = {
        target: o.target, column: o.imageColumn, imageShape: o.imageShape, resize: o.resize, epochs: o.epochs, width: o.width, seed: o.seed,
        progress: process.stderr.isTTY, onEpoch: (l: { epoch: number; loss: number; seconds: number }) => process.stderr.isTTY || process.stderr.write(`epoch ${l.epoch}: loss ${l.loss.toFixed(4)} (${l.seconds.toFixed(1)} s)\n`),
      };
      let model = await ImageClassifier.fit(o.data, { ...opts, ...(o.from ? { from: o.from, freeze: 'backbone' as const, width: undefined } : {}) });
      if (o.from) model = await model.fineTune(o.data, { epochs: o.epochs, seed: o.seed });
      const v = model.validation;
      say(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s (${v.epochs} epochs)${v.accuracy !== undefined ? `; held-out accuracy ${v.accuracy.toFixed(4)} on ${v.heldOut} images` : ''}`);
      if (o.test) say(`\ntest set ${o.test}:\n${formatReport(await model.evaluate(o.test, { target: o.target }))}`);
      await model.save(o.out);
      say(`\nsaved ${o.out}`);
    });

  program
    .command('distill')
    .description('a smaller model of the same kind (one network for an ensemble, a narrower CNN for images), with teacher and student side by side')
    .requiredOption('--model <file>', 'the model to distill (the teacher)')
    .requiredOption('--data <dir-or-file>', 'rows or images to distill on (the training data, say)')
    .option('--out <file>', 'where to save the student', 'student.safetensors')
    .option('--test <dir-or-file>', 'labelled held-out data to compare teacher and student on')
    .option('--epochs <n>', 'epochs', int('--epochs'))
    .option('--temperature <t>', 'softening of the logits', Number)
    .option('--alpha <a>', "weight of the teacher's targets against the labels (0-1)", Number)
    .option('--width <n>', 'images: the student CNN\'s width (default: half the teacher\'s)', int('--width', 1024))
    .option('--prune <share>', "tables: share of the ensemble's sensitivity the columns the student leaves out may carry (default 0.03; 0 reads every column)", Number)
    .action(async (o) => {
      const say = reporter(false);
      await checkInputFile(o.model, '--model');
      await checkData(o.data);
      if (o.test) await checkData(o.test);
      await checkOutputFile(o.out, '--out');
      for (const [p, f] of [[o.model, '--model'], [o.data, '--data']]) if (await sameFile(o.out, p)) throw new InputError(`--out ${o.out} is the same file as ${f}; saving would overwrite it`, 'ESAMEFILE');
      const teacher = await load(o.model);
      if (!isPreset(teacher)) throw new InputError(`${o.model} holds a plain network; distill it from code with tl.distill(teacher, student, data)`);
      const started = performance.now();
      const common = { epochs: o.epochs, temperature: o.temperature, alpha: o.alpha };
      let student: Preset;
      if (teacher instanceof ImageClassifier) {
        if (o.prune !== undefined) throw new InputError('distill: --prune is for table models');
        student = await teacher.distill({ data: o.data, width: o.width, ...common });
      }
      else if (teacher instanceof TabularClassifier) {
        if (o.width !== undefined) throw new InputError('distill: --width is for image models');
        student = await teacher.distill({ data: await readTable(o.data), prune: o.prune, ...common });
        const dropped = (student as TabularClassifier<unknown>).validation.dropped ?? [];
        if (dropped.length) say(`the student reads ${student.inputSchema.length} of the ensemble's ${teacher.inputSchema.length} columns; left out: ${dropped.map((d) => d.column).join(', ')}`);
      } else throw new InputError(`distill: a '${teacher.kind}' model cannot be distilled (churn, propensity and image models can)`);
      say(`distilled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const rows: Record<string, unknown>[] = [];
      const header = ['', 'parameters', 'weights KB', 'predict 1000 rows ms (median of 7)'];
      const sizes = [sizeOf(teacher), sizeOf(student)];
      let quality: string[] = [];
      if (o.test) {
        const [a, b] = [await teacher.evaluate(o.test), await student.evaluate(o.test)] as Record<string, unknown>[];
        const key = 'auc' in a && typeof a.auc === 'number' ? 'auc' : 'accuracy';
        header.push(`test ${key}`);
        quality = [a, b].map((r) => (r[key] as number).toFixed(4));
        const probe = teacher instanceof ImageClassifier ? null : (await readTable(o.test)).rows.slice(0, 1000);
        if (probe) rows.push(...probe);
      }
      if (!rows.length && !(teacher instanceof ImageClassifier)) rows.push(...(await readTable(o.data)).rows.slice(0, 1000));
      // Images: decoded once, then timed from pixels (normalization and the network, not the decoder).
      if (teacher instanceof ImageClassifier) rows.push(...(await pixelRows(teacher, o.test ?? o.data)));
      const lat = rows.length ? await latencies([teacher, student], rows) : [NaN, NaN];
      const line = (name: string, i: number) => [name, String(sizes[i].parameters), (sizes[i].bytes / 1024).toFixed(0), Number.isNaN(lat[i]) ? '-' : lat[i].toFixed(2), ...(quality.length ? [quality[i]] : [])];
      const table = [header, line('teacher', 0), line('student', 1)];
      const widths = header.map((_, j) => Math.max(...table.map((r) => r[j].length)));
      say(table.map((r) => r.map((c, j) => c.padStart(widths[j])).join('  ')).join('\n'));
      await student.save(o.out);
      say(`\nsaved ${o.out}`);
    });
}
