"""Float inputs of int8 and 16x8 networks at QUANTIZE's rounding halfway points on
MicroPython (unix port, emulated Cortex-M0/M3/M4F, rv32): x = (k + 0.5) * scale and the
float32 numbers next to it, where LiteRT rounds the IEEE quotient fl(x / scale) half away
from zero. math::round_quotient takes the FPU's division on unix and the Cortex-M4F and a
long division of the significands on the soft-float targets; both must give LiteRT's
quantized input, so the same outputs bit for bit (QA: 38 of 40 such rows differed while
QUANTIZE divided through math::quotient)."""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import microlearn
from device_rig import run

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from neural_tflite_cases import reference  # noqa: E402

N_ROWS = 12

SCRIPT = """
import microlearn, array
for i in range(N_CASES):
    m = microlearn.load("m%d.mlm" % i)
    x = array.array("f", bytes(4 * m.info()["n_features"]))
    out = array.array("f", bytes(4 * m.info()["n_outputs"]))
    res = open("out%d.bin" % i, "wb")
    with open("x%d.bin" % i, "rb") as f:
        while f.readinto(x) == 4 * len(x):
            m.predict(x, out)
            res.write(out)
    res.close()
    print("case", i, "done")
"""


def _case(quantize, seed):
    """A Dense(64 -> 8) network, float32 in and out, and N_ROWS rows at its
    input QUANTIZE's halfway points (every third nudged one float up, every
    third down), with LiteRT's outputs for them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers as L

    from microlearn.converters.neural import quantize as q

    keras.utils.set_random_seed(seed)
    inp = keras.Input((64,))
    rng = np.random.default_rng(seed)
    data = q.to_tflite(keras.Model(inp, L.Dense(8)(inp)), calibration=rng.normal(size=(32, 64)).astype(np.float32),
                       io_dtype="float32", quantize=quantize)
    it = reference(data, np.zeros(64, np.float32))
    op = [o for o in it._get_ops_details() if o["op_name"] == "QUANTIZE"][0]
    s, z = it._get_tensor_details(op["outputs"][0], 0)["quantization"]
    lo, hi = (-128 - z, 128 - z) if quantize == "int8" else (-32768, 32768)
    xs = ((rng.integers(lo, hi, size=(N_ROWS, 64)) + 0.5) * np.float32(s)).astype(np.float32)
    xs[:, ::3] = np.nextafter(xs[:, ::3], np.float32(np.inf))
    xs[:, 1::3] = np.nextafter(xs[:, 1::3], np.float32(-np.inf))
    want = []
    for x in xs:
        it = reference(data, x)
        want.append(it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1))
    return microlearn.convert(data), xs, np.array(want)


@pytest.fixture(scope="module")
def cases():
    return [_case("int8", 0), _case("int8", 1), _case("int16x8", 2)]


def test_float_inputs_at_quantize_halfway_points_bit_exact_on_device(target, cases):
    files = {}
    for i, (model, xs, _) in enumerate(cases):
        files[f"m{i}.mlm"] = model.to_bytes()
        files[f"x{i}.bin"] = xs.tobytes()
    res = run(target, SCRIPT.replace("N_CASES", str(len(cases))), files=files,
              fetch=[f"out{i}.bin" for i in range(len(cases))])
    assert res.returncode == 0, res.output
    for i, (_, xs, want) in enumerate(cases):
        assert f"case {i} done" in res.output, res.output
        got = np.frombuffer(res.files[f"out{i}.bin"], np.float32).reshape(len(xs), -1)
        np.testing.assert_array_equal(got, want, err_msg=f"case {i} on {target}")
