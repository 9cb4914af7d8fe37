#!/usr/bin/env bash
# Builds the standalone GEMM harness with plain g++ (no cmake, no Node): the project's core,
# the GEMM sources with their per-file ISA flags, and gemm_lab.cc. Output: build/gemm_lab.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${BUILD_DIR:-$HERE/build}"
CXX="${CXX:-g++}"
FLAGS=(-O3 -std=c++17 -pthread -Wall -Wextra -fno-math-errno -fno-trapping-math ${EXTRA_FLAGS:-})  # as CMakeLists.txt
mkdir -p "$OUT"
objs=()
compile() {  # src [extra flags...]
  local src="$1"; shift
  local obj="$OUT/$(basename "${src%.cc}").o"
  "$CXX" "${FLAGS[@]}" "$@" -c "$src" -o "$obj" &
  objs+=("$obj")
}
# Only the core pieces the GEMM needs (context + thread pool); the rest of native/core is
# the tensor library and is not linked here.
for f in context thread_pool system_info storage; do compile "$ROOT/native/core/$f.cc"; done
compile "$ROOT/native/cpu/gemm.cc"
compile "$ROOT/native/cpu/gemm_kernel_generic.cc"
compile "$ROOT/native/cpu/gemm_kernel_avx2.cc" -mavx2 -mfma
compile "$ROOT/native/cpu/gemm_kernel_avx512.cc" -mavx512f -mavx512vl -mavx512dq -mavx512bw -mfma
compile "$HERE/gemm_lab.cc"
for job in $(jobs -p); do wait "$job"; done
"$CXX" "${FLAGS[@]}" "${objs[@]}" -ldl -o "$OUT/gemm_lab"
echo "built $OUT/gemm_lab"
