"""microlearn.jpeg on MicroPython: the native decoder (microlearn._jpeg) gives
the host engine's pixels bit for bit on the unix port and on the emulated
Cortex-M0, M3 and M4F (the host's agreement with Pillow is tests/python/test_jpeg.py);
resizing, `out`, scale="auto"; the decode allocates nothing; bad files and
arguments give ValueError / TypeError."""
import numpy as np
import pytest

import microlearn._engine as engine
from device_rig import EXPECT
from jpeg_files import cases, cjpeg, have_cjpeg, photo, pillow_jpeg, synthetic
from mpyrun import run, run_target
from test_png import bilinear_reference

pytestmark = pytest.mark.skipif(not have_cjpeg(), reason="cjpeg (libjpeg-turbo-progs) is not installed")

READ_ALL = """
from microlearn import jpeg
import binascii
for name in NAMES:
    for mode in ("L", "RGB"):
        for scale in SCALES:
            w, h, px = jpeg.read(name, mode=mode, scale=scale)
            print("PX", name, mode, scale, w, h, binascii.hexlify(px).decode())
print("INFO", jpeg.info(NAMES[0]))
"""


def check(output, files, scales):
    seen = 0
    for line in output.splitlines():
        if not line.startswith("PX"):
            continue
        _, name, mode, scale, w, h, hexdata = line.split()
        want = engine.jpeg_decode(files[name], int(scale), 1 if mode == "L" else 3)
        assert (int(h), int(w)) == want.shape[:2], name
        got = np.frombuffer(bytes.fromhex(hexdata), np.uint8)
        np.testing.assert_array_equal(got, want.ravel(), err_msg=f"{name} {mode} 1/{scale}")
        seen += 1
    assert seen == 2 * len(scales) * len(files), output[-2000:]


def board_files():
    """A few files covering every code path: each sampling kind, grayscale,
    restarts, Pillow's optimized tables, an odd size."""
    img, ph = synthetic(37, 29, seed=3), photo(45, 23, 0, (100, 80))
    return {"s420.jpg": cjpeg(img, 60, "2x2,1x1,1x1", restart="2B"), "s444.jpg": cjpeg(ph, 90, "1x1,1x1,1x1"),
            "s411.jpg": cjpeg(img, 30, "4x1,1x1,1x1"), "s440.jpg": cjpeg(ph, 75, "1x2,1x1,1x1"),
            "mixed.jpg": cjpeg(img, 80, "2x2,1x1,2x2"), "gray.jpg": cjpeg(ph, 50, gray=True),
            "pil.jpg": pillow_jpeg(ph, quality=85, optimize=True)}


