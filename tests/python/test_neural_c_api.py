"""The neural-network C API (include/microlearn/c/neural.h) compiled as C
firmware would compile it: a C11 program with a converted MLP's header and a
static arena gives the host engine's outputs bit for bit and scikit-learn's
labels; the calls' statuses for a missing or small arena, wrong lengths,
NaN, and quantized outputs asked of a float32 network."""
import subprocess
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import microlearn

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
#include <math.h>
#include <stdio.h>
#include <microlearn/microlearn.h>
#include "model.h"

static uint32_t arena[1024];  /* 4 KB, 4-byte aligned */

int main(void) {
    ml_neural_t m;
    ml_neural_info_t info;
    int st = ml_neural_load(&m, model, MODEL_SIZE, NULL, 0);
    if (st != ML_OK) { printf("load %s\n", ml_status_name(st)); return 1; }
    ml_neural_info(&m, &info);
    const float probe[4] = {1, 2, 3, 4};
    printf("no arena %s\n", ml_status_name(ml_neural_input_f32(&m, probe, 4)));
    printf("small arena %s\n", ml_status_name(ml_neural_set_arena(&m, arena, info.arena_size - 4)));
    printf("unaligned arena %s\n", ml_status_name(ml_neural_set_arena(&m, (char*)arena + 1, info.arena_size)));
    if (info.arena_size > sizeof arena || ml_neural_set_arena(&m, arena, sizeof arena) != ML_OK) return 2;
    printf("short x %s\n", ml_status_name(ml_neural_input_f32(&m, probe, 3)));
    const float nan_x[4] = {1, NAN, 3, 4};
    printf("nan x %s\n", ml_status_name(ml_neural_input_f32(&m, nan_x, 4)));
    const int8_t q[4] = {1, 2, 3, 4};
    printf("int8 x %s\n", ml_status_name(ml_neural_input_s8(&m, q, 4)));
    int8_t q8[16];
    int16_t q16[16];
    printf("int8 outputs %s\n", ml_status_name(ml_neural_outputs_s8(&m, q8, 16)));
    printf("int16 outputs %s %g %d\n", ml_status_name(ml_neural_outputs_s16(&m, q16, 16)), info.output_scale,
           (int)info.output_zero_point);
    float x[64], out[16];
    int32_t label;
    while (fread(x, 4, info.n_inputs, stdin) == info.n_inputs) {
        if (ml_neural_input_f32(&m, x, info.n_inputs) != ML_OK || ml_neural_run(&m) != ML_OK ||
            ml_neural_class(&m, &label) != ML_OK || ml_neural_proba(&m, out, 16) != ML_OK) return 3;
        printf("%d", (int)label);
        for (uint32_t k = 0; k < info.n_classes; ++k) printf(" %.9g", out[k]);
        printf("\n");
    }
    return 0;
}
"""


def test_c_program_agrees_with_the_host(tmp_path, engine_object):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPClassifier((16, 8), max_iter=300, random_state=0).fit(X[::2], y[::2])
    model = microlearn.convert(est)
    model.to_c_header(tmp_path / "model.h", name="model")
    (tmp_path / "main.c").write_text(PROGRAM)
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", f"-I{tmp_path}",
                    str(tmp_path / "main.c"), str(engine_object), "-lm", "-o", str(tmp_path / "main")], check=True)
    rows = X[1::2].astype(np.float32)
    out = subprocess.run([str(tmp_path / "main")], input=rows.tobytes(), capture_output=True, check=True)
    lines = out.stdout.decode().splitlines()
    assert lines[:8] == ["no arena bad_argument", "small arena size_mismatch", "unaligned arena bad_argument",
                         "short x size_mismatch", "nan x bad_argument", "int8 x type_mismatch",
                         "int8 outputs type_mismatch", "int16 outputs type_mismatch 1 0"]  # a float32 output
    got = np.array([[float(v) for v in line.split()] for line in lines[8:]])
    np.testing.assert_array_equal(got[:, 0], est.predict(rows))
    np.testing.assert_array_equal(got[:, 1:].astype(np.float32), model.predict_proba(rows))
