"""The preprocessing C API (include/microlearn/c/preprocess.h) compiled as C
firmware would: a C11 program loads a converted Pipeline's trees and chain,
applies the chain to raw rows and predicts scikit-learn's labels; the chain's
outputs are the host engine's bits; wrong sizes and scratch are refused."""
import subprocess
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

import microlearn

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
#include <stdio.h>
#include <microlearn/microlearn.h>
#include "model.h"

int main(void) {
    ml_trees_t m;
    ml_preprocess_t chain;
    ml_trees_info_t info;
    ml_preprocess_info_t pi;
    if (ml_trees_load(&m, model, MODEL_SIZE) != ML_OK) return 1;
    ml_trees_info(&m, &info);
    int32_t keys[64];  /* the split keys of one input (ml_trees_key_buffer_size) */
    if (ml_trees_attach_key_buffer(&m, keys, 64) != ML_OK) return 5;
    int st = ml_preprocess_load(&chain, model, MODEL_SIZE, info.n_features + 1);
    printf("wrong width %s\n", ml_status_name(st));
    if (ml_preprocess_load(&chain, model, MODEL_SIZE, info.n_features) != ML_OK) return 2;
    ml_preprocess_info(&chain, &pi);
    printf("steps %u inputs %u outputs %u scratch %u\n", pi.n_steps, pi.n_inputs, pi.n_outputs, pi.scratch_size);
    float x[64], scratch[256], probs[16];
    const float* features;
    printf("short x %s\n", ml_status_name(ml_preprocess_apply(&chain, x, pi.n_inputs - 1, scratch, 256, &features)));
    printf("short scratch %s\n",
           ml_status_name(ml_preprocess_apply(&chain, x, pi.n_inputs, scratch, pi.scratch_size - 1, &features)));
    while (fread(x, 4, pi.n_inputs, stdin) == pi.n_inputs) {
        if (ml_preprocess_apply(&chain, x, pi.n_inputs, scratch, 256, &features) != ML_OK) return 3;
        int32_t label;
        if (ml_trees_predict_class(&m, features, ML_F32, info.n_features, probs, 16, &label) != ML_OK) return 4;
        printf("%d", (int)label);
        for (uint32_t i = 0; i < info.n_features; ++i) printf(" %.9g", features[i]);
        printf("\n");
    }
    /* whether a model's bytes carry a chain: a truncated buffer does not */
    printf("present %d %d\n", ml_preprocess_present(model, MODEL_SIZE), ml_preprocess_present(model, 30));
    return 0;
}
"""


def test_c_program_applies_the_chain(tmp_path, engine_object):
    X, y = make_classification(500, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=0)
    X = (X * 20 + 3).astype(np.float32)
    pipe = make_pipeline(StandardScaler(), PCA(4), PolynomialFeatures(2),
                         RandomForestClassifier(10, random_state=0)).fit(X[:300], y[:300])
    model = microlearn.convert(pipe)
    model.to_c_header(tmp_path / "model.h", name="model")
    (tmp_path / "main.c").write_text(PROGRAM)
    obj = engine_object
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", f"-I{tmp_path}",
                    str(tmp_path / "main.c"), str(obj), "-lm", "-o", str(tmp_path / "main")], check=True)
    rows = X[300:]
    out = subprocess.run([str(tmp_path / "main")], input=rows.tobytes(), capture_output=True, check=True)
    lines = out.stdout.decode().splitlines()
    assert lines[0] == "wrong width size_mismatch"
    assert lines[1] == "steps 3 inputs 5 outputs 15 scratch 35"
    assert lines[2] == "short x size_mismatch"
    assert lines[3] == "short scratch bad_argument"
    assert lines[-1] == "present 1 0"
    got = np.array([[float(v) for v in line.split()] for line in lines[4:-1]])
    assert len(got) == len(rows)
    np.testing.assert_array_equal(got[:, 0], pipe.predict(rows))
    np.testing.assert_array_equal(got[:, 1:].astype(np.float32), model._preprocess.apply(rows))
