"""microlearn.dsp on MicroPython (unix port, emulated Cortex-M3 / M0): the same
vectors give the same results as the host engine (and so as numpy / scipy),
per-call methods allocate nothing, and wrong arrays give clear errors."""
import numpy as np
import scipy.signal
import pytest

from device_rig import run
from microlearn import dsp

FFT_SIZES = [8, 64, 1024]
RFFT_SIZES = [8, 256, 1024, 4096]
SOS = scipy.signal.butter(4, 0.1, output="sos")
SOS3 = scipy.signal.cheby1(5, 1, 0.2, output="sos")  # odd number of sections
TAPS = scipy.signal.firwin(21, 0.2)
# Targets whose float32 results are checked bit for bit against the host's
# (the native-module builds; compiled-in firmware keeps the 1e-6 bound).
FLOAT_EXACT = {"unix", "cortex-m3", "cortex-m0", "cortex-m4f"}

# Reads the inputs, runs every kernel and writes each result to <name>.bin.
SCRIPT = """
import array
from microlearn import dsp

def load(name, tc):
    with open(name, "rb") as f:
        return array.array(tc, f.read())

def save(name, a):
    with open(name + ".bin", "wb") as f:
        f.write(a)

def zeros(tc, n):
    return array.array(tc, bytes((4 if tc == "f" else 2) * n))

xf = load("xf.bin", "f")     # 4096 floats
xh = load("xh.bin", "h")     # 4096 int16
for n in FFT_SIZES:
    buf = array.array("f", xf[:2 * n])
    f = dsp.FFT(n)
    f.forward(buf); save("fft%d" % n, buf)
    f.inverse(buf); save("ifft%d" % n, buf)
    q = array.array("h", xh[:2 * n])
    fq = dsp.FFTQ15(n)
    fq.forward(q); save("fftq%d" % n, q)
    fq.inverse(q); save("ifftq%d" % n, q)
q = load("xt.bin", "h")  # past full scale: saturating paths
dsp.FFTQ15(64).forward(q); save("fftq_sat", q)
for n in RFFT_SIZES:
    r = dsp.RFFT(n)
    x = array.array("f", xf[:n])
    out = zeros("f", n + 2)
    r.forward(x, out); save("rfft%d" % n, out)
    back = zeros("f", n)
    r.inverse(out, back); save("irfft%d" % n, back)
    r.power(x, out); save("power%d" % n, out[:n // 2 + 1])
    r.magnitude(x, out); save("mag%d" % n, out[:n // 2 + 1])
    qo = zeros("h", n + 2)
    dsp.RFFTQ15(n).forward(array.array("h", xh[:n]), qo); save("rfftq%d" % n, qo)
for name in ("sos", "sos3"):
    s = dsp.SOS(load(name + ".bin", "f"))
    a, b = array.array("f", xf[:300]), array.array("f", xf[300:1000])
    s.process(a); s.process(b)
    save(name + "_f", a + b)
    s.reset(0.5)  # steady state of a constant 0.5
    a = array.array("f", xf[:300]); s.process(a); save(name + "_fzi", a)
    sq = dsp.SOS(load(name + "_d.bin", "d"), q15=True)  # float64: scipy's coefficients exactly
    a, b = array.array("h", xh[:300]), array.array("h", xh[300:1000])
    oa, ob = zeros("h", 300), zeros("h", 700)
    sq.process(a, oa); sq.process(array.array("h"), array.array("h")); sq.process(b, ob)
    save(name + "_q", oa + ob)
    sq.reset(xh[0])
    a = array.array("h", xh[:300]); sq.process(a); save(name + "_qzi", a)
    sf = dsp.SOS(load(name + "_d.bin", "d"), q15=True, fast=True)  # the fast kernel
    a, b = array.array("h", xh[:300]), array.array("h", xh[300:1000])
    sf.process(a); sf.process(b)
    save(name + "_qf", a + b)
    sf.reset(xh[0])
    a = array.array("h", xh[:300]); sf.process(a); save(name + "_qfzi", a)
for dec in (1, 3):
    fir = dsp.FIR(load("taps.bin", "f"), decimation=dec)
    out = zeros("f", 1000)
    k = fir.process(array.array("f", xf[:100]), out)
    k2 = fir.process(array.array("f", xf[100:1000]), memoryview(out)[k:])
    save("fir%d" % dec, out[:k + k2])
    firq = dsp.FIR(load("taps.bin", "f"), dec, q15=True)
    xq = array.array("h", xh[:1000])
    k = firq.process(xq)   # in place: outputs at the front of xq
    save("firq%d" % dec, xq[:k])
for n, n_out, norm in ((40, 13, "ortho"), (32, 32, None)):
    d = dsp.DCT(n, n_out, norm)
    out = zeros("f", n_out)
    d.forward(array.array("f", xf[:n]), out)
    save("dct%d" % n, out)
print("done")
"""


