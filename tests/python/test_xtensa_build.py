"""The xtensa (ESP8266) native modules build and link.

This is a link-only check: nothing here runs the xtensa code, because there is
no ESP8266 emulator on this machine. It keeps the build from silently
regressing: every native module in device/Makefile's NATMODS must link for
ARCH=xtensa, which needs device/natmods/softfloat.c (the float and integer
routines Debian's lx106 libgcc leaves to the ESP8266 ROM; tested bit for bit
on the host by tests/cpp/test_softfloat.cpp) and device/mpy_ld_xtensa.py (for
qstr literals that MicroPython 1.25's mpy_ld cannot link on xtensa).
"""

import re
import shutil
import subprocess
import sys

import pytest

from microlearn.rig import build as rig_build
from microlearn.rig import paths

pytestmark = pytest.mark.skipif(
    shutil.which("xtensa-lx106-elf-gcc") is None,
    reason="xtensa-lx106-elf-gcc is not installed (Debian: apt install gcc-xtensa-lx106)",
)

MP_NATIVE_ARCH_XTENSA = 9
MPY_VERSION, MPY_SUB_VERSION = 6, 3


def natmods():
    makefile = (paths.repo_root() / "device" / "Makefile").read_text()
    (names,) = re.findall(r"^NATMODS\s*=\s*(.+)$", makefile, re.M)
    return names.split()


def test_xtensa_natmods_link(tmp_path):
    build = tmp_path / "xtensa"
    cmd = [
        "make", "-C", str(paths.repo_root() / "device"), "ARCH=xtensa",
        f"MPY_DIR={rig_build.fetch_source()}", f"BUILD={build}", f"PYTHON={sys.executable}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, f"xtensa build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    for name in natmods():
        mpy = build / "lib" / "microlearn" / f"_{name}.mpy"
        assert mpy.is_file(), f"{mpy} was not built"
        header = mpy.read_bytes()[:3]
        assert header == bytes([ord("M"), MPY_VERSION, MP_NATIVE_ARCH_XTENSA << 2 | MPY_SUB_VERSION]), (
            f"{mpy}: header {header!r} is not an xtensa native .mpy"
        )


def test_softfloat_calls_none_of_its_own_routines(tmp_path):
    """softfloat.c must not itself call the routines it defines (on the device
    such a call would recurse). Built for xtensa with its routines renamed
    (ML_SOFTFLOAT_TEST: ml_sf_*), every libcall GCC made of its code is an
    undefined symbol: only libgcc's 64-bit shifts may be."""
    obj = tmp_path / "softfloat.o"
    src = paths.repo_root() / "device" / "natmods" / "softfloat.c"
    subprocess.run(
        ["xtensa-lx106-elf-gcc", "-std=c99", "-Os", "-mforce-l32", "-Wall", "-Werror",
         "-DML_SOFTFLOAT_TEST", "-c", str(src), "-o", str(obj)],
        check=True,
    )
    nm = subprocess.run(["xtensa-lx106-elf-nm", "-u", str(obj)], capture_output=True, text=True, check=True)
    calls = {line.split()[-1] for line in nm.stdout.splitlines() if line.strip()}
    assert calls <= {"__ashldi3", "__lshrdi3"}, f"softfloat.c calls {sorted(calls)}"
