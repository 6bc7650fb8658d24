"""The dsp kernels (host build of the engine) against numpy and scipy."""
import numpy as np
import pytest
import scipy.fft
import scipy.signal

from microlearn import dsp

SIZES = [2 ** k for k in range(3, 13)]


def rel_err(got, ref):
    ref = np.asarray(ref)
    return float(np.max(np.abs(np.asarray(got) - ref)) / max(np.max(np.abs(ref)), 1e-30))


@pytest.mark.parametrize("n", SIZES)
def test_fft_matches_numpy(n):
    rng = np.random.default_rng(n)
    z = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    f = dsp.FFT(n)
    X = dsp.to_complex(f.forward(dsp.from_complex(z)))
    assert rel_err(X, np.fft.fft(z.astype(np.complex128))) < 1e-5
    back = dsp.to_complex(f.inverse(dsp.from_complex(X)))
    assert rel_err(back, z) < 1e-5
    assert rel_err(dsp.ifft(z), np.fft.ifft(z.astype(np.complex128))) < 1e-5


@pytest.mark.parametrize("n", SIZES)
def test_rfft_matches_numpy(n):
    rng = np.random.default_rng(n + 1)
    x = rng.standard_normal(n).astype(np.float32)
    r = dsp.RFFT(n)
    spec = r.forward(x)
    assert spec.shape == (n + 2,) and spec.dtype == np.float32
    ref = np.fft.rfft(x.astype(np.float64))
    assert rel_err(dsp.to_complex(spec), ref) < 1e-5
    assert rel_err(r.inverse(spec), x) < 1e-5
    assert rel_err(dsp.irfft(ref), np.fft.irfft(ref)) < 1e-5
    assert rel_err(r.power(x), np.abs(ref) ** 2) < 1e-5
    assert rel_err(r.magnitude(x), np.abs(ref)) < 1e-5


def test_rfft_of_pure_tones_and_constants():
    n = 256
    t = np.arange(n)
    x = (np.cos(2 * np.pi * 5 * t / n) + 0.25).astype(np.float32)
    X = dsp.rfft(x)
    assert abs(X[0] - 64) < 1e-4 and abs(X[5] - 128) < 1e-4
    others = np.delete(np.abs(X), [0, 5])
    assert others.max() < 1e-4


@pytest.mark.parametrize("n", SIZES)
def test_rfft_q15_is_scaled_rfft(n):
    rng = np.random.default_rng(n + 2)
    x = rng.integers(-32768, 32768, n).astype(np.int16)
    out = dsp.RFFTQ15(n).forward(x).astype(np.float64)
    got = out[0::2] + 1j * out[1::2]
    ref = np.fft.rfft(x.astype(np.float64)) / n
    # One rounding per butterfly (2^14 a +- (b w) / 2, rounded once), plus the split pass.
    assert np.max(np.abs(got - ref)) < 3


@pytest.mark.parametrize("n", [8, 64, 1024, 4096])
def test_fft_q15_roundtrip(n):
    rng = np.random.default_rng(n + 3)
    z = (rng.uniform(-0.7, 0.7, n) + 1j * rng.uniform(-0.7, 0.7, n)) * 32768
    buf = np.empty(2 * n, np.int16)
    buf[0::2], buf[1::2] = z.real, z.imag
    f = dsp.FFTQ15(n)
    X = f.forward(buf).astype(np.float64)
    zq = buf[0::2] + 1j * buf[1::2].astype(np.float64)
    # One rounding per butterfly: the errors of later stages are halved by the next ones.
    assert np.max(np.abs(X[0::2] + 1j * X[1::2] - np.fft.fft(zq) / n)) < 2


@pytest.mark.parametrize("n", [4, 12, 100, 8192])
def test_fft_rejects_sizes(n):
    with pytest.raises(ValueError, match="power of two from 8 to 4096"):
        dsp.RFFT(n)
    with pytest.raises(ValueError):
        dsp.FFT(n)


def test_wrong_lengths_are_clear():
    with pytest.raises(ValueError, match="x must hold 64 items, got 63"):
        dsp.RFFT(64).forward(np.zeros(63, np.float32))


