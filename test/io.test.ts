// Model files: round trips, interop with an independent safetensors implementation (Python
// stdlib), atomic writes, and corrupt or hostile files.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { settleGc } from './helpers/gc.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-io-'));
const spec = new URL('./interop/safetensors_spec.py', import.meta.url).pathname;
const py = (...args: string[]) => execFileSync('python3', [spec, ...args], { encoding: 'utf8' });

function sameOutputs(a: tl.nn.Module, b: tl.nn.Module, x: tl.Tensor): void {
  const [ya, yb] = tl.noGrad(() => [(a.forward as (t: tl.Tensor) => tl.Tensor)(x), (b.forward as (t: tl.Tensor) => tl.Tensor)(x)]);
  expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
}

describe('tl.save / tl.load', () => {
  it('rebuilds a built-in layer stack from the file alone, with identical predictions', async () => {
    tl.manualSeed(3);
    const model = new tl.nn.Sequential(
      new tl.nn.Conv2d(2, 4, 3, { padding: 1 }), new tl.nn.BatchNorm2d(4), new tl.nn.ReLU(), new tl.nn.MaxPool2d(2),
      new tl.nn.Flatten(), new tl.nn.Dropout(0.3), new tl.nn.Linear(4 * 3 * 3, 5), new tl.nn.GELU('tanh'), new tl.nn.LayerNorm(5),
    );
    tl.noGrad(() => model.forward(tl.randn([8, 2, 6, 6]))); // training mode: moves the running stats
    model.eval();
    const path = join(dir, 'cnn.safetensors');
    await tl.save(model, path);
    const back = (await tl.load(path)) as tl.nn.Module;
    expect(back).toBeInstanceOf(tl.nn.Sequential);
    expect(back.training).toBe(false);
    expect(Object.keys(back.stateDict())).toEqual(Object.keys(model.stateDict()));
    sameOutputs(model, back, tl.randn([3, 2, 6, 6]));
  });

  it('restores recurrent and attention layers', async () => {
    for (const model of [new tl.nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }), new tl.nn.GRU(3, 4)]) {
      const path = join(dir, 'rnn.safetensors');
      await tl.save(model, path);
      const back = (await tl.load(path)) as tl.nn.LSTM;
      const x = tl.randn([2, 5, 3]);
      expect(Array.from(back.forward(x)[0].dataSync())).toEqual(Array.from(model.forward(x)[0].dataSync()));
    }
    const tel = new tl.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const path = join(dir, 'tel.safetensors');
    await tl.save(tel, path);
    sameOutputs(tel.eval(), (await tl.load(path)) as tl.nn.Module, tl.randn([2, 4, 8]));
  });

  it('loads a custom module into an instance, and says how when none is given', async () => {
    class Custom extends tl.nn.Module {
      a = new tl.nn.Linear(3, 2);
      scale = tl.nn.parameter(tl.ones([2]));
      forward(x: tl.Tensor) {
        return this.a.forward(x).mul(this.scale);
      }
    }
    const model = new Custom();
    const path = join(dir, 'custom.safetensors');
    await tl.save(model, path);
    await expect(tl.load(path)).rejects.toThrow(/custom model \(Custom\).*into/);
    const fresh = new Custom();
    await tl.load(path, { into: fresh });
    sameOutputs(model, fresh, tl.randn([4, 3]));
  });

  it('writes files an independent reader understands, and reads files it writes', async () => {
    const model = new tl.nn.Linear(3, 2);
    const path = join(dir, 'linear.safetensors');
    await tl.save(model, path);
    const parsed = JSON.parse(py('read', path));
    expect(parsed.weight.shape).toEqual([2, 3]);
    expect(parsed.weight.dtype).toBe('F32');
    const w = model.weight.dataSync();
    parsed.weight.values.forEach((v: number, i: number) => expect(v).toBe(w[i]));
    expect(JSON.parse(parsed.__metadata__.tensorlift).model.type).toBe('Linear');

    const fromPython = join(dir, 'py.safetensors');
    py('write', fromPython);
    const { tensors, metadata } = await tl.io.readSafetensors(fromPython);
    expect(metadata).toEqual({ source: 'python' });
    expect(tensors.f32.toArray()).toEqual([[0, 0.25, 0.5], [0.75, 1, 1.25]]);
    expect(tensors.f64.toArray()).toEqual([[1.5, -2.25]]);
    expect(tensors.f16.toArray()).toEqual([0.5, -3, 65504]);
    expect(tensors.bf16.toArray()).toEqual([1.5, -2.25]);
    expect(tensors.i32.dtype).toBe('int32');
    expect(tensors.i64.toArray()).toEqual([[1], [2]]);
  });
});