def inputs():
    rng = np.random.default_rng(42)
    xf = rng.standard_normal(8192).astype(np.float32)
    xh = (rng.uniform(-0.45, 0.45, 8192) * 32768).astype(np.int16)
    return xf, xh


def saturating_tone():
    # |z| = 1.41, clipped per part: the q15 FFT saturates inside and at bin 3.
    z = 46340 * np.exp(2j * np.pi * 3 * np.arange(64) / 64)
    buf = np.empty(128, np.int16)
    buf[0::2], buf[1::2] = np.clip(z.real, -32768, 32767), np.clip(z.imag, -32768, 32767)
    return buf


def host_results():
    xf, xh = inputs()
    r = {}
    for n in FFT_SIZES:
        f = dsp.FFT(n)
        r[f"fft{n}"] = f.forward(xf[:2 * n])
        r[f"ifft{n}"] = f.inverse(r[f"fft{n}"])
        r[f"fftq{n}"] = dsp.FFTQ15(n).forward(xh[:2 * n])
        r[f"ifftq{n}"] = dsp.FFTQ15(n).inverse(r[f"fftq{n}"])
    r["fftq_sat"] = dsp.FFTQ15(64).forward(saturating_tone())
    for n in RFFT_SIZES:
        rf = dsp.RFFT(n)
        r[f"rfft{n}"] = rf.forward(xf[:n])
        r[f"irfft{n}"] = rf.inverse(r[f"rfft{n}"])
        r[f"power{n}"] = rf.power(xf[:n])
        r[f"mag{n}"] = rf.magnitude(xf[:n])
        r[f"rfftq{n}"] = dsp.RFFTQ15(n).forward(xh[:n])
    for name, sos in (("sos", SOS), ("sos3", SOS3)):
        s = dsp.SOS(sos)
        r[name + "_f"] = np.concatenate([s.process(xf[:300]), s.process(xf[300:1000])])
        s.reset(0.5)
        r[name + "_fzi"] = s.process(xf[:300])
        s = dsp.SOS(sos, q15=True)
        r[name + "_q"] = np.concatenate([s.process(xh[:300]), s.process(xh[300:1000])])
        s.reset(int(xh[0]))
        r[name + "_qzi"] = s.process(xh[:300])
        s = dsp.SOS(sos, q15=True, fast=True)
        r[name + "_qf"] = np.concatenate([s.process(xh[:300]), s.process(xh[300:1000])])
        s.reset(int(xh[0]))
        r[name + "_qfzi"] = s.process(xh[:300])
    for dec in (1, 3):
        f = dsp.FIR(TAPS, dec)
        r[f"fir{dec}"] = np.concatenate([f.process(xf[:100]), f.process(xf[100:1000])])
        r[f"firq{dec}"] = dsp.FIR(TAPS, dec, q15=True).process(xh[:1000])
    r["dct40"] = dsp.DCT(40, 13, "ortho").forward(xf[:40])
    r["dct32"] = dsp.DCT(32, 32, None).forward(xf[:32])
    return r


