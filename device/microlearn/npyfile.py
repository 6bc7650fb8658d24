# .npy and .npz files on MicroPython, readable and writable by numpy.
#
#   from microlearn import npyfile
#   shape, a = npyfile.load("x.npy")          # a: array.array, C order
#   npyfile.save("y.npy", a, (10, 3))
#
#   with npyfile.Reader("big.npy") as r:       # streaming: files larger than RAM
#       for chunk in r.chunks(256):            # one buffer of 256 items, reused
#           ...
#   with npyfile.Writer("log.npy", "h", (None, 3)) as w:   # first dim counted
#       w.write(samples)
#
# .npz archives: microlearn.npzfile (a separate module: RAM is paid on use).
#
# Every dtype an array.array holds: int8..int64, uint8..uint64, float32,
# float64 (bool reads as uint8). Little-endian, C order (Fortran-order files
# are read whole and reordered). Errors are
# ValueError / OSError naming the file and what is wrong.
import array
import struct
import sys

_MAGIC = b"\x93NUMPY"
_ALIGN = 64
# The largest data size (bytes) and dimension a header may give: what this
# port's machine word holds (2**31 - 1 on 32-bit boards).
_MAX_SIZE = getattr(sys, "maxsize", 0x7FFFFFFF)
# numpy kind+size -> array typecode (int64 only where the port has 'q').
_TYPECODES = {"i1": "b", "u1": "B", "b1": "B", "i2": "h", "u2": "H", "i4": "i",
              "u4": "I", "i8": "q", "u8": "Q", "f4": "f", "f8": "d"}
_KINDS = {"b": "i", "B": "u", "h": "i", "H": "u", "i": "i", "I": "u", "l": "i",
          "L": "u", "q": "i", "Q": "u", "f": "f", "d": "f"}

def typecode(a):
    """The typecode of an array.array ('B' for bytes, bytearray)."""
    if isinstance(a, (bytes, bytearray)):
        return "B"
    r = repr(a[:0])  # "array('h')": MicroPython arrays have no .typecode
    if not r.startswith("array("):
        raise TypeError("expected an array.array, got %s" % type(a).__name__)
    return r[7]


def _itemsize(a):
    if isinstance(a, (bytes, bytearray)):
        return 1
    if isinstance(a, memoryview):  # MicroPython memoryviews have no .itemsize
        return len(bytes(a[:1])) if len(a) else 1
    return struct.calcsize(typecode(a))


def _name(f):
    return f if isinstance(f, str) else getattr(f, "name", "<stream>")


def _err(name, msg):
    return ValueError("%s: %s" % (name, msg))


def descr(typecode):
    """numpy dtype string ('<f4', '|u1', ...) of an array typecode."""
    kind = _KINDS.get(typecode)
    if kind is None:
        raise ValueError("typecode %r cannot be saved (use one of bBhHiIlLqQfd)" % typecode)
    size = struct.calcsize(typecode)
    return ("|" if size == 1 else "<") + kind + str(size)


def _typecode(name, d):
    if d[0] == ">" and d[2:] != "1":
        raise _err(name, "dtype %r is big-endian; save it little-endian (e.g. arr.astype('<%s'))" % (d, d[1:]))
    tc = _TYPECODES.get(d[1:]) if d[:1] in "<|=" else None
    if tc is None:
        raise _err(name, "dtype %r not supported (supported: int8..int64, uint8..uint64, float32, float64)" % d)
    try:
        array.array(tc)
    except ValueError:
        raise _err(name, "dtype %r needs array typecode %r, which this MicroPython lacks" % (d, tc))
    return tc


def _items(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _shape_str(shape):
    if len(shape) == 1:
        return "(%d,)" % shape[0]
    return "(" + ", ".join([str(s) for s in shape]) + ")"


def _header(typecode, shape, total=0):
    # total: pad to exactly this many bytes (to rewrite a header in place).
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr(typecode), _shape_str(shape))
    n = 10 + len(h) + 1
    h += " " * ((total - n) if total else (-n) % _ALIGN) + "\n"
    return _MAGIC + b"\x01\x00" + struct.pack("<H", len(h)) + h.encode()


