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


def _mpy_names(path):
    """The names a native .mpy interns at import (MicroPython 1.25's .mpy v6:
    header, qstr count, object count, then each qstr as a varint of length << 1
    and its bytes and a NUL, or an index << 1 | 1 for a name the firmware has)."""
    data = path.read_bytes()
    assert data[:2] == b"M\x06", path
    pos = 4

    def uint():
        nonlocal pos
        v = 0
        while True:
            b = data[pos]
            pos += 1
            v = (v << 7) | (b & 0x7F)
            if not b & 0x80:
                return v

    n_qstr, _ = uint(), uint()
    names = []
    for _ in range(n_qstr):
        v = uint()
        if not v & 1:
            names.append(data[pos:pos + (v >> 1)].decode())
            pos += (v >> 1) + 1
    return names


# The types each DSP module registers (device/natmods/dsp.c, one source built six ways).
DSP_TYPES = {"_fft": {"FFT", "RFFT"}, "_fft_q15": {"FFTQ15", "RFFTQ15"}, "_filters": {"SOS", "FIR"},
             "_filters_q15": {"SOSQ15", "FIRQ15"}, "_sos_fast": {"SOSQ15"},
             "_spectral": {"DCT", "Spectrogram", "Features"}}


@pytest.mark.parametrize("arch", ["x64", "armv6m", "armv7m", "rv32imc"])
def test_native_modules_intern_only_their_own_names(arch):
    """Each name a native module holds is interned (RAM) at import: the
    module's source name is its file name, not the build folder's path, and a
    DSP module holds only the names of the parts it was built with, not those
    of the code dsp.c's #if leaves out (device/natmod_ld.py)."""
    lib = lib_for_arch(arch) / "microlearn"
    all_types = set().union(*DSP_TYPES.values())
    for mpy in sorted(lib.glob("_*.mpy")):
        names = _mpy_names(mpy)
        if mpy.name == "_image.mpy" or not names or not names[0].endswith(".native.mpy"):
            continue  # a plain-Python module
        assert names[0] == mpy.stem + ".native.mpy", (mpy.name, names[0])
        if mpy.stem in DSP_TYPES:
            assert set(names) & all_types == DSP_TYPES[mpy.stem], (mpy.name, sorted(names))
