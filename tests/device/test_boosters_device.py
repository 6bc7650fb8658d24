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
