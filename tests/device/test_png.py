"""microlearn.png on MicroPython against PNGs written on the PC: by Pillow (every
colour type, its own filter choice) and by the writer below (each of the five
row filters on every row, so each filter is exercised alone), pixel-exact
against Pillow's decoding (and convert("L") for grayscale); resizing against a
float bilinear reference and Pillow's nearest; bad files give ValueError."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from mpyrun import run, run_error, run_target

COLOURS = {"L": 0, "LA": 4, "RGB": 2, "RGBA": 6, "P": 3}
SIZE = (13, 7)   # odd width: rows not a multiple of 4 bytes


def sample(mode, seed=0):
    """A Pillow image of `mode` with random pixels (a smooth ramp plus noise, so
    the filters have something to predict)."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "P": 1}[mode]
    ramp = (np.add.outer(np.arange(h) * 9, np.arange(w) * 5)[..., None] + np.arange(channels) * 40)
    a = ((ramp + rng.integers(0, 30, (h, w, channels))) % 256).astype(np.uint8)
    if mode == "P":
        img = Image.fromarray(a[..., 0], "L").convert("P")
        pal = rng.integers(0, 256, 3 * 256, dtype=np.uint8)
        img.putpalette(pal.tobytes())
        return img
    return Image.fromarray(a if channels > 1 else a[..., 0], mode)


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def write_png(img, filt, interlace=0):
    """PNG bytes of a Pillow image with row filter `filt` (0-4) on every row."""
    mode = img.mode
    a = np.asarray(img, np.int32)
    a = a.reshape(a.shape[0], -1)
    bpp = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "P": 1}[mode]
    raw = bytearray()
    prev = np.zeros(a.shape[1], np.int32)
    for row in a:
        left = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]])
        pred = [0, left, prev, (left + prev) // 2, _paeth(left, prev, upleft)][filt]
        raw.append(filt)
        raw += ((row - pred) % 256).astype(np.uint8).tobytes()
        prev = row
    h, w = img.size[1], img.size[0]
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, COLOURS[mode], 0, 0, interlace))
    if mode == "P":
        out += _chunk(b"PLTE", bytes(img.getpalette()[:768]))
    z = zlib.compress(bytes(raw), 9)
    half = len(z) // 2    # two IDAT chunks: the reader must join them
    return out + _chunk(b"IDAT", z[:half]) + _chunk(b"IDAT", z[half:]) + _chunk(b"IEND", b"")


def pillow_png(img):
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def expected(img, mode):
    if img.mode == "I;16":   # Pillow keeps 16-bit grayscale 16-bit: its value >> 8
        v = (np.asarray(img).astype(np.int32) >> 8).astype(np.uint8)
        return (np.repeat(v[..., None], 3, 2) if mode == "RGB" else v).ravel()
    return np.asarray(img.convert("RGB") if mode == "RGB" else img.convert("RGB").convert("L")
                      if img.mode == "P" else img.convert(mode if mode == "RGB" else "L")).ravel()


def cases():
    """name -> (png bytes, Pillow image): Pillow's files and ours with each filter."""
    out = {}
    for mode in COLOURS:
        img = sample(mode, seed=len(out))
        out[f"pil_{mode}.png"] = (pillow_png(img), img)
        for filt in range(5):
            data = write_png(img, filt)
            assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), np.asarray(img))  # our writer is valid
            out[f"f{filt}_{mode}.png"] = (data, img)
    return out


READ_ALL = """
from microlearn import png
import binascii
for name in NAMES:
    for mode in ("L", "RGB"):
        w, h, px = png.read(name, mode=mode)
        print(name, mode, w, h, binascii.hexlify(px).decode())
print("INFO", png.info(NAMES[0]))
"""


def check_output(out, files):
    seen = 0
    for line in out.splitlines():
        if line.startswith("INFO"):
            continue
        name, mode, w, h, hexdata = line.split()
        img = files[name][1]
        assert (int(w), int(h)) == img.size
        got = np.frombuffer(bytes.fromhex(hexdata), np.uint8)
        np.testing.assert_array_equal(got, expected(img, mode), err_msg=f"{name} {mode}")
        seen += 1
    assert seen == 2 * len(files)