def test_device_matches_host(target):
    xf, xh = inputs()
    want = host_results()
    script = SCRIPT.replace("RFFT_SIZES", repr(RFFT_SIZES)).replace("FFT_SIZES", repr(FFT_SIZES))
    files = {"xf.bin": xf.tobytes(), "xh.bin": xh.tobytes(),
             "sos.bin": SOS.astype(np.float32).tobytes(), "sos3.bin": SOS3.astype(np.float32).tobytes(),
             "sos_d.bin": SOS.astype("<f8").tobytes(), "sos3_d.bin": SOS3.astype("<f8").tobytes(),
             "taps.bin": TAPS.astype(np.float32).tobytes(), "xt.bin": saturating_tone().tobytes()}
    res = run(target, script, files=files, fetch=[k + ".bin" for k in want])
    assert res.returncode == 0, res.output
    assert "done" in res.output
    for name, ref in want.items():
        assert name + ".bin" in res.files, name
        got = np.frombuffer(res.files[name + ".bin"], ref.dtype)
        assert got.shape == ref.shape, name
        if ref.dtype == np.int16 or target in FLOAT_EXACT:
            # float: the same IEEE single operations in the same order, none
            # fused (dsp_engine.cpp turns contraction off for the M4F's VFMA)
            np.testing.assert_array_equal(got, ref, err_msg=name)
        else:
            scale = max(float(np.max(np.abs(ref))), 1e-30)
            assert np.max(np.abs(got - ref)) <= 1e-6 * scale, name
    # And the host agrees with numpy / scipy (see tests/python/test_dsp.py).
    ref = np.fft.rfft(xf[:1024].astype(np.float64))
    got = np.frombuffer(res.files["rfft1024.bin"], np.float32).view(np.complex64)
    assert np.max(np.abs(got - ref)) < 1e-5 * np.max(np.abs(ref))


# No allocation per call: tests/device/families.py (the soak / heap_lock registry).


ERROR_SCRIPT = """
import array
from microlearn import dsp
def expect(exc, text, fn, *args):
    try:
        fn(*args)
    except exc as e:
        print("ok" if text in str(e) else "WRONG MESSAGE", exc.__name__, e)
        return
    except Exception as e:
        print("WRONG", type(e).__name__, e)
        return
    print("WRONG no error")
r = dsp.RFFT(64)
expect(TypeError, "array('f'", r.forward, array.array("h", [0] * 64), array.array("f", [0] * 66))
expect(TypeError, "array('f'", r.forward, [0.0] * 64, array.array("f", [0] * 66))
expect(ValueError, "x must hold 64 items, got 63", r.forward, array.array("f", [0] * 63), array.array("f", [0] * 66))
expect(ValueError, "out must hold at least n + 2 = 66 items, got 64", r.forward, array.array("f", [0] * 64), array.array("f", [0] * 64))
expect(ValueError, "power of two", dsp.RFFT, 100)
expect(ValueError, "power of two", dsp.FFT, 8192)
expect(TypeError, "array('h'", dsp.RFFTQ15(64).forward, array.array("f", [0] * 64), array.array("h", [0] * 66))
expect(ValueError, "buf (interleaved re, im) must hold 128", dsp.FFT(64).forward, array.array("f", [0] * 64))
expect(ValueError, "coeffs must hold 6 per section ([b0, b1, b2, a0, a1, a2] rows): 6 items, got 5", dsp.SOS,
       array.array("f", [1, 2, 3, 4, 5]))  # the whole message (its middle used to be cut off)
expect(ValueError, "a0", dsp.SOS, [[1, 0, 0, 0, 0, 0]])
expect(TypeError, "array('f'", dsp.SOS([[1, 0, 0, 1, 0, 0]]).process, array.array("h", [0] * 4))
expect(ValueError, "out (as long as x)", dsp.SOS([[1, 0, 0, 1, 0, 0]]).process, array.array("f", [0] * 4), array.array("f", [0] * 3))
expect(ValueError, "[-1, 1)", dsp.FIR, [1.5, 0.1], 1, True)
expect(ValueError, "decimation", dsp.FIR, [0.5], 0)
expect(ValueError, "out must hold at least 5", dsp.FIR([0.5], 2).process, array.array("f", [0] * 10), array.array("f", [0] * 4))
expect(ValueError, "n_out", dsp.DCT, 10, 11)
expect(ValueError, "feature ('band_energy', 'a', 2): its arguments must be numbers", dsp.Features, 8, 1,
       [("band_energy", "a", 2)], 100)  # was MicroPython's bare "invalid syntax for number"
# Sizes wider than a machine word are refused, not truncated (2**32 + 8 is 8
# in 32 bits, 2**64 + 8 in 64).
BIG = 2 ** 64 + 8
expect(ValueError, "n out of range", dsp.RFFT, BIG)
expect(ValueError, "n out of range", dsp.RFFT, 2 ** 32 + 8)  # RFFT(8) on 32-bit boards, once
expect(ValueError, "n out of range", dsp.FFTQ15, -8)
expect(ValueError, "n_sections out of range", dsp.SOS, [[1, 0, 0, 1, 0, 0]], BIG)
expect(ValueError, "decimation out of range", dsp.FIR, [0.5], BIG)
expect(ValueError, "n out of range", dsp.FIR([0.5], 2).outputs, BIG)
expect(ValueError, "n out of range", dsp.DCT, BIG + 32, 13)
expect(ValueError, "n_out out of range", dsp.DCT, 40, BIG + 13)
expect(ValueError, "n_fft out of range", dsp.Spectrogram, BIG + 504)
expect(ValueError, "hop out of range", dsp.Spectrogram, 512, BIG)
expect(ValueError, "n_mels out of range", dsp.Spectrogram, 512, 256, "hann", "mel", 16000, BIG)
expect(ValueError, "n_mfcc out of range", dsp.Spectrogram, 512, 256, "hann", "mfcc", 16000, 40, 0.0, None, False, "slaney", BIG)
expect(ValueError, "n out of range", dsp.Spectrogram(512).frames, BIG)
expect(ValueError, "n_samples out of range", dsp.Features, BIG + 120, 3, ["mean"])
expect(ValueError, "n_axes out of range", dsp.Features, 128, BIG + 3, ["mean"])
# The engine's limits, with the engine's word.
expect(ValueError, "n_samples <= 65535", dsp.Features, 70000, 3, ["mean"])
expect(ValueError, "n_axes <= 64", dsp.Features, 128, 65, ["mean"])
expect(ValueError, "n_mfcc <= n_mels <= 512", dsp.Spectrogram, 512, 256, "hann", "mel", 16000, 513)
expect(ValueError, "power of two", dsp.Spectrogram, 500)
expect(ValueError, "n_out <= n <= 4096", dsp.DCT, 5000, 13)
expect(ValueError, "x0 must be a q15 value", dsp.SOS([[1, 0, 0, 1, 0, 0]], q15=True).reset, 40000)
expect(ValueError, "x0 must be a q15 value", dsp.SOS([[1, 0, 0, 1, 0, 0]], q15=True).reset, BIG)
expect(ValueError, "q15 needs stable sections", dsp.SOS, [[1, 0, 0, 1, -2.1, 1.2]], None, True)
expect(ValueError, "use the exact q15 kernel (fast=False)", dsp.SOS, [[1, 0, 0, 1, -1.999, 0.9995]], None, True, True)
expect(ValueError, "pass q15=True", dsp.SOS, [[1, 0, 0, 1, 0, 0]], None, False, True)
"""


