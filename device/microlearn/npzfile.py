# .npz archives (zip of .npy files) on MicroPython, readable and writable by numpy.
#
#   from microlearn import npzfile
#   with npzfile.NpzFile("d.npz") as z:       # stored or deflate members
#       z.files; shape, a = z["x"]; r = z.reader("x")   # r: an npyfile.Reader
#   npzfile.savez("d.npz", x=a, y=(shape, b))  # savez("d.npz", True, ...) deflates
#   with npzfile.NpzWriter("d.npz") as z:      # streaming, member by member
#       with z.writer("x", "h", (1000, 3)) as w: w.write(chunk) ...
#
# Reading a deflate member needs a window of min(32 KB, member size) bytes.
# Writing with compression needs a port whose deflate module can compress.
# Member data is CRC-32 checked as it is read.
import struct

from microlearn.npyfile import Reader, Writer, typecode, _err, _itemsize, _read_full

try:
    from binascii import crc32
except ImportError:
    try:
        from microlearn._arrays import crc32
    except ImportError:
        def crc32(data, crc=0):  # slow fallback, bit by bit
            crc ^= 0xFFFFFFFF
            for b in memoryview(data):
                crc ^= b
                for _ in range(8):
                    crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
            return crc ^ 0xFFFFFFFF


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
        # buf: an array, bytearray or memoryview; n: at most this many bytes.
        isz = _itemsize(buf)
        size = len(buf) * isz
        n = min(size if n is None else n, self._left)
        try:
            got = _read_full(self._f, buf, n)
        except (OSError, EOFError, ValueError, IndexError) as e:
            raise _err(self.name, "corrupt compressed data (%s: %s)" % (type(e).__name__, e))
        self._crc = crc32(buf if got == size else memoryview(buf)[:got // isz], self._crc)
        self._left -= got
        if got < n:
            raise _err(self.name, "data ends early: truncated or corrupt")
        if self._left == 0 and self._crc != self._want:
            raise _err(self.name, "CRC-32 mismatch: data is corrupt")
        return got


class NpzFile:
    """Reads an .npz archive (stored or deflate members). `files` lists the
    array names; z[name] -> (shape, array); z.reader(name) streams one, with a
    file handle of its own (closed with the reader): readers open at the same
    time do not disturb each other."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            try:
                self._members, names = self._directory(f)
            except IndexError:  # a safety net: the fields are checked against what was read
                raise _err(path, "corrupt zip/.npz directory")
        self.files = [n[:-4] if n.endswith(".npy") else n for n in names]  # the archive's order

    def _directory(self, f):
        f.seek(0, 2)
        size = f.tell()
        tail = min(size, 22 + 1024)  # the end record and a comment of up to 1 KB
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
        members, names, p = {}, [], 0
        for _ in range(count):
            if cd[p:p + 4] != _CENTRAL or p + 46 > len(cd):
                raise _err(self.path, "corrupt central directory")
            method, crc = _u16(cd, p + 10), _u32(cd, p + 16)
            csize, usize = _u32(cd, p + 20), _u32(cd, p + 24)
            nlen, xlen, clen = _u16(cd, p + 28), _u16(cd, p + 30), _u16(cd, p + 32)
            off = _u32(cd, p + 42)
            x = p + 46 + nlen
            xend = x + xlen
            if xend + clen > len(cd):
                raise _err(self.path, "corrupt central directory: entry %d runs past its end" % len(members))
            try:
                name = bytes(cd[p + 46:x]).decode()
            except UnicodeError:
                raise _err(self.path, "corrupt central directory: entry %d's name is not UTF-8" % len(members))
            while x + 4 <= xend:  # zip64 extra field: the 0xFFFFFFFF sizes
                tag, ln = _u16(cd, x), _u16(cd, x + 2)
                if tag == 1:
                    q = x + 4
                    for v in (usize, csize, off):
                        if v == 0xFFFFFFFF and (q + 8 > xend or _u32(cd, q + 4)):
                            raise _err(self.path, "zip64 archives over 4 GB are not supported")
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
            if method == 0 and csize != usize:
                raise _err(self.path, "member %r: stored with %d bytes but %d uncompressed" % (name, csize, usize))
            if off + 30 + csize > size:
                raise _err(self.path, "truncated: member %r runs past the end of the file" % name)
            members[name] = (method, crc, csize, usize, off)
            names.append(name)
            p = xend + clen
        return members, names

    def reader(self, key):
        """A Reader streaming the array `key` (its data is CRC-checked as it is
        read), on a file handle of its own: close it (or use `with`)."""
        m = self._members.get(key + ".npy", self._members.get(key))
        if m is None:
            raise KeyError("%s: no array %r (has %s)" % (self.path, key, ", ".join(self.files)))
        method, crc, csize, usize, off = m
        name = "%s[%s]" % (self.path, key)
        f = open(self.path, "rb")
        try:
            f.seek(off)
            h = f.read(30)
            if len(h) < 30 or h[:4] != _LOCAL:
                raise _err(self.path, "member %r: bad local header" % key)
            f.seek(off + 30 + _u16(h, 26) + _u16(h, 28))
            if method == 0:
                return Reader(_Member(f, name, usize, crc), name, f)
            try:
                import deflate
            except ImportError:
                raise OSError("%s: member %r is deflate-compressed and this port has no 'deflate' module"
                              % (self.path, key))
            # zip's deflate may reach back 32 KB: the window needs min(32 KB, member size).
            wbits = 9
            while wbits < 15 and 1 << wbits < usize:
                wbits += 1
            return Reader(_Member(deflate.DeflateIO(f, deflate.RAW, wbits), name, usize, crc), name, f)
        except BaseException:
            f.close()  # Reader closes it on its own failures; closing twice is harmless
            raise

    def __getitem__(self, key):
        with self.reader(key) as r:
            a = r.read()
            if r._f._left:  # header + data shorter than the member: trailing bytes
                raise _err(r.name, "member has %d bytes after the array data" % r._f._left)
            return r.shape, a

    def __contains__(self, key):
        return key in self.files

    def close(self):
        pass  # the directory is read at open; each reader has its own file

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
