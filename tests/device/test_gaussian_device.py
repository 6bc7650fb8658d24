"""Gaussian models on MicroPython (unix port, emulated Cortex-M0/M3/M4F):
the host engine's results for the same float32 rows, so scikit-learn's within
docs/gaussian.md's tolerances; no heap allocation once loaded; clear errors;
writable model buffers copied at load."""
import numpy as np
import pytest
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import load_iris, load_wine, make_blobs, make_classification
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.naive_bayes import GaussianNB

import microlearn
from device_rig import EXPECT, mutants, run

# Every method the model has on every row of X.bin, as float32 into out.bin:
# predict (a classifier's label as its index in info()["classes"]), then
# predict_proba, score_samples, decision_function.
EVAL_SCRIPT = """
import microlearn, array
m = microlearn.load("model.mlm")
info = m.info()
n, k, task = info["n_features"], info["n_components"], info["task"]
classes = list(info.get("classes", ()))
x = array.array("f", bytes(4 * n))
out = array.array("f", bytes(4 * k))
res = open("out.bin", "wb")
rows = 0
with open("X.bin", "rb") as f:
    while f.readinto(x) == 4 * n:
        p = m.predict(x)
        res.write(array.array("f", [classes.index(p) if task == "classification" else p]))
        if task != "anomaly":
            m.predict_proba(x, out)
            res.write(out)
        if task != "classification":
            res.write(array.array("f", [m.score_samples(x)]))
        if task == "anomaly":
            m.decision_function(x, out)
            res.write(memoryview(out)[:1])
        rows += 1
res.close()
print("rows", rows)
"""


def host_outputs(model, X):
    """What EVAL_SCRIPT writes, from the host engine."""
    task = model.info["task"]
    pred = model.predict(X)
    if task == "classification":
        pred = np.searchsorted(model.classes_, pred)
    cols = [pred.reshape(-1, 1)]
    if task != "anomaly":
        cols.append(model.predict_proba(X))
    if task != "classification":
        cols.append(model.score_samples(X).reshape(-1, 1))
    if task == "anomaly":
        cols.append(model.decision_function(X).reshape(-1, 1))
    return np.hstack(cols).astype(np.float32)


def sklearn_outputs(est, model, X):
    task = model.info["task"]
    pred = est.predict(X)
    if task == "classification":
        pred = np.searchsorted(est.classes_, pred)
    cols = [pred.reshape(-1, 1)]
    if task != "anomaly":
        cols.append(est.predict_proba(X))
    if task != "classification":
        cols.append(est.score_samples(X).reshape(-1, 1))
    if task == "anomaly":
        cols.append(est.decision_function(X).reshape(-1, 1))
    return np.hstack(cols)


def cases():
    Xi, yi = load_iris(return_X_y=True)
    Xw, yw = load_wine(return_X_y=True)
    Xb, _ = make_blobs(300, 5, centers=4, cluster_std=2.0, random_state=1)
    names = np.array(["low", "mid", "high"])[yw]
    # without variance in two directions (a constant feature, two exactly collinear ones): the
    # mixtures' common term (docs/gaussian.md); the far rows lie off that subspace
    Xf, _ = make_classification(300, 6, n_informative=4, n_redundant=2, random_state=0)
    Xf[:, 5] = 3.0
    return {
        "nb-iris": (GaussianNB(), Xi, yi),
        "nb-wine-names": (GaussianNB(), Xw, names),
        "gmm-full": (GaussianMixture(3, covariance_type="full", random_state=0), Xw, None),
        "gmm-tied": (GaussianMixture(4, covariance_type="tied", random_state=0), Xb, None),
        "gmm-diag": (GaussianMixture(4, covariance_type="diag", random_state=0), Xb, None),
        "gmm-spherical": (GaussianMixture(4, covariance_type="spherical", random_state=0), Xb, None),
        "bgmm-full": (BayesianGaussianMixture(n_components=5, random_state=0, max_iter=300), Xb, None),
        "gmm-full-flat": (GaussianMixture(3, covariance_type="full", random_state=0), Xf, None),
        # features far from 0 relative to their spread: means stored relative to a centre
        "gmm-full-offset": (GaussianMixture(4, covariance_type="full", random_state=0), Xb + 1e4, None),
        "ee-offset": (EllipticEnvelope(random_state=0), Xb + 1e4, None),
        "ee": (EllipticEnvelope(random_state=0), Xw, None),
    }


CASES = cases()


@pytest.mark.parametrize("case", list(CASES))
def test_device_matches_host_and_scikit_learn(target, case):
    est, X, y = CASES[case]
    idx = np.random.default_rng(0).permutation(len(X))
    train, test = idx[:int(0.7 * len(X))], idx[int(0.7 * len(X)):]
    est.fit(X[train], y[train]) if y is not None else est.fit(X[train])
    model = microlearn.convert(est)
    far = X[test[:20]] * 3 + 2 * X.std(axis=0)  # and rows far outside the data
    rows = np.vstack([X[test], far]).astype(np.float32)
    res = run(target, EVAL_SCRIPT, files={"model.mlm": model.to_bytes(), "X.bin": rows.tobytes()},
              fetch=["out.bin"])
    assert res.returncode == 0, res.output
    assert f"rows {len(rows)}" in res.output
    got = np.frombuffer(res.files["out.bin"], np.float32).reshape(len(rows), -1)
    np.testing.assert_array_equal(got[:, 0], host_outputs(model, rows)[:, 0])  # labels: exact
    np.testing.assert_allclose(got, host_outputs(model, rows), rtol=1e-5, atol=1e-6)
    want = sklearn_outputs(est, model, rows)
    np.testing.assert_array_equal(got[:, 0], want[:, 0])
    n_proba = model.info["n_components"] if model.info["task"] != "anomaly" else 0
    np.testing.assert_allclose(got[:len(test), 1:1 + n_proba], want[:len(test), 1:1 + n_proba], atol=1e-3, rtol=0)
    scores = got[:, 1 + n_proba:]
    ref = want[:, 1 + n_proba:]
    scale = 1 + np.abs(want[:, 1 + n_proba:1 + n_proba + 1])  # decision: relative to the score
    assert np.all(np.abs(scores - ref) <= 1e-4 * scale), np.max(np.abs(scores - ref) / scale)


