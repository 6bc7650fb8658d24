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
#   z = npyfile.NpzFile("d.npz"); z.files; shape, a = z["x"]; z.reader("x")
#   npyfile.savez("d.npz", x=a, y=(shape, b)); savez(..., compress=True)
#
# Every dtype an array.array holds: int8..int64, uint8..uint64, float32,
# float64 (bool reads as uint8). Little-endian, C order. Errors are
# ValueError / OSError naming the file and what is wrong.
import array
import struct

_MAGIC = b"\x93NUMPY"
_ALIGN = 64
# numpy kind+size -> array typecode (int64 only where the port has 'q').
_TYPECODES = {"i1": "b", "u1": "B", "b1": "B", "i2": "h", "u2": "H", "i4": "i",
              "u4": "I", "i8": "q", "u8": "Q", "f4": "f", "f8": "d"}
_KINDS = {"b": "i", "B": "u", "h": "i", "H": "u", "i": "i", "I": "u", "l": "i",
          "L": "u", "q": "i", "Q": "u", "f": "f", "d": "f"}

try:
    from binascii import crc32
except ImportError:
    try:
        from microlearn._arrays import crc32
    except ImportError:
        def crc32(data, crc=0):  # slow fallback: 4 bits at a time
            crc ^= 0xFFFFFFFF
            for b in memoryview(data):
                crc ^= b
                for _ in range(8):
                    crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
            return crc ^ 0xFFFFFFFF


def typecode(a):
    """The typecode of an array.array ('B' for bytes, bytearray)."""
    if isinstance(a, (bytes, bytearray)):
        return "B"
    r = repr(a[:0])  # "array('h')": MicroPython arrays have no .typecode
    if not r.startswith("array("):
        raise TypeError("expected an array.array, got %s" % type(a).__name__)
    return r[7]


def _itemsize(a):
    return 1 if isinstance(a, (bytes, bytearray)) else struct.calcsize(typecode(a))


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
    # MicroPython's readinto reads until full or end of file.
    return f.readinto(buf, nbytes) if nbytes else 0


def _field(name, h, key):
    i = h.find("'" + key + "'")
    if i < 0:
        raise _err(name, "npy header has no %r: %r" % (key, h))
    i = h.find(":", i) + 1
    while h[i] == " ":
        i += 1
    return h, i


def _parse_header(name, h):
    h, i = _field(name, h, "descr")
    q = h[i]
    j = h.find(q, i + 1) if q in "'\"" else -1
    if j < 0:
        raise _err(name, "npy header: descr is not a simple dtype string: %r" % h)
    d = h[i + 1:j]
    h, i = _field(name, h, "fortran_order")
    fortran = h.startswith("True", i)
    if not fortran and not h.startswith("False", i):
        raise _err(name, "npy header: bad fortran_order in %r" % h)
    h, i = _field(name, h, "shape")
    j = h.find(")", i)
    if h[i] != "(" or j < 0:
        raise _err(name, "npy header: bad shape in %r" % h)
    try:
        shape = tuple([int(s) for s in h[i + 1:j].split(",") if s.strip()])
    except ValueError:
        raise _err(name, "npy header: bad shape in %r" % h)
    for s in shape:
        if s < 0:
            raise _err(name, "npy header: negative dimension in %r" % h)
    if fortran and len([s for s in shape if s != 1]) > 1:
        raise _err(name, "Fortran-order arrays are not supported; save np.ascontiguousarray(a)")
    return d, shape


def read_header(f, name=None):
    """Reads an .npy header from stream f; returns (typecode, shape, descr)."""
    name = name or _name(f)
    pre = f.read(10)
    if len(pre) < 10 or pre[:6] != _MAGIC:
        raise _err(name, "not an .npy file (bad magic)" if len(pre) >= 6 and pre[:6] != _MAGIC
                   else "truncated .npy header (%d bytes)" % len(pre))
    major = pre[6]
    if major == 1:
        hlen = pre[8] | pre[9] << 8
    elif major in (2, 3):
        more = f.read(2)
        if len(more) < 2:
            raise _err(name, "truncated .npy header")
        hlen = struct.unpack("<I", pre[8:] + more)[0]
    else:
        raise _err(name, ".npy format version %d.%d not supported (1.0 to 3.0)" % (major, pre[7]))
    if hlen > 4096:
        raise _err(name, "npy header of %d bytes is absurd" % hlen)
    h = f.read(hlen)
    if len(h) < hlen:
        raise _err(name, "truncated .npy header: %d of %d bytes" % (len(h), hlen))
    try:
        h = h.decode()
    except UnicodeError:
        raise _err(name, "npy header is not text")
    d, shape = _parse_header(name, h)
    return _typecode(name, d), shape, d


def _new(typecode, n):
    try:
        from microlearn._arrays import empty
        return empty(typecode, n)
    except ImportError:
        return array.array(typecode, bytes(n * struct.calcsize(typecode)))


