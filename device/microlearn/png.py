# PNG images into pixel arrays a model takes, on MicroPython (pure Python; the
# decompression is MicroPython's built-in `deflate` module).
#
#   from microlearn import png
#   w, h, colour = png.info("digit.png")         # size and "L" / "LA" / "RGB" / "RGBA" / "P"
#   w, h, px = png.read("digit.png")             # array('B'), grayscale, row by row
#   w, h, px = png.read("cat.png", mode="RGB")   # array('B'), R G B per pixel (RGB888)
#   w, h, px = png.read(data, size=(16, 16))     # resized (bilinear; or resize="nearest")
#   png.read("digit.png", size=(16, 16), out=buf)  # into your array('B') / bytearray
#
# Reads PNGs of every colour type: grayscale, grayscale + alpha, RGB, RGBA and
# palette, at every bit depth PNG allows (1, 2, 4 bits: grayscale scaled to
# 0..255 and palette indices, as Pillow writes palettes of up to 16 colours
# and mode "1"; 16 bits: the high byte of each sample); plain or interlaced
# (Adam7); all five row filters. Alpha (and a tRNS chunk) is ignored: the
# colour values as stored, no blending. Grayscale from colour is the ITU-R BT.601
# luma Pillow's convert("L") computes: (19595 R + 38470 G + 7471 B + 32768)
# >> 16. Bilinear resize samples at pixel centres (edges clamped) with
# weights in 1/256 steps: within 1 level of float bilinear (TensorFlow's
# tf.image.resize, antialias off). Nearest takes source pixel floor((x + 0.5)
# * src / dst) on each axis. Chunk CRCs are not checked; a truncated or
# malformed file raises ValueError naming what is wrong.
#
# Memory: the compressed data, two rows, the decompressor's window (the
# decoded size rounded up to a power of two, 256 bytes to 32 KB) and (when
# resizing) the full-size decoded image besides the output.
import struct

from microlearn import _image

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}      # colour type -> samples per pixel
_COLOUR = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}  # the PNG spec's


def _luma(r, g, b):
    return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16


def _chunks(f):
    """(type, data) of each chunk up to IEND."""
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError("png: truncated file (no IEND chunk)")
        n, kind = struct.unpack(">I4s", head)
        data = f.read(n)
        if len(data) < n or len(f.read(4)) < 4:
            raise ValueError("png: truncated %s chunk (%d bytes expected)" % (kind.decode(), n))
        yield kind, data
        if kind == b"IEND":
            return


def _header(f):
    if f.read(8) != _SIGNATURE:
        raise ValueError("png: not a PNG file (no PNG signature)")
    chunks = _chunks(f)
    kind, data = next(chunks)
    if kind != b"IHDR" or len(data) != 13:
        raise ValueError("png: the first chunk must be a 13-byte IHDR, got %s" % kind.decode())
    w, h, depth, colour, method, filt, interlace = struct.unpack(">IIBBBBB", data)
    if w == 0 or h == 0:
        raise ValueError("png: image size %d x %d" % (w, h))
    if colour not in _CHANNELS:
        raise ValueError("png: colour type %d is not one PNG defines (0, 2, 3, 4, 6)" % colour)
    if depth not in _DEPTHS[colour]:
        raise ValueError("png: %d-bit samples in a %s PNG (PNG allows %s)"
                         % (depth, _COLOUR[colour], ", ".join([str(d) for d in _DEPTHS[colour]])))
    if method != 0 or filt != 0:
        raise ValueError("png: compression method %d / filter method %d (0 expected)" % (method, filt))
    if interlace > 1:
        raise ValueError("png: interlace method %d (0 or 1, Adam7, expected)" % interlace)
    return w, h, colour, depth, interlace, chunks


def info(source):
    """(width, height, colour) of a PNG: a path, bytes or a binary stream;
    colour is "L", "LA", "RGB", "RGBA" or "P" (palette)."""
    f = _image.open_source(source)
    try:
        w, h, colour = _header(f)[:3]
    finally:
        if f is not source:
            f.close()
    return w, h, _COLOUR[colour]


