// npm run bench [-- gemm|elementwise ...]: runs the CPU benchmark suites (all by default).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchDir } from './common.mjs';

const suites = { gemm: 'gemm.mjs', elementwise: 'elementwise.mjs', training: 'training.mjs', inference: 'inference.mjs', transfer: 'transfer.mjs', presets: 'presets.mjs', conv: 'conv.mjs' };
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  if (!suites[name]) {
    console.error(`bench: unknown suite '${name}' (have: ${Object.keys(suites).join(', ')})`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, [join(benchDir, suites[name])], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
