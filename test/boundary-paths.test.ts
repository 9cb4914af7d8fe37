// Paths at the data boundary: a missing file, a directory (or a link to one), a dangling link,
// an unreadable file, a device, an output directory that does not exist or an output that is a
// directory. Each is a rejected promise with a one-line message naming the path, found before
// any work starts, and never an unhandled stream 'error' that takes the process down.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileError } from '../lib/io/paths.js';
import * as tl from '../lib/index.js';
import { scoreFile } from '../lib/cli/score-file.js';
import { churnRows, smallModel, tempDir, toCsv } from './helpers/boundary.js';
import { runNodeScript, describeChild } from './helpers/child.js';
import { ensureDist } from './helpers/dist.js';

const t = tempDir('paths');
const good = t.file('good.csv', toCsv(churnRows(60)));
const dir = t.path('folder');
mkdirSync(dir);
symlinkSync(dir, t.path('link-to-dir.csv'));
symlinkSync(t.path('gone.csv'), t.path('dangling.csv'));

/** The readers of the data boundary, each given one path. */
const readers: [string, (p: string) => Promise<unknown>][] = [
  ['readCsv', (p) => tl.data.readCsv(p)],
  ['readJsonl', (p) => tl.data.readJsonl(p)],
  ['readTable', (p) => tl.data.readTable(p)],
  ['streamCsv', async (p) => {
    for await (const _ of tl.data.streamCsv(p)) break;
  }],
  ['ChurnModel.fit', (p) => tl.presets.ChurnModel.fit(p, { target: 'churn' })],
  ['tl.load', (p) => tl.load(p)],
];

const badInputs: [string, string, RegExp][] = [
  ['a missing file', t.path('nope.csv'), /no such file or directory/],
  ['a directory', dir, /it is a directory, not a file/],
  ['a symbolic link to a directory', t.path('link-to-dir.csv'), /it is a directory, not a file/],
  ['a dangling symbolic link', t.path('dangling.csv'), /symbolic link to a file that does not exist/],
  ['a character device', '/dev/null', /not a regular file/],
  ['an empty path', '', /expected a file path/],
];

