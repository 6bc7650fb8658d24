"""The device package as a board gets it: compiled modules only, and a mip
package.json per arch that lists exactly the built files."""
import json

import pytest

from device_rig import lib_for_arch


@pytest.mark.parametrize("arch", ["x64", "armv6m", "armv7m", "armv7emsp", "rv32imc"])
def test_package_json_lists_every_built_file(arch):
    lib = lib_for_arch(arch)
    package = json.loads((lib.parent / "package.json").read_text())
    listed = {dest for dest, _ in package["urls"]}
    built = {p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file()}
    assert listed == built
    assert all(src == "lib/" + dest for dest, src in package["urls"])
    assert "microlearn/__init__.mpy" in built and "microlearn/_trees.mpy" in built
    assert not [f for f in built if f.endswith(".py")]  # no source to compile on the board
