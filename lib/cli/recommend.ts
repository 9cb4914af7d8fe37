// The recommender's commands: `tensorlift train recommender --data ratings.csv --user userId
// --item movieId [--time timestamp] --out m.safetensors` and `tensorlift recommend --model m
// --users users.csv --k 10 --out recs.csv`, the second streamed (users read and lists written
// in blocks, the output renamed into place only when complete). Kept out of main.ts, which
// only registers them: `train recommender` is routed here before `train`'s own options apply.
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../data/errors.js';
import { readTable, streamRecords } from '../data/source.js';
import { load } from '../io/model-file.js';
import { checkInputFile, checkOutputFile, sameFile } from '../io/paths.js';
import { trackTempFile } from '../io/temp-files.js';
import { Recommender } from '../presets/recommender/recommender.js';
import type { Row } from '../data/table.js';
import { reporter, warn } from './process.js';

const HIDDEN = 'train-recommender';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

/** argv with `train recommender ...` turned into the hidden command that handles it. */
export function recommenderArgv(argv: string[]): string[] {
  const i = argv.indexOf('train');
  return i >= 2 && argv[i + 1] === 'recommender' ? [...argv.slice(0, i), HIDDEN, ...argv.slice(i + 2)] : argv;
}

/** Adds `train recommender` (via recommenderArgv) and `recommend` to the program. */
export function registerRecommenderCommands(program: Command): void {
  program
    .command(HIDDEN, { hidden: true })
    // Found by its alias (what recommenderArgv routes to); shown under the name users type.
    .name('train recommender')
    .alias(HIDDEN)
    .description('train recommender: learn top-k recommendations from an interaction log')
    .requiredOption('--data <file>', 'interactions: one row per (user, item) event, CSV or JSON Lines')
    .requiredOption('--user <column>', 'the user id column')
    .requiredOption('--item <column>', 'the item id column')
    .option('--time <column>', 'event time (numbers or ISO dates): enables the sequence model')
    .option('--rating <column>', 'a rating column (used with --min-rating)')
    .option('--min-rating <value>', 'keep only rows rated at least this', Number)
    .option('--item-features <file>', 'item rows with the --item column and text features (genres a|b|c) for cold items')
    .option('--user-features <file>', 'user rows with the --user column and feature columns (age, country, ...): for new users, and beside the model where validation says they help')
    .addOption(new Option('--model <kind>', 'which model (default: chosen on validation)').choices(['auto', 'sequential', 'ease']))
    .option('--test <file>', 'held-out interactions to report HR@10 / NDCG@10 on after training')
    .option('--seed <n>', 'random seed', positive('--seed'))
    .option('--out <file>', 'where to save the model', 'recommender.safetensors')
    .action(async (o) => {
      await checkInputFile(o.data, '--data');
      if (o.itemFeatures) await checkInputFile(o.itemFeatures, '--item-features');
      if (o.userFeatures) await checkInputFile(o.userFeatures, '--user-features');
      if (o.test) await checkInputFile(o.test, '--test');
      await checkOutputFile(o.out, '--out');
      if (await sameFile(o.out, o.data)) throw new InputError(`--out ${o.out} is the same file as --data; saving would overwrite it`, 'ESAMEFILE');
      const say = reporter(false);
      const data = await readTable(o.data);
      const itemFeatures = o.itemFeatures ? (await readTable(o.itemFeatures)).rows : undefined;
      const userFeatures = o.userFeatures ? (await readTable(o.userFeatures)).rows : undefined;
      process.stderr.write(`training recommender on ${o.data} (${data.rows.length} rows) ...\n`);
      const started = performance.now();
      const model = await Recommender.fit(data, {
        user: o.user, item: o.item, time: o.time, rating: o.rating, minRating: o.minRating, itemFeatures, userFeatures, model: o.model, seed: o.seed,
        onWarning: warn, onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      say(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s\n${model.describe()}`);
      if (o.test) {
        const r = await model.evaluate(o.test);
        say(`test ${o.test}: HR@10 ${r.hitRate.toFixed(4)}, NDCG@10 ${r.ndcg.toFixed(4)}, coverage ${r.coverage.toFixed(4)}, popularity bias ${r.popularityBias.toFixed(3)} (${r.rows} rows, full ranking)`);
      }
      await model.save(o.out);
      say(`saved ${o.out}`);
    });

  program
    .command('recommend')
    .description('top-k items for each user of a file (streamed): rows user, rank, item, score')
    .requiredOption('--model <file>', 'a recommender saved by train recommender')
    .requiredOption('--users <file>', "users to recommend for: a CSV/JSON Lines file with the model's user column (or one column); new users' feature columns are used when the model has user features")
    .option('--k <n>', 'items per user', positive('--k'), 10)
    .option('--include-seen', 'allow items the user already interacted with')
    .requiredOption('--out <file>', "where to write the lists (CSV; '-': stdout)")
    .action(async (o) => {
      await checkInputFile(o.model, '--model');
      await checkInputFile(o.users, '--users');
      if (o.out !== '-') {
        await checkOutputFile(o.out, '--out');
        for (const [p, f] of [[o.users, '--users'], [o.model, '--model']])
          if (await sameFile(o.out, p)) throw new InputError(`--out ${o.out} is the same file as ${f}; writing would overwrite it`, 'ESAMEFILE');
      }
      const model = await load(o.model);
      if (!(model instanceof Recommender)) throw new InputError(`${o.model} does not hold a recommender (train one with: tensorlift train recommender ...)`);
      const n = await writeRecommendations(model, o.users, o.out, o.k, !o.includeSeen);
      reporter(o.out === '-')(`wrote ${n} users' top-${o.k} lists -> ${o.out === '-' ? 'stdout' : o.out}`);
    });
}

/** Streams users in, lists out; returns the number of users. */
async function writeRecommendations(model: Recommender, usersFile: string, out: string, k: number, excludeSeen: boolean): Promise<number> {
  const temp = out === '-' ? undefined : `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const release = temp ? trackTempFile(temp) : () => undefined;
  const stream = temp ? createWriteStream(temp) : process.stdout;
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const ok = stream.write(text, (e) => (e ? reject(e) : undefined));
      if (ok) resolve();
      else stream.once('drain', resolve);
    });
  let column: string | undefined, count = 0;
  let block: string[] = [], blockRows: Row[] = [];
  const flush = async () => {
    const lists = model.recommendRows(blockRows, k, { excludeSeen });
    const rows = lists.flatMap((list, u) => list.map((r, rank) => [block[u], rank + 1, r.item, r.score]));
    if (rows.length) await write(stringify(rows));
    count += block.length;
    block = [];
    blockRows = [];
  };
  try {
    await write(stringify([['user', 'rank', 'item', 'score']]));
    for await (const { row } of streamRecords(usersFile)) {
      if (column === undefined) {
        const cols = Object.keys(row);
        column = cols.includes(model.columns.user) ? model.columns.user : cols.length === 1 ? cols[0] : undefined;
        if (column === undefined) throw new InputError(`--users ${usersFile} has no column '${model.columns.user}' (the model's user column) and more than one column`);
      }
      if (row[column] == null || row[column] === '') continue;
      block.push(String(row[column]));
      blockRows.push({ ...row, [model.columns.user]: row[column] });
      if (block.length === 256) await flush();
    }
    await flush();
    if (temp) {
      await new Promise<void>((resolve, reject) => (stream as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
      await rename(temp, out);
    }
    return count;
  } catch (e) {
    if (temp) {
      (stream as ReturnType<typeof createWriteStream>).destroy();
      await unlink(temp).catch(() => undefined);
    }
    throw e;
  } finally {
    release();
  }
}
