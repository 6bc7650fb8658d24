# Records labelled, fixed-size windows of sensor samples to .npy files on flash.
#
#   from microlearn.recorder import Recorder
#   rec = Recorder("/rec", window=128, channels=3, typecode="h",
#                  max_files=200, keep_free=64 * 1024)
#   rec.label = "walk"
#   while ...:
#       rec.append((ax, ay, az))            # one sample; or:
#       rec.extend(samples)                 # an array of whole samples, interleaved
#       rec.extend_bytes(fifo, "<h")        # raw int16/int32 sensor bytes (needs _arrays)
#
# Each full window becomes <dir>/w<seq>_<label>.npy, shape (window, channels),
# written under a temporary name and renamed when complete: a power cut leaves
# no half-written recording (a leftover temporary file is removed at start).
# The folder is a ring: before each write the oldest recordings are deleted
# while there are max_files of them, while they would exceed max_bytes, or
# while the filesystem would keep less than keep_free bytes free. On the PC,
# `microlearn dataset` turns the folder into (X, y) for scikit-learn.
# Nothing is allocated per sample; a window costs one file write.
import array
import os

from microlearn import npyfile

_PARTIAL = "w_partial.tmp"  # the window being written; never matches a recording's name


def _size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return 0


class Recorder:
    def __init__(self, folder, window, channels=1, typecode="h", label=None,
                 max_files=100, max_bytes=None, keep_free=16 * 1024):
        if window < 1 or channels < 1:
            raise ValueError("window and channels must be >= 1")
        self.folder = folder.rstrip("/") or "/"
        self.window, self.channels, self.typecode = window, channels, typecode
        self.max_files, self.max_bytes, self.keep_free = max_files, max_bytes, keep_free
        self._buf = array.array(typecode, bytes(window * channels * npyfile._itemsize(array.array(typecode))))
        self._n = 0  # items in the current window
        self.label = label
        try:
            os.mkdir(self.folder)
        except OSError:
            pass  # exists
        self._partial = self._path(_PARTIAL)
        _remove(self._partial)  # left by a power cut during a write
        # The ring: (seq, name) of the recordings already there, oldest first.
        ring = []
        for name in os.listdir(self.folder):
            seq = _seq(name)
            if seq is not None:
                ring.append((seq, name))
        ring.sort()
        self._ring = ring
        self._seq = ring[-1][0] + 1 if ring else 0
        self._bytes = 0
        for _, name in ring:
            self._bytes += _size(self._path(name))
        self.file_size = len(npyfile._header(typecode, (window, channels))) + len(self._buf) * \
            npyfile._itemsize(self._buf)
        self.written = []  # the last few paths written (at most 8)

    @property
    def label(self):
        return self._label

    @label.setter
    def label(self, label):
        if label is not None:
            label = str(label)
            for c in label:
                if not (c.isalpha() or c.isdigit() or c in "-_."):
                    raise ValueError("label %r: use letters, digits, '-', '_' and '.' only" % label)
            if not label:
                raise ValueError("empty label")
        self._label = label
        self._n = 0  # a window never mixes labels

    def _path(self, name):
        return self.folder + "/" + name

    def files(self):
        """Paths of the recordings in the ring, oldest first."""
        return [self._path(n) for _, n in self._ring]

    def free_bytes(self):
        """Free bytes on the recordings' filesystem (None if unknown)."""
        try:
            st = os.statvfs(self.folder)
            return st[1] * st[4]  # fragment size * blocks available
        except (AttributeError, OSError):
            return None

    def append(self, sample):
        """Adds one sample (channels values); returns the path when it completes a window."""
        if len(sample) != self.channels:
            raise ValueError("sample has %d values, expected %d channels" % (len(sample), self.channels))
        buf, n = self._buf, self._n
        for v in sample:
            buf[n] = v
            n += 1
        self._n = n
        return self._flush() if n == len(buf) else None

    def extend(self, samples):
        """Adds whole samples from an array of the recorder's typecode (channels
        interleaved); returns the number of windows completed."""
        n = len(samples)
        if n % self.channels:
            raise ValueError("%d values is not a whole number of %d-channel samples" % (n, self.channels))
        if npyfile.typecode(samples) != self.typecode:
            raise TypeError("samples must be array(%r)" % self.typecode)
        src, done, k = memoryview(samples), 0, 0
        while done < n:
            take = min(n - done, len(self._buf) - self._n)
            memoryview(self._buf)[self._n:self._n + take] = src[done:done + take]
            self._n += take
            done += take
            if self._n == len(self._buf):
                self._flush()
                k += 1
        return k

    def extend_bytes(self, data, fmt="<h", scale=None):
        """Adds whole samples from raw sensor bytes (int16/int32, '<' or '>'),
        times scale if given (float recorders); returns windows completed."""
        from microlearn._arrays import unpack
        size = 2 if fmt[1] in "hH" else 4
        frame = size * self.channels
        if len(data) % frame:
            raise ValueError("%d bytes is not a whole number of %d-byte samples" % (len(data), frame))
        mv, done, k = memoryview(data), 0, 0
        while done < len(data):
            take = min(len(data) - done, (len(self._buf) - self._n) * size)
            self._n += unpack(self._buf, mv[done:done + take], fmt, scale, self._n)
            done += take
            if self._n == len(self._buf):
                self._flush()
                k += 1
        return k

    def add_window(self, samples, label=None):
        """Writes one whole window (window * channels items) at once; returns its path."""
        if label is not None:
            self.label = label
        if len(samples) != len(self._buf):
            raise ValueError("a window is %d values, got %d" % (len(self._buf), len(samples)))
        self._n = 0
        self.extend(samples)
        return self.written[-1]

    def discard(self):
        """Drops the samples of the unfinished window."""
        self._n = 0

    def _make_room(self):
        while self._ring:
            free = self.free_bytes()
            if not (len(self._ring) >= self.max_files
                    or (self.max_bytes is not None and self._bytes + self.file_size > self.max_bytes)
                    or (free is not None and free - self.file_size < self.keep_free)):
                return
            _, name = self._ring.pop(0)
            path = self._path(name)
            self._bytes -= _size(path)
            os.remove(path)
        free = self.free_bytes()
        if free is not None and free - self.file_size < self.keep_free:
            raise OSError(28, "%s: no room for a %d-byte window keeping %d bytes free (%d free)"
                          % (self.folder, self.file_size, self.keep_free, free))

    def _flush(self):
        self._n = 0
        if self._label is None:
            raise ValueError("set rec.label before recording")
        self._make_room()
        name = "w%08d_%s.npy" % (self._seq, self._label)
        path = self._path(name)
        try:  # complete under a temporary name, then renamed: never a half file
            npyfile.save(self._partial, self._buf, (self.window, self.channels))
            os.rename(self._partial, path)
        except OSError:
            _remove(self._partial)
            raise
        self._seq += 1
        self._ring.append((self._seq - 1, name))
        self._bytes += self.file_size
        self.written.append(path)
        if len(self.written) > 8:
            self.written.pop(0)
        return path


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass  # not there


def _seq(name):
    # "w00000012_walk.npy" -> 12, anything else -> None
    if len(name) < 15 or name[0] != "w" or name[9] != "_" or not name.endswith(".npy"):
        return None
    try:
        return int(name[1:9])
    except ValueError:
        return None


def parse_name(name):
    """(seq, label) of a recording's file name, or None."""
    seq = _seq(name)
    return None if seq is None else (seq, name[10:-4])
