"""Pipelines on MicroPython: what the preprocessing stored in a model costs
per predict() call, on the unix port (callgrind) and the emulated Cortex-M0 /
M3 / M4F (QEMU instruction counting). Writes the table of
docs/benchmarks-preprocess.md:

    .venv/bin/python benchmarks/preprocess/bench_preprocess.py [--targets unix,cortex-m0] > docs/benchmarks-preprocess.md

Three contenders per Pipeline, on the same held-out wine rows (13 float32
features): the converted Pipeline (one .mlm, the chain applied in the native
module), the Pipeline's final estimator converted alone and fed rows the
device preprocessed in plain MicroPython (what a user does without the
chain), and that final estimator fed rows already preprocessed on the PC
(the estimator's own cost: the difference to the first row is the chain's).
Per call = (count(N2 rows) - count(N1 rows)) / (N2 - N1) between the rig's
markers after a warm-up call. Agreement is with scikit-learn's Pipeline on
the N2 rows; bytes allocated per call from gc.mem_alloc() around the calls.

Neither m2cgen nor emlearn converts a scikit-learn Pipeline (m2cgen refuses
it; emlearn converts single estimators), so they have no row here.
"""
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import microlearn  # noqa: E402
from microlearn.rig import build, paths  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402
import harness  # noqa: E402

N1, N2 = 8, 40


