"""FFT accuracy bounds of the radix-4 kernels (docs/dsp.md, q15 FFT), every size.

The q15 bounds are below what the radix-2 kernels before them gave on these
inputs (complex: up to 1.94 LSB; real: up to 2.35), so they fail there.
"""
import numpy as np
import pytest

from microlearn import dsp

SIZES = [2 ** k for k in range(3, 13)]  # odd and even log2: a first radix-2 pass or not


def q15_complex(n, seed, amplitude=0.7):
    rng = np.random.default_rng(seed)
    z = (rng.uniform(-amplitude, amplitude, n) + 1j * rng.uniform(-amplitude, amplitude, n)) * 32768
    buf = np.empty(2 * n, np.int16)
    buf[0::2], buf[1::2] = z.real, z.imag
    return buf


def as_complex(buf):
    return buf[0::2].astype(np.float64) + 1j * buf[1::2].astype(np.float64)


@pytest.mark.parametrize("n", SIZES)
def test_fft_q15_within_one_and_a_quarter_lsb(n):
    # One rounding per radix-4 pass (radix 2 for the first when log2 n is odd).
    for seed in range(3):
        buf = q15_complex(n, 100 * n + seed)
        got = as_complex(dsp.FFTQ15(n).forward(buf))
        assert np.max(np.abs(got - np.fft.fft(as_complex(buf)) / n)) < 1.25, seed


@pytest.mark.parametrize("n", SIZES)
def test_rfft_q15_within_two_lsb(n):
    for seed in range(3):
        x = np.random.default_rng(200 * n + seed).integers(-32768, 32768, n).astype(np.int16)
        got = as_complex(dsp.RFFTQ15(n).forward(x))
        assert np.max(np.abs(got - np.fft.rfft(x.astype(np.float64)) / n)) < 2.0, seed


@pytest.mark.parametrize("n", SIZES)
def test_fft_q15_inverse_is_scaled_ifft(n):
    # The inverse is conj(fft(conj(X))): sum_k X[k] w^-kt / n, rounded as the forward.
    buf = q15_complex(n, 300 * n)
    got = as_complex(dsp.FFTQ15(n).inverse(buf))
    assert np.max(np.abs(got - np.fft.ifft(as_complex(buf)))) < 1.25


def full_scale_tone(n, k):
    # |z| = 1.41 (clipped per part): past the no-overflow range of |z| <= 1.
    z = 46340 * np.exp(2j * np.pi * k * np.arange(n) / n)
    buf = np.empty(2 * n, np.int16)
    buf[0::2], buf[1::2] = np.clip(z.real, -32768, 32767), np.clip(z.imag, -32768, 32767)
    return buf


def test_fft_q15_past_full_scale_saturates_instead_of_wrapping():
    # numpy: bin 3 = 1.16 (37,944 / 32,768): the output saturates (SSAT on Arm,
    # a compare elsewhere, the same bits: tests/device/test_dsp_device.py).
    n, k = 64, 3
    buf = full_scale_tone(n, k)
    assert (np.fft.fft(as_complex(buf)) / n)[k].real > 37000
    got = dsp.FFTQ15(n).forward(buf)
    assert got[2 * k] == 32767


@pytest.mark.parametrize("n", SIZES)
def test_float_ffts_match_numpy_and_invert(n):
    rng = np.random.default_rng(400 * n)
    z = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    X = dsp.to_complex(dsp.FFT(n).forward(dsp.from_complex(z)))
    ref = np.fft.fft(z.astype(np.complex128))
    assert np.max(np.abs(X - ref)) <= 3e-7 * np.max(np.abs(ref))
    back = dsp.to_complex(dsp.FFT(n).inverse(dsp.from_complex(X)))
    assert np.max(np.abs(back - z)) <= 3e-7 * np.max(np.abs(z))
    x = rng.standard_normal(n).astype(np.float32)
    R = dsp.to_complex(dsp.RFFT(n).forward(x))
    rref = np.fft.rfft(x.astype(np.float64))
    assert np.max(np.abs(R - rref)) <= 3e-7 * np.max(np.abs(rref))
    assert np.max(np.abs(dsp.RFFT(n).inverse(dsp.from_complex(R)) - x)) <= 3e-7 * np.max(np.abs(x))