def read_all_unix(tmp_path, files):
    """Reads every file on the unix port and checks it; returns the output."""
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
    out = run(f"NAMES = {sorted(files)!r}\n" + READ_ALL, tmp_path)
    check_output(out, files)
    return out


def test_every_colour_type_and_filter_unix(tmp_path):
    assert "INFO (13, 7, 'L')" in read_all_unix(tmp_path, cases())


@pytest.mark.parametrize("target", ["cortex-m0"])
def test_every_colour_type_and_filter_board(target):
    """The same on an emulated board (the decoder is pure Python, so one board
    besides unix stands for the others). Every rig firmware (unix, cortex-m0/
    m3/m4f, rv32, the compiled-in ones and wasm) has `deflate`; one without it
    skips, naming why."""
    files = {k: v for k, v in cases().items() if k.startswith(("f", "pil_P", "pil_RGBA"))}
    res = run_target(target, f"NAMES = {sorted(files)!r}\n" + READ_ALL, files={k: v[0] for k, v in files.items()})
    if "has no `deflate` module" in res.output:   # every rig firmware has it (MicroPython 1.25); a custom one may not
        pytest.skip(f"{target}: this firmware has no deflate module (MICROPY_PY_DEFLATE)")
    assert res.returncode == 0, res.output
    check_output("\n".join(l for l in res.output.splitlines() if ".png" in l or l.startswith("INFO")), files)


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def pack_png(samples, depth, colour, filt, plte=b"", interlace=0):
    """PNG bytes of samples (h, w, channels) ints at `depth` bits (1, 2, 4:
    packed high bits first; 16: big-endian), row filter `filt` on every row;
    interlace=1: Adam7, each pass's sub-image packed and filtered alone."""
    h, w, ch = samples.shape
    raw = bytearray()
    for x0, y0, dx, dy in ADAM7 if interlace else ((0, 0, 1, 1),):
        sub = samples[y0::dy, x0::dx]
        if sub.size:   # an empty pass has no bytes
            raw += filtered_rows(sub, depth, filt)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace))
            + (_chunk(b"PLTE", plte) if plte else b"") + _chunk(b"IDAT", zlib.compress(bytes(raw)))
            + _chunk(b"IEND", b""))


def filtered_rows(samples, depth, filt):
    h, w, ch = samples.shape
    if depth == 16:
        rows = samples.astype(">u2").reshape(h, -1).view(np.uint8).astype(np.int32)
    else:
        bits = ((samples.reshape(h, -1, 1) >> np.arange(depth - 1, -1, -1)) & 1).reshape(h, -1)
        rows = np.packbits(bits.astype(np.uint8), axis=1).astype(np.int32)
    bpp = max(1, ch * depth // 8)
    raw, prev = bytearray(), np.zeros(rows.shape[1], np.int32)
    for row in rows:
        left = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]])
        pred = [0, left, prev, (left + prev) // 2, _paeth(left, prev, upleft)][filt]
        raw += bytes([filt]) + ((row - pred) % 256).astype(np.uint8).tobytes()
        prev = row
    return raw


def depth_cases():
    """name -> (png bytes, Pillow image) at bit depths 1, 2, 4 and 16: Pillow's
    palettes of up to 16 colours (1, 2, 4 bits) and mode "1", and ours:
    grayscale at each depth with each row filter, 16-bit colour types."""
    rng = np.random.default_rng(7)
    w, h = 13, 5      # odd: rows end inside a byte at 1, 2 and 4 bits
    files = {}
    for colours in (2, 4, 16):
        img = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).quantize(colours)
        files[f"p{colours}.png"] = (pillow_png(img), img)
    img = Image.fromarray(rng.integers(0, 2, (h, w), dtype=np.uint8) * 255).convert("1")
    files["one.png"] = (pillow_png(img), img)
    for depth in (1, 2, 4, 16):
        for filt in range(5):
            data = pack_png(rng.integers(0, 1 << depth, (h, w, 1)), depth, 0, filt)
            files[f"g{depth}_{filt}.png"] = (data, Image.open(io.BytesIO(data)))
    for colour, ch in ((2, 3), (4, 2), (6, 4)):   # 16-bit colour: Pillow reads the high bytes
        data = pack_png(rng.integers(0, 1 << 16, (h, w, ch)), 16, colour, colour % 5)
        files[f"c16_{colour}.png"] = (data, Image.open(io.BytesIO(data)))
    return files


