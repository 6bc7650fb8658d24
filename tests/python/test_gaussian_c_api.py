"""The Gaussian C API (include/microlearn/c/gaussian.h) compiled as C
firmware would compile it: a C11 program with a converted model's header
gives scikit-learn's predictions, probabilities and scores for every row,
and the statuses docs/gaussian.md names for bad rows."""
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import load_wine
from sklearn.mixture import BayesianGaussianMixture
from sklearn.naive_bayes import GaussianNB

import microlearn

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
#include <math.h>
#include <stdio.h>
#include <microlearn/microlearn.h>
#include "model.h"

int main(void) {
    ml_gaussian_t m;
    int st = ml_gaussian_load(&m, model, MODEL_SIZE);
    if (st != ML_OK) { printf("load %s\n", ml_status_name(st)); return 1; }
    ml_gaussian_info_t info;
    ml_gaussian_info(&m, &info);
    if (ml_gaussian_scratch_size(&m) != info.n_features) return 2;
    float x[64], scratch[64], out[16], v;
    int32_t label;
    ml_labels_t labels;
    if (info.task == 1 && ml_labels_load(&labels, model, MODEL_SIZE, info.n_classes) != ML_OK) return 3;
    while (fread(x, 4, info.n_features, stdin) == info.n_features) {
        st = ml_gaussian_predict(&m, x, info.n_features, scratch, 64, &label);
        if (st != ML_OK) { printf("predict %s\n", ml_status_name(st)); continue; }
        printf("%lld", (long long)(info.task == 1 ? ml_label_int(&labels, (uint32_t)label) : label));
        if (ml_gaussian_predict_proba(&m, x, info.n_features, scratch, 64, out, 16) == ML_OK)
            for (uint32_t k = 0; k < info.n_components; ++k) printf(" %.9g", out[k]);
        if (ml_gaussian_score_samples(&m, x, info.n_features, scratch, 64, &v) == ML_OK) printf(" %.9g", v);
        if (ml_gaussian_decision_function(&m, x, info.n_features, scratch, 64, &v) == ML_OK) printf(" %.9g", v);
        printf("\n");
    }
    return 0;
}
"""


def run_c(tmp_path, engine_object, model, rows):
    model.to_c_header(tmp_path / "model.h", name="model")
    (tmp_path / "main.c").write_text(PROGRAM)
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", f"-I{tmp_path}",
                    str(tmp_path / "main.c"), str(engine_object), "-lm", "-o", str(tmp_path / "main")], check=True)
    out = subprocess.run([str(tmp_path / "main")], input=rows.astype(np.float32).tobytes(), capture_output=True,
                         check=True)
    return out.stdout.decode().splitlines()


@pytest.mark.parametrize("kind", ["nb", "bgmm", "ee"])
def test_c_program_agrees_with_scikit_learn(tmp_path, engine_object, kind):
    X, y = load_wine(return_X_y=True)
    labels = np.array([10, 20, 5_000_000_000])[y]
    est = {"nb": GaussianNB().fit(X[::2], labels[::2]),
           "bgmm": BayesianGaussianMixture(n_components=3, covariance_type="tied", random_state=0).fit(X[::2]),
           "ee": EllipticEnvelope(random_state=0).fit(X[::2])}[kind]
    rows = X[1::2].astype(np.float32)
    lines = run_c(tmp_path, engine_object, microlearn.convert(est), rows)
    got = np.array([[float(v) for v in line.split()] for line in lines])
    np.testing.assert_array_equal(got[:, 0], est.predict(rows))
    if kind != "ee":
        np.testing.assert_allclose(got[:, 1:4], est.predict_proba(rows), atol=1e-3, rtol=0)
    if kind == "bgmm":
        want = est.score_samples(rows)
        assert np.all(np.abs(got[:, 4] - want) <= 1e-4 * (1 + np.abs(want)))
    if kind == "ee":
        score = est.score_samples(rows)
        assert np.all(np.abs(got[:, 1] - score) <= 1e-4 * (1 + np.abs(score)))
        assert np.all(np.abs(got[:, 2] - est.decision_function(rows)) <= 1e-4 * (1 + np.abs(score)))


def test_c_program_reports_bad_rows(tmp_path, engine_object):
    X, y = load_wine(return_X_y=True)
    est = GaussianNB().fit(X, y)
    rows = np.vstack([X[:1], np.full((1, 13), np.nan), np.full((1, 13), 3e37)])
    lines = run_c(tmp_path, engine_object, microlearn.convert(est), rows)
    assert lines[0].split()[0] == str(est.predict(X[:1].astype(np.float32))[0])
    assert lines[1:] == ["predict bad_argument", "predict out_of_range"]
