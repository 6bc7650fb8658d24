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


STATUS_NAMES = ["ok", "bad_magic", "bad_checksum", "unsupported_version", "unsupported_kind", "size_mismatch",
                "out_of_range", "truncated", "bad_section", "bad_parameter", "type_mismatch", "bad_argument"]


def test_status_names_from_c(tmp_path, engine_object):
    """ml_status_name() (one string of the names walked, c_api/common.hpp) names
    every ML_* status as the ML_ constants in microlearn.h, and any other
    value, negative or past the last, "unknown_status"."""
    include = ROOT / "include"
    consts = ", ".join("ML_" + n.upper() for n in STATUS_NAMES)
    (tmp_path / "names.c").write_text(
        '#include <stdio.h>\n#include "microlearn/microlearn.h"\n'
        f"static const int codes[] = {{{consts}}};\n"
        "int main(void) {\n"
        "    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; ++i) printf(\"%d %s\\n\", codes[i], "
        "ml_status_name(codes[i]));\n"
        "    const int other[] = {-1, -1000, 12, 13, 1000};\n"
        "    for (int i = 0; i < 5; ++i) printf(\"%d %s\\n\", other[i], ml_status_name(other[i]));\n"
        "    return 0;\n}\n")
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{include}", str(tmp_path / "names.c"),
                    str(engine_object), "-o", str(tmp_path / "names")], check=True)
    out = subprocess.run([str(tmp_path / "names")], capture_output=True, text=True, check=True).stdout.split("\n")
    want = [f"{i} {n}" for i, n in enumerate(STATUS_NAMES)] + [f"{v} unknown_status" for v in (-1, -1000, 12, 13, 1000)]
    assert out[:-1] == want
