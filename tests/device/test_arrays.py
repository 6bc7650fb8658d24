"""Native array helpers (microlearn.arrays / _arrays.mpy) on the unix port and on
emulated Cortex-M3 (armv7m) and Cortex-M0 (armv6m) code, against numpy."""
import base64
import binascii
import json
import struct

import numpy as np
import pytest

from mpyrun import run_target

TARGETS = ["unix", "cortex-m3", "cortex-m0", "cortex-m4f"]

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
    "ValueError: n must be >= 0",
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
