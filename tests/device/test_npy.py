"""npyfile on MicroPython (unix port) against numpy: both directions, streaming,
.npz, and malformed files."""
import json
import zipfile

import numpy as np
import pytest

from mpyrun import run, run_error

# array typecode -> numpy dtype on the unix port (x64: 'l' is 8 bytes).
DTYPES = {"b": "|i1", "B": "|u1", "h": "<i2", "H": "<u2", "i": "<i4", "I": "<u4",
          "l": "<i8", "L": "<u8", "q": "<i8", "Q": "<u8", "f": "<f4", "d": "<f8"}
SHAPES = [(7,), (2, 3), (2, 1, 4), (), (0,), (0, 3)]


def values(dtype, n):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (np.arange(n) * 1.25 - 3).astype(dt)
    info = np.iinfo(dt)
    v = np.array([info.min, info.max, 0, 1] + list(range(n)), dtype=object)[:n]
    return v.astype(dt)


@pytest.mark.parametrize("tc", sorted(DTYPES))
def test_device_writes_numpy_reads(tmp_path, tc):
    script = ["import array\nfrom microlearn import npyfile"]
    expect = {}
    for k, shape in enumerate(SHAPES):
        n = int(np.prod(shape))
        v = values(DTYPES[tc], n)
        expect[k] = (shape, v)
        script.append(f"npyfile.save('a{k}.npy', array.array({tc!r}, {v.tolist()!r}), {shape!r})")
    run("\n".join(script), tmp_path)
    for k, (shape, v) in expect.items():
        got = np.load(tmp_path / f"a{k}.npy")
        assert got.dtype == np.dtype(DTYPES[tc]) and got.shape == shape
        np.testing.assert_array_equal(got.ravel(), v)


@pytest.mark.parametrize("dtype", sorted(set(DTYPES.values()) | {"|b1"}))
def test_numpy_writes_device_reads(tmp_path, dtype):
    out = {}
    for k, shape in enumerate(SHAPES):
        v = values("|u1" if dtype == "|b1" else dtype, int(np.prod(shape))).reshape(shape)
        if dtype == "|b1":
            v = v.astype(bool)
        np.save(tmp_path / f"a{k}.npy", v)
        out[k] = v
    got = run("import json\nfrom microlearn import npyfile\n"
              f"for k in range({len(SHAPES)}):\n"
              "    shape, a = npyfile.load('a%d.npy' % k)\n"
              "    print(json.dumps([list(shape), list(a)]))", tmp_path)
    for k, line in enumerate(got.splitlines()):
        shape, items = json.loads(line)
        assert tuple(shape) == out[k].shape
        np.testing.assert_array_equal(np.array(items, dtype=out[k].dtype if items else None).ravel(),
                                      out[k].ravel())


def test_streaming_larger_than_heap(tmp_path):
    # 1.2 MB of int16 through a 128 KB heap (x64: 64-bit objects; the
    # source compile needs ~100 KB of it), in both directions.
    rows = 200_000
    run("import array\nfrom microlearn import npyfile\n"
        "row = array.array('h', [0, 0, 0])\n"
        "with npyfile.Writer('big.npy', 'h', (None, 3)) as w:\n"
        f"    for i in range({rows}):\n"
        "        row[0] = i & 0x7fff; row[1] = -(i & 0x7fff); row[2] = i % 7\n"
        "        w.write(row)\n", tmp_path, heap="128K", timeout=300)
    a = np.load(tmp_path / "big.npy")
    assert a.shape == (rows, 3) and a.dtype == np.int16
    i = np.arange(rows)
    np.testing.assert_array_equal(a[:, 0], i & 0x7FFF)
    np.testing.assert_array_equal(a[:, 2], i % 7)
    np.save(tmp_path / "big2.npy", a.astype("<f4"))
    out = run("from microlearn import npyfile\n"
              "s = 0.0; n = 0\n"
              "with npyfile.Reader('big2.npy') as r:\n"
              "    print(r.shape, r.typecode)\n"
              "    for c in r.chunks(999):\n"
              "        n += len(c)\n"
              "        for x in c: s += x\n"
              "print(n, s)\n", tmp_path, heap="128K", timeout=300)
    head, tail = out.splitlines()
    assert head == f"({rows}, 3) f"
    n, s = tail.split()
    assert int(n) == rows * 3 and float(s) == pytest.approx(float(a.astype(np.float64).sum()))


