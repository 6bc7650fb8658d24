#!/usr/bin/env bash
# Set-up, then every test: the C++ engine (GoogleTest, normal and ASan+UBSan),
# the Python package, and the device side on real MicroPython (unix port and
# emulated Cortex-M3 / Cortex-M0 boards).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== C++ engine tests" >&2
cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/cmake -j2
ctest --test-dir build/cmake --output-on-failure

echo "== C++ engine tests under AddressSanitizer + UBSan" >&2
cmake -S . -B build/cmake-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICROLEARN_SANITIZE=ON >/dev/null
cmake --build build/cmake-asan -j2
ctest --test-dir build/cmake-asan --output-on-failure

echo "== fuzzing the loaders and DSP objects (libFuzzer, ASan + UBSan; FUZZ_SECONDS each)" >&2
bash scripts/fuzz.sh

echo "== engine builds for microcontrollers (-Os, no exceptions/RTTI/stdlib)" >&2
bash scripts/check-cross-build.sh

echo "== Python and device tests" >&2
.venv/bin/python -m pytest -q "$@"
