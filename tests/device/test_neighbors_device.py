"""Neighbour and centroid models on MicroPython: the same results as the host
engine (and so scikit-learn, tests/python/test_neighbors.py) on the unix port
and the emulated Cortex-M3 / M0 / M4F, no heap allocation per call, clear
errors, copy semantics."""
import numpy as np
import pytest
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import load_iris, make_blobs, make_classification, make_regression
from sklearn.neighbors import (KNeighborsClassifier, KNeighborsRegressor, LocalOutlierFactor,
                               NearestCentroid)

import microlearn
from device_rig import run

# For every model i: runs each method on every row of X<i>.bin and writes
# the float32 results to out<i>.bin (the layout of host_outputs below).
EVAL_SCRIPT = """
import microlearn, array
for i in range(N_MODELS):
    m = microlearn.load("model%d.mlm" % i)
    info = m.info()
    n = info["n_features"]
    tc = "h" if info["feature_type"] == "int16" else "f"
    size = (2 if tc == "h" else 4) * n
    x = array.array(tc, bytes(size))
    task = info["task"]
    k = info["n_neighbors"]
    out = array.array("f", bytes(4 * info["n_outputs"]))
    dist = array.array("f", bytes(4 * k))
    idx = array.array("i", bytes(4 * k))
    def has(name):  # the model has this method (AttributeError otherwise, as on the PC)
        try:
            getattr(m, name)(x)
            return True
        except AttributeError:
            return False
    proba = task == "classification" and has("predict_proba")
    decision = task == "classification" and has("decision_function")
    res = open("out%d.bin" % i, "wb")
    rows = 0
    with open("X%d.bin" % i, "rb") as f:
        while f.readinto(x) == size:
            if task == "regression":
                m.predict(x, out)
                res.write(out)
            else:
                p = m.predict(x)
                res.write(array.array("f", [info["classes"].index(p) if task == "classification" else p]))
            if proba:
                m.predict_proba(x, out)
                res.write(out)
            if decision:
                d = m.decision_function(x)
                res.write(array.array("f", d if isinstance(d, list) else [d]))
            if task == "clustering":
                m.transform(x, out)
                res.write(out)
            if task == "anomaly":
                m.score_samples(x, out)
                res.write(out)
                m.decision_function(x, out)
                res.write(out)
            if task != "clustering" and info["n_points"] != info["n_classes"]:
                m.kneighbors(x, dist, idx)
                res.write(dist)
                res.write(array.array("f", idx))
            rows += 1
    res.close()
    print("model", i, "rows", rows)
"""


def host_outputs(model, X):
    """What EVAL_SCRIPT writes for one model, from the host engine."""
    e, task = model._engine, model._task
    centroid = model.info["estimator"] == "NearestCentroid"
    cols = [e.predict(X).reshape(len(X), -1).astype(np.float32)]
    methods = model.info["methods"]
    if task == "classification" and "predict_proba" in methods:
        cols.append(e.predict_proba(X))
    if task == "classification" and "decision_function" in methods:
        cols.append(e.decision_function(X))
    if task == "clustering":
        cols.append(e.transform(X))
    if task == "anomaly":
        cols += [e.score_samples(X).reshape(-1, 1), e.decision_function(X)]
    if task != "clustering" and not centroid:
        d, i = e.kneighbors(X)
        cols += [d, i.astype(np.float32)]
    return np.hstack(cols)


