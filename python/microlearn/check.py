"""`microlearn check`: what a converted model costs and how it agrees, measured
on real MicroPython (the unix port and the emulated boards of the rig).

    microlearn check model.mlm --target cortex-m3 --target cortex-m0 [--data X.npy]

For each target: the model's bytes (flash), the native modules' bytes (the
family's, plus microlearn._preprocess for a model that carries a Pipeline's
preprocessing), the RAM that importing them and loading the model take
(gc.mem_alloc() around each), instructions per predict() call (QEMU count or callgrind, the
MicroPython call included) and, with data, the share of rows whose device
prediction equals the host's (microlearn.Model, the same engine).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from .cli import Parser
from . import mlm, parts
from .model import Model, load

CALLS = 20  # predict() calls counted per target
# Rows compared on an emulated board at most (bytes of X): files live in the
# board's RAM, as they would on a real part's.
QEMU_DATA_BYTES = 256 * 1024

# Loads the model, writes every row's prediction to pred.bin (float32: the
# values of regressors, the class index of classifiers, +1/-1 or the cluster
# of others), prints RAM figures, and brackets CALLS predict() calls (or as
# many empty iterations) with the rig's markers.
SCRIPT = """
import gc, array
gc.collect(); before = gc.mem_alloc()
import microlearn
print("MODULE", microlearn._family(KIND).__name__)
PREPROCESS
gc.collect(); imported = gc.mem_alloc()
m = microlearn.load("model.mlm")
gc.collect(); loaded = gc.mem_alloc()
print("RAM", imported - before, loaded - imported)
info = m.info()
n = info["n_features"]
tc = "h" if info["feature_type"] == "int16" else "f"
x = array.array(tc, bytes((2 if tc == "h" else 4) * n))
regression = info["task"] == "regression"
width = info["n_outputs"] if regression else 1
index = {c: i for i, c in enumerate(info["classes"])} if info["task"] == "classification" else None
out = array.array("f", bytes(4 * max(width, 1)))
size = len(x) * (2 if tc == "h" else 4)
with open("X.bin", "rb") as f, open("pred.bin", "wb") as res:
    while f.readinto(x) == size:
        if regression:
            m.predict(x, out)
        else:
            p = m.predict(x)
            out[0] = index[p] if index else p
        res.write(memoryview(out)[:width])
with open("X.bin", "rb") as f:
    f.readinto(x)
m.predict(x, out) if regression else m.predict(x)
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
    predictions: np.ndarray  # the device's outputs: values, or class indices / +1-1 / clusters
    rows_compared: int = 0
    warnings: list = field(default_factory=list)


def _rows(model: Model, X) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim == 1 and model.n_features_in_ == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != model.n_features_in_:
        raise ValueError(f"the data has shape {X.shape}, but the model takes rows of {model.n_features_in_} "
                         "features")
    if not len(X):
        raise ValueError(f"the data has no rows (shape {X.shape}): give at least one row to compare")
    if model.feature_dtype == np.int16:
        if X.dtype.kind not in "iu":
            return model.quantize(X)  # float features: quantized as the device's arrays.to_int does
        if X.size and (X.min() < -32768 or X.max() > 32767):
            raise ValueError(f"the data holds integers outside int16 ({X.min()} .. {X.max()}), which this "
                             "int16 model cannot take: pass the float features (check quantizes them "
                             "with the model's scale and offset) or int16 values")
        return np.ascontiguousarray(X, np.int16)
    if X.dtype.kind not in "fiub":
        raise TypeError(f"the data must hold numbers, got dtype {X.dtype}")
    return np.ascontiguousarray(X, np.float32)


def _host_outputs(model: Model, rows: np.ndarray) -> np.ndarray:
    """What the device writes to pred.bin, computed on the host: the engine's
    own outputs (regression values, or class indices / +1-1 / clusters)."""
    return np.asarray(model._call("predict", rows), np.float32).reshape(len(rows), -1)


def _fits(target: str, message: str, output: str) -> None:
    if "MemoryError" in output:
        from .rig.targets import QEMU_HEAP_SIZE
        raise ValueError(f"{target}: {message} does not fit in the board's MicroPython heap "
                         f"({QEMU_HEAP_SIZE // 1024:,} KiB on the emulated boards): MemoryError")


