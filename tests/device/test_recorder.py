"""The recorder on MicroPython (unix port): windows to .npy files, the ring, and
the host's dataset loader reading what it wrote."""
import os

import numpy as np
import pytest

from microlearn import datasets
from mpyrun import run, run_error


def test_windows_from_samples_arrays_and_bytes(tmp_path):
    out = run("import array, struct\nfrom microlearn.recorder import Recorder\n"
              "r = Recorder('rec', window=4, channels=3, typecode='h', label='walk')\n"
              "for i in range(10):\n"
              "    p = r.append((i, -i, 100 + i))\n"
              "    if p: print(p)\n"
              "r.label = 'run'\n"   # drops the 2 pending samples
              "print(r.extend(array.array('h', range(24))))\n"
              "r.label = 'jump'\n"
              "print(r.extend_bytes(struct.pack('>12h', *range(12)), '>h'))\n"
              "f = Recorder('recf', window=2, channels=2, typecode='f', label='idle')\n"
              "print(f.extend_bytes(struct.pack('<4h', 16384, -16384, 8192, 0), '<h', 1 / 16384))\n"
              "print(f.add_window(array.array('f', [1, 2, 3, 4]), 'sit'))\n"
              "print(r.files())\n", tmp_path)
    lines = out.splitlines()
    assert lines[:2] == ["rec/w00000000_walk.npy", "rec/w00000001_walk.npy"]
    assert lines[2:6] == ["2", "1", "1", "recf/w00000001_sit.npy"]
    np.testing.assert_array_equal(np.load(tmp_path / "rec/w00000001_walk.npy"),
                                  [[i, -i, 100 + i] for i in range(4, 8)])
    np.testing.assert_array_equal(np.load(tmp_path / "rec/w00000003_run.npy").ravel(), range(12, 24))
    np.testing.assert_array_equal(np.load(tmp_path / "rec/w00000004_jump.npy").ravel(), range(12))
    idle = np.load(tmp_path / "recf/w00000000_idle.npy")
    assert idle.dtype == np.float32 and idle.tolist() == [[1.0, -1.0], [0.5, 0.0]]

    X, y = datasets.load_recordings(tmp_path / "rec")
    assert X.shape == (5, 12) and X.dtype == np.int16
    assert y.tolist() == ["walk", "walk", "run", "run", "jump"]
    X3, _ = datasets.load_recordings(tmp_path / "rec", flatten=False)
    assert X3.shape == (5, 4, 3)


def test_ring_by_count_and_bytes_survives_restart(tmp_path):
    run("import array\nfrom microlearn.recorder import Recorder\n"
        "r = Recorder('rec', window=8, channels=1, label='a', max_files=3)\n"
        "w = array.array('h', range(8))\n"
        "for i in range(5): r.add_window(w)\n", tmp_path)
    assert sorted(os.listdir(tmp_path / "rec")) == [f"w0000000{i}_a.npy" for i in (2, 3, 4)]
    # A new recorder continues the sequence and the ring; max_bytes caps it too.
    out = run("import array\nfrom microlearn.recorder import Recorder\n"
              "r = Recorder('rec', window=8, channels=1, label='b', max_files=10, max_bytes=3 * 144)\n"
              "print(r.file_size)\n"
              "for i in range(4): r.add_window(array.array('h', range(8)))\n", tmp_path)
    assert out.strip() == "144"  # 128-byte header + 16 bytes
    assert sorted(os.listdir(tmp_path / "rec")) == ["w00000006_b.npy", "w00000007_b.npy", "w00000008_b.npy"]


