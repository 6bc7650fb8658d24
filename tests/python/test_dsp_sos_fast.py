"""The fast q15 SOS kernel (dsp.SOS(sos, q15=True, fast=True)) against
scipy.signal.sosfilt: the bounds docs/dsp.md states, its refusals."""
import numpy as np
import pytest
import scipy.signal as ss

from microlearn import dsp
from test_dsp_iir import FAMILIES, designs, q15_reference

# docs/dsp.md: max |y - round(sosfilt * 32768)| over the sweep, as a fraction
# of the input's peak, for inputs up to a quarter of full scale.
BOUND = {4: 0.0135, 10: 0.07}
# The same for full-scale uniform noise, as a fraction of full scale.
BOUND_FULL = {4: 0.01, 10: 0.02}


def inputs(amplitude, n=2500):
    rng = np.random.default_rng(n)
    a = amplitude
    return {
        "random": (rng.uniform(-1, 1, n) * a).astype(np.int16),
        "dc": np.full(n, a // 2, np.int16),
        "step": np.concatenate([np.zeros(100), np.full(n - 100, -a)]).astype(np.int16),
        "random signs": np.where(rng.random(n) < 0.5, -a, a).astype(np.int16),
    }


@pytest.mark.parametrize("btype", ["low", "high", "bandpass"])
def test_sweep_within_documented_bound(btype):
    """Every design of order 1..10, cut-offs 0.01..0.99, that the fast kernel
    accepts: within the bound for inputs up to 8191 (a quarter of full scale)
    and for full-scale uniform noise."""
    xs = inputs(8191)
    full = (np.random.default_rng(3).uniform(-1, 1, 2500) * 32767).astype(np.int16)
    bad, accepted = {}, 0
    for family in sorted(FAMILIES):
        for order, w, wn in designs(btype):
            sos = FAMILIES[family](order, wn, btype)
            try:
                f = dsp.SOS(sos, q15=True, fast=True)
            except ValueError as e:
                assert "use the exact q15 kernel (fast=False)" in str(e)
                dsp.SOS(sos, q15=True)  # which takes it
                continue
            accepted += 1
            size = 4 if order <= 4 else 10
            for name, x in xs.items():
                f.reset()
                err = np.max(np.abs(f.process(x) - q15_reference(sos, x)))
                if err > 8191 * BOUND[size]:
                    bad[(family, order, w, name)] = err
            f.reset()
            err = np.max(np.abs(f.process(full) - q15_reference(sos, full)))
            if err > 32767 * BOUND_FULL[size]:
                bad[(family, order, w, "full-scale noise")] = err
    assert not bad, bad
    assert accepted >= 140  # of 400 (619 of the 1,200): narrow designs (poles within 2^-6 of z = +-1) are refused


def test_benchmark_design_at_full_scale():
    """butter(4, 0.1), the benchmarks' design: a few LSB at full scale, across
    blocks, the steady state of reset(x0), and its high-pass twin."""
    sos = ss.butter(4, 0.1, output="sos")
    x = (np.random.default_rng(1).uniform(-1, 1, 4000) * 32767).astype(np.int16)
    f = dsp.SOS(sos, q15=True, fast=True)
    y = np.concatenate([f.process(x[:1000]), f.process(x[1000:1001]), f.process(x[1001:])])
    assert np.max(np.abs(y - q15_reference(sos, x))) <= 6
    f.reset(-20000)
    assert np.max(np.abs(f.process(np.full(300, -20000, np.int16)) + 20000)) <= 4
    # The high pass: its output overshoots full scale on this noise and clips;
    # the state's headroom bit keeps the recursion from clipping with it.
    hp = ss.butter(4, 0.1, "high", output="sos")
    y = dsp.SOS(hp, q15=True, fast=True).process(x)
    assert np.max(np.abs(y - q15_reference(hp, x))) <= 16


def test_refusals_name_the_exact_kernel():
    with pytest.raises(ValueError, match=r"poles at least 2\^-6 from z = \+-1.*fast=False"):
        dsp.SOS(ss.butter(2, 0.01, output="sos"), q15=True, fast=True)
    with pytest.raises(ValueError, match="pass q15=True"):
        dsp.SOS(ss.butter(2, 0.1, output="sos"), fast=True)
    with pytest.raises(ValueError, match="q15 needs stable sections"):
        dsp.SOS([[1, 0, 0, 1, -2.1, 1.2]], q15=True, fast=True)
