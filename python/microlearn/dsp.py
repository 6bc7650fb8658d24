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


def _q15(q15):
    if q15 == "auto":  # the host has an FPU: the float kernel, as on a board with one
        return False
    if q15 not in (True, False, 0, 1):
        raise ValueError("q15 must be True, False or 'auto'")
    return bool(q15)


def SOS(sos, q15=False, fast=False):
    """Streaming IIR filter from second-order sections (scipy's ``sos``:
    rows [b0, b1, b2, a0, a1, a2]). ``process(x)`` returns the filtered block
    and keeps the state for the next one; ``reset()`` clears it and
    ``reset(x0)`` starts in the steady state of a constant input x0, as
    ``scipy.signal.sosfilt(sos, x, zi=sosfilt_zi(sos) * x0)`` (q15: x0 an
    int16 value). q15 takes the coefficients in float64, exactly, and
    filters int16 (q15) blocks, or float blocks of a signal in [-1, 1),
    converted to q15 and back as on the device (docs/dsp.md: what a board
    without an FPU computes with ``q15="auto"``; here "auto" is the float
    kernel). ``fast=True`` (q15 only) picks the fast q15 kernel: 16-bit
    signals and coefficients, several times faster, within the looser bound
    of docs/dsp.md; designs it cannot hold raise ValueError (use fast=False)."""
    use_q15 = _q15(q15)
    if fast and not use_q15 and q15 != "auto":
        raise ValueError("fast=True is a q15 kernel: pass q15=True as well (the float kernel has one form)")
    if use_q15:
        cls = _dsp.SOSQ15Fast if fast else _dsp.SOSQ15
        return cls(np.ascontiguousarray(sos, dtype=np.float64))
    return _dsp.SOS(_f32(sos))


def FIR(taps, decimation=1, q15=False):
    """Streaming FIR filter: ``process(x)`` returns lfilter(taps, 1, x)[::decimation]
    continued across blocks. q15 as SOS's (int16 blocks, or float blocks in [-1, 1))."""
    return (_dsp.FIRQ15 if _q15(q15) else _dsp.FIR)(_f32(taps), int(decimation))


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


# ---- spectrograms and windowed features -------------------------------------

WINDOWS = {"rectangular": 0, "boxcar": 0, "hann": 1, "hamming": 2, "blackman": 3}
OUTPUTS = {"power": 0, "magnitude": 1, "mel": 2, "log_mel": 3, "mfcc": 4}
FEATURES = {"mean": 0, "std": 1, "min": 2, "max": 3, "rms": 4, "ptp": 5, "crossings": 6,
            "skew": 7, "kurtosis": 8, "percentile": 9, "band_energy": 10}


def _code(table, value, what):
    if value not in table:
        raise ValueError("%s must be one of %s, got %r" % (what, ", ".join(sorted(table)), value))
    return table[value]


def Spectrogram(n_fft=512, hop=None, window="hann", output="power", sample_rate=16000, n_mels=40,
                fmin=0.0, fmax=None, htk=False, norm="slaney", n_mfcc=13, center=False):
    """Streaming spectrogram: ``process(block)`` returns the frames the block
    completes, shape (n_frames, frame_size()). output: 'power', 'magnitude',
    'mel', 'log_mel' (dB, as librosa.power_to_db(top_db=None)) or 'mfcc'.
    hop defaults to n_fft // 4 (librosa's default). See docs/dsp.md."""
    if norm not in ("slaney", None):
        raise ValueError("norm must be 'slaney' or None, got %r" % (norm,))
    return _dsp.Spectrogram(int(n_fft), int(n_fft // 4 if hop is None else hop), _code(WINDOWS, window, "window"),
                            _code(OUTPUTS, output, "output"), float(sample_rate), int(n_mels), float(fmin),
                            float(0.0 if fmax is None else fmax), bool(htk), norm == "slaney", int(n_mfcc),
                            bool(center))


def feature_spec(features):
    """(n, 3) float32 rows [code, a, b] from names: 'mean', 'std', 'min', 'max',
    'rms', 'ptp', 'crossings', 'skew', 'kurtosis', 'p25' (any percentile),
    ('percentile', 25), ('band_energy', low_hz, high_hz)."""
    rows = []
    for f in features:
        if isinstance(f, str) and f[:1] == "p" and f[1:].replace(".", "", 1).isdigit():
            rows.append((9, float(f[1:]), 0.0))
        elif isinstance(f, str):
            rows.append((_code(FEATURES, f, "feature"), 0.0, 0.0))
        else:
            name, *args = f
            code = _code(FEATURES, name, "feature")
            args = [float(a) for a in args] + [0.0, 0.0]
            rows.append((code, args[0], args[1]))
    if not rows:
        raise ValueError("features must not be empty")
    return np.array(rows, np.float32)


def feature_names(features, axes=("x", "y", "z")):
    """Names of the outputs of Features(...).compute, in order (feature-major)."""
    names = []
    for f in features:
        base = f if isinstance(f, str) else "%s_%s" % (f[0], "_".join("%g" % a for a in f[1:]))
        names += ["%s_%s" % (base, a) for a in axes]
    return names


class Features:
    """Windowed features over multi-axis windows (n_samples rows of n_axes
    values). ``compute(X)`` takes one window (n_samples, n_axes) or many
    (n_windows, n_samples, n_axes) and returns (n_windows, n_features * n_axes),
    feature-major: column i * n_axes + a is feature i of axis a."""

    def __init__(self, n_samples, n_axes, features, sample_rate=0.0):
        self.features = list(features)
        self.n_axes = int(n_axes)
        self._e = _dsp.Features(int(n_samples), self.n_axes, feature_spec(self.features), float(sample_rate))

    def compute(self, X):
        return self._e.compute(_f32(X))

    def names(self, axes=None):
        axes = axes or (("x", "y", "z") if self.n_axes == 3 else tuple(str(i) for i in range(self.n_axes)))
        return feature_names(self.features, axes)
