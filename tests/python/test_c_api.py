"""A converted model used from C (examples/c/predict.c): the C header export,
the C API and the engine compiled as C firmware would compile them agree with
scikit-learn on every row."""
import subprocess
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier

import microlearn

ROOT = Path(__file__).resolve().parents[2]


import pytest

LABELS = {
    "digits": None,
    "int64": np.array([-7, 5_000_000_000, 3, 2**62, -(2**40), 0, 1, 2, 9, 11]),
    "names": np.array(["walk", "run", "sit", "stand", "lie", "bike", "swim", "row", "ski", "jump"]),
}


@pytest.mark.parametrize("labels", LABELS)
def test_c_program_with_the_header_agrees(tmp_path, engine_object, labels):
    X, y = load_digits(return_X_y=True)
    if LABELS[labels] is not None:
        y = LABELS[labels][y]
    est = RandomForestClassifier(10, max_depth=8, random_state=0).fit(X, y)
    microlearn.convert(est).to_c_header(tmp_path / "model.h", name="model")
    include = ROOT / "include"
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{include}", f"-I{tmp_path}",
                    str(ROOT / "examples/c/predict.c"), str(engine_object), "-o", str(tmp_path / "predict")],
                   check=True)
    rows = X.astype(np.float32)
    out = subprocess.run([str(tmp_path / "predict")], input=rows.tobytes(), capture_output=True, check=True)
    got = [w.decode() for w in out.stdout.split()]
    want = est.predict(rows)
    np.testing.assert_array_equal(np.array(got, dtype=want.dtype), want)