FILTERS = [
    scipy.signal.butter(4, 0.1, output="sos"),
    scipy.signal.butter(2, 0.3, btype="high", output="sos"),
    scipy.signal.butter(3, [0.1, 0.4], btype="band", output="sos"),
    scipy.signal.cheby1(5, 1, 0.2, output="sos"),
    scipy.signal.ellip(6, 0.5, 40, 0.05, output="sos"),
]


@pytest.mark.parametrize("k", range(len(FILTERS)))
def test_sos_matches_sosfilt_across_blocks(k):
    sos = FILTERS[k]
    rng = np.random.default_rng(k)
    x = rng.standard_normal(3000).astype(np.float32)
    f = dsp.SOS(sos)
    parts = [f.process(b) for b in np.split(x, [1, 10, 500, 501, 2048])]
    y = np.concatenate(parts)
    ref = scipy.signal.sosfilt(sos, x.astype(np.float64))
    assert np.max(np.abs(y - ref)) < 1e-5 * max(1.0, np.max(np.abs(ref))) * 10
    f.reset()
    np.testing.assert_array_equal(f.process(x), y)


@pytest.mark.parametrize("k", range(3))
def test_sos_q15_close_to_sosfilt(k):
    sos = FILTERS[k]
    rng = np.random.default_rng(k)
    x = (rng.uniform(-0.4, 0.4, 2000) * 32768).astype(np.int16)
    f = dsp.SOS(sos, q15=True)
    y = np.concatenate([f.process(x[:700]), f.process(x[700:])])
    ref = scipy.signal.sosfilt(sos, x.astype(np.float64))
    assert np.max(np.abs(y - ref)) <= 2.0


def test_sos_rejects_bad_shapes_and_a0():
    with pytest.raises(ValueError, match="shape"):
        dsp.SOS(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="a0"):
        dsp.SOS(np.array([[1, 0, 0, 0, 0, 0]], np.float32))


@pytest.mark.parametrize("decimation", [1, 2, 3, 4, 7])
def test_fir_matches_lfilter(decimation):
    rng = np.random.default_rng(decimation)
    h = scipy.signal.firwin(31, 0.2).astype(np.float32)
    x = rng.standard_normal(1001).astype(np.float32)
    f = dsp.FIR(h, decimation)
    blocks = np.split(x, [3, 100, 333, 334])
    assert f.outputs(3) == len(range(0, 3, decimation))
    y = np.concatenate([f.process(b) for b in blocks])
    ref = scipy.signal.lfilter(h.astype(np.float64), 1.0, x.astype(np.float64))[::decimation]
    assert y.shape == ref.shape
    assert np.max(np.abs(y - ref)) < 1e-5


def test_fir_q15():
    h = scipy.signal.firwin(15, 0.25)
    x = (np.random.default_rng(0).uniform(-0.5, 0.5, 500) * 32768).astype(np.int16)
    y = dsp.FIR(h, 2, q15=True).process(x)
    hq = np.round(h * 32768) / 32768
    ref = scipy.signal.lfilter(hq, 1.0, x.astype(np.float64))[::2]
    assert np.max(np.abs(y - ref)) <= 1.0
    with pytest.raises(ValueError, match=r"\[-1, 1\)"):
        dsp.FIR([1.5], q15=True)


def _q15_taps(h):
    """The engine's q15 taps: float32, times 2^15, rounded half away from zero."""
    v = np.asarray(h, np.float32).astype(np.float64) * 32768
    return np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5), -32768, 32767).astype(np.int64)


