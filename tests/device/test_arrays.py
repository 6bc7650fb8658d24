"""Native array helpers (microlearn.arrays / _arrays.mpy) on the unix port and on
emulated Cortex-M3 (armv7m) and Cortex-M0 (armv6m) code, against numpy."""
import base64
import binascii
import json
import struct

import numpy as np
import pytest

from mpyrun import run_target

TARGETS = ["unix", "cortex-m3", "cortex-m0", "cortex-m4f", "rv32"]

SCRIPT = r"""
import array, json
from microlearn import arrays as A
r = {}
def L(a): return list(a)
r['empty'] = L(A.empty('f', 5)) + L(A.empty('q', 2))
r['empty0'] = len(A.empty('h', 0))
r['full_h'] = L(A.full('h', 7, -3))
r['full_B'] = L(A.full('B', 5, 300))
r['full_f'] = L(A.full('f', 9, 0.25))
r['full_d'] = L(A.full('d', 3, 2.5))
r['full_i'] = L(A.full('i', 4, -2147483648))
d = A.full('f', 6, 9)
A.copy(d, array.array('h', [1, -2, 3]), 2)
r['copy_hf'] = L(d)
d = A.empty('i', 4)
A.copy(d, array.array('b', [-1, 2]), 1); A.copy(d, array.array('H', [65535]), 3)
r['copy_bi'] = L(d)
d = A.empty('B', 3); A.copy(d, array.array('h', [257, -1, 5]))
r['copy_wrap'] = L(d)
d = A.empty('d', 2); A.copy(d, array.array('f', [1.5, -0.25]))
r['copy_fd'] = L(d)
d = array.array('h', range(6)); A.copy(d, d[:3], 3)
r['copy_same'] = L(d)
f = A.empty('f', 8)
r['unpack_n'] = A.unpack(f, DATA16, '<h', 1 / 16384)
r['unpack_le'] = L(f)
h = A.empty('h', 10); A.unpack(h, DATA16, '>h', None, 2)
r['unpack_be'] = L(h)
u = A.empty('I', 4); A.unpack(u, DATA16, '<I')
r['unpack_I'] = L(u)
i = A.empty('i', 4); A.unpack(i, DATA16, '>i')
r['unpack_i'] = L(i)
hu = A.empty('i', 8); A.unpack(hu, DATA16, '<H')
r['unpack_H'] = L(hu)
q = A.empty('h', 7)
A.to_int(q, array.array('f', [0.5, -0.5, 1.49, -2.5, 1e9, -1e9, float('nan')]))
r['to_int_h'] = L(q)
q = A.empty('b', 4); A.to_int(q, array.array('f', [1.0, 2.0, -3.0, 100.0]), 64.0, 1.0)
r['to_int_b'] = L(q)
q = A.empty('B', 3); A.to_int(q, array.array('h', [-5, 100, 300]))
r['to_int_B'] = L(q)
q = A.empty('i', 3); A.to_int(q, array.array('f', [3e9, -3e9, 12345.0]))
r['to_int_i'] = L(q)
o = A.empty('f', 4); A.to_float(o, array.array('h', [1, -2, 32767, -32768]), 0.5, 1.0)
r['to_float'] = L(o)
o = A.empty('f', 3); A.to_float(o, array.array('B', [0, 128, 255]), 1 / 128, -1.0)
r['to_float_B'] = L(o)
buf = bytearray(400)
n = A.b64encode(B64, buf); r['b64enc'] = bytes(buf[:n]).decode()
out = bytearray(300)
n = A.b64decode(buf[:n], out); r['b64dec'] = bytes(out[:n]) == B64
for k in range(4):
    n = A.b64encode(B64[:k], buf)
    m = A.b64decode(buf[:n], out)
    r['b64_%d' % k] = [bytes(buf[:n]).decode(), bytes(out[:m]) == B64[:k]]
r['b64_ws'] = A.b64decode(b'aGVs\nbG8=\n', out)
r['crc'] = [A.crc32(B64), A.crc32(B64[100:], A.crc32(B64[:100])), A.crc32(b'')]
r['typecode'] = [A.typecode(array.array('d')), A.typecode(bytearray(1)), A.typecode(b'')]
errs = []
def e(f, *a):
    try:
        f(*a)
        errs.append('no error')
    except (ValueError, TypeError) as x:
        errs.append('%s: %s' % (type(x).__name__, x))
e(A.empty, 'x', 3)
e(A.empty, 'h', -1)
e(A.copy, A.empty('i', 2), array.array('f', [1.0]))
e(A.copy, A.empty('i', 2), array.array('i', [1, 2]), 1)
e(A.unpack, A.empty('h', 8), b'123', '<h')
e(A.unpack, A.empty('h', 8), b'1234', '<q')
e(A.unpack, A.empty('h', 1), b'1234', '<h')
e(A.unpack, A.empty('h', 4), b'1234', '<h', 0.5)
e(A.to_float, A.empty('h', 4), array.array('h', [1]))
e(A.to_int, A.empty('f', 4), array.array('f', [1]))
e(A.to_int, A.empty('h', 1), array.array('f', [1, 2]))
e(A.b64encode, b'abcd', bytearray(7))
e(A.b64decode, b'aGVsbG8', out)
e(A.b64decode, b'aGV*bG8=', out)
e(A.b64decode, b'=aGV', out)
e(A.b64decode, b'aGVsbG8=', bytearray(4))
e(A.b64decode, b'aG==bG8=', out)
e(A.b64decode, b'aGVsbG8=\n=', out)
e(A.copy, [1, 2], array.array('h', [1]))
r['errors'] = errs
print(json.dumps(r))
"""