describe('input paths', () => {
  for (const [name, read] of readers)
    for (const [what, path, why] of badInputs)
      it(`${name} rejects ${what} with one line naming it`, async () => {
        const err = await read(path).then(() => undefined, (e: Error) => e);
        expect(err, 'must reject').toBeInstanceOf(Error);
        expect(err!.message).toMatch(why);
        if (path) expect(err!.message).toContain(path);
        expect(err!.message).not.toContain('\n');
      });

  it('readCsv(aDirectory) settles even when the process has an uncaughtException handler', async () => {
    const url = await ensureDist();
    const r = await runNodeScript(`
      import * as tl from ${JSON.stringify(url)};
      process.on('uncaughtException', (e) => { console.log('UNCAUGHT ' + e.message); process.exit(3); });
      const timer = setTimeout(() => { console.log('NEVER SETTLED'); process.exit(4); }, 5000);
      try { await tl.data.readCsv(${JSON.stringify(dir)}); console.log('RESOLVED'); }
      catch (e) { console.log('REJECTED ' + e.message); }
      clearTimeout(timer);
    `, { timeoutMs: 20_000 });
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.stdout.trim()).toBe(`REJECTED csv: cannot read ${dir}: it is a directory, not a file`);
  });

  it('rejects a file it may not read (permission denied), naming it', async () => {
    const locked = t.file('locked.csv', 'a,b\n1,2\n');
    chmodSync(locked, 0o000);
    if (process.getuid?.() !== 0) {
      await expect(tl.data.readCsv(locked)).rejects.toThrow(`csv: cannot read ${locked}: permission denied`);
      return;
    }
    // root reads anything: ask an unprivileged child (nobody) instead.
    chmodSync(t.dir, 0o755);
    const url = await ensureDist();
    const script = `import * as tl from ${JSON.stringify(url)};
      tl.data.readCsv(${JSON.stringify(locked)}).then(() => console.log('READ'), (e) => console.log(e.message));`;
    // The child must reach the package: a clone under a 0700 folder (mktemp -d) hides it from
    // nobody. Then the same error goes through the reader's mapping of EACCES directly.
    const reach = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(fileURLToPath(url))})`], { uid: 65534, gid: 65534, cwd: '/' });
    if (reach.status !== 0) {
      const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      expect(fileError('csv', 'read', locked, denied).message).toBe(`csv: cannot read ${locked}: permission denied`);
      return;
    }
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    expect(r.stdout.trim(), r.stderr).toBe(`csv: cannot read ${locked}: permission denied`);
  });

  it('a reader that stops early does not wait on a pipe whose writer never ends', async () => {
    const fifo = t.path('pipe.csv');
    spawnSync('mkfifo', [fifo]);
    // The shell keeps the pipe open for writing (fd 3) and the sleep replaces it, so killing it ends the writer.
    const writer = spawn('sh', ['-c', `exec 3>'${fifo}'; printf 'a,b\\n1,2\\n3,4\\n5,6\\n' >&3; exec sleep 30`], { stdio: 'ignore' });
    try {
      const rows: unknown[] = [];
      const t0 = performance.now();
      for await (const rec of tl.data.streamCsv(fifo)) {
        rows.push(rec.row);
        if (rows.length === 2) break;
      }
      expect(rows).toEqual([{ a: '1', b: '2' }, { a: '3', b: '4' }]);
      expect(performance.now() - t0).toBeLessThan(10_000); // the writer sleeps 30 s
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

describe('output paths', () => {
  const saved = t.path('model.safetensors');
  let model: tl.presets.ChurnModel, before: Buffer;
  beforeAll(async () => {
    model = await smallModel();
    await model.save(saved);
    before = readFileSync(saved);
  });

  it('tl.save and model.save reject a missing directory or a directory as the target, before writing', async () => {
    await expect(model.save(t.path('no-such-dir/m.safetensors'))).rejects.toThrow(/save: cannot write .*no-such-dir\/m\.safetensors: the directory .*no-such-dir does not exist/);
    await expect(tl.save(model, dir)).rejects.toThrow(`save: cannot write ${dir}: it is a directory; name a file inside it`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('scoring rejects a bad output before reading the input, and leaves nothing behind', async () => {
    const calls: number[] = [];
    const scorer = {
      outputColumns: () => [{ name: 'probability', type: 'number' as const, description: 'P(yes)' }],
      score: (rows: tl.data.Row[] | tl.data.Table) => {
        const list = Array.isArray(rows) ? rows : rows.rows;
        calls.push(list.length);
        return list.map(() => [0.5]);
      },
    };
    await expect(scoreFile(scorer, good, t.path('missing/out.csv'))).rejects.toThrow(/predict: cannot write .*missing\/out\.csv: the directory .* does not exist/);
    await expect(scoreFile(scorer, good, dir)).rejects.toThrow(/it is a directory; name a file inside it/);
    await expect(scoreFile(scorer, good, good)).rejects.toThrow(/is the input file/);
    await expect(scoreFile(scorer, good, t.path('new-dir/'))).rejects.toThrow(/new-dir\/: it names a directory; name a file inside it/);
    await expect(scoreFile(scorer, good, '/dev/null')).rejects.toThrow('predict: cannot write /dev/null: not a regular file (for stdout, use -)');
    await expect(scoreFile(scorer, t.path('absent.csv'), t.path('out.csv'))).rejects.toThrow(/predict: cannot read .*absent\.csv: no such file/);
    expect(calls).toEqual([]);
    expect(existsSync(t.path('out.csv'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failed save or load leaves the previous model file as it was', async () => {
    await expect(tl.load(t.path('model.safetensors/x'))).rejects.toThrow(/cannot read/);
    await expect(model.save(t.path('model.safetensors/x'))).rejects.toThrow(/is not a directory/);
    expect(readFileSync(saved).equals(before)).toBe(true);
  });
});
