"""The MicroPython rig: build real MicroPython and run scripts on it.

Targets: "unix" (the unix port, x64 native modules), "cortex-m3" (QEMU mps2-an385,
armv7m) and "cortex-m0" (armv6m native modules on the same board). See docs/rig.md.

    from microlearn.rig import run, count, setup
    setup()                                   # build everything (cached)
    rc, out = run("cortex-m3", "print(1)")
    n = count("cortex-m3", script).instructions

Command line: python -m microlearn.rig {setup,run,count} ... (see cli.py).
"""

from .paths import RigError
from .qemu import RigTimeout
from .run import CRASHED, RunResult, run
from .targets import TARGETS

__all__ = ["run", "RunResult", "CRASHED", "RigError", "RigTimeout", "TARGETS",
           "setup", "count", "CountResult"]


def __getattr__(name):  # count/setup import lazily; keeps `import microlearn.rig` light
    if name in ("count", "CountResult"):
        from . import count as _count_module
        return getattr(_count_module, name)
    if name == "setup":
        from .build import setup
        return setup
    raise AttributeError(name)
