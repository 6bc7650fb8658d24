"""Gaussian models on MicroPython: microlearn vs emlearn's C code vs plain
MicroPython, on the unix port (callgrind) and the emulated Cortex-M0 / M3 /
M4F (QEMU instruction counting). Writes the table of docs/benchmarks-gaussian.md:

    .venv/bin/python benchmarks/gaussian/bench_gaussian.py [--targets unix,cortex-m0] > docs/benchmarks-gaussian.md

Every contender runs the same fitted scikit-learn model on the same held-out
wine rows (13 float32 features). Per call = (count(N2 rows) - count(N1 rows)) /
(N2 - N1), counted between the rig's markers after a warm-up call, so set-up
cancels and the MicroPython loop and call overhead ("empty loop") stays in.
Agreement is with scikit-learn on the N2 rows; bytes allocated per call
from gc.mem_alloc() around the calls.

emlearn (PyPI) is built from its headers and its own code generators into one
native module (Makefile, emlgauss.c). emlearn's GaussianNB is Q16 fixed point
without class priors, its mixtures turn every covariance type into full
matrices, its EllipticEnvelope multiplies by the full precision matrix.
emlearn's score_samples (eml_mixture_score) needs libm's expf / logf, which
do not link into a native module, so it is not measured.
emlearn-micropython's prebuilt native modules are not used (not on PyPI).
"""
import re
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
OUT = paths.build_dir() / "bench" / "gaussian"


