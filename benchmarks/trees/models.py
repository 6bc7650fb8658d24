"""Benchmark cases (trained models + inputs) and the contenders' model artefacts.

Everything one case needs on a device goes into one folder (build/bench/trees/<case>/):
model.mlm / model_i16.mlm (microlearn), eml_loadable.h / eml_inline.h (emlearn),
m2c.py (m2cgen), pw.py (a plain-Python tree walk), case.h (sizes for the C module),
x_f32.bin / x_i16.bin (the test rows), ref.json (scikit-learn's outputs).
"""
import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import microlearn

# name -> (title, estimator factory, task)
CASES = {
    "rf10": ("RandomForestClassifier(10 trees, max_depth=10)",
             lambda: E.RandomForestClassifier(10, max_depth=10, random_state=0), "cls"),
    "tree": ("DecisionTreeClassifier (one deep tree, no depth limit)",
             lambda: T.DecisionTreeClassifier(random_state=0), "cls"),
    "rf100": ("RandomForestClassifier(100 trees, no depth limit)",
              lambda: E.RandomForestClassifier(100, random_state=0), "cls"),
    "gb50": ("GradientBoostingClassifier(50 trees per class, max_depth=3), 10 classes",
             lambda: E.GradientBoostingClassifier(n_estimators=50, max_depth=3, random_state=0), "cls"),
    "rfreg": ("RandomForestRegressor(10 trees, max_depth=10), target: the digit as a number",
              lambda: E.RandomForestRegressor(10, max_depth=10, random_state=0), "reg"),
}


def data():
    """sklearn digits (64 features, integers 0..16), 80/20 split."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X.astype(np.float32), y, test_size=0.2, random_state=0)


def _down32(t):
    """Largest float32 <= t (what microlearn stores; exact for float32 inputs)."""
    t32 = np.float32(t)
    return np.nextafter(t32, np.float32(-np.inf)) if float(t32) > t else t32


def _estimators(est):
    return list(np.ravel(est.estimators_)) if hasattr(est, "estimators_") else [est]


def nodes_visited(est, X):
    """Split nodes visited per prediction (mean over rows), from scikit-learn's decision_path."""
    total = 0
    for e in _estimators(est):
        path = e.decision_path(X)
        total += path.nnz - X.shape[0]  # minus one leaf per row
    return total / X.shape[0]


def emlearn_headers(est, folder: Path):
    """emlearn's C code for both methods; None if emlearn does not support the model.

    The loadable method's `EmlTrees <name> = {...}` is initialised data with
    absolute pointers, which a MicroPython native module cannot hold; it is
    rewritten into an init function that fills a caller's struct field by field
    (same arrays, same eml_trees_predict code). Its wrapper functions are dropped (unused)."""
    import emlearn
    try:
        loadable = emlearn.convert(est, method="loadable")
        inline = emlearn.convert(est, method="inline")
    except ValueError as e:
        return str(e)
    loadable.save(file=str(folder / "eml_loadable_raw.h"), name="eml_l")
    # eml_trees.h defines an unused, non-static table of error strings: initialised
    # data, which a native module cannot hold. The copy next to the model makes it
    # static (and so dropped); nothing else changes.
    trees_h = (Path(emlearn.includedir) / "eml_trees.h").read_text()
    trees_h = trees_h.replace("const char * const eml_trees_errors[", "static const char * const eml_trees_errors[")
    (folder / "eml_trees.h").write_text(trees_h)
    inline.save(file=str(folder / "eml_inline.h"), name="eml_i")
    src = (folder / "eml_loadable_raw.h").read_text()
    head, rest = src.split("EmlTrees eml_l = {", 1)
    body = rest.split("};", 1)[0]
    values = [v.strip() for v in body.split(",") if v.strip()]
    fields = ["n_nodes", "nodes", "n_trees", "tree_roots", "n_leaves", "leaves", "leaf_bits",
              "n_features", "n_classes"]
    assert len(values) == len(fields), values
    sets = "".join(f"    out->{f} = {v};\n" for f, v in zip(fields, values))
    (folder / "eml_loadable.h").write_text(
        head + "static inline void eml_l_init(EmlTrees* out) {\n" + sets + "}\n")
    # bytes of the model data (nodes, roots, leaves) in the loadable form
    n_nodes = len(loadable.forest_[0])
    n_roots = len(loadable.forest_[1])
    found = re.search(r"eml_l_leaves\[(\d+)\]", src)
    n_leaf_bytes = int(found.group(1)) if found else 0
    return {"model_bytes": n_nodes * 8 + n_roots * 4 + n_leaf_bytes,  # EmlTreesNode is 8 bytes
            "n_nodes": n_nodes}


def m2cgen_module(est, folder: Path):
    import m2cgen
    sys.setrecursionlimit(100000)
    try:
        code = m2cgen.export_to_python(est)
    except Exception as e:  # noqa: BLE001 - reported in the table
        return f"{type(e).__name__}: {e}"
    (folder / "m2c.py").write_text(code)
    return None


