"""Packed vs refs layout, per prediction, engine called from C (the
benchmark's native module) and predict() from MicroPython, on the digits
forests of benchmarks/run.py: what docs/trees.md's layout table shows.

    .venv/bin/python benchmarks/trees/layouts.py [--cases rf10,rf100]

Run benchmarks/run.py first (it builds the cases' native modules in
build/bench/trees/<case>); this writes the refs-layout model beside them in
build/bench/trees-layouts/<case> and counts both layouts.
"""
import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import models  # noqa: E402
import run  # noqa: E402

TARGETS = ("unix", "cortex-m3", "cortex-m0")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default="rf10")
    ap.add_argument("-n", type=int, default=100)
    args = ap.parse_args()
    import microlearn
    for case in args.cases.split(","):
        src = run.OUT / case
        if not (src / "info.json").exists():
            sys.exit(f"{src}: run benchmarks/run.py --cases {case} first")
        Xtr, _, ytr, _ = models.data()
        title, make, task = models.CASES[case]
        est = make().fit(Xtr, ytr.astype(float) if task == "reg" else ytr)
        info = __import__("json").loads((src / "info.json").read_text())
        print(f"{case}: {title}")
        print(f"| layout | file bytes | " + " | ".join(f"{t} from C | {t} predict()" for t in TARGETS) + " |")
        for layout in ("packed", "refs"):
            d = run.OUT.parent / "trees-layouts" / case / layout
            if d.exists():
                shutil.rmtree(d)
            shutil.copytree(src, d, ignore=shutil.ignore_patterns("flash", "natmod-*"))
            m = microlearn.convert(est, layout=layout)
            m.save(d / "model.mlm")
            cells = []
            for t in TARGETS:
                for c in ("c_ml_f32", "ml_f32"):
                    r = run.measure(d, info, c, t, args.n)
                    cells.append(f"{r['per_predict']:,.0f}" if "per_predict" in r else r.get("error", "?"))
            print(f"| {layout} | {len(m.to_bytes()):,} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
