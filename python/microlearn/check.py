"""`microlearn check`: what a converted model costs and how it agrees, measured
on real MicroPython (the unix port and the emulated boards of the rig).

    microlearn check model.mlm --target cortex-m3 --target cortex-m0 [--data X.npy]

For each target: the model's bytes (flash), the native module's bytes, the
RAM that importing the module and loading the model take (gc.mem_alloc()
around each), instructions per predict() call (QEMU count or callgrind, the
MicroPython call included) and, with data, the share of rows whose device
prediction equals the host's (microlearn.Model, the same engine).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model import Model, load

CALLS = 20  # predict() calls counted per target

# Loads the model, writes every row's prediction to pred.bin (float32; the
# values for regressors), prints RAM figures, and brackets CALLS predict()
# calls (or as many empty iterations) with the rig's markers.
SCRIPT = """
import gc, array
gc.collect(); before = gc.mem_alloc()
import microlearn
microlearn._family(KIND)
gc.collect(); imported = gc.mem_alloc()
m = microlearn.load("model.mlm")
gc.collect(); loaded = gc.mem_alloc()
print("RAM", imported - before, loaded - imported)
info = m.info()
n = info["n_features"]
tc = "h" if info["feature_type"] == "int16" else "f"
x = array.array(tc, bytes((2 if tc == "h" else 4) * n))
width = info["n_outputs"] if info["task"] == "regression" else 1
out = array.array("f", bytes(4 * max(width, 1)))
size = len(x) * (2 if tc == "h" else 4)
with open("X.bin", "rb") as f, open("pred.bin", "wb") as res:
    while f.readinto(x) == size:
        if info["task"] == "regression":
            m.predict(x, out)
        else:
            out[0] = m.predict(x)
        res.write(memoryview(out)[:width])
with open("X.bin", "rb") as f:
    f.readinto(x)
m.predict(x, out) if info["task"] == "regression" else m.predict(x)
import _markers
_markers.start()
for i in range(CALLS):
    BODY
_markers.stop()
"""


@dataclass
class TargetReport:
    target: str
    model_bytes: int
    module_bytes: int
    import_ram: int
    load_ram: int
    instructions_per_predict: int
    agreement: float | None
    predictions: np.ndarray  # the device's outputs for the rows (labels, or values)


def _rows(model: Model, X) -> np.ndarray:
    X = np.asarray(X)
    if model.feature_dtype == np.int16:
        return np.ascontiguousarray(X if X.dtype.kind in "iu" else model.quantize(X), np.int16)
    return np.ascontiguousarray(X, np.float32)


def check(model: Model, targets=("unix", "cortex-m3"), X=None) -> list:
    """Measures `model` on each rig target; X (optional) gives rows to compare."""
    from .rig import build, count
    from .rig.targets import get_target

    module = {"tree_ensemble": "_trees"}[model.kind]
    rows = _rows(model, X if X is not None else np.zeros((1, model.n_features_in_)))
    host = model.predict(rows).reshape(len(rows), -1).astype(np.float32)
    files = {"model.mlm": model.to_bytes(), "X.bin": rows.tobytes()}
    script = SCRIPT.replace("KIND", "1").replace("CALLS", str(CALLS))
    predict = ("m.predict(x, out)" if model._task == "regression" else "m.predict(x)")
    reports = []
    for target in targets:
        lib = build.build_natmods(get_target(target).arch)
        full = count(target, script.replace("BODY", predict), files=files, lib_dir=lib, fetch=["pred.bin"])
        empty = count(target, script.replace("BODY", "pass"), files=files, lib_dir=lib)
        ram = next(l for l in full.output.splitlines() if l.startswith("RAM")).split()
        device = np.frombuffer(full.files["pred.bin"], np.float32).reshape(len(rows), -1)
        if model._task == "regression":
            same = np.isclose(device, host, rtol=1e-6, atol=1e-6).all(axis=1)
        else:
            same = (device == host).all(axis=1)
        reports.append(TargetReport(
            target, model.size, (lib / "microlearn" / f"{module}.mpy").stat().st_size,
            int(ram[1]), int(ram[2]), round((full.instructions - empty.instructions) / CALLS),
            float(same.mean()) if X is not None else None,
            device[:, 0] if device.shape[1] == 1 else device))
    return reports


def format_reports(reports) -> str:
    head = ["target", "model bytes", ".mpy bytes", "RAM: import", "RAM: load", "instr./predict()",
            "same as host"]
    rows = [[r.target, f"{r.model_bytes:,}", f"{r.module_bytes:,}", f"{r.import_ram:,}", f"{r.load_ram:,}",
             f"{r.instructions_per_predict:,}",
             "-" if r.agreement is None else f"{100 * r.agreement:.2f} %"] for r in reports]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head)] + [line(r) for r in rows])


def _load_data(path: str) -> np.ndarray:
    data = np.load(path)
    if hasattr(data, "files"):  # .npz: X, or its only array
        data = data["X"] if "X" in data.files else data[data.files[0]]
    return np.asarray(data)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="microlearn check", description=__doc__.split("\n\n")[0])
    p.add_argument("model", help=".mlm file")
    p.add_argument("--target", action="append",
                   help="rig target (unix, cortex-m3, cortex-m0, cortex-m4f); repeatable; default unix and cortex-m3")
    p.add_argument("--data", help=".npy or .npz (array X) of rows to compare device and host on")
    args = p.parse_args(argv)
    try:
        model = load(args.model)
        X = _load_data(args.data) if args.data else None
        print(format_reports(check(model, args.target or ("unix", "cortex-m3"), X)))
    except (ValueError, TypeError, OSError, KeyError) as e:
        print(f"microlearn check: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
