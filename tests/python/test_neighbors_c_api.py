"""The neighbours C API (include/microlearn/c/neighbors.h) compiled as C
firmware would compile it: a C11 program with a converted model's header
gives the host engine's labels, probabilities, values, distances and scores
for every row (float32 and int16), and the statuses docs/neighbors.md names."""
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_wine, make_regression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, LocalOutlierFactor, NearestCentroid

import microlearn

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
#include <stdio.h>
#include <microlearn/microlearn.h>
#include "model.h"

int main(void) {
    ml_neighbors_t m;
    int st = ml_neighbors_load(&m, model, MODEL_SIZE);
    if (st != ML_OK) { printf("load %s\n", ml_status_name(st)); return 1; }
    ml_neighbors_info_t info;
    ml_neighbors_info(&m, &info);
    uint64_t scratch[256];
    size_t n_scratch = ml_neighbors_scratch_size(&m);
    if (n_scratch > 256) return 2;
    union { float f[64]; int16_t h[64]; } x;
    float out[64], d[64], v;
    int32_t label, idx[64];
    ml_labels_t labels;
    if (info.task == 1 && ml_labels_load(&labels, model, MODEL_SIZE, info.n_classes) != ML_OK) return 3;
    size_t item = info.feature_type == ML_I16 ? 2 : 4;
    /* a call with too little scratch or the wrong input type is refused */
    if (ml_neighbors_kneighbors(&m, x.f, info.feature_type, info.n_features, scratch, n_scratch - 1, d, idx, 64)
        != ML_SIZE_MISMATCH) return 4;
    if (ml_neighbors_kneighbors(&m, x.f, !info.feature_type, info.n_features, scratch, n_scratch, d, idx, 64)
        != ML_TYPE_MISMATCH) return 5;
    while (fread(&x, item, info.n_features, stdin) == info.n_features) {
        if (info.task == 0) {
            st = ml_neighbors_predict_values(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, out, 64);
            if (st != ML_OK) { printf("predict %s\n", ml_status_name(st)); continue; }
            for (uint32_t o = 0; o < info.n_outputs; ++o) printf(" %.9g", out[o]);
        } else {
            st = ml_neighbors_predict(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, &label);
            if (st != ML_OK) { printf("predict %s\n", ml_status_name(st)); continue; }
            printf("%lld", (long long)(info.task == 1 ? ml_label_int(&labels, (uint32_t)label) : label));
        }
        if (ml_neighbors_predict_proba(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, out, 64) == ML_OK)
            for (uint32_t c = 0; c < info.n_classes; ++c) printf(" %.9g", out[c]);
        if (ml_neighbors_transform(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, out, 64) == ML_OK)
            for (uint32_t c = 0; c < info.n_points; ++c) printf(" %.9g", out[c]);
        if (ml_neighbors_score_samples(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, &v) == ML_OK)
            printf(" %.9g", v);
        if (ml_neighbors_decision_function(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, out, 64)
            == ML_OK)
            for (uint32_t c = 0; c < info.decision_width; ++c) printf(" %.9g", out[c]);
        if ((info.estimator == 0 || info.estimator == 3) &&
            ml_neighbors_kneighbors(&m, &x, info.feature_type, info.n_features, scratch, n_scratch, d, idx, 64) == ML_OK)
            for (uint32_t j = 0; j < info.n_neighbors; ++j) printf(" %.9g %d", d[j], (int)idx[j]);
        printf("\n");
    }
    return 0;
}
"""


def run_c(tmp_path, engine_object, model, rows):
    model.to_c_header(tmp_path / "model.h", name="model")
    (tmp_path / "main.c").write_text(PROGRAM)
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", f"-I{tmp_path}",
                    str(tmp_path / "main.c"), str(engine_object), "-o", str(tmp_path / "main")], check=True)
    out = subprocess.run([str(tmp_path / "main")], input=rows.tobytes(), capture_output=True)
    assert out.returncode == 0, out.stdout.decode()[-500:]
    return np.array([[float(v) for v in line.split()] for line in out.stdout.decode().splitlines()])


def expected(model, rows):
    """The C program's columns, from the host engine."""
    e, task = model._engine, model._task
    cols = [model.predict(rows).reshape(len(rows), -1)]
    if "predict_proba" in model.info["methods"]:
        cols.append(e.predict_proba(rows))
    if task == "clustering":
        cols.append(e.transform(rows))
    if task == "anomaly":
        cols.append(e.score_samples(rows).reshape(-1, 1))
    if "decision_function" in model.info["methods"]:
        cols.append(e.decision_function(rows))
    if "kneighbors" in model.info["methods"]:
        d, i = e.kneighbors(rows)
        cols.append(np.stack([d, i], axis=2).reshape(len(rows), -1))
    return np.hstack([np.asarray(c, np.float64) for c in cols])


@pytest.mark.parametrize("kind", ["knn", "knn16", "reg", "km", "lof", "nc", "nc16"])
def test_c_program_agrees_with_the_host(tmp_path, engine_object, kind):
    X, y = load_wine(return_X_y=True)
    labels = np.array([10, 20, 5_000_000_000])[y]
    Xr, yr = make_regression(120, 5, n_targets=2, random_state=0)
    est, options, rows = {
        "knn": (KNeighborsClassifier(5, weights="distance").fit(X[::2], labels[::2]), {}, X[1::2]),
        "knn16": (KNeighborsClassifier(5).fit(X[::2], labels[::2]), dict(feature_dtype="int16", feature_scale=20.0),
                  X[1::2]),
        "reg": (KNeighborsRegressor(3).fit(Xr[::2], yr[::2]), {}, Xr[1::2]),
        "km": (KMeans(4, n_init=1, random_state=0).fit(X[::2]), {}, X[1::2]),
        "lof": (LocalOutlierFactor(8, novelty=True).fit(X[::2]), {}, X[1::2]),
        "nc": (NearestCentroid(priors="empirical", shrink_threshold=0.2).fit(X[::2], labels[::2]), {}, X[1::2]),
        "nc16": (NearestCentroid(priors="empirical").fit(X[::2], labels[::2]),
                 dict(feature_dtype="int16", feature_scale=20.0), X[1::2]),
    }[kind]
    model = microlearn.convert(est, **options)
    rows = model.quantize(rows) if options else rows.astype(np.float32)
    got = run_c(tmp_path, engine_object, model, rows)
    np.testing.assert_allclose(got, expected(model, rows), rtol=1e-7)
