# MicroPython code that runs ON THE DEVICE (never imported on the host).
#
# RamFS: a filesystem in RAM, mountable with vfs.mount(RamFS(), "/"). The rig sends
# this file over the raw REPL, mounts it at "/" and fills it from a bundle that QEMU
# loaded into memory (see harness.py). It implements the vfs protocol that MicroPython
# calls for a mounted Python object: open, stat, ilistdir, mkdir, rmdir, remove,
# rename, chdir, getcwd, statvfs, mount, umount. Files opened by it are io.IOBase
# streams, so `import` can read .py and .mpy files from it.
#
# A file's content is either
#   a memoryview: preloaded, read-only data (no copy; typically the bundle in memory);
#     writing to the file replaces it with a bytearray copy;
#   a bytearray: data written on the device.
# Text mode ("r", "w") encodes and decodes UTF-8; read(n) counts bytes, not chars.

import io

_S_IFDIR = 0x4000
_S_IFREG = 0x8000

_ENOENT = 2
_EBADF = 9
_EEXIST = 17
_ENOTDIR = 20
_EISDIR = 21
_EINVAL = 22
_ENOTEMPTY = 39

_BLOCK = 512  # the block size statvfs reports

_IOCTL_FLUSH = 1
_IOCTL_CLOSE = 4


def _norm(cwd, path):
    """Absolute, normalised path: no '.', '..', '//' or trailing '/'."""
    if not path.startswith("/"):
        path = cwd + "/" + path
    parts = []
    for p in path.split("/"):
        if p == "" or p == ".":
            continue
        if p == "..":
            if parts:
                parts.pop()
        else:
            parts.append(p)
    return "/" + "/".join(parts)


def _split(path):
    """'/a/b' -> ('/a', 'b'); '/a' -> ('/', 'a')."""
    i = path.rfind("/")
    return (path[:i] if i > 0 else "/"), path[i + 1 :]


def _raw_view(buf):
    """A writable byte view of any buffer (bytearray, memoryview, array of any type)."""
    if isinstance(buf, bytearray):
        return buf
    mv = memoryview(buf)
    if len(mv) == 0:
        return mv
    itemsize = len(bytes(mv[:1]))
    if itemsize == 1:
        return mv
    import uctypes

    return uctypes.bytearray_at(uctypes.addressof(buf), len(mv) * itemsize)


