# microlearn.dsp on the device: FFT, filters, DCT, spectrograms and windowed
# features. The types come from six native modules (one .mpy each per
# architecture), each imported on first use, so a device pays RAM only for
# what it uses: _fft (FFT, RFFT), _fft_q15 (FFTQ15, RFFTQ15), _filters (SOS,
# FIR: float32), _filters_q15 (SOS and FIR with q15=True), _sos_fast (SOS
# with q15=True, fast=True) and _spectral (DCT, Spectrogram, Features). This file only adds
# keyword arguments and accepts plain lists where coefficients are given.
# Every per-call method is native, works on array.array buffers you pass in,
# and allocates nothing.
#
#   from microlearn import dsp
#   f = dsp.RFFT(1024); f.forward(x, out)         # x: array('f', 1024), out: array('f', 1026)
#   sos = dsp.SOS(coeffs); sos.process(block)     # coeffs: scipy's sos rows
#   fir = dsp.FIR(taps, decimation=4); n = fir.process(block, out)
from array import array

_parts = {}


def _native(name):
    """The native module microlearn.<name>, imported on first use. A firmware
    with microlearn compiled in (docs/firmware.md) has every part in one
    built-in module, microlearn_dsp."""
    m = _parts.get(name)
    if m is None:
        try:
            import microlearn_dsp as m
        except ImportError:
            m = __import__("microlearn." + name, None, None, (name,))
        _parts[name] = m
    return m


def FFT(n):
    """Complex FFT of n points (a power of two, 8 to 4096): forward(buf) and
    inverse(buf) in place on array('f', 2 * n) (re, im interleaved)."""
    return _native("_fft").FFT(n)


def RFFT(n):
    """Real FFT of n points: forward(x, out), power(x, out), magnitude(x, out)
    with x array('f', n) and out array('f', >= n + 2); inverse(spec, out)."""
    return _native("_fft").RFFT(n)


def FFTQ15(n):
    """FFT on q15 data: array('h', 2 * n), scaled by 1/n as CMSIS-DSP's."""
    return _native("_fft_q15").FFTQ15(n)


def RFFTQ15(n):
    """Real FFT on q15 data: forward(x, out), x array('h', n), out >= n + 2."""
    return _native("_fft_q15").RFFTQ15(n)


def _floats(values, name, typecode="f"):
    """array(typecode) from an array, or from a flat or nested list."""
    if isinstance(values, array):
        return values
    out = array(typecode)
    for v in values:
        if isinstance(v, (list, tuple)):
            for w in v:
                out.append(w)
        else:
            out.append(v)
    if not len(out):
        raise ValueError(name + " must not be empty")
    return out


def soft_float():
    """True on a port whose CPU has no floating-point unit (by its .mpy arch:
    armv6m, armv7m, armv7em, xtensa, rv32imc): where q15="auto" picks the
    q15 kernels."""
    import sys
    return (getattr(sys.implementation, "_mpy", 0) >> 10) in (4, 5, 6, 9, 11)


def _q15(q15):
    if q15 == "auto":
        return soft_float()
    if q15 not in (True, False, 0, 1):
        raise ValueError("q15 must be True, False or 'auto'")
    return bool(q15)


