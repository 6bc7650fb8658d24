"""k-means learned on the device (microlearn._neighbors.kmeans): Lloyd's fit
and online partial_fit give the host engine's centres (the same engine code,
microlearn._engine.kmeans_lloyd / kmeans_partial_fit) on every target, with
no allocation per call, and the file saved on the device loads on the PC."""
import zlib

import numpy as np
import pytest
from sklearn.datasets import make_blobs

import microlearn
from microlearn import _engine
from device_rig import run

K, D = 4, 3


def data():
    X, _ = make_blobs(300, D, centers=K, cluster_std=1.5, random_state=3)
    return X.astype(np.float32)


def with_centres(centres):
    """The KMeans file the device starts from, with these centres."""
    b = bytearray(_engine.kmeans_file(K, D))
    b[len(b) - centres.nbytes:] = centres.astype("<f4").tobytes()
    b[16:20] = b"\0\0\0\0"
    b[16:20] = zlib.crc32(bytes(b)).to_bytes(4, "little")
    return bytes(b)


SCRIPT = """
import array, micropython
K, D = KD
from microlearn import _neighbors
X = array.array("f", open("X.bin", "rb").read())
init = array.array("f", open("init.bin", "rb").read())
km = _neighbors.kmeans(K, D)
n_iter = a = 0  # globals made before the heap is locked
micropython.heap_lock()
n_iter = km.fit(X, 100, init)
micropython.heap_unlock()
print("ITER", n_iter)
open("fit.mlm", "wb").write(km.to_bytes())
on = _neighbors.kmeans(K, D)
on.fit(X, 0, init)
x = array.array("f", bytes(4 * D))
assigned = []
for r in range(len(X) // D):
    for j in range(D):
        x[j] = X[r * D + j]
    micropython.heap_lock()
    a = on.partial_fit(x)
    micropython.heap_unlock()
    assigned.append(a)
print("ASSIGNED", assigned)
open("online.mlm", "wb").write(on.to_bytes())
print("PRED", km.predict(x), km.info()["task"])
""".replace("KD", f"{K}, {D}")


