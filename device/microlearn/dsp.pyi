"""microlearn.dsp: FFT, filters, DCT, spectrograms and windowed features.

Every per-call method is native, works on array.array buffers you pass in,
and allocates nothing.

```python
from microlearn import dsp
f = dsp.RFFT(1024); f.forward(x, out)        # x: array('f', 1024), out: array('f', 1026)
sos = dsp.SOS(coeffs); sos.process(block)    # coeffs: scipy's sos rows
fir = dsp.FIR(taps, decimation=4); n = fir.process(block, out)
```
"""
from array import array
from typing import Optional, Sequence, Tuple, Union

Coefficients = Union[array, Sequence[float], Sequence[Sequence[float]]]


class FFT:
    """Complex FFT of n points (a power of two) on array('f', 2n), interleaved re/im, in place."""
    def __init__(self, n: int) -> None: ...
    def forward(self, buf: array) -> None: ...
    def inverse(self, buf: array) -> None: ...
    def size(self) -> int: ...


class RFFT:
    """Real FFT of n points: x array('f', n) to out array('f', >= n + 2), numpy's rfft layout."""
    def __init__(self, n: int) -> None: ...
    def forward(self, x: array, out: array) -> None: ...
    def inverse(self, spec: array, out: array) -> None: ...
    def power(self, x: array, out: array) -> None:
        """|X|^2 of the n/2 + 1 bins into the first n/2 + 1 floats of out (len >= n + 2)."""
    def magnitude(self, x: array, out: array) -> None:
        """|X| of the n/2 + 1 bins, as power()."""
    def size(self) -> int: ...


class FFTQ15:
    """FFT on array('h') (q15), as FFT."""
    def __init__(self, n: int) -> None: ...
    def forward(self, buf: array) -> None: ...
    def inverse(self, buf: array) -> None: ...
    def size(self) -> int: ...


class RFFTQ15:
    """Real FFT on array('h') (q15)."""
    def __init__(self, n: int) -> None: ...
    def forward(self, x: array, out: array) -> None: ...
    def size(self) -> int: ...


class _SOS:
    """An IIR filter in second-order sections (made by SOS())."""
    def process(self, x: array, out: Optional[array] = None) -> None:
        """Filters x in place, or into out."""
    def reset(self, x0: Union[float, int, None] = None) -> None:
        """Clears the state; reset(x0) starts in the steady state of a constant input x0."""


class _FIR:
    """A streaming FIR filter (made by FIR())."""
    def process(self, x: array, out: Optional[array] = None) -> int:
        """Returns how many outputs it wrote (to out, or to the front of x)."""
    def outputs(self, n: int) -> int:
        """How many outputs n more samples give."""
    def reset(self) -> None: ...


class _DCT:
    """A DCT-II (made by DCT())."""
    def forward(self, x: array, out: array) -> None: ...


class _Spectrogram:
    """A streaming spectrogram (made by Spectrogram())."""
    def process(self, x: array, out: array) -> int:
        """Feeds samples; writes the frames they complete to out (frame_size() floats each); returns how many."""
    def frames(self, n: int) -> int:
        """How many frames n more samples complete."""
    def frame_size(self) -> int: ...
    def reset(self) -> None: ...


class _Features:
    """Windowed features (made by Features())."""
    def compute(self, window: array, out: array) -> None:
        """window: n_samples * n_axes floats (x y z x y z ...); out: size() floats,
        feature-major (out[i * n_axes + a] is feature i of axis a)."""
    def size(self) -> int: ...


def soft_float() -> bool:
    """True on a port whose CPU has no FPU (armv6m, armv7m, armv7em, xtensa, rv32imc): where q15="auto" picks q15."""


def SOS(coeffs: Coefficients, n_sections: Optional[int] = None, q15: Union[bool, str] = False,
        fast: bool = False) -> _SOS:
    """IIR filter from second-order sections in scipy's layout: rows
    [b0, b1, b2, a0, a1, a2] (scipy.signal.butter(..., output='sos')), as a
    nested list or a flat array('f'). q15=True: the q15 kernel, on array('h')
    or on array('f') in [-1, 1) (converted in and out); q15="auto": the q15
    kernel where soft_float(), else the float one; fast=True: the fast q15 kernel."""


def FIR(taps: Coefficients, decimation: int = 1, q15: Union[bool, str] = False) -> _FIR:
    """Streaming FIR filter y = lfilter(taps, 1, x)[::decimation]; q15 as SOS's."""


def DCT(n: int, n_out: Optional[int] = None, norm: Optional[str] = "ortho") -> _DCT:
    """DCT-II of length n, first n_out coefficients, as scipy.fft.dct(x, norm=norm)[:n_out]."""


def Spectrogram(n_fft: int = 512, hop: Optional[int] = None, window: str = "hann", output: str = "power",
                sample_rate: float = 16000, n_mels: int = 40, fmin: float = 0.0, fmax: Optional[float] = None,
                htk: bool = False, norm: Optional[str] = "slaney", n_mfcc: int = 13,
                center: bool = False) -> _Spectrogram:
    """Streaming spectrogram; output 'power', 'magnitude', 'mel', 'log_mel' (dB) or 'mfcc'."""


def feature_spec(features: Sequence[Union[str, Tuple]]) -> array:
    """array('f') of [kind, a, b] triples from names: 'mean', 'std', 'min', 'max', 'rms',
    'ptp', 'crossings', 'skew', 'kurtosis', 'p25', ('percentile', 25), ('band_energy', lo, hi)."""


def Features(n_samples: int, n_axes: int, features: Sequence[Union[str, Tuple]],
             sample_rate: float = 0.0) -> _Features:
    """Windowed features of n_samples * n_axes values, for activity recognition and vibration."""
