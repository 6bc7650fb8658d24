"""Datasets from recordings made on a device with microlearn.recorder.

The device writes one .npy file per window, named ``w<seq>_<label>.npy`` (shape
``(window, channels)``), into a folder. This module turns such a folder, or the
folder on a device reached with mpremote, into ``(X, y)`` for scikit-learn::

    X, y = microlearn.datasets.load_recordings("recordings/")      # X: (n, window * channels)
    X, y = microlearn.datasets.pull("recordings/", device="/dev/ttyACM0")

and, on the command line (``microlearn dataset``)::

    microlearn dataset recordings/ -o data.npz
    microlearn dataset --device /dev/ttyACM0 --remote /rec -o data.npz
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .cli import Parser

NAME = re.compile(r"^w(\d{8})_([A-Za-z0-9._-]+)\.npy$")


class DatasetError(ValueError):
    """A recording folder that cannot become a dataset, with the file and reason."""


class DatasetWarning(UserWarning):
    """A damaged recording was skipped, or windows hold NaN or infinity (the message names a file)."""


def recording_files(folder) -> List[Tuple[int, str, Path]]:
    """(seq, label, path) of every recording in `folder`, in recording order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    found = []
    for p in folder.iterdir():
        m = NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), m.group(2), p))
    return sorted(found)


def load_recordings(folder, labels: Optional[Iterable[str]] = None, flatten: bool = True,
                    dtype=None, damaged: str = "skip") -> Tuple[np.ndarray, np.ndarray]:
    """Reads every ``w<seq>_<label>.npy`` in `folder`.

    Returns ``X`` of shape (n_windows, window * channels) (or (n, window, channels)
    with ``flatten=False``) and ``y``, the label strings. ``labels`` keeps only
    those labels. A file numpy cannot read (damaged, e.g. cut short by a power
    loss while the device wrote it) is skipped with a DatasetWarning naming it
    (``damaged="raise"``: a DatasetError instead). All other windows must share
    shape and dtype; a file that does not raises DatasetError naming it.
    """
    if damaged not in ("skip", "raise"):
        raise ValueError(f"damaged must be 'skip' or 'raise', got {damaged!r}")
    keep = set(labels) if labels is not None else None
    files = [(s, lab, p) for s, lab, p in recording_files(folder) if keep is None or lab in keep]
    if not files:
        raise DatasetError(f"{folder}: no recordings (w<seq>_<label>.npy)"
                           + (f" with labels {sorted(keep)}" if keep else ""))
    windows, ys, names, skipped = [], [], [], []
    first = None
    for _, label, path in files:
        try:
            a = np.load(path, allow_pickle=False)
        except Exception as e:  # numpy's errors vary: ValueError, EOFError, OSError
            if damaged == "raise":
                raise DatasetError(f"{path}: cannot read: {e}") from e
            skipped.append(path)
            warnings.warn(f"{path}: damaged, skipped ({e})", DatasetWarning, stacklevel=2)
            continue
        if first is None:
            first = (a.shape, a.dtype, path)
        elif (a.shape, a.dtype) != first[:2]:
            raise DatasetError(f"{path}: shape {a.shape} {a.dtype} differs from {first[2].name}'s "
                               f"{first[0]} {first[1]}")
        windows.append(a)
        ys.append(label)
        names.append(path.name)
    if not windows:
        raise DatasetError(f"{folder}: no readable recordings ({len(skipped)} damaged, e.g. {skipped[0].name})")
    X = np.stack(windows)
    if X.dtype.kind in "fc":
        bad = [n for n, w in zip(names, windows) if not np.isfinite(w).all()]
        if bad:
            warnings.warn(f"{len(bad)} window(s) hold NaN or infinity (e.g. {bad[0]}): most estimators refuse "
                          "them; drop or repair those recordings before fitting", DatasetWarning, stacklevel=2)
    if flatten:
        X = X.reshape(len(X), -1)
    if dtype is not None:
        X = X.astype(dtype)
    return X, np.array(ys)


