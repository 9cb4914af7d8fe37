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
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { InputError, columnList } from '../data/errors.js';
import { inferSchema } from '../data/schema.js';
import { parseDelimiter } from '../data/sniff.js';
import type { ReadOptions } from '../data/source.js';
import type { Table } from '../data/table.js';
import { readTable } from '../data/source.js';
import { load } from '../io/model-file.js';
import { checkInputFile, checkOutputFile, sameFile } from '../io/paths.js';
import { trackTempFile } from '../io/temp-files.js';
import { ChurnModel } from '../presets/churn.js';
import { cliMessage, fail, installProcessHandlers, reporter, warn } from './process.js';
import { formatImportance, formatReport } from './report.js';
import { recommenderArgv, registerRecommenderCommands } from './recommend.js';
import { scoreFile } from './score-file.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const int = (name: string, max = Infinity) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 1${max < Infinity ? ` to ${max}` : ' up'}`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const delimiter = (v: string) => {
  try {
    return parseDelimiter(v);
  } catch (e) {
    throw new InvalidArgumentError(cliMessage(e));
  }
};

/** The options every command that reads data files shares. */
function withReadOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--delimiter <char>', 'field separator of CSV input: , ; tab | or any character (default: sniffed from the header)').argParser(delimiter))
    .option('--encoding <name>', 'text encoding of the input when not UTF-8, e.g. latin1 (Windows-1252) or utf-16le')
    .addOption(new Option('--format <format>', 'input format (default: from the extension; .jsonl/.ndjson are JSON Lines)').choices(['csv', 'jsonl']));
}
const readOptions = (o: { delimiter?: string; encoding?: string; format?: 'csv' | 'jsonl' }): ReadOptions => ({
  delimiter: o.delimiter, encoding: o.encoding, format: o.format,
});

async function loadScorer(path: string): Promise<ChurnModel> {
  const m = await load(path);
  if (!(m instanceof ChurnModel)) throw new InputError(`${path} holds a plain network, not a preset; score it from code with model.forward()`);
  return m;
}

/** An output path that must not overwrite one of the inputs (the training data, say). */
async function checkOutput(out: string, flag: string, inputs: [string, string][]): Promise<void> {
  if (out === '-') return;
  await checkOutputFile(out, flag);
  for (const [path, name] of inputs)
    if (await sameFile(out, path)) throw new InputError(`${flag} ${out} is the same file as ${name}; saving would overwrite it`, 'ESAMEFILE');
}

/** The --test file must have the target and every feature column, or it would fail after training. */
function checkTestColumns(data: Table, test: Table, o: { target: string; exclude?: string[]; test: string }): void {
  const schema = inferSchema(data, o.target, { exclude: o.exclude });
  const needed = [o.target, ...schema.filter((c) => ['numeric', 'boolean', 'categorical'].includes(c.kind)).map((c) => c.name)];
  const absent = needed.filter((c) => data.columns.includes(c) && !test.columns.includes(c));
  if (absent.length)
    throw new InputError(`--test ${o.test} lacks ${absent.length === 1 ? 'a column' : 'columns'} of --data: ${columnList(absent.map((c) => `'${c}'`))} (add ${absent.length === 1 ? 'it' : 'them'}, or leave ${absent.length === 1 ? 'it' : 'them'} out of training with --exclude)`);
}

