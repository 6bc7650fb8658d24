"""int16-activation ("16x8") networks on MicroPython (unix port, emulated
Cortex-M0/M3/M4F): BIT-EXACT with LiteRT's reference kernels there too.

The 16x8 models of tests/python/neural_int16_cases.py (CONV_2D with strides
and padding, DEPTHWISE_CONV_2D with a depth multiplier and dilation, both
pools, a 1-D convolution, FULLY_CONNECTED, SOFTMAX, ADD, MUL) run on the device from
array('h') inputs (and one from array('f')); their outputs, turned back into
int16, must equal LiteRT's. The Cortex-M targets rescale FULLY_CONNECTED in
integer arithmetic (int16_ops.hpp's scaled_round_integer: no double-precision
hardware), unix in double precision, so this also checks they agree.
microlearn.load() imports _neural_int16; predict() allocates nothing; wrong
typecodes and lengths are clear errors."""
import sys
from pathlib import Path

import numpy as np
import pytest

import microlearn
from device_rig import run

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from neural_int16_cases import converted_model, inputs, litert_outputs, output_scale  # noqa: E402
from test_neural_int8_device import SCRIPT as INT8_SCRIPT  # noqa: E402

# softmax: a classifier (FULLY_CONNECTED, SOFTMAX); residual: ADD and MUL
CASES = [("cnn", "int16"), ("dilated", "int16"), ("softmax", "float32"), ("residual", "int16")]
N_ROWS = 8

# test_neural_int8_device.py's loop over the cases (outputs to out<i>.bin, a
# call under heap_lock), then the modules imported and the errors.
SCRIPT = INT8_SCRIPT + """
import sys
print("input", [microlearn.load("m%d.mlm" % i).info()["input_dtype"] for i, _, _ in CASES],
      [k for k in sys.modules if k.startswith("microlearn._neural")])
m = microlearn.load("m0.mlm")
n = m.info()["n_features"]
for bad in (array.array("b", bytes(n)), array.array("H", bytes(2 * n)), array.array("h", bytes(2 * n - 2))):
    try:
        m.predict(bad)
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
m = microlearn.load("m2.mlm")
try:
    m.predict(array.array("h", bytes(2 * m.info()["n_features"])))
except TypeError as e:
    print(type(e).__name__, e)
"""


@pytest.fixture(scope="module")
def cases():
    out = []
    for name, io in CASES:
        data, shape = converted_model(name, io)
        xs = inputs(data, shape, N_ROWS, seed=13)
        out.append((microlearn.convert(data), np.array(xs), litert_outputs(data, xs), output_scale(data)))
    return out


def test_int16_networks_bit_exact_on_device(target, cases):
    files, plan = {}, []
    for i, (model, xs, _, _) in enumerate(cases):
        files[f"m{i}.mlm"] = model.to_bytes()
        files[f"x{i}.bin"] = xs.tobytes()
        plan.append((i, "h" if xs.dtype == np.int16 else "f", xs.dtype.itemsize))
    res = run(target, SCRIPT.replace("CASES", repr(plan)), files=files,
              fetch=[f"out{i}.bin" for i in range(len(cases))])
    assert res.returncode == 0, res.output
    assert f"input {[io for _, io in CASES]} ['microlearn._neural_int16']" in res.output, res.output
    for i, (model, xs, want, scale) in enumerate(cases):
        assert f"case {i} rows {len(xs)} no allocation" in res.output, res.output
        got = np.frombuffer(res.files[f"out{i}.bin"], np.float32).reshape(len(xs), -1)
        if want.dtype == np.int16:  # the device dequantized: recover the int16 values exactly
            got = np.round(got.astype(np.float64) / scale)
        np.testing.assert_array_equal(got, want.astype(got.dtype), err_msg=f"{CASES[i]} on {target}")
    n = cases[0][1][0].size
    assert "TypeError x must be array('f') or array('h') for an int16 network" in res.output, res.output
    assert res.output.count("TypeError x must be array('f') or array('h')") == 2, res.output  # 'b' and 'H'
    assert f"ValueError expected {n} features, got {n - 1}" in res.output, res.output
    assert "TypeError x must be a float32 array" in res.output, res.output  # array('h') for a float-input model
