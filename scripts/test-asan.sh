#!/usr/bin/env bash
# Runs the whole test suite against the AddressSanitizer + UndefinedBehaviorSanitizer build of
# the addon (npm run test:asan). Node itself is not instrumented, so the ASan runtime is
# preloaded; leak reports are off (Node keeps allocations alive until exit by design) and any
# UB report aborts the process, which fails the test that triggered it.
set -euo pipefail
cd "$(dirname "$0")/.."
TENSORLIFT_SANITIZE=1 node scripts/build-native.mjs
npx tsc -p tsconfig.json
export TENSORLIFT_ADDON="$PWD/build-asan/Release/tensorlift.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:handle_segv=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec npx vitest run "$@"
