"""What the check of non-finite inputs costs (include/microlearn/trees.hpp,
flag_refuses_inf / flag_refuses_nan): the digits forest of benchmarks/run.py
(rf10, 64 features), instructions per prediction from C and from predict(),
its file with the flags convert() writes and without them, on the same engine.

    .venv/bin/python benchmarks/trees/nonfinite_check.py [cortex-m0,cortex-m3]

Builds the case in build/bench/trees-check/rf10 (its own copy: benchmarks/run.py's
results stay as they are).
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import models  # noqa: E402
import run  # noqa: E402


def main():
    import microlearn
    from microlearn.converters import trees as tr
    from microlearn.rig import build

    targets = (sys.argv[1] if len(sys.argv) > 1 else "cortex-m0,cortex-m3").split(",")
    n = 100
    run.OUT = run.ROOT / "build" / "bench" / "trees-check"
    build.setup(targets)
    mpy_dir = build.fetch_source()
    case_dir = run.OUT / "rf10"
    info = models.prepare("rf10", case_dir, n)
    for t in targets:
        run.cbuild.natmod(case_dir, run.ARCH[t], mpy_dir)
    Xtr, _, ytr, _ = models.data()
    est = models.CASES["rf10"][1]().fit(Xtr, ytr)
    with_flags = microlearn.convert(est)
    probe = tr.refused_inputs
    tr.refused_inputs = lambda e: 0  # the file as written before the check
    without = microlearn.convert(est)
    tr.refused_inputs = probe
    assert with_flags.to_bytes() != without.to_bytes()
    print("| target | call | without flags | with flags | check |")
    print("|---|---|---:|---:|---:|")
    for t in targets:
        for c in ("c_ml_f32", "ml_f32"):
            counts = []
            for m in (without, with_flags):
                m.save(case_dir / "model.mlm")
                counts.append(run.measure(case_dir, info, c, t, n)["per_predict"])
            print(f"| {t} | {'from C' if c.startswith('c_') else 'predict()'} | {counts[0]:,.0f} | "
                  f"{counts[1]:,.0f} | +{counts[1] - counts[0]:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
