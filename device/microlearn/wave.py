# .wav files on MicroPython with the API of CPython's `wave` module.
#
#   from microlearn import wave
#   with wave.open("in.wav") as w:               # "rb"; a path or a binary stream
#       w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
#       data = w.readframes(1024)                # bytes, frames interleaved
#       n = w.readframes_into(buf)               # extra: into an array/bytearray; no allocation
#                                                # from a file or BytesIO once buf was seen
#   with wave.open("out.wav", "wb") as w:
#       w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
#       w.writeframes(array.array("h", samples)) # any buffer
#
# PCM with 8 (unsigned), 16, 24 or 32-bit samples, any number of channels;
# WAVE_FORMAT_EXTENSIBLE files with PCM data read too. Reading checks the file
# against its header: a truncated or malformed file raises wave.Error (a
# ValueError) naming the file and what is wrong; readframes never returns short
# data silently.
import struct

_open = open  # this module's open() below is wave.open()

try:
    from collections import namedtuple
    _wave_params = namedtuple("_wave_params", ("nchannels", "sampwidth", "framerate", "nframes",
                                               "comptype", "compname"))
except ImportError:
    def _wave_params(*a):
        return a

WAVE_FORMAT_PCM = 1
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


class Error(ValueError):
    pass


def _name(f):
    return f if isinstance(f, str) else getattr(f, "name", "<stream>")


