"""Keras models quantized to int8 .tflite by TensorFlow's TFLiteConverter, and
LiteRT's reference interpreter, shared by the .tflite tests
(test_neural_tflite*.py). Conversions are cached for the session: they are
the slow part (about a second each).
"""
from __future__ import annotations

import functools
import os

import numpy as np


def models():
    """name -> a function building (Keras model, input shape), seeded."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers as L

    def mix():
        keras.utils.set_random_seed(0)
        inp = keras.Input((12, 3))
        x = L.Conv1D(4, 3, padding="same", activation="relu")(inp)
        x = L.MaxPooling1D(2)(x)
        x = L.Reshape((6, 4, 1))(x)
        x = L.Conv2D(4, 3, padding="same", dilation_rate=2)(x)
        x = L.DepthwiseConv2D(3, padding="valid", depth_multiplier=2)(x)
        x = L.SeparableConv2D(3, 2)(x)
        y = L.GlobalMaxPooling2D()(x)
        z = L.GlobalAveragePooling2D()(x)
        x = L.Concatenate()([y, z])
        x = L.Dense(8, activation="hard_swish")(x)
        a = L.Dense(8, activation="tanh")(x)
        b = L.Dense(8, activation="sigmoid")(x)
        x = L.Add()([a, b])
        x = L.Multiply()([x, a])
        x = L.LeakyReLU(0.2)(x)
        x = L.Dense(8, activation="relu6")(x)
        x = L.ZeroPadding1D(1)(L.Reshape((8, 1))(x))
        x = L.AveragePooling1D(2)(x)
        x = L.Flatten()(x)
        return keras.Model(inp, L.Dense(3, activation="softmax")(x)), (12, 3)

    def cnn():
        keras.utils.set_random_seed(1)
        inp = keras.Input((15, 13, 2))
        x = L.Conv2D(6, 3, strides=2, padding="same", activation="relu6")(inp)
        x = L.Conv2D(5, (2, 3), strides=(1, 2), padding="valid", dilation_rate=1)(x)
        x = L.ReLU()(x)
        x = L.AveragePooling2D(3, strides=2, padding="same")(x)
        x = L.DepthwiseConv2D(2, strides=1, padding="same", activation="relu")(x)
        x = L.MaxPooling2D(2, strides=1, padding="same")(x)
        x = L.Flatten()(x)
        x = L.Dense(10)(x)
        return keras.Model(inp, L.Softmax()(x)), (15, 13, 2)

    def dilated_valid():
        keras.utils.set_random_seed(1)
        inp = keras.Input((11, 11, 3))
        x = L.Conv2D(4, 3, dilation_rate=(2, 3), padding="valid", activation="tanh")(inp)
        x = L.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x)
        a = L.ReLU(max_value=6.0)(L.GlobalAveragePooling2D()(x))
        b = L.ReLU()(L.GlobalMaxPooling2D()(x))
        x = L.Dense(5, activation="relu")(L.Concatenate()([a, b]))
        return keras.Model(inp, L.Dense(1, activation="sigmoid")(x)), (11, 11, 3)

    def mlp():
        keras.utils.set_random_seed(1)
        inp = keras.Input((9,))
        x = L.Dense(16, activation="relu")(inp)
        x = L.Dense(7, activation="leaky_relu")(x)
        return keras.Model(inp, L.Dense(4)(x)), (9,)

    def dense_rows():  # Dense on a sequence: Keras exports a reshape computed at run time (rows of one sample)
        keras.utils.set_random_seed(3)
        inp = keras.Input((5, 3))
        x = L.Dense(4, activation="relu")(inp)
        return keras.Model(inp, L.Dense(2)(L.Flatten()(x))), (5, 3)

    def dilated_1d():  # 1-D dilation: SPACE_TO_BATCH_ND, EXPAND_DIMS, conv, SQUEEZE, BATCH_TO_SPACE_ND
        keras.utils.set_random_seed(4)
        inp = keras.Input((13, 2))
        x = L.Conv1D(3, 3, dilation_rate=2, padding="causal", activation="relu")(inp)
        x = L.DepthwiseConv1D(2, dilation_rate=3, depth_multiplier=2, padding="same")(x)
        x = L.Conv1D(4, 2, dilation_rate=2)(x)
        x = L.Dense(3, activation="hard_sigmoid")(L.Flatten()(x))  # ends in MUL by a scalar (1/6)
        return keras.Model(inp, x), (13, 2)

    def concat_requantize():  # a sigmoid branch (fixed scale 1/256) requantized (QUANTIZE int8 -> int8) to concatenate
        keras.utils.set_random_seed(0)
        inp = keras.Input((8, 3))
        a = L.Conv1D(4, 1, activation="sigmoid")(inp)
        b = L.Conv1D(5, 3, padding="same", activation="relu")(inp)
        x = L.GlobalAveragePooling1D()(L.Concatenate()([a, b]))
        return keras.Model(inp, L.Dense(3, activation="softmax")(x)), (8, 3)

    return {"mix": mix, "cnn": cnn, "dilated_valid": dilated_valid, "mlp": mlp, "dense_rows": dense_rows,
            "dilated_1d": dilated_1d, "concat_requantize": concat_requantize}


def convert(model, shape, io_type, seed=0):
    """The int8 .tflite bytes of `model` (biases set to small random values
    first: Keras starts them at zero), calibrated on random normal inputs."""
    from microlearn.converters.neural import quantize

    rng = np.random.default_rng(seed)
    calib = rng.normal(size=(48,) + shape).astype(np.float32)
    for w in model.weights:
        if "bias" in w.path:
            w.assign(rng.normal(scale=0.1, size=w.shape).astype(np.float32))
    return quantize.to_tflite(model, calibration=calib, io_dtype=io_type)


MODELS = ("mix", "cnn", "dilated_valid", "mlp")


@functools.lru_cache(maxsize=None)
def converted_model(name: str, io_type: str) -> tuple[bytes, tuple]:
    """(int8 .tflite bytes, input shape) of models()[name], inputs and outputs
    int8 or float32 (io_type); converted once per session."""
    model, shape = models()[name]()
    return convert(model, shape, io_type), shape


def concat_requantized(scale: float, zero_point: int) -> bytes:
    """A Dense(4, sigmoid) branch (int8 scale 1/256, zero point -128) concatenated with a Dense(5, relu)
    one, int8 in and out, then the concatenation's scale and zero point (its inputs', its output's) set
    to (scale, zero_point) in the file: its QUANTIZE int8 -> int8 rescales by (1/256) / scale."""
    import keras
    import tflite
    from keras import layers as L

    keras.utils.set_random_seed(3)
    inp = keras.Input((6,))
    out = L.Concatenate()([L.Dense(4, activation="sigmoid")(inp), L.Dense(5, activation="relu")(inp)])
    buf = bytearray(convert(keras.Model(inp, out), (6,), "int8"))
    m = tflite.Model.GetRootAsModel(buf, 0)
    g = m.Subgraphs(0)

    def code(o):
        c = m.OperatorCodes(o.OpcodeIndex())
        return max(c.BuiltinCode(), c.DeprecatedBuiltinCode())

    ops = [g.Operators(i) for i in range(g.OperatorsLength())]
    concat = [o for o in ops if code(o) == tflite.BuiltinOperator.CONCATENATION]
    assert len(concat) == 1 and [code(o) for o in ops].count(tflite.BuiltinOperator.QUANTIZE) == 1
    for t in list(concat[0].InputsAsNumpy()) + list(concat[0].OutputsAsNumpy()):
        q = g.Tensors(int(t)).Quantization()
        q.ScaleAsNumpy()[:] = scale  # views of buf: written in place
        q.ZeroPointAsNumpy()[:] = zero_point
    return bytes(buf)


def reference(data: bytes, x: np.ndarray, resolver: str = "BUILTIN_REF"):
    """LiteRT's interpreter (its reference kernels by default) after running x,
    every intermediate tensor kept."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_content=data, experimental_op_resolver_type=getattr(OpResolverType, resolver),
                     experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    it.set_tensor(d["index"], x.reshape(d["shape"]).astype(d["dtype"]))
    it.invoke()
    return it


def inputs(data: bytes, shape, n: int, seed: int):
    """n random inputs in the model's input type (int8 quantized, or float32)."""
    from ai_edge_litert.interpreter import Interpreter

    d = Interpreter(model_content=data).get_input_details()[0]
    rng = np.random.default_rng(seed)
    xs = rng.normal(scale=1.5, size=(n,) + shape).astype(np.float32)
    if d["dtype"] == np.int8:
        s, z = d["quantization"]
        return [np.clip(np.round(x / s) + z, -128, 127).astype(np.int8) for x in xs]
    return list(xs)