class RamFile(io.IOBase):
    def __init__(self, fs, path, mode):
        self._fs = fs
        self._path = path
        self._text = "b" not in mode
        self._readable = "r" in mode or "+" in mode
        self._writable = "r" not in mode or "+" in mode
        self._pos = len(fs._files[path]) if "a" in mode else 0
        self._closed = False

    # -- helpers
    def _data(self):
        if self._closed:
            raise OSError(_EBADF)
        return self._fs._files[self._path]

    def _check(self, ok):
        if self._closed or not ok:
            raise OSError(_EBADF)

    # -- reading
    def readinto(self, buf, nbytes=None):
        # nbytes: at most this many bytes, as MicroPython's own files take it
        self._check(self._readable)
        data = self._data()
        view = _raw_view(buf)
        n = min(len(view), len(data) - self._pos)
        if nbytes is not None:
            n = min(n, nbytes)
        if n <= 0:
            return 0
        view[:n] = memoryview(data)[self._pos : self._pos + n]
        self._pos += n
        return n

    def read(self, size=-1):
        self._check(self._readable)
        data = self._data()
        end = len(data) if size is None or size < 0 else min(len(data), self._pos + size)
        out = bytes(memoryview(data)[self._pos : end]) if end > self._pos else b""
        self._pos = max(self._pos, end)
        return str(out, "utf-8") if self._text else out

    def readline(self, size=-1):
        self._check(self._readable)
        data = self._data()
        end = len(data)
        if size is not None and size >= 0:
            end = min(end, self._pos + size)
        mv = memoryview(data)
        i = self._pos
        while i < end:  # search for b"\n" a chunk at a time
            chunk = bytes(mv[i : min(end, i + 256)])
            k = chunk.find(b"\n")
            if k >= 0:
                i += k + 1
                break
            i += len(chunk)
        out = bytes(mv[self._pos : i])
        self._pos = i
        return str(out, "utf-8") if self._text else out

    def readlines(self):
        lines = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    # -- writing
    def write(self, buf):
        self._check(self._writable)
        if isinstance(buf, str):
            buf = buf.encode("utf-8")
        data = self._data()
        if not isinstance(data, bytearray):  # preloaded, read-only: copy on write
            data = bytearray(data)
            self._fs._files[self._path] = data
        raw = bytes(buf)
        n = len(raw)
        if self._pos == len(data):
            data.extend(raw)
        else:
            if self._pos > len(data):
                data.extend(bytes(self._pos - len(data)))
            tail = max(0, self._pos + n - len(data))
            if tail:
                data.extend(bytes(tail))
            data[self._pos : self._pos + n] = raw
        self._pos += n
        return n

    def flush(self):
        pass

    # -- position
    def seek(self, offset, whence=0):
        self._check(True)
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._data())
        if offset < 0:
            raise OSError(_EINVAL)
        self._pos = offset
        return offset

    def tell(self):
        self._check(True)
        return self._pos

    # -- life cycle
    def close(self):
        self._closed = True

    def ioctl(self, request, arg):
        if request == _IOCTL_CLOSE:
            self._closed = True
            return 0
        if request == _IOCTL_FLUSH:
            return 0
        return -_EINVAL

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RamFS:
    def __init__(self):
        self._files = {}  # absolute path -> memoryview (preloaded) or bytearray
        self._dirs = {"/"}
        self._cwd = "/"

    # -- used by the rig (not part of the vfs protocol)
    def add(self, path, data):
        """Create or replace a file (data: bytes-like; a memoryview is kept, not copied)."""
        path = _norm("/", path)
        self.makedirs(_split(path)[0])
        self._files[path] = data

    def makedirs(self, path):
        path = _norm("/", path)
        parts = path.strip("/").split("/") if path != "/" else []
        cur = ""
        for p in parts:
            cur += "/" + p
            if cur in self._files:
                raise OSError(_ENOTDIR)
            self._dirs.add(cur)

    def contents(self, path):
        """A file's content, not copied (memoryview or bytearray), or None."""
        return self._files.get(_norm(self._cwd, path))

    # -- vfs protocol
    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def _abs(self, path):
        return _norm(self._cwd, path)

    def chdir(self, path):
        path = self._abs(path)
        if path not in self._dirs:
            raise OSError(_ENOENT)
        self._cwd = path

    def getcwd(self):
        return self._cwd

    def ilistdir(self, path):
        path = self._abs(path)
        if path not in self._dirs:
            raise OSError(_ENOTDIR if path in self._files else _ENOENT)
        entries = []
        for d in self._dirs:
            if d != "/" and _split(d)[0] == path:
                entries.append((_split(d)[1], _S_IFDIR, 0, 0))
        for f, data in self._files.items():
            if _split(f)[0] == path:
                entries.append((_split(f)[1], _S_IFREG, 0, len(data)))
        entries.sort()
        return iter(entries)

    def stat(self, path):
        path = self._abs(path)
        if path in self._dirs:
            return (_S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        data = self._files.get(path)
        if data is None:
            raise OSError(_ENOENT)
        return (_S_IFREG, 0, 0, 0, 0, 0, len(data), 0, 0, 0)

    def statvfs(self, path):
        # Files grow into the heap: its free bytes are the filesystem's free
        # space (so code that checks free space, like the Recorder, can run).
        import gc

        used = sum(len(d) for d in self._files.values())
        free = gc.mem_free() // _BLOCK
        return (_BLOCK, _BLOCK, (used + _BLOCK - 1) // _BLOCK + free, free, free, 0, 0, 0, 0, 255)

    def mkdir(self, path):
        path = self._abs(path)
        if path in self._dirs or path in self._files:
            raise OSError(_EEXIST)
        if _split(path)[0] not in self._dirs:
            raise OSError(_ENOENT)
        self._dirs.add(path)

    def rmdir(self, path):
        path = self._abs(path)
        if path not in self._dirs or path == "/":
            raise OSError(_ENOENT if path not in self._files else _ENOTDIR)
        for p in list(self._dirs) + list(self._files):
            if p != path and _split(p)[0] == path:
                raise OSError(_ENOTEMPTY)
        self._dirs.remove(path)

    def remove(self, path):
        path = self._abs(path)
        if path in self._dirs:
            raise OSError(_EISDIR)
        if path not in self._files:
            raise OSError(_ENOENT)
        del self._files[path]

    def rename(self, old, new):
        old, new = self._abs(old), self._abs(new)
        if old not in self._files:
            raise OSError(_ENOENT)  # renaming directories is not supported
        if _split(new)[0] not in self._dirs or new in self._dirs:
            raise OSError(_ENOENT if new not in self._dirs else _EISDIR)
        self._files[new] = self._files.pop(old)

    def open(self, path, mode="r"):
        path = self._abs(path)
        if path in self._dirs:
            raise OSError(_EISDIR)
        if "r" in mode:
            if path not in self._files:
                raise OSError(_ENOENT)
        else:  # "w", "a" or "x" (with or without "+")
            if _split(path)[0] not in self._dirs:
                raise OSError(_ENOENT)
            if "x" in mode and path in self._files:
                raise OSError(_EEXIST)
            if "a" not in mode or path not in self._files:
                self._files[path] = bytearray()
        return RamFile(self, path, mode)