/** Writes the model to stdout: saved to a private temp file first (the format needs offsets), then copied. */
async function saveToStdout(model: ChurnModel): Promise<void> {
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

withReadOptions(
  program
    .command('train')
    .description('train a preset on a CSV or JSON Lines file and save it')
    .argument('<preset>', 'which model: churn (alias propensity); recommender has its own options (train recommender --help)')
    .requiredOption('--data <file>', 'training data with a header row (CSV) or one object per line (JSON Lines)')
    .requiredOption('--target <column>', 'the yes/no outcome column')
    .option('--out <file>', "where to save the model ('-': stdout)", 'model.safetensors')
    .option('--positive <value>', 'the positive value of the target, when not obvious')
    .option('--exclude <columns>', 'comma-separated columns to leave out', list)
    .option('--test <file>', 'a held-out file to report metrics on after training')
    .option('--ensemble <n>', 'networks in the ensemble (1-20)', int('--ensemble', 20))
    .option('--epochs <n>', 'maximum epochs per network', int('--epochs'))
    .option('--seed <n>', 'random seed', int('--seed')),
).action(async (preset: string, o) => {
  if (!['churn', 'propensity'].includes(preset)) throw new InputError(`unknown preset '${preset}' (available: churn, propensity)`);
  const say = reporter(o.out === '-');
  const read = readOptions(o);
  if (o.out === '-' && process.stdout.isTTY) throw new InputError('--out - would write a binary model to the terminal; redirect stdout to a file or a pipe');
  // Everything that can fail without training fails now: paths, the output directory, the files' format.
  await checkInputFile(o.data, '--data');
  if (o.test) await checkInputFile(o.test, '--test');
  await checkOutput(o.out, '--out', [[o.data, '--data'], ...(o.test ? [[o.test, '--test'] as [string, string]] : [])]);
  const data = await readTable(o.data, read);
  const test = o.test ? await readTable(o.test, read) : undefined;
  if (test) checkTestColumns(data, test, o);
  const started = performance.now();
  process.stderr.write(`training ${preset} on ${o.data} (${data.rows.length} rows, target '${o.target}') ...\n`);
  const model = await ChurnModel.fit(data, {
    target: o.target, positive: o.positive, exclude: o.exclude, ensemble: o.ensemble, epochs: o.epochs, seed: o.seed,
    progress: process.stderr.isTTY, onWarning: warn,
    onNetwork: ({ network, networks, epochs, auc }) =>
      process.stderr.write(
        epochs === undefined
          ? `network ${network}/${networks}: training\n`
          : `network ${network}/${networks}: ${epochs} epochs, ROC AUC ${auc!.toFixed(4)} on its held-out rows\n`,
      ),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say(`trained ${model.nets.length} networks in ${seconds} s; out-of-fold ROC AUC ${model.validation.auc.toFixed(4)}`);
  if (test) say(`\ntest set ${o.test}:\n${formatReport(await model.evaluate(test, { onWarning: warn }))}`);
  if (o.out === '-') await saveToStdout(model);
  else await model.save(o.out);
  say(`\nsaved ${o.out === '-' ? 'to stdout' : o.out}`);
});

withReadOptions(
  program
    .command('predict')
    .description('score a CSV or JSON Lines file of any size (streamed) and write it with a probability column')
    .requiredOption('--model <file>', 'a model saved by train')
    .requiredOption('--in <file>', 'file to score')
    .requiredOption('--out <file>', "file to write: the input columns + the score (.jsonl: JSON Lines; '-': stdout)")
    .option('--column <name>', 'name of the score column', 'probability')
    .option('--impute-missing', 'score rows that lack some of the trained columns, imputing them (default: an error)'),
).action(async (o) => {
  const say = reporter(o.out === '-');
  await checkInputFile(o.model, '--model');
  await checkInputFile(o.in, '--in');
  await checkOutput(o.out, '--out', [[o.in, '--in'], [o.model, '--model']]);
  const model = await loadScorer(o.model);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'scoring [{bar}] {percentage}% | {rows} rows', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(100, 0, { rows: 0 });
  try {
    const { rows } = await scoreFile(model, o.in, o.out, {
      column: o.column, read: readOptions(o), missing: o.imputeMissing ? 'impute' : 'error', onWarning: warn,
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
    .description('ROC AUC, log loss, lift table and capture rates of a model on labelled rows')
    .requiredOption('--model <file>', 'a model saved by train')
    .requiredOption('--data <file>', 'labelled data (with the target column)')
    .option('--impute-missing', 'accept rows that lack some of the trained columns, imputing them'),
).action(async (o) => {
  await checkInputFile(o.model, '--model');
  await checkInputFile(o.data, '--data');
  const model = await loadScorer(o.model);
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
  const model = await loadScorer(o.model);
  const items = await model.importance(o.data, { read: readOptions(o), missing: o.imputeMissing ? 'impute' : 'error', onWarning: warn });
  console.log(formatImportance(items, o.top));
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

registerRecommenderCommands(program);
installProcessHandlers();
program.parseAsync(recommenderArgv(process.argv)).catch((e: unknown) => fail(e));
