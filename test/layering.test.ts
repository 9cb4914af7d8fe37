// The layering rule of DESIGN.md, checked on the sources: only lib/{tensor,autograd,ops,optim,io}
// may reach the native addon (lib/native.ts). Presets, data, metrics, training and layers go
// through the public Tensor API, so every op they use has argument checks and gradients, and a
// second backend would only need those five folders ported.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const lib = new URL('../lib/', import.meta.url).pathname;
const ALLOWED = ['tensor', 'autograd', 'ops', 'optim', 'io'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier of a file: static imports and re-exports, dynamic import(), require(). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

/** Files under `root` outside the allowed folders that import root/native.ts, or the name `native` from anywhere. */
function violations(files: string[], root = lib): string[] {
  const bad: string[] = [];
  const nativeFile = resolve(root, 'native');
  for (const file of files) {
    const rel = relative(root, file);
    if (rel === 'native.ts' || ALLOWED.includes(rel.split('/')[0])) continue;
    const text = readFileSync(file, 'utf8');
    const isNative = (spec: string) => spec.startsWith('.') && resolve(dirname(file), spec).replace(/\.(js|ts)$/, '') === nativeFile;
    for (const spec of specifiers(text)) if (isNative(spec)) bad.push(`${rel} imports ${spec}`);
    // The addon object re-exported by another module would be the same hole.
    for (const m of text.matchAll(/\bimport\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g))
      if (!isNative(m[2]) && /\bnative\b/.test(m[1].replace(/\btype\s+\w+/g, ''))) bad.push(`${rel} imports the name 'native'`);
  }
  return bad;
}

describe('layering', () => {
  const files = sources(lib);

  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith('presets/churn.ts'))).toBe(true);
  });

  it('only lib/{tensor,autograd,ops,optim,io} import lib/native.ts', () => {
    expect(violations(files)).toEqual([]);
  });

  it('catches each way of reaching the addon (the check itself works)', () => {
    const root = mkdtempSync(join(tmpdir(), 'tl-layering-'));
    mkdirSync(join(root, 'presets'));
    mkdirSync(join(root, 'ops'));
    const write = (name: string, text: string) => (writeFileSync(join(root, name), text), join(root, name));
    const files = [
      write('native.ts', 'export const native = {};'),
      write('ops/fine.ts', "import { native } from '../native.js';"),
      write('presets/static.ts', "import { native } from '../native.js';"),
      write('presets/dynamic.ts', "const { native } = await import('../native.js');"),
      write('presets/reexport.ts', "export { native } from '../native.js';"),
      write('presets/laundered.ts', "import { Tensor, native } from '../tensor/tensor.js';"),
      write('presets/clean.ts', "import { tensor } from '../tensor/create.js';"),
    ];
    expect(violations(files, root)).toEqual([
      "presets/static.ts imports ../native.js",
      "presets/dynamic.ts imports ../native.js",
      "presets/reexport.ts imports ../native.js",
      "presets/laundered.ts imports the name 'native'",
    ]);
  });
});
