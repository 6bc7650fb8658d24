"""microlearn.dsp on the host: the device's DSP kernels, for verification.

The classes run the same C++ code as ``microlearn.dsp`` on the device
(through the compiled extension) and use the same layouts: complex values
interleaved as float32 (re, im, re, im, ...), q15 as int16. Where the device
fills a caller's array, the host returns a new numpy array.

    from microlearn import dsp
    spec = dsp.RFFT(1024).forward(x)          # float32[1026]: 513 bins interleaved
    dsp.to_complex(spec)                      # complex64[513], as numpy.fft.rfft
    y = dsp.SOS(scipy.signal.butter(4, 0.1, output="sos")).process(x)

See docs/dsp.md for conventions, q15 scaling and tolerances.
"""
import numpy as np

from ._engine import dsp as _dsp

FFT = _dsp.FFT
RFFT = _dsp.RFFT
FFTQ15 = _dsp.FFTQ15
RFFTQ15 = _dsp.RFFTQ15

__all__ = ["FFT", "RFFT", "FFTQ15", "RFFTQ15", "SOS", "FIR", "DCT", "to_complex", "from_complex",
           "fft", "ifft", "rfft", "irfft", "sosfilt", "lfilter", "dct"]


def to_complex(interleaved):
    """complex64 array from interleaved (re, im) float32 values."""
    a = np.ascontiguousarray(interleaved, dtype=np.float32)
    return a.view(np.complex64)


def from_complex(z):
    """Interleaved (re, im) float32 values from a complex array."""
    return np.ascontiguousarray(z, dtype=np.complex64).view(np.float32)


def _f32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


def SOS(sos, q15=False):
    """Streaming IIR filter from second-order sections (scipy's ``sos``:
    rows [b0, b1, b2, a0, a1, a2]). ``process(x)`` returns the filtered block
    and keeps the state for the next one; ``reset()`` clears it."""
    return (_dsp.SOSQ15 if q15 else _dsp.SOS)(_f32(sos))


def FIR(taps, decimation=1, q15=False):
    """Streaming FIR filter: ``process(x)`` returns lfilter(taps, 1, x)[::decimation]
    continued across blocks."""
    return (_dsp.FIRQ15 if q15 else _dsp.FIR)(_f32(taps), int(decimation))


def DCT(n, n_out=None, norm="ortho"):
    """DCT-II as scipy.fft.dct(x, type=2, norm=norm)[:n_out], norm 'ortho' or None."""
    if norm not in ("ortho", None):
        raise ValueError("norm must be 'ortho' or None, got %r" % (norm,))
    return _dsp.DCT(int(n), int(n if n_out is None else n_out), norm == "ortho")


# One-shot conveniences over the classes above.

def fft(x):
    x = np.asarray(x)
    return to_complex(FFT(len(x)).forward(from_complex(x)))


def ifft(X):
    X = np.asarray(X)
    return to_complex(FFT(len(X)).inverse(from_complex(X)))


def rfft(x):
    x = _f32(x)
    return to_complex(RFFT(len(x)).forward(x))


def irfft(X, n=None):
    X = np.asarray(X)
    n = 2 * (len(X) - 1) if n is None else int(n)
    if len(X) != n // 2 + 1:
        raise ValueError("irfft of length %d needs %d bins, got %d" % (n, n // 2 + 1, len(X)))
    return RFFT(n).inverse(from_complex(X))


def sosfilt(sos, x):
    return SOS(sos).process(_f32(x))


def lfilter(taps, x, decimation=1):
    return FIR(taps, decimation).process(_f32(x))


def dct(x, norm=None, n_out=None):
    x = _f32(x)
    return DCT(len(x), n_out, norm).forward(x)
