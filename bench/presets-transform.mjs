// node bench/presets-transform.mjs [other-dist]: Preprocessor.transform of 1000 rows (fitted on
// 3000) of the shared churn sets, as readCsv gives them (objects of strings), as JSON.parse
// makes them (strings, and numbers as numbers); with another build's dist/ (say, of an earlier commit: `git
// archive <commit> lib binding.d.ts tsconfig.json | tar -x -C /tmp/base && cd /tmp/base &&
// npx tsc`) also that build's transform, interleaved, and whether both give identical bytes.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { asJsonNumbers, loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'mlc_churn.csv'))) {
  console.log(`bench: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
process.env.TENSORLIFT_ADDON ??= join(root, 'build', 'Release', 'tensorlift.node'); // one addon for both builds
const tl = await loadTensorlift();
const other = process.argv[2] ? await import(join(resolve(process.argv[2]), 'index.js')) : null;
console.log(`Preprocessor.transform, ${new Date().toISOString()}, ${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const out = [];
for (const [file, target] of [['wa_churn.csv', 'churn'], ['mlc_churn.csv', 'churn'], ['ticdata.csv', 'CARAVAN']]) {
  const { rows } = await tl.data.readCsv(join(dataDir, file));
  const train = { rows: rows.slice(0, 3000), columns: Object.keys(rows[0]) };
  const mine = tl.data.Preprocessor.fit(train, train.rows.map((_, i) => i), tl.data.inferSchema(train, target));
  const theirs = other?.data.Preprocessor.fromJSON(JSON.parse(JSON.stringify(mine.toJSON())));
  const score = rows.slice(3000, 4000);
  for (const [kind, rs] of [['readCsv rows', score], ['JSON.parse rows', JSON.parse(JSON.stringify(score))], ['JSON numbers', asJsonNumbers(score)]]) {
    const t = { rows: rs, columns: [] };
    const pre = theirs ? [theirs, mine] : [mine];
    const e = pre.map((p) => p.transform(t));
    const same = e.every((x) => Buffer.from(x.numeric.buffer).equals(Buffer.from(e[0].numeric.buffer)) && Buffer.from(x.categorical.buffer).equals(Buffer.from(e[0].categorical.buffer)));
    const best = pre.map(() => Infinity);
    for (let k = 0; k < 30; k++)
      pre.forEach((p, i) => {
        const t0 = performance.now();
        for (let j = 0; j < 10; j++) p.transform(t);
        best[i] = Math.min(best[i], (performance.now() - t0) / 10);
      });
    const values = rs.length * mine.columns.length;
    out.push([file, kind, mine.columns.length, ...(theirs ? [best[0].toFixed(3)] : []), best.at(-1).toFixed(3), (best.at(-1) * 1e6 / values).toFixed(1),
      ...(theirs ? [`**${(best[0] / best[1]).toFixed(2)}x**`, same] : [])]);
  }
}
printTable('transform of 1000 rows, ms, best of 30 x 10' + (other ? ', interleaved with the other build' : ''),
  ['data set', 'row objects', 'columns', ...(other ? ['other build'] : []), 'this build', 'ns per value', ...(other ? ['speed-up', 'identical'] : [])], out);
