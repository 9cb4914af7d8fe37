#!/usr/bin/env bash
# Correctness tests, then GFLOP/s of ours vs OpenBLAS on 1 and 2 threads.
#   bash bench/gemm-lab/build.sh && bench/gemm-lab/run.sh [ROUNDS] [--numpy]
# The comparison runs both libraries in one process (OpenBLAS dlopen'ed from the system's
# libopenblas0-pthread) on the same data, alternating blocks of trials; the whole table is
# repeated until ROUNDS (default 3) passes ran on a quiet machine, best kept per row and
# library. --numpy also runs the separate-process comparison (gemm_lab bench vs openblas.py;
# no quiet-machine filtering there).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="$HERE/build/gemm_lab"
ROUNDS=3
NUMPY=0
for arg in "$@"; do
  case "$arg" in
    --numpy) NUMPY=1 ;;
    *) ROUNDS="$arg" ;;
  esac
done
OUT="$HERE/build/results"
mkdir -p "$OUT"
# The environment forces OpenBLAS onto its Haswell (AVX2) kernels; the peer runs without that.
PEER_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

"$LAB" test | tail -5
echo
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), rounds: $ROUNDS, load: $(cut -d' ' -f1-3 /proc/loadavg)"
"${PEER_ENV[@]}" "$LAB" duel 1 sq64 1 2>&1 >/dev/null | head -1
# A pass (the whole table for one thread count) counts only when `gemm_lab peak` shows a
# quiet machine right before and after it; busy passes are retried (up to 4 x ROUNDS tries)
# and, if no pass is ever quiet, the busy ones are shown with a warning.
for t in 1 2; do
  : >"$OUT/duel$t.tsv"
  : >"$OUT/busy$t.tsv"
  good=0
  for try in $(seq $((4 * ROUNDS))); do
    before=$("$LAB" peak)
    pass=$("${PEER_ENV[@]}" "$LAB" duel "$t" all 2 2>/dev/null)
    after=$("$LAB" peak)
    case "$before$after" in
      *busy*) echo "$pass" >>"$OUT/busy$t.tsv"; echo "[$t thread(s): pass discarded, machine busy]" ;;
      *) echo "$pass" >>"$OUT/duel$t.tsv"; good=$((good + 1)); echo "[$t thread(s): pass $good ok: $after]" ;;
    esac
    [ "$good" -ge "$ROUNDS" ] && break
  done
  if [ "$good" = 0 ]; then
    echo "WARNING: machine busy during every $t-thread pass; numbers below are low"
    cp "$OUT/busy$t.tsv" "$OUT/duel$t.tsv"
  fi
done
cat "$OUT/duel1.tsv" "$OUT/duel2.tsv" >"$OUT/duel.tsv"
python3 "$HERE/compare.py" "$OUT/duel.tsv"

if [ "$NUMPY" = 1 ]; then
  echo
  echo "separate processes: gemm_lab bench vs numpy ($(python3 -c 'import numpy; print("numpy", numpy.__version__)'))"
  : >"$OUT/ours.tsv"
  : >"$OUT/openblas.tsv"
  for round in $(seq "$ROUNDS"); do
    for t in 1 2; do
      "$LAB" bench "$t" >>"$OUT/ours.tsv"
      "${PEER_ENV[@]}" OPENBLAS_NUM_THREADS="$t" python3 "$HERE/openblas.py" "$t" >>"$OUT/openblas.tsv"
    done
  done
  python3 "$HERE/compare.py" "$OUT/ours.tsv" "$OUT/openblas.tsv"
fi
