"""Kernel SVMs from C: the C API (include/microlearn/c/svm.h) and the engine
compiled as C firmware would compile them give the host engine's results,
so scikit-learn's, for every method and task."""
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.svm import SVC, SVR, OneClassSVM

import microlearn

ROOT = Path(__file__).resolve().parents[2]

# Reads float32 rows from stdin; per row prints predict (or the regression
# value), then every decision value, probability and score the model has.
PROGRAM = r"""
#include <stdio.h>
#include "microlearn/microlearn.h"
#include "model.h"

int main(void) {
    static ml_svm_t m;
    int st = ml_svm_load(&m, model, MODEL_SIZE);
    if (st != ML_OK) { printf("load %s\n", ml_status_name(st)); return 1; }
    ml_svm_info_t info;
    ml_svm_info(&m, &info);
    static float x[64], scratch[4096], out[64];
    if (ml_svm_scratch_size(&m) > 4096 || info.n_features > 64) return 2;
    while (fread(x, sizeof(float), info.n_features, stdin) == info.n_features) {
        if (info.task == 0) {
            float v;
            st = ml_svm_predict_value(&m, x, info.n_features, scratch, 4096, &v);
            printf("%.9g", v);
        } else {
            int32_t label;
            st = ml_svm_predict(&m, x, info.n_features, scratch, 4096, &label);
            printf("%d", (int)label);
            if (st == ML_OK) st = ml_svm_decision_function(&m, x, info.n_features, scratch, 4096, out, 64);
            for (uint32_t i = 0; i < info.n_decisions; ++i) printf(" %.9g", out[i]);
        }
        if (st == ML_OK && info.probability) {
            st = ml_svm_predict_proba(&m, x, info.n_features, scratch, 4096, out, 64);
            for (uint32_t i = 0; i < info.n_classes; ++i) printf(" %.9g", out[i]);
        }
        if (st == ML_OK && info.task == 2) {
            st = ml_svm_score_samples(&m, x, info.n_features, scratch, 4096, out);
            printf(" %.9g", out[0]);
        }
        if (st != ML_OK) { printf("error %s\n", ml_status_name(st)); return 1; }
        printf("\n");
    }
    return 0;
}
"""


def cases():
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return {
            "svc-ovr-proba": (SVC(probability=True, random_state=0).fit(X[::2], y[::2]), X[1::2]),
            "svc-ovo-poly": (SVC(kernel="poly", decision_function_shape="ovo").fit(X[::2], y[::2]), X[1::2]),
            "svc-binary-names": (SVC(kernel="linear").fit(X[::2], np.array(["a", "b"])[(y[::2] == 1).astype(int)]), X[1::2]),
            "svr": (SVR(kernel="sigmoid", gamma=0.02).fit(X[::2], X[::2, 0]), X[1::2]),
            "ocsvm": (OneClassSVM(nu=0.2).fit(X[::2]), X[1::2]),
        }


@pytest.mark.parametrize("case", ["svc-ovr-proba", "svc-ovo-poly", "svc-binary-names", "svr", "ocsvm"])
def test_c_program_agrees_with_the_host_engine(tmp_path, engine_object, case):
    est, X = cases()[case]
    model = microlearn.convert(est)
    model.to_c_header(tmp_path / "model.h", name="model")
    (tmp_path / "prog.c").write_text(PROGRAM)
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", f"-I{tmp_path}",
                    str(tmp_path / "prog.c"), str(engine_object), "-o", str(tmp_path / "prog"), "-lstdc++"],
                   check=True)
    rows = X.astype(np.float32)
    res = subprocess.run([str(tmp_path / "prog")], input=rows.tobytes(), capture_output=True, check=True)
    got = np.array([[float(v) for v in line.split()] for line in res.stdout.decode().splitlines()])
    task = model.info["task"]
    cols = []
    if task == "regression":
        cols.append(model.predict(rows).reshape(-1, 1))
    else:
        pred = model.predict(rows)
        cols.append((np.searchsorted(model.classes_, pred) if task == "classification" else pred).reshape(-1, 1))
        cols.append(model.decision_function(rows).reshape(len(rows), -1))
    if "predict_proba" in model.info["methods"]:
        cols.append(model.predict_proba(rows))
    if task == "anomaly":
        cols.append(model.score_samples(rows).reshape(-1, 1))
    want = np.hstack(cols)
    assert got.shape == want.shape
    if task != "regression":
        np.testing.assert_array_equal(got[:, 0], want[:, 0])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