def fit_models():
    from sklearn.covariance import EllipticEnvelope
    from sklearn.datasets import load_wine
    from sklearn.mixture import GaussianMixture
    from sklearn.naive_bayes import GaussianNB
    X, y = load_wine(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(X))
    tr, te = idx[:118], idx[118:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {
            "nb": GaussianNB().fit(X[tr], y[tr]),
            "gmm": GaussianMixture(4, covariance_type="full", random_state=0).fit(X[tr]),
            "gmmd": GaussianMixture(4, covariance_type="diag", random_state=0).fit(X[tr]),
            "ee": EllipticEnvelope(random_state=0).fit(X[tr]),
        }
    return models, X[te][:N2].astype(np.float32)


# ---------------------------------------------------------------- emlearn

def emlearn_code(models):
    """models.h for emlgauss.c: emlearn's generated C for each model."""
    import emlearn
    from emlearn import distance
    parts = [emlearn.convert(models["nb"]).save(name="nb"),
             emlearn.convert(models["gmm"]).save(name="gmm"),
             emlearn.convert(models["gmmd"]).save(name="gmmd")]
    ee = models["ee"]
    parts.append(distance.generate_code(ee.location_, ee.get_precision(), ee.offset_, name="ee"))
    k, d = models["gmm"].means_.shape
    code = "\n".join(parts)
    # Native modules cannot hold initialised writable data (.data): the
    # generated model structs become const (emlgauss.c casts the const away
    # for emlearn's non-const parameters, which it only reads).
    code = re.sub(r"^(\s*)(EmlBayesSummary|EmlBayesModel|EmlMixtureModel) ", r"\1static const \2 ", code, flags=re.M)
    return f"#define N_FEATURES {d}\n#define N_COMPONENTS {k}\n" + code


def emlearn_data_bytes(models):
    """Bytes of the parameters in emlearn's generated C (its 'model size')."""
    nb, gmm, gmmd, ee = (models[k] for k in ("nb", "gmm", "gmmd", "ee"))
    k, d = gmm.means_.shape
    return {"nb": 12 * nb.theta_.size,                          # Q16 mean, std, log2 std
            "gmm": 4 * (k * d + k * d * d + 2 * k),             # means, full precision factors, log dets, log weights
            "gmmd": 4 * (k * d + k * d * d + 2 * k),            # converted to full
            "ee": 4 * (d + d * d + 1)}


def emlearn_lib(arch, code):
    build.build_mpy_cross()
    return harness.emlearn_module(HERE, "_emlgauss", arch, OUT / arch, "models.h", code)


# ----------------------------------------------------------- plain Python

def python_source(models):
    """Each model in plain MicroPython, as a user would write it, from the
    same float64 parameters microlearn's converter computes."""
    from microlearn.converters import gaussian as G
    lines = []
    for name in ("nb", "gmm", "gmmd", "ee"):
        g = G.extractors()[type(models[name])](models[name])
        k, d = g.means.shape
        lines.append(f"{name.upper()}_MU = {g.means.tolist()!r}")
        lines.append(f"{name.upper()}_C = {np.asarray(g.constants).tolist()!r}")
        if g.covariance == "full":
            cols = [[[float(p[i, j]) for i in range(j + 1)] for j in range(d)] for p in g.factors]
            lines.append(f"{name.upper()}_P = {cols!r}")
        else:
            lines.append(f"{name.upper()}_P = {np.asarray(g.factors).tolist()!r}")
        if name == "ee":
            lines.append(f"EE_OFFSET = {g.offset!r}")
    lines.append('''
def q_diag(x, mu, p):
    s = 0.0
    for i in range(len(x)):
        t = (x[i] - mu[i]) * p[i]
        s += t * t
    return s

def q_full(x, mu, cols):
    d = [x[i] - mu[i] for i in range(len(x))]
    s = 0.0
    for j in range(len(cols)):
        c = cols[j]
        t = 0.0
        for i in range(j + 1):
            t += c[i] * d[i]
        s += t * t
    return s

def best(x, C, MU, P, q):
    top = None
    k_top = 0
    for k in range(len(C)):
        v = C[k] - 0.5 * q(x, MU[k], P[k])
        if top is None or v > top:
            top = v
            k_top = k
    return k_top

def py_nb(x):
    return best(x, NB_C, NB_MU, NB_P, q_diag)

def py_gmm(x):
    return best(x, GMM_C, GMM_MU, GMM_P, q_full)

def py_gmmd(x):
    return best(x, GMMD_C, GMMD_MU, GMMD_P, q_diag)

def py_gmm_score(x):
    v = [GMM_C[k] - 0.5 * q_full(x, GMM_MU[k], GMM_P[k]) for k in range(len(GMM_C))]
    top = max(v)
    return top + math.log(sum(math.exp(a - top) for a in v))

def py_ee(x):
    return 1 if -q_full(x, EE_MU[0], EE_P[0]) - EE_OFFSET >= 0 else -1
''')
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------- the runs

# case -> (title, microlearn call, emlearn call, plain Python call). Each call
# is timed; its value (or, for calls writing into O, O[0] read afterwards) is
# compared with scikit-learn.
CASES = {
    "nb": ("GaussianNB predict (3 classes)", "m.predict(x)", "E.nb(x)", "py_nb(x)"),
    "gmm": ("GaussianMixture full predict (4 components)", "m.predict(x)", "E.gmm(x)", "py_gmm(x)"),
    "gmm_score": ("GaussianMixture full score_samples", "m.score_samples(x, O)", "E.gmm_score(x, O)",
                  "py_gmm_score(x)"),
    "gmmd": ("GaussianMixture diag predict (4 components)", "m.predict(x)", "E.gmmd(x)", "py_gmmd(x)"),
    "ee": ("EllipticEnvelope predict", "m.predict(x)", "E.ee(x)", "py_ee(x)"),
}
CONTENDERS = ("microlearn", "emlearn", "python")
MODEL_OF = {"nb": "nb", "gmm": "gmm", "gmm_score": "gmm", "gmmd": "gmmd", "ee": "ee"}

def setup(contender, case):
    if contender == "microlearn":
        return f"import microlearn\nm = microlearn.load(open('{MODEL_OF[case]}.mlm', 'rb').read())"
    if contender == "emlearn":
        return "import _emlgauss as E"
    return "from pymodels import *"


def script(contender, case, n, measure):
    call = CASES[case][1 + CONTENDERS.index(contender)] if contender else "None"
    return harness.device_script(setup(contender, case) if contender else "", call, dim=13, n=n, measure=measure)


def measure(target, contender, case, files, lib):
    return harness.per_call(target, lambda n, m: script(contender, case, n, m), files, lib, N1, N2)


def ram(target, files, libs):
    """Bytes of heap for importing each contender's module and loading a model."""
    res = {case: harness.ram(target, files, libs["microlearn"], "import microlearn\nfrom microlearn import _gaussian",
                             f"{case}.mlm") for case in ("nb", "gmm", "gmmd", "ee")}
    res["emlearn_import"] = harness.ram(target, files, libs["emlearn"], "import _emlgauss", "nb.mlm", "")[0]
    return res


def reference(models, X):
    return {"nb": models["nb"].predict(X), "gmm": models["gmm"].predict(X),
            "gmm_score": models["gmm"].score_samples(X), "gmmd": models["gmmd"].predict(X),
            "ee": models["ee"].predict(X)}


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
    pymodels = OUT / "pymodels.py"
    pymodels.write_text("import math\n" + python_source(models))
    code = emlearn_code(models)
    want = reference(models, X)
    results = {"sizes": sizes, "emlearn_bytes": emlearn_data_bytes(models), "targets": {}}
    for t in targets:
        arch = get_target(t).arch
        build.build_natmods(arch)
        mpy = harness.python_mpy(pymodels, arch, OUT)
        libs = {"microlearn": [paths.device_lib(arch)], "emlearn": [emlearn_lib(arch, code)], "python": [],
                None: []}
        tfiles = dict(files, **{"pymodels.mpy": mpy.read_bytes()})
        r = results["targets"][t] = {"empty": measure(t, None, "nb", tfiles, [])["per_call"], "cases": {},
                                     "ram": ram(t, tfiles, libs),
                                     "mpy": (paths.device_lib(arch) / "microlearn" / "_gaussian.mpy").stat().st_size,
                                     "emlearn_mpy": (OUT / arch / "lib" / "_emlgauss.mpy").stat().st_size}
        for case in CASES:
            for c in CONTENDERS:
                # docs/gaussian.md's score tolerance for the mixture's scores
                harness.record(r["cases"], t, case, c, measure(t, c, case, tfiles, libs[c]), want[case],
                               1e-4 if case == "gmm_score" else 0.0)
    harness.finish(a, results, report(results, targets))


def report(res, targets):
    L = []
    L.append("Model: scikit-learn fitted on 118 rows of the wine data set (13 features), evaluated on "
             f"{N2} held-out float32 rows. Instructions per call include the MicroPython loop and call "
             "(the \"empty loop\" row); agreement is with scikit-learn on those rows (score_samples: "
             "within docs/gaussian.md's tolerance, |d| <= 1e-4 (1 + |s|)).\n")
    L.append("| instructions per call | contender | " + " | ".join(targets) + " | agrees with scikit-learn | bytes allocated per call |")
    L.append("|---|---|" + "---:|" * len(targets) + "---:|---:|")
    L.append("| empty loop | | " + " | ".join(f"{res['targets'][t]['empty']:,.0f}" for t in targets) + " | | |")
    for case, (title, *_rest) in CASES.items():
        for c in CONTENDERS:
            cells, agree, alloc = [], set(), set()
            for t in targets:
                m = res["targets"][t]["cases"][f"{case}/{c}"]
                if "error" in m:
                    cells.append("n/a" if "gmm_score" in m["error"] else "error")
                    continue
                cells.append(f"{m['per_call']:,.0f}")
                agree.add(f"{m['agree']:.0f} %" if m["agree"] is not None else "?")
                alloc.add(f"{m['alloc']:.0f}" if m["alloc"] is not None else "?")
            label = {"microlearn": "microlearn .mpy", "emlearn": "emlearn C", "python": "plain MicroPython"}[c]
            L.append(f"| {title} | {label} | " + " | ".join(cells) + f" | {' / '.join(sorted(agree))} | "
                     f"{' / '.join(sorted(alloc))} |")
    L.append("\nA cell with several values lists what the targets gave. n/a: emlearn's "
             "`eml_mixture_score` needs libm's `expf` / `logf`, which do not link into a MicroPython "
             "native module (glibc's wants CPU-feature symbols, newlib's has initialised data).\n")
    L.append("What the contenders compute: microlearn evaluates every model in float32 with the precision "
             "factor stored per covariance type (a triangle of d(d+1)/2 per component for full, d for diag, "
             "one value for spherical; docs/gaussian.md). emlearn's GaussianNB is Q16 fixed point and ignores "
             "class priors (integer arithmetic: cheaper than software floats on the Cortex-M3, dearer on the "
             "Cortex-M0, whose 32x32-bit multiply has no 64-bit result); its mixtures turn every covariance "
             "type into full d x d matrices and compute x P - mu P (two dot products per column); its "
             "EllipticEnvelope multiplies by the full d x d precision. Plain MicroPython boxes every float "
             "(hence its allocations; the 64-bit unix port's float objects are twice as large).\n")
    L.append("## Size and RAM\n")
    L.append("| | " + " | ".join(targets) + " |")
    L.append("|---|" + "---:|" * len(targets))
    L.append("| microlearn `_gaussian.mpy` bytes (copied to RAM at import) | "
             + " | ".join(f"{res['targets'][t]['mpy']:,}" for t in targets) + " |")
    L.append("| emlearn `_emlgauss.mpy` bytes (code + all four models) | "
             + " | ".join(f"{res['targets'][t]['emlearn_mpy']:,}" for t in targets) + " |")
    L.append("| RAM to import microlearn + `_gaussian` | "
             + " | ".join(f"{res['targets'][t]['ram']['nb'][0]:,}" for t in targets) + " |")
    L.append("| RAM to import `_emlgauss` (code + models) | "
             + " | ".join(f"{res['targets'][t]['ram']['emlearn_import']:,}" for t in targets) + " |")
    for case in ("nb", "gmm", "gmmd", "ee"):
        L.append(f"| RAM to load the {CASES[case][0].split(' predict')[0]} model (bytes used in place) | "
                 + " | ".join(f"{res['targets'][t]['ram'][case][1]:,}" for t in targets) + " |")
    L.append("\nRAM is the GC heap's growth (gc.mem_alloc): on the boards a native module's code and data "
             "are copied into it at import; the unix port maps native code outside the heap. Loading reads the "
             "model from a file into a bytes object (not counted) that the model uses in place; the object, "
             "its scratch (n_features floats) and result buffer (n_components floats) are what load adds.")
    L.append("\n| model | microlearn .mlm bytes (with its JSON metadata) | emlearn parameter bytes |")
    L.append("|---|---:|---:|")
    for case in ("nb", "gmm", "gmmd", "ee"):
        L.append(f"| {CASES[case][0].split(' predict')[0]} | {res['sizes'][case]:,} | {res['emlearn_bytes'][case]:,} |")
    return "\n".join(L)


if __name__ == "__main__":
    main()
