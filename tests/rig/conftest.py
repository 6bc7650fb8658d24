"""Fixtures for the rig tests: real MicroPython (unix port, QEMU boards).

The first test session builds MicroPython (about 40 s, cached under build/)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rig_helpers import ALL_TARGETS  # noqa: E402  (also puts python/ on sys.path)

from microlearn.rig import build, paths  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def rig_built():
    """Build MicroPython and the rig's helpers once (no device/ natmods needed)."""
    build.setup(ALL_TARGETS, natmods=False)


@pytest.fixture(scope="session")
def make_lib(tmp_path_factory):
    """make_lib(arch) -> a lib folder holding a package with .py, bytecode .mpy and a
    native .mpy (a copy of _markers, built for arch)."""
    made = {}

    def make(arch):
        if arch in made:
            return made[arch]
        lib = tmp_path_factory.mktemp(f"lib-{arch}")
        pkg = lib / "mypkg"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("from .helper import double\nNAME = 'mypkg'\n")
        src = lib / "helper_src.py"
        src.write_text("def double(x):\n    return 2 * x\n")
        import subprocess

        subprocess.run([str(build.build_mpy_cross()), "-o", str(pkg / "helper.mpy"),
                        str(src)], check=True)
        src.unlink()
        (pkg / "native.mpy").write_bytes(build.build_markers(arch).read_bytes())
        made[arch] = lib
        return lib

    return make


@pytest.fixture(scope="session")
def rigtest_natmod(tmp_path_factory):
    """rigtest_natmod(arch) -> a lib folder holding rigtest.mpy (natmod/rigtest.c)
    compiled for arch with MicroPython's dynruntime.mk."""
    made = {}

    def make(arch):
        if arch not in made:
            work = tmp_path_factory.mktemp(f"natmod-{arch}")
            import subprocess

            subprocess.run(
                ["make", "-s", "-f", str(Path(__file__).parent / "natmod" / "Makefile"),
                 "-C", str(work), f"MPY_DIR={paths.micropython_dir()}", f"ARCH={arch}",
                 f"PYTHON={sys.executable}"],
                check=True, capture_output=True)
            lib = work / "lib"
            lib.mkdir()
            (work / "rigtest.mpy").rename(lib / "rigtest.mpy")
            made[arch] = lib
        return made[arch]

    return make


@pytest.fixture(scope="session")
def scripts_dir():
    return Path(__file__).resolve().parent / "scripts"