def test_errors_are_clear(target):
    res = run(target, ERROR_SCRIPT)
    assert res.returncode == 0, res.output
    assert "WRONG" not in res.output, res.output
    assert res.output.count("ok ") == 42, res.output


FRAMES_SCRIPT = """
import array
from microlearn import dsp
with open("audio.bin", "rb") as f:
    y = array.array("f", f.read())
for name, kw in CONFIGS:
    s = dsp.Spectrogram(**kw)
    out = array.array("f", bytes(4 * s.frames(len(y)) * s.frame_size()))
    k = 0
    for lo, hi in ((0, 1), (1, 700), (700, 5000), (5000, len(y))):
        k += s.process(y[lo:hi], memoryview(out)[k * s.frame_size():])
    with open(name + ".bin", "wb") as f:
        f.write(out)
with open("win.bin", "rb") as f:
    w = array.array("f", f.read())
fe = dsp.Features(N_SAMPLES, 3, FEATURES, 50)
out = array.array("f", bytes(4 * fe.size()))
fe.compute(w, out)
with open("features.bin", "wb") as f:
    f.write(out)
print("done")
"""

CONFIGS = [
    ("power", dict(n_fft=256, hop=100, output="power", sample_rate=8000)),
    ("mel", dict(n_fft=512, hop=160, window="hamming", output="mel", sample_rate=16000, n_mels=32, center=True)),
    ("mfcc", dict(n_fft=512, hop=256, output="mfcc", sample_rate=16000, n_mels=40, n_mfcc=13, htk=True)),
]
FEATURES = ["mean", "std", "min", "max", "rms", "ptp", "crossings", "skew", "kurtosis", "p25",
            ("percentile", 75), ("band_energy", 0.5, 3.0)]


