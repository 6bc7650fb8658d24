"""Host side of recording: a folder of device recordings -> (X, y), and pulling
them with mpremote (faked here: no board attached)."""
import json
import sys
import textwrap

import numpy as np
import pytest

from microlearn import datasets


def _recordings(folder, labels, shape=(4, 3), dtype="<i2"):
    folder.mkdir(parents=True, exist_ok=True)
    for i, lab in enumerate(labels):
        np.save(folder / f"w{i:08d}_{lab}.npy", np.full(shape, i, dtype=dtype))
    return folder


def test_load_recordings(tmp_path):
    rec = _recordings(tmp_path / "rec", ["walk", "run", "walk", "sit"])
    (rec / "notes.txt").write_text("ignored")
    X, y = datasets.load_recordings(rec)
    assert X.shape == (4, 12) and X.dtype == np.int16 and y.tolist() == ["walk", "run", "walk", "sit"]
    assert X[2].tolist() == [2] * 12
    X, y = datasets.load_recordings(rec, labels=["walk"], flatten=False, dtype=np.float32)
    assert X.shape == (2, 4, 3) and X.dtype == np.float32 and y.tolist() == ["walk", "walk"]
    # Ready for scikit-learn.
    from sklearn.tree import DecisionTreeClassifier
    X, y = datasets.load_recordings(rec)
    assert DecisionTreeClassifier().fit(X, y).score(X, y) == 1.0


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(datasets.DatasetError, match="no recordings"):
        datasets.load_recordings(tmp_path)
    with pytest.raises(datasets.DatasetError, match="not a folder"):
        datasets.load_recordings(tmp_path / "nope")
    rec = _recordings(tmp_path / "rec", ["a", "b"])
    np.save(rec / "w00000005_c.npy", np.zeros((5, 3), "<i2"))
    with pytest.raises(datasets.DatasetError, match=r"w00000005_c.npy: shape \(5, 3\)"):
        datasets.load_recordings(rec)
    (rec / "w00000005_c.npy").write_bytes(b"\x93NUMPY\x01\x00")  # truncated on the device
    with pytest.raises(datasets.DatasetError, match="w00000005_c.npy: cannot read"):
        datasets.load_recordings(rec, damaged="raise")
    with pytest.raises(ValueError, match="damaged must be 'skip' or 'raise', got 'ignore'"):
        datasets.load_recordings(rec, damaged="ignore")


def _damage(rec):
    # A window cut short (header and part of the data), an empty file, and a file of garbage.
    good = next(rec.glob("w00000001_*.npy")).read_bytes()
    (rec / "w00000007_c.npy").write_bytes(good[:-5])
    (rec / "w00000008_c.npy").write_bytes(b"")
    (rec / "w00000009_d.npy").write_bytes(b"garbage" * 20)


def test_damaged_files_are_skipped_and_named(tmp_path):
    # One damaged file made the whole export fail.
    rec = _recordings(tmp_path / "rec", ["a", "b", "a"])
    _damage(rec)
    with pytest.warns(datasets.DatasetWarning) as caught:
        X, y = datasets.load_recordings(rec)
    assert y.tolist() == ["a", "b", "a"] and X.tolist() == [[i] * 12 for i in range(3)]
    named = sorted(str(w.message).split(":")[0] for w in caught)
    assert named == [str(rec / f"w0000000{k}_{c}.npy") for k, c in ((7, "c"), (8, "c"), (9, "d"))]
    assert all("damaged, skipped" in str(w.message) for w in caught)
    for p in rec.glob("w0000000[0-2]_*.npy"):
        p.unlink()
    with pytest.warns(datasets.DatasetWarning), pytest.raises(datasets.DatasetError,
                                                              match="no readable recordings \\(3 damaged"):
        datasets.load_recordings(rec)


def test_cli_skips_damaged_files_on_stderr(tmp_path, capsys):
    rec = _recordings(tmp_path / "rec", ["x", "y", "x"])
    _damage(rec)
    out = tmp_path / "d.npz"
    assert datasets.main([str(rec), "-o", str(out)]) == 0
    cap = capsys.readouterr()
    assert "3 windows" in cap.out
    lines = cap.err.strip().splitlines()
    assert len(lines) == 3 and all(ln.startswith("microlearn dataset: ") for ln in lines)
    assert all(": damaged, skipped (" in ln for ln in lines)
    assert [ln.split(": ")[1] for ln in lines] == [
        str(rec / "w00000007_c.npy"), str(rec / "w00000008_c.npy"), str(rec / "w00000009_d.npy")]
    assert np.load(out)["y"].tolist() == ["x", "y", "x"]


