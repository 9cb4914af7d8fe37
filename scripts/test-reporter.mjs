// A node:test reporter that writes one JSON object per finished test or suite (JSON Lines):
// { file, name, path, type, status: 'pass' | 'fail' | 'skip' | 'todo', ms, error? }. Used by
// scripts/gpu-check.mjs to build its results table; plain node, no dependencies.
//   node --test --test-reporter=./scripts/test-reporter.mjs --test-reporter-destination=out.jsonl test/cuda/
import { relative } from 'node:path';

function message(error) {
  if (!error) return undefined;
  // node:test wraps the thrown error in an ERR_TEST_FAILURE whose cause is the original.
  const e = error.cause ?? error;
  const text = e?.message ?? String(e);
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}

export default async function* reporter(source) {
  const stack = new Map();  // file -> names of the suites open at each nesting level
  const stderr = new Map();  // file -> the end of what it wrote to stderr
  for await (const event of source) {
    const d = event.data;
    const file = d?.file ? relative(process.cwd(), d.file) : '';
    if (event.type === 'test:stderr') {
      stderr.set(file, ((stderr.get(file) ?? '') + d.message).slice(-4000));
      continue;
    }
    if (event.type === 'test:start') {
      const open = stack.get(file) ?? [];
      open.length = d.nesting;
      open.push(d.name);
      stack.set(file, open);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const names = (stack.get(file) ?? []).slice(0, d.nesting);
    const status = d.skip !== undefined ? 'skip' : d.todo !== undefined ? 'todo' : event.type === 'test:pass' ? 'pass' : 'fail';
    const row = {
      file,
      name: d.name,
      path: [...names, d.name].join(' > '),
      type: d.details?.type ?? 'test',
      status,
      ms: Math.round((d.details?.duration_ms ?? 0) * 10) / 10,
    };
    if (status === 'skip' && typeof d.skip === 'string') row.reason = d.skip;
    if (status === 'fail') row.error = message(d.details?.error);
    // A file that failed outside any test (an import that threw): its stderr says why.
    if (status === 'fail' && d.nesting === 0 && stderr.has(file) && d.name === d.file) {
      const text = stderr.get(file).trim();
      row.error = text.match(/^\w*Error: .*$/m)?.[0] ?? text;  // the thrown error's line, not the source excerpt
    }
    yield `${JSON.stringify(row)}\n`;
  }
}
