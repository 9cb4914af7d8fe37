// `tensorlift report --model m --data holdout.csv --out report.html`: the model's evaluation as
// one self-contained HTML page (lib/report), and the training curves a `train --curves` run
// writes. Paths are checked before any work, as every command does.
import { type Command, InvalidArgumentError } from 'commander';
import { InputError } from '../data/errors.js';
import { readTable } from '../data/source.js';
import { load } from '../io/model-file.js';
import { checkInputFile, checkOutputFile, sameFile } from '../io/paths.js';
import { type Preset, isPreset } from '../presets/preset.js';
import { write as writeReport } from '../report/index.js';
import { trainingCurvesSvg } from '../report/training.js';
import { atomicWrite } from '../report/write.js';
import { readOptions, withReadOptions } from './options.js';
import { warn } from './process.js';

const number = (flag: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number, got '${v}'`);
  return n;
};

/** The kinds whose training records per-epoch curves. */
const CURVE_KINDS = ['churn', 'propensity', 'ltv', 'uplift', 'segments'];

/** Fails now (before training) if `--curves` cannot be written, or the kind records no curves. */
export async function checkCurvesPath(path: string | undefined, kind: string, inputs: string[]): Promise<void> {
  if (!path) return;
  if (!CURVE_KINDS.includes(kind)) throw new InputError(`--curves: a '${kind}' model records no per-epoch training history (${CURVE_KINDS.join(', ')} models do)`);
  if (!/\.svg$/i.test(path)) throw new InputError(`--curves ${path}: the training curves are an SVG file; give a name ending in .svg`);
  await checkOutputFile(path, '--curves');
  for (const p of inputs) if (await sameFile(path, p)) throw new InputError(`--curves ${path} is the same file as ${p}; writing would overwrite it`, 'ESAMEFILE');
}

/** Writes the trained model's curves to `path` (a model kind that records none is an error). */
export async function writeCurves(model: Preset, path: string): Promise<void> {
  let svg: string;
  try {
    svg = await trainingCurvesSvg(model);
  } catch {
    throw new InputError(`--curves: a '${model.kind}' model records no per-epoch training history (${CURVE_KINDS.join(', ')} models do)`);
  }
  await atomicWrite(path, svg);
}

export function registerHtmlReport(program: Command): void {
  withReadOptions(
    program
      .command('report')
      .description('an HTML report of a model on labelled data: charts (gains, calibration, ROC, residuals, segment profiles, ...) and the numbers, in one self-contained file')
      .requiredOption('--model <file>', 'a model saved by train')
      .requiredOption('--data <file>', 'labelled rows the model did not train on (held-out interactions for a recommender)')
      .requiredOption('--out <file>', 'the HTML file to write')
      .option('--title <text>', "the page's title")
      .option('--cost-per-contact <n>', 'add a campaign plan (uplift and churn models): what one contact costs', number('--cost-per-contact'))
      .option('--value-per-conversion <n>', 'uplift plan: what one incremental conversion is worth', number('--value-per-conversion'))
      .option('--value-per-saved <n>', 'churn plan: what keeping one customer is worth', number('--value-per-saved'))
      .option('--offer-success-rate <r>', 'churn plan: ASSUMED share of contacted would-be churners the offer keeps (0-1]', number('--offer-success-rate'))
      .option('--budget <n>', 'plan: the most the campaign may spend on contacts', number('--budget'))
      .option('--impute-missing', 'accept rows that lack some of the trained columns, imputing them'),
  ).action(async (o) => {
    await checkInputFile(o.model, '--model');
    await checkInputFile(o.data, '--data');
    await checkOutputFile(o.out, '--out');
    for (const [p, flag] of [[o.model, '--model'], [o.data, '--data']])
      if (await sameFile(o.out, p)) throw new InputError(`--out ${o.out} is the same file as ${flag}; writing would overwrite it`, 'ESAMEFILE');
    // The plan's own checks (plan() of the model) name any missing or bad amount by its flag.
    const planFlags = ['valuePerConversion', 'valuePerSaved', 'offerSuccessRate', 'budget'] as const;
    if (o.costPerContact === undefined && planFlags.some((k) => o[k] !== undefined))
      throw new InputError('the plan options (--value-per-conversion, --value-per-saved, --offer-success-rate, --budget) plan a campaign; give --cost-per-contact too');
    const plan = o.costPerContact === undefined ? undefined
      : { costPerContact: o.costPerContact as number, ...Object.fromEntries(planFlags.filter((k) => o[k] !== undefined).map((k) => [k, o[k] as number])) };
    const model = await load(o.model);
    if (!isPreset(model)) throw new InputError(`${o.model} holds a plain network, not a preset; a report needs a preset's evaluation`);
    const started = performance.now();
    const data = await readTable(o.data, readOptions(o));
    await writeReport(model, data, o.out, { title: o.title, modelPath: o.model, plan, missing: o.imputeMissing ? 'impute' : 'error', onWarning: warn });
    process.stderr.write(`report of ${data.rows.length} rows -> ${o.out} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  });
}
