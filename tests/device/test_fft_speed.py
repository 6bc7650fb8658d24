"""Instruction budgets of the q15 FFTs on the emulated Cortex-M0 (issue 12: at least
2x faster than at 47afe57, whose kernels took 252,969 (real) and 489,471 (complex)
instructions for 1024 points from C; docs/dsp.md, Speed). Counted from MicroPython,
one call between markers: the kernel plus ~1-2 k of call overhead. The kernels
before this budget took 193,109 / 359,165 from C (an int16 memcpy per value moved
was a library call on armv6m), so these bounds fail there.
"""
import pytest

from device_rig import lib_for
from microlearn.rig.count import count

N = 1024
SCRIPT = """
import array, _markers
from microlearn import dsp
n = {n}
x = array.array("h", ((i * 7919) % 40001 - 20000 for i in range(2 * n)))
if {real}:
    t = dsp.RFFTQ15(n)
    xr = array.array("h", x[:n])
    out = array.array("h", bytes(2 * (n + 2)))
    _markers.start()
    t.forward(xr, out)
    _markers.stop()
else:
    t = dsp.FFTQ15(n)
    _markers.start()
    t.forward(x)
    _markers.stop()
"""


@pytest.mark.parametrize("real, budget", [(True, 130_000), (False, 246_000)], ids=["rfft_q15", "fft_q15"])
def test_q15_fft_cortex_m0_within_half_of_47afe57(real, budget):
    r = count("cortex-m0", SCRIPT.format(n=N, real=real), lib_dir=lib_for("cortex-m0"))
    assert r.instructions <= budget, r.instructions


INIT_SCRIPT = """
import _markers
from microlearn import dsp
dsp.FFTQ15(8)
_markers.start()
t = dsp.FFTQ15(4096)
_markers.stop()
"""


def test_q15_fft_init_4096_cortex_m0_integer_twiddles():
    """A 4096-point FFTQ15 (its 8 kB table allocated and filled) on the
    Cortex-M0: 356,932 instructions with the integer twiddles (10,088,148 when
    they were computed with soft-float sincos_pi and rounded)."""
    r = count("cortex-m0", INIT_SCRIPT, lib_dir=lib_for("cortex-m0"))
    assert r.instructions <= 500_000, r.instructions
