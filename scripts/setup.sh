#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine, idempotently:
# Debian packages (root), a Python venv with the project installed (editable,
# its C++ extension compiled), and MicroPython 1.25 (unix port, QEMU boards)
# with our native modules. A second run only redoes what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/setup-system.sh

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
PY=$ROOT/.venv/bin/python
# Build tools first: the extension builds without isolation, against these.
$PY -m pip install -q --disable-pip-version-check pybind11 scikit-build-core ninja
$PY -m pip install -q --disable-pip-version-check -r scripts/requirements-dev.txt

# Rebuild the extension only when its sources changed.
stamp=build/.python-extension.stamp
mkdir -p build
digest=$(cat pyproject.toml CMakeLists.txt $(find include python/bindings -type f | sort) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ] || ! $PY -c "import microlearn._engine" 2>/dev/null; then
  echo "setup: building the microlearn Python extension" >&2
  $PY -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e .
  echo "$digest" > "$stamp"
fi

# MicroPython: source from Debian, mpy-cross, unix port, QEMU firmware, natmods.
$PY -m microlearn.rig setup

# The device package for the architectures no emulated target covers.
$PY - <<'PYEOF'
import shutil
from microlearn.rig import build
for arch, compiler in (("rv32imc", "riscv64-unknown-elf-gcc"), ("xtensa", "xtensa-lx106-elf-gcc"),
                       ("xtensawin", "xtensa-esp32-elf-gcc")):
    if shutil.which(compiler):
        build.build_natmods(arch)
    else:
        print(f"setup: {compiler} is not installed: no device package for {arch}"
              + (" (ESP32/ESP32-S3 need Espressif's toolchain, which no registry here has)"
                 if arch == "xtensawin" else ""))
PYEOF