def _read_full(f, buf, nbytes):
    # Reads nbytes (whole items) into the start of buf; returns the bytes read,
    # fewer only at the end of the stream. Works with any readinto(buf): MicroPython's
    # files fill the buffer in one call, other streams may need several.
    isz = _itemsize(buf)
    mv = memoryview(buf)
    n = nbytes // isz
    total = 0
    while total < nbytes:
        k = total // isz
        got = f.readinto(buf if k == 0 and n == len(buf) else mv[k:n])
        if not got:
            break
        total += got
        part = total % isz
        if part:  # the stream stopped inside an item: finish it byte-wise
            more = _read(f, isz - part)
            if len(more) < isz - part:
                return total - part
            k = total // isz
            buf[k] = struct.unpack("<" + typecode(buf), bytes(mv[k:k + 1])[:part] + more)[0]
            total += len(more)
    return total


def _read(f, n):
    # f.read(n), continued across short reads (fewer bytes only at the end).
    b = f.read(n) or b""
    while len(b) < n:
        more = f.read(n - len(b))
        if not more:
            break
        b += more
    return b


def _field(name, h, key):
    # Index of the value of 'key' in header h.
    i = h.find("'" + key + "'")
    if i < 0:  # other writers quote the keys with "
        i = h.find('"' + key + '"')
    j = h.find(":", i) if i >= 0 else -1
    if j < 0:
        raise _err(name, "npy header has no %r: %r" % (key, h))
    j += 1
    while h[j:j + 1] == " ":
        j += 1
    return j


def _parse_header(name, h):
    i = _field(name, h, "descr")
    q = h[i:i + 1]
    j = h.find(q, i + 1) if q in ("'", '"') else -1
    if j < 0:
        raise _err(name, "npy header: descr is not a simple dtype string: %r" % h)
    d = h[i + 1:j]
    if len(d) < 3:
        raise _err(name, "dtype %r not supported (supported: int8..int64, uint8..uint64, float32, float64)" % d)
    i = _field(name, h, "fortran_order")
    fortran = h.startswith("True", i)
    if not fortran and not h.startswith("False", i):
        raise _err(name, "npy header: bad fortran_order in %r" % h)
    i = _field(name, h, "shape")
    j = h.find(")", i)
    if h[i:i + 1] != "(" or j < 0:
        raise _err(name, "npy header: bad shape in %r" % h)
    try:
        # "3L": a long int as numpy under Python 2 wrote it
        shape = tuple([int(s.strip().rstrip("L")) for s in h[i + 1:j].split(",") if s.strip()])
    except (ValueError, OverflowError):
        raise _err(name, "npy header: bad shape in %r" % h)
    for s in shape:
        if s < 0:
            raise _err(name, "npy header: negative dimension in %r" % h)
        if s > _MAX_SIZE:
            raise _err(name, "npy header: dimension %d in %r is absurd (over %d)" % (s, h, _MAX_SIZE))
    # Fortran order matters with two dimensions above 1 (np.save of a.T or of a pandas frame's values).
    return d, shape, fortran and len([s for s in shape if s != 1]) > 1


_FORTRAN = ("a Fortran-order array (the first index fastest) is read whole, by load() or read(), "
            "which return C order; or save np.ascontiguousarray(a)")


def read_header(f, name=None):
    """Reads an .npy header from stream f; returns (typecode, shape, descr).
    A Fortran-order array is a ValueError (Reader and load() read those)."""
    name = name or _name(f)
    tc, shape, d, fortran = _read_header(f, name)
    if fortran:
        raise _err(name, _FORTRAN)
    return tc, shape, d