class Wave_read:
    def __init__(self, f):
        self._name = _name(f)
        self._own = isinstance(f, str)
        self._file = _open(f, "rb") if self._own else f
        self._buf = self._isz = None  # the last buffer of readframes_into and its item size
        try:
            self._read_header()
        except Exception:
            self.close()
            raise

    def _error(self, msg):
        return Error("%s: %s" % (self._name, msg))

    def _read_header(self):
        f = self._file
        h = f.read(12)
        if len(h) < 12 or h[:4] != b"RIFF" or h[8:12] != b"WAVE":
            raise self._error("not a WAVE file (no RIFF/WAVE header)" if len(h) >= 12 else
                              "truncated: %d bytes, no WAVE header" % len(h))
        pos, fmt = 12, None
        while True:
            c = f.read(8)
            if len(c) < 8:
                raise self._error("truncated: no data chunk" if fmt else "truncated: no fmt chunk")
            size = struct.unpack("<I", c[4:])[0]
            pos += 8
            if c[:4] == b"fmt ":
                if size < 16 or size > 64:
                    raise self._error("fmt chunk of %d bytes is malformed" % size)
                fmt = f.read(size)
                if len(fmt) < size:
                    raise self._error("truncated fmt chunk")
                self._parse_fmt(fmt)
                self._skip(size & 1)  # the pad byte of an odd-sized chunk
            elif c[:4] == b"data":
                if fmt is None:
                    raise self._error("data chunk before the fmt chunk")
                break
            else:
                self._skip(size + (size & 1))
            pos += size + (size & 1)
        self._data_start = pos
        self._frame = frame = self._nchannels * self._sampwidth
        try:
            here = f.tell()
            f.seek(0, 2)
            end = f.tell()
            f.seek(here)
        except (AttributeError, OSError):
            end = None
        # Writers that stream (arecord, ffmpeg to a pipe) leave the data size
        # 0xFFFFFFFF, unknown: the data is what the file holds (a stream's: up
        # to its end, where reading stops without an error).
        self._open_ended = size == 0xFFFFFFFF
        if self._open_ended and end is not None:
            size = end - pos
        self._data_size = size
        self._nframes = size // frame
        # A seekable file must hold all the frames its header promises.
        if end is not None and end - pos < self._nframes * frame:
            raise self._error("truncated: data chunk says %d frames, file holds %d"
                              % (self._nframes, (end - pos) // frame))
        self._pos = 0

    def _skip(self, n):
        try:
            self._file.seek(n, 1)
        except (AttributeError, OSError):
            while n > 0:
                k = len(self._file.read(min(n, 256)))
                if k == 0:
                    raise self._error("truncated chunk")
                n -= k

    def _parse_fmt(self, b):
        tag, ch, rate, _, align, bits = struct.unpack("<HHIIHH", b[:16])
        if tag == WAVE_FORMAT_EXTENSIBLE and len(b) >= 26:
            tag = b[24] | b[25] << 8  # the sub-format GUID starts with the format tag
        if tag != WAVE_FORMAT_PCM:
            raise self._error("format %d not supported (PCM only; float WAV files are not)" % tag)
        width = (bits + 7) // 8  # 12-bit samples fill 2 bytes (as CPython's wave reads them)
        if ch == 0 or not 1 <= width <= 4:
            raise self._error("%d channels of %d-bit samples not supported (1 to 32 bits)" % (ch, bits))
        if align != ch * width:
            raise self._error("block align %d does not match %d channels x %d bits" % (align, ch, bits))
        self._nchannels, self._sampwidth, self._framerate = ch, width, rate

    def getnchannels(self):
        return self._nchannels

    def getsampwidth(self):
        return self._sampwidth

    def getframerate(self):
        return self._framerate

    def getnframes(self):
        return self._nframes

    def getcomptype(self):
        return "NONE"

    def getcompname(self):
        return "not compressed"

    def getparams(self):
        return _wave_params(self._nchannels, self._sampwidth, self._framerate, self._nframes,
                            "NONE", "not compressed")

    def getmarkers(self):
        return None

    def getmark(self, id):
        raise Error("no marks")

    def tell(self):
        return self._pos

    def rewind(self):
        self.setpos(0)

    def setpos(self, pos):
        if pos < 0 or pos > self._nframes:
            raise Error("position not in range")
        self._file.seek(self._data_start + pos * self._nchannels * self._sampwidth)
        self._pos = pos

    def readframes(self, n):
        """Returns up to n frames as bytes (b"" at the end)."""
        n = max(0, min(n, self._nframes - self._pos))
        b = bytearray(n * self._frame)
        k = self.readframes_into(b)  # fewer only at the end of an open-ended stream
        self._buf = None  # not kept alive
        return bytes(b if k == n else b[:k * self._frame])

    def readframes_into(self, buf, n=None):
        """Reads up to n frames (default: as many as fit) into buf (an array,
        bytearray or memoryview, from its start); returns the number of frames
        read. From a MicroPython file or io.BytesIO nothing is allocated once
        buf has been seen (its item size is remembered)."""
        frame = self._frame
        if buf is not self._buf:
            isz = _itemsize(buf)
            if frame % isz:
                raise TypeError("a %d-byte frame does not fill whole %d-byte array items" % (frame, isz))
            self._buf, self._isz = buf, isz
        isz = self._isz
        cap = len(buf) * isz // frame
        n = max(0, min(cap if n is None else min(n, cap), self._nframes - self._pos))
        want = n * frame
        got = 0
        if want:
            try:
                got = self._file.readinto(buf, want) or 0  # MicroPython streams: at most `want` bytes
            except TypeError:  # a Python stream whose readinto takes no byte count
                pass
            if got != want:
                n = self._read_rest(buf, got, want) // frame
        self._pos += n
        return n

    def _read_rest(self, buf, got, want):
        # Streams that return fewer bytes than asked, a few at a time.
        isz, mv = self._isz, memoryview(buf)
        while got < want and not got % isz:
            k = self._file.readinto(mv[got // isz:want // isz])
            if not k:
                break
            got += k
        if got != want and self._open_ended:  # the stream's end is the data's end
            self._nframes = self._pos + got // self._frame
            return got - got % self._frame
        if got != want:
            raise self._error("truncated: frame %d of %d is missing" % (self._pos + got // self._frame,
                                                                          self._nframes))
        return got

    def close(self):
        if self._own and self._file is not None:
            self._file.close()
        self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def _itemsize(buf):
    if isinstance(buf, (bytes, bytearray)):
        return 1
    if isinstance(buf, memoryview):  # MicroPython memoryviews have no .itemsize
        return len(bytes(buf[:1])) if len(buf) else 1
    return struct.calcsize(repr(buf[:0])[7])  # array('h') -> 'h'


class Wave_write:
    def __init__(self, f):
        self._name = _name(f)
        self._own = isinstance(f, str)
        self._file = _open(f, "wb") if self._own else f
        self._nchannels = self._sampwidth = self._framerate = 0
        self._nframes = 0
        self._written = 0  # data bytes
        self._header = False

    def _check_open(self):
        if self._header:
            raise Error("cannot change parameters after starting to write")

    def setnchannels(self, n):
        self._check_open()
        if n < 1:
            raise Error("bad # of channels")
        self._nchannels = n

    def setsampwidth(self, n):
        self._check_open()
        if n not in (1, 2, 3, 4):
            raise Error("bad sample width %r (1, 2, 3 or 4 bytes)" % n)
        self._sampwidth = n

    def setframerate(self, r):
        self._check_open()
        if r <= 0:
            raise Error("bad frame rate")
        self._framerate = int(round(r))

    def setnframes(self, n):
        self._check_open()
        self._nframes = n

    def setcomptype(self, comptype, compname=None):
        self._check_open()
        if comptype != "NONE":
            raise Error("unsupported compression type")

    def setparams(self, params):
        nchannels, sampwidth, framerate, nframes, comptype, compname = params
        self.setnchannels(nchannels)
        self.setsampwidth(sampwidth)
        self.setframerate(framerate)
        self.setnframes(nframes)
        self.setcomptype(comptype, compname)

    def getnchannels(self):
        return self._nchannels

    def getsampwidth(self):
        return self._sampwidth

    def getframerate(self):
        return self._framerate

    def getnframes(self):
        return self._written // max(1, self._nchannels * self._sampwidth)

    def getcomptype(self):
        return "NONE"

    def getcompname(self):
        return "not compressed"

    def getparams(self):
        return _wave_params(self._nchannels, self._sampwidth, self._framerate, self.getnframes(),
                            "NONE", "not compressed")

    def tell(self):
        return self.getnframes()

    def _head(self, nbytes):
        ch, w = self._nchannels, self._sampwidth
        return (b"RIFF" + struct.pack("<I", 36 + nbytes + (nbytes & 1)) + b"WAVEfmt "
                + struct.pack("<IHHIIHH", 16, WAVE_FORMAT_PCM, ch, self._framerate,
                              self._framerate * ch * w, ch * w, w * 8)
                + b"data" + struct.pack("<I", nbytes))

    def writeframesraw(self, data):
        if not self._header:
            if not (self._nchannels and self._sampwidth and self._framerate):
                raise Error("# channels, sample width and frame rate must be set before writing")
            self._file.write(self._head(self._nframes * self._nchannels * self._sampwidth))
            self._header = True
        n = len(memoryview(data)) * _itemsize(data)
        if n % (self._nchannels * self._sampwidth):
            raise Error("%d bytes is not a whole number of frames (%d bytes each)"
                        % (n, self._nchannels * self._sampwidth))
        self._file.write(data)
        self._written += n

    def writeframes(self, data):
        self.writeframesraw(data)

    def close(self):
        f = self._file
        if f is None:
            return
        self._file = None
        try:
            if not self._header:
                self._file = f
                self.writeframesraw(b"")
                self._file = None
            if self._written & 1:
                f.write(b"\x00")
            if self._written != self._nframes * self._nchannels * self._sampwidth:
                f.seek(0)  # patch the sizes: needs a seekable file
                f.write(self._head(self._written))
                f.seek(0, 2)
        finally:
            if self._own:
                f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def open(f, mode=None):
    if mode is None:
        mode = getattr(f, "mode", "rb")
    if mode in ("r", "rb"):
        return Wave_read(f)
    if mode in ("w", "wb"):
        return Wave_write(f)
    raise Error("mode must be 'r', 'rb', 'w', or 'wb'")
