"""microlearn.wave on MicroPython (unix port) against CPython's wave and scipy.io.wavfile."""
import json
import wave as pywave

import numpy as np
import pytest
from scipy.io import wavfile

from mpyrun import run, run_error

WIDTHS = [1, 2, 3, 4]
CHANNELS = [1, 2, 5]


def pcm_bytes(width, channels, frames, seed=0):
    rng = np.random.default_rng(seed + 10 * width + channels)
    return rng.integers(0, 256, size=frames * channels * width, dtype=np.uint8).tobytes()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("channels", CHANNELS)
def test_cpython_writes_device_reads(tmp_path, width, channels):
    frames = 1001
    data = pcm_bytes(width, channels, frames)
    with pywave.open(str(tmp_path / "in.wav"), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(22050)
        w.writeframes(data)
    out = run("import binascii, json\nfrom microlearn import wave\n"
              "with wave.open('in.wav') as w:\n"
              "    p = w.getparams()\n"
              "    print(json.dumps([p[0], p[1], p[2], p[3], w.getcomptype()]))\n"
              "    a = w.readframes(300); w.setpos(300); assert w.tell() == 300\n"
              "    b = bytearray(2000 * w.getnchannels() * w.getsampwidth())\n"
              "    n = w.readframes_into(b)\n"
              "    print(n, binascii.hexlify(a + b[:n * w.getnchannels() * w.getsampwidth()]).decode())\n"
              "    print(len(w.readframes(10)))\n"
              "    w.rewind(); print(w.tell(), len(w.readframes(1)))\n", tmp_path)
    params, frames_line, tail, rew = out.splitlines()
    assert json.loads(params) == [channels, width, 22050, frames, "NONE"]
    n, hexdata = frames_line.split()
    assert int(n) == frames - 300 and bytes.fromhex(hexdata) == data
    assert tail == "0" and rew == f"0 {channels * width}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("channels", CHANNELS)
def test_device_writes_cpython_and_scipy_read(tmp_path, width, channels):
    frames = 777
    data = pcm_bytes(width, channels, frames, seed=1)
    (tmp_path / "data.bin").write_bytes(data)
    run("from microlearn import wave\n"
        "data = open('data.bin', 'rb').read()\n"
        f"step = {channels * width} * 100\n"
        "with wave.open('out.wav', 'wb') as w:\n"
        f"    w.setnchannels({channels}); w.setsampwidth({width}); w.setframerate(8000)\n"
        "    for i in range(0, len(data), step):\n"
        "        w.writeframes(data[i:i + step])\n"
        "    assert w.getnframes() == 777\n", tmp_path)
    with pywave.open(str(tmp_path / "out.wav")) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (channels, width, 8000, frames)
        assert w.readframes(frames) == data
    if width != 3:  # scipy reads 24-bit too, as int32 scaled by 256
        rate, a = wavfile.read(tmp_path / "out.wav")
        assert rate == 8000 and a.shape[0] == frames
        assert a.tobytes() == data
    else:
        rate, a = wavfile.read(tmp_path / "out.wav")
        assert a.shape[0] == frames


def test_scipy_writes_device_reads_arrays(tmp_path):
    x = (np.sin(np.arange(4000) / 7) * 20000).astype("<i2").reshape(2000, 2)
    wavfile.write(tmp_path / "s.wav", 16000, x)
    out = run("import array, json\nfrom microlearn import wave\n"
              "with wave.open('s.wav') as w:\n"
              "    a = array.array('h', bytes(2 * 2 * 2000))\n"
              "    n = w.readframes_into(a)\n"
              "    print(json.dumps([w.getframerate(), n, list(a[:6]), list(a[-2:])]))\n", tmp_path)
    rate, n, head, tail = json.loads(out)
    assert rate == 16000 and n == 2000
    assert head == x.ravel()[:6].tolist() and tail == x.ravel()[-2:].tolist()


def test_nframes_set_upfront_and_array_input(tmp_path):
    run("import array\nfrom microlearn import wave\n"
        "w = wave.open('o.wav', 'wb')\n"
        "w.setparams((1, 2, 44100, 3, 'NONE', 'not compressed'))\n"
        "w.writeframes(array.array('h', [1, -2, 3]))\nw.close()\n", tmp_path)
    rate, a = wavfile.read(tmp_path / "o.wav")
    assert rate == 44100 and a.tolist() == [1, -2, 3]


def test_extensible_and_extra_chunks(tmp_path):
    # WAVE_FORMAT_EXTENSIBLE with PCM sub-format, a LIST chunk of odd size before data.
    import struct
    ch, width, rate, frames = 2, 2, 48000, 5
    data = bytes(range(ch * width * frames))
    guid = struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, ch, rate, rate * ch * width, ch * width, 16, 22, 16, 3) + guid
    lst = b"LIST" + struct.pack("<I", 3) + b"abc\x00"
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + lst + b"data" + struct.pack("<I", len(data)) + data
    (tmp_path / "x.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    out = run("import binascii\nfrom microlearn import wave\n"
              "w = wave.open('x.wav')\n"
              "print(w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes(),"
              " binascii.hexlify(w.readframes(99)).decode())\n", tmp_path)
    assert out.split() == ["2", "2", "48000", "5", data.hex()]


