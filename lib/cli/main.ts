#!/usr/bin/env node
// The tensorlift command line: train a preset from a CSV or JSON Lines file, score files of
// any size, evaluate and explain a saved model. Every path is checked before any work starts
// (a missing output directory fails in a second, not after training), and every failure ends
// with one line on stderr and a non-zero exit code (process.ts).
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { InputError } from '../data/errors.js';
import { readTable } from '../data/source.js';
import { load } from '../io/model-file.js';
import { checkInputFile, checkOutputFile, sameFile } from '../io/paths.js';
import { trackTempFile } from '../io/temp-files.js';
import '../presets/index.js';
import { type Preset, isExplainable, isPreset } from '../presets/preset.js';
import { presetClass } from '../presets/registry.js';
import { int, intOption, list, readOptions, withReadOptions } from './options.js';
import { cliMessage, fail, installProcessHandlers, reporter, warn } from './process.js';
import { formatImportance, formatReport } from './report.js';
import { parseShard, scoreFile } from './score-file.js';
import { type Flags, TRAINERS, checkTestColumns, presetOptions, trainSpec } from './train.js';
import { registerConsume } from './consume.js';
import { registerServe } from './serve.js';
import { registerPlan } from './plan.js';
import { recommenderArgv, registerRecommenderCommands } from './recommend.js';
import { checkCurvesPath, registerHtmlReport, writeCurves } from './report-html.js';
import { imagesArgv, registerImageCommands } from './images.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** A saved preset of any kind; a plain network is scored from code, not here. */
async function loadPreset(path: string): Promise<Preset> {
  const m = await load(path);
  if (!isPreset(m)) throw new InputError(`${path} holds a plain network, not a preset; score it from code with model.forward()`);
  return m;
}

/** An output path that must not overwrite one of the inputs (the training data, say). */
async function checkOutput(out: string, flag: string, inputs: [string, string][]): Promise<void> {
  if (out === '-') return;
  await checkOutputFile(out, flag);
  for (const [path, name] of inputs)
    if (await sameFile(out, path)) throw new InputError(`${flag} ${out} is the same file as ${name}; saving would overwrite it`, 'ESAMEFILE');
}

/** Writes the model to stdout: saved to a private temp file first (the format needs offsets), then copied. */
async function saveToStdout(model: Preset): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tensorlift-'));
  const file = join(dir, 'model.safetensors');
  const release = trackTempFile(file);
  try {
    await model.save(file);
    await pipeline(createReadStream(file), process.stdout, { end: false });
  } finally {
    release();
    await rm(dir, { recursive: true, force: true });
  }
}

