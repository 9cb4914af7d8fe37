#!/usr/bin/env node
// Builds the native addon with cmake-js (npm's "install" step). Checks the tools first so a
// missing cmake or compiler is one readable line, not pages of CMake output.
// Environment: TENSORLIFT_CUDA=0 skips the CUDA backend (built by default when nvcc is found);
// TENSORLIFT_SANITIZE=1 builds with ASan + UBSan into build-asan/ (the normal build is left
// alone; point TENSORLIFT_ADDON at it to use it); TENSORLIFT_DEBUG=1 a debug build.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function fail(msg) {
  console.error(`tensorlift: cannot build the native addon: ${msg}`);
  process.exit(1);
}

if (!has('cmake')) fail('cmake was not found on PATH (install CMake >= 3.18, e.g. `apt-get install cmake` or `brew install cmake`)');
const cxx = process.env.CXX || ['c++', 'g++', 'clang++'].find((c) => has(c));
if (!cxx || !has(cxx)) fail('no C++17 compiler was found (install g++ >= 9 or clang++ >= 10, e.g. `apt-get install g++`)');

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js');
} catch {
  fail('the cmake-js package is missing (run `npm install` again)');
}

const sanitize = process.env.TENSORLIFT_SANITIZE === '1';
const args = ['--directory', root, '--out', join(root, sanitize ? 'build-asan' : 'build')];
if (process.env.TENSORLIFT_DEBUG === '1') args.push('--debug');
if (sanitize) args.push('--CDTL_SANITIZE=ON');
// TENSORLIFT_CUDA=0 (or npm config tensorlift_cuda=0) builds without the CUDA backend even
// where nvcc exists; sanitizer builds skip it too (ASan and the CUDA runtime do not mix well).
// Passed both ways: CMake caches options, so a build folder once configured without CUDA
// would otherwise stay without it.
const cudaOff = process.env.TENSORLIFT_CUDA === '0' || process.env.npm_config_tensorlift_cuda === '0' || sanitize;
args.push(`--CDTL_CUDA=${cudaOff ? 'OFF' : 'ON'}`);
// Configure every time (cheap; picks up changed options such as TENSORLIFT_CUDA), then build
// incrementally. `cmake-js compile` alone would keep a previous configuration's options.
for (const step of ['configure', 'build']) {
  const r = spawnSync(process.execPath, [cmakeJs, step, ...args], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) fail(`the ${step} step failed (exit code ${r.status}); see the output above`);
}