def test_learning_matches_the_host(target):
    X = data()
    init = X[:K].copy()
    res = run(target, SCRIPT, files={"X.bin": X.tobytes(), "init.bin": init.tobytes()},
              fetch=["fit.mlm", "online.mlm"])
    assert res.returncode == 0, res.output
    start = with_centres(init)
    want_fit, n_iter = _engine.kmeans_lloyd(start, X, 100)
    want_online, counts, assigned = _engine.kmeans_partial_fit(start, np.zeros(K, np.uint32), X)
    assert f"ITER {n_iter}" in res.output
    got_fit, got_online = res.files["fit.mlm"], res.files["online.mlm"]
    if target != "cortex-m4f":  # no fused multiply-adds: bit for bit
        assert got_fit == want_fit
        assert got_online == want_online
    centres = lambda b: np.frombuffer(b[-4 * K * D:], np.float32)  # noqa: E731
    np.testing.assert_allclose(centres(got_fit), centres(want_fit), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(centres(got_online), centres(want_online), rtol=1e-5, atol=1e-5)
    assert f"ASSIGNED {assigned.tolist()}" in res.output
    # the files the device wrote load on the PC and predict the nearest centre
    model = microlearn.load(got_fit)
    C = centres(got_fit).reshape(K, D).astype(np.float64)
    d2 = ((X[:, None, :] - C[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(model.predict(X), d2.argmin(1))
    assert model.info["task"] == "clustering"


def lloyd_reference(X, C, max_iter):
    """Lloyd's algorithm in float32 written out (ties: first centre; a centre
    without rows stays; stop when nothing moved)."""
    C = C.copy()
    for it in range(1, max_iter + 1):
        d2 = ((X[:, None, :].astype(np.float64) - C[None]) ** 2).sum(-1)
        labels = d2.argmin(1)
        new = C.copy()
        for c in range(len(C)):
            rows = X[labels == c]
            if len(rows):
                new[c] = np.float32(rows.astype(np.float64).sum(0) / len(rows))
        moved = not np.array_equal(new, C)
        C = new
        if not moved:
            return C, it
    return C, max_iter


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_host_lloyd_is_lloyd(seed):
    X, y = make_blobs(400, 5, centers=6, random_state=seed)
    X = X.astype(np.float32)
    # one row of each blob: no centre ends up without rows (scikit-learn would
    # move such a centre to a far row; the engine leaves it where it is)
    init = X[[int(np.argmax(y == c)) for c in range(6)]].copy()
    start = bytearray(_engine.kmeans_file(6, 5))
    start[-init.nbytes:] = init.tobytes()
    start[16:20] = b"\0\0\0\0"
    start[16:20] = zlib.crc32(bytes(start)).to_bytes(4, "little")
    out, n_iter = _engine.kmeans_lloyd(bytes(start), X, 50)
    got = np.frombuffer(out[-init.nbytes:], np.float32).reshape(6, 5)
    want, want_iter = lloyd_reference(X, init, 50)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)  # float32 sums vs float64 sums
    assert abs(n_iter - want_iter) <= 1
    from sklearn.cluster import KMeans
    sk = KMeans(6, init=init, n_init=1, max_iter=50, tol=0, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(got, sk.cluster_centers_, rtol=1e-5, atol=1e-4)
    assert microlearn.load(out).predict(X).tolist() == sk.predict(X).tolist()


def test_learner_errors(target):
    script = """
from microlearn import _neighbors
import array
def check(f, exc, text):
    try:
        f()
    except exc as e:
        assert text in str(e), (text, str(e))
        print("raised", text)
    else:
        print("NO ERROR", text)
km = _neighbors.kmeans(2, 3)
check(lambda: km.fit(array.array("f", [1.0] * 4)), ValueError, "rows of 3")
check(lambda: km.fit(array.array("f", [1.0] * 3)), ValueError, "at least 2 rows")
check(lambda: km.fit(array.array("f", [1.0] * 6), 5, array.array("f", [1.0] * 5)), ValueError, "init must hold 6")
check(lambda: km.fit(array.array("f", [1.0, float("nan"), 0.0] * 2)), ValueError, "NaN")
check(lambda: km.fit(array.array("f", [1.0] * 6), 5, array.array("f", [float("inf")] * 6)), ValueError, "init holds")
check(lambda: km.partial_fit(array.array("f", [1.0] * 2)), ValueError, "expected 3 features")
km.fit(array.array("f", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 3)
before = km.to_bytes()
check(lambda: km.fit(array.array("f", [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, float("nan"), 1.0])), ValueError, "NaN")
print("centres kept", km.to_bytes() == before)  # were the refused X's first rows
km = _neighbors.kmeans(2, 3)
km.partial_fit(array.array("f", [3e38, -3e38, 3e38]))  # a fresh centre takes its first row
check(lambda: km.partial_fit(array.array("f", [-3e38, 3e38, -3e38])), ValueError, "overflow")
check(lambda: _neighbors.kmeans(0, 3), ValueError, "at least 1")
check(lambda: _neighbors.kmeans(2, 70000), ValueError, "n_features out of range")
m = _neighbors.load(km.to_bytes())
check(lambda: m.fit(array.array("f", [1.0] * 6)), AttributeError, "kmeans(k, n_features)")
print("done", km.predict(array.array("f", [0.0, 0.0, 0.0])))
"""
    res = run(target, script)
    assert res.returncode == 0, res.output
    assert "NO ERROR" not in res.output, res.output
    assert res.output.count("raised") == 11, res.output
    assert "centres kept True" in res.output


KNN_SCRIPT = """
import array, micropython
from microlearn import _neighbors
D, CAP, NC, K = 4, 120, 3, 5
for tc, name, distance in (("f", "f32", False), ("h", "i16", True)):
    X = array.array(tc, open(name + ".bin", "rb").read())
    y = open("y.bin", "rb").read()
    kn = _neighbors.knn(CAP, D, NC, K, tc, distance)
    x = array.array(tc, bytes((4 if tc == "f" else 2) * D))
    n = p = 0  # globals made before the heap is locked
    for r in range(len(y)):
        for j in range(D):
            x[j] = X[r * D + j]
        micropython.heap_lock()
        n = kn.add(x, y[r])
        micropython.heap_unlock()
    for i in (7, 0, n - 3):
        micropython.heap_lock()
        n = kn.remove(i)
        micropython.heap_unlock()
    preds = []
    proba = array.array("f", bytes(4 * NC))
    probas = open(name + "-proba.bin", "wb")
    for r in range(len(y)):
        for j in range(D):
            x[j] = X[r * D + j]
        micropython.heap_lock()
        p = kn.predict(x)
        kn.predict_proba(x, proba)
        micropython.heap_unlock()
        preds.append(p)
        probas.write(proba)
    probas.close()
    print(name, "N", n, "PRED", preds)
    open(name + ".mlm", "wb").write(kn.to_bytes())
"""


def test_knn_learning_matches_the_host(target):
    from sklearn.datasets import load_iris
    from sklearn.neighbors import KNeighborsClassifier
    X, y = load_iris(return_X_y=True)
    rows = np.random.default_rng(0).permutation(150)[:100]
    X32, y8 = X[rows].astype(np.float32), y[rows].astype(np.uint8)
    X16 = np.round(X32 * 10).astype(np.int16)
    res = run(target, KNN_SCRIPT, files={"f32.bin": X32.tobytes(), "i16.bin": X16.tobytes(), "y.bin": y8.tobytes()},
              fetch=["f32.mlm", "i16.mlm", "f32-proba.bin", "i16-proba.bin"])
    assert res.returncode == 0, res.output
    for name, Xs, dtype, distance in (("f32", X32, "float32", False), ("i16", X16, "int16", True)):
        want = _engine.knn_file(120, 4, 3, 5, distance, dtype)
        for r in range(100):
            want = _engine.knn_add(want, Xs[r], int(y8[r]))
        kept = list(range(100))
        n = 100
        for i in (7, 0, 97):  # the script's (7, 0, n - 3), n = 100 when the tuple is made
            want = _engine.knn_remove(want, i)
            del kept[i]
            n -= 1
        assert res.files[f"{name}.mlm"] == want, name  # the same file, byte for byte
        model = microlearn.load(res.files[f"{name}.mlm"])
        got = model.predict(Xs)
        assert f"{name} N 97 PRED {got.tolist()}" in res.output
        proba = np.frombuffer(res.files[f"{name}-proba.bin"], np.float32).reshape(100, 3)
        np.testing.assert_array_equal(proba, model.predict_proba(Xs))  # the same engine code
        ref = KNeighborsClassifier(5, weights="distance" if distance else "uniform", algorithm="brute")
        ref.fit(Xs[kept].astype(np.float64), y8[kept])
        d = ((Xs[:, None, :].astype(np.float64) - Xs[kept][None].astype(np.float64)) ** 2).sum(-1)
        s = np.sort(d, 1)
        clear = s[:, 5] > s[:, 4]
        assert clear.sum() > 30
        np.testing.assert_array_equal(got[clear], ref.predict(Xs[clear].astype(np.float64)))
        np.testing.assert_allclose(proba[clear], ref.predict_proba(Xs[clear].astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_knn_learner_errors(target):
    script = """
from microlearn import _neighbors
import array
def check(f, exc, text):
    try:
        f()
    except exc as e:
        assert text in str(e), (text, str(e))
        print("raised", text)
    else:
        print("NO ERROR", text)
kn = _neighbors.knn(3, 2, 2, 2)
x = array.array("f", [1.0, 2.0])
check(lambda: kn.predict(x), ValueError, "holds 0 samples; it needs k = 2")
kn.add(x, 0)
check(lambda: kn.add(x, 2), ValueError, "label must be below n_classes (2), got 2")
check(lambda: kn.add(array.array("f", [1.0, float("nan")]), 1), ValueError, "NaN")
check(lambda: kn.add(array.array("h", [1, 2]), 1), TypeError, "float32 array")
kn.add(x, 1)
kn.add(x, 1)
check(lambda: kn.add(x, 1), ValueError, "full")
check(lambda: kn.remove(3), IndexError, "no sample 3")
check(lambda: kn.predict(array.array("f", [3e38, -3e38])), ValueError, "too far from the stored points")
check(lambda: kn.fit(array.array("f", [1.0] * 4)), AttributeError, "kmeans(k, n_features)")
check(lambda: _neighbors.kmeans(2, 2).add(x, 0), AttributeError, "knn(")
check(lambda: _neighbors.knn(3, 2, 2, 4), ValueError, "capacity >= k")
check(lambda: _neighbors.knn(3, 2, 2, 2, "d"), ValueError, "typecode")
check(lambda: _neighbors.knn(65535, 16385, 2, 1), ValueError, "exceed 2 GB")  # wrapped 32 bits: a 300 KB file
check(lambda: _neighbors.kmeans(32768, 32768), ValueError, "exceed 2 GB")
check(lambda: _neighbors.load(kn.to_bytes()).to_bytes(), AttributeError, "to_bytes()")
print("pred", kn.predict(x), kn.remove(0), kn.info()["n_points"])
"""
    res = run(target, script)
    assert res.returncode == 0, res.output
    assert "NO ERROR" not in res.output, res.output
    assert res.output.count("raised") == 14, res.output
    assert "pred 0 2 2" in res.output, res.output  # samples 0 (class 0) and 1 (class 1) tie: class 0