def cases():
    Xi, yi = load_iris(return_X_y=True)
    Xi = Xi.astype(np.float32)
    names = np.array(["setosa", "versicolor", "virginica"])[yi]
    Xc, yc = make_classification(300, 8, n_informative=4, n_classes=3, random_state=0)
    Xr, yr = make_regression(200, 5, n_targets=2, random_state=0)
    Xb, _ = make_blobs(300, 6, centers=5, random_state=0)
    Xu, yu = make_classification(300, 5, n_informative=3, weights=[0.7], class_sep=0.6, random_state=2)
    rng = np.random.default_rng(0)
    Xa = np.vstack([rng.normal(size=(150, 4)), rng.uniform(-5, 5, size=(15, 4))])
    scale = 32000 / np.abs(Xc).max()
    return {
        "knn-euclidean-distance-names": (KNeighborsClassifier(5, weights="distance"), Xi[::2], names[::2], Xi, {}),
        "knn-manhattan": (KNeighborsClassifier(4, metric="manhattan"), Xc[:200], yc[:200], Xc[200:], {}),
        "knn-chebyshev": (KNeighborsClassifier(3, metric="chebyshev"), Xc[:200], yc[:200], Xc[200:], {}),
        "knn-cosine-distance": (KNeighborsClassifier(6, metric="cosine", weights="distance"), Xc[:200],
                                yc[:200], Xc[200:], {}),
        "knn-minkowski-1.5": (KNeighborsClassifier(5, p=1.5), Xc[:200], yc[:200], Xc[200:], {}),
        "knn-regressor-2out": (KNeighborsRegressor(5, weights="distance"), Xr[:150], yr[:150], Xr[150:], {}),
        "nearest-centroid": (NearestCentroid(), Xc[:200], yc[:200], Xc[200:], {}),
        "nearest-centroid-binary-empirical": (NearestCentroid(priors="empirical", shrink_threshold=0.3),
                                              Xu[:200], yu[:200], Xu[200:], {}),
        "nearest-centroid-manhattan-empirical-int16": (
            NearestCentroid(metric="manhattan", priors="empirical"), Xc[:150], yc[:150], Xc[200:],
            dict(feature_dtype="int16", feature_scale=scale)),
        "kmeans": (KMeans(5, n_init=2, random_state=0), Xb[:200], None, Xb[200:], {}),
        "minibatch-kmeans": (MiniBatchKMeans(4, n_init=2, random_state=0), Xb[:200], None, Xb[200:], {}),
        "lof": (LocalOutlierFactor(10, novelty=True), Xa[:120], None, Xa[120:], {}),
        "knn-int16": (KNeighborsClassifier(5), Xc[:200], yc[:200], Xc[200:],
                      dict(feature_dtype="int16", feature_scale=scale)),
        "kmeans-int16": (KMeans(5, n_init=2, random_state=0), Xb[:200], None, Xb[200:],
                         dict(feature_dtype="int16", feature_scale=1000.0)),
    }


@pytest.fixture(scope="module")
def converted():
    out = []
    for name, (est, X, y, Xte, options) in cases().items():
        est.fit(X, y) if y is not None else est.fit(X)
        model = microlearn.convert(est, **options)
        rows = model.quantize(Xte) if options else np.ascontiguousarray(Xte, np.float32)
        out.append((name, est, model, rows))
    return out


def test_device_matches_host(target, converted):
    files = {}
    for i, (_, _, model, rows) in enumerate(converted):
        files[f"model{i}.mlm"] = model.to_bytes()
        files[f"X{i}.bin"] = rows.tobytes()
    script = EVAL_SCRIPT.replace("N_MODELS", str(len(converted)))
    res = run(target, script, files=files, fetch=[f"out{i}.bin" for i in range(len(converted))], timeout=600)
    assert res.returncode == 0, res.output
    for i, (name, est, model, rows) in enumerate(converted):
        assert f"model {i} rows {len(rows)}" in res.output, name
        want = host_outputs(model, rows)
        got = np.frombuffer(res.files[f"out{i}.bin"], np.float32).reshape(want.shape)
        if model._task != "regression":  # labels: exact (the neighbour order is the same on every target)
            np.testing.assert_array_equal(got[:, 0], want[:, 0], err_msg=name)
        if model.info["n_neighbors"] > 1 and model._task != "clustering":  # kneighbors indices: exact
            k = model.info["n_neighbors"]
            np.testing.assert_array_equal(got[:, -k:], want[:, -k:], err_msg=name)
        # values: within float32 rounding (Cortex-M4F fuses some multiply-adds)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=name)
        if model._task == "classification" and model.feature_dtype == np.float32:  # and scikit-learn's labels
            agree = model.classes_[got[:, 0].astype(int)] == est.predict(rows)
            assert agree.mean() >= 0.97, name