describe('corrupt and hostile files', () => {
  const good = join(dir, 'good.safetensors');
  const write = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const withHeader = (header: object, data = Buffer.alloc(0)) => {
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, json, data]);
  };

  it('rejects truncated files, bad headers and lying offsets with a clear error', async () => {
    await tl.save(new tl.nn.Linear(64, 64), good);
    const bytes = readFileSync(good);
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /only 0 bytes/],
      ['truncated', bytes.subarray(0, bytes.length - 100), /truncated|ends at byte/],
      ['huge header length', Buffer.concat([Buffer.from([255, 255, 255, 255, 255, 255, 255, 127]), bytes.subarray(8)]), /header length/],
      ['not json', withHeader({}).fill(0x41, 8), /not JSON/],
      ['huge shape', withHeader({ w: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 4] } }, Buffer.alloc(4)), /needs .* bytes/],
      ['offsets past end', withHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8)), /ends at byte 16/],
      ['bad dtype', withHeader({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)), /unsupported dtype/],
      ['negative size', withHeader({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /invalid shape/],
      ['metadata not strings', withHeader({ __metadata__: { a: 1 } }), /__metadata__/],
    ];
    for (const [name, content, pattern] of cases) {
      await settleGc();
      const before = tl.memory().tensors;
      await expect(tl.load(write(`${name}.safetensors`, content)), name).rejects.toThrow(pattern);
      expect(tl.memory().tensors, `${name} leaks no tensors`).toBe(before);
    }
  });

  it('refuses a state dict with wrong shapes without changing the model', async () => {
    const model = new tl.nn.Linear(3, 2);
    const before = Array.from(model.weight.dataSync());
    expect(() => model.loadStateDict({ weight: tl.zeros([2, 4]), bias: tl.zeros([2]) })).toThrow(/shape \[2, 4\]/);
    expect(() => model.loadStateDict({ weight: tl.zeros([2, 3]) })).toThrow(/missing bias/);
    expect(Array.from(model.weight.dataSync())).toEqual(before);
  });

  it('keeps the previous file intact when the saving process is killed mid-write', async () => {
    const path = join(dir, 'atomic.safetensors');
    await tl.save(new tl.nn.Linear(4, 4), path);
    const original = readFileSync(path);
    // A child (running the compiled dist/, which `npm test` builds first) saves a ~200 MB
    // model over the same path; kill it while it writes.
    const script = `
      import * as tl from ${JSON.stringify(new URL('../lib/index.ts', import.meta.url).href.replace('/lib/index.ts', '/dist/index.js'))};
      const m = new tl.nn.Linear(7000, 7000);
      process.stdout.write('ready\\n');
      await tl.save(m, ${JSON.stringify(path)});
      process.stdout.write('done\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(readFileSync(path).equals(original)).toBe(true);
    const back = (await tl.load(path)) as tl.nn.Linear;
    expect(back.weight.shape).toEqual([4, 4]);
    expect(existsSync(path) && statSync(path).size).toBe(original.length);
  });
});

describe('tensors a load leaves behind', () => {
  /** Live tensors after `fn`, minus before (a finished load holds only the model's own). */
  // Collect first: finalizers of tensors dropped earlier must not run inside the window.
  async function added(fn: () => Promise<unknown>): Promise<number> {
    await settleGc();
    const before = tl.memory().tensors;
    await fn();
    return tl.memory().tensors - before;
  }

  it('a load holds exactly the parameters and buffers of the model; disposing them leaves nothing', async () => {
    const path = join(dir, 'count.safetensors');
    await tl.save(new tl.nn.Sequential(new tl.nn.Linear(4, 3), new tl.nn.BatchNorm1d(3), new tl.nn.Linear(3, 2)), path);
    let back: tl.nn.Module | undefined;
    const n = await added(async () => (back = (await tl.load(path)) as tl.nn.Module));
    const own = Object.values(back!.stateDict());
    expect(n).toBe(own.length);
    expect(await added(async () => own.forEach((t) => t.dispose()))).toBe(-n);
  });

  it('a load that fails after rebuilding the model (weights of the wrong shape) frees the model it built', async () => {
    const path = join(dir, 'wrong-shape.safetensors');
    await tl.save(new tl.nn.Linear(4, 3), path);
    const { tensors, metadata } = await tl.io.readSafetensors(path);
    const meta = JSON.parse(metadata.tensorlift);
    meta.model.args = [5, 3];
    const bad = join(dir, 'wrong-shape-2.safetensors');
    await tl.io.writeSafetensors(bad, tensors, { tensorlift: JSON.stringify(meta) });
    for (const t of Object.values(tensors)) t.dispose();
    expect(await added(() => expect(tl.load(bad)).rejects.toThrow(/'weight' has shape \[3, 4\], the module expects \[3, 5\]/))).toBe(0);
  });

  it('a preset file refused for NaN weights or stray tensors leaves no tensors behind', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => ({ x: String(i % 9), g: i % 3 ? 'a' : 'b', y: i % 4 === 0 ? 'yes' : 'no' }));
    const model = await tl.presets.ChurnModel.fit(rows, { target: 'y', ensemble: 2, epochs: 1, onWarning: () => {} });
    const path = join(dir, 'preset.safetensors');
    await model.save(path);
    const { tensors, metadata } = await tl.io.readSafetensors(path);
    const [first] = Object.keys(tensors);
    const nan = tensors[first].dataSync().slice();
    nan[0] = NaN;
    const variants: [string, Record<string, tl.Tensor>, RegExp][] = [
      ['nan', { ...tensors, [first]: tl.tensor(nan, { shape: tensors[first].shape }) }, /not finite/],
      ['stray', { ...tensors, 'backbone7.extra': tl.zeros([2]) }, /tensors no network uses/],
    ];
    for (const [name, ts, why] of variants) {
      const file = join(dir, `preset-${name}.safetensors`);
      await tl.io.writeSafetensors(file, ts, metadata);
      expect(await added(() => expect(tl.load(file)).rejects.toThrow(why)), name).toBe(0);
    }
  });
});

describe('tl.load with `as`', () => {
  it('returns the instance when the file holds that class, and refuses another with a one-line TypeError', async () => {
    const path = join(dir, 'as-check.safetensors');
    await tl.save(new tl.nn.Sequential(new tl.nn.Linear(3, 2)), path);
    const m = await tl.load(path, { as: tl.nn.Sequential });
    expect(m).toBeInstanceOf(tl.nn.Sequential);
    await expect(tl.load(path, { as: tl.presets.ChurnModel })).rejects.toThrow(/^load: .*as-check\.safetensors holds a Sequential, not a ChurnModel$/);
    await expect(tl.load(path, { as: 'Sequential' as never })).rejects.toThrow(TypeError);
  });
});