DATA16 = bytes([0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0x00, 0x80, 0x01, 0x02, 0x03, 0x04, 0xFE, 0xFF, 0x10, 0x00])
B64 = bytes(range(256)) + b"microlearn"


def expected():
    le = np.frombuffer(DATA16, "<i2")
    f32 = np.float32
    r = {
        "empty": [0.0] * 5 + [0, 0], "empty0": 0,
        "full_h": [-3] * 7, "full_B": [44] * 5, "full_f": [0.25] * 9, "full_d": [2.5] * 3,
        "full_i": [-2147483648] * 4,
        "copy_hf": [9, 9, 1, -2, 3, 9], "copy_bi": [0, -1, 2, 65535], "copy_wrap": [1, 255, 5],
        "copy_fd": [1.5, -0.25], "copy_same": [0, 1, 2, 0, 1, 2],
        "unpack_n": 8, "unpack_le": (le.astype(f32) * f32(1 / 16384)).tolist(),
        "unpack_be": [0, 0] + np.frombuffer(DATA16, ">i2").tolist(),
        "unpack_I": np.frombuffer(DATA16, "<u4").tolist(), "unpack_i": np.frombuffer(DATA16, ">i4").tolist(),
        "unpack_H": np.frombuffer(DATA16, "<u2").tolist(),
        "to_int_h": [1, -1, 1, -3, 32767, -32768, 0], "to_int_b": [65, 127, -128, 127],
        "to_int_B": [0, 100, 255], "to_int_i": [2147483647, -2147483648, 12345],
        "to_float": [1.5, 0.0, 16384.5, -16383.0], "to_float_B": [-1.0, 0.0, 127 / 128 - 0.0],
        "b64enc": base64.b64encode(B64).decode(), "b64dec": True,
        "b64_ws": 5,
        "crc": [binascii.crc32(B64)] * 2 + [0],
        "typecode": ["d", "B", "B"],
    }
    for k in range(4):
        r[f"b64_{k}"] = [base64.b64encode(B64[:k]).decode(), True]
    return r