HEAP_SCRIPT = """
import microlearn, array, micropython
def check(m, task, x, out):
    micropython.heap_lock()
    try:
        for i in range(20):
            m.predict(x)
            if task != "anomaly":
                m.predict_proba(x, out)
            if task != "classification":
                m.score_samples(x, out)
            if task == "anomaly":
                m.decision_function(x, out)
    finally:
        micropython.heap_unlock()
for name in NAMES:
    m = microlearn.load(name)
    info = m.info()
    check(m, info["task"], array.array("f", [0.5] * info["n_features"]), array.array("f", [0] * info["n_components"]))
    print("no allocation:", name)
"""


def test_calls_allocate_nothing(target):
    X, y = load_iris(return_X_y=True)
    models = {
        "nb.mlm": GaussianNB().fit(X, np.array(["a", "b", "c"])[y]),
        "full.mlm": GaussianMixture(3, random_state=0).fit(X),
        "spherical.mlm": BayesianGaussianMixture(n_components=3, covariance_type="spherical",
                                                 random_state=0).fit(X),
        "ee.mlm": EllipticEnvelope(random_state=0).fit(X),
    }
    res = run(target, HEAP_SCRIPT.replace("NAMES", repr(list(models))),
              files={k: microlearn.convert(e).to_bytes() for k, e in models.items()})
    assert res.returncode == 0, res.output
    assert res.output.count("no allocation") == len(models)


ERROR_SCRIPT = EXPECT + """
import microlearn, array
nb, gmm, ee = microlearn.load("nb.mlm"), microlearn.load("gmm.mlm"), microlearn.load("ee.mlm")
x = array.array("f", [5.0, 3.0, 1.5, 0.2])
expect(TypeError, gmm.predict, array.array("d", [0] * 4))
expect(TypeError, gmm.predict, [1.0, 2.0, 3.0, 4.0])
expect(ValueError, gmm.predict, array.array("f", [0] * 3))
expect(ValueError, gmm.predict_proba, x, array.array("f", [0]))
expect(TypeError, gmm.score_samples, x, array.array("d", [0]))
expect(TypeError, nb.predict, x, array.array("f", [0] * 3))
expect(AttributeError, nb.score_samples, x)
expect(AttributeError, nb.decision_function, x)
expect(AttributeError, gmm.decision_function, x)
expect(AttributeError, ee.predict_proba, x)
for bad in (float("nan"), float("inf"), -float("inf")):
    for m in (nb, gmm, ee):
        expect(ValueError, m.predict, array.array("f", [1.0, bad, 0.0, 0.0]))
far = array.array("f", [3e37] * 4)
expect(ValueError, gmm.predict, far)
expect(ValueError, nb.predict_proba, far)
print("far score", gmm.score_samples(far), "far envelope", ee.predict(far))
print("lists", len(gmm.predict_proba(x)), type(gmm.score_samples(x)).__name__, type(ee.decision_function(x)).__name__)
good = open("gmm.mlm", "rb").read()
expect(ValueError, microlearn.load, good[:30])
for name in MUTANTS:
    try:
        mm = microlearn.load(name)
        mm.predict(array.array("f", [0.1] * 4))
    except ValueError:
        pass
print("mutants done")
"""


def test_bad_input_gives_clear_errors(target):
    X, y = load_iris(return_X_y=True)
    files = {"nb.mlm": microlearn.convert(GaussianNB().fit(X, y)).to_bytes(),
             "gmm.mlm": microlearn.convert(GaussianMixture(3, random_state=0).fit(X)).to_bytes(),
             "ee.mlm": microlearn.convert(EllipticEnvelope(random_state=0).fit(X)).to_bytes()}
    bad = mutants([files["gmm.mlm"]], 40, seed=2)
    files.update(bad)
    res = run(target, ERROR_SCRIPT.replace("MUTANTS", repr(list(bad))), files=files)
    assert res.returncode == 0 and not res.crashed, res.output
    assert "WRONG" not in res.output, res.output
    assert "expected 4 features, got 3" in res.output
    assert "out must hold at least 3 floats" in res.output
    assert "score_samples() needs a mixture or an EllipticEnvelope" in res.output
    assert "predict_proba() needs a classifier or a mixture" in res.output
    assert res.output.count("x holds NaN or infinity") == 9
    assert res.output.count("too far from every component for float32") == 2
    assert "far score -inf far envelope -1" in res.output
    assert "lists 3 float float" in res.output
    assert "mutants done" in res.output