def interlaced_cases():
    """Adam7 files (Pillow reads them, it cannot write them): colour types and
    depths with each filter, sizes where some passes are empty (1x1, 3x2, 5x9)."""
    rng = np.random.default_rng(11)
    files = {}
    specs = [(0, 1, 8), (0, 1, 1), (0, 1, 16), (2, 3, 8), (4, 2, 8), (6, 4, 16), (3, 1, 4), (3, 1, 8)]
    for k, (colour, ch, depth) in enumerate(specs):
        for w, h in ((13, 7), (1, 1), (3, 2), (5, 9)):
            filt = (k + w) % 5
            plte = rng.integers(0, 256, 3 << depth, dtype=np.uint8).tobytes() if colour == 3 else b""
            data = pack_png(rng.integers(0, 1 << depth, (h, w, ch)), depth, colour, filt, plte, interlace=1)
            files[f"i{colour}_{depth}_{w}x{h}.png"] = (data, Image.open(io.BytesIO(data)))
    return files


@pytest.mark.parametrize("files", [depth_cases, interlaced_cases])
def test_bit_depths_and_interlaced(tmp_path, files):
    """Pixel-exact against Pillow's decoding; these were refused ("only 8-bit", "interlaced")."""
    read_all_unix(tmp_path, files())


def test_bit_depths_and_interlaced_board():
    files = {k: v for k, v in depth_cases().items() if k[:1] in "poc" or k.endswith("4.png")}
    files.update({k: v for k, v in interlaced_cases().items() if "13x7" in k or "3x2" in k})
    res = run_target("cortex-m0", f"NAMES = {sorted(files)!r}\n" + READ_ALL, files={k: v[0] for k, v in files.items()})
    assert res.returncode == 0, res.output
    check_output("\n".join(l for l in res.output.splitlines() if ".png" in l or l.startswith("INFO")), files)


