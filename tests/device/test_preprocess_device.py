"""Pipelines on MicroPython (unix port, emulated Cortex-M0/M3/M4F): the
preprocessing stored in the model runs in glue_input() before every family's
engine. The device gives the host engine's results for the same raw float32
rows (the chain rounds alike everywhere: no fused multiply-adds), so
scikit-learn's within docs/preprocessing.md's tolerances; no heap allocation
once loaded; errors name the raw width. A Pipeline's model imports
microlearn._preprocess at load, a plain model of every family never does
(the natmods built with MICROLEARN_PREPROCESS_MODULE, device/natmods/glue.h)."""
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, Normalizer, PolynomialFeatures, RobustScaler,
                                   StandardScaler)
from sklearn.svm import SVC

import microlearn
from device_rig import EXPECT, refresh_crc, run

N_ROWS = 40

# For every model: each row's predicted class (as its index) and, when the
# model has them, its class probabilities, as float32 into <name>.out; then
# the native modules its load imported (natmods: each model from none).
EVAL_SCRIPT = """
import microlearn, array, sys
for name in NAMES:
    if BUILTIN == 0:
        for key in [key for key in sys.modules if key.startswith("microlearn._")]:
            del sys.modules[key]  # and the package's attribute, which `from microlearn import _x` reads first
            delattr(microlearn, key[11:])
    m = microlearn.load(name + ".mlm")
    modules = sorted(key for key in sys.modules if key.startswith("microlearn._"))
    info = m.info()
    n, k = info["n_features"], info["n_classes"]
    classes = list(info["classes"])
    proba = "predict_proba" in dir(m) and name.startswith("nb")
    x = array.array("f", bytes(4 * n))
    out = array.array("f", bytes(4 * k))
    res = open(name + ".out", "wb")
    with open("X.bin", "rb") as f:
        while f.readinto(x) == 4 * n:
            res.write(array.array("f", [classes.index(m.predict(x))]))
            if proba:
                m.predict_proba(x, out)
                res.write(out)
    res.close()
    print("done", name, n, modules)
"""


def fitted_cases():
    X, y = make_classification(600, 6, n_informative=4, n_redundant=0, n_classes=3, random_state=0)
    X = (X * np.array([0.5, 3, 40, 1, 7, 0.1]) + np.array([10, -3, 200, 0, 5, 1])).astype(np.float32)
    steps = {
        "standard": StandardScaler(), "minmax": MinMaxScaler(), "maxabs": MaxAbsScaler(), "robust": RobustScaler(),
        "l1": Normalizer("l1"), "l2": Normalizer("l2"), "max": Normalizer("max"), "pca": PCA(4, whiten=True),
        "svd": TruncatedSVD(3), "poly": PolynomialFeatures(2), "kbest": SelectKBest(k=3),
    }
    cases = {f"nb_{k}": make_pipeline(s, GaussianNB()) for k, s in steps.items()}
    cases["nb_chain"] = make_pipeline(VarianceThreshold(), StandardScaler(), PCA(5), PolynomialFeatures(2),
                                      MaxAbsScaler(), Normalizer(), GaussianNB())
    cases["nb_columns"] = make_pipeline(
        ColumnTransformer([("s", StandardScaler(), [4, 0]), ("d", "drop", [1]), ("m", MinMaxScaler(), [2])],
                          remainder="passthrough"), GaussianNB())
    cases["trees"] = make_pipeline(StandardScaler(), PCA(5), RandomForestClassifier(10, random_state=0))
    cases["svm"] = make_pipeline(MinMaxScaler(), SVC())
    cases["knn"] = make_pipeline(RobustScaler(), KNeighborsClassifier(5))
    cases["linear"] = make_pipeline(StandardScaler(), LogisticRegression())
    # Each family's plain model, on the raw features: no _preprocess.
    cases.update(plain_nb=GaussianNB(), plain_trees=RandomForestClassifier(10, random_state=0),
                 plain_svm=SVC(), plain_knn=KNeighborsClassifier(5), plain_linear=LogisticRegression(max_iter=2000))
    for est in cases.values():
        est.fit(X[:400], y[:400])
    return cases, X[400:400 + N_ROWS]