def test_writer_open_first_dim_and_partial_write(tmp_path):
    run("import array\nfrom microlearn import npyfile\n"
        "a = array.array('f', range(12))\n"
        "with npyfile.Writer('w.npy', 'f', (None, 2, 2)) as w:\n"
        "    w.write(a, 8)\n"
        "    w.write(a)\n", tmp_path)
    got = np.load(tmp_path / "w.npy")
    assert got.shape == (5, 2, 2)
    np.testing.assert_array_equal(got.ravel(), list(range(8)) + list(range(12)))


def test_npz_from_numpy(tmp_path):
    x = np.arange(300, dtype="<i2").reshape(100, 3)
    y = np.linspace(0, 1, 7).astype("<f4")
    np.savez(tmp_path / "s.npz", x=x, y=y)
    np.savez_compressed(tmp_path / "c.npz", x=x, y=y)
    out = run("import json\nfrom microlearn import npzfile\n"
              "for fn in ('s.npz', 'c.npz'):\n"
              "    with npzfile.NpzFile(fn) as z:\n"
              "        sx, ax = z['x']; sy, ay = z['y']\n"
              "        r = z.reader('x'); part = list(r.read(5)); r.close()\n"
              "        print(json.dumps([sorted(z.files), list(sx), list(ax), list(sy), list(ay), part]))\n",
              tmp_path)
    for line in out.splitlines():
        files, sx, ax, sy, ay, part = json.loads(line)
        assert files == ["x", "y"] and tuple(sx) == x.shape and tuple(sy) == y.shape
        np.testing.assert_array_equal(ax, x.ravel())
        np.testing.assert_array_equal(np.array(ay, "f4"), y)
        assert part == [0, 1, 2, 3, 4]


def test_npz_files_in_archive_order(tmp_path):
    # z.files lists the members in the archive's order, as numpy's NpzFile does
    # (positional arrays arr_0, arr_1, ... and user order survive).
    names = ["zeta", "x", "y", "z", "e", "s", "alpha", "arr_10", "arr_2"]
    np.savez_compressed(tmp_path / "d.npz", **{k: np.arange(i + 1, dtype="<i2") for i, k in enumerate(names)})
    assert np.load(tmp_path / "d.npz").files == names
    out = run("from microlearn import npzfile\nprint(' '.join(npzfile.NpzFile('d.npz').files))", tmp_path)
    assert out.split() == names


def test_npz_to_numpy(tmp_path):
    run("import array\nfrom microlearn import npzfile\n"
        "x = array.array('h', range(-5, 7))\n"
        "npzfile.savez('d.npz', X=((4, 3), x), y=array.array('B', [1, 0, 1, 1]))\n"
        "with npzfile.NpzWriter('e.npz') as z:\n"
        "    with z.writer('big', 'f', (1000,)) as w:\n"
        "        for i in range(10):\n"
        "            w.write(array.array('f', range(i * 100, i * 100 + 100)))\n", tmp_path)
    assert zipfile.ZipFile(tmp_path / "d.npz").testzip() is None
    d = np.load(tmp_path / "d.npz")
    np.testing.assert_array_equal(d["X"], np.arange(-5, 7).reshape(4, 3))
    np.testing.assert_array_equal(d["y"], [1, 0, 1, 1])
    assert d["y"].dtype == np.uint8
    np.testing.assert_array_equal(np.load(tmp_path / "e.npz")["big"], np.arange(1000, dtype="f4"))


