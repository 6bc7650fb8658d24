# Baseline JPEG images into pixel arrays a model takes, on MicroPython. The
# decoding is the C++ engine's (native module microlearn._jpeg, ~8 kB); this
# file reads the source, sizes the buffers and resizes.
#
#   from microlearn import jpeg
#   w, h, components = jpeg.info("cat.jpg")       # size; 1 (grayscale) or 3 (colour)
#   w, h, px = jpeg.read("cat.jpg")               # array('B'), grayscale, row by row
#   w, h, px = jpeg.read("cat.jpg", mode="RGB")   # array('B'), R G B per pixel (RGB888)
#   w, h, px = jpeg.read(data, size=(96, 96))     # resized (bilinear; or resize="nearest")
#   w, h, px = jpeg.read(data, size=(96, 96), scale="auto")   # 1/2, 1/4 or 1/8 in the DCT first
#   jpeg.read("cat.jpg", size=(96, 96), out=buf)  # into your array('B') / bytearray
#
# Reads baseline sequential JPEGs (what cameras and most encoders write):
# Huffman-coded, 8-bit, grayscale or YCbCr (RGB with an Adobe marker), any
# integral chroma subsampling (4:4:4, 4:2:2, 4:2:0, 4:1:1, ...), restart
# markers. Progressive, arithmetic-coded, lossless, 12-bit, CMYK and
# multi-scan files raise ValueError naming what they are. Pixels agree with
# Pillow's (libjpeg-turbo) within the tolerances of docs/images.md; grayscale
# from colour is Pillow's convert("L") luma, as microlearn.png computes it.
# scale=2, 4 or 8 decodes at 1/scale of the size by keeping only the low
# frequencies of each 8x8 block: less work and memory than decoding whole and
# resizing; "auto" takes the largest scale that still gives at least `size`.
#
# Memory: the file's bytes (a ROMFS file is used in place), the output, a
# working area of a few kB (tables plus one row of 8x8 or 16x16 blocks: 7 kB
# for a 96x96 4:2:0 image, ~22 kB for 640x480) and, when resizing, the image
# at its decoded size besides the output.
from microlearn import _image


def _native():
    try:
        from microlearn import _jpeg as m
    except ImportError:
        raise ImportError("jpeg: the native module microlearn/_jpeg.mpy is missing: install the microlearn "
                          "package built for this board's architecture (or firmware built with jpeg among "
                          "MICROLEARN_FAMILIES)") from None
    return m


def _data(source):
    """The file's bytes: a path (a ROMFS file in place), bytes-like data, or a stream's content."""
    if isinstance(source, str):
        import microlearn
        try:
            return microlearn._read(source)
        except OSError as e:  # (its message speaks of a model file)
            raise OSError(e.args[0], "jpeg: cannot read %r" % source) from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return source
    return _image.open_source(source).read()


def info(source):
    """(width, height, components) of a JPEG: a path, bytes or a binary
    stream; components is 1 (grayscale) or 3 (colour). ValueError for a file
    this decoder does not read, naming why."""
    w, h, components, _ = _native().info(_data(source), 1)
    return w, h, components


def read(source, mode="L", size=None, resize="bilinear", out=None, scale=1):
    """Decodes a JPEG (a path, bytes or a binary stream) into (width, height,
    pixels): pixels an array('B') of width * height values (mode "L",
    grayscale) or width * height * 3 (mode "RGB", R G B per pixel), row by
    row. scale (1, 2, 4, 8 or "auto") decodes at ceil(size / scale) first;
    size=(width, height) then resizes to it (resize "bilinear" or "nearest");
    out, an array('B') or bytearray of exactly that many bytes, receives the
    pixels (then returned) instead of a new array."""
    ch = _image.check_mode("jpeg", mode, resize)
    data = _data(source)
    native = _native()
    w, h, _, _ = native.info(data, 1)
    if scale == "auto":
        scale = 1
        if size is not None:
            while scale < 8 and -(-w // (2 * scale)) >= size[0] and -(-h // (2 * scale)) >= size[1]:
                scale *= 2
    elif not (isinstance(scale, int) and scale in (1, 2, 4, 8)):
        raise ValueError("jpeg: scale must be 1, 2, 4, 8 or 'auto', got %r" % (scale,))
    sw = -(-w // scale)
    sh = -(-h // scale)
    dw, dh, out = _image.target("jpeg", sw, sh, ch, size, out)
    work = _image.buffer("jpeg", native.info(data, scale)[3], sw, sh)
    if (dw, dh) == (sw, sh):
        native.decode(data, scale, ch, out, work)
    else:
        full = _image.buffer("jpeg", sw * sh * ch, sw, sh)
        native.decode(data, scale, ch, full, work)
        work = None
        _image.resize(full, sw, sh, ch, out, dw, dh, resize == "nearest")
    return dw, dh, out
