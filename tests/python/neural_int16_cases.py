"""Keras models quantized by TensorFlow's TFLiteConverter in its 16x8 mode
(int16 activations, int8 weights, int64 biases), shared by the host and
device int16 tests. Conversions are cached for the session."""
from __future__ import annotations

import functools
import os

import numpy as np


def _models():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers as L

    def cnn():  # strides, same/valid padding, dilation, depth multiplier, both pools, fused ReLU / ReLU6
        keras.utils.set_random_seed(1)
        inp = keras.Input((15, 13, 2))
        x = L.Conv2D(6, 3, strides=2, padding="same", activation="relu6")(inp)
        x = L.Conv2D(5, (2, 3), strides=(1, 2), padding="valid")(x)
        x = L.ReLU()(x)
        x = L.AveragePooling2D(3, strides=2, padding="same")(x)
        x = L.DepthwiseConv2D(2, padding="same", activation="relu", depth_multiplier=2)(x)
        x = L.MaxPooling2D(2, strides=1, padding="same")(x)
        x = L.Flatten()(x)
        return keras.Model(inp, L.Dense(10)(x)), (15, 13, 2)

    def dilated():  # dilated convolutions (without bias: 16x8 writes a dilated one's bias as an int16 ADD), 1-D, MEAN
        keras.utils.set_random_seed(2)
        inp = keras.Input((11, 11, 3))
        x = L.Conv2D(4, 3, dilation_rate=(2, 3), padding="valid", use_bias=False)(inp)
        x = L.DepthwiseConv2D(3, dilation_rate=2, padding="same", use_bias=False)(x)
        x = L.Reshape((7 * 5, 4))(x)
        x = L.Conv1D(3, 3, padding="same", activation="relu6")(x)
        x = L.MaxPooling1D(2)(x)
        return keras.Model(inp, L.Dense(2)(L.GlobalAveragePooling1D()(x))), (11, 11, 3)  # MEAN

    def global_max():  # REDUCE_MAX
        keras.utils.set_random_seed(4)
        inp = keras.Input((7, 6, 2))
        x = L.Conv2D(5, 3, padding="same", activation="relu")(inp)
        return keras.Model(inp, L.Dense(3)(L.GlobalMaxPooling2D()(x))), (7, 6, 2)

    def mlp():
        keras.utils.set_random_seed(3)
        inp = keras.Input((9,))
        x = L.Dense(16, activation="relu")(inp)
        x = L.Dense(7, activation="relu6")(x)
        return keras.Model(inp, L.Dense(4)(x)), (9,)

    def softmax():  # a classifier ending in SOFTMAX; logits spread beyond exp's table (-10) in some rows
        keras.utils.set_random_seed(5)
        inp = keras.Input((8,))
        x = L.Dense(12, activation="relu")(inp)
        out = L.Dense(6)(x)
        model = keras.Model(inp, L.Softmax()(out))
        k = model.layers[2].kernel
        k.assign(k.numpy() * 6.0)
        return model, (8,)

    def residual():  # int16 ADD (a residual connection, inputs of different scales) and MUL (same shapes)
        keras.utils.set_random_seed(6)
        inp = keras.Input((10,))
        h = L.Dense(10, activation="relu")(inp)
        x = L.Add()([inp, h])
        x = L.Multiply()([x, L.Dense(10)(inp)])
        return keras.Model(inp, L.Dense(3)(x)), (10,)

    return {"cnn": cnn, "dilated": dilated, "global_max": global_max, "mlp": mlp, "softmax": softmax,
            "residual": residual}


MODELS = ("cnn", "dilated", "global_max", "mlp", "softmax", "residual")


def keras_model(name: str):
    """(Keras model with small random biases, input shape)."""
    model, shape = _models()[name]()
    rng = np.random.default_rng(0)
    for w in model.weights:
        if "bias" in w.path:
            w.assign(rng.normal(scale=0.1, size=w.shape).astype(np.float32))
    return model, shape


def calibration(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(48,) + tuple(shape)).astype(np.float32)


@functools.lru_cache(maxsize=None)
def converted_model(name: str, io_type: str) -> tuple[bytes, tuple]:
    """(16x8 .tflite bytes, input shape); io_type "float32" or "int16"."""
    from microlearn.converters.neural import quantize

    model, shape = keras_model(name)
    return quantize.to_tflite(model, calibration=calibration(shape), io_dtype=io_type, quantize="int16x8"), shape


def inputs(data: bytes, shape, n: int, seed: int) -> list:
    """n random inputs in the model's input type (int16 quantized, or float32)."""
    from ai_edge_litert.interpreter import Interpreter

    d = Interpreter(model_content=data).get_input_details()[0]
    xs = np.random.default_rng(seed).normal(scale=1.5, size=(n,) + tuple(shape)).astype(np.float32)
    if d["dtype"] == np.int16:
        return [np.clip(np.round(x / d["quantization"][0]), -32768, 32767).astype(np.int16) for x in xs]
    return list(xs)


def litert_outputs(data: bytes, xs, reference: bool = True) -> np.ndarray:
    """LiteRT's reference kernels' outputs (rows; reference=False: its default kernels'), in the model's
    output type."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kernels = OpResolverType.BUILTIN_REF if reference else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_content=data, experimental_op_resolver_type=kernels)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    rows = []
    for x in xs:
        it.set_tensor(d["index"], np.asarray(x).reshape(d["shape"]).astype(d["dtype"]))
        it.invoke()
        rows.append(it.get_tensor(o["index"]).reshape(-1).copy())
    return np.array(rows)


def output_scale(data: bytes) -> float:
    from ai_edge_litert.interpreter import Interpreter

    return float(Interpreter(model_content=data).get_output_details()[0]["quantization"][0])