HEAP_SCRIPT = """
import microlearn, array, micropython
for name in NAMES:
    m = microlearn.load(name)
    info = m.info()
    tc = "h" if info["feature_type"] == "int16" else "f"
    x = array.array(tc, [1] * info["n_features"])
    out = array.array("f", bytes(4 * info["n_outputs"]))
    k = info["n_neighbors"]
    dist = array.array("f", bytes(4 * k))
    idx = array.array("i", bytes(4 * k))
    task = info["task"]
    calls = []
    if task == "regression":
        calls.append(lambda: m.predict(x, out))
    else:
        calls.append(lambda: m.predict(x))
    if task == "classification" and info["n_points"] != info["n_classes"]:
        calls.append(lambda: m.predict_proba(x, out))
    if task == "clustering":
        calls.append(lambda: m.transform(x, out))
    if task == "anomaly":
        calls += [lambda: m.score_samples(x, out), lambda: m.decision_function(x, out)]
    if task != "clustering" and info["n_points"] != info["n_classes"]:
        calls.append(lambda: m.kneighbors(x, dist, idx))
    failed = 0
    for c in calls:
        c()
        micropython.heap_lock()
        try:
            c()
            c()
        except MemoryError:
            failed += 1
        micropython.heap_unlock()
    print(name, "ok" if not failed else "ALLOCATES", len(calls), failed)
"""


def test_no_allocation_per_call(target, converted):
    files = {f"m{i}.mlm": model.to_bytes() for i, (_, _, model, _) in enumerate(converted)}
    script = HEAP_SCRIPT.replace("NAMES", repr(sorted(files)))
    res = run(target, script, files=files)
    assert res.returncode == 0, res.output
    assert res.output.count(" ok ") == len(files), res.output


ERRORS_SCRIPT = """
import microlearn, array
def check(f, exc, text):
    try:
        f()
    except exc as e:
        assert text in str(e), (text, str(e))
        print("raised", exc.__name__, text)
    else:
        print("NO ERROR", text)
clf = microlearn.load("clf.mlm")
km = microlearn.load("km.mlm")
q = microlearn.load("q.mlm")
x = array.array("f", [5.0, 3.0, 1.5, 0.2])
check(lambda: clf.predict([5.0, 3.0, 1.5, 0.2]), TypeError, "float32 array")
check(lambda: clf.predict(array.array("f", [1.0, 2.0])), ValueError, "expected 4 features, got 2")
check(lambda: clf.predict(array.array("f", [1.0, float("nan"), 0.0, 0.0])), ValueError, "NaN")
check(lambda: clf.predict(x, array.array("f", [0.0])), TypeError, "for regressors")
check(lambda: clf.transform(x), AttributeError, "KMeans")
check(lambda: km.predict_proba(x), AttributeError, "classifier")
check(lambda: km.kneighbors(x, array.array("f", [0.0]), array.array("i", [0])), AttributeError, "k-neighbours")
check(lambda: clf.kneighbors(x, array.array("f", [0.0]), array.array("i", [0] * 3)), ValueError, "at least 3")
check(lambda: clf.kneighbors(x, array.array("f", [0.0] * 3), array.array("h", [0] * 3)), TypeError, "int32")
check(lambda: km.transform(x, array.array("f", [0.0])), ValueError, "at least 3")
check(lambda: q.predict(x), TypeError, "int16 array")
check(lambda: clf.predict(array.array("f", [1e20] * 4)), ValueError, "too far from the stored points")  # squared distances overflow
check(lambda: km.transform(array.array("f", [1e20] * 4)), ValueError, "too far from the stored points")  # was inf
data = bytearray(open("clf.mlm", "rb").read())
data[200] ^= 0xFF
check(lambda: microlearn.load(data), ValueError, "bad_checksum")
# copy semantics: a writable buffer is copied at load
data = bytearray(open("clf.mlm", "rb").read())
m = microlearn.load(data)
before = m.predict(x), m.predict_proba(x)
for i in range(24, len(data)):
    data[i] = 0
assert (m.predict(x), m.predict_proba(x)) == before
print("copied ok", before[0])
"""


def test_errors_and_copy(target):
    X, y = load_iris(return_X_y=True)
    clf = microlearn.convert(KNeighborsClassifier(3).fit(X, y))
    km = microlearn.convert(KMeans(3, n_init=1, random_state=0).fit(X))
    q = microlearn.convert(KNeighborsClassifier(3).fit(X, y), feature_dtype="int16", feature_scale=100)
    res = run(target, ERRORS_SCRIPT, files={"clf.mlm": clf.to_bytes(), "km.mlm": km.to_bytes(),
                                            "q.mlm": q.to_bytes()})
    assert res.returncode == 0, res.output
    assert "NO ERROR" not in res.output, res.output
    assert res.output.count("raised") == 14, res.output
    assert "copied ok 0" in res.output, res.output
