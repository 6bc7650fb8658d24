#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then every benchmark: writes docs/benchmarks.md and docs/benchmarks-*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python benchmarks/run.py "$@"
