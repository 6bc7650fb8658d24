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
    """The engine's output tensors (also a classifier's), in the model's output type."""
    X = np.array([np.asarray(x).reshape(-1) for x in xs])
    out = np.zeros((len(xs), model.info["n_outputs"]), model.info["output_dtype"])
    model.predict(X, out=out)
    return out


def _softmax_only(scale: float, shape) -> bytes:
    """A 16x8 model that is one SOFTMAX over the last axis, its input scale set by the calibration's range."""
    import keras

    from microlearn.converters.neural import quantize

    net = keras.Sequential([keras.Input(shape), keras.layers.Softmax()])
    X = np.random.default_rng(1).uniform(-scale, scale, size=(32,) + shape).astype(np.float32)
    return quantize.to_tflite(net, calibration=X, io_dtype="int16", quantize="int16x8")


@pytest.mark.parametrize("scale,shape", [(0.3, (7,)), (4.0, (3, 5)), (60.0, (2, 2, 9)), (3000.0, (33,))])
def test_int16_softmax_bit_exact_over_input_scales(scale, shape):
    """Input scales from 1e-5 to 0.1 (rows whose differences run past exp's table, at -10, and whole
    rows of one value), rows of 2 to 33 values: every output equal to LiteRT's."""
    data = _softmax_only(scale, shape)
    model = microlearn.convert(data)
    rng = np.random.default_rng(int(scale))
    xs = [rng.integers(-32768, 32768, size=shape).astype(np.int16) for _ in range(40)]
    xs += [(rng.integers(-3, 4, size=shape) * rng.integers(1, 9000)).astype(np.int16) for _ in range(40)]
    xs += [np.full(shape, v, np.int16) for v in (-32768, 0, 32767)]
    want = litert_outputs(data, xs)
    assert np.array_equal(_engine_raw(model, data, xs), want)
    assert np.array_equal(litert_outputs(data, xs, reference=False), want)  # LiteRT's default kernels agree


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
    if (name, io) != ("cnn", "float32"):  # LiteRT's default kernels agree, but on that one (by ~1.6e-5)
        assert np.array_equal(litert_outputs(data, xs, reference=False), want)


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
    net = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="tanh")])
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(TANH\): int16 TANH is not supported"):
        microlearn.convert(net, quantize="int16x8", calibration=np.zeros((8, 6), np.float32))
    a = keras.Input((6,))
    net = keras.Model(a, keras.layers.Dense(4, activation="sigmoid")(a))
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(LOGISTIC\): int16 LOGISTIC is not supported"):
        microlearn.convert(net, quantize="int16x8", calibration=np.random.default_rng(0).normal(size=(8, 6)))


def test_int16_dilated_convolution_with_bias_is_refused_by_name():
    """16x8 writes its bias as an int16 ADD of a constant, which the file cannot hold: a clear refusal."""
    import keras

    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input((9, 9, 2)), keras.layers.Conv2D(3, 3, dilation_rate=2), keras.layers.Flatten()])
    net.layers[0].bias.assign(np.full(3, 0.25, np.float32))
    X = np.random.default_rng(0).normal(size=(16, 9, 9, 2)).astype(np.float32)
    with pytest.raises(UnsupportedEstimatorError, match=r"\(ADD\): int16 ADD with a constant operand .* use_bias=False"):
        microlearn.convert(net, quantize="int16x8", calibration=X)


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


def test_corrupt_int16_softmax_parameters_are_refused_at_load():
    """A row's sum of exponentials must stay in [2, 2^31) (the kernel's shifts): negative or vanishing
    exponential table entries and shifts out of range are refused, not run."""
    from microlearn.converters.neural import int8_params

    data = microlearn.convert(_softmax_only(4.0, (5,))).to_bytes()
    head = mlm.read_header(data)
    sections = {sid: np.array(a) for sid, a in mlm.read_sections(data).items()}
    packed = np.asarray(int8_params.int16_softmax_tables(), "<i2").view("<i4")
    ints = sections[5]
    at = next(i for i in range(len(ints) - len(packed) + 1) if np.array_equal(ints[i:i + len(packed)], packed))

    def load(edit):
        changed = ints.copy()
        edit(changed)
        return microlearn.Model(mlm.write(head.kind, {**sections, 5: changed}, flags=head.flags))

    load(lambda t: None)  # as written
    for edit in (lambda t: t.__setitem__(at, -1),                                 # an exponential below 0
                 lambda t: t.__setitem__(slice(at, at + 257), 0),                 # exp(0) = 0: a sum of 0
                 lambda t: t.__setitem__(at - 1, 31),                             # shift beyond 30
                 lambda t: t.__setitem__(at - 2, -5)):                            # a negative multiplier
        with pytest.raises(ValueError, match="impossible value"):
            load(edit)


def test_corrupt_int16_add_parameters_are_refused_at_load():
    """int16 ADD / MUL are symmetric (offsets 0) and ADD rescales its inputs by at most 1 (their sum fits
    int32): other parameters are refused, not run."""
    data = microlearn.convert(converted_model("residual", "int16")[0]).to_bytes()
    head = mlm.read_header(data)
    sections = {sid: np.array(a) for sid, a in mlm.read_sections(data).items()}
    ints = sections[5]
    # ADD's tail: 3 offsets (0), then input1 multiplier and shift; its activation bounds close it
    at = next(i for i in range(len(ints) - 11) if ints[i] == 0 and ints[i + 1] == 0 and ints[i + 2] == 0
              and ints[i + 3] > (1 << 29) and ints[i + 4] <= 0 and ints[i + 10] == 32767)

    def load(k, v):
        changed = ints.copy()
        changed[at + k] = v
        return microlearn.Model(mlm.write(head.kind, {**sections, 5: changed}, flags=head.flags))

    load(0, 0)  # as written
    for k, v in ((0, 1), (2, -3), (4, 1), (3, -1), (10, 40000)):  # offset, shift > 0, multiplier < 0, bound
        with pytest.raises(ValueError, match="impossible value"):
            load(k, v)


def test_int16_softmax_beta_bit_exact():
    """beta != 1 (Keras writes 1: set here in the file's SoftmaxOptions): the input multiplier comes from
    float32(input_scale * beta), as LiteRT's Prepare takes it; at beta 1.1 the double product gives
    two outputs of these 2,000 rows that differ from LiteRT's."""
    import struct

    import tflite

    data = bytearray(_softmax_only(4.0, (7,)))
    graph = tflite.Model.GetRootAsModel(data, 0).Subgraphs(0)
    options = next(graph.Operators(i).BuiltinOptions() for i in range(graph.OperatorsLength())
                   if graph.Operators(i).BuiltinOptionsType() == tflite.BuiltinOptions.SoftmaxOptions)
    beta_at = options.Pos + options.Offset(4)  # SoftmaxOptions field 0: beta
    rng = np.random.default_rng(3)
    xs = [rng.integers(-32768, 32768, size=(7,)).astype(np.int16) for _ in range(2000)]
    for beta in (1.1, 0.3, 2.9):
        struct.pack_into("<f", data, beta_at, beta)
        model = microlearn.convert(bytes(data))
        assert np.array_equal(_engine_raw(model, bytes(data), xs), litert_outputs(bytes(data), xs)), beta