ERRORS = [
    "ValueError: typecode must be one of bBhHiIlLqQfd",
    "ValueError: n out of range: must be 0..",
    "TypeError: float to int: use to_int(), which rounds and clamps",
    "ValueError: dst too small: needs 3 items, has 2",
    "ValueError: data length 3 is not a multiple of the item size 2",
    "ValueError: fmt must be '<h', '>h', '<H', '>H', '<i', '>i', '<I' or '>I'",
    "ValueError: dst too small: needs 2 items, has 1",
    "TypeError: with a scale, dst must be array('f') or array('d')",
    "TypeError: dst must be array('f') or array('d')",
    "TypeError: dst must be an array of typecode b, B, h, H or i",
    "ValueError: dst too small: needs 2 items, has 1",
    "ValueError: dst too small: needs 8 bytes, has 7",
    "ValueError: base64: incomplete final group (missing padding?)",
    "ValueError: base64: invalid character at offset 3",
    "ValueError: base64: misplaced '='",
    "ValueError: dst too small: needs 5 bytes, has 4",
    "ValueError: base64: data after the padding at offset 4",   # it decoded 'h' and ignored the rest
    "ValueError: base64: data after the padding at offset 9",
    "TypeError: object with buffer protocol required",
]


@pytest.mark.parametrize("target", TARGETS)
def test_arrays_native(target):
    script = f"DATA16 = {DATA16!r}\nB64 = {B64!r}\n" + SCRIPT
    res = run_target(target, script)
    assert res.returncode == 0, res.output
    got = json.loads(res.output.strip().splitlines()[-1])
    want = expected()
    errors = got.pop("errors")
    for k, v in want.items():
        g = got[k]
        if isinstance(v, list) and v and isinstance(v[0], float):
            np.testing.assert_allclose(g, v, rtol=1e-6, atol=1e-7, err_msg=k)
        else:
            assert g == v, (k, g, v)
    for g, w in zip(errors, ERRORS):
        assert g.startswith(w), (g, w)
    assert len(errors) == len(ERRORS)


@pytest.mark.parametrize("target", TARGETS)
def test_npy_with_native_empty_and_imu_bytes(target):
    # The data path of a sensor device: FIFO bytes -> float window -> .npy -> numpy.
    fifo = struct.pack("<12h", *range(-6, 6))
    res = run_target(target,
                     "from microlearn import arrays, npyfile\n"
                     "w = arrays.empty('f', 12)\n"
                     "arrays.unpack(w, open('fifo.bin', 'rb').read(), '<h', 0.5)\n"
                     "npyfile.save('w.npy', w, (4, 3))\n"
                     "shape, back = npyfile.load('w.npy')\n"
                     "print(shape, list(back) == list(w))\n",
                     files={"fifo.bin": fifo}, fetch=["w.npy"])
    assert res.returncode == 0, res.output
    assert res.output.strip().splitlines()[-1] == "(4, 3) True"
    import io
    a = np.load(io.BytesIO(res.files["w.npy"]))
    np.testing.assert_array_equal(a, (np.arange(-6, 6) * 0.5).reshape(4, 3).astype("f4"))


# Size arguments wider than a machine word were truncated (2**32 + 5 -> 5 on a
# 32-bit port): every size is range-checked, on every target.
SIZES = r"""
import array, sys
from microlearn import arrays as A
wide = 2**32 + 5 if sys.maxsize < 2**32 else 2**64 + 5   # wider than the machine word
def e(f, *a):
    try:
        r = f(*a)
        print('no error', len(r))
    except Exception as x:
        print('%s: %s' % (type(x).__name__, x))
e(A.empty, 'h', wide)
e(A.full, 'f', wide, 1.0)
e(A.empty, 'h', -wide)
e(A.copy, A.empty('h', 4), array.array('h', [1]), wide)
e(A.copy, A.empty('h', 4), array.array('h', [1]), 5)
e(A.unpack, A.empty('h', 4), b'\x01\x00', '<h', None, wide)
e(A.unpack, A.empty('h', 4), b'\x01\x00', '<h', None, -1)
e(A.empty, 'h', 2.0)
"""