def test_npz_compress_needs_deflate_compression(tmp_path):
    # The unix port's standard variant decompresses but cannot compress.
    rc, out, err = run("import array\nfrom microlearn import npzfile\n"
                       "npzfile.savez('z.npz', True, x=array.array('h', range(100)))\n"
                       "print('written')", tmp_path, check=False)
    if rc == 0:
        np.testing.assert_array_equal(np.load(tmp_path / "z.npz")["x"], np.arange(100))
    else:
        assert "cannot compress" in err and "compress=False" in err


# ------------------------------------------------------------------- bad input

def _good_npy(tmp_path):
    np.save(tmp_path / "good.npy", np.arange(40, dtype="<f4").reshape(10, 4))
    return (tmp_path / "good.npy").read_bytes()


LOAD = "from microlearn import npyfile\nshape, a = npyfile.load('bad.npy')\nprint(len(a))"


@pytest.mark.parametrize("cut", [0, 3, 8, 11, 60, 127, 128, 129, 200, 287])
def test_truncated_npy(tmp_path, cut):
    (tmp_path / "bad.npy").write_bytes(_good_npy(tmp_path)[:cut])
    err = run_error(LOAD, tmp_path)
    assert err.startswith("ValueError: bad.npy: ") and ("truncated" in err or "magic" in err)


@pytest.mark.parametrize("header,what", [
    ("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", "big-endian"),
    ("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", "not supported"),
    ("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", "not supported"),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", "descr"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }", "shape"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", "negative"),
    ("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,), }", "fortran_order"),
    ("{'fortran_order': False, 'shape': (3,), }", "descr"),
])
def test_malformed_npy_header(tmp_path, header, what):
    h = header.encode() + b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + bytes(64))
    err = run_error(LOAD, tmp_path)
    assert err.startswith("ValueError: bad.npy: ") and what in err


@pytest.mark.parametrize("header", [
    '{"descr": "<i2", "fortran_order": False, "shape": (2, 3)}',       # keys in double quotes
    "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i2'}",        # another key order
    "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 3L), }",    # Python 2's numpy
])
@pytest.mark.parametrize("align", [16, 64])  # numpy < 1.14 padded headers to 16 bytes
@pytest.mark.filterwarnings("ignore:Reading `.npy` or `.npz` file required additional header parsing")
def test_headers_numpy_reads_in_other_spellings(tmp_path, header, align):
    h = header.encode() + b" " * (-(10 + len(header) + 1) % align) + b"\n"
    data = np.arange(6, dtype="<i2") - 3
    (tmp_path / "x.npy").write_bytes(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data.tobytes())
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy"), data.reshape(2, 3))
    out = run("from microlearn import npyfile\nshape, a = npyfile.load('x.npy')\nprint(shape, list(a))", tmp_path)
    assert out.strip() == "(2, 3) [-3, -2, -1, 0, 1, 2]"


def test_fortran_order_reads_whole_in_c_order(tmp_path):
    # np.save writes F-contiguous arrays (a.T, a pandas frame's .values) with
    # fortran_order True: load(), read() and z[name] give C order (they were refused);
    # streaming them is refused naming the file, as is read_header.
    arrays = {"a": np.arange(12, dtype="<i2").reshape(3, 4), "b": np.arange(24, dtype="<f4").reshape(2, 3, 4) - 5,
              "c": np.arange(6, dtype="|u1").reshape(1, 6), "d": np.arange(10, dtype="<f8").reshape(5, 2, 1)}
    for k, v in arrays.items():
        np.save(tmp_path / f"{k}.npy", np.asfortranarray(v))
    np.savez_compressed(tmp_path / "z.npz", b=np.asfortranarray(arrays["b"]))
    assert b"'fortran_order': True" in (tmp_path / "a.npy").read_bytes()
    out = run("from microlearn import npyfile, npzfile\n"
              "for k in 'abcd':\n"
              "    shape, a = npyfile.load(k + '.npy')\n"
              "    print(k, shape, list(a))\n"
              "with npyfile.Reader('b.npy') as r:\n"
              "    print('read', list(r.read()))\n"
              "print('npz', list(npzfile.NpzFile('z.npz')['b'][1]))\n"
              "for call in (lambda: list(npyfile.Reader('a.npy').chunks(5)), lambda: npyfile.Reader('a.npy').read(5),\n"
              "             lambda: npyfile.read_header(open('a.npy', 'rb'), 'a.npy')):\n"
              "    try:\n"
              "        call()\n"
              "    except ValueError as e:\n"
              "        print('error', e)\n", tmp_path)
    lines = out.splitlines()
    for line, (k, v) in zip(lines, arrays.items()):
        assert line == f"{k} {v.shape} {v.ravel().tolist()}"
    assert lines[4] == f"read {arrays['b'].ravel().tolist()}" and lines[5] == f"npz {arrays['b'].ravel().tolist()}"
    assert len(lines) == 9
    for line in lines[6:]:
        assert line.startswith("error a.npy: a Fortran-order array (the first index fastest) is read whole"), line


