"""An int8 or int16 network's quantized outputs on MicroPython (unix port,
emulated Cortex-M0/M3/M4F): predict(x, out) with array('b') for an int8
output, array('h') for an int16 one, BIT-EXACT with LiteRT's output tensor;
info() gives the output's scale and zero point; under heap_lock() nothing is
allocated; another typecode or a short `out` is a TypeError / ValueError
naming what the network gives. The cases are tests/python/test_neural_raw_outputs.py's."""
import sys
from pathlib import Path

import numpy as np
import pytest

import microlearn
from device_rig import EXPECT, run

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from test_neural_raw_outputs import CASES, raw_case  # noqa: E402

SCRIPT = EXPECT + """
import microlearn, array, micropython
for i, typecode, size in PLAN:
    m = microlearn.load("m%d.mlm" % i)
    info = m.info()
    x = array.array(typecode, bytes(size * info["n_features"]))
    out = array.array(typecode, bytes(size * info["n_outputs"]))
    res = open("out%d.bin" % i, "wb")
    labels = []
    with open("x%d.bin" % i, "rb") as f:
        while f.readinto(x) == len(x) * size:
            labels.append(m.predict(x, out))
            res.write(out)
    res.close()
    micropython.heap_lock()
    try:
        y = m.predict(x, out)
    finally:
        micropython.heap_unlock()
    print("case", i, info["output_dtype"], repr(info["output_scale"]), info["output_zero_point"],
          info["task"] == "classification" and labels or "returns out %s" % (y is out), "no allocation")
    other = array.array("h" if typecode == "b" else "b", bytes(2 * info["n_outputs"]))
    expect(TypeError, m.predict, x, other)
    expect(ValueError, m.predict, x, array.array(typecode, bytes(size * (info["n_outputs"] - 1))))
m = microlearn.load("f.mlm")
expect(TypeError, m.predict, array.array("f", bytes(4 * m.info()["n_features"])), array.array("b", bytes(64)))
"""


@pytest.fixture(scope="module")
def cases():
    return [raw_case(*c) for c in CASES]


@pytest.fixture(scope="module")
def float_model():
    from neural_tflite_cases import converted_model

    return microlearn.convert(converted_model("mlp", "float32")[0]).to_bytes()


def test_quantized_outputs_bit_exact_on_device(target, cases, float_model):
    files, plan = {"f.mlm": float_model}, []
    for i, (data, X, want, _) in enumerate(cases):
        files[f"m{i}.mlm"] = microlearn.convert(data).to_bytes()
        files[f"x{i}.bin"] = X.tobytes()
        plan.append((i, "b" if X.dtype == np.int8 else "h", X.dtype.itemsize))
    res = run(target, SCRIPT.replace("PLAN", repr(plan)), files=files, fetch=[f"out{i}.bin" for i in range(len(cases))])
    assert res.returncode == 0, res.output
    for i, (data, X, want, (scale, zero)) in enumerate(cases):
        got = np.frombuffer(res.files[f"out{i}.bin"], want.dtype).reshape(want.shape)
        np.testing.assert_array_equal(got, want, err_msg=f"{CASES[i]} on {target}")
        line = next(ln for ln in res.output.splitlines() if ln.startswith(f"case {i} "))
        _, _, dtype, s, z, *rest = line.split(" ")
        assert dtype == want.dtype.name and int(z) == zero and abs(float(s) / scale - 1) < 1e-6, line
        model = microlearn.convert(data)
        if model.info["task"] == "classification":  # the labels the host gives
            assert " ".join(rest[:-2]) == repr([int(c) for c in model.predict(X)]), line
        else:
            assert line.endswith("returns out True no allocation"), line
        w, other = ("int8", "int16") if want.dtype == np.int8 else ("int16", "int8")
        code = "b" if w == "int8" else "h"
        assert (f"ok TypeError out must be array('f') or array('{code}') (the quantized outputs) for a network "
                f"with an {w} output") in res.output
        assert f"ok ValueError out must hold at least {want.shape[1]} values, got {want.shape[1] - 1}" in res.output
    assert "ok TypeError out must be array('f') for a network with a float32 output" in res.output
    assert "WRONG" not in res.output, res.output