def test_spectrogram_and_features_match_host(target):
    rng = np.random.default_rng(7)
    t = np.arange(8000) / 16000
    y = (0.5 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
    win = rng.standard_normal((128, 3)).astype(np.float32)
    script = (FRAMES_SCRIPT.replace("CONFIGS", repr(CONFIGS)).replace("FEATURES", repr(FEATURES))
              .replace("N_SAMPLES", "128"))
    res = run(target, script, files={"audio.bin": y.tobytes(), "win.bin": win.tobytes()},
              fetch=[c[0] + ".bin" for c in CONFIGS] + ["features.bin"])
    assert res.returncode == 0, res.output
    for name, kw in CONFIGS:
        want = dsp.Spectrogram(**kw).process(y).ravel()
        got = np.frombuffer(res.files[name + ".bin"], np.float32)
        assert got.shape == want.shape, name
        assert np.max(np.abs(got - want)) <= 1e-6 * np.max(np.abs(want)), name
    want = dsp.Features(128, 3, FEATURES, 50).compute(win).ravel()
    got = np.frombuffer(res.files["features.bin"], np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


# Each part of microlearn.dsp is its own native module, imported on first use:
# a device that only filters never loads the FFT or the spectrogram code, one
# that takes q15 FFTs never loads the float32 FFT (and the other way round),
# float32 filters never load the q15 ones, and only fast=True loads the fast
# q15 SOS kernel.
PARTS_SCRIPT = """
import gc, sys
from microlearn import dsp
def loaded():
    return [n for n in ("_fft", "_fft_q15", "_filters", "_filters_q15", "_sos_fast", "_spectral")
            if "microlearn." + n in sys.modules]
print("start", loaded())
dsp.SOS([[1, 0, 0, 1, 0, 0]]); dsp.FIR([0.5, 0.5])
print("filters", loaded())
dsp.SOS([[1, 0, 0, 1, 0, 0]], q15=True); dsp.FIR([0.5, 0.5], q15=True)
print("filters_q15", loaded())
dsp.SOS([[1, 0, 0, 1, 0, 0]], q15=True, fast=True)
print("sos_fast", loaded())
dsp.RFFTQ15(64); dsp.FFTQ15(8)
print("fft_q15", loaded())
dsp.RFFT(64); dsp.FFT(8)
print("fft", loaded())
dsp.DCT(8)
print("spectral", loaded())
"""

# RAM that importing each part takes (gc.mem_alloc() around the import, after
# the package's Python modules), as docs/dsp.md reports it.
PART_RAM_SCRIPT = """
import gc
from microlearn import dsp
gc.collect(); b = gc.mem_alloc()
import microlearn.NAME
gc.collect(); print("RAM", gc.mem_alloc() - b)
"""
# Bounds a little above the figures in docs/dsp.md (armv7m, emulated M3), far
# below the one-module _dsp of before the split (28,368 B); _fft held the q15
# FFTs too before they became _fft_q15 (10,416 B); the fast q15 SOS added about
# 2.2 kB to _filters (15,776 B) before it became _filters (float32, 7,568 B),
# _filters_q15 (10,464 B) and _sos_fast (8,912 B); _fft_q15
# 4,672 B since its twiddles are integer (6,544 with libgcc's float routines);
# _spectral 14,304 B since sincos_pi carries pi*f in two parts (14,080 before).
# Measured at 3b8a145 (ml_status_name() walks one string: about 120 B less
# each): _fft 7,856, _fft_q15 4,544, _filters 7,584, _filters_q15 10,336,
# _sos_fast 8,896, _spectral 14,320; the bounds about 300 B above. The float
# API of the q15 filters (array('f') through the q15 kernels) took
# _filters_q15 to 11,136 B and _sos_fast to about 9.6 kB.
PART_RAM_M3 = {"_fft": 8150, "_fft_q15": 4850, "_filters": 7900, "_filters_q15": 11450, "_sos_fast": 9900,
               "_spectral": 14600}


def test_parts_import_on_first_use(target):
    res = run(target, PARTS_SCRIPT)
    assert res.returncode == 0, res.output
    lines = res.output.strip().splitlines()[-7:]
    filters = "'_filters', '_filters_q15', '_sos_fast'"
    assert lines == ["start []", "filters ['_filters']", "filters_q15 ['_filters', '_filters_q15']",
                     "sos_fast [" + filters + "]", "fft_q15 ['_fft_q15', " + filters + "]",
                     "fft ['_fft', '_fft_q15', " + filters + "]",
                     "spectral ['_fft', '_fft_q15', " + filters + ", '_spectral']"], res.output
    if target == "cortex-m3":
        for name, bound in PART_RAM_M3.items():
            res = run(target, PART_RAM_SCRIPT.replace("NAME", name))
            assert res.returncode == 0, res.output
            ram = int(res.output.split("RAM")[-1])
            assert ram <= bound, (name, ram)


NAN_FRAMES_SCRIPT = """
import array
from microlearn import dsp
with open("audio.bin", "rb") as f:
    y = array.array("f", f.read())
for output in ("log_mel", "mfcc"):
    s = dsp.Spectrogram(512, 128, output=output)
    out = array.array("f", bytes(4 * s.frames(len(y)) * s.frame_size()))
    s.process(y, out)
    with open(output + ".bin", "wb") as f:
        f.write(out)
"""


def test_a_nan_sample_makes_its_log_mel_and_mfcc_frames_nan(target):
    """As on the host (tests/python/test_dsp_frames.py): the frames covering
    a NaN sample are NaN, as librosa.power_to_db keeps them, not the floor's
    -100 dB of silence; the other frames equal the host's."""
    t = np.arange(3000) / 16000
    y = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    y[1000] = np.nan
    res = run(target, NAN_FRAMES_SCRIPT, files={"audio.bin": y.tobytes()}, fetch=["log_mel.bin", "mfcc.bin"])
    assert res.returncode == 0, res.output
    for output in ("log_mel", "mfcc"):
        want = dsp.Spectrogram(512, 128, output=output).process(y)
        got = np.frombuffer(res.files[output + ".bin"], np.float32).reshape(want.shape)
        nan = np.isnan(want).any(axis=1)
        assert nan.sum() == 4 and np.isnan(got[nan]).all(), output
        np.testing.assert_allclose(got[~nan], want[~nan], rtol=1e-6, atol=1e-6 * np.abs(want[~nan]).max())


FLOAT_API_SCRIPT = """
import array
from microlearn import dsp
x = array.array("f", open("x.bin", "rb").read())
sos = array.array("d", open("sos_d.bin", "rb").read())
taps = array.array("f", open("taps.bin", "rb").read())
def save(name, a):
    open(name + ".bin", "wb").write(a)
for fast in (False, True):
    s = dsp.SOS(sos, q15=True, fast=fast)
    y = array.array("f", x)           # in place, in two blocks
    s.process(memoryview(y)[:300]); s.process(memoryview(y)[300:])
    save("sos%d" % fast, y)
    s.reset(0.25)                     # a float x0: a signal value
    out = array.array("f", bytes(4 * len(x)))
    s.process(x, out)
    save("soszi%d" % fast, out)
f = dsp.FIR(taps, 3, q15=True)
out = array.array("f", bytes(4 * f.outputs(len(x))))
print("fir wrote", f.process(x, out))
save("fir", out)
bad = array.array("f", [0.1, float("nan")])
for make in (lambda: dsp.SOS(sos, q15=True), lambda: dsp.SOS(sos, q15=True, fast=True), lambda: dsp.FIR(taps, 1, q15=True)):
    try:
        make().process(bad)
    except ValueError as e:
        print("nan:", e)
for q15 in (True, False, "auto"):
    print("q15", q15, type(dsp.SOS(sos, q15=q15)).__name__, type(dsp.FIR(taps, q15=q15)).__name__)
print("soft float", dsp.soft_float())
"""


def test_q15_filters_take_float_data_as_the_host_does(target):
    """The float API of the q15 kernels (docs/dsp.md): array('f') in [-1, 1)
    through SOS / FIR with q15=True gives the host's float32 outputs bit for
    bit (the same integer conversions, the same kernel); NaN is refused by
    name; q15="auto" picks the q15 kernels exactly on the boards without an FPU."""
    from microlearn import dsp as host_dsp
    rng = np.random.default_rng(5)
    x = (0.6 * np.sin(np.arange(1000) * 0.07) + 0.5 * rng.standard_normal(1000)).astype(np.float32)  # some clip
    want = {}
    for fast in (0, 1):
        s = host_dsp.SOS(SOS, q15=True, fast=bool(fast))
        want[f"sos{fast}"] = np.concatenate([s.process(x[:300]), s.process(x[300:])])
        s.reset(0.25)
        want[f"soszi{fast}"] = s.process(x)
    want["fir"] = host_dsp.FIR(TAPS, 3, q15=True).process(x)
    files = {"x.bin": x.tobytes(), "sos_d.bin": SOS.astype("<f8").tobytes(), "taps.bin": TAPS.astype(np.float32).tobytes()}
    res = run(target, FLOAT_API_SCRIPT, files=files, fetch=[k + ".bin" for k in want])
    assert res.returncode == 0, res.output
    for name, ref in want.items():
        assert ref.dtype == np.float32, name
        np.testing.assert_array_equal(np.frombuffer(res.files[name + ".bin"], np.float32), ref, err_msg=name)
    assert f"fir wrote {len(want['fir'])}" in res.output
    assert res.output.count("nan: NaN has no q15 value") == 3, res.output
    soft = target in ("cortex-m0", "cortex-m3", "rv32")
    assert f"soft float {soft}" in res.output, res.output
    auto = ("SOSQ15", "FIRQ15") if soft else ("SOS", "FIR")
    assert f"q15 auto {auto[0]} {auto[1]}" in res.output, res.output
    assert "q15 True SOSQ15 FIRQ15" in res.output and "q15 False SOS FIR" in res.output
    # and it is the q15 filter of the converted signal, within q15's error of the float filter
    ref = scipy.signal.sosfilt(SOS, np.clip(x, -1, 32767 / 32768))
    assert np.max(np.abs(want["sos0"] - ref)) < 4 / 32768


SPEC_ERROR_SCRIPT = """
from microlearn import dsp
for kw in KWS:
    try:
        dsp.Spectrogram(**kw)
    except ValueError as e:
        print("error:", e)
"""
SPEC_ERROR_KWS = [dict(n_fft=500), dict(n_fft=512, hop=256, output="mel", sample_rate=16000, n_mels=513),
                  dict(n_fft=256, output="mel", fmin=3000.0, fmax=2000.0, sample_rate=8000)]


def test_spectrogram_configuration_error_names_the_values_as_the_host(target):
    """The device's message named no values (the host's did): now both give the same text."""
    from microlearn import dsp as host_dsp

    res = run(target, SPEC_ERROR_SCRIPT.replace("KWS", repr(SPEC_ERROR_KWS)))
    assert res.returncode == 0, res.output
    got = [ln[len("error: "):] for ln in res.output.splitlines() if ln.startswith("error: ")]
    want = []
    for kw in SPEC_ERROR_KWS:
        with pytest.raises(ValueError) as e:
            host_dsp.Spectrogram(**kw)
        want.append(str(e.value))
    assert got == want, res.output
    assert "got n_fft=500, hop=125, sample_rate=16000.0, fmin=0.0, fmax=sample_rate / 2" in got[0]


FIR_EDGE_SCRIPT = """
import array
from microlearn import dsp
h = array.array("I", [0x377FFFFF])  # 2^-16 - 2^-40: just under half a q15 step
t = array.array("f", bytes(h))[0]
f = dsp.FIR([t, -t, 0.5], q15=True)
y = array.array("h", [0, 0, 0])
f.process(array.array("h", [32767, 0, 0]), y)
print("fir", list(y))
"""


def test_q15_fir_taps_round_exactly_as_the_host(target):
    """The tap 2^-16 - 2^-40 is 0 in q15 on every board, as on the host
    (tests/python/test_dsp.py): the float rounding made it 1."""
    res = run(target, FIR_EDGE_SCRIPT)
    assert res.returncode == 0, res.output
    assert "fir [0, 0, 16384]" in res.output, res.output


SPEC_INT16_SCRIPT = """
import array
from microlearn import dsp
s = dsp.Spectrogram(n_fft=256)
try:
    s.process(array.array("h", bytes(600)), array.array("f", bytes(4 * 129)))
except TypeError as e:
    print("error:", e)
"""


def test_spectrogram_refuses_int16_samples_as_the_host(target):
    """array('h') PCM: the host's TypeError text (the host took it as raw values before)."""
    import numpy as np

    res = run(target, SPEC_INT16_SCRIPT)
    assert res.returncode == 0, res.output
    with pytest.raises(TypeError) as e:
        dsp.Spectrogram(n_fft=256).process(np.zeros(300, np.int16))
    assert f"error: {e.value}" in res.output, res.output