def bilinear_reference(a, dw, dh):
    """Float bilinear at pixel centres, edges clamped (tf.image.resize's
    "bilinear" without antialiasing, written out)."""
    h, w = a.shape[:2]
    def axis(src, dst):
        s = np.clip((np.arange(dst) + 0.5) * src / dst - 0.5, 0, src - 1)
        i0 = np.floor(s).astype(int)
        return i0, np.minimum(i0 + 1, src - 1), s - i0
    y0, y1, fy = axis(h, dh)
    x0, x1, fx = axis(w, dw)
    a = a.astype(float)
    fx = fx[None, :, None] if a.ndim == 3 else fx[None, :]
    fy = fy[:, None, None] if a.ndim == 3 else fy[:, None]
    top = a[y0][:, x0] * (1 - fx) + a[y0][:, x1] * fx
    bottom = a[y1][:, x0] * (1 - fx) + a[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def test_resize(tmp_path):
    img = sample("RGB", seed=5)
    (tmp_path / "in.png").write_bytes(pillow_png(img))
    sizes = [(16, 16), (5, 3), (13, 7), (28, 9)]
    out = run("from microlearn import png\nimport binascii, array\n"
              f"for size in {sizes!r}:\n"
              "    for mode in ('L', 'RGB'):\n"
              "        for how in ('bilinear', 'nearest'):\n"
              "            buf = array.array('B', bytes(size[0] * size[1] * (3 if mode == 'RGB' else 1)))\n"
              "            w, h, px = png.read('in.png', mode=mode, size=size, resize=how, out=buf)\n"
              "            assert px is buf and (w, h) == size\n"
              "            print(binascii.hexlify(px).decode())\n", tmp_path)
    lines = iter(out.split())
    for dw, dh in sizes:
        for mode in ("L", "RGB"):
            full = np.asarray(img.convert(mode))
            for how in ("bilinear", "nearest"):
                got = np.frombuffer(bytes.fromhex(next(lines)), np.uint8).reshape(full.shape[:0] + (dh, dw) +
                                                                                  full.shape[2:])
                if how == "nearest":   # Pillow's NEAREST takes the same source pixels
                    want = np.asarray(Image.fromarray(full).resize((dw, dh), Image.NEAREST))
                    np.testing.assert_array_equal(got, want, err_msg=f"{mode} {how} {dw}x{dh}")
                else:
                    diff = np.abs(got - bilinear_reference(full, dw, dh)).max()
                    assert diff <= 1.0, (mode, dw, dh, diff)


def test_errors(tmp_path):
    img = sample("L")
    good = write_png(img, 1)
    (tmp_path / "interlace2.png").write_bytes(write_png(img, 0, interlace=2))
    (tmp_path / "truncated.png").write_bytes(good[:-40])
    (tmp_path / "notpng.png").write_bytes(b"GIF89a" + bytes(40))
    three = bytearray(good)
    three[24] = 3          # bit depth field of IHDR
    (tmp_path / "three.png").write_bytes(bytes(three))
    raw = zlib.compress(bytes([7]) + bytes(13) + bytes([0]) * (14 * 6))   # row 0 with filter type 7
    (tmp_path / "badfilter.png").write_bytes(good[:33] + _chunk(b"IDAT", raw) + _chunk(b"IEND", b""))
    garbage = good[:33] + _chunk(b"IDAT", b"\x78\x9c" + bytes(range(7, 250, 3))) + _chunk(b"IEND", b"")
    (tmp_path / "garbage.png").write_bytes(garbage)
    (tmp_path / "nopalette.png").write_bytes(write_png(sample("P"), 0).replace(b"PLTE", b"pLTE"))
    cases = {
        "png.read('garbage.png')": "ValueError: png: corrupt compressed data",
        "png.read('nopalette.png')": "ValueError: png: a palette image needs a PLTE chunk",
        "png.read('interlace2.png')": "ValueError: png: interlace method 2 (0 or 1, Adam7, expected)",
        "png.read('truncated.png')": "ValueError: png: truncated",
        "png.read('notpng.png')": "ValueError: png: not a PNG file",
        "png.read('three.png')": "ValueError: png: 3-bit samples in a L PNG (PNG allows 1, 2, 4, 8, 16)",
        "png.read('badfilter.png')": "ValueError: png: row filter type 7 (0 to 4 expected)",
        "png.read(open('truncated.png','rb').read()[:60])": "ValueError: png: truncated",
        "png.read('interlace2.png', mode='RGBA')": "ValueError: png: mode must be 'L' or 'RGB', got 'RGBA'",
        "png.read('interlace2.png', resize='cubic')": "ValueError: png: resize must be 'bilinear' or 'nearest'",
        "png.read('notpng.png', out=bytearray(3))": "ValueError: png: not a PNG",
    }
    for call, want in cases.items():
        assert run_error(f"from microlearn import png\n{call}\n", tmp_path).startswith(want), call
    (tmp_path / "ok.png").write_bytes(good)
    assert run_error("from microlearn import png\npng.read('ok.png', size=(0, 4))\n", tmp_path).startswith(
        "ValueError: png: size must be (width, height)")
    assert run_error("from microlearn import png\npng.read('ok.png', out=bytearray(5))\n", tmp_path) == \
        "ValueError: png: out has 5 bytes, 13 x 7 x 1 = 91 needed"
    assert run_error("from microlearn import png\nimport array\npng.read('ok.png', out=array.array('h', [0] * 91))\n",
                     tmp_path) == "TypeError: png: out must be an array('B') or bytearray, got array"


def test_small_image_small_heap(tmp_path):
    """The decompressor's window is sized to the image, not the zlib header's
    32 KB: reading a 13x7 PNG into 16x16 allocates under 9 KB (36 KB with the default window)."""
    (tmp_path / "d.png").write_bytes(pillow_png(sample("L")))
    (tmp_path / "big.png").write_bytes(pillow_png(Image.fromarray(np.zeros((200, 200), np.uint8))))
    out = run("from microlearn import png\nimport gc, array\n"
              "out = array.array('B', bytes(256))\n"
              "for name in ('d.png', 'big.png'):\n"
              "    gc.collect(); gc.disable(); free = gc.mem_free()\n"
              "    png.read(name, size=(16, 16), out=out)\n"
              "    print(free - gc.mem_free()); gc.enable()\n", tmp_path)
    small, big = (int(v) for v in out.split())
    assert small < 9000, small
    assert big > 40000, big    # a 40 KB image: the full window (and the image) are needed
