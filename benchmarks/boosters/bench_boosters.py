"""Boosters from XGBoost, LightGBM and CatBoost on MicroPython: microlearn's
converted model against m2cgen's Python export, on the same digits rows.

    .venv/bin/python benchmarks/boosters/bench_boosters.py     # prints a markdown table

Per target: instructions per predict() (the rig's counts: callgrind on unix,
QEMU's plugin on the boards; MicroPython's call included), bytes allocated
per call (gc.mem_alloc() over the calls, gc disabled), model bytes (the .mlm
file / m2cgen's Python source) beside the library's own JSON dump, and the
share of rows where the label equals the library's.
"""
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
warnings.filterwarnings("ignore")

import microlearn  # noqa: E402
from microlearn.rig import build, count  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

TARGETS = ["unix", "cortex-m0", "cortex-m3", "cortex-m4f"]
ROWS = 50

SCRIPT = """
import gc, array
SETUP
X = open("X.bin", "rb").read()
n = N_FEATURES
rows = [array.array("f", X[4 * n * i:4 * n * (i + 1)]) for i in range(len(X) // (4 * n))]
labels = []
for x in rows:
    labels.append(PREDICT)
print("labels", ",".join(str(v) for v in labels))
gc.collect()
gc.disable()
before = gc.mem_alloc()
import _markers
_markers.start()
for x in rows:
    BODY
_markers.stop()
print("alloc", gc.mem_alloc() - before)
"""


def argmax_source():
    return ("def argmax(v):\n    b = 0\n    for k in range(1, len(v)):\n        if v[k] > v[b]:\n"
            "            b = k\n    return b\n")


def python_walk_source(est) -> str:
    """The same trees as plain MicroPython: node arrays per tree and a loop
    (what a user without microlearn would write), class = argmax of the sums."""
    from microlearn.converters.trees import extractors
    ens = extractors()[type(est)](est)
    trees = []
    for t in ens.trees:
        leaf = t.left < 0
        trees.append((t.feature.tolist(), [float(v) for v in np.where(leaf, 0, t.threshold)],
                      t.left.tolist(), t.right.tolist(), [float(v) for v in t.value[:, 0]], t.output))
    base = [0.0] * ens.n_outputs if ens.baseline is None else [float(b) for b in ens.baseline]
    return (f"TREES = {trees!r}\nBASE = {base!r}\n" + argmax_source() +
            "def predict(x):\n    acc = list(BASE)\n    for f, t, l, r, v, k in TREES:\n        i = 0\n"
            "        while l[i] >= 0:\n            i = l[i] if x[f[i]] <= t[i] else r[i]\n"
            "        acc[k] += v[i]\n    return argmax(acc)\n")


def library_json_bytes(est) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        name = type(est).__module__.split(".")[0]
        path = os.path.join(tmp, "model.json")
        if name == "xgboost":
            est.get_booster().save_model(path)
        elif name == "lightgbm":
            Path(path).write_text(json.dumps(est.booster_.dump_model()))
        else:
            est.save_model(path, format="json")
        return os.path.getsize(path)


def measure(target, files, setup, predict, body, n_features, n_rows):
    lib = build.build_natmods(get_target(target).arch)
    script = (SCRIPT.replace("SETUP", setup).replace("N_FEATURES", str(n_features))
              .replace("PREDICT", predict))
    full = count(target, script.replace("BODY", body), files=files, lib_dir=lib, timeout=3000)
    empty = count(target, script.replace("BODY", "pass"), files=files, lib_dir=lib, timeout=3000)
    labels = next(l for l in full.output.splitlines() if l.startswith("labels")).split()[1].split(",")
    alloc = int(next(l for l in full.output.splitlines() if l.startswith("alloc")).split()[1])
    empty_alloc = int(next(l for l in empty.output.splitlines() if l.startswith("alloc")).split()[1])
    return (round((full.instructions - empty.instructions) / n_rows), max(0, alloc - empty_alloc) / n_rows,
            np.array(labels, int))


