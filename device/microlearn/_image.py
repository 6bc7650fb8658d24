# What microlearn.png and microlearn.jpeg share: opening a source, checking
# read()'s arguments, the output array, and resizing decoded pixels.
from array import array


def open_source(source):
    """A binary stream over source: a path, bytes-like data or a stream (returned as is)."""
    if isinstance(source, str):
        return open(source, "rb")
    if isinstance(source, (bytes, bytearray, memoryview)):
        import io
        return io.BytesIO(source)
    return source


def check_mode(name, mode, resize):
    """Channels of mode "L" (1) or "RGB" (3); ValueError for another mode or resize."""
    if mode not in ("L", "RGB"):
        raise ValueError("%s: mode must be 'L' or 'RGB', got %r" % (name, mode))
    if resize not in ("bilinear", "nearest"):
        raise ValueError("%s: resize must be 'bilinear' or 'nearest', got %r" % (name, resize))
    return 3 if mode == "RGB" else 1


def target(name, w, h, ch, size, out):
    """(width, height, out) of read()'s result: size or (w, h), and out checked
    or a new array('B') of that many pixels."""
    try:
        dw, dh = (w, h) if size is None else size
    except (TypeError, ValueError):  # not a pair
        dw = dh = None
    if not (isinstance(dw, int) and isinstance(dh, int) and dw > 0 and dh > 0):
        raise ValueError("%s: size must be (width, height), positive ints, got %r" % (name, size))
    n = dw * dh * ch
    if out is None:
        return dw, dh, _pixels(name, n, dw, dh)
    if not (isinstance(out, bytearray) or (isinstance(out, array) and repr(out[:0]) == "array('B')")):
        raise TypeError("%s: out must be an array('B') or bytearray, got %s" % (name, type(out).__name__))
    if len(out) != n:
        raise ValueError("%s: out has %d bytes, %d x %d x %d = %d needed" % (name, len(out), dw, dh, ch, n))
    return dw, dh, out


def buffer(name, n, w, h):
    """bytearray(n) for w x h pixels, or MemoryError naming the bytes (also
    for sizes past the machine word, which bytearray() calls an OverflowError)."""
    try:
        return bytearray(n)
    except (MemoryError, OverflowError):
        raise MemoryError("%s: %d x %d pixels need %d bytes: more than the heap has free" % (name, w, h, n)) from None


def _pixels(name, n, w, h):
    """array('B') of n zeros, allocated once by microlearn._arrays when the board
    has it (array("B", bytearray(n)) holds twice n for a moment), or MemoryError
    naming the bytes."""
    try:
        try:
            from microlearn._arrays import empty
        except ImportError:
            return array("B", buffer(name, n, w, h))
        return empty("B", n)
    except (MemoryError, OverflowError, ValueError):  # ValueError: n past the machine word
        raise MemoryError("%s: %d x %d pixels need %d bytes: more than the heap has free" % (name, w, h, n)) from None


def _axis(src, dst, nearest):
    """Per output index: (first source index, second source index, weight of the second in 1/256)."""
    out = []
    for x in range(dst):
        if nearest:
            i = (2 * x + 1) * src // (2 * dst)
            out.append((i, i, 0))
            continue
        num = (2 * x + 1) * src - dst        # source position * 2 dst, at pixel centres
        if num <= 0:
            out.append((0, 0, 0))
            continue
        i = num // (2 * dst)
        if i >= src - 1:
            out.append((src - 1, src - 1, 0))
        else:
            out.append((i, i + 1, (num - i * 2 * dst) * 256 // (2 * dst)))
    return out


def resize(src, sw, sh, ch, dst, dw, dh, nearest):
    """src (sw x sh pixels of ch bytes) into dst (dw x dh): bilinear at pixel
    centres, edges clamped, weights in 1/256 steps; or nearest."""
    xs = _axis(sw, dw, nearest)
    ys = _axis(sh, dh, nearest)
    o = 0
    for y0, y1, fy in ys:
        r0 = y0 * sw * ch
        r1 = y1 * sw * ch
        for x0, x1, fx in xs:
            a0 = r0 + x0 * ch
            b0 = r0 + x1 * ch
            a1 = r1 + x0 * ch
            b1 = r1 + x1 * ch
            for c in range(ch):
                top = src[a0 + c] * (256 - fx) + src[b0 + c] * fx
                bottom = src[a1 + c] * (256 - fx) + src[b1 + c] * fx
                dst[o] = (top * (256 - fy) + bottom * fy + 32768) >> 16
                o += 1