class Reader:
    """Streams the items of one .npy file (a path or an open binary stream).
    Attributes: shape, typecode, descr, itemsize, size (items), remaining."""

    def __init__(self, source, name=None, _close=None):
        self.name = name or _name(source)
        if isinstance(source, str):
            source = open(source, "rb")
            _close = source
        self._f = source
        self._close = _close
        try:
            self.typecode, self.shape, self.descr = read_header(source, self.name)
        except Exception:
            self.close()
            raise
        self.itemsize = struct.calcsize(self.typecode)
        self.size = self.remaining = _items(self.shape)

    def readinto(self, buf, n=None):
        """Reads up to n (default len(buf)) items into array buf, from its
        start; returns the number read (0 at the end). A file shorter than its
        header says raises ValueError."""
        tc = typecode(buf)
        if tc != self.typecode:
            raise TypeError("%s: buffer typecode %r, file holds %r" % (self.name, tc, self.typecode))
        n = min(len(buf) if n is None else n, self.remaining)
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

    def __exit__(self, *a):
        self.close()


def save(dest, a, shape=None):
    """Writes array a (any typecode but 'u') as an .npy file, shape default (len(a),)."""
    shape = (len(a),) if shape is None else tuple(shape)
    if _items(shape) != len(a):
        raise ValueError("shape %s needs %d items, the array has %d" % (_shape_str(shape), _items(shape), len(a)))
    with Writer(dest, typecode(a), shape) as w:
        w.write(a)


# ---------------------------------------------------------------- .npz (zip)

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"


def _u16(b, i):
    return b[i] | b[i + 1] << 8


def _u32(b, i):
    return b[i] | b[i + 1] << 8 | b[i + 2] << 16 | b[i + 3] << 24