def _unfilter(kind, row, prev, bpp, n):
    """Undoes one row's filter in place: row[bpp:bpp + n] (row[:bpp] and prev[:bpp] are zeros)."""
    end = bpp + n
    if kind == 1:
        for i in range(bpp, end):
            row[i] = (row[i] + row[i - bpp]) & 255
    elif kind == 2:
        for i in range(bpp, end):
            row[i] = (row[i] + prev[i]) & 255
    elif kind == 3:
        for i in range(bpp, end):
            row[i] = (row[i] + ((row[i - bpp] + prev[i]) >> 1)) & 255
    elif kind == 4:
        for i in range(bpp, end):
            a = row[i - bpp]
            b = prev[i]
            c = prev[i - bpp]
            pa = b - c
            pb = a - c
            pc = pa + pb
            pa = -pa if pa < 0 else pa
            pb = -pb if pb < 0 else pb
            pc = -pc if pc < 0 else pc
            if pa <= pb and pa <= pc:
                p = a
            elif pb <= pc:
                p = b
            else:
                p = c
            row[i] = (row[i] + p) & 255
    elif kind != 0:
        raise ValueError("png: row filter type %d (0 to 4 expected)" % kind)


def _samples(row, bpp, depth, scale, dst):
    """Unpacks a row of 1/2/4-bit (times scale) or 16-bit (high byte) samples
    at row[bpp:] into one byte per sample in dst."""
    if depth == 16:
        for k in range(len(dst)):
            dst[k] = row[bpp + 2 * k]
        return
    per = 8 // depth
    mask = (1 << depth) - 1
    for k in range(len(dst)):
        dst[k] = (row[bpp + k // per] >> (8 - depth - depth * (k % per)) & mask) * scale


def _read_full(stream, buf):
    """Fills buf from the decompressor; False when the data end first."""
    got = 0
    n = len(buf)
    buf = memoryview(buf)
    while got < n:
        k = stream.readinto(buf[got:])
        if not k:
            return False
        got += k
    return True


def _decode(f, w, h, colour, depth, interlace, chunks, mode, dst):
    """Decodes the image data into dst (w * h * (1 or 3) bytes)."""
    try:
        import deflate
    except ImportError:
        raise ImportError("png: this firmware has no `deflate` module (MICROPY_PY_DEFLATE); "
                          "PNG decoding needs it") from None
    import io
    palette = None
    data = bytearray()
    for kind, chunk in chunks:
        if kind == b"PLTE":
            palette = chunk
        elif kind == b"IDAT":
            data.extend(chunk)
    if not data:
        raise ValueError("png: no IDAT (image data) chunk")
    if colour == 3:
        if palette is None or len(palette) % 3 or not palette:
            raise ValueError("png: a palette image needs a PLTE chunk of 1 to 256 RGB entries")
        entries = len(palette) // 3
        if mode == "L":  # one luma byte per entry
            palette = bytes(_luma(palette[3 * i], palette[3 * i + 1], palette[3 * i + 2])
                            for i in range(entries))
    ch = _CHANNELS[colour]
    bpp = max(1, ch * depth // 8)    # the filters' unit: bytes per pixel, at least 1
    # Samples of other depths are unpacked to one byte each (grayscale scaled to 0..255).
    scale = 255 // ((1 << depth) - 1) if colour == 0 and depth < 8 else 1
    # Adam7's passes (x0, y0, dx, dy), each a small image of its own with
    # its rows filtered from a zero row; a plain PNG is one such pass.
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    # The decompressor's window: no back-reference reaches past the start of
    # the data, so 2**wbits >= its size is enough (the default, the zlib
    # header's, is 32 KB whatever the image's size).
    size = 0
    for x0, y0, dx, dy in passes:
        pw = (w - x0 + dx - 1) // dx
        size += (h - y0 + dy - 1) // dy * ((pw * ch * depth + 7) // 8 + 1) if pw > 0 else 0
    wbits = 8
    while wbits < 15 and (1 << wbits) < size:
        wbits += 1
    stream = deflate.DeflateIO(io.BytesIO(data), deflate.ZLIB, wbits)
    rgb = mode == "RGB"
    out_ch = 3 if rgb else 1
    filt = bytearray(1)
    try:
        for x0, y0, dx, dy in passes:
            pw = (w - x0 + dx - 1) // dx
            if pw <= 0 or y0 >= h:
                continue  # an empty pass has no bytes, not even filter types
            n = (pw * ch * depth + 7) // 8    # bytes per row
            row = bytearray(bpp + n)
            prev = bytearray(bpp + n)
            px = None if depth == 8 else bytearray(pw * ch)
            src, off = px, 0
            for y in range(y0, h, dy):
                body = memoryview(row)[bpp:]
                if not (_read_full(stream, filt) and _read_full(stream, body)):
                    raise ValueError("png: the image data end at row %d of %d" % (y, h))
                _unfilter(filt[0], row, prev, bpp, n)
                if px is None:
                    src, off = row, bpp
                else:
                    _samples(row, bpp, depth, scale, px)
                _pixels(src, off, pw, ch, colour, rgb, palette, dst, (y * w + x0) * out_ch, dx * out_ch)
                row, prev = prev, row
    except OSError as e:
        raise ValueError("png: corrupt compressed data (%s)" % e) from None


def _pixels(src, off, n, ch, colour, rgb, palette, dst, o, step):
    """n pixels of ch samples at src[off:] into dst (grayscale or RGB) from o,
    one every step bytes."""
    end = off + n * ch
    if colour == 0 or colour == 4:
        for i in range(off, end, ch):
            v = src[i]
            if rgb:
                dst[o] = dst[o + 1] = dst[o + 2] = v
            else:
                dst[o] = v
            o += step
    elif colour == 3:
        entries = len(palette) // (3 if rgb else 1)
        for i in range(off, end):
            k = src[i]
            if k >= entries:
                raise ValueError("png: palette index %d, the palette has %d entries" % (k, entries))
            if rgb:
                dst[o] = palette[3 * k]
                dst[o + 1] = palette[3 * k + 1]
                dst[o + 2] = palette[3 * k + 2]
            else:
                dst[o] = palette[k]
            o += step
    else:
        for i in range(off, end, ch):
            if rgb:
                dst[o] = src[i]
                dst[o + 1] = src[i + 1]
                dst[o + 2] = src[i + 2]
            else:
                dst[o] = _luma(src[i], src[i + 1], src[i + 2])
            o += step


def read(source, mode="L", size=None, resize="bilinear", out=None):
    """Decodes a PNG (a path, bytes or a binary stream) into (width, height,
    pixels): pixels an array('B') of width * height values (mode "L",
    grayscale) or width * height * 3 (mode "RGB", R G B per pixel), row by row.
    size=(width, height) resizes to it (resize "bilinear" or "nearest"); out,
    an array('B') or bytearray of exactly that many bytes, receives the pixels
    (then returned) instead of a new array."""
    ch = _image.check_mode("png", mode, resize)
    f = _image.open_source(source)
    try:
        w, h, colour, depth, interlace, chunks = _header(f)
        dw, dh, out = _image.target("png", w, h, ch, size, out)
        if (dw, dh) == (w, h):
            _decode(f, w, h, colour, depth, interlace, chunks, mode, out)
        else:
            full = _image.buffer("png", w * h * ch, w, h)
            _decode(f, w, h, colour, depth, interlace, chunks, mode, full)
            _image.resize(full, w, h, ch, out, dw, dh, resize == "nearest")
    finally:
        if f is not source:
            f.close()
    return dw, dh, out
