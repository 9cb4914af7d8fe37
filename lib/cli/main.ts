#!/usr/bin/env node
// The tensorlift command line: train a preset from a CSV file, score files of any size,
// evaluate and explain a saved model.
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { load } from '../io/model-file.js';
import { ChurnModel } from '../presets/churn.js';
import { formatImportance, formatReport } from './report.js';
import { scoreFile } from './score-file.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

async function loadScorer(path: string): Promise<ChurnModel> {
  const m = await load(path);
  if (!(m instanceof ChurnModel)) throw new TypeError(`${path} holds a plain network, not a preset; score it from code with model.forward()`);
  return m;
}

const program = new Command()
  .name('tensorlift')
  .description('Train, score and evaluate marketing models on CSV files.')
  .showHelpAfterError();

program
  .command('train')
  .description('train a preset on a CSV file and save it')
  .argument('<preset>', 'which model: churn (alias propensity)')
  .requiredOption('--data <file>', 'training CSV with a header row')
  .requiredOption('--target <column>', 'the yes/no outcome column')
  .option('--out <file>', 'where to save the model', 'model.safetensors')
  .option('--positive <value>', 'the positive value of the target, when not obvious')
  .option('--exclude <columns>', 'comma-separated columns to leave out', list)
  .option('--test <file>', 'a held-out CSV to report metrics on after training')
  .option('--ensemble <n>', 'networks in the ensemble', int('--ensemble'))
  .option('--epochs <n>', 'maximum epochs per network', int('--epochs'))
  .option('--seed <n>', 'random seed', int('--seed'))
  .action(async (preset: string, o) => {
    if (!['churn', 'propensity'].includes(preset)) throw new InvalidArgumentError(`unknown preset '${preset}' (available: churn, propensity)`);
    const started = performance.now();
    process.stderr.write(`training ${preset} on ${o.data} (target '${o.target}') ...\n`);
    const model = await ChurnModel.fit(o.data, {
      target: o.target, positive: o.positive, exclude: o.exclude, ensemble: o.ensemble, epochs: o.epochs, seed: o.seed,
      progress: process.stderr.isTTY,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`trained ${model.nets.length} networks in ${seconds} s; out-of-fold ROC AUC ${model.validation.auc.toFixed(4)}`);
    if (o.test) console.log(`\ntest set ${o.test}:\n${formatReport(await model.evaluate(o.test))}`);
    await model.save(o.out);
    console.log(`\nsaved ${o.out}`);
  });

program
  .command('predict')
  .description('score a CSV file of any size (streamed) and write it with a probability column')
  .requiredOption('--model <file>', 'a model saved by train')
  .requiredOption('--in <file>', 'CSV to score')
  .requiredOption('--out <file>', 'CSV to write (the input columns + the score)')
  .option('--column <name>', 'name of the score column', 'probability')
  .action(async (o) => {
    const model = await loadScorer(o.model);
    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar({ format: 'scoring [{bar}] {percentage}% | {rows} rows', stream: process.stderr }, cliProgress.Presets.shades_classic)
      : null;
    bar?.start(100, 0, { rows: 0 });
    const { rows } = await scoreFile(model, o.in, o.out, {
      column: o.column,
      onProgress: (done, total, scored) => bar?.update(Math.floor((100 * done) / Math.max(total, 1)), { rows: scored }),
    });
    bar?.update(100, { rows });
    bar?.stop();
    console.log(`scored ${rows} rows -> ${o.out}`);
  });

program
  .command('evaluate')
  .description('ROC AUC, log loss, lift table and capture rates of a model on labelled rows')
  .requiredOption('--model <file>', 'a model saved by train')
  .requiredOption('--data <file>', 'labelled CSV (with the target column)')
  .action(async (o) => {
    const model = await loadScorer(o.model);
    console.log(formatReport(await model.evaluate(o.data)));
  });

program
  .command('importance')
  .description('the columns the model relies on most (permutation importance)')
  .requiredOption('--model <file>', 'a model saved by train')
  .requiredOption('--data <file>', 'labelled CSV (with the target column)')
  .option('--top <n>', 'how many columns to show', int('--top'), 10)
  .action(async (o) => {
    const model = await loadScorer(o.model);
    console.log(formatImportance(await model.importance(o.data), o.top));
  });

program
  .command('bench')
  .description('run the benchmarks (CPU suites, or the GPU suite with --device cuda)')
  .option('--device <device>', 'cpu or cuda', 'cpu')
  .argument('[suites...]', 'CPU suites: gemm, elementwise, training (default: all)')
  .action(async (suites: string[], o) => {
    if (o.device !== 'cpu' && o.device !== 'cuda') throw new InvalidArgumentError(`--device must be cpu or cuda, got ${o.device}`);
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL(o.device === 'cuda' ? '../../bench/cuda.mjs' : '../../bench/run.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, ...suites], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`tensorlift: ${e.message}`);
  process.exitCode = 1;
});
