"""The engine's baseline JPEG decoder (include/microlearn/image/jpeg.hpp, via
microlearn._engine) against Pillow (libjpeg-turbo) on files cjpeg and Pillow
write: every sampling factor, grayscale, qualities 10..100, odd sizes, restart
intervals; the tolerances docs/images.md states. Unsupported and malformed
files give ValueError naming the cause."""
import io
import struct

import numpy as np
import pytest
from PIL import Image

import microlearn._engine as engine
from jpeg_files import cases, cjpeg, have_cjpeg, photo, pillow_jpeg, reference, synthetic

pytestmark = pytest.mark.skipif(not have_cjpeg(), reason="cjpeg (libjpeg-turbo-progs) is not installed")

# docs/images.md: full-size decode against Pillow, per pixel and channel.
MAX_DIFF = {"L": 2, "RGB": 3}
MEAN_DIFF = {"L": 0.07, "RGB": 0.15}


@pytest.fixture(scope="module")
def files():
    return cases()


def decode(data, mode, scale=1):
    return engine.jpeg_decode(data, scale, 1 if mode == "L" else 3)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_agrees_with_pillow(files, mode):
    total, count = 0.0, 0
    for name, data in files.items():
        got = decode(data, mode).astype(int)
        want = reference(data, mode).astype(int)
        assert got.shape == want.shape, name
        d = np.abs(got - want)
        assert d.max() <= MAX_DIFF[mode], (name, d.max())
        total += d.sum()
        count += d.size
    assert total / count <= MEAN_DIFF[mode], total / count


