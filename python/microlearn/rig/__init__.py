"""The MicroPython rig: build real MicroPython and run scripts on it.

Targets: "unix" (the unix port, x64 native modules), "cortex-m3" (QEMU mps2-an385,
armv7m), "cortex-m0" (armv6m native modules on the same board) and "cortex-m4f"
(QEMU mps2-an386, armv7emsp). See docs/rig.md.

    from microlearn.rig import run, count, setup
    setup()                                   # build everything (cached)
    rc, out = run("cortex-m3", "print(1)")
    n = count("cortex-m3", script).instructions

Command line: python -m microlearn.rig {setup,run,count,targets} ... (cli.py).

Here `run` and `count` are the functions (they shadow the modules run.py and
count.py as attributes of this package); reach the modules' other names with
`from microlearn.rig.count import ...`.
"""

from .build import setup
from .count import CountError, CountResult, count
from .paths import RigError
from .qemu import RigTimeout
from .run import CRASHED, RunResult, run
from .targets import TARGETS

__all__ = ["run", "RunResult", "CRASHED", "count", "CountResult", "CountError",
           "setup", "RigError", "RigTimeout", "TARGETS"]
