"""The microlearn demo, end to end:

1. train a random forest on scikit-learn's digits data set (8x8 images, 10 classes),
2. convert it with microlearn.convert() and check it on the PC (the C++ engine),
3. run the converted model on real MicroPython: the unix port and an emulated
   Cortex-M3 (QEMU mps2-an385), on every test image,
4. report accuracy (scikit-learn / host / device), model and code bytes, RAM,
   and instructions per prediction (microlearn.check: a QEMU plugin on the
   Cortex-M3, callgrind on the unix port).

Run it with `bash scripts/demo.sh` (which sets everything up first).
"""
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import microlearn
from microlearn.check import check, format_reports


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
    results = {"scikit-learn": sk, "microlearn on the PC": model.predict(X_test)}
    print(f"3. running on MicroPython (unix, emulated Cortex-M3) over {len(X_test)} test images,\n"
          "   counting instructions per predict() ...")
    reports = check(model, ["unix", "cortex-m3"], X_test)
    for r in reports:
        results[f"MicroPython {r.target}"] = r.predictions.astype(int)

    print("\n== report ==")
    width = max(len(k) for k in results)
    for name, labels in results.items():
        agree = np.mean(labels == sk) * 100
        print(f"  {name:<{width}}  accuracy {np.mean(labels == y_test) * 100:6.2f} %   "
              f"same as scikit-learn on {agree:6.2f} % of rows")
    print(f"\n  {model.info['n_nodes']:,} split nodes, {model.info['n_leaves']} leaf vectors; on MicroPython "
          "(RAM from gc.mem_alloc(), instructions counted, the call included):\n")
    print("  " + format_reports(reports).replace("\n", "\n  "))
    ok = all(np.array_equal(v, sk) for v in results.values())
    print("\nall targets agree with scikit-learn on every row" if ok else "\nMISMATCH with scikit-learn")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
