#!/usr/bin/env node
// npm run gpu:check [-- --out DIR] [--quick] [--tests-only] [--allow-cpu]
//   --allow-cpu: no TENSORLIFT_REQUIRE_CUDA, and without a GPU the CPU-side test run and the
//   benchmark's dry run (a rehearsal of this script on any machine)
//
// One command for a GPU machine (plain node: no dev dependencies, nothing downloaded): runs the
// whole CUDA suite (test/cuda) with TENSORLIFT_REQUIRE_CUDA=1, so a missing device fails
// instead of skipping, then the GPU benchmark beside PyTorch (bench/cuda.mjs), and writes
//   DIR/results.md    the table to read (and to copy into bench/RESULTS.md)
//   DIR/results.json  the same, machine-readable
//   DIR/tests.jsonl   one line per test; tests.log and bench.log the raw output
// DIR: --out, else $TENSORLIFT_GPU_OUT, else $OUT (what a device run brings back), else a
// fresh folder under the system's temp dir. Exit code 0 only when every test passed and the
// benchmark ran. Expects the addon (build/) and the compiled package (dist/) to be built.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const out = resolve(value('--out') ?? process.env.TENSORLIFT_GPU_OUT ?? process.env.OUT ??
  join(tmpdir(), `tensorlift-gpu-check-${new Date().toISOString().replace(/[:.]/g, '-')}`));
mkdirSync(out, { recursive: true });
const started = Date.now();
// Both fit the device call's timeout_s of 420 s (README) with room for loading and writing.
const TESTS_TIMEOUT_MS = 150_000, BENCH_TIMEOUT_MS = 240_000;
const log = (line) => console.log(`gpu:check: ${line}`);

for (const need of [join(root, 'build', 'Release', 'tensorlift.node'), join(root, 'dist', 'index.js')])
  if (!existsSync(need)) {
    console.error(`gpu:check: ${need} is missing: build first (npm run build:native && npm run build:ts)`);
    process.exit(2);
  }

const env = { ...process.env };
if (!flag('--allow-cpu')) env.TENSORLIFT_REQUIRE_CUDA = '1';

function probe(extraEnv = {}) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    "const tl = await import(process.argv[1]); console.log(JSON.stringify(tl.cuda.status()));", join(root, 'dist', 'index.js')],
  { env: { ...env, ...extraEnv }, encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { available: false, reason: `status probe failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  }
}

// cuBLAS may live only inside a Python environment the loader's globs do not reach (a venv
// elsewhere): ask that Python where its nvidia wheels are, and point TENSORLIFT_CUBLAS there.
function cublasFromPython() {
  const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const code = `
import importlib.util, os, glob
found = []
for mod in ("nvidia.cu13", "nvidia.cublas", "nvidia"):
    try:
        spec = importlib.util.find_spec(mod)
    except Exception:
        continue
    for base in (spec.submodule_search_locations or []) if spec else []:
        found += sorted(glob.glob(os.path.join(base, "**", "libcublas.so.1[23]"), recursive=True), reverse=True)
print(found[0] if found else "")`;
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

let status = probe();
if (!status.available && status.built && /cuBLAS/.test(status.reason ?? '') && !env.TENSORLIFT_CUBLAS) {
  const lib = cublasFromPython();
  if (lib) {
    log(`cuBLAS not on the usual paths; using ${lib} from Python's nvidia wheels`);
    env.TENSORLIFT_CUBLAS = lib;
    status = probe();
  }
}
log(status.available ? `CUDA: ${status.device} (sm_${status.computeCapability}), cuBLAS ${status.cublas}` : `CUDA unavailable: ${status.reason}`);

const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit', '--format=csv,noheader'], { encoding: 'utf8' });
const machine = {
  date: new Date().toISOString(),
  node: process.version,
  gpu: smi.status === 0 ? smi.stdout.trim() : null,
  status,
  env: Object.fromEntries(['TENSORLIFT_CUBLAS', 'TENSORLIFT_REQUIRE_CUDA', 'CUDA_VISIBLE_DEVICES'].filter((k) => env[k]).map((k) => [k, env[k]])),
};

