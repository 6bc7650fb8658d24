"""int8 networks of the shapes a random search tried (QA, session 10: 220 random
Keras models, all bit-exact but the requantized Concatenates, docs/neural.md):
channel counts 1 / 17, depth multiplier 3 with stride 2, dilation with 'valid',
SeparableConv1D, folded BatchNormalization, 3x3 pooling with stride 2 'same', a
residual Multiply and Add, ZeroPadding, a 17-way softmax. Each model's int8 .tflite
(int8 I/O) against LiteRT's reference kernels bit for bit, on random rows and on
rows at the int8 range's ends (all -128, all 127, alternating), through
predict(X, out=int8 array)."""
from __future__ import annotations

import numpy as np
import pytest

import microlearn

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")

from neural_tflite_cases import convert, reference  # noqa: E402


def _models():
    import keras
    from keras import layers as L

    def dw_multiplier_17():
        keras.utils.set_random_seed(11)
        inp = keras.Input((7, 6, 17))
        x = L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3, activation="relu6")(inp)
        y = L.Conv2D(51, 2, dilation_rate=2, padding="same", activation="sigmoid")(x)
        x = L.Multiply()([x, y])
        x = L.MaxPooling2D(3, strides=2, padding="same")(x)
        return keras.Model(inp, L.Dense(17, activation="softmax")(L.GlobalAveragePooling2D()(x))), (7, 6, 17)

    def one_channel_1d():
        keras.utils.set_random_seed(12)
        inp = keras.Input((17, 1))
        x = L.Conv1D(3, 3, strides=2, padding="valid", activation="tanh")(inp)
        x = L.SeparableConv1D(5, 2, padding="same", depth_multiplier=2)(x)
        x = L.BatchNormalization()(L.Conv1D(5, 3, padding="same", use_bias=False)(x))
        x = L.AveragePooling1D(3, strides=2, padding="same")(L.ReLU()(x))
        return keras.Model(inp, L.Dense(1, activation="sigmoid")(L.Flatten()(x))), (17, 1)

    def reshaped_residual():
        keras.utils.set_random_seed(13)
        inp = keras.Input((24,))
        x = L.Reshape((4, 6, 1))(inp)
        x = L.Conv2D(5, 1, activation="relu")(L.ZeroPadding2D(1)(x))
        x = L.Add()([x, L.Conv2D(5, 3, padding="same")(x)])
        x = L.Conv2D(3, 3, strides=2, padding="valid", activation="relu6")(x)
        x = L.Dense(5, activation="relu")(L.Flatten()(x))
        return keras.Model(inp, L.Dense(3, activation="tanh")(x)), (24,)

    return [dw_multiplier_17, one_channel_1d, reshaped_residual]


@pytest.fixture(scope="module")
def converted():
    out = []
    for make in _models():
        model, shape = make()
        for w in model.weights:  # BatchNormalization's statistics away from the identity
            if "moving_variance" in w.path or "gamma" in w.path:
                w.assign(np.random.default_rng(0).uniform(0.5, 2.0, size=w.shape).astype(np.float32))
            elif "moving_mean" in w.path:
                w.assign(np.random.default_rng(1).normal(scale=0.3, size=w.shape).astype(np.float32))
        out.append((make.__name__, convert(model, shape, "int8"), shape))
    return out


def test_odd_shapes_are_litert_bit_exact_at_the_int8_range_ends(converted):
    rng = np.random.default_rng(2)
    for name, data, shape in converted:
        model = microlearn.convert(data)
        n = int(np.prod(shape))
        Q = np.concatenate([rng.integers(-128, 128, size=(12, n)), np.full((1, n), -128), np.full((1, n), 127),
                            np.resize([-128, 127], (1, n))]).astype(np.int8)
        out = np.zeros((len(Q), model.info["n_outputs"]), np.int8)
        model.predict(Q, out=out)
        for k, q in enumerate(Q):
            it = reference(data, q.reshape(shape))
            want = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1)
            assert np.array_equal(out[k], want), f"{name} row {k}: engine {out[k]} vs LiteRT {want}"
