"""int16 activations (TFLite's 16x8 quantization) through microlearn.convert()
and the host engine (the C++ the device runs), against LiteRT.

- 16x8 .tflite models with float32 or int16 inputs/outputs: BIT-EXACT with
  LiteRT's reference kernels (int16 outputs compared as integers, float
  outputs exactly), every supported operator in several shapes.
- microlearn.convert(keras_model, quantize="int16x8", calibration=X) is the
  model TFLiteConverter writes.
- np.int16 rows are an int16 model's quantized input (array('h') on the
  device); other integer rows of the wrong type are a TypeError.
- int16 operators without a kernel are refused naming the operator, its
  index and "int16".
"""
from __future__ import annotations

import numpy as np
import pytest

import microlearn
from microlearn import mlm
from microlearn.errors import UnsupportedEstimatorError

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")

from neural_int16_cases import (MODELS, calibration, converted_model, inputs, keras_model,  # noqa: E402
                                litert_outputs, output_scale)

N = 16


def _engine_raw(model, data: bytes, xs) -> np.ndarray:
    """The engine's outputs in the model's output type: int16 values recovered exactly from the
    dequantized floats the host returns (scale * q is exact in float32 for |q| < 2^15... and rounds
    back to q), else floats."""
    X = np.array([np.asarray(x).reshape(-1) for x in xs])
    y = np.asarray(model.predict(X), np.float32).reshape(len(xs), -1)
    if model.info["output_dtype"] == "int16":
        return np.round(y.astype(np.float64) / output_scale(data)).astype(np.int64)
    return y


@pytest.mark.parametrize("io", ["int16", "float32"])
@pytest.mark.parametrize("name", MODELS)
def test_int16x8_tflite_bit_exact_with_litert_reference(name, io):
    data, shape = converted_model(name, io)
    model = microlearn.convert(data)
    assert model.info["input_dtype"] == io and model.info["output_dtype"] == io
    assert mlm.read_header(model.to_bytes()).flags == 16  # the int16 kernels only (QUANTIZE/DEQUANTIZE: none)
    xs = inputs(data, shape, N, seed=7)
    want = litert_outputs(data, xs)
    got = _engine_raw(model, data, xs)
    assert np.array_equal(got, want.astype(got.dtype)), (got[:2], want[:2])


def test_int16_rows_are_the_quantized_input_and_other_types_are_refused():
    data, shape = converted_model("cnn", "int16")
    model = microlearn.convert(data)
    xs = inputs(data, shape, 4, seed=3)
    q = np.array([x.reshape(-1) for x in xs])
    assert q.dtype == np.int16
    want = model.predict(q)
    # float rows are real values, quantized on the way in: q times the input scale gives q back
    from ai_edge_litert.interpreter import Interpreter

    s = Interpreter(model_content=data).get_input_details()[0]["quantization"][0]
    assert np.array_equal(model.predict((q * np.float32(s)).astype(np.float32)), want)
    with pytest.raises(TypeError, match="int16"):
        model._engine.predict(q.astype(np.int8))
    int8_data, _ = converted_model("mlp", "float32")
    float_in = microlearn.convert(int8_data)
    with pytest.raises(TypeError, match="float32"):
        float_in._engine.predict(np.zeros((1, 9), np.int16))


def test_quantize_int16x8_from_keras_is_the_tflite_model():
    net, shape = keras_model("mlp")
    X = calibration(shape)
    for io in ("float32", "int16"):
        model = microlearn.convert(net, quantize="int16x8", calibration=X, io_dtype=io)
        data = converted_model("mlp", io)[0]
        assert model.info["input_dtype"] == io
        xs = inputs(data, shape, N, seed=11)
        got = _engine_raw(model, data, xs)
        assert np.array_equal(got, litert_outputs(data, xs).astype(got.dtype))
    with pytest.raises(ValueError, match="io_dtype must be 'float32' or 'int16'"):
        microlearn.convert(net, quantize="int16x8", calibration=X, io_dtype="int8")
    with pytest.raises(ValueError, match="io_dtype must be 'float32' or 'int8'"):
        microlearn.convert(net, quantize="int8", calibration=X, io_dtype="int16")


def test_int16_operators_without_a_kernel_are_refused_by_name():
    import keras

    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5), keras.layers.Softmax()])
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(SOFTMAX\): int16 SOFTMAX is not supported"):
        microlearn.convert(net, quantize="int16x8", calibration=np.zeros((8, 6), np.float32))
    a = keras.Input((6,))
    net = keras.Model(a, keras.layers.Add()([keras.layers.Dense(4)(a), keras.layers.Dense(4)(a)]))
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(ADD\): int16 ADD is not supported"):
        microlearn.convert(net, quantize="int16x8", calibration=np.random.default_rng(0).normal(size=(8, 6)))


def test_corrupt_int16_parameters_are_refused_at_load():
    data = microlearn.convert(converted_model("cnn", "int16")[0]).to_bytes()
    head = mlm.read_header(data)
    sections = {sid: np.array(a) for sid, a in mlm.read_sections(data).items()}

    def load(changed, flags=head.flags):
        s = dict(sections)
        s.update(changed)
        return microlearn.Model(mlm.write(head.kind, s, flags=flags))

    load({})  # as written
    with pytest.raises(ValueError, match="impossible value"):  # int16 is symmetric: zero point 0
        load({11: np.ones_like(sections[11])})
    with pytest.raises(ValueError, match="impossible value"):  # flags naming the int8 CNN kernels
        load({}, flags=2)
    ints = sections[5].copy()
    ints[ints == 32767] = 40000  # an activation bound beyond int16
    with pytest.raises(ValueError, match="impossible value"):
        load({5: ints})
