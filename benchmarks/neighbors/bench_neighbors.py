"""Neighbour models on MicroPython: microlearn vs emlearn's C k-NN vs plain
MicroPython, on the unix port (callgrind) and the emulated Cortex-M0 / M3 /
M4F (QEMU instruction counting). Writes the table of docs/benchmarks-neighbors.md:

    .venv/bin/python benchmarks/neighbors/bench_neighbors.py [--targets unix,cortex-m0] > docs/benchmarks-neighbors.md

The issue's case: k-NN (k = 5, 3 classes) over 1,000 stored samples of 16
int16 features; also the same model with float32 storage and a KMeans
(8 centres). Every contender runs the same fitted scikit-learn model on the
same held-out rows. Per call = (count(N2 rows) - count(N1 rows)) / (N2 - N1),
counted between the rig's markers after a warm-up call, so set-up cancels and
the MicroPython loop and call overhead ("empty loop") stays in. Agreement is
with scikit-learn's predictions on the float rows; bytes allocated per call
from gc.mem_alloc() around the calls.

emlearn (PyPI) is built from its eml_neighbors.h and its own code generator
into one native module (Makefile, emlknn.c). It stores int16 samples (the
same quantized values microlearn's int16 model stores), computes every
distance with an integer square root, sorts all of them and votes.
emlearn-micropython's prebuilt `emlearn_neighbors` module (the issue's
reference) is not on PyPI and is not measured.
"""
import re
import sys
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

N1, N2 = 2, 10
N_TRAIN, N_FEATURES, K = 1000, 16, 5
OUT = paths.build_dir() / "bench" / "neighbors"


