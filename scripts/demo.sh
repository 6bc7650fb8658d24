#!/usr/bin/env bash
# Set-up, then the demo: train, convert, run on MicroPython (unix port and
# emulated Cortex-M3), report accuracy, sizes and instructions per prediction.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python examples/demo.py