def check(model: Model, targets=("unix", "cortex-m3"), X=None, part: str | None = None) -> list:
    """Measures `model` on each rig target; X (optional) gives rows to compare.
    `part` (a name in microlearn.parts.PARTS) adds warnings where RAM or
    flash exceed that part's."""
    from .rig import build, count, firmware
    from .rig.count import CountError
    from .rig.targets import get_target

    targets = list(dict.fromkeys(targets))  # a target given twice runs once
    part_info = parts.get_part(part) if part else None
    for target in targets:
        get_target(target)  # an unknown target fails before any build
    # The module load() imports for this file: the device package's own choice from the header's flags.
    family_kind = model.family.kind
    kind = f"{family_kind}, microlearn._modules({family_kind}, {mlm.read_header(model.to_bytes()).flags & 0xFF})[0]"
    all_rows = _rows(model, X if X is not None else np.zeros((1, model.n_features_in_)))
    script = SCRIPT.replace("KIND", kind).replace("CALLS", str(CALLS))
    predict = ("m.predict(x, out)" if model._task == "regression" else "m.predict(x)")
    reports = []
    for target in targets:
        t = get_target(target)
        rows = all_rows
        if t.kind == "qemu" and rows.nbytes > QEMU_DATA_BYTES:
            rows = rows[:max(1, QEMU_DATA_BYTES // max(1, rows.itemsize * rows.shape[1]))]
        if t.kind == "qemu":
            from .rig.targets import QEMU_HEAP_SIZE
            if model.size + rows.nbytes > QEMU_HEAP_SIZE * 3 // 4:
                raise ValueError(f"{target}: the model ({model.size:,} bytes) does not fit in the emulated "
                                 f"board's MicroPython heap ({QEMU_HEAP_SIZE:,} bytes, of which the model file "
                                 "is read into RAM once and the package needs some)")
        host = _host_outputs(model, rows)
        files = {"model.mlm": model.to_bytes(), "X.bin": rows.tobytes()}
        compiled_in = firmware.is_builtin(t)  # microlearn inside the firmware: no .mpy on the path
        lib = [] if compiled_in else build.build_natmods(t.arch)
        # A Pipeline's model imports microlearn._preprocess at load (device/natmods/glue.h): imported
        # here with the family's module, its bytes count under flash and RAM: import, not RAM: load.
        # Firmware holds the preprocessing inside its one engine.
        pre = ("from microlearn import _preprocess\nprint('MODULE', 'microlearn._preprocess')"
               if model._preprocess is not None and not compiled_in else "")
        target_script = script.replace("PREPROCESS", pre)
        try:
            full = count(target, target_script.replace("BODY", predict), files=files, lib_dir=lib,
                         fetch=["pred.bin"])
            empty = count(target, target_script.replace("BODY", "pass"), files=files, lib_dir=lib)
        except CountError as e:
            output = e.result.output if e.result is not None else str(e)
            _fits(target, f"the model ({model.size:,} bytes) with {rows.nbytes:,} bytes of data", output)
            raise
        ram = next(l for l in full.output.splitlines() if l.startswith("RAM")).split()
        modules = [l.split(".")[-1] for l in full.output.splitlines() if l.startswith("MODULE")]
        device = np.frombuffer(full.files["pred.bin"], np.float32).reshape(len(rows), -1)
        if model._task == "regression":
            same = np.isclose(device, host, rtol=1e-6, atol=1e-6).all(axis=1)
        else:
            same = (device == host).all(axis=1)
        r = TargetReport(
            target, model.size,
            0 if compiled_in else sum((lib / "microlearn" / f"{m}.mpy").stat().st_size for m in modules),
            int(ram[1]), int(ram[2]), round((full.instructions - empty.instructions) / CALLS),
            float(same.mean()) if X is not None else None,
            device[:, 0] if device.shape[1] == 1 else device, len(rows) if X is not None else 0)
        if X is not None and len(rows) < len(all_rows):
            r.warnings.append(f"{target}: compared the first {len(rows):,} of {len(all_rows):,} rows "
                              f"({QEMU_DATA_BYTES // 1024} KiB of data on the emulated board)")
        if part_info is not None:
            r.warnings += parts.warnings(part_info, flash=r.model_bytes + r.module_bytes,
                                         ram=r.import_ram + r.load_ram)
        reports.append(r)
    return reports


def format_reports(reports) -> str:
    head = ["target", "flash: model", "+ .mpy", "= total", "RAM: import", "RAM: load", "instr./predict()",
            "same as host"]
    rows = [[r.target, f"{r.model_bytes:,}", f"{r.module_bytes:,}", f"{r.model_bytes + r.module_bytes:,}",
             f"{r.import_ram:,}", f"{r.load_ram:,}", f"{r.instructions_per_predict:,}",
             "-" if r.agreement is None else f"{100 * r.agreement:.2f} %"] for r in reports]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head)] + [line(r) for r in rows])


def _load_data(path: str) -> np.ndarray:
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise ValueError(f"cannot read {path} as .npy or .npz: {e}") from None
    if hasattr(data, "files"):  # .npz: X, or its only array
        data = data["X"] if "X" in data.files else data[data.files[0]]
    return np.asarray(data)


def main(argv=None) -> int:
    from .rig.paths import RigError
    p = Parser(prog="microlearn check", description=__doc__.split("\n\n")[0])
    p.add_argument("model", help=".mlm file")
    p.add_argument("--target", action="append",
                   help="rig target (unix, cortex-m3, cortex-m0, cortex-m4f); repeatable; default unix and cortex-m3")
    p.add_argument("--data", help=".npy or .npz (array X) of rows to compare device and host on")
    p.add_argument("--part", help="warn where flash or RAM exceed this chip's (" + ", ".join(parts.PARTS) + ")")
    args = p.parse_args(argv)
    try:
        model = load(args.model)
        X = _load_data(args.data) if args.data else None
        reports = check(model, args.target or ("unix", "cortex-m3"), X, args.part)
        print(format_reports(reports))
        if args.part:
            print(parts.describe(parts.get_part(args.part)))
        for r in reports:
            for w in r.warnings:
                print(f"warning: {w}")
    except (ValueError, TypeError, OSError, KeyError, RigError) as e:
        print(f"microlearn check: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