def fit_pipelines():
    from sklearn.datasets import load_wine
    from sklearn.decomposition import PCA
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler
    from sklearn.svm import SVC
    X, y = load_wine(return_X_y=True)
    X = X.astype(np.float32)
    idx = np.random.default_rng(0).permutation(len(X))
    tr, te = idx[:118], idx[118:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipes = {
            "scaler_svc": make_pipeline(StandardScaler(), SVC()),
            "pca_nb": make_pipeline(StandardScaler(), PCA(5, whiten=True), GaussianNB()),
            "poly_forest": make_pipeline(StandardScaler(), PCA(4), PolynomialFeatures(2),
                                         RandomForestClassifier(10, max_depth=6, random_state=0)),
        }
        for p in pipes.values():
            p.fit(X[tr], y[tr])
    return pipes, X[te][:N2]


def python_preprocessing(pipe):
    """The Pipeline's steps in plain MicroPython, from the same float32
    parameters the chain stores (docs/preprocessing.md)."""
    from microlearn.converters import preprocess as P
    steps = P.chain([s for _, s in pipe.steps[:-1]], pipe.n_features_in_)
    lines, calls = [], []
    for k, s in enumerate(steps):
        p = None if s.params is None else np.asarray(s.params, np.float32).astype(np.float64).tolist()
        if s.op == P.AFFINE:
            lines.append(f"C{k} = {p[:s.n_in]!r}\nS{k} = {p[s.n_in:]!r}")
            calls.append(f"x = [(x[i] - C{k}[i]) * S{k}[i] for i in range({s.n_in})]")
        elif s.op == P.PROJECT:
            mean = p[:s.n_in] if s.arg else [0.0] * s.n_in
            W = np.asarray(p[s.n_in if s.arg else 0:]).reshape(s.n_out, s.n_in).tolist()
            lines.append(f"M{k} = {mean!r}\nW{k} = {W!r}")
            calls.append(f"d = [x[i] - M{k}[i] for i in range({s.n_in})]\n"
                         f"    x = [sum(w[i] * d[i] for i in range({s.n_in})) for w in W{k}]")
        elif s.op == P.POLY2:
            calls.append(("x = [1.0] + x + " if s.arg & 1 else "x = x + ")
                         + f"[x[i] * x[j] for i in range({s.n_in}) for j in range(i, {s.n_in})]")
        else:
            raise SystemExit(f"no plain-Python form for step op {s.op} in this benchmark")
    body = "\n    ".join(calls)
    return "\n".join(lines) + f"\ndef prep(x):\n    x = list(x)\n    {body}\n    return array.array('f', x)\n"


CONTENDERS = ("pipeline", "python_prep", "final_only")
LABEL = {"pipeline": "microlearn Pipeline .mlm (chain in the native module)",
         "python_prep": "final estimator .mlm, preprocessing in plain MicroPython",
         "final_only": "final estimator .mlm on rows preprocessed on the PC"}

def script(case, contender, dim, n, measure):
    if contender is None:
        setup, call, rows = "", "None", "X.bin"
    else:
        model = f"{case}.mlm" if contender == "pipeline" else f"{case}_final.mlm"
        setup = f"import microlearn\nm = microlearn.load(open('{model}', 'rb').read())"
        call, rows = "m.predict(x)", "X.bin"
        if contender == "python_prep":
            setup += f"\nfrom prep_{case} import prep"
            call = "m.predict(prep(x))"
        elif contender == "final_only":
            rows, dim = f"{case}_Xt.bin", dim[1]
    dim = dim if isinstance(dim, int) else dim[0]
    return harness.device_script(setup, call, dim=dim, n=n, measure=measure, rows=rows)


def measure(target, case, contender, dims, files, lib):
    return harness.per_call(target, lambda n, m: script(case, contender, dims, n, m), files, lib, N1, N2)


def main():
    a, targets = harness.command_line(__doc__)
    pipes, X = fit_pipelines()
    saved = harness.saved_results(a, targets)
    if saved:
        print(report(*saved, pipes))
        return
    out = paths.build_dir() / "bench" / "preprocess"
    out.mkdir(parents=True, exist_ok=True)
    files, dims, sizes, want = {"X.bin": X.tobytes()}, {}, {}, {}
    for case, pipe in pipes.items():
        files[f"{case}.mlm"] = microlearn.convert(pipe).to_bytes()
        files[f"{case}_final.mlm"] = microlearn.convert(pipe[-1]).to_bytes()
        Xt = pipe[:-1].transform(X).astype(np.float32)
        files[f"{case}_Xt.bin"] = Xt.tobytes()
        dims[case] = (X.shape[1], Xt.shape[1])
        sizes[case] = (len(files[f"{case}.mlm"]), len(files[f"{case}_final.mlm"]))
        want[case] = pipe.predict(X)
        (out / f"prep_{case}.py").write_text("import array\n" + python_preprocessing(pipe))
    results = {"sizes": sizes, "dims": dims, "targets": {}}
    for t in targets:
        arch = get_target(t).arch
        lib = [build.build_natmods(arch)]
        tfiles = dict(files)
        for case in pipes:
            tfiles[f"prep_{case}.mpy"] = harness.python_mpy(out / f"prep_{case}.py", arch, out).read_bytes()
        r = results["targets"][t] = {"empty": measure(t, "scaler_svc", None, 13, tfiles, [])["per_call"],
                                     "cases": {}, "ram": {}}
        for case in pipes:
            for c in CONTENDERS:
                harness.record(r["cases"], t, case, c, measure(t, case, c, dims[case], tfiles, lib), want[case])
            for kind, name in (("pipeline", f"{case}.mlm"), ("final", f"{case}_final.mlm")):
                r["ram"][f"{case}/{kind}"] = harness.ram(t, tfiles, lib, "import microlearn", name)[1]
    harness.finish(a, results, report(results, targets, pipes))


def report(res, targets, pipes):
    L = ["Pipelines fitted on 118 rows of the wine data set (13 features), evaluated on "
         f"{N2} held-out float32 rows. Instructions per `predict()` call include the MicroPython loop and "
         "call (the \"empty loop\" row); agreement is with scikit-learn's Pipeline on those rows.\n"]
    L.append("| Pipeline | contender | " + " | ".join(targets) + " | agrees with scikit-learn | bytes allocated per call |")
    L.append("|---|---|" + "---:|" * len(targets) + "---:|---:|")
    L.append("| empty loop | | " + " | ".join(f"{res['targets'][t]['empty']:,.0f}" for t in targets) + " | | |")
    for case, pipe in pipes.items():
        title = " + ".join(type(s).__name__ for _, s in pipe.steps)
        for c in CONTENDERS:
            cells, agree, alloc = [], set(), set()
            for t in targets:
                m = res["targets"][t]["cases"][f"{case}/{c}"]
                if "error" in m:
                    cells.append("error")
                    continue
                cells.append(f"{m['per_call']:,.0f}")
                agree.add(f"{m['agree']:.0f} %" if m.get("agree") is not None else "?")
                alloc.add(f"{m['alloc']:.0f}" if m.get("alloc") is not None else "?")
            L.append(f"| {title} | {LABEL[c]} | " + " | ".join(cells) + f" | {' / '.join(sorted(agree))} | "
                     f"{' / '.join(sorted(alloc))} |")
    L.append("\nThe chain's own cost is the first row of a Pipeline minus its third. A cell with several "
             "values lists what the targets gave.\n")
    L.append("## Model bytes and RAM\n")
    L.append("| Pipeline | .mlm bytes: Pipeline / final estimator alone | "
             + " | ".join(f"RAM to load on {t}: Pipeline / alone" for t in targets) + " |")
    L.append("|---|---:|" + "---:|" * len(targets))
    for case, pipe in pipes.items():
        title = " + ".join(type(s).__name__ for _, s in pipe.steps)
        p, f = res["sizes"][case]
        L.append(f"| {title} | {p:,} / {f:,} | " + " | ".join(
            f"{res['targets'][t]['ram'][case + '/pipeline']:,} / {res['targets'][t]['ram'][case + '/final']:,}"
            for t in targets) + " |")
    L.append("\nRAM is the GC heap's growth (gc.mem_alloc) over the first `microlearn.load()` of bytes already "
             "read: on the boards it includes importing the family's native module, whose code is copied into "
             "the heap (the unix port maps it outside). The chain adds its scratch (2 x the widest step's floats, "
             "plus a projection's centred input) to the family's. The chain's code is in every family's module (docs/preprocessing.md "
             "gives the .mpy growth: about 2 KB).")
    return "\n".join(L)


if __name__ == "__main__":
    main()