def fit_models():
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_classification
    from sklearn.neighbors import KNeighborsClassifier
    X, y = make_classification(N_TRAIN + N2, N_FEATURES, n_informative=8, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    tr, te = slice(0, N_TRAIN), slice(N_TRAIN, None)
    knn = KNeighborsClassifier(K).fit(X[tr], y[tr])
    km = KMeans(8, n_init=2, random_state=0).fit(X[tr])
    scale = 2000.0 / float(np.abs(X).max())  # |q| <= 2000: emlearn's int32 squared sums cannot overflow
    return {"knn": knn, "km": km}, X[te], scale


# ---------------------------------------------------------------- emlearn

def emlearn_code(knn, Q_train):
    """model.h for emlknn.c: emlearn's generated C for the k-NN, on the same
    int16 samples microlearn's int16 model stores."""
    from emlearn.neighbors import c_generate_neighbors
    code = c_generate_neighbors(Q_train.astype(np.int16), labels=np.asarray(knn._y, np.int16),
                                n_neighbors=K, prefix="knn")
    # Native modules cannot hold initialised pointers (.data.rel): emlknn.c
    # builds the model struct from the arrays at each call instead.
    code = re.sub(r"^.*EmlNeighborsModel knn\s*=[^;]*;", "", code, flags=re.M)
    return f"#define N_FEATURES {N_FEATURES}\n#define N_ITEMS {N_TRAIN}\n#define K_NEIGHBORS {K}\n" + code


def emlearn_lib(arch, code):
    build.build_mpy_cross()
    return harness.emlearn_module(HERE, "_emlknn", arch, OUT / arch, "model.h", code)


# ----------------------------------------------------------- plain Python

def python_source(Q_train, labels, centres):
    """k-NN over int16 samples and nearest centre in plain MicroPython, as a
    user would write them (samples in one array('h'), partial selection)."""
    return f"""import array
D = {N_FEATURES}
K = {K}
DATA = array.array("h", {Q_train.astype(int).ravel().tolist()!r})
LABELS = {list(map(int, labels))!r}
CENTRES = [array.array("f", c) for c in {centres.tolist()!r}]
N = len(LABELS)

def py_knn(x):
    best = [(1 << 62, 0)] * K
    worst = 1 << 62
    for i in range(N):
        s = 0
        o = i * D
        for j in range(D):
            t = x[j] - DATA[o + j]
            s += t * t
        if s < worst:
            best[K - 1] = (s, i)
            best.sort()
            worst = best[K - 1][0]
    votes = [0, 0, 0]
    for s, i in best:
        votes[LABELS[i]] += 1
    return votes.index(max(votes))

def py_km(x):
    top = None
    k_top = 0
    for k in range(len(CENTRES)):
        c = CENTRES[k]
        s = 0.0
        for j in range(D):
            t = x[j] - c[j]
            s += t * t
        if top is None or s < top:
            top = s
            k_top = k
    return k_top
"""


# ------------------------------------------------------------- the runs

# case -> (title, rows file, microlearn call, emlearn call, plain Python call)
CASES = {
    "knn16": (f"k-NN predict, {N_TRAIN} int16 samples x {N_FEATURES}, k = {K}", "Q.bin", "h",
              "m.predict(x)", "E.knn(x)", "py_knn(x)"),
    "knn32": (f"k-NN predict, {N_TRAIN} float32 samples x {N_FEATURES}, k = {K}", "X.bin", "f",
              "m.predict(x)", None, None),
    "km": ("KMeans predict, 8 centres x 16 float32", "X.bin", "f", "m.predict(x)", None, "py_km(x)"),
    "km_transform": ("KMeans transform, 8 centres x 16 float32", "X.bin", "f", "m.transform(x, O)", None, None),
}
CONTENDERS = ("microlearn", "emlearn", "python")
MODEL_OF = {"knn16": "knn16", "knn32": "knn32", "km": "km", "km_transform": "km"}

def setup(contender, case):
    if contender == "microlearn":
        return f"import microlearn\nm = microlearn.load(open('{MODEL_OF[case]}.mlm', 'rb').read())"
    if contender == "emlearn":
        return "import _emlknn as E"
    return "from pymodels import *"


def script(contender, case, n, measure):
    title, rows, tc, *calls = CASES[case]
    call = calls[CONTENDERS.index(contender)] if contender else "None"
    return harness.device_script(setup(contender, case) if contender else "", call, dim=16, n=n, measure=measure,
                                 rows=rows, typecode=tc, out_len=8, alloc_rows=2)


def measure(target, contender, case, files, lib):
    return harness.per_call(target, lambda n, m: script(contender, case, n, m), files, lib, N1, N2, timeout=1800)


def ram(target, files, libs):
    """Bytes of heap for importing each contender's module and loading a model."""
    res = {case: harness.ram(target, files, libs["microlearn"], "import microlearn\nfrom microlearn import _neighbors",
                             f"{case}.mlm") for case in ("knn16", "knn32", "km")}
    res["emlearn_import"] = harness.ram(target, files, libs["emlearn"], "import _emlknn", "km.mlm", "")[0]
    res["python_import"] = harness.ram(target, files, libs["python"], "import pymodels", "km.mlm", "")[0]
    return res


def main():
    a, targets = harness.command_line(__doc__)
    saved = harness.saved_results(a, targets)
    if saved:
        print(report(*saved))
        return
    models, X, scale = fit_models()
    OUT.mkdir(parents=True, exist_ok=True)
    knn, km = models["knn"], models["km"]
    m16 = microlearn.convert(knn, feature_dtype="int16", feature_scale=scale)
    Q = m16.quantize(X)
    Q_train = m16.quantize(knn._fit_X)
    files = {"X.bin": X.tobytes(), "Q.bin": Q.tobytes(), "knn16.mlm": m16.to_bytes(),
             "knn32.mlm": microlearn.convert(knn).to_bytes(), "km.mlm": microlearn.convert(km).to_bytes()}
    sizes = {k: len(files[f"{k}.mlm"]) for k in ("knn16", "knn32", "km")}
    pymodels = OUT / "pymodels.py"
    pymodels.write_text(python_source(Q_train, knn._y, km.cluster_centers_))
    code = emlearn_code(knn, Q_train)
    want = {"knn16": knn.predict(X), "knn32": knn.predict(X), "km": km.predict(X), "km_transform": km.transform(X)[:, 0]}
    results = {"sizes": sizes, "emlearn_bytes": 2 * N_TRAIN * (N_FEATURES + 1), "targets": {}}
    for t in targets:
        arch = get_target(t).arch
        build.build_natmods(arch)
        mpy = harness.python_mpy(pymodels, arch, OUT)
        libs = {"microlearn": [paths.device_lib(arch)], "emlearn": [emlearn_lib(arch, code)], "python": [],
                None: []}
        tfiles = dict(files, **{"pymodels.mpy": mpy.read_bytes()})
        r = results["targets"][t] = {"empty": measure(t, None, "knn16", tfiles, [])["per_call"], "cases": {},
                                     "ram": ram(t, tfiles, libs),
                                     "mpy": (paths.device_lib(arch) / "microlearn" / "_neighbors.mpy").stat().st_size,
                                     "emlearn_mpy": (OUT / arch / "lib" / "_emlknn.mpy").stat().st_size,
                                     "python_mpy": mpy.stat().st_size}
        for case, spec in CASES.items():
            for c in CONTENDERS:
                if spec[3 + CONTENDERS.index(c)] is None:
                    continue
                harness.record(r["cases"], t, case, c, measure(t, c, case, tfiles, libs[c]), want[case], 1e-5)
    harness.finish(a, results, report(results, targets))


def report(res, targets):
    L = []
    L.append(f"Models: scikit-learn's KNeighborsClassifier (k = {K}) and KMeans (8 centres) fitted on "
             f"{N_TRAIN} rows of make_classification (16 features, 3 classes), evaluated on {N2} held-out "
             "rows (int16: quantized with one scale, |q| <= 2000). Instructions per call include the "
             "MicroPython loop and call (the \"empty loop\" row); agreement is with scikit-learn's "
             "predictions on the float rows (transform: the distance to centre 0 within 1e-5 relative).\n")
    L.append("| instructions per call | contender | " + " | ".join(targets) + " | agrees with scikit-learn | bytes allocated per call |")
    L.append("|---|---|" + "---:|" * len(targets) + "---:|---:|")
    L.append("| empty loop | | " + " | ".join(f"{res['targets'][t]['empty']:,.0f}" for t in targets) + " | | |")
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
            label = {"microlearn": "microlearn .mpy", "emlearn": "emlearn C", "python": "plain MicroPython"}[c]
            L.append(f"| {title} | {label} | " + " | ".join(cells) + f" | {' / '.join(sorted(agree))} | "
                     f"{' / '.join(sorted(alloc))} |")
    ml = [res["targets"][t]["cases"].get("knn16/microlearn", {}) for t in targets]
    em = [res["targets"][t]["cases"].get("knn16/emlearn", {}) for t in targets]
    ratios = [f"{t}: {a['per_call'] / b['per_call']:.2f}" for t, a, b in zip(targets, ml, em)
              if "per_call" in a and "per_call" in b]
    L.append(f"\nThe issue's goal, int16 k-NN at most 0.5x the instructions of emlearn's: microlearn / emlearn C "
             f"= {', '.join(ratios)}. emlearn-micropython's `emlearn_neighbors` module (the goal's reference) "
             "is not on PyPI; emlearn's C code from PyPI stands in for it. A cell with several values lists "
             "what the targets gave.\n")
    L.append("## Size and RAM\n")
    L.append("| | " + " | ".join(targets) + " |")
    L.append("|---|" + "---:|" * len(targets))
    L.append("| microlearn `_neighbors.mpy` bytes (copied to RAM at import) | "
             + " | ".join(f"{res['targets'][t]['mpy']:,}" for t in targets) + " |")
    L.append("| emlearn `_emlknn.mpy` bytes (code + the 1,000 samples) | "
             + " | ".join(f"{res['targets'][t]['emlearn_mpy']:,}" for t in targets) + " |")
    L.append("| plain MicroPython `pymodels.mpy` bytes (code + samples + centres) | "
             + " | ".join(f"{res['targets'][t]['python_mpy']:,}" for t in targets) + " |")
    L.append("| RAM to import microlearn + `_neighbors` | "
             + " | ".join(f"{res['targets'][t]['ram']['knn16'][0]:,}" for t in targets) + " |")
    L.append("| RAM to import `_emlknn` (code + samples) | "
             + " | ".join(f"{res['targets'][t]['ram']['emlearn_import']:,}" for t in targets) + " |")
    L.append("| RAM to import `pymodels` (code + samples + centres) | "
             + " | ".join(f"{res['targets'][t]['ram']['python_import']:,}" for t in targets) + " |")
    for case, name in (("knn16", "int16 k-NN"), ("knn32", "float32 k-NN"), ("km", "KMeans")):
        L.append(f"| RAM to load the {name} model (bytes used in place) | "
                 + " | ".join(f"{res['targets'][t]['ram'][case][1]:,}" for t in targets) + " |")
    L.append("\n| model | microlearn .mlm bytes (with its JSON metadata) |")
    L.append("|---|---:|")
    for case, name in (("knn16", "int16 k-NN"), ("knn32", "float32 k-NN"), ("km", "KMeans")):
        L.append(f"| {name} | {res['sizes'][case]:,} |")
    L.append(f"\nemlearn's k-NN parameters: {res['emlearn_bytes']:,} bytes (int16 samples and labels).")
    return "\n".join(L)


if __name__ == "__main__":
    main()
