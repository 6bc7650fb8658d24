"""Kernel SVMs on MicroPython: microlearn vs m2cgen's generated Python vs
plain MicroPython, on the unix port (callgrind) and the emulated Cortex-M0 /
M3 / M4F (QEMU instruction counting). Writes the table of
docs/benchmarks-svm.md:

    .venv/bin/python benchmarks/svm/bench_svm.py [--targets unix,cortex-m0] > docs/benchmarks-svm.md

Every contender runs the same fitted scikit-learn model on the same held-out
wine rows (standardised, float32). Per call = (count(N2 rows) - count(N1
rows)) / (N2 - N1), counted between the rig's markers after a warm-up call,
so set-up cancels and the MicroPython loop and call overhead ("empty loop")
stays in. Agreement is with scikit-learn on the N2 rows; bytes allocated per
call from gc.mem_alloc() around 4 calls, measured twice (the first
gc.mem_alloc() measurement in a process sees a one-off 32 bytes, whatever
is called), the second reported.

m2cgen (PyPI) writes each model as one Python expression per kernel value;
its SVC gives the one-vs-one decisions, so its contender adds libsvm's vote
(a few lines of Python, below). emlearn has no SVMs; emlearn-micropython's
native modules are not on PyPI and are not used.
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
OUT = paths.build_dir() / "bench" / "svm"
D = 13


def fit_models():
    from sklearn.datasets import load_wine
    from sklearn.svm import SVC, SVR, OneClassSVM
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    idx = np.random.default_rng(0).permutation(len(X))
    tr, te = idx[:118], idx[118:]
    t = X[:, 0] * 0.5 + X[:, 6] - 0.3 * X[:, 9] ** 2  # a regression target over the same rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {
            "rbf": SVC(kernel="rbf").fit(X[tr], y[tr]),
            "linear": SVC(kernel="linear").fit(X[tr], y[tr] == 1),
            "svr": SVR(kernel="rbf", C=3.0).fit(X[tr], t[tr]),
            "ocsvm": OneClassSVM(nu=0.1).fit(X[tr]),
        }
    return models, X[te][:N2].astype(np.float32)


def m2cgen_source(models):
    """m2cgen's Python for each model (function score renamed per model)."""
    import m2cgen
    parts = []
    for name in ("rbf", "linear", "svr"):
        parts.append(m2cgen.export_to_python(models[name], function_name=f"m2c_{name}").replace("import math\n", ""))
    parts.append('''
def vote(d, k):
    votes = [0] * k
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            votes[i if d[p] > 0 else j] += 1
            p += 1
    best = 0
    for c in range(1, k):
        if votes[c] > votes[best]:
            best = c
    return best
''')
    return "import math\n" + "\n".join(parts)


def python_source(models):
    """Each model in plain MicroPython, as a user would write it: support
    vectors and libsvm's coefficients as lists, kernel values once per call."""
    from sklearn.svm import SVC  # noqa: F401
    lines = ["import math"]
    for name, est in models.items():
        lines.append(f"{name.upper()}_SV = {est.support_vectors_.tolist()!r}")
        lines.append(f"{name.upper()}_COEF = {est._dual_coef_.tolist()!r}")
        lines.append(f"{name.upper()}_B = {est._intercept_.tolist()!r}")
        lines.append(f"{name.upper()}_G = {float(est._gamma)!r}")
        if hasattr(est, "_n_support") and name in ("rbf", "linear"):
            lines.append(f"{name.upper()}_NS = {est._n_support.tolist()!r}")
    lines.append('''
def rbf(x, sv, g):
    out = []
    for s in sv:
        d = 0.0
        for i in range(len(x)):
            t = x[i] - s[i]
            d += t * t
        out.append(math.exp(-g * d))
    return out

def linear(x, sv):
    out = []
    for s in sv:
        d = 0.0
        for i in range(len(x)):
            d += x[i] * s[i]
        out.append(d)
    return out

def one(kv, coef, b):
    s = b
    for i in range(len(kv)):
        s += coef[i] * kv[i]
    return s

def py_rbf(x):
    kv = rbf(x, RBF_SV, RBF_G)
    k = len(RBF_NS)
    start = [0] * k
    for i in range(1, k):
        start[i] = start[i - 1] + RBF_NS[i - 1]
    votes = [0] * k
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            d = RBF_B[p]
            for s in range(start[i], start[i] + RBF_NS[i]):
                d += RBF_COEF[j - 1][s] * kv[s]
            for s in range(start[j], start[j] + RBF_NS[j]):
                d += RBF_COEF[i][s] * kv[s]
            votes[i if d > 0 else j] += 1
            p += 1
    best = 0
    for c in range(1, k):
        if votes[c] > votes[best]:
            best = c
    return best

def py_linear(x):
    return 0 if one(linear(x, LINEAR_SV), LINEAR_COEF[0], LINEAR_B[0]) > 0 else 1

def py_svr(x):
    return one(rbf(x, SVR_SV, SVR_G), SVR_COEF[0], SVR_B[0])

def py_ocsvm(x):
    return 1 if one(rbf(x, OCSVM_SV, OCSVM_G), OCSVM_COEF[0], OCSVM_B[0]) > 0 else -1
''')
    return "\n".join(lines) + "\n"