const program = new Command()
  .name('tensorlift')
  .description('Train, score and evaluate marketing models on CSV and JSON Lines files.')
  .version(version, '-V, --version', 'print the version')
  .configureOutput({
    // Commander's errors in the same one-line form as the rest.
    outputError: (text, write) => write(`tensorlift: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
  });

const train = withReadOptions(
  program
    .command('train')
    .description('train a preset on a CSV or JSON Lines file and save it')
    .argument('<preset>', `which model: ${Object.keys(TRAINERS).join(', ')}, recommender (its own options: train recommender --help)`)
    .requiredOption('--data <file>', 'training data with a header row (CSV) or one object per line (JSON Lines)')
    .option('--out <file>', "where to save the model ('-': stdout)", 'model.safetensors')
    .option('--exclude <columns>', 'comma-separated columns to leave out', list)
    .option('--test <file>', 'a held-out file to report metrics on after training')
    .option('--seed <n>', 'random seed', int('--seed'))
    .option('--curves <file.svg>', 'also write the training curves (loss and validation measure per epoch) to an SVG file'),
);
for (const option of presetOptions()) train.addOption(option);
train.action(async (preset: string, o: Flags, cmd: Command) => {
  const spec = trainSpec(preset, o, (attr) => cmd.getOptionValueSource(attr) === 'cli');
  const cls = presetClass(spec.kind);
  const say = reporter(o.out === '-');
  const read = readOptions(o as Parameters<typeof readOptions>[0]);
  if (o.out === '-' && process.stdout.isTTY) throw new InputError('--out - would write a binary model to the terminal; redirect stdout to a file or a pipe');
  // Everything that can fail without training fails now: paths, the output directory, the files' format.
  await checkInputFile(o.data, '--data');
  if (o.test) await checkInputFile(o.test, '--test');
  const unlabelledPath = (o as Flags & { unlabelled?: string }).unlabelled;
  if (unlabelledPath) await checkInputFile(unlabelledPath, '--unlabelled');
  await checkOutput(o.out, '--out', [[o.data, '--data'], ...(o.test ? [[o.test, '--test'] as [string, string]] : []), ...(unlabelledPath ? [[unlabelledPath, '--unlabelled'] as [string, string]] : [])]);
  const curves = (o as Flags & { curves?: string }).curves;
  await checkCurvesPath(curves, spec.kind, [o.data, ...(o.test ? [o.test] : []), ...(o.out === '-' ? [] : [o.out])]);
  const data = await readTable(o.data, read);
  const test = o.test ? await readTable(o.test, read) : undefined;
  if (test) checkTestColumns(spec, data, test, o);
  const started = performance.now();
  process.stderr.write(`training ${preset} on ${o.data} (${data.rows.length} rows${o.target ? `, target '${o.target}'` : ''}) ...\n`);
  // Texts without labels (sentiment, intent) are read like --data: same delimiter and encoding.
  const unlabelled = unlabelledPath ? { unlabelled: await readTable(unlabelledPath, read) } : {};
  const fitOptions = { ...spec.fitOptions(o, (line) => process.stderr.write(`${line}\n`)), onWarning: warn, ...unlabelled };
  const model = await cls.fit(data, fitOptions as never);
  say(spec.trained(model, (performance.now() - started) / 1000));
  if (test) say(`\ntest set ${o.test}:\n${formatReport(await model.evaluate(test, { onWarning: warn }))}`);
  if (o.out === '-') await saveToStdout(model);
  else await model.save(o.out);
  say(`\nsaved ${o.out === '-' ? 'to stdout' : o.out}`);
  if (curves) await writeCurves(model, curves);
});

withReadOptions(
  program
    .command('predict')
    .description("score a CSV or JSON Lines file of any size (streamed) and write it with the model's prediction columns")
    .requiredOption('--model <file>', 'a model saved by train')
    .requiredOption('--in <file>', 'file to score')
    .requiredOption('--out <file>', "file to write: the input columns + the prediction's (.jsonl: JSON Lines; '-': stdout)")
    .option('--column <name>', "a new name for the prediction's column (default: probability, or class for more classes)")
    .option('--impute-missing', 'score rows that lack some of the trained columns, imputing them (default: an error)')
    .option('--workers <n>', 'worker threads scoring batches side by side (0: none; text models gain most)', intOption('--workers', 0), 0)
    .option('--shard <i/n>', 'score only rows whose row number r has r % n = i (0 <= i < n): n jobs together score every row once', (v: string) => {
      try {
        return parseShard(v);
      } catch (e) {
        throw new InvalidArgumentError(cliMessage(e));
      }
    }),
).action(async (o) => {
  const say = reporter(o.out === '-');
  await checkInputFile(o.model, '--model');
  await checkInputFile(o.in, '--in');
  await checkOutput(o.out, '--out', [[o.in, '--in'], [o.model, '--model']]);
  const model = await loadPreset(o.model);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'scoring [{bar}] {percentage}% | {rows} rows', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(100, 0, { rows: 0 });
  try {
    const { rows } = await scoreFile(model, o.in, o.out, {
      column: o.column, read: readOptions(o), missing: o.imputeMissing ? 'impute' : 'error', onWarning: warn, shard: o.shard, workers: o.workers,
      onProgress: (done, total, scored) => bar?.update(Math.floor((100 * done) / Math.max(total, 1)), { rows: scored }),
    });
    bar?.update(100, { rows });
    bar?.stop();
    say(`scored ${rows} rows -> ${o.out === '-' ? 'stdout' : o.out}`);
  } finally {
    bar?.stop();
  }
});

withReadOptions(
  program
    .command('evaluate')
    .description("the model's metrics on labelled rows (ROC AUC, lift and capture rates; accuracy, macro F1 and top-k for more classes)")
    .requiredOption('--model <file>', 'a model saved by train')
    .requiredOption('--data <file>', 'labelled data (with the target column)')
    .option('--impute-missing', 'accept rows that lack some of the trained columns, imputing them'),
).action(async (o) => {
  await checkInputFile(o.model, '--model');
  await checkInputFile(o.data, '--data');
  const model = await loadPreset(o.model);
  const report = await model.evaluate(o.data, { read: readOptions(o), missing: o.imputeMissing ? 'impute' : 'error', onWarning: warn });
  console.log(formatReport(report));
});

withReadOptions(
  program
    .command('importance')
    .description('the columns the model relies on most (permutation importance)')
    .requiredOption('--model <file>', 'a model saved by train')
    .requiredOption('--data <file>', 'labelled data (with the target column)')
    .option('--top <n>', 'how many columns to show', int('--top'), 10)
    .option('--impute-missing', 'accept rows that lack some of the trained columns, imputing them'),
).action(async (o) => {
  await checkInputFile(o.model, '--model');
  await checkInputFile(o.data, '--data');
  const model = await loadPreset(o.model);
  if (!isExplainable(model)) throw new InputError(`importance: a '${model.kind}' model has no permutation importance`);
  const items = await model.importance(o.data, { read: readOptions(o), missing: o.imputeMissing ? 'impute' : 'error', onWarning: warn });
  console.log(formatImportance(items, o.top));
});

program
  .command('describe')
  .description('what a saved model predicts, from which columns, trained on what, and how well')
  .requiredOption('--model <file>', 'a model saved by train')
  .action(async (o) => {
    await checkInputFile(o.model, '--model');
    const model = await loadPreset(o.model);
    console.log(model.describe());
  });

program
  .command('bench')
  .description('run the benchmarks (CPU suites, or the GPU suite with --device cuda)')
  .option('--device <device>', 'cpu or cuda', 'cpu')
  .argument('[suites...]', 'CPU suites: gemm, elementwise, training (default: all)')
  .action(async (suites: string[], o) => {
    if (o.device !== 'cpu' && o.device !== 'cuda') throw new InputError(`--device must be cpu or cuda, got ${o.device}`);
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL(o.device === 'cuda' ? '../../bench/cuda.mjs' : '../../bench/run.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, ...suites], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

registerServe(program);
registerConsume(program);
registerPlan(program);

registerRecommenderCommands(program);
registerHtmlReport(program);
registerImageCommands(program);

installProcessHandlers();
program.parseAsync(imagesArgv(recommenderArgv(process.argv))).catch((e: unknown) => fail(e));