// Runs a child with its output both shown and saved; resolves with its exit code.
function run(args, logFile, timeoutMs) {
  return new Promise((resolvePromise) => {
    const file = createWriteStream(join(out, logFile));
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    for (const s of [child.stdout, child.stderr]) s.on('data', (chunk) => { process.stdout.write(chunk); file.write(chunk); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      file.end();
      resolvePromise(signal ? `killed (${signal}, timeout ${timeoutMs / 1000} s)` : code);
    });
  });
}

log(`results go to ${out}`);
const testsFile = join(out, 'tests.jsonl');
const testCode = await run(['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'scripts', 'test-reporter.mjs')}`, `--test-reporter-destination=${testsFile}`,
  join(root, 'test', 'cuda')], 'tests.log', TESTS_TIMEOUT_MS);
const rows = existsSync(testsFile) ? readFileSync(testsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const tests = rows.filter((r) => r.type === 'test');
const count = (s) => tests.filter((t) => t.status === s).length;
const summary = { pass: count('pass'), fail: count('fail'), skip: count('skip'), exit: testCode };

let bench = null, benchCode = 'not run';
if (!flag('--tests-only')) {
  const benchJson = join(out, 'bench.json');
  // --allow-cpu without a GPU: the benchmark's dry run (toy sizes on the CPU) checks the scripts.
  const benchArgs = [...(flag('--quick') ? ['--quick'] : []), ...(!status.available && flag('--allow-cpu') ? ['--dry-run'] : [])];
  benchCode = await run([join(root, 'bench', 'cuda.mjs'), '--json', benchJson, ...benchArgs], 'bench.log', BENCH_TIMEOUT_MS);
  if (existsSync(benchJson)) bench = JSON.parse(readFileSync(benchJson, 'utf8'));
}

const ok = summary.fail === 0 && summary.pass > 0 && testCode === 0 && (flag('--tests-only') || benchCode === 0);
const results = { ok, machine, tests: summary, failures: tests.filter((t) => t.status === 'fail'), skipped: tests.filter((t) => t.status === 'skip'),
  bench, benchExit: benchCode, seconds: Math.round((Date.now() - started) / 1000) };
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const md = [];
md.push(`# tensorlift GPU check, ${machine.date}`, '');
md.push(`- Result: **${ok ? 'PASS' : 'FAIL'}** (${results.seconds} s)${status.available ? '' : ' (a rehearsal without a GPU: CPU-side tests, benchmark dry run)'}`);
md.push(`- Device: ${status.available ? `${status.device}, sm_${status.computeCapability}, ${((status.memoryBytes ?? 0) / 2 ** 30).toFixed(0)} GiB` : `unavailable: ${status.reason}`}`);
md.push(`- nvidia-smi: ${machine.gpu ?? 'n/a'}`, `- cuBLAS: ${status.cublas ?? 'n/a'}`, `- Node ${machine.node}`, '');
md.push(`## Tests (node --test test/cuda, TENSORLIFT_REQUIRE_CUDA=${env.TENSORLIFT_REQUIRE_CUDA ?? '0'})`, '');
md.push(`${summary.pass} passed, ${summary.fail} failed, ${summary.skip} skipped (exit ${testCode})`, '');
if (results.failures.length) {
  md.push('| failed test | error |', '|---|---|');
  for (const f of results.failures) md.push(`| ${f.path} (${f.file}) | ${String(f.error ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 400)} |`);
  md.push('');
}
const byReason = new Map();
for (const t of results.skipped) byReason.set(t.reason ?? '', [...(byReason.get(t.reason ?? '') ?? []), t.name]);
for (const [reason, names] of byReason) md.push(`Skipped (${reason || 'no reason given'}): ${names.join('; ')}`, '');
md.push(`## Benchmark (bench/cuda.mjs, exit ${benchCode})`, '');
if (bench) {
  md.push(bench.header ?? '', '');
  for (const t of bench.tables ?? []) md.push(`### ${t.title}`, '', ...t.lines, '', ...(t.notes ?? []).map((n) => `> ${n}`), '');
} else {
  md.push('No benchmark results (see bench.log).', '');
}
writeFileSync(join(out, 'results.md'), `${md.join('\n')}\n`);
log(`${ok ? 'PASS' : 'FAIL'}: ${summary.pass} passed, ${summary.fail} failed, ${summary.skip} skipped; benchmark exit ${benchCode}; ${join(out, 'results.md')}`);
process.exit(ok ? 0 : 1);