class _Member:
    # The bytes of one zip member: a bounded stream checking the CRC-32 at the end.
    def __init__(self, f, name, size, crc):
        self._f, self.name, self._left, self._crc, self._want = f, name, size, 0, crc

    def read(self, n):
        b = bytearray(n)
        return bytes(b[:self.readinto(b, n)])

    def readinto(self, buf, n=None):
        isz = _itemsize(buf)
        size = len(buf) * isz
        n = min(size if n is None else n, self._left)
        try:
            got = self._f.readinto(buf, n) if n else 0
        except OSError as e:
            raise _err(self.name, "corrupt compressed data (%s)" % e)
        self._crc = crc32(buf if got == size else memoryview(buf)[:got // isz], self._crc)
        self._left -= got
        if got < n:
            raise _err(self.name, "data ends early: truncated or corrupt")
        if self._left == 0 and self._crc != self._want:
            raise _err(self.name, "CRC-32 mismatch: data is corrupt")
        return got


class NpzFile:
    """Reads an .npz archive (stored or deflate members). `files` lists the
    array names; z[name] -> (shape, array); z.reader(name) streams one."""

    def __init__(self, path):
        self.path = path
        self._f = f = open(path, "rb")
        try:
            self._members = self._directory(f)
        except Exception:
            f.close()
            raise
        self.files = [n[:-4] if n.endswith(".npy") else n for n in self._members]

    def _directory(self, f):
        f.seek(0, 2)
        size = f.tell()
        tail = min(size, 22 + 1024)
        f.seek(size - tail)
        b = f.read(tail)
        i = b.rfind(_END)
        if i < 0 or i + 22 > len(b) or i + 22 + _u16(b, i + 20) > len(b):
            raise _err(self.path, "not a zip/.npz file or truncated (no end of central directory)")
        count, cd_size, cd_off = _u16(b, i + 10), _u32(b, i + 12), _u32(b, i + 16)
        if cd_off == 0xFFFFFFFF or count == 0xFFFF:
            raise _err(self.path, "zip64 archives over 4 GB are not supported")
        if cd_off + cd_size > size:
            raise _err(self.path, "truncated: central directory beyond end of file")
        f.seek(cd_off)
        cd = f.read(cd_size)
        members, p = {}, 0
        for _ in range(count):
            if cd[p:p + 4] != _CENTRAL:
                raise _err(self.path, "corrupt central directory")
            method, crc = _u16(cd, p + 10), _u32(cd, p + 16)
            csize, usize = _u32(cd, p + 20), _u32(cd, p + 24)
            nlen, xlen, clen = _u16(cd, p + 28), _u16(cd, p + 30), _u16(cd, p + 32)
            off = _u32(cd, p + 42)
            name = bytes(cd[p + 46:p + 46 + nlen]).decode()
            x = p + 46 + nlen
            xend = x + xlen
            while x + 4 <= xend:  # zip64 extra field: the 0xFFFFFFFF sizes
                tag, ln = _u16(cd, x), _u16(cd, x + 2)
                if tag == 1:
                    q = x + 4
                    if usize == 0xFFFFFFFF:
                        usize, q = _u32(cd, q), q + 8
                    if csize == 0xFFFFFFFF:
                        csize, q = _u32(cd, q), q + 8
                    if off == 0xFFFFFFFF:
                        off = _u32(cd, q)
                x += 4 + ln
            if method not in (0, 8):
                raise _err(self.path, "member %r: compression method %d not supported (stored or deflate)"
                           % (name, method))
            if off + 30 + csize > size:
                raise _err(self.path, "truncated: member %r runs past the end of the file" % name)
            members[name] = (method, crc, csize, usize, off)
            p = xend + clen
        return members

    def reader(self, key):
        """A Reader streaming the array `key` (its data is CRC-checked as it is read)."""
        m = self._members.get(key + ".npy", self._members.get(key))
        if m is None:
            raise KeyError("%s: no array %r (has %s)" % (self.path, key, ", ".join(self.files)))
        method, crc, csize, usize, off = m
        f = self._f
        f.seek(off)
        h = f.read(30)
        if len(h) < 30 or h[:4] != _LOCAL:
            raise _err(self.path, "member %r: bad local header" % key)
        f.seek(off + 30 + _u16(h, 26) + _u16(h, 28))
        name = "%s[%s]" % (self.path, key)
        if method == 0:
            return Reader(_Member(f, name, usize, crc), name)
        try:
            import deflate
        except ImportError:
            raise OSError("%s: member %r is deflate-compressed and this port has no 'deflate' module"
                          % (self.path, key))
        # zip's deflate may reach back 32 KB: the window needs min(32 KB, member size).
        wbits = 9
        while wbits < 15 and 1 << wbits < usize:
            wbits += 1
        return Reader(_Member(deflate.DeflateIO(f, deflate.RAW, wbits), name, usize, crc), name)

    def __getitem__(self, key):
        with self.reader(key) as r:
            a = r.read()
            if r._f._left:  # header + data shorter than the member: trailing bytes
                raise _err(r.name, "member has %d bytes after the array data" % r._f._left)
            return r.shape, a

    def __contains__(self, key):
        return key in self.files

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class _Counter:
    # Counts and CRCs the bytes of one member on their way to f.
    def __init__(self, f):
        self._f, self.n, self.crc = f, 0, 0

    def write(self, b):
        self.crc = crc32(b, self.crc)
        self.n += len(b) if isinstance(b, (bytes, bytearray)) else len(b) * self.isz
        return self._f.write(b)


class NpzWriter:
    """Writes an .npz archive member by member: w.add(name, array, shape) or,
    streaming, `with w.writer(name, typecode, shape) as a: a.write(...)`.
    compress=True deflates (needs a port whose deflate module can compress)."""

    def __init__(self, path, compress=False):
        self.path = path
        self._deflate = None
        if compress:
            try:
                import deflate
                if not hasattr(deflate.DeflateIO, "write"):
                    raise ImportError
            except ImportError:
                raise OSError("%s: this MicroPython cannot compress (deflate.DeflateIO has no write); "
                              "use compress=False" % path)
            self._deflate = deflate
        self._f = open(path, "wb")
        self._dir = []
        self._cur = None

    def writer(self, key, typecode, shape=None):
        if self._cur is not None:
            raise ValueError("%s: finish member %r first" % (self.path, self._cur[0]))
        if shape is None or (len(shape) and shape[0] is None):
            raise ValueError("%s: npz member %r needs its full shape up front" % (self.path, key))
        f = self._f
        name = (key + ".npy").encode()
        off = f.tell()
        f.write(_LOCAL + struct.pack("<HHHHHIIIHH", 20, 0, 8 if self._deflate else 0, 0, 0x21,
                                     0, 0, 0, len(name), 0) + name)
        sink = self._deflate.DeflateIO(f, self._deflate.RAW, 0, False) if self._deflate else None
        count = _Counter(sink or f)
        count.isz = struct.calcsize(typecode)
        self._cur = (key, name, off, f.tell(), count, sink)
        w = Writer(count, typecode, shape, "%s[%s]" % (self.path, key))
        close = w.close

        def finish():
            try:
                close()
            finally:
                self._finish()
        w.close = finish
        return w

    def _finish(self):
        key, name, off, start, count, sink = self._cur
        self._cur = None
        if sink:
            sink.close()
        f = self._f
        end = f.tell()
        meta = struct.pack("<III", count.crc, end - start, count.n)
        f.seek(off + 14)
        f.write(meta)
        f.seek(end)
        self._dir.append((name, off, meta, 8 if sink else 0))

    def add(self, key, a, shape=None):
        shape = (len(a),) if shape is None else tuple(shape)
        with self.writer(key, typecode(a), shape) as w:
            w.write(a)

    def close(self):
        if self._f is None:
            return
        f, self._f = self._f, None
        try:
            start = f.tell()
            for name, off, meta, method in self._dir:
                f.write(_CENTRAL + struct.pack("<HHHHHH", 20, 20, 0, method, 0, 0x21) + meta
                        + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, off) + name)
            f.write(_END + struct.pack("<HHHHIIH", 0, 0, len(self._dir), len(self._dir),
                                       f.tell() - start, start, 0))
        finally:
            f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def savez(path, compress=False, **arrays):
    """Writes arrays given as name=array (1-D) or name=(shape, array)."""
    with NpzWriter(path, compress) as z:
        for k in arrays:
            v = arrays[k]
            if isinstance(v, tuple):
                z.add(k, v[1], v[0])
            else:
                z.add(k, v)
