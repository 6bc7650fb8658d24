"""Boosters from XGBoost, LightGBM and CatBoost on the device: the same labels
and probabilities as the library on every target, NaN and threshold rows
included."""
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import microlearn
from microlearn.converters.trees import edge_rows, extractors
from device_rig import run

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
cb = pytest.importorskip("catboost")

SCRIPT = """
import microlearn, array
X = open("X.bin", "rb").read()
for name in NAMES:
    m = microlearn.load(name)
    n = m.info()["n_features"]
    x = array.array("f", bytes(4 * n))
    p = array.array("f", [0, 0])
    labels, top = [], 0.0
    with open(name + ".out", "wb") as out:
        for i in range(len(X) // (4 * n)):
            x[:] = array.array("f", X[4 * n * i:4 * n * (i + 1)])
            labels.append(m.predict(x))
            out.write(m.predict_proba(x, p))
    print(name, "".join(str(v) for v in labels))
"""


def test_boosters_agree_with_their_library_on_every_target(target):
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    X = X.copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    models = {"xgb.mlm": xgb.XGBClassifier(n_estimators=15, max_depth=4).fit(X, y),
              "lgb.mlm": lgb.LGBMClassifier(n_estimators=15, verbose=-1).fit(X, y),
              "cb.mlm": cb.CatBoostClassifier(iterations=15, depth=4, verbose=0, allow_writing_files=False).fit(X, y)}
    rows = np.vstack([X[::9], *(edge_rows(extractors()[type(e)](e), 40) for e in models.values())])
    rows = rows.astype(np.float32)
    files = {"X.bin": rows.tobytes()}
    files.update({name: microlearn.convert(est).to_bytes() for name, est in models.items()})
    res = run(target, SCRIPT.replace("NAMES", repr(list(models))), files=files,
              fetch=[name + ".out" for name in models])
    assert res.returncode == 0, res.output
    for name, est in models.items():
        want = "".join(str(v) for v in np.asarray(est.predict(rows)).ravel())
        assert f"{name} {want}" in res.output, name
        proba = np.frombuffer(res.files[name + ".out"], np.float32).reshape(-1, 2)
        np.testing.assert_allclose(proba, est.predict_proba(rows), atol=2e-6)


RF_SCRIPT = """
import microlearn, array
X = open("X.bin", "rb").read()
for name in ("binary.mlm", "multi.mlm", "regression.mlm"):
    m = microlearn.load(name)
    info = m.info()
    n, k = info["n_features"], info["n_outputs"]
    x = array.array("f", bytes(4 * n))
    d = array.array("f", bytes(4 * k))
    p = array.array("f", bytes(4 * info["n_classes"]))
    with open(name + ".out", "wb") as out:
        for i in range(len(X) // (4 * n)):
            x[:] = array.array("f", X[4 * n * i:4 * n * (i + 1)])
            if info["task"] == "regression":
                out.write(array.array("f", [m.predict(x)]))
                continue
            out.write(array.array("f", [m.predict(x)]))
            out.write(m.decision_function(x, d))
            out.write(m.predict_proba(x, p))
print("done")
"""


def test_lightgbm_rf_agrees_with_lightgbm_on_every_target(target):
    """boosting_type='rf': decision_function is LightGBM's sum over iterations,
    predict_proba and regression predict its mean."""
    from sklearn.datasets import make_classification, make_regression
    kw = dict(boosting_type="rf", n_estimators=5, subsample=0.7, subsample_freq=1, num_leaves=8, verbose=-1)
    Xb, yb = make_classification(200, 6, random_state=0)
    Xm, ym = make_classification(200, 6, n_informative=4, n_classes=3, random_state=1)
    Xr, yr = make_regression(200, 6, noise=3, random_state=0)
    models = {"binary.mlm": lgb.LGBMClassifier(**kw).fit(Xb, yb),
              "multi.mlm": lgb.LGBMClassifier(**kw).fit(Xm, ym),
              "regression.mlm": lgb.LGBMRegressor(**kw).fit(Xr, yr)}
    rows = np.vstack([Xb[::10], Xm[::10], Xr[::10]]).astype(np.float32)
    files = {"X.bin": rows.tobytes()}
    files.update({name: microlearn.convert(est).to_bytes() for name, est in models.items()})
    res = run(target, RF_SCRIPT, files=files, fetch=[name + ".out" for name in models])
    assert res.returncode == 0 and "done" in res.output, res.output
    for name, est in models.items():
        got = np.frombuffer(res.files[name + ".out"], np.float32).astype(np.float64)
        if name == "regression.mlm":
            want = est.predict(rows)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
            continue
        raw = np.asarray(est.decision_function(rows), np.float64).reshape(len(rows), -1)
        proba = est.predict_proba(rows)
        got = got.reshape(len(rows), 1 + raw.shape[1] + proba.shape[1])
        np.testing.assert_array_equal(got[:, 0], est.predict(rows))
        np.testing.assert_allclose(got[:, 1:1 + raw.shape[1]], raw, rtol=1e-5, atol=1e-5 * np.abs(raw).max())
        np.testing.assert_allclose(got[:, 1 + raw.shape[1]:], proba, atol=2e-6)