# case -> (title, microlearn call, m2cgen call or None, plain Python call).
# Classifier calls return the class index; calls writing into O are read
# back as O[0].
CASES = {
    "rbf": ("SVC rbf predict (3 classes)", "C.index(m.predict(x))", "vote(m2c_rbf(x), 3)", "py_rbf(x)"),
    "linear": ("SVC linear predict (binary)", "C.index(m.predict(x))", "0 if m2c_linear(x) < 0 else 1",
               "py_linear(x)"),
    "svr": ("SVR rbf predict", "m.predict(x, O)", "m2c_svr(x)", "py_svr(x)"),
    "ocsvm": ("OneClassSVM rbf predict", "m.predict(x)", None, "py_ocsvm(x)"),
}
CONTENDERS = ("microlearn", "m2cgen", "python")

def setup(contender, case):
    if contender == "microlearn":
        return (f"import microlearn\nm = microlearn.load(open('{case}.mlm', 'rb').read())\n"
                "C = list(m.info().get('classes', ()))")
    if contender == "m2cgen":
        return "from m2cmodels import *"
    return "from pymodels import *"


def script(contender, case, n, measure):
    call = CASES[case][1 + CONTENDERS.index(contender)] if contender else "None"
    return harness.device_script(setup(contender, case) if contender else "", call, dim=D, n=n, measure=measure)


def measure(target, contender, case, files, lib):
    return harness.per_call(target, lambda n, m: script(contender, case, n, m), files, lib, N1, N2)


def ram(target, files, lib):
    return {case: harness.ram(target, files, lib, "import microlearn\nfrom microlearn import _svm", f"{case}.mlm")
            for case in CASES}


def reference(models, X):
    return {"rbf": models["rbf"].predict(X), "linear": models["linear"].predict(X).astype(int),
            "svr": models["svr"].predict(X), "ocsvm": models["ocsvm"].predict(X)}


def main():
    a, targets = harness.command_line(__doc__)
    saved = harness.saved_results(a, targets)
    if saved:
        print(report(*saved))
        return
    models, X = fit_models()
    OUT.mkdir(parents=True, exist_ok=True)
    files = {"X.bin": X.tobytes()}
    sizes = {}
    for name, est in models.items():
        files[f"{name}.mlm"] = microlearn.convert(est).to_bytes()
        sizes[name] = len(files[f"{name}.mlm"])
    sources = {"pymodels": python_source(models), "m2cmodels": m2cgen_source(models)}
    for name, src in sources.items():
        (OUT / f"{name}.py").write_text(src)
    src_sizes = {name: len(src.encode()) for name, src in sources.items()}
    want = reference(models, X)
    results = {"sizes": sizes, "source_sizes": src_sizes,
               "n_sv": {k: int(len(m.support_vectors_)) for k, m in models.items()}, "targets": {}}
    for t in targets:
        arch = get_target(t).arch
        build.build_natmods(arch)
        tfiles = dict(files, **{f"{name}.mpy": harness.python_mpy(OUT / f"{name}.py", arch, OUT).read_bytes()
                                for name in sources})
        lib = [paths.device_lib(arch)]
        r = results["targets"][t] = {"empty": measure(t, None, "rbf", tfiles, [])["per_call"], "cases": {},
                                     "ram": ram(t, tfiles, lib),
                                     "mpy": (paths.device_lib(arch) / "microlearn" / "_svm.mpy").stat().st_size}
        for case, spec in CASES.items():
            for c in CONTENDERS:
                if spec[1 + CONTENDERS.index(c)] is None:
                    continue
                harness.record(r["cases"], t, case, c, measure(t, c, case, tfiles, lib if c == "microlearn" else []),
                               want[case], 1e-4 if case == "svr" else 0.0)
    harness.finish(a, results, report(results, targets))


