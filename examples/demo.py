"""The microlearn demo, end to end:

1. train a random forest on scikit-learn's digits data set (8x8 images, 10 classes),
2. convert it with microlearn.convert() and check it on the PC (the C++ engine),
3. run the converted model on real MicroPython: the unix port and an emulated
   Cortex-M3 (QEMU mps2-an385), on every test image,
4. report accuracy (scikit-learn / host / device), model and code bytes, and
   instructions per prediction on the Cortex-M3 (counted by a QEMU plugin).

Run it with `bash scripts/demo.sh` (which sets everything up first).
"""
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import microlearn
from microlearn.rig import build, count, run
from microlearn.rig.targets import get_target

# The device side of the demo: load the model, predict every test row, print
# the predicted labels. Rows come as raw float32 in X.bin.
DEVICE_SCRIPT = """
import microlearn, array
m = microlearn.load("digits.mlm")
n = m.info()["n_features"]
x = array.array("f", bytes(4 * n))
labels = []
with open("X.bin", "rb") as f:
    while f.readinto(x) == 4 * n:
        labels.append(m.predict(x))
print("LABELS", " ".join(str(v) for v in labels))
"""

# Instructions for one predict() call, between the rig's two marker instructions.
COUNT_SCRIPT = """
import microlearn, array, _markers
m = microlearn.load("digits.mlm")
x = array.array("f", bytes(4 * m.info()["n_features"]))
open("X.bin", "rb").readinto(x)
m.predict(x)                 # warm up: first call resolves methods
_markers.start()
PREDICT
_markers.stop()
"""


def device_labels(target, model, X):
    res = run(target, DEVICE_SCRIPT, files={"digits.mlm": model.to_bytes(), "X.bin": X.tobytes()},
              lib_dir=build.build_natmods(get_target(target).arch))
    if res.returncode != 0:
        sys.exit(f"demo: the script failed on {target}:\n{res.output}")
    line = next(l for l in res.output.splitlines() if l.startswith("LABELS"))
    return np.array([int(v) for v in line.split()[1:]])


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    X_test = X_test.astype(np.float32)

    print("1. training RandomForestClassifier(n_estimators=10, max_depth=10) on digits ...")
    forest = RandomForestClassifier(n_estimators=10, max_depth=10, random_state=0).fit(X_train, y_train)

    print("2. converting ...")
    model = microlearn.convert(forest)
    out = Path("build/demo")
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "digits.mlm")
    model.to_c_header(out / "digits_model.h", name="digits_model")
    print(f"   {model!r}\n   wrote {out / 'digits.mlm'} and {out / 'digits_model.h'}")

    sk = forest.predict(X_test)
    host = model.predict(X_test)
    results = {"scikit-learn": sk, "microlearn on the PC": host}
    for target in ("unix", "cortex-m3"):
        print(f"3. running on MicroPython ({target}) over {len(X_test)} test images ...")
        results[f"MicroPython {target}"] = device_labels(target, model, X_test)

    print("4. counting instructions per predict() on the emulated Cortex-M3 ...")
    files = {"digits.mlm": model.to_bytes(), "X.bin": X_test[:1].tobytes()}
    lib = build.build_natmods("armv7m")
    marked = count("cortex-m3", COUNT_SCRIPT.replace("PREDICT", "m.predict(x)"), files=files, lib_dir=lib)
    empty = count("cortex-m3", COUNT_SCRIPT.replace("PREDICT", "pass"), files=files, lib_dir=lib)
    insns = marked.instructions - empty.instructions
    mpy = build.build_natmods("armv7m") / "microlearn" / "_trees.mpy"

    print("\n== report ==")
    width = max(len(k) for k in results)
    for name, labels in results.items():
        agree = np.mean(labels == sk) * 100
        print(f"  {name:<{width}}  accuracy {np.mean(labels == y_test) * 100:6.2f} %   "
              f"same as scikit-learn on {agree:6.2f} % of rows")
    print(f"  model file (flash)            {model.size:,} bytes "
          f"({model.info['n_nodes']:,} split nodes, {model.info['n_leaves']} leaf vectors)")
    print(f"  native module _trees.mpy      {mpy.stat().st_size:,} bytes (armv7m)")
    print(f"  instructions per predict()    {insns:,} on Cortex-M3 (QEMU count, "
          f"MicroPython call included)")
    ok = all(np.array_equal(v, sk) for v in results.values())
    print("\nall targets agree with scikit-learn on every row" if ok else "\nMISMATCH with scikit-learn")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
