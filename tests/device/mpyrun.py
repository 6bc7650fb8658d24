"""Runs MicroPython scripts for the data tests (npy, wave, arrays, recorder).

`run(script, cwd)` runs on the unix port with the device package (and its
native modules, built for x64) on the import path, in folder `cwd`, and
returns stdout. `run_qemu(...)` runs on an emulated board through the
project's rig (python/microlearn/rig) when it is available.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_built = {}


def mpy_dir():
    """MicroPython's source tree (with the unix port built)."""
    candidates = [os.environ.get("MICROLEARN_MPY_DIR"), ROOT / "build" / "micropython-1.25.0",
                  "/tmp/mpsrc/micropython-1.25.0"]
    for c in candidates:
        if c and (Path(c) / "ports/unix/build-standard/micropython").is_file():
            return Path(c)
    pytest.skip("no MicroPython unix port built (run the rig's setup, or set MICROLEARN_MPY_DIR)")


def unix_binary():
    return mpy_dir() / "ports/unix/build-standard/micropython"


def device_lib(arch="x64"):
    """Builds the device package (.py files and _arrays) for `arch` once per
    session; returns its lib folder."""
    if arch not in _built:
        build = ROOT / "build" / "device-tests" / arch
        env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
        # Only what these tests use: the package's .py files and _arrays.mpy.
        targets = [str(build / "lib/microlearn/_arrays.mpy")]
        targets += [str(build / "lib/microlearn" / p.name) for p in (ROOT / "device/microlearn").glob("*.py")]
        proc = subprocess.run(["make", "-C", str(ROOT / "device"), f"ARCH={arch}", f"MPY_DIR={mpy_dir()}",
                               f"BUILD={build}", f"PYTHON={sys.executable}", *targets],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError("device build failed:\n" + proc.stdout[-3000:] + proc.stderr[-3000:])
        _built[arch] = build / "lib"
    return _built[arch]


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


def rig_run():
    """The rig's run(target, script, files=..., fetch=...) if it exists, else None."""
    sys.path.insert(0, str(ROOT / "python"))
    try:
        from microlearn.rig import run as rig_run_fn  # noqa: F401
    except ImportError:
        return None
    return rig_run_fn


ARCHS = {"unix": "x64", "cortex-m3": "armv7m", "cortex-m0": "armv6m", "cortex-m4f": "armv7emsp"}


def run_target(target, script, files=(), fetch=(), timeout=300):
    """Runs `script` on a rig target ("unix", "cortex-m3", "cortex-m0") with the
    device package and _arrays built for its architecture; returns the RunResult.
    Skips when the rig cannot build or run the target here."""
    rig = rig_run()
    if rig is None:
        pytest.skip("the rig (microlearn.rig) is not available")
    from microlearn.rig import RigError
    lib = device_lib(ARCHS[target])
    try:
        return rig(target, script, files=files, lib_dir=lib, fetch=fetch, timeout=timeout)
    except RigError as e:
        if "not found" in str(e) or "install" in str(e):
            pytest.skip(f"rig target {target} unavailable: {e}")
        raise