def _read_header(f, name):
    # (typecode, shape, descr, Fortran order)
    pre = _read(f, 10)
    if len(pre) < 10 or pre[:6] != _MAGIC:
        raise _err(name, "not an .npy file (bad magic)" if len(pre) >= 6 and pre[:6] != _MAGIC
                   else "truncated .npy header (%d bytes)" % len(pre))
    major = pre[6]
    if major == 1:
        hlen = pre[8] | pre[9] << 8
    elif major in (2, 3):
        more = _read(f, 2)
        if len(more) < 2:
            raise _err(name, "truncated .npy header")
        hlen = struct.unpack("<I", pre[8:] + more)[0]
    else:
        raise _err(name, ".npy format version %d.%d not supported (1.0 to 3.0)" % (major, pre[7]))
    if hlen > 4096:
        raise _err(name, "npy header of %d bytes is absurd" % hlen)
    h = _read(f, hlen)
    if len(h) < hlen:
        raise _err(name, "truncated .npy header: %d of %d bytes" % (len(h), hlen))
    try:
        h = h.decode()
    except UnicodeError:
        raise _err(name, "npy header is not text")
    d, shape, fortran = _parse_header(name, h)
    return _typecode(name, d), shape, d, fortran


def _available(f):
    # Bytes left in stream f (an npz member knows; a seekable file is asked),
    # or None when it cannot tell.
    left = getattr(f, "_left", None)
    if left is not None:
        return left
    try:
        here = f.tell()
        f.seek(0, 2)
        end = f.tell()
        f.seek(here)
        return end - here
    except (AttributeError, OSError):
        return None


def _c_order(a, shape):
    """The items of a, stored with the first index fastest, in C order (a new array)."""
    out = _new(typecode(a), len(a))
    strides = [_items(shape[k + 1:]) for k in range(len(shape))]
    index = [0] * len(shape)
    o = 0
    for v in a:
        out[o] = v
        for k in range(len(shape)):  # the next index, the first one fastest
            index[k] += 1
            o += strides[k]
            if index[k] < shape[k]:
                break
            index[k] = 0
            o -= strides[k] * shape[k]
    return out


def _new(typecode, n):
    try:
        from microlearn._arrays import empty
        return empty(typecode, n)
    except ImportError:
        return array.array(typecode, bytes(n * struct.calcsize(typecode)))