def main():
    import lightgbm as lgb
    import m2cgen
    import xgboost as xgb
    import catboost as cb
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    train, test = slice(0, 1500), slice(1500, 1500 + ROWS)
    models = {
        "XGBClassifier (10 rounds x 10 classes, depth 4)": xgb.XGBClassifier(n_estimators=10, max_depth=4),
        "LGBMClassifier (10 rounds x 10 classes, 16 leaves)": lgb.LGBMClassifier(n_estimators=10, num_leaves=16,
                                                                                  verbose=-1),
        "CatBoostClassifier (10 rounds, depth 4, 10 classes)": cb.CatBoostClassifier(iterations=10, depth=4,
                                                                                     verbose=0, allow_writing_files=False),
    }
    rows = X[test]
    results = {}  # (title, contender, target) -> instructions
    sizes = {}    # title -> (microlearn bytes, JSON bytes)
    out = ["| model | contender | target | instructions / predict() | bytes allocated / call | model bytes "
           "| library's JSON | same label as the library |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for title, est in models.items():
        est.fit(X[train], y[train])
        want = np.asarray(est.predict(rows)).ravel()
        model = microlearn.convert(est)
        json_bytes = library_json_bytes(est)
        contenders = {"microlearn (.mpy)": (
            {"m.mlm": model.to_bytes()}, "import microlearn\nm = microlearn.load('m.mlm')", "m.predict(x)",
            "m.predict(x)", model.size)}
        walk = python_walk_source(est)
        if model.info["leaf_width"] == 1:  # one value per leaf (XGBoost, LightGBM): the simple walk applies
            contenders["plain MicroPython tree walk"] = (
                {"pw.py": walk}, "from pw import predict", "predict(x)", "predict(x)", len(walk.encode()))
        try:
            code = m2cgen.export_to_python(est)
            contenders["m2cgen Python + argmax"] = (
                {"m2c.py": code}, "from m2c import score\n" + argmax_source(), "argmax(score(x))",
                "argmax(score(x))", len(code.encode()))
        except Exception as e:  # noqa: BLE001 - reported in the table
            out.append(f"| {title} | m2cgen | - | fails to export: {type(e).__name__}: {e} | | | | |")
        for name, (files, setup, predict, body, size) in contenders.items():
            files = dict(files, **{"X.bin": rows.tobytes()})
            for target in TARGETS:
                try:
                    instr, alloc, labels = measure(target, files, setup, predict, body, X.shape[1], len(rows))
                except Exception as e:  # noqa: BLE001
                    out.append(f"| {title} | {name} | {target} | failed: {type(e).__name__} | | | | |")
                    continue
                same = float(np.mean(labels == want))
                results[title, name, target] = (instr, alloc, same)
                if name.startswith("microlearn"):
                    sizes[title] = (size, json_bytes)
                out.append(f"| {title} | {name} | {target} | {instr:,} | {alloc:,.0f} | {size:,} | {json_bytes:,} "
                           f"| {100 * same:.1f} % |")
                print(out[-1], file=sys.stderr)
    print("\n".join(out))
    print("\n## Goals (issue: >= 100x fewer instructions than m2cgen, 0 bytes allocated, 100 % agreement, "
          "model bytes <= 1/4 of the library's JSON)\n")
    for title, (size, json_bytes) in sizes.items():
        ratios = []
        for target in TARGETS:
            ours, theirs = results.get((title, "microlearn (.mpy)", target)), results.get(
                (title, "m2cgen Python + argmax", target))
            if ours and theirs:
                ratios.append(f"{target} {theirs[0] / ours[0]:.0f}x")
        ours_all = [v for k, v in results.items() if k[0] == title and k[1].startswith("microlearn")]
        verdict = ("m2cgen cannot export it" if not ratios else
                   ("met" if all(float(r.split()[1][:-1]) >= 100 for r in ratios) else "MISSED") +
                   " (" + ", ".join(ratios) + ")")
        print(f"- {title}: fewer instructions than m2cgen: {verdict}; allocated per call: "
              f"{max(v[1] for v in ours_all):,.0f} B; agreement: {100 * min(v[2] for v in ours_all):.1f} %; "
              f"model bytes {size:,} = 1/{json_bytes / size:.0f} of the JSON dump")


if __name__ == "__main__":
    main()