@pytest.mark.parametrize("target", TARGETS)
def test_size_arguments_range_checked(target):
    res = run_target(target, SIZES)
    assert res.returncode == 0, res.output
    lines = res.output.strip().splitlines()[-8:]
    assert [ln.split(" out of range")[0] for ln in lines[:7]] == [
        "ValueError: n", "ValueError: n", "ValueError: n", "ValueError: at", "ValueError: at",
        "ValueError: at", "ValueError: at"], lines
    assert lines[3].endswith("must be 0..4") and lines[4].endswith("must be 0..4")
    assert lines[7] == "TypeError: n must be an int"


# to_int rounds like Model.quantize on the host: v = (x - o) * s in float64,
# half away from zero, clamped; on the device to_int(q, x, s, -o * s). The
# float32 boards used to add 0.5 in float32 (0.49999997 -> 1).
def quantize_reference(x, s, o, lo, hi):
    v = (np.asarray(x, np.float32).astype(np.float64) - o) * s     # Model.quantize's formula
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)
    return np.clip(np.nan_to_num(q, nan=0.0), lo, hi).astype(np.int64).tolist()


def edge_values(s, o):
    # float32 values whose (x - o) * s lies at, one ulp below and one ulp above k + 0.5
    halves = np.array([0.5, 1.5, 2.5, 99.5, -0.5, -1.5, -2.5, -99.5, 32766.5, 32767.5, -32767.5,
                       -32768.5, 126.5, 127.5, -128.5, 254.5, 255.5])
    x = (halves / s + o).astype(np.float32)
    up, down = np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))
    rng = np.random.default_rng(7)
    extra = np.array([0.0, -0.0, 0.49999997, -0.49999997, 1e9, -1e9, 3e38, np.inf, -np.inf, np.nan,
                      1e-30], np.float32)
    # random values: most are decided in float32 on the boards, the rest in double
    wide = rng.uniform(-40000, 40000, 200) / s + o
    near = (rng.integers(-300, 300, 300) + 0.5 + rng.uniform(-1e-3, 1e-3, 300)) / s + o
    return np.concatenate([x, up, down, extra, wide.astype(np.float32), near.astype(np.float32),
                           rng.uniform(-300, 300, 300).astype(np.float32), float32_traps(s, o)])


def float32_traps(s, o, n=150):
    # Values a few float32 steps from a rounding boundary whose (x * s - o * s)
    # computed in float32 rounds to the other side: float32 arithmetic alone
    # gets these wrong.
    f = np.float32
    ks = np.arange(-3000, 3000) + 0.5
    x = ((ks / s) + o).astype(f)
    cand = np.concatenate([x + k * np.spacing(x) for k in range(-4, 5)]).astype(f)
    exact = cand.astype(np.float64) * s - o * s
    in32 = (cand * f(s)).astype(f) + f(-o * s)
    half = lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5)
    return cand[half(exact) != half(in32.astype(np.float64))][:n]


QUANT = r"""
import array
from microlearn import arrays as A
x = array.array('f', X)
s, off = array.array('f', SO)   # float32 values sent as bytes: MicroPython's float32
for tc in 'hbBHi':               # parser may miss the nearest float by an ulp
    q = A.empty(tc, len(x))
    A.to_int(q, x, s, off)
    print(tc, list(q))
"""

RANGES = {"h": (-32768, 32767), "b": (-128, 127), "B": (0, 255), "H": (0, 65535), "i": (-2**31, 2**31 - 1)}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("s,o", [(1.0, 0.0), (3.0, 0.0), (0.1, 0.0), (100.0, -1.25), (4.0, 0.5)])
def test_to_int_rounds_like_model_quantize(target, s, o):
    # s, o and o * s are float32 values (a float32 board's floats), so the
    # device gets exactly the numbers Model.quantize uses.
    s32 = float(np.float32(s))
    assert float(np.float32(o * s32)) == o * s32
    x = edge_values(s32, o)
    script = f"X = {x.astype('<f4').tobytes()!r}\nSO = {np.array([s32, -o * s32], '<f4').tobytes()!r}\n" + QUANT
    res = run_target(target, script)
    assert res.returncode == 0, res.output
    for line in res.output.strip().splitlines()[-5:]:
        tc, got = line.split(" ", 1)
        want = quantize_reference(x, s32, o, *RANGES[tc])
        bad = [(float(x[i]), g, w) for i, (g, w) in enumerate(zip(json.loads(got), want)) if g != w]
        assert not bad, (tc, bad[:5])