class Reader:
    """Streams the items of one .npy file (a path or an open binary stream).
    Attributes: shape, typecode, descr, itemsize, size (items), remaining.
    A Fortran-order file is read whole (read()), in C order."""

    def __init__(self, source, name=None, _close=None):
        self.name = name or _name(source)
        if isinstance(source, str):
            source = open(source, "rb")
            _close = source
        self._f = source
        self._close = _close
        try:
            self.typecode, self.shape, self.descr, self._fortran = _read_header(source, self.name)
            self.itemsize = struct.calcsize(self.typecode)
            self.size = self.remaining = _items(self.shape)
            self._check_size(source)
        except Exception:
            self.close()
            raise

    def _check_size(self, source):
        # The data must fit the port's word and the bytes the stream holds.
        nbytes = self.size * self.itemsize
        what = "shape %s of %s" % (_shape_str(self.shape), self.descr)
        if nbytes > _MAX_SIZE:
            raise _err(self.name, "%s is %d bytes: absurd (over %d)" % (what, nbytes, _MAX_SIZE))
        avail = _available(source)
        if avail is not None and avail < nbytes:
            raise _err(self.name, "truncated: %s needs %d bytes of data, the file holds %d"
                       % (what, nbytes, avail))

    def readinto(self, buf, n=None):
        """Reads up to n (default len(buf)) items into array buf, from its
        start; returns the number read (0 at the end). A file shorter than its
        header says raises ValueError."""
        if self._fortran:
            raise _err(self.name, _FORTRAN)
        tc = typecode(buf)
        if tc != self.typecode:
            raise TypeError("%s: buffer typecode %r, file holds %r" % (self.name, tc, self.typecode))
        if n is None:
            n = len(buf)
        elif not 0 <= n <= len(buf):
            raise ValueError("readinto: n=%d is not in 0..len(buf) (%d items)" % (n, len(buf)))
        n = min(n, self.remaining)
        got = _read_full(self._f, buf, n * self.itemsize)
        if got != n * self.itemsize:
            done = self.size - self.remaining
            raise _err(self.name, "truncated: expected %d items of %s, file ends after %d"
                       % (self.size, self.descr, done + got // self.itemsize))
        self.remaining -= n
        return n

    def read(self, n=None):
        """Returns the next n items (default: all the rest) as a new array."""
        n = self.remaining if n is None else min(n, self.remaining)
        a = _new(self.typecode, n)
        if self._fortran and n == self.size:
            self._fortran = False  # the whole array, in the file's order, then reordered
            self.readinto(a)
            return _c_order(a, self.shape)
        self.readinto(a)
        return a

    def chunks(self, n):
        """Yields arrays of up to n items; the same buffer each time (the last
        chunk is a shorter copy)."""
        buf = _new(self.typecode, min(n, self.remaining))
        while self.remaining:
            k = self.readinto(buf)
            yield buf if k == len(buf) else buf[:k]

    def close(self):
        if self._close is not None:
            self._close.close()
            self._close = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def load(source):
    """Reads a whole .npy file; returns (shape, array)."""
    with Reader(source) as r:
        return r.shape, r.read()


class Writer:
    """Writes an .npy file item by item. shape may start with None: that
    dimension is counted from what was written and filled in at close()."""

    def __init__(self, dest, typecode, shape=None, name=None):
        self.name = name or _name(dest)
        self.typecode = typecode
        self.shape = (None,) if shape is None else tuple(shape)
        self._open = len(self.shape) > 0 and self.shape[0] is None
        self._row = _items(self.shape[1:])
        self.count = 0
        self._f = open(dest, "wb") if isinstance(dest, str) else dest
        self._own = isinstance(dest, str)
        self._start = self._f.tell() if self._open else 0
        head = _header(typecode, (0,) + self.shape[1:] if self._open else self.shape)
        if self._open:  # room for the first dimension's digits, written at close()
            head = _header(typecode, (0,) + self.shape[1:], len(head) + _ALIGN)
        self._hlen = len(head)
        self._f.write(head)

    def write(self, a, n=None):
        """Appends the first n (default all) items of array a."""
        tc = typecode(a)
        if tc != self.typecode:
            raise TypeError("%s: array typecode %r, file holds %r" % (self.name, tc, self.typecode))
        n = len(a) if n is None else n
        self._f.write(a if n == len(a) else memoryview(a)[:n])
        self.count += n

    def close(self):
        if self._f is None:
            return
        f, self._f = self._f, None
        try:
            if self._open:
                if self.count % self._row:
                    raise _err(self.name, "%d items written, not a multiple of a row (%d)" % (self.count, self._row))
                self.shape = (self.count // self._row,) + self.shape[1:]
                head = _header(self.typecode, self.shape, self._hlen)
                end = f.tell()
                f.seek(self._start)
                f.write(head)
                f.seek(end)
            elif self.count != _items(self.shape):
                raise _err(self.name, "shape %s needs %d items, %d written"
                           % (_shape_str(self.shape), _items(self.shape), self.count))
        finally:
            if self._own:
                f.close()

    def __enter__(self):
        return self

    def __exit__(self, exc, *a):
        if exc is None:
            self.close()
        elif self._f is not None:  # an error is on its way: no checks that would hide it
            f, self._f = self._f, None
            if self._own:
                f.close()


def save(dest, a, shape=None):
    """Writes array a (any typecode but 'u') as an .npy file, shape default (len(a),)."""
    shape = (len(a),) if shape is None else tuple(shape)
    if _items(shape) != len(a):
        raise ValueError("shape %s needs %d items, the array has %d" % (_shape_str(shape), _items(shape), len(a)))
    with Writer(dest, typecode(a), shape) as w:
        w.write(a)