def SOS(coeffs, n_sections=None, q15=False, fast=False):
    """IIR filter from second-order sections in scipy's layout: rows
    [b0, b1, b2, a0, a1, a2] (scipy.signal.butter(..., output='sos')), as a
    nested list or a flat array('f') (q15: also array('d'), which keeps
    float64 coefficients exact; lists become array('d')). process(x[, out])
    filters array('f') in place or into out; reset() clears the state,
    reset(x0) starts in the steady state of a constant input x0 (scipy's
    sosfilt_zi(sos) * x0).
    q15=True: the q15 kernel, on array('h') (q15 values; reset's x0 an int)
    or on array('f') holding a signal in [-1, 1) (converted to q15 and back:
    the float API of the q15 kernels, docs/dsp.md). q15="auto": the q15
    kernel on ports without an FPU (soft_float()), the float one elsewhere;
    give it array('f'). fast=True (q15 only): the fast q15 kernel, a looser
    error bound (docs/dsp.md); designs it cannot hold raise ValueError."""
    use_q15 = _q15(q15)
    if fast and not use_q15 and q15 != "auto":
        raise ValueError("fast=True is a q15 kernel: pass q15=True as well (the float kernel has one form)")
    c = _floats(coeffs, "coeffs", "d" if use_q15 else "f")
    if use_q15:
        m = _native("_sos_fast" if fast else "_filters_q15")
        return m.SOSQ15(c, (len(c) + 5) // 6 if n_sections is None else n_sections, fast)
    if isinstance(coeffs, array):
        c = array("f", c)  # any array's values (array('d') too: a q15="auto" design)
    m = _native("_filters")
    return m.SOS(c) if n_sections is None else m.SOS(c, n_sections)


def FIR(taps, decimation=1, q15=False):
    """Streaming FIR filter y = lfilter(taps, 1, x)[::decimation].
    process(x[, out]) returns how many outputs it wrote (to out, or to the
    front of x); outputs(n) says in advance how many n samples give.
    q15 as SOS's: True (array('h'), or array('f') in [-1, 1)), "auto"."""
    if _q15(q15):
        return _native("_filters_q15").FIRQ15(_floats(taps, "taps"), decimation)
    return _native("_filters").FIR(_floats(taps, "taps"), decimation)


def DCT(n, n_out=None, norm="ortho"):
    """DCT-II of length n, first n_out coefficients, as scipy.fft.dct(x,
    norm=norm)[:n_out] with norm 'ortho' or None. forward(x, out)."""
    if norm not in ("ortho", None):
        raise ValueError("norm must be 'ortho' or None")
    return _native("_spectral").DCT(n, n if n_out is None else n_out, norm == "ortho")


_WINDOWS = {"rectangular": 0, "boxcar": 0, "hann": 1, "hamming": 2, "blackman": 3}
_OUTPUTS = {"power": 0, "magnitude": 1, "mel": 2, "log_mel": 3, "mfcc": 4}
_FEATURES = {"mean": 0, "std": 1, "min": 2, "max": 3, "rms": 4, "ptp": 5, "crossings": 6,
             "skew": 7, "kurtosis": 8, "percentile": 9, "band_energy": 10}


def _code(table, value, what):
    if value not in table:
        raise ValueError("%s must be one of %s, got %r" % (what, ", ".join(sorted(table)), value))
    return table[value]


def Spectrogram(n_fft=512, hop=None, window="hann", output="power", sample_rate=16000, n_mels=40,
                fmin=0.0, fmax=None, htk=False, norm="slaney", n_mfcc=13, center=False):
    """Streaming spectrogram. n = s.process(block, out) feeds array('f')
    samples and writes the frames they complete to out (frame_size() floats
    each), returning how many; s.frames(len(block)) says in advance.
    output: 'power', 'magnitude', 'mel', 'log_mel' (dB) or 'mfcc'."""
    if norm not in ("slaney", None):
        raise ValueError("norm must be 'slaney' or None")
    hop = n_fft // 4 if hop is None else hop
    sample_rate, fmin, fmax = float(sample_rate), float(fmin), 0.0 if fmax is None else float(fmax)
    try:
        return _native("_spectral").Spectrogram(
            n_fft, hop, _code(_WINDOWS, window, "window"), _code(_OUTPUTS, output, "output"), sample_rate, n_mels,
            fmin, fmax, bool(htk), norm == "slaney", n_mfcc, bool(center))
    except ValueError as e:  # the values given, named as the host names them
        if not str(e).startswith("bad spectrogram parameters"):
            raise
        raise ValueError("%s; got n_fft=%d, hop=%d, sample_rate=%r, fmin=%r, fmax=%s, n_mels=%d, n_mfcc=%d" % (
            e, n_fft, hop, sample_rate, fmin, "sample_rate / 2" if fmax == 0.0 else repr(fmax), n_mels, n_mfcc))


def feature_spec(features):
    """array('f') of [kind, a, b] triples from names: 'mean', 'std', 'min',
    'max', 'rms', 'ptp', 'crossings', 'skew', 'kurtosis', 'p25',
    ('percentile', 25), ('band_energy', low_hz, high_hz)."""
    out = array("f")
    for f in features:
        if isinstance(f, str) and f[:1] == "p" and f[1:].replace(".", "", 1).isdigit():
            row = (9, float(f[1:]), 0.0)
        elif isinstance(f, str):
            row = (_code(_FEATURES, f, "feature"), 0.0, 0.0)
        else:
            try:
                args = [float(a) for a in f[1:]] + [0.0, 0.0]
            except (TypeError, ValueError):  # MicroPython's own: "invalid syntax for number"
                raise ValueError("feature %r: its arguments must be numbers" % (f,))
            row = (_code(_FEATURES, f[0], "feature"), args[0], args[1])
        for v in row:
            out.append(v)
    if not len(out):
        raise ValueError("features must not be empty")
    return out


def Features(n_samples, n_axes, features, sample_rate=0.0):
    """Windowed features: f.compute(window, out) with window an array('f') of
    n_samples * n_axes values (x y z x y z ...) and out of f.size() floats,
    feature-major (out[i * n_axes + a] is feature i of axis a)."""
    return _native("_spectral").Features(n_samples, n_axes, feature_spec(features), float(sample_rate))