def test_12_bit_samples_in_2_bytes(tmp_path):
    # wBitsPerSample 12 with 2-byte blocks (ADC recorders write these): sample width
    # 2, as CPython's wave and scipy read it (it was refused).
    data = _good(tmp_path)
    patched = data[:34] + b"\x0c\x00" + data[36:]
    (tmp_path / "x.wav").write_bytes(patched)
    with pywave.open(str(tmp_path / "x.wav")) as w:
        want = (w.getsampwidth(), w.getnframes(), w.readframes(999))
    out = run("import binascii\nfrom microlearn import wave\n"
              "w = wave.open('x.wav')\n"
              "print(w.getsampwidth(), w.getnframes(), binascii.hexlify(w.readframes(999)).decode())\n", tmp_path)
    assert out.split() == [str(want[0]), str(want[1]), want[2].hex()]


def test_odd_sized_fmt_chunk_is_padded(tmp_path):
    # A fmt chunk of 17 bytes is followed by a pad byte (RIFF aligns chunks to 2
    # bytes): the data chunk starts after it, as CPython's wave reads it.
    import struct
    data = bytes(range(18))
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16) + b"\x00"
    body = b"WAVE" + b"fmt " + struct.pack("<I", 17) + fmt + b"\x00" + b"data" + struct.pack("<I", 18) + data
    (tmp_path / "x.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pywave.open(str(tmp_path / "x.wav")) as w:
        assert w.getnframes() == 9 and w.readframes(99) == data
    out = run("import binascii\nfrom microlearn import wave\n"
              "w = wave.open('x.wav')\n"
              "print(w.getnframes(), binascii.hexlify(w.readframes(99)).decode())\n", tmp_path)
    assert out.split() == ["9", data.hex()]


# ------------------------------------------------------------------- bad input

def _good(tmp_path):
    with pywave.open(str(tmp_path / "g.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(400))
    return (tmp_path / "g.wav").read_bytes()


READ = ("from microlearn import wave\nw = wave.open('bad.wav')\n"
        "n = 0\nwhile True:\n    b = w.readframes(7)\n    if not b: break\n    n += len(b)\nprint(n)")


@pytest.mark.parametrize("cut", [0, 5, 12, 20, 30, 40, 44, 45, 100, 443])
def test_truncated_wav(tmp_path, cut):
    (tmp_path / "bad.wav").write_bytes(_good(tmp_path)[:cut])
    err = run_error(READ, tmp_path)
    assert err.startswith("Error: bad.wav: ") or err.startswith("ValueError: bad.wav: "), err
    assert "truncated" in err or "not a WAVE" in err


def test_truncated_stream_is_not_a_silent_short_read(tmp_path):
    # A non-seekable stream: the size check happens while reading.
    (tmp_path / "bad.wav").write_bytes(_good(tmp_path)[:300])
    err = run_error("import io\nfrom microlearn import wave\n"
                    "class S:\n"
                    "    def __init__(self, b): self.b = io.BytesIO(b); self.name = 'stream.wav'\n"
                    "    def read(self, n): return self.b.read(n)\n"
                    "    def readinto(self, buf): return self.b.readinto(buf)\n"
                    "w = wave.open(S(open('bad.wav', 'rb').read()))\n"
                    "print(len(w.readframes(100)))", tmp_path)
    assert "stream.wav: truncated: frame" in err and "of 100" in err


@pytest.mark.parametrize("patch,what", [
    ((20, b"\x03\x00"), "format 3 not supported"),          # IEEE float
    ((34, b"\x28\x00"), "40-bit"),
    ((32, b"\x05\x00"), "block align"),
    ((22, b"\x00\x00"), "0 channels"),
    ((8, b"WAVX"), "not a WAVE"),
    ((16, b"\x02\x00\x00\x00"), "fmt chunk of 2 bytes"),
])
def test_malformed_wav(tmp_path, patch, what):
    data = bytearray(_good(tmp_path))
    off, b = patch
    data[off:off + len(b)] = b
    (tmp_path / "bad.wav").write_bytes(bytes(data))
    err = run_error(READ, tmp_path)
    assert "bad.wav: " in err and what in err, err


def test_writer_errors(tmp_path):
    err = run_error("from microlearn import wave\nw = wave.open('o.wav', 'wb')\nw.writeframes(b'12')", tmp_path)
    assert "must be set before writing" in err
    err = run_error("from microlearn import wave\nw = wave.open('o.wav', 'wb')\n"
                    "w.setnchannels(2); w.setsampwidth(2); w.setframerate(8000)\nw.writeframes(b'123')", tmp_path)
    assert "not a whole number of frames" in err
    err = run_error("from microlearn import wave\nw = wave.open('o.wav', 'wb')\nw.setsampwidth(5)", tmp_path)
    assert "bad sample width 5" in err


@pytest.mark.parametrize("target", ["cortex-m3"])
def test_wave_on_emulated_board(tmp_path, target):
    from mpyrun import run_target
    x = (np.arange(600) * 37 % 65536 - 32768).astype("<i2").reshape(300, 2)
    wavfile.write(tmp_path / "in.wav", 16000, x)
    res = run_target(target,
                     "import array\nfrom microlearn import wave\n"
                     "with wave.open('in.wav') as r, wave.open('out.wav', 'wb') as w:\n"
                     "    w.setparams(r.getparams())\n"
                     "    buf = array.array('h', bytes(2 * 2 * 64))\n"
                     "    while True:\n"
                     "        n = r.readframes_into(buf)\n"
                     "        if not n: break\n"
                     "        w.writeframes(buf if n == 64 else buf[:2 * n])\n"
                     "print('ok')\n",
                     files={"in.wav": (tmp_path / "in.wav").read_bytes()}, fetch=["out.wav"])
    assert res.returncode == 0, res.output
    (tmp_path / "out.wav").write_bytes(res.files["out.wav"])
    rate, y = wavfile.read(tmp_path / "out.wav")
    assert rate == 16000
    np.testing.assert_array_equal(y, x)


NOALLOC = """
import array, io, micropython
from microlearn import wave
def drain(w, buf):
    frames = 0
    micropython.heap_lock()
    try:
        while True:
            n = w.readframes_into(buf)
            if not n:
                break
            frames += n
    finally:
        micropython.heap_unlock()
    return frames
data = open('in.wav', 'rb').read()
sources = [io.BytesIO(data)] + ([] if ON_BOARD else ["in.wav"])   # the rig's RAM files are Python objects
for src in sources:
    w = wave.open(src)
    buf = array.array('h', bytes(2 * 2 * 64))
    w.readframes_into(buf, 1)          # the first call with a buffer may allocate
    total = 1 + drain(w, buf)
    w.setpos(3)
    m = memoryview(buf)[:10]           # 5 frames of an array('h') through a memoryview
    print(total, w.readframes_into(m), list(buf[:10]))
f = open('in.wav', 'rb')          # files take readinto(buf, nbytes), the rig's RAM files too
print('nbytes', f.readinto(bytearray(10), 4), f.tell())
"""


@pytest.mark.parametrize("target", ["unix", "cortex-m3", "cortex-m0"])
def test_readframes_into_allocates_nothing(tmp_path, target):
    # It promised no allocation but made memoryviews and read the typecode
    # through repr() on every call.
    from mpyrun import run_target
    x = (np.arange(600) * 37 % 65536 - 32768).astype("<i2").reshape(300, 2)
    wavfile.write(tmp_path / "in.wav", 16000, x)
    script = f"ON_BOARD = {target != 'unix'}\n" + NOALLOC
    res = run_target(target, script, files={"in.wav": (tmp_path / "in.wav").read_bytes()})
    assert res.returncode == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[-1] == "nbytes 4 4"
    lines = lines[:-1]
    assert len(lines) == (1 if target != "unix" else 2)
    for line in lines:
        assert line == f"300 5 {x.ravel()[6:16].tolist()}"


ABSURD = """
from microlearn import wave
for fn in FILES:
    try:
        with wave.open(fn) as w:
            print('read', fn, w.getnframes(), len(w.readframes(w.getnframes())))
    except ValueError as e:
        print('ValueError', e)
"""


@pytest.mark.parametrize("target", ["unix", "cortex-m3"])
def test_absurd_sizes_name_the_file(tmp_path, target):
    # Sizes near 2**32 (long ints on a 32-bit board) in every size field.
    import struct
    from mpyrun import run_target
    good = bytearray(_good(tmp_path))   # 44-byte header + 400 bytes
    files = {}
    for name, off, value in (("data.wav", 40, 0xFFFFFFFF), ("data2.wav", 40, 0x80000000),
                             ("fmt.wav", 16, 0xFFFFFFFF), ("riff.wav", 4, 0xFFFFFFFF)):
        b = bytearray(good)
        b[off:off + 4] = struct.pack("<I", value)
        files[name] = bytes(b)
    # an unknown chunk claiming 4 GB before the data chunk
    files["chunk.wav"] = bytes(good[:36]) + b"junk" + struct.pack("<I", 0xFFFFFFFE) + bytes(good[36:])
    names = sorted(files)
    res = run_target(target, f"FILES = {names!r}\n" + ABSURD, files=files)
    assert res.returncode == 0, res.output
    lines = res.output.strip().splitlines()[-len(names):]
    for name, line in zip(names, lines):
        if name in ("riff.wav", "data.wav"):  # the RIFF size is not used, as CPython's wave does not;
            # a data size of 0xFFFFFFFF is a streaming writer's "unknown": the data is what the file holds
            assert line == f"read {name} 100 400", line
        else:
            assert line.startswith(f"ValueError {name}: "), line


def test_open_ended_data_size_reads_what_the_file_holds(tmp_path):
    # Streaming writers (arecord, ffmpeg to a pipe) leave the data size
    # 0xFFFFFFFF: a file reads to its end, as CPython's wave reads it, and a
    # stream to its end (there without a truncation error), in whole frames.
    import struct
    good = bytearray(_good(tmp_path))  # 2 channels x 16 bit, 100 frames
    good[40:44] = struct.pack("<I", 0xFFFFFFFF)
    (tmp_path / "open.wav").write_bytes(bytes(good) + b"\x01")  # and half a frame more
    with pywave.open(str(tmp_path / "open.wav")) as w:
        want = w.readframes(1000)
    assert len(want) == 400
    out = run("import io\nfrom microlearn import wave\n"
              "w = wave.open('open.wav')\n"
              "print(w.getnframes(), len(w.readframes(1000)), len(w.readframes(10)))\n"
              "class S:\n"
              "    def __init__(self, b): self.b = io.BytesIO(b); self.name = 's.wav'\n"
              "    def read(self, n): return self.b.read(n)\n"
              "    def readinto(self, buf, n=None): return self.b.readinto(buf)\n"
              "s = wave.open(S(open('open.wav', 'rb').read()))\n"
              "n = 0\n"
              "while True:\n"
              "    b = s.readframes(7)\n"
              "    if not b: break\n"
              "    n += len(b)\n"
              "print(n)\n", tmp_path)
    assert out.split() == ["100", "400", "0", "400"], out