def test_info(files):
    info = engine.jpeg_info(files["photo_97x61_q90_420"])
    assert (info["width"], info["height"], info["components"]) == (97, 61, 3)
    assert info["sampling"] == [(2, 2), (1, 1), (1, 1)]
    assert engine.jpeg_info(files["syn_37x29_q50_gray"])["components"] == 1
    assert engine.jpeg_info(files["syn_37x29_q50_411"])["sampling"] == [(4, 1), (1, 1), (1, 1)]


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_scaled_decode(files, scale):
    """1/scale in the DCT domain: the size libjpeg gives (ceil), and pixels
    near Pillow's full decode reduced by box averages (the DCT keeps the low
    frequencies, a box average is close to that: docs/images.md)."""
    total, count = 0.0, 0
    for name, data in files.items():
        w, h = Image.open(io.BytesIO(data)).size
        got = decode(data, "L", scale).astype(int)
        assert got.shape == (-(-h // scale), -(-w // scale)), name
        want = reference(data, "L", scale).astype(int)   # floor size: compare the common part
        if "lumasub" in name or not want.size:
            continue
        d = np.abs(got[:want.shape[0], :want.shape[1]] - want)
        assert d.max() <= 40, (name, d.max())
        total += d.sum()
        count += d.size
    assert total / count <= 2.0, total / count


def test_photo_scaled_colour():
    """A real photo at 1/2, 1/4, 1/8 in colour (4:2:0): close to the box-reduced full decode."""
    data = cjpeg(photo(160, 120, 1, (200, 150)), 85, "2x2,1x1,1x1")
    for scale in (2, 4, 8):
        got = decode(data, "RGB", scale).astype(int)
        want = reference(data, "RGB", scale).astype(int)
        d = np.abs(got - want)
        assert d.mean() <= 3.0 and d.max() <= 60, (scale, d.mean(), d.max())


def segments(data):
    """(marker, offset of its payload, payload length) of each segment up to SOS."""
    out = []
    p = 2
    while p < len(data):
        m = data[p + 1]
        n = struct.unpack(">H", data[p + 2:p + 4])[0]
        out.append((m, p + 4, n - 2))
        if m == 0xDA:
            break
        p += 2 + n
    return out


def with_marker(data, old, new):
    """data with the first segment `old` renamed `new`."""
    for m, at, _ in segments(data):
        if m == old:
            b = bytearray(data)
            b[at - 3] = new
            return bytes(b)
    raise AssertionError("no marker %x" % old)


def sof_byte(data, offset, value):
    for m, at, _ in segments(data):
        if m in (0xC0, 0xC1):
            b = bytearray(data)
            b[at + offset] = value
            return bytes(b)
    raise AssertionError("no SOF")


def one_component_scan(data):
    """The scan header rewritten to hold only the first component (as in a non-interleaved file)."""
    for m, at, n in segments(data):
        if m == 0xDA:
            sos = data[at:at + n]
            new = bytes([1]) + sos[1:3] + sos[-3:]
            return data[:at - 2] + struct.pack(">H", len(new) + 2) + new + data[at + n:]
    raise AssertionError("no SOS")


def entropy_start(data):
    m, at, n = segments(data)[-1]
    return at + n


def error_of(data):
    with pytest.raises(ValueError) as e:
        engine.jpeg_decode(data, 1, 3)
    return str(e.value)


def test_unsupported_files_name_what_they_are():
    img = synthetic(40, 24)
    base = cjpeg(img, 75, "2x2,1x1,1x1")
    assert "progressive" in error_of(pillow_jpeg(img, progressive=True))
    assert "arithmetic" in error_of(with_marker(base, 0xC0, 0xC9))
    assert "lossless" in error_of(with_marker(base, 0xC0, 0xC3))
    assert "hierarchical" in error_of(with_marker(base, 0xC0, 0xC5))
    assert "8-bit" in error_of(sof_byte(base, 0, 12))
    cmyk = io.BytesIO()
    img.convert("CMYK").save(cmyk, "JPEG")
    assert "CMYK" in error_of(cmyk.getvalue())
    assert "separate scans" in error_of(one_component_scan(base))
    assert "DNL" in error_of(sof_byte(sof_byte(base, 1, 0), 2, 0))
    assert "non-integral" in error_of(sof_byte(sof_byte(base, 7, 0x31), 10, 0x21))   # Y 3x1, Cb 2x1
    for bad in (with_marker(base, 0xC0, 0xC9), sof_byte(base, 0, 12)):   # info() says it too
        with pytest.raises(ValueError):
            engine.jpeg_info(bad)


def test_malformed_files():
    img = synthetic(40, 24)
    base = cjpeg(img, 75, "2x2,1x1,1x1")
    assert "not a JPEG" in error_of(b"\x89PNG\r\n\x1a\n" + base[2:])
    assert "not a JPEG" in error_of(b"")
    assert "truncated" in error_of(base[:len(base) // 2])
    assert "truncated" in error_of(base[:entropy_start(base) - 5])
    assert "malformed" in error_of(sof_byte(sof_byte(base, 3, 0), 4, 0))        # width 0
    s = entropy_start(base)
    ones = base[:s] + b"\xff\x00" * 64 + base[-2:]    # all-ones codes: no Huffman table holds one
    assert "corrupt" in error_of(ones)
    rst = cjpeg(img, 75, "2x2,1x1,1x1", restart="1B")
    i = rst.index(b"\xff\xd1")
    assert "restart" in error_of(rst[:i] + b"\xff\xd5" + rst[i + 2:])           # RST5 where RST1 belongs
    # huge declared size, little data: an error at once, no hang, no huge work area
    huge = sof_byte(sof_byte(sof_byte(sof_byte(base, 1, 0xFF), 2, 0xFF), 3, 0xFF), 4, 0xFF)
    info = engine.jpeg_info(huge)
    assert (info["width"], info["height"]) == (65535, 65535) and info["work_bytes"] < 2_500_000
    assert "truncated" in error_of(huge)


def test_every_truncation_and_byte_flip_is_an_error_or_an_image():
    """Prefixes of every length and random byte changes: ValueError or pixels, never a crash."""
    data = cjpeg(synthetic(21, 13), 60, "2x1,1x1,1x1", restart="2B")
    for n in range(len(data)):
        try:
            engine.jpeg_decode(data[:n], 1, 3)
        except ValueError:
            pass
    rng = np.random.default_rng(1)
    for _ in range(800):
        b = bytearray(data)
        for i in rng.integers(0, len(b), rng.integers(1, 4)):
            b[i] = rng.integers(0, 256)
        try:
            engine.jpeg_decode(bytes(b), int(rng.choice([1, 2, 4, 8])), int(rng.choice([1, 3])))
        except ValueError:
            pass


def test_arguments():
    data = cjpeg(synthetic(9, 9), 75)
    with pytest.raises(ValueError, match="scale must be 1, 2, 4 or 8"):
        engine.jpeg_decode(data, 3, 3)
    with pytest.raises(ValueError, match="channels must be 1 or 3"):
        engine.jpeg_decode(data, 1, 2)