CASES, ROWS = fitted_cases()
MODELS = {name: microlearn.convert(p) for name, p in CASES.items()}
# The native module each model's family loads from (device/microlearn/__init__.py).
FAMILY_MODULE = {"nb": "_gaussian", "trees": "_trees_forest", "svm": "_svm", "knn": "_neighbors", "linear": "_linear"}


def native_modules(name):
    """The microlearn._* modules loading model `name` imports: its family's,
    and _preprocess for a Pipeline's."""
    family = FAMILY_MODULE[name.removeprefix("plain_").split("_")[0]]
    return sorted(["microlearn." + family] + ([] if name.startswith("plain_") else ["microlearn._preprocess"]))


def test_device_matches_host_and_scikit_learn(target):
    files = {f"{name}.mlm": m.to_bytes() for name, m in MODELS.items()}
    files["X.bin"] = ROWS.tobytes()
    builtin = "builtin" in target or target == "wasm"  # firmware: every module compiled in, preprocessing inside
    script = EVAL_SCRIPT.replace("NAMES", repr(list(MODELS))).replace("BUILTIN", str(int(builtin)))
    res = run(target, script, files=files, fetch=[f"{name}.out" for name in MODELS])
    assert res.returncode == 0, res.output
    for name, model in MODELS.items():
        assert f"done {name} 6 " in res.output  # info()["n_features"] is the raw width
        assert builtin or f"done {name} 6 {native_modules(name)}" in res.output, res.output
        got = np.frombuffer(res.files[f"{name}.out"], np.float32).reshape(N_ROWS, -1)
        host = np.searchsorted(model.classes_, model.predict(ROWS))
        np.testing.assert_array_equal(got[:, 0], host, err_msg=name)
        np.testing.assert_array_equal(got[:, 0], np.searchsorted(model.classes_, CASES[name].predict(ROWS)),
                                      err_msg=name)
        if got.shape[1] > 1:
            np.testing.assert_allclose(got[:, 1:], model.predict_proba(ROWS), rtol=1e-5, atol=1e-6, err_msg=name)
            np.testing.assert_allclose(got[:, 1:], CASES[name].predict_proba(ROWS), atol=1e-3, err_msg=name)


HEAP_SCRIPT = """
import microlearn, array, micropython
for name in NAMES:
    m = microlearn.load(name + ".mlm")
    x = array.array("f", [0.5] * m.info()["n_features"])
    out = array.array("f", [0] * m.info()["n_classes"])
    micropython.heap_lock()
    try:
        for i in range(20):
            m.predict(x)
            if name.startswith("nb"):
                m.predict_proba(x, out)
    finally:
        micropython.heap_unlock()
    print("no allocation:", name)
"""


def test_calls_allocate_nothing(target):
    names = ["nb_chain", "nb_poly", "trees", "svm", "knn", "linear"]
    res = run(target, HEAP_SCRIPT.replace("NAMES", repr(names)),
              files={f"{n}.mlm": MODELS[n].to_bytes() for n in names})
    assert res.returncode == 0, res.output
    assert res.output.count("no allocation") == len(names)


ERROR_SCRIPT = EXPECT + """
import microlearn, array
m = microlearn.load("m.mlm")
expect(ValueError, m.predict, array.array("f", [0] * 5))
expect(ValueError, m.predict, array.array("f", [0] * 15))
expect(TypeError, m.predict, array.array("h", [0] * 6))
expect(ValueError, microlearn.load, open("bad.mlm", "rb").read())
print("info", m.info()["n_features"])
"""


def test_errors_name_the_raw_width(target):
    from microlearn import mlm
    data = MODELS["nb_poly"].to_bytes()  # 6 raw features, 28 after PolynomialFeatures
    sections = {k: np.array(v) for k, v in mlm.read_sections(data).items()}
    sections[mlm.SECTION_PREPROCESS_STEPS][2] = 27  # the chain's width no longer the engine's
    bad = refresh_crc(mlm.write(mlm.read_header(data).kind, sections, None))
    res = run(target, ERROR_SCRIPT, files={"m.mlm": data, "bad.mlm": bad})
    assert res.returncode == 0 and not res.crashed, res.output
    assert "WRONG" not in res.output, res.output
    assert "expected 6 features, got 5" in res.output
    assert "expected 6 features, got 15" in res.output
    assert "x must be a float32 array" in res.output
    assert "invalid model file: size_mismatch" in res.output
    assert "info 6" in res.output