EXACT = r"""
import array
from microlearn import arrays as A
def show(d): print(list(bytes(d)))   # the float64 bytes: a float32 port's floats would round them
i32 = array.array('i', [16777217, -16777217, 2147483647, -2147483648, 123456789])
d = A.empty('d', 5); A.copy(d, i32); show(d)
d = A.empty('d', 5); A.to_float(d, i32); show(d)
d = A.empty('d', 5); A.to_float(d, i32, 1.0, 0.5); show(d)
d = A.empty('d', 2); A.unpack(d, b'\x01\x00\x00\x01\xff\xff\xff\xff', '<I'); show(d)
d = A.empty('d', 2); A.unpack(d, b'\x01\x00\x00\x01\xff\xff\xff\xff', '<i', 2.0); show(d)
show(A.full('d', 2, 16777217))
show(A.full('d', 2, 2147483647) + A.full('d', 1, -2147483648) + A.full('d', 1, 2**40 + 1))
"""


@pytest.mark.parametrize("target", TARGETS)
def test_int32_to_double_is_exact(target):
    # Into array('d') the conversion is in double precision, also on float32 boards
    # (where it went through float32: 16777217 -> 16777216).
    res = run_target(target, EXACT)
    assert res.returncode == 0, res.output
    lines = [np.frombuffer(bytes(json.loads(ln)), "<f8").tolist() for ln in res.output.strip().splitlines()[-7:]]
    i32 = [16777217, -16777217, 2147483647, -2147483648, 123456789]
    assert lines[0] == i32 and lines[1] == i32
    assert lines[2] == [v + 0.5 for v in i32]
    assert lines[3] == [16777217, 4294967295] and lines[4] == [33554434, -2]
    assert lines[5] == [16777217, 16777217]
    big = float(np.float32(2**40 + 1)) if target != "unix" else 2**40 + 1   # beyond the boards' word
    assert lines[6] == [2147483647, 2147483647, -2147483648, big]


CRC = r"""
import array, micropython
from microlearn import arrays as A
data = bytes(range(256)) * 4
head, tail = data[:512], data[512:]
acc, parts, r = array.array("I", [0]), array.array("I", [0]), None
micropython.heap_lock()
try:
    r = A.crc32(data, acc)
    A.crc32(head, parts)
    A.crc32(tail, parts)
finally:
    micropython.heap_unlock()
print(r is acc, acc[0], parts[0], A.crc32(data), A.crc32(tail, A.crc32(head)))
"""


@pytest.mark.parametrize("target", TARGETS)
def test_crc32_into_array_allocates_nothing(target):
    # A CRC >= 2**30 is a long int on 32-bit ports (an allocation); with an
    # array('I') accumulator nothing is allocated (heap locked on the device).
    data = bytes(range(256)) * 4
    crc = binascii.crc32(data)
    assert crc >= 2**30  # a long int on the boards
    res = run_target(target, CRC)
    assert res.returncode == 0, res.output
    assert res.output.strip().splitlines()[-1] == f"True {crc} {crc} {crc} {crc}"
    errs = run_target(target, "import array\nfrom microlearn import arrays as A\n"
                              "for c in (array.array('h', [0]), array.array('I'), 'x'):\n"
                              "    try:\n        A.crc32(b'a', c)\n    except TypeError as e:\n        print(e)\n")
    assert errs.output.strip().splitlines()[-3:] == ["crc must be an int or an array('I') of at least 1 item"] * 3