def test_bad_magic_and_version(tmp_path):
    (tmp_path / "bad.npy").write_bytes(b"PK\x03\x04" + bytes(100))
    assert "bad magic" in run_error(LOAD, tmp_path)
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY\x09\x00" + bytes(100))
    assert "version 9.0" in run_error(LOAD, tmp_path)


def _npz(tmp_path, compressed):
    fn = tmp_path / "good.npz"
    (np.savez_compressed if compressed else np.savez)(fn, x=np.arange(500, dtype="<i4"))
    return fn.read_bytes()


LOADZ = "from microlearn import npzfile\nz = npzfile.NpzFile('bad.npz')\nshape, a = z['x']\nprint(len(a))"


@pytest.mark.parametrize("compressed", [False, True])
def test_truncated_npz(tmp_path, compressed):
    data = _npz(tmp_path, compressed)
    for cut in range(0, len(data), max(1, len(data) // 23)):
        (tmp_path / "bad.npz").write_bytes(data[:cut])
        err = run_error(LOADZ, tmp_path)
        assert err.startswith("ValueError: bad.npz"), (cut, err)


@pytest.mark.parametrize("compressed", [False, True])
def test_corrupt_npz_data(tmp_path, compressed):
    data = bytearray(_npz(tmp_path, compressed))
    data[200] ^= 0x55  # inside the member's data
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    err = run_error(LOADZ, tmp_path)
    assert err.startswith("ValueError: bad.npz[x]: ") and ("CRC" in err or "corrupt" in err or "npy" in err), err


def test_npz_missing_member(tmp_path):
    (tmp_path / "bad.npz").write_bytes(_npz(tmp_path, False))
    err = run_error("from microlearn import npzfile\nnpzfile.NpzFile('bad.npz')['nope']", tmp_path)
    assert "KeyError" in err and "bad.npz" in err and "'nope'" in err


def test_reader_checks_buffer_type(tmp_path):
    _good_npy(tmp_path)
    err = run_error("import array\nfrom microlearn import npyfile\n"
                    "r = npyfile.Reader('good.npy')\nr.readinto(array.array('h', [0] * 4))", tmp_path)
    assert err.startswith("TypeError: good.npy: buffer typecode 'h', file holds 'f'")


def test_stream_with_short_reads(tmp_path):
    # A stream returning 3 bytes per readinto (items are 4 bytes): nothing lost.
    np.save(tmp_path / "s.npy", np.arange(50, dtype="<i4") * 1000003)
    out = run("import io\nfrom microlearn import npyfile\n"
              "class Slow:\n"
              "    def __init__(self, b): self.b = io.BytesIO(b); self.name = 'slow.npy'\n"
              "    def read(self, n): return self.b.read(min(n, 3))\n"
              "    def readinto(self, buf):\n"  # writes 3 bytes into an array of any type
              "        import uctypes\n"
              "        d = self.b.read(3)\n"
              "        uctypes.bytearray_at(uctypes.addressof(buf), len(d))[:] = d\n"
              "        return len(d)\n"
              "shape, a = npyfile.load(Slow(open('s.npy', 'rb').read()))\n"
              "print(list(a) == [i * 1000003 for i in range(50)])\n", tmp_path)
    assert out.strip() == "True"


NPZ_ON_BOARD = """
from microlearn import npyfile, npzfile
import array
for fn in ('s.npz', 'c.npz'):
    z = npzfile.NpzFile(fn)
    s, a = z['x']
    print(fn, s, sum(a))
npyfile.save('out.npy', array.array('h', range(-3, 9)), (3, 4))
npzfile.savez('out.npz', y=array.array('f', [0.5, 1.5]))
"""


@pytest.mark.parametrize("target", ["cortex-m3", "cortex-m0"])
def test_npy_npz_on_emulated_board(target):
    import io
    from mpyrun import run_target
    x = np.arange(3000, dtype="<i2").reshape(1000, 3)
    files = {}
    for name, fn in (("s.npz", np.savez), ("c.npz", np.savez_compressed)):
        b = io.BytesIO()
        fn(b, x=x)
        files[name] = b.getvalue()
    res = run_target(target, NPZ_ON_BOARD, files=files, fetch=["out.npy", "out.npz"])
    assert res.returncode == 0, res.output
    total = int(x.astype(np.int64).sum())
    assert res.output.split("\n")[:2] == [f"s.npz (1000, 3) {total}", f"c.npz (1000, 3) {total}"]
    np.testing.assert_array_equal(np.load(io.BytesIO(res.files["out.npy"])), np.arange(-3, 9).reshape(3, 4))
    np.testing.assert_array_equal(np.load(io.BytesIO(res.files["out.npz"]))["y"], [0.5, 1.5])


# ------------------------------------------------ readers, sizes, corrupt archives

READERS = """
import array
from microlearn import npyfile, npzfile
out = []
for fn in ('s.npz', 'c.npz'):
    z = npzfile.NpzFile(fn)
    a, b = z.reader('x'), z.reader('y')       # open at the same time, read in turns
    out.append([list(a.read(3)), list(b.read(2)), list(a.read(4)), list(b.read()), list(a.read())])
    a.close(); b.close()
    with z.reader('x') as r:                  # 10 items in chunks of 4
        out.append([list(c) for c in r.chunks(4)])
    with z.reader('y') as r:
        buf = array.array('f', [-1.0] * 8)
        out.append([r.readinto(buf, 3), list(buf), r.readinto(buf, 0), r.readinto(buf, 8), list(buf)])
with npyfile.Reader('x.npy') as r:
    buf = array.array('h', [-1] * 8)
    out.append([r.readinto(buf, 3), list(buf)])
print(out)
"""


@pytest.mark.parametrize("target", ["unix", "cortex-m3"])
def test_npz_readers_at_once_chunks_and_partial_readinto(tmp_path, target):
    import io
    from mpyrun import run_target
    x, y = np.arange(10, dtype="<i2"), np.arange(100, 105, dtype="<f4")
    files = {"x.npy": b""}
    for name, fn in (("s.npz", np.savez), ("c.npz", np.savez_compressed)):
        b = io.BytesIO()
        fn(b, x=x, y=y)
        files[name] = b.getvalue()
    b = io.BytesIO()
    np.save(b, x)
    files["x.npy"] = b.getvalue()
    res = run_target(target, READERS, files=files)
    assert res.returncode == 0, res.output
    got = eval(res.output.strip().splitlines()[-1])
    X, Y = x.tolist(), [float(v) for v in y]
    for k in (0, 3):
        assert got[k] == [X[:3], Y[:2], X[3:7], Y[2:], X[7:]]
        assert got[k + 1] == [X[:4], X[4:8], X[8:]]
        assert got[k + 2] == [3, Y[:3] + [-1.0] * 5, 0, 2, Y[3:] + Y[2:3] + [-1.0] * 5]
    assert got[6] == [3, X[:3] + [-1] * 5]


def test_readinto_n_larger_than_buffer_blames_the_argument(tmp_path):
    _good_npy(tmp_path)
    np.savez(tmp_path / "good.npz", x=np.arange(40, dtype="<f4"))
    for opener in ("npyfile.Reader('good.npy')", "npzfile.NpzFile('good.npz').reader('x')"):
        err = run_error("import array\nfrom microlearn import npyfile, npzfile\n"
                        f"r = {opener}\nr.readinto(array.array('f', [0] * 4), 5)", tmp_path)
        assert err == "ValueError: readinto: n=5 is not in 0..len(buf) (4 items)", err
        err = run_error("import array\nfrom microlearn import npyfile, npzfile\n"
                        f"r = {opener}\nr.readinto(array.array('f', [0] * 4), -1)", tmp_path)
        assert err == "ValueError: readinto: n=-1 is not in 0..len(buf) (4 items)", err


def _npy_with_shape(shape_text, descr="<f4", data=bytes(64)):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    h = h.encode() + b" " * (-(10 + len(h) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data


ABSURD = """
from microlearn import npyfile, npzfile
for fn in FILES:
    try:
        if fn.endswith('.npz'):
            z = npzfile.NpzFile(fn)
            a = z['x'][1]
        else:
            a = npyfile.load(fn)[1]
        print('loaded', fn, len(a))
    except ValueError as e:
        print('ValueError', e)
"""


@pytest.mark.parametrize("target", ["unix", "cortex-m3"])
def test_absurd_shapes_are_refused_naming_the_file(target):
    # (4294967301,) was truncated to 5 items by the native empty() on 32-bit boards.
    import io
    from mpyrun import run_target
    shapes = ["(4294967301,)", "(5, 858993460)", "(1099511627776, 1099511627776)",
              "(99999999999999999999999,)", "(2147483647, 0, 3)", "(9223372036854775807,)"]
    files = {}
    for k, shape in enumerate(shapes):
        npy = _npy_with_shape(shape, data=b"" if k == 4 else bytes(64))
        files[f"a{k}.npy"] = npy
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w") as z:
            z.writestr("x.npy", npy)
        files[f"z{k}.npz"] = b.getvalue()
    files["ok.npy"] = _npy_with_shape("(16,)")
    names = sorted(files)
    res = run_target(target, f"FILES = {names!r}\n" + ABSURD, files=files)
    assert res.returncode == 0, res.output
    lines = res.output.strip().splitlines()[-len(names):]
    for name, line in zip(names, lines):
        if name == "ok.npy":
            assert line == "loaded ok.npy 16"
        elif name in ("a4.npy", "z4.npz"):  # zero items: numpy's reading too
            assert line == f"loaded {name} 0", line
        else:
            want = name + ("[x]" if name.endswith(".npz") else "") + ": "
            assert line.startswith("ValueError " + want), (name, line)
            assert "absurd" in line or "truncated" in line, line


def _zip_with(tmp_path, patch):
    data = bytearray(_npz(tmp_path, False))
    cd = data.rfind(b"PK\x01\x02")
    patch(data, cd)
    (tmp_path / "bad.npz").write_bytes(bytes(data))


@pytest.mark.parametrize("what,patch", [
    ("name not UTF-8", lambda d, cd: d.__setitem__(slice(cd + 46, cd + 48), b"\xff\xfe")),
    ("entry past the directory", lambda d, cd: d.__setitem__(slice(cd + 28, cd + 30), b"\xff\x7f")),
    ("extra past the directory", lambda d, cd: d.__setitem__(slice(cd + 30, cd + 32), b"\x00\x70")),
    ("method 99", lambda d, cd: d.__setitem__(slice(cd + 10, cd + 12), b"\x63\x00")),
    ("stored sizes disagree", lambda d, cd: d.__setitem__(slice(cd + 24, cd + 28), b"\x00\x00\x00\x00")),
    ("bad local header", lambda d, cd: d.__setitem__(slice(0, 4), b"PK\x07\x08")),
])
def test_corrupt_npz_names_the_file(tmp_path, what, patch):
    # These raised UnicodeError / IndexError without the file name.
    _zip_with(tmp_path, patch)
    err = run_error(LOADZ, tmp_path)
    assert err.startswith("ValueError: bad.npz"), (what, err)
