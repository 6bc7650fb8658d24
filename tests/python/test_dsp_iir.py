"""IIR filters (SOS, float32 and q15) against scipy.signal over a sweep of
designs: the bounds docs/dsp.md states, per design class."""
import numpy as np
import pytest
import scipy.signal as ss

from microlearn import dsp

FAMILIES = {
    "butter": lambda n, w, bt: ss.butter(n, w, bt, output="sos"),
    "cheby1": lambda n, w, bt: ss.cheby1(n, 1, w, bt, output="sos"),
    "cheby2": lambda n, w, bt: ss.cheby2(n, 40, w, bt, output="sos"),
    "ellip": lambda n, w, bt: ss.ellip(n, 0.5, 40, w, bt, output="sos"),
    "bessel": lambda n, w, bt: ss.bessel(n, w, bt, output="sos"),
}
CUTOFFS = (0.01, 0.02, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99)


def band(w):
    return [w * 0.8, min(w * 1.25, 0.995)]


def designs(btype):
    """(order, cut-off, sos) for one family and band type over the sweep."""
    for order in range(1, 11):
        for w in CUTOFFS:
            yield order, w, band(w) if btype == "bandpass" else w


def q15_reference(sos, x):
    return np.clip(np.round(ss.sosfilt(sos, x.astype(np.float64) / 32768) * 32768), -32768, 32767)


def q15_inputs(n=2500):
    rng = np.random.default_rng(n)
    return {
        "random": (rng.uniform(-1, 1, n) * 32767).astype(np.int16),
        "dc": np.full(n, 16000, np.int16),
        "step": np.concatenate([np.zeros(100), np.full(n - 100, -32768)]).astype(np.int16),
        "full scale": np.where(rng.random(n) < 0.5, -32768, 32767).astype(np.int16),
    }


