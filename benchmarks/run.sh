#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then every benchmark: DSP (docs/benchmarks-dsp.md), array helpers
# (docs/benchmarks-arrays.md), Gaussian models (docs/benchmarks-gaussian.md), ..., and last the trees
# (docs/benchmarks.md and docs/benchmarks-*.png), whose issue-12 goal table reads the others' results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

page() {  # title, command, script...: a markdown page around a script's table
  local title=$1 cmd=$2; shift 2
  printf '# %s\n\nInstructions per call, counted by the rig (docs/rig.md). Reproduce: `%s`\n(or `bash benchmarks/run.sh` for every benchmark).\n\n' "$title" "$cmd"
  .venv/bin/python "$@"
}
.venv/bin/python benchmarks/dsp/report.py --baseline 47afe57  # docs/benchmarks-dsp.md (+ CMSIS-DSP when present)
page "Benchmarks: native array helpers vs plain MicroPython" \
  ".venv/bin/python benchmarks/arrays/bench_arrays.py" benchmarks/arrays/bench_arrays.py > docs/benchmarks-arrays.md
page "Benchmarks: Gaussian models (microlearn vs emlearn vs plain MicroPython)" \
  ".venv/bin/python benchmarks/gaussian/bench_gaussian.py" benchmarks/gaussian/bench_gaussian.py > docs/benchmarks-gaussian.md
page "Benchmarks: neighbours and centroids (microlearn vs emlearn vs plain MicroPython)" \
  ".venv/bin/python benchmarks/neighbors/bench_neighbors.py" benchmarks/neighbors/bench_neighbors.py > docs/benchmarks-neighbors.md
page "Benchmarks: XGBoost, LightGBM and CatBoost boosters (microlearn vs m2cgen vs plain MicroPython)" \
  ".venv/bin/python benchmarks/boosters/bench_boosters.py" benchmarks/boosters/bench_boosters.py > docs/benchmarks-boosters.md
page "Benchmarks: Pipelines (preprocessing in the model vs plain MicroPython)" \
  ".venv/bin/python benchmarks/preprocess/bench_preprocess.py" benchmarks/preprocess/bench_preprocess.py > docs/benchmarks-preprocess.md
page "Benchmarks: kernel SVMs (microlearn vs m2cgen vs plain MicroPython)" \
  ".venv/bin/python benchmarks/svm/bench_svm.py" benchmarks/svm/bench_svm.py > docs/benchmarks-svm.md
page "Benchmarks: linear models (microlearn vs m2cgen vs plain MicroPython)" \
  ".venv/bin/python benchmarks/linear/bench_linear.py" benchmarks/linear/bench_linear.py > docs/benchmarks-linear.md
page "Benchmarks: neural networks (microlearn vs emlearn's eml_net)" \
  ".venv/bin/python benchmarks/neural/bench_neural.py" benchmarks/neural/bench_neural.py > docs/benchmarks-neural.md
.venv/bin/python benchmarks/romfs/bench_romfs.py > docs/benchmarks-romfs.md  # writes its own page (RAM, not instructions)
# Last: docs/benchmarks.md's goal table of issue 12 reads the DSP and ROMFS results written above.
.venv/bin/python benchmarks/run.py "$@"