@pytest.mark.parametrize("n_taps", [1, 2, 3, 5, 32, 33])
@pytest.mark.parametrize("decimation", [1, 3, 4])
@pytest.mark.parametrize("wide", [False, True])
def test_fir_q15_exact_in_chunks(n_taps, decimation, wide):
    # Outputs four at a time from chunks of n_taps samples, sums in 32 bits
    # when the taps allow it (SMLAD on armv7em) or 64: always the exact sum,
    # rounded once and saturated. Full-scale input; wide taps saturate.
    rng = np.random.default_rng(100 * n_taps + 10 * decimation + wide)
    h = rng.uniform(-0.99, 0.99, n_taps)
    if not wide:
        h *= 1.9 / max(np.abs(h).sum(), 1.9)
    x = rng.integers(-32768, 32768, 1000).astype(np.int16)
    f = dsp.FIR(h.astype(np.float32), decimation, q15=True)
    cuts = np.sort(rng.choice(np.arange(1, 1000), 12, replace=False))
    y = np.concatenate([f.process(b) for b in np.split(x, cuts)])
    acc = np.convolve(x.astype(np.int64), _q15_taps(h))[:1000]
    ref = np.clip((acc + (1 << 14)) >> 15, -32768, 32767)[::decimation]
    assert np.array_equal(y, ref)


@pytest.mark.parametrize("n_taps", [1, 3, 4, 7, 8, 9, 16, 17, 32, 35])
@pytest.mark.parametrize("decimation", [1, 2, 4, 5])
def test_fir_float_in_chunks(n_taps, decimation):
    # However many outputs a pass computes (eight at a time for D = 1, four
    # for D > 1, then one), each is the float32 sum of h[n-1] x[t-n+1], ...,
    # h[0] x[t] in that order from 0.0, rounded after every operation: the
    # same bits as a plain loop (and on every target: no fused multiply-add).
    rng = np.random.default_rng(7 * n_taps + decimation)
    h = rng.standard_normal(n_taps).astype(np.float32)
    x = rng.standard_normal(700).astype(np.float32)
    f = dsp.FIR(h, decimation)
    cuts = np.sort(rng.choice(np.arange(1, 700), 9, replace=False))
    y = np.concatenate([f.process(b) for b in np.split(x, cuts)])
    ref = scipy.signal.lfilter(h.astype(np.float64), 1.0, x.astype(np.float64))[::decimation]
    assert np.max(np.abs(y - ref)) < 1e-5 * np.abs(h).sum() * 4
    padded = np.concatenate([np.zeros(n_taps - 1, np.float32), x])
    acc = np.zeros(700, np.float32)
    for j in range(n_taps):  # oldest sample first
        acc = acc + h[n_taps - 1 - j] * padded[j : j + 700]
    assert y.dtype == np.float32
    assert np.array_equal(y.view(np.uint32), acc[::decimation].view(np.uint32))


@pytest.mark.parametrize("n", [8, 13, 40, 64, 128])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_matches_scipy(n, norm):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    ref = scipy.fft.dct(x.astype(np.float64), type=2, norm=norm)
    assert rel_err(dsp.dct(x, norm=norm), ref) < 1e-5
    n_out = min(n, 13)
    assert rel_err(dsp.DCT(n, n_out, norm).forward(x), ref[:n_out]) < 1e-5


def test_q15_fir_taps_round_exactly():
    """q15 FIR taps are round(h * 32768), halves away from zero, exactly: the
    float h = 2^-16 - 2^-40 (bits 0x377fffff) is just under half a q15 step
    and becomes 0 (the float path, h * 32768 + 0.5, rounded it up to 1 and
    -h to -1: the only two taps in [-1, 1) that changed)."""
    h = float(np.float32(2.0 ** -16 - 2.0 ** -40))
    assert np.float32(h).view(np.uint32) == 0x377FFFFF
    out = dsp.FIR([h, -h, 0.5], q15=True).process(np.array([32767, 0, 0], np.int16))
    np.testing.assert_array_equal(out, [0, 0, 16384])


def test_spectrogram_refuses_integer_samples_as_the_device():
    """int16 PCM used to be taken as raw values (32768 times the float
    scale) while the device refused array('h'): both refuse it now, naming
    the conversion (tests/device/test_dsp_device.py checks the same text)."""
    s = dsp.Spectrogram(n_fft=256)
    for dtype in (np.int16, np.int32, np.uint8):
        with pytest.raises(TypeError, match=r"x must be float samples: array\('f'\) \(int16 PCM: x / 32768"):
            s.process(np.zeros(300, dtype))
    assert s.process(np.zeros(300, np.int16).astype(np.float32) / 32768).shape == (1, 129)