@pytest.mark.parametrize("btype", ["low", "high", "bandpass"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_q15_sweep_within_2_lsb(family, btype):
    """Every design of order 1..10 with cut-offs 0.01..0.99: within 2 LSB of
    round(sosfilt * 32768) for random, DC, step and full-scale inputs."""
    inputs = q15_inputs()
    worst = {}
    for order, w, wn in designs(btype):
        sos = FAMILIES[family](order, wn, btype)
        f = dsp.SOS(sos, q15=True)
        for name, x in inputs.items():
            f.reset()
            err = np.max(np.abs(f.process(x) - q15_reference(sos, x)))
            worst[(order, w, name)] = err
    bad = {k: v for k, v in worst.items() if v > 2}
    assert not bad, bad


def test_q15_narrow_butterworth_keeps_dc_gain():
    # The case: one Q format for all coefficients rounded the b of
    # the first section (6e-11) to 0, and the output was all zeros.
    sos = ss.butter(8, 0.035, output="sos")
    y = dsp.SOS(sos, q15=True).process(np.full(4000, 16000, np.int16))
    assert y[-1] == 16000
    assert np.max(np.abs(y - q15_reference(sos, np.full(4000, 16000)))) <= 2


def test_q15_rows_with_a0_not_one():
    sos = ss.cheby1(6, 1, 0.05, output="sos")
    scaled = sos * np.array([0.5, 2.0, 4.0])[:, None]  # a0 = 0.5, 2, 4
    x = q15_inputs()["random"]
    np.testing.assert_array_equal(dsp.SOS(scaled, q15=True).process(x), dsp.SOS(sos, q15=True).process(x))


@pytest.mark.parametrize("sos, why", [
    ([[1, 0, 0, 1, -2.1, 1.2]], "unstable"),
    ([[1, 0, 0, 1, -0.999999, 0]], "pole 1e-6 from z = 1"),
    (ss.cheby2(2, 72, 0.0116, output="sos"), "poles 6.5e-7 from z = 1 in |A(1)|"),
    (ss.butter(8, [0.0147, 0.709], "bandstop", output="sos"), "passband 25 bits below a section's peak"),
])
def test_q15_refuses_what_it_cannot_represent(sos, why):
    with pytest.raises(ValueError, match="q15 needs stable sections"):
        dsp.SOS(sos, q15=True)


# float32 SOS: coefficients rounded to float32 dominate for narrow designs
# (a pole pair 0.03 from z = 1 turns float32's 6e-8 into 1e-4 of DC gain).
# Bounds of |y - sosfilt| / max(1, max|sosfilt|), per family, for cut-offs
# (all band edges) within [0.05, 0.95] and within [0.01, 0.99]; docs/dsp.md.
FLOAT_BOUNDS = {
    "butter": (3e-5, 1e-3),
    "bessel": (3e-5, 1e-3),
    "ellip": (1e-4, 2e-3),
    "cheby1": (1e-3, 2e-2),
    "cheby2": (1e-3, 1e-2),
}


@pytest.mark.parametrize("btype", ["low", "high", "bandpass"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_float_sweep_within_documented_bounds(family, btype):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, 4000).astype(np.float32)
    for order, w, wn in designs(btype):
        edges = np.atleast_1d(wn)
        bound = FLOAT_BOUNDS[family][0 if edges.min() >= 0.05 and edges.max() <= 0.95 else 1]
        sos = FAMILIES[family](order, wn, btype)
        for xx in (x, np.ones(4000, np.float32)):
            ref = ss.sosfilt(sos, xx.astype(np.float64))
            err = np.max(np.abs(dsp.SOS(sos).process(xx) - ref)) / max(1.0, np.max(np.abs(ref)))
            assert err < bound, (order, w, err)


@pytest.mark.parametrize("sos", [
    ss.butter(4, 0.1, output="sos"),
    ss.cheby1(5, 1, 0.2, "high", output="sos"),
    ss.ellip(4, 0.5, 40, [0.1, 0.3], "bandpass", output="sos"),
    ss.butter(8, 0.035, output="sos"),
])
def test_reset_to_steady_state_matches_sosfilt_zi(sos):
    zi = ss.sosfilt_zi(sos)
    rng = np.random.default_rng(2)
    x = (0.6 + 0.05 * rng.standard_normal(1500)).astype(np.float32)
    f = dsp.SOS(sos)
    f.reset(0.6)
    ref, _ = ss.sosfilt(sos, x.astype(np.float64), zi=zi * 0.6)
    assert np.max(np.abs(f.process(x) - ref)) < 1e-4
    f.reset()  # zeros again
    np.testing.assert_allclose(f.process(x), ss.sosfilt(sos, x.astype(np.float64)), atol=1e-4)
    # q15: x0 an int16 value
    xq = np.round(x * 32768).astype(np.int16)
    q = dsp.SOS(sos, q15=True)
    q.reset(int(xq[0]))
    refq, _ = ss.sosfilt(sos, xq / 32768.0, zi=zi * (xq[0] / 32768.0))
    assert np.max(np.abs(q.process(xq) - np.round(refq * 32768))) <= 2


@pytest.mark.parametrize("q15", [False, True])
def test_empty_blocks_are_no_ops(q15):
    sos = ss.butter(4, 0.1, output="sos")
    dtype = np.int16 if q15 else np.float32
    x = (np.random.default_rng(3).uniform(-0.5, 0.5, 300) * (32768 if q15 else 1)).astype(dtype)
    f, g = dsp.SOS(sos, q15=q15), dsp.SOS(sos, q15=q15)
    a = f.process(x[:100])
    assert f.process(np.zeros(0, dtype)).shape == (0,)
    np.testing.assert_array_equal(np.concatenate([a, f.process(x[100:])]), g.process(x))
    fir, fir2 = dsp.FIR([0.25, 0.5, 0.25], decimation=2, q15=q15), dsp.FIR([0.25, 0.5, 0.25], decimation=2, q15=q15)
    b = fir.process(x[:101])
    assert fir.process(np.zeros(0, dtype)).shape == (0,)
    np.testing.assert_array_equal(np.concatenate([b, fir.process(x[101:])]), fir2.process(x))
