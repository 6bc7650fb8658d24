"""Shared by the rig tests (a uniquely named module: the project runs pytest in
importlib mode with tests/rig on the path, so tests cannot import conftest)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "python") not in sys.path:
    sys.path.insert(0, str(ROOT / "python"))  # microlearn may not be installed

# The targets most tests run on; cortex-m0 and cortex-m4f share their board's
# interpreter with cortex-m3, so fewer tests cover them separately.
TARGETS = ["unix", "cortex-m3"]
ALL_TARGETS = ["unix", "cortex-m3", "cortex-m0", "cortex-m4f", "rv32"]  # rv32: QEMU virt, RISC-V