def test_keep_free_deletes_oldest_then_refuses(tmp_path):
    script = ("import array\nfrom microlearn.recorder import Recorder\n"
              "class Small(Recorder):\n"
              "    def free_bytes(self):\n"  # a 1000-byte flash
              "        return 1000 - sum(__import__('os').stat(p)[6] for p in self.files())\n"
              "r = Small('rec', window=8, label='a', keep_free=600, max_files=99)\n"
              "for i in range(6): r.add_window(array.array('h', range(8)))\n"
              "print(len(r.files()))\n")
    assert run(script, tmp_path).strip() == "2"  # 1000 - 2*144 - 144 >= 600; a third would not fit
    err = run_error(script.replace("keep_free=600", "keep_free=900"), tmp_path)
    assert "OSError" in err and "no room for a 144-byte window keeping 900 bytes free" in err


def test_bad_use(tmp_path):
    assert "expected 3 channels" in run_error(
        "from microlearn.recorder import Recorder\nRecorder('r', 4, 3, label='x').append((1, 2))", tmp_path)
    assert "set rec.label" in run_error(
        "from microlearn.recorder import Recorder\nr = Recorder('r', 1, 1)\nr.append((1,))", tmp_path)
    assert "label 'a/b'" in run_error(
        "from microlearn.recorder import Recorder\nRecorder('r', 1, 1, label='a/b')", tmp_path)
    assert "must be array('h')" in run_error(
        "import array\nfrom microlearn.recorder import Recorder\n"
        "Recorder('r', 2, 1, label='x').extend(array.array('f', [1, 2]))", tmp_path)


def test_power_cut_leaves_no_half_recording(tmp_path):
    # The interpreter dies in the middle of writing a window (SystemExit: no
    # cleanup runs). The window was written under its own name before, which
    # left a half .npy that the dataset could not read.
    run("import array, sys\nfrom microlearn import npyfile\nfrom microlearn.recorder import Recorder\n"
        "r = Recorder('rec', window=8, channels=1, label='a')\n"
        "r.add_window(array.array('h', range(8)))\n"
        "def cut(self, a, n=None):\n"
        "    self._f.write(b'\\x01\\x02\\x03')\n"
        "    sys.exit(0)\n"
        "npyfile.Writer.write = cut\n"
        "r.add_window(array.array('h', range(8)))\n", tmp_path)
    assert sorted(os.listdir(tmp_path / "rec")) == ["w00000000_a.npy", "w_partial.tmp"]
    X, y = datasets.load_recordings(tmp_path / "rec")
    assert X.tolist() == [list(range(8))] and y.tolist() == ["a"]
    # After the restart the leftover is gone and the sequence goes on.
    out = run("import array\nfrom microlearn.recorder import Recorder\n"
              "r = Recorder('rec', window=8, channels=1, label='b')\n"
              "print(r.add_window(array.array('h', range(8, 16))))\n", tmp_path)
    assert out.strip() == "rec/w00000001_b.npy"
    assert sorted(os.listdir(tmp_path / "rec")) == ["w00000000_a.npy", "w00000001_b.npy"]


ON_BOARD = """
import array, os
from microlearn.recorder import Recorder
r = Recorder('rec', window=16, channels=3, typecode='h', label='walk', max_files=4)
print(r.free_bytes() > 100000)
for k in range(6):
    r.label = 'walk' if k % 2 else 'run'
    for i in range(16):
        r.append((k, i, -i))
print(sorted(os.listdir('rec')))
"""


@pytest.mark.parametrize("target", ["cortex-m3", "cortex-m0"])
def test_recorder_on_emulated_board(target):
    # The rig's RAM filesystem reported 0 free blocks, so the Recorder refused
    # to write anything there (keep_free).
    import io
    from mpyrun import run_target
    names = [f"w{k:08d}_{'walk' if k % 2 else 'run'}.npy" for k in range(2, 6)]
    res = run_target(target, ON_BOARD, fetch=[f"rec/{n}" for n in names])
    assert res.returncode == 0, res.output
    lines = res.output.strip().splitlines()[-2:]
    assert lines[0] == "True" and eval(lines[1]) == names
    for k, n in zip(range(2, 6), names):
        a = np.load(io.BytesIO(res.files[f"rec/{n}"]))
        assert a.dtype == np.int16 and a.tolist() == [[k, i, -i] for i in range(16)]
