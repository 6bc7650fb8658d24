# microlearn.dsp on the device: FFT, filters, DCT, spectrograms and windowed
# features. The types come from the native module _dsp (one .mpy per
# architecture); this file only adds keyword arguments and accepts plain
# lists where coefficients are given. Every per-call method is native,
# works on array.array buffers you pass in, and allocates nothing.
#
#   from microlearn import dsp
#   f = dsp.RFFT(1024); f.forward(x, out)         # x: array('f', 1024), out: array('f', 1026)
#   sos = dsp.SOS(coeffs); sos.process(block)     # coeffs: scipy's sos rows
#   fir = dsp.FIR(taps, decimation=4); n = fir.process(block, out)
from array import array

from . import _dsp

FFT = _dsp.FFT
RFFT = _dsp.RFFT
FFTQ15 = _dsp.FFTQ15
RFFTQ15 = _dsp.RFFTQ15


def _floats(values, name):
    """array('f') from an array('f'), or from a flat or nested list."""
    if isinstance(values, array):
        return values
    out = array("f")
    for v in values:
        if isinstance(v, (list, tuple)):
            for w in v:
                out.append(w)
        else:
            out.append(v)
    if not len(out):
        raise ValueError(name + " must not be empty")
    return out


def SOS(coeffs, n_sections=None, q15=False):
    """IIR filter from second-order sections in scipy's layout: rows
    [b0, b1, b2, a0, a1, a2] (scipy.signal.butter(..., output='sos')), as a
    nested list or a flat array('f'). process(x[, out]) filters array('f')
    (array('h') when q15=True) in place or into out; reset() clears the state."""
    c = _floats(coeffs, "coeffs")
    cls = _dsp.SOSQ15 if q15 else _dsp.SOS
    return cls(c) if n_sections is None else cls(c, n_sections)


def FIR(taps, decimation=1, q15=False):
    """Streaming FIR filter y = lfilter(taps, 1, x)[::decimation].
    process(x[, out]) returns how many outputs it wrote (to out, or to the
    front of x); outputs(n) says in advance how many n samples give."""
    return (_dsp.FIRQ15 if q15 else _dsp.FIR)(_floats(taps, "taps"), decimation)


def DCT(n, n_out=None, norm="ortho"):
    """DCT-II of length n, first n_out coefficients, as scipy.fft.dct(x,
    norm=norm)[:n_out] with norm 'ortho' or None. forward(x, out)."""
    if norm not in ("ortho", None):
        raise ValueError("norm must be 'ortho' or None")
    return _dsp.DCT(n, n if n_out is None else n_out, norm == "ortho")