def test_matches_host_unix(tmp_path):
    files = {f"{k}.jpg": v for k, v in cases(small=True).items()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    scales = (1, 2, 4, 8)
    out = run(f"NAMES = {sorted(files)!r}\nSCALES = {scales!r}\n" + READ_ALL, tmp_path, timeout=600)
    check(out, files, scales)
    assert "INFO (37, 29, 3)" in out   # (width, height, components) of the first name


@pytest.mark.parametrize("target", ["cortex-m0", "cortex-m3", "cortex-m4f"])
def test_matches_host_on_boards(target):
    files = board_files()
    scales = (1, 4)
    res = run_target(target, f"NAMES = {sorted(files)!r}\nSCALES = {scales!r}\n" + READ_ALL, files=files)
    assert res.returncode == 0, res.output
    check(res.output, files, scales)
    assert "INFO (45, 23, 1)" in res.output   # gray.jpg comes first


def test_resize_out_and_auto_scale(tmp_path):
    data = cjpeg(photo(64, 48, 1, (150, 120)), 85, "2x2,1x1,1x1")
    (tmp_path / "in.jpg").write_bytes(data)
    sizes = [(16, 12), (28, 28), (5, 3)]
    out = run("from microlearn import jpeg\nimport binascii, array\n"
              f"for size in {sizes!r}:\n"
              "    for mode in ('L', 'RGB'):\n"
              "        for how in ('bilinear', 'nearest'):\n"
              "            buf = bytearray(size[0] * size[1] * (3 if mode == 'RGB' else 1))\n"
              "            w, h, px = jpeg.read('in.jpg', mode=mode, size=size, resize=how, out=buf)\n"
              "            assert px is buf and (w, h) == size\n"
              "            print(binascii.hexlify(px).decode())\n"
              "    w, h, px = jpeg.read(open('in.jpg', 'rb'), size=size, scale='auto')\n"
              "    print(binascii.hexlify(px).decode())\n", tmp_path)
    lines = iter(out.split())
    for dw, dh in sizes:
        for mode in ("L", "RGB"):
            full = engine.jpeg_decode(data, 1, 1 if mode == "L" else 3)
            for how in ("bilinear", "nearest"):
                got = np.frombuffer(bytes.fromhex(next(lines)), np.uint8).reshape((dh, dw) + full.shape[2:])
                if how == "nearest":
                    ys = (2 * np.arange(dh) + 1) * full.shape[0] // (2 * dh)
                    xs = (2 * np.arange(dw) + 1) * full.shape[1] // (2 * dw)
                    np.testing.assert_array_equal(got, full[ys][:, xs])
                else:
                    assert np.abs(got - bilinear_reference(full, dw, dh)).max() <= 1.0, (mode, dw, dh)
        # "auto": the largest 1/2^k still at least the size, then bilinear
        scale = max(s for s in (1, 2, 4, 8) if -(-64 // s) >= dw and -(-48 // s) >= dh)
        small = engine.jpeg_decode(data, scale, 1)
        got = np.frombuffer(bytes.fromhex(next(lines)), np.uint8).reshape(dh, dw)
        assert np.abs(got - bilinear_reference(small, dw, dh)).max() <= 1.0, (dw, dh, scale)


def test_decode_allocates_nothing(tmp_path):
    (tmp_path / "in.jpg").write_bytes(cjpeg(synthetic(40, 30), 75, "2x2,1x1,1x1", restart="1B"))
    out = run("import micropython\nfrom microlearn import _jpeg\n"
              "data = open('in.jpg', 'rb').read()\n"
              "w, h, c, need = _jpeg.info(data, 1)\n"
              "out = bytearray(w * h * 3)\nwork = bytearray(need)\n"
              "_jpeg.decode(data, 1, 3, out, work)\nfirst = bytes(out)\n"
              "outs = [(s, bytearray(-(-w // s) * -(-h // s) * 3)) for s in (8, 4, 2)] + [(1, out)]\n"
              "def locked(decode, data, outs, work):\n"
              "    micropython.heap_lock()\n"
              "    try:\n"
              "        for scale, o in outs:\n"
              "            decode(data, scale, 3, o, work)\n"
              "    finally:\n"
              "        micropython.heap_unlock()\n"
              "locked(_jpeg.decode, data, outs, work)\n"
              "print('same', bytes(out) == first, w, h, need)\n", tmp_path)
    assert out.startswith("same True 40 30"), out


def test_errors(tmp_path):
    img = synthetic(24, 16)
    good = cjpeg(img, 75)
    sof = good.index(b"\xff\xc0")
    huge = good[:sof + 5] + b"\xff\xff\xff\xff" + good[sof + 9:]     # 65535 x 65535 declared
    files = {"prog.jpg": pillow_jpeg(img, progressive=True), "trunc.jpg": good[:len(good) // 2],
             "notjpeg.jpg": b"GIF89a" + bytes(40), "good.jpg": good, "huge.jpg": huge}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = run(EXPECT + "from microlearn import jpeg, _jpeg\nimport array\n"
              "expect(ValueError, jpeg.read, 'prog.jpg')\n"
              "expect(ValueError, jpeg.info, 'prog.jpg')\n"
              "expect(ValueError, jpeg.read, 'trunc.jpg')\n"
              "expect(ValueError, jpeg.read, 'notjpeg.jpg')\n"
              "expect(ValueError, jpeg.read, 'good.jpg', mode='RGBA')\n"
              "expect(ValueError, jpeg.read, 'good.jpg', scale=3)\n"
              "expect(ValueError, jpeg.read, 'good.jpg', size=(0, 4))\n"
              "expect(TypeError, jpeg.read, 'good.jpg', out=array.array('h', [0] * 384))\n"
              "expect(ValueError, jpeg.read, 'good.jpg', out=bytearray(10))\n"
              "data = open('good.jpg', 'rb').read()\n"
              "expect(ValueError, _jpeg.decode, data, 1, 3, bytearray(10), bytearray(_jpeg.info(data, 1)[3]))\n"
              "expect(ValueError, _jpeg.decode, data, 1, 3, bytearray(24 * 16 * 3), bytearray(100))\n"
              "expect(ValueError, _jpeg.decode, data, 1, 2, bytearray(24 * 16 * 2), bytearray(9000))\n"
              "expect(TypeError, _jpeg.decode, data, 1, 3, b'immutable', bytearray(9000))\n"
              "expect(MemoryError, jpeg.read, 'huge.jpg')\n"
              "print(jpeg.info('huge.jpg'))\n"
              "expect(MemoryError, jpeg.read, 'huge.jpg', scale=8)\n"
              "expect(ValueError, jpeg.read, 'good.jpg', scale=2.0)\n"
              "expect(ValueError, jpeg.read, 'good.jpg', size=(8, 4, 1))\n"
              "expect(ValueError, jpeg.read, 'good.jpg', size=8)\n"
              "expect(OSError, jpeg.info, 'missing.jpg')\n", tmp_path)
    lines = out.strip().splitlines()
    assert all(l.startswith("ok") for l in lines if not l.startswith("(")), out
    assert "progressive JPEG" in lines[0] and "progressive JPEG" in lines[1]
    assert "truncated" in lines[2] and "not a JPEG" in lines[3]
    assert "out has 10 bytes, 24 x 16 x 1 = 384 needed" in lines[8]
    assert "65535 x 65535 pixels need 4294836225 bytes" in lines[13]
    assert lines[14] == "(65535, 65535, 3)"
    assert "8192 x 8192 pixels need 67108864 bytes" in lines[15]
    assert "out must hold ceil(width / scale)" in lines[9]
    # These blamed the size (got None), or were Python's own unpacking errors, or spoke of a model file.
    assert lines[16].endswith("jpeg: scale must be 1, 2, 4, 8 or 'auto', got 2.0")
    assert lines[17].endswith("jpeg: size must be (width, height), positive ints, got (8, 4, 1)")
    assert lines[18].endswith("jpeg: size must be (width, height), positive ints, got 8")
    assert lines[19].startswith("ok OSError") and "jpeg: cannot read 'missing.jpg'" in lines[19]
    assert len(lines) == 20


def test_output_is_allocated_once(tmp_path):
    """read() without out allocates the pixels once (not a bytearray copied into
    an array: twice the bytes, and a MemoryError naming nothing when the second
    copy did not fit)."""
    img = synthetic(200, 150)
    (tmp_path / "g.jpg").write_bytes(pillow_jpeg(img, quality=80))
    out = run("from microlearn import jpeg\nimport gc\n"
              "data = open('g.jpg', 'rb').read()\njpeg.read(data)\n"
              "gc.collect(); gc.disable(); free = gc.mem_free()\n"
              "w, h, px = jpeg.read(data)\n"
              "print(free - gc.mem_free(), len(px), repr(px[:0]), jpeg._native().info(data, 1)[3])\n", tmp_path)
    used, n, kind, work = out.split()
    assert int(n) == 200 * 150 and kind == "array('B')"
    assert int(used) < int(n) + int(work) + 4000, out   # one copy of the pixels, the working area, small objects


def test_matches_host_compiled_in():
    """Firmware with microlearn compiled in (the unix port built with
    device/usermod) holds the decoder as the built-in microlearn_jpeg, which
    microlearn.jpeg uses, with the host's pixels."""
    files = board_files()
    scales = (1, 4)
    script = (f"NAMES = {sorted(files)!r}\nSCALES = {scales!r}\n" + READ_ALL
              + "print('NATIVE', jpeg._native().__name__)\n")
    res = run_target("unix-builtin", script, files=files, timeout=900)
    assert res.returncode == 0, res.output
    check(res.output, files, scales)
    assert "NATIVE microlearn_jpeg" in res.output
