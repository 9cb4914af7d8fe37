// Interrupted and failed writes at the data boundary: a scoring run stopped by SIGINT or
// SIGTERM, or failing half-way, removes its temp file (out.csv.tmp-PID could be hundreds of MB)
// and leaves the previous output as it was; a library user's process still ends on the signal
// as Node's default says; temp files of runs killed outright are removed by the next run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { scoreFile } from '../lib/cli/score-file.js';
import { churnRows, cliPath, smallModel, tempDir, toCsv } from './helpers/boundary.js';
import { ensureDist, repoRoot } from './helpers/dist.js';

const t = tempDir('signals');
const modelFile = t.path('model.safetensors');
const head = toCsv(churnRows(50, 3));
beforeAll(async () => {
  await (await smallModel()).save(modelFile);
  await ensureDist();
});

/** A named pipe fed `text` by a shell that then keeps it open: the reader waits there for more. */
function openPipe(name: string, text: string): { path: string; writer: ChildProcess } {
  const path = t.path(name);
  spawnSync('mkfifo', [path]);
  writeFileSync(`${path}.src`, text);
  // exec: the sleep is the process killed at the end, so no writer outlives the test.
  const writer = spawn('sh', ['-c', `exec 3>'${path}'; cat '${path}.src' >&3; exec sleep 60`], { stdio: 'ignore' });
  return { path, writer };
}

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const temps = () => readdirSync(t.dir).filter((n) => /\.tmp-\d+/.test(n));

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

describe('interrupted scoring', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`tensorlift predict stopped by ${signal}: ends by the signal, temp file removed, previous output intact`, async () => {
      const { path, writer } = openPipe(`in-${signal}.csv`, head);
      const out = t.file(`out-${signal}.csv`, 'previous\n');
      const child = spawn(process.execPath, [cliPath, 'predict', '--model', modelFile, '--in', path, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      const done = exited(child);
      try {
        await waitFor(() => existsSync(`${out}.tmp-${child.pid}`));
        child.kill(signal);
        const r = await done;
        expect(r.signal, r.stderr).toBe(signal); // a shell reports 128 + n: 130, 143
        expect(r.stderr.trim()).toBe(`tensorlift: interrupted (${signal})`);
        expect(existsSync(`${out}.tmp-${child.pid}`)).toBe(false);
        expect(readFileSync(out, 'utf8')).toBe('previous\n');
      } finally {
        writer.kill('SIGKILL');
        child.kill('SIGKILL');
      }
    });

  it('a library process (no handlers of its own) removes the temp file and still ends on SIGTERM', async () => {
    const { path, writer } = openPipe('in-lib.csv', head);
    const out = t.file('out-lib.csv', 'previous\n');
    const script = `
      import { scoreFile } from ${JSON.stringify(`${repoRoot}/dist/cli/score-file.js`)};
      import * as tl from ${JSON.stringify(`${repoRoot}/dist/index.js`)};
      const model = await tl.load(${JSON.stringify(modelFile)});
      await scoreFile(model, ${JSON.stringify(path)}, ${JSON.stringify(out)});
      console.log('finished');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = exited(child);
    try {
      await waitFor(() => existsSync(`${out}.tmp-${child.pid}`));
      child.kill('SIGTERM');
      const r = await done;
      expect(r.signal, r.stderr).toBe('SIGTERM');
      expect(existsSync(`${out}.tmp-${child.pid}`)).toBe(false);
      expect(readFileSync(out, 'utf8')).toBe('previous\n');
    } finally {
      writer.kill('SIGKILL');
      child.kill('SIGKILL');
    }
  });

  it('leaves no signal handlers behind once a write is over', async () => {
    const model = await tl.presets.ChurnModel.load(modelFile);
    const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM') + process.listenerCount('exit');
    await scoreFile(model, t.file('plain.csv', head), t.path('plain-out.csv'));
    await model.save(t.path('again.safetensors'));
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM') + process.listenerCount('exit')).toBe(before);
  });
});

describe('failed scoring', () => {
  it('a bad value deep in a file (after batches were written) removes the temp file and keeps the old output', async () => {
    const model = await tl.presets.ChurnModel.load(modelFile);
    const rows = churnRows(3000, 4);
    rows[2500] = { ...rows[2500], spend: 'n/a-ish' };
    const out = t.file('deep-out.csv', 'previous\n');
    await expect(scoreFile(model, t.file('deep.csv', toCsv(rows)), out, { batchSize: 256 })).rejects.toThrow(/deep\.csv line 2502, column 'spend': 'n\/a-ish' is not a number/);
    expect(readFileSync(out, 'utf8')).toBe('previous\n');
    expect(temps()).toEqual([]);
  });

  it('a write error (stdout closed by the reader) rejects instead of crashing, and the CLI exits quietly with 141', async () => {
    const big = t.file('big.csv', toCsv(churnRows(20_000, 5)));
    const bash = spawnSync('bash', ['-c', `'${process.execPath}' '${cliPath}' predict --model '${modelFile}' --in '${big}' --out - | head -c 100 > /dev/null; echo \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    expect(bash.stderr).toBe('');
    expect(bash.stdout.trim()).toBe('141');
  });
});

describe('temp files of runs killed outright', () => {
  it('are removed by the next write to the same target; those of live processes are kept', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    const out = t.path('stale.csv');
    writeFileSync(`${out}.tmp-${dead}`, 'partial');
    writeFileSync(`${out}.tmp-${process.ppid}`, 'a live process');
    writeFileSync(`${out}.tmp-notapid`, 'not ours');
    const model = await tl.presets.ChurnModel.load(modelFile);
    await scoreFile(model, t.file('stale-in.csv', head), out);
    expect(existsSync(`${out}.tmp-${dead}`)).toBe(false);
    expect(existsSync(`${out}.tmp-${process.ppid}`)).toBe(true);
    expect(existsSync(`${out}.tmp-notapid`)).toBe(true);
    const saved = t.path('stale.safetensors');
    writeFileSync(`${saved}.tmp-${dead}-abc123`, 'partial');
    await model.save(saved);
    expect(existsSync(`${saved}.tmp-${dead}-abc123`)).toBe(false);
  });
});