def pywalk_module(est, task, folder: Path):
    """A plain-Python walk over array-packed trees (all trees concatenated)."""
    feats, thr, left, right, roots, leaves, cols = [], [], [], [], [], [], []
    width = None
    for t_i, e in enumerate(_estimators(est)):
        tr = e.tree_
        base = len(feats)
        roots.append(base)
        idx = {}
        for n in range(tr.node_count):
            if tr.children_left[n] != -1:
                idx[n] = len(idx)
        leaf_of = {}
        for n in range(tr.node_count):
            if tr.children_left[n] == -1:
                v = tr.value[n].ravel().astype(np.float64)
                if task == "cls" and not hasattr(est, "init_"):
                    v = v / v.sum()
                if hasattr(est, "learning_rate"):
                    v = v * est.learning_rate
                leaf_of[n] = len(leaves)
                leaves.append([float(np.float32(a)) for a in v])
                width = len(v)

        def ref(n):
            return base + idx[n] if n in idx else -1 - leaf_of[n]

        if not idx:  # a one-leaf tree
            roots[-1] = ref(0)
        for n in sorted(idx, key=idx.get):
            feats.append(int(tr.feature[n]))
            thr.append(float(_down32(tr.threshold[n])))
            left.append(ref(tr.children_left[n]))
            right.append(ref(tr.children_right[n]))
        cols.append(t_i % est.n_classes_ if hasattr(est, "init_") and task == "cls" else 0)
    flat = [a for v in leaves for a in v]
    n_out = est.n_classes_ if task == "cls" else 1
    if hasattr(est, "init_"):
        base_scores = [float(np.float32(a)) for a in est._raw_predict_init(np.zeros((1, est.n_features_in_), np.float32))[0]]
        mean = False
    else:
        base_scores = [0.0] * n_out
        mean = task == "reg"

    def arr(code, vals):
        return f"array.array('{code}', {bytes(np.asarray(vals, dtype={'h': '<i2', 'i': '<i4', 'f': '<f4'}[code]).tobytes())!r})"

    ref_code = "i"
    lines = [
        "# Generated by benchmarks/trees/models.py: a plain-Python tree walk.",
        "import array",
        f"F = {arr('h', feats)}",
        f"T = {arr('f', thr)}",
        f"L = {arr(ref_code, left)}",
        f"R = {arr(ref_code, right)}",
        f"ROOTS = {arr(ref_code, roots)}",
        f"COLS = {arr('h', cols)}",
        f"V = {arr('f', flat)}",
        f"W = {width}",
        f"BASE = {base_scores!r}",
        "",
        "def predict(x):",
        "    acc = list(BASE)",
        "    W_ = W",
        "    for t in range(len(ROOTS)):",
        "        n = ROOTS[t]",
        "        while n >= 0:",
        "            n = L[n] if x[F[n]] <= T[n] else R[n]",
        "        j = (-1 - n) * W_",
        "        c = COLS[t]",
        "        for k in range(W_):",
        "            acc[c + k] += V[j + k]",
    ]
    if task == "cls":
        lines += ["    best = 0",
                  "    for k in range(1, len(acc)):",
                  "        if acc[k] > acc[best]:",
                  "            best = k",
                  "    return best"]
    else:
        lines += [f"    return acc[0] / {len(roots)}" if mean else "    return acc[0]"]
    (folder / "pw.py").write_text("\n".join(lines) + "\n")


def device_module(data: bytes) -> str:
    """The native module the device package imports for this .mlm file, by the
    package's own rule (device/microlearn/__init__.py, _modules: plain Python)."""
    rules = {"__name__": "microlearn_device_rules"}
    exec((Path(__file__).resolve().parents[2] / "device/microlearn/__init__.py").read_text(), rules)
    h = microlearn.mlm.read_header(data)
    return rules["_modules"](h.kind, h.flags & 0xFF)[0]


def prepare(case: str, folder: Path, n_rows: int) -> dict:
    """Trains the case's model and writes every contender's artefacts into folder."""
    title, make, task = CASES[case]
    folder.mkdir(parents=True, exist_ok=True)
    Xtr, Xte, ytr, yte = data()
    est = make().fit(Xtr, ytr.astype(np.float64) if task == "reg" else ytr)
    ref = est.predict(Xte)

    m = microlearn.convert(est)
    m.save(folder / "model.mlm")
    m.to_c_header(folder / "ml_model.h", name="ml_model")
    m16 = microlearn.convert(est, feature_dtype="int16")
    m16.save(folder / "model_i16.mlm")
    m16.to_c_header(folder / "ml_model_i16.h", name="ml_model")
    Xte.astype("<f4").tofile(folder / "x_f32.bin")
    Xte.astype("<i2").tofile(folder / "x_i16.bin")

    eml = emlearn_headers(est, folder)
    m2c_error = m2cgen_module(est, folder)
    pywalk_module(est, task, folder)
    n_out = m.info["n_outputs"]
    (folder / "case.h").write_text(
        f"#define N_FEATURES {Xte.shape[1]}\n#define N_OUTPUTS {n_out}\n"
        f"#define CLASSIFIER {int(task == 'cls')}\n#define HAVE_EML {int(isinstance(eml, dict))}\n")
    info = {
        "case": case, "title": title, "task": task, "n_test": len(Xte), "n_rows": n_rows,
        "ref": [float(v) for v in ref],
        "host_ml_f32": [float(v) for v in m.predict(Xte)],
        "host_ml_i16": [float(v) for v in m16.predict(Xte.astype(np.int16))],
        "mlm_bytes": m.size, "mlm_i16_bytes": m16.size, "module": device_module(m.to_bytes()),
        "ml_split_nodes": m.info["n_nodes"], "ml_leaf_rows": m.info["n_leaves"],
        "sk_nodes": int(sum(e.tree_.node_count for e in _estimators(est))),
        "n_trees": len(_estimators(est)),
        "nodes_visited": nodes_visited(est, Xte[:n_rows]),
        "emlearn": eml if isinstance(eml, dict) else {"error": eml},
        "m2cgen_error": m2c_error,
        "n_outputs": n_out,
    }
    (folder / "info.json").write_text(json.dumps(info))
    return info
