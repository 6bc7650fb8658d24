"""Runs MicroPython scripts for the data tests (npy, wave, arrays, recorder).

`run(script, cwd)` runs on the unix port with the device package (and its
native modules, built for x64) on the import path, in folder `cwd` (so tests
can look at the files a script writes), and returns stdout. `run_target(...)`
runs on any rig target (tests/device/device_rig.py).
"""
import os
import subprocess
from pathlib import Path

import device_rig
from device_rig import lib_for_arch
from microlearn.rig import build

ROOT = Path(__file__).resolve().parents[2]


def unix_binary():
    """The rig's unix-port MicroPython (built on first use)."""
    return build.build_unix()


def device_lib(arch="x64"):
    """The device package with its native modules for `arch` (built once per session)."""
    return lib_for_arch(arch)


class MicroPythonError(AssertionError):
    def __init__(self, rc, out, err):
        super().__init__(f"MicroPython exited with {rc}\n--- stdout\n{out}\n--- stderr\n{err}")
        self.rc, self.out, self.err = rc, out, err


def run(script, cwd, heap=None, native=True, check=True, timeout=120):
    """Runs `script` (source text) on the unix port in folder cwd; returns stdout.
    A non-zero exit raises MicroPythonError (with the traceback) unless check=False,
    in which case (rc, stdout, stderr) is returned."""
    cwd = Path(cwd)
    path = cwd / "_script.py"
    path.write_text(script)
    lib = device_lib("x64") if native else ROOT / "device"
    cmd = [str(unix_binary())]
    if heap:
        cmd += ["-X", f"heapsize={heap}"]
    proc = subprocess.run(cmd + [str(path)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, MICROPYPATH=str(lib)))
    if not check:
        return proc.returncode, proc.stdout, proc.stderr
    if proc.returncode != 0:
        raise MicroPythonError(proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def run_error(script, cwd, **kw):
    """Runs a script expected to raise; returns the last line of the traceback
    (e.g. "ValueError: x.npy: truncated ..."). A crash (signal) fails the test."""
    rc, out, err = run(script, cwd, check=False, **kw)
    assert rc >= 0 and rc != 0, f"expected an exception, got exit {rc}\n{out}\n{err}"
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def run_target(target, script, files=(), fetch=(), timeout=300):
    """Runs `script` on a rig target ("unix", "cortex-m3", "cortex-m0", "cortex-m4f")
    with the device package built for its architecture; returns the RunResult."""
    return device_rig.run(target, script, files=files, fetch=fetch, timeout=timeout)
