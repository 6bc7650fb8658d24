#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) into
# build/fuzz and runs each for a bounded time from its seed corpus and saved
# regressions; fails on the first finding (crash, sanitizer report, failed
# check, hang or out-of-memory). docs/testing.md describes the targets.
#
#   FUZZ_SECONDS=20        seconds per target (default 20)
#   FUZZ_TARGETS="fuzz_dsp" only these targets
#   FUZZ_SEED=1            libFuzzer's seed (default 1: the tests' run is the
#                          same sequence of inputs each time, so a red run
#                          is reproducible and a change is not blamed for a
#                          finding that luck happened to reach; FUZZ_SEED=0
#                          picks a new seed each run, for exploring)
#
# The corpus each run grows is kept in build/fuzz/corpus/<target> (not
# committed); findings are written to build/fuzz/findings/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
seed=${FUZZ_SEED:-1}
targets=${FUZZ_TARGETS:-"fuzz_mlm fuzz_mlm_soft_float fuzz_mlm_32 fuzz_dsp fuzz_dsp_32 fuzz_jpeg fuzz_jpeg_32"}

CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMICROLEARN_FUZZ=ON -DMICROLEARN_TESTS=OFF >/dev/null
cmake --build build/fuzz -j2

status=0
for target in $targets; do
  if [ ! -x build/fuzz/tests/fuzz/$target ]; then
    echo "== $target: not built (see the cmake warning above), skipped" >&2
    continue
  fi
  name=${target#fuzz_}
  name=${name%_soft_float}  # the soft-float and 32-bit builds read the same inputs
  name=${name%_32}
  work=build/fuzz/corpus/$target
  findings=build/fuzz/findings/$target
  mkdir -p "$work" "$findings"
  seeds=(tests/fuzz/corpus/$name)
  [ -d tests/fuzz/regressions/$name ] && seeds+=(tests/fuzz/regressions/$name)
  log=build/fuzz/$target.log
  echo "== $target: ${seconds}s" >&2
  # -timeout: one input running 10 s is a hang; -rss_limit_mb: no input may
  # need gigabytes (every buffer the drivers hand out is capped).
  if ! build/fuzz/tests/fuzz/$target -max_total_time="$seconds" -seed="$seed" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$findings/" \
      "$work" "${seeds[@]}" >"$log" 2>&1 || grep -q "^==[0-9]*== ERROR\|fuzz check failed\|runtime error" "$log"; then
    status=1
    grep -v "^#[0-9]" "$log" | tail -40 >&2
    echo "$target: FINDING, inputs in $findings/" >&2
    echo "  replay: build/fuzz/tests/fuzz/$target <file>" >&2
    echo "  minimise: build/fuzz/tests/fuzz/$target -minimize_crash=1 -runs=10000 <file>" >&2
    echo "  then fix it and save the input as tests/fuzz/regressions/$name/<what-it-broke>.bin" >&2
  else
    grep -E "stat::number_of_executed_units|DONE|Done [0-9]+ runs" "$log" | tail -2 >&2 || true
  fi
done
exit $status