def report(res, targets):
    L = []
    L.append("Models: scikit-learn fitted on 118 standardised rows of the wine data set (13 features), "
             f"evaluated on {N2} held-out float32 rows; support vectors: "
             + ", ".join(f"{CASES[k][0].split(' predict')[0]} {v}" for k, v in res["n_sv"].items())
             + ". Instructions per call include the MicroPython loop and call (the \"empty loop\" row); "
             "agreement is with scikit-learn on those rows (SVR: |d| <= 1e-4 (1 + |y|)).\n")
    L.append("| instructions per call | contender | " + " | ".join(targets)
             + " | agrees with scikit-learn | bytes allocated per call |")
    L.append("|---|---|" + "---:|" * len(targets) + "---:|---:|")
    L.append("| empty loop | | " + " | ".join(f"{res['targets'][t]['empty']:,.0f}" for t in targets) + " | | |")
    labels = {"microlearn": "microlearn .mpy", "m2cgen": "m2cgen Python", "python": "plain MicroPython"}
    for case, (title, *_rest) in CASES.items():
        for c in CONTENDERS:
            if f"{case}/{c}" not in res["targets"][targets[0]]["cases"]:
                continue
            cells, agree, alloc = [], set(), set()
            for t in targets:
                m = res["targets"][t]["cases"][f"{case}/{c}"]
                if "error" in m:
                    cells.append("error")
                    continue
                cells.append(f"{m['per_call']:,.0f}")
                agree.add(f"{m['agree']:.0f} %" if m["agree"] is not None else "?")
                alloc.add(f"{m['alloc']:.0f}" if m["alloc"] is not None else "?")
            L.append(f"| {title} | {labels[c]} | " + " | ".join(cells) + f" | {' / '.join(sorted(agree))} | "
                     f"{' / '.join(sorted(alloc))} |")
    L.append("\nA cell with several values lists what the targets gave. Ratio microlearn / m2cgen "
             "(instructions per call, loop included):\n")
    L.append("| case | " + " | ".join(targets) + " |")
    L.append("|---|" + "---:|" * len(targets))
    for case in ("rbf", "linear", "svr"):
        cells = []
        for t in targets:
            c = res["targets"][t]["cases"]
            a, b = c.get(f"{case}/microlearn", {}), c.get(f"{case}/m2cgen", {})
            cells.append(f"{a['per_call'] / b['per_call']:.3f}" if "per_call" in a and "per_call" in b else "n/a")
        L.append(f"| {CASES[case][0]} | " + " | ".join(cells) + " |")
    L.append("\nWhat the contenders compute: microlearn stores each support vector once and computes its "
             "kernel value once per call in float32, then libsvm's one-vs-one decisions and vote "
             "(docs/svm.md). m2cgen's Python spells out every kernel value as one expression with the "
             "support vector's numbers as literals (math.pow per feature for rbf) in MicroPython floats "
             "(single precision on the boards, double on the unix port), boxing each intermediate float "
             "(hence its allocations; the 64-bit unix port's float objects are twice as large). Plain "
             "MicroPython is the same algorithm as microlearn over lists.\n")
    L.append("## Size and RAM\n")
    L.append("| | " + " | ".join(targets) + " |")
    L.append("|---|" + "---:|" * len(targets))
    L.append("| microlearn `_svm.mpy` bytes (copied to RAM at import) | "
             + " | ".join(f"{res['targets'][t]['mpy']:,}" for t in targets) + " |")
    L.append("| RAM to import microlearn + `_svm` | "
             + " | ".join(f"{res['targets'][t]['ram']['rbf'][0]:,}" for t in targets) + " |")
    for case in CASES:
        L.append(f"| RAM to load the {CASES[case][0].split(' predict')[0]} model (bytes used in place) | "
                 + " | ".join(f"{res['targets'][t]['ram'][case][1]:,}" for t in targets) + " |")
    L.append("\nRAM is the GC heap's growth (gc.mem_alloc): on the boards a native module's code and data "
             "are copied into it at import; the unix port maps native code outside the heap. Loading reads the "
             "model from a file into a bytes object (not counted) that the model uses in place; the object, "
             "its scratch (kernel values, pair decisions, per-class values) and result buffer are what load adds.")
    L.append("\n| model | microlearn .mlm bytes (with its JSON metadata) |")
    L.append("|---|---:|")
    for case in CASES:
        L.append(f"| {CASES[case][0].split(' predict')[0]} | {res['sizes'][case]:,} |")
    L.append(f"\nSource bytes of the Python contenders (all models; compiled to .mpy for the run): m2cgen "
             f"{res['source_sizes']['m2cmodels']:,}, plain MicroPython {res['source_sizes']['pymodels']:,}.")
    return "\n".join(L)


if __name__ == "__main__":
    main()
