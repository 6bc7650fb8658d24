"""The linear-model C API (include/microlearn/c/linear.h) compiled as C
firmware would compile it: a C11 program with a converted model's header
gives scikit-learn's labels, decision values and probabilities, and a C
program that learns with ml_linear_create / ml_linear_partial_fit /
ml_linear_seal writes the bytes the host's trainer writes."""
import subprocess
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, PoissonRegressor

import microlearn
from microlearn import _engine
from microlearn.converters import linear as L

ROOT = Path(__file__).resolve().parents[2]

PREDICT = r"""
#include <stdio.h>
#include <microlearn/microlearn.h>
#include "model.h"

int main(void) {
    ml_linear_t m;
    int st = ml_linear_load(&m, model, MODEL_SIZE);
    if (st != ML_OK) { printf("load %s\n", ml_status_name(st)); return 1; }
    ml_linear_info_t info;
    ml_linear_info(&m, &info);
    float x[64], out[16];
    int32_t label;
    ml_labels_t labels;
    if (info.task == 1 && ml_labels_load(&labels, model, MODEL_SIZE, info.n_classes) != ML_OK) return 3;
    while (fread(x, 4, info.n_features, stdin) == info.n_features) {
        if (info.task == 1) {
            st = ml_linear_predict(&m, x, info.n_features, out, 16, &label);
            if (st != ML_OK) { printf("predict %s\n", ml_status_name(st)); continue; }
            printf("%lld", (long long)ml_label_int(&labels, (uint32_t)label));
            for (uint32_t k = 0; k < info.n_outputs; ++k) printf(" %.9g", out[k]);
            if (ml_linear_predict_proba(&m, x, info.n_features, out, 16) == ML_OK)
                for (uint32_t k = 0; k < info.n_classes; ++k) printf(" %.9g", out[k]);
        } else {
            st = ml_linear_predict_values(&m, x, info.n_features, out, 16);
            if (st != ML_OK) { printf("predict %s\n", ml_status_name(st)); continue; }
            for (uint32_t k = 0; k < info.n_outputs; ++k) printf(" %.9g", out[k]);
        }
        printf("\n");
    }
    return 0;
}
"""

LEARN = r"""
#include <stdio.h>
#include <string.h>
#include <microlearn/microlearn.h>

static uint32_t file[4096];

int main(void) {
    const char* meta = "{\"classes\":[0,1,2],\"classes_dtype\":\"<i8\",\"estimator\":\"SGDClassifier\","
                       "\"feature_dtype\":\"float32\"}";
    ml_linear_new_t spec = {4, 3, 1 /* log_loss */, 0 /* constant */, 1, 0.001f, 0.02f, 0.5f, meta, strlen(meta)};
    size_t size = ml_linear_created_size(&spec);
    if (size == 0 || size > sizeof file) return 1;
    int st = ml_linear_create(&spec, file, size);
    if (st != ML_OK) { printf("create %s\n", ml_status_name(st)); return 2; }
    ml_linear_trainer_t t;
    if ((st = ml_linear_trainer_load(&t, file, size)) != ML_OK) { printf("trainer %s\n", ml_status_name(st)); return 3; }
    float row[5];
    while (fread(row, 4, 5, stdin) == 5)
        if ((st = ml_linear_partial_fit(&t, row, 4, row[4])) != ML_OK) { printf("fit %s\n", ml_status_name(st)); return 4; }
    ml_linear_seal(&t);
    ml_linear_t m;
    if (ml_linear_load(&m, file, size) != ML_OK) return 5;
    if (ml_linear_trainer_model(&t) == NULL) return 6;
    fwrite(file, 1, size, stdout);
    return 0;
}
"""


def build_c(tmp_path, engine_object, source):
    (tmp_path / "main.c").write_text(source)
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", f"-I{tmp_path}",
                    str(tmp_path / "main.c"), str(engine_object), "-lm", "-o", str(tmp_path / "main")], check=True)
    return str(tmp_path / "main")


def test_c_program_agrees_with_scikit_learn(tmp_path, engine_object):
    X, y = load_iris(return_X_y=True)
    labels = np.array([10, 20, 5_000_000_000])[y]
    est = LogisticRegression(max_iter=1000).fit(X[::2], labels[::2])
    rows = X[1::2].astype(np.float32)
    microlearn.convert(est).to_c_header(tmp_path / "model.h", name="model")
    out = subprocess.run([build_c(tmp_path, engine_object, PREDICT)], input=rows.tobytes(), capture_output=True,
                         check=True).stdout.decode().splitlines()
    got = np.array([[float(v) for v in line.split()] for line in out])
    np.testing.assert_array_equal(got[:, 0], est.predict(rows))
    np.testing.assert_allclose(got[:, 1:4], est.decision_function(rows), atol=1e-4, rtol=0)
    np.testing.assert_allclose(got[:, 4:7], est.predict_proba(rows), atol=1e-5, rtol=0)


def test_c_program_regressor_and_bad_rows(tmp_path, engine_object):
    X, y = load_iris(return_X_y=True)
    est = PoissonRegressor().fit(X, y + 1)
    rows = np.vstack([X[:3], np.full((1, 4), np.nan), np.full((1, 4), 1e30)]).astype(np.float32)
    microlearn.convert(est).to_c_header(tmp_path / "model.h", name="model")
    out = subprocess.run([build_c(tmp_path, engine_object, PREDICT)], input=rows.tobytes(), capture_output=True,
                         check=True).stdout.decode().splitlines()
    np.testing.assert_allclose([float(v) for v in out[:3]], est.predict(rows[:3]), rtol=1e-5)
    assert out[3] == "predict bad_argument"
    assert out[4] == "predict out_of_range"


def test_c_program_learns_what_the_host_learns(tmp_path, engine_object):
    X, y = load_iris(return_X_y=True)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    p = np.random.default_rng(0).permutation(len(X))
    X, y = X[p], y[p].astype(np.float32)
    data = np.hstack([X, y[:, None]]).astype(np.float32)
    got = subprocess.run([build_c(tmp_path, engine_object, LEARN)], input=data.tobytes(), capture_output=True,
                         check=True).stdout
    tr = _engine.LinearTrainer(L.new_model(4, 3, loss="log_loss", learning_rate="constant", eta0=0.02,
                                           alpha=0.001))
    tr.partial_fit(X, y)
    assert got == tr.to_bytes()  # same metadata, same float32 steps: the same file
    model = microlearn.Model(got)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert (model.predict(X) == y).mean() > 0.8