def test_cli_folder(tmp_path, capsys):
    rec = _recordings(tmp_path / "rec", ["x", "y", "x"])
    out = tmp_path / "d.npz"
    assert datasets.main([str(rec), "-o", str(out)]) == 0
    assert "3 windows" in capsys.readouterr().out
    d = np.load(out)
    assert d["X"].shape == (3, 12) and d["y"].tolist() == ["x", "y", "x"]
    assert datasets.main([str(tmp_path / "empty_missing"), "-o", str(out)]) == 1
    assert "not a folder" in capsys.readouterr().err


FAKE_MPREMOTE = """
import json, os, shutil, sys
# A stand-in for mpremote: the device's filesystem is the folder DEVICE.
args = sys.argv[1:]
log = open(LOG, "a"); log.write(json.dumps(args) + "\\n"); log.close()
for cmd in " ".join(args).split(" + "):
    a = cmd.split()
    if a[:1] == ["connect"]:
        a = a[2:]
    if a[:2] == ["cp", "-r"]:
        src = os.path.join(DEVICE, a[2][1:].lstrip("/"))
        if not os.path.isdir(src):
            sys.exit("mpremote: cp: " + a[2] + ": No such file or directory")
        shutil.copytree(src, a[3])
    elif a[:1] == ["rm"]:
        os.remove(os.path.join(DEVICE, a[1][1:].lstrip("/")))
"""


def test_pull_and_cli_device(tmp_path, capsys):
    device = tmp_path / "device"
    _recordings(device / "rec", ["a", "b", "a", "b"])
    fake = tmp_path / "fake_mpremote.py"
    log = tmp_path / "log.jsonl"
    fake.write_text(f"DEVICE = {str(device)!r}\nLOG = {str(log)!r}\n" + textwrap.dedent(FAKE_MPREMOTE))
    cmd = [sys.executable, str(fake)]
    local = datasets.pull(tmp_path / "local", "/rec", device="/dev/ttyACM9", mpremote=cmd)
    assert sorted(p.name for p in local.iterdir()) == sorted(p.name for p in (device / "rec").iterdir())
    first = json.loads(log.read_text().splitlines()[0])
    assert first[:4] == ["connect", "/dev/ttyACM9", "cp", "-r"] and first[4] == ":/rec"
    X, y = datasets.load_recordings(local)
    assert y.tolist() == ["a", "b", "a", "b"]

    with pytest.raises(datasets.DatasetError, match="mpremote failed reading :/nothing"):
        datasets.pull(tmp_path / "l2", "/nothing", mpremote=cmd)

    datasets.pull(tmp_path / "l3", "/rec", mpremote=cmd, clear=True)
    assert list((device / "rec").iterdir()) == []


def test_cli_device_uses_mpremote_module(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_pull(dest, remote, device, clear=False):
        calls.append((dest, remote, device, clear))
        _recordings(tmp_path / dest, ["q", "r"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(datasets, "pull", fake_pull)
    assert datasets.main(["--device", "auto", "--remote", "/data", "-o", "o.npz", "--clear"]) == 0
    assert calls == [("recordings", "/data", None, True)]
    assert np.load(tmp_path / "o.npz")["y"].tolist() == ["q", "r"]


def test_cli_names_the_file_it_writes_and_flags_nan(tmp_path, capsys):
    rec = _recordings(tmp_path / "rec", ["x", "y"], dtype="<f4")
    bad = np.load(rec / "w00000001_y.npy")
    bad.flat[0] = np.nan
    np.save(rec / "w00000001_y.npy", bad)
    assert datasets.main([str(rec), "-o", str(tmp_path / "d")]) == 0  # np.savez writes d.npz
    cap = capsys.readouterr()
    assert f"wrote {tmp_path / 'd.npz'}:" in cap.out  # said "wrote .../d"
    assert "1 window(s) hold NaN or infinity (e.g. w00000001_y.npy)" in cap.err
    assert np.load(tmp_path / "d.npz")["X"].shape[0] == 2


def test_mpremote_failure_is_one_line(tmp_path):
    fake = tmp_path / "fail.py"
    fake.write_text("import sys\nprint('Traceback ...', file=sys.stderr)\nsys.exit('mpremote: no device found')\n")
    with pytest.raises(datasets.DatasetError) as e:
        datasets.pull(tmp_path / "l", "/rec", mpremote=[sys.executable, str(fake)])
    assert str(e.value) == "mpremote failed reading :/rec (exit 1): mpremote: no device found"