def pull(dest, remote: str = "/rec", device: Optional[str] = None, mpremote: Optional[Sequence[str]] = None,
         clear: bool = False) -> Path:
    """Copies the recordings folder `remote` from a device into the local folder
    `dest` with mpremote (``device``: a port such as /dev/ttyACM0, or mpremote's
    shortcuts a0, u0, ...; default: the first device found). Returns dest.
    ``clear`` deletes the copied recordings from the device afterwards."""
    cmd = list(mpremote or [sys.executable, "-m", "mpremote"])
    if device:
        cmd += ["connect", device]
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "pulled"
        _mpremote(cmd + ["cp", "-r", ":" + remote.rstrip("/"), str(staging)], remote)
        if not staging.is_dir():
            raise DatasetError(f"mpremote copied nothing from :{remote}")
        names = []
        for p in staging.iterdir():
            if NAME.match(p.name):
                shutil.copy2(p, dest / p.name)
                names.append(p.name)
    if clear and names:
        rm = []
        for n in names:
            rm += ["rm", f":{remote.rstrip('/')}/{n}", "+"]
        _mpremote(cmd + rm[:-1], remote)
    return dest


def _mpremote(cmd, remote):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        raise DatasetError(f"cannot run {cmd[0]}: install mpremote (pip install mpremote)") from None
    if proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise DatasetError(f"mpremote failed reading :{remote} (exit {proc.returncode}): "
                           f"{said[-1] if said else 'no message'}")


def summary(X: np.ndarray, y: np.ndarray) -> str:
    counts = Counter(y.tolist())
    per = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    return f"{len(y)} windows, X {X.shape} {X.dtype}; {per}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``microlearn dataset``: recordings (a folder, or a device via mpremote) -> .npz with X, y."""
    parser = Parser(
        prog="microlearn dataset",
        description="Build (X, y) from recordings made with microlearn.recorder: a local folder, "
                    "or pulled from a device with mpremote. Writes an .npz with arrays X and y.")
    parser.add_argument("folder", nargs="?",
                        help="folder of w<seq>_<label>.npy files (with --device: where to copy them)")
    parser.add_argument("--device", "-d", help="pull from this device first (mpremote port, e.g. /dev/ttyACM0 "
                                               "or a0; 'auto' for the first found)")
    parser.add_argument("--remote", default="/rec", help="recordings folder on the device (default /rec)")
    parser.add_argument("--clear", action="store_true", help="delete the pulled recordings from the device")
    parser.add_argument("--labels", help="comma-separated labels to keep (default: all)")
    parser.add_argument("--no-flatten", action="store_true",
                        help="X as (n, window, channels) instead of (n, window * channels)")
    parser.add_argument("-o", "--output", default="dataset.npz", help="output .npz (default dataset.npz)")
    args = parser.parse_args(argv)
    try:
        folder = args.folder
        if args.device:
            folder = folder or "recordings"
            pull(folder, args.remote, None if args.device == "auto" else args.device, clear=args.clear)
            print(f"pulled :{args.remote} into {folder}")
        elif not folder:
            parser.error("give a folder of recordings, or --device to pull them from a device")
        labels = args.labels.split(",") if args.labels else None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DatasetWarning)
            try:
                X, y = load_recordings(folder, labels, flatten=not args.no_flatten)
            finally:
                for w in caught:
                    if issubclass(w.category, DatasetWarning):
                        print(f"microlearn dataset: {w.message}", file=sys.stderr)
                    else:
                        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    except DatasetError as e:
        print(f"microlearn dataset: error: {e}", file=sys.stderr)
        return 1
    out = args.output if args.output.endswith(".npz") else args.output + ".npz"  # what np.savez writes
    np.savez(out, X=X, y=y)
    print(f"wrote {out}: {summary(X, y)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
