"""An int8 or int16 network's quantized outputs (predict(X, out) with an
np.int8 / np.int16 `out`, array('b') / array('h') on the device): BIT-EXACT
with LiteRT's output tensor (its reference kernels), the output's scale and
zero point in info() as LiteRT gives them, float32 `out` the dequantized
values, and a wrong `out` a TypeError / ValueError naming what the network
gives. tests/device/test_neural_raw_outputs_device.py runs the same cases on
the boards."""
from __future__ import annotations

import numpy as np
import pytest

import microlearn

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")

import neural_int16_cases  # noqa: E402
import neural_tflite_cases  # noqa: E402

N = 12

# (name, quantization): a softmax classifier and a regressor with int8 outputs, an int16 regressor
CASES = [("cnn", "int8"), ("mlp", "int8"), ("mlp", "int16")]


def raw_case(name: str, kind: str):
    """(.tflite bytes, rows of quantized inputs, LiteRT's output tensors, (scale, zero point))."""
    from ai_edge_litert.interpreter import Interpreter

    cases = neural_tflite_cases if kind == "int8" else neural_int16_cases
    data, shape = cases.converted_model(name, kind)
    xs = cases.inputs(data, shape, N, seed=5)
    want = neural_int16_cases.litert_outputs(data, xs)  # BUILTIN_REF, in the output's type
    scale, zero = Interpreter(model_content=data).get_output_details()[0]["quantization"]
    return data, np.array([x.reshape(-1) for x in xs]), want, (scale, zero)


@pytest.fixture(scope="module", params=CASES, ids=["-".join(c) for c in CASES])
def case(request):
    data, X, want, quant = raw_case(*request.param)
    return microlearn.convert(data), X, want, quant


def test_quantized_outputs_equal_litert(case):
    model, X, want, (scale, zero) = case
    dtype = want.dtype
    assert dtype in (np.int8, np.int16) and model.info["output_dtype"] == dtype.name
    assert model.info["output_scale"] == np.float32(scale) and model.info["output_zero_point"] == zero
    out = np.zeros(want.shape, dtype)
    labels = model.predict(X, out=out)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(labels, model.predict(X))  # the predictions as without `out`
    if model.info["task"] == "classification":  # argmax of the quantized values
        np.testing.assert_array_equal(labels, model.classes_[np.argmax(want, axis=1)])
    f = np.zeros(want.shape, np.float32)
    model.predict(X, out=f)
    np.testing.assert_array_equal(f, np.float32(scale) * (want.astype(np.float32) - np.float32(zero)))


class _CountingEngine:
    """A model's engine, recording the calls that run the network."""
    def __init__(self, engine):
        self.engine, self.calls = engine, []

    def __getattr__(self, name):
        attr = getattr(self.engine, name)
        if name not in ("predict", "predict_proba", "outputs", "predict_outputs"):
            return attr

        def call(*args, **kw):
            self.calls.append(name)
            return attr(*args, **kw)
        return call


@pytest.mark.parametrize("dtype", ["quantized", "float32"])
def test_predict_with_out_runs_the_network_once(case, dtype):
    """predict(X, out=...) runs each row once for both results (it ran the network twice: outputs, then
    predict), and gives what predict(X) gives."""
    model, X, want, _ = case
    labels = model.predict(X)
    engine = model._engine
    model._engine = counting = _CountingEngine(engine)
    out = np.zeros(want.shape, want.dtype if dtype == "quantized" else np.float32)
    try:
        got = model.predict(X, out=out)
    finally:
        model._engine = engine
    assert counting.calls == ["predict_outputs"]
    np.testing.assert_array_equal(got, labels)
    np.testing.assert_array_equal(out, want if dtype == "quantized" else model._engine.outputs(X, "float32"))


def test_wrong_out_is_refused_naming_what_the_network_gives(case):
    model, X, want, _ = case
    other = np.int16 if want.dtype == np.int8 else np.int8
    with pytest.raises(TypeError, match=f"float32 or {want.dtype.name} .*{want.dtype.name} output, got "
                                        f"{np.dtype(other).name}"):
        model.predict(X, out=np.zeros(want.shape, other))
    with pytest.raises(TypeError, match="got float64"):
        model.predict(X, out=np.zeros(want.shape))
    with pytest.raises(ValueError, match=rf"out must have shape \({N}, {want.shape[1]}\).*got \({N}, "
                                         rf"{want.shape[1] - 1}\)"):
        model.predict(X, out=np.zeros((N, want.shape[1] - 1), want.dtype))
    with pytest.raises(TypeError, match="out must be a numpy array"):
        model.predict(X, out=[0] * want.size)


def test_float_network_takes_float_out_only():
    data, shape = neural_tflite_cases.converted_model("cnn", "float32")
    model = microlearn.convert(data)
    X = np.array([x.reshape(-1) for x in neural_tflite_cases.inputs(data, shape, 3, seed=1)])
    assert model.info["output_dtype"] == "float32" and "output_scale" not in model.info
    with pytest.raises(TypeError, match="out must be float32 for a network with a float32 output, got int8"):
        model.predict(X, out=np.zeros((3, 10), np.int8))


def test_out_is_for_neural_networks():
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(0).normal(size=(20, 3))
    model = microlearn.convert(LogisticRegression().fit(X, X[:, 0] > 0))
    with pytest.raises(TypeError, match="predict\\(X, out\\) is for neural networks"):
        model.predict(X, out=np.zeros((20, 1), np.float32))
