"""Keras models the Keras tests (host and device) convert: every supported
layer, Sequential and Functional with branches, random shapes and seeds.

Each builder makes its model once per session (Keras model building is slow);
BatchNormalization layers get random moving statistics so that folding them
is tested on more than the identity."""
import functools
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def _keras():
    import keras
    return keras


def randomise_batch_norm(model, seed):
    rng = np.random.default_rng(seed)
    K = _keras().layers
    for layer in model._flatten_layers() if hasattr(model, "_flatten_layers") else model.layers:
        if isinstance(layer, K.BatchNormalization):
            w = layer.get_weights()
            w = [v + rng.uniform(-0.5, 0.5, v.shape).astype(np.float32) for v in w[:-1]] + \
                [w[-1] + rng.uniform(0.2, 1.5, w[-1].shape).astype(np.float32)]   # variances stay > 0
            layer.set_weights(w)
    return model


def _sequential(seed, input_shape, *layers):
    keras = _keras()
    keras.utils.set_random_seed(seed)
    return randomise_batch_norm(keras.Sequential([keras.Input(input_shape), *layers]), seed)


def _mlp():
    K = _keras().layers
    return _sequential(1, (7,), K.Dense(16, activation="relu"), K.Dropout(0.3), K.Dense(12, activation="tanh"),
                       K.BatchNormalization(), K.Dense(8, activation="elu"), K.Dense(4, activation="softmax"))


def _mlp_activations():
    K = _keras().layers
    return _sequential(2, (5,), K.Dense(9, activation="relu6"), K.Dense(9, activation="leaky_relu"),
                       K.Dense(9, activation="hard_sigmoid"), K.Dense(9, activation="hard_swish"),
                       K.Dense(9, activation="hard_silu"), K.Dense(9, activation="sigmoid"),
                       K.Dense(9, activation="linear", use_bias=False), K.ReLU(max_value=6.0),
                       K.Dense(6), K.LeakyReLU(negative_slope=0.15), K.Dense(6), K.ELU(), K.Dense(6),
                       K.ReLU(negative_slope=0.05), K.Dense(3), K.Activation("tanh"), K.GaussianNoise(0.1),
                       K.Dense(3))


def _cnn2d():
    K = _keras().layers
    return _sequential(3, (12, 10, 3), K.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
                       K.BatchNormalization(), K.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
                       K.BatchNormalization(), K.ReLU(), K.MaxPooling2D(2, padding="same"),
                       K.SeparableConv2D(12, 2, activation="relu6"), K.Flatten(), K.Dense(5, activation="softmax"))


def _cnn2d_dilated():
    K = _keras().layers
    return _sequential(4, (13, 11, 2), K.ZeroPadding2D(((1, 2), (0, 1))),
                       K.Conv2D(6, (3, 2), dilation_rate=(2, 1), padding="same", use_bias=False),
                       K.AveragePooling2D((3, 2), strides=(2, 3), padding="same"), K.Activation("hard_swish"),
                       K.Conv2D(5, 2, strides=(1, 2), padding="valid"), K.BatchNormalization(),
                       K.GlobalAveragePooling2D(), K.Dense(1, activation="sigmoid"))


def _cnn2d_pools():
    K = _keras().layers
    return _sequential(5, (9, 9, 4), K.ZeroPadding2D(1), K.AveragePooling2D(2), K.Conv2D(7, 3, padding="same"),
                       K.LeakyReLU(0.2), K.MaxPooling2D((2, 3), strides=1),
                       K.DepthwiseConv2D(2, strides=2, padding="same", activation="relu"),
                       K.GlobalMaxPooling2D(keepdims=True), K.Reshape((7,)), K.Dense(2))


def _cnn1d():
    K = _keras().layers
    return _sequential(6, (32, 3), K.Conv1D(8, 5, padding="causal", dilation_rate=2),
                       K.BatchNormalization(), K.Activation("relu"), K.ZeroPadding1D(2), K.MaxPooling1D(3),
                       K.SeparableConv1D(6, 3, padding="same", strides=2, depth_multiplier=2),
                       K.DepthwiseConv1D(2, depth_multiplier=2, activation="tanh"),
                       K.AveragePooling1D(2, padding="same"), K.Conv1D(4, 1), K.GlobalMaxPooling1D(),
                       K.Dense(3), K.Softmax())


def _cnn1d_dense_over_time():
    K = _keras().layers
    return _sequential(7, (16, 4), K.Dense(6, activation="relu"), K.Conv1D(5, 3, strides=2, padding="same"),
                       K.ELU(), K.AveragePooling1D(3, strides=1), K.GlobalAveragePooling1D(), K.Dense(2))


def _preprocessing():
    """Rescaling and Normalization (input scaling, and after a conv: folded)."""
    K = _keras().layers
    return _sequential(13, (9, 9, 3), K.Rescaling(1 / 255.0, offset=-0.5),
                       K.Normalization(mean=[0.1, -0.2, 0.3], variance=[0.5, 2.0, 1.5]),
                       K.Conv2D(4, 3, activation=None), K.Rescaling([0.5, 2.0, -1.0, 3.0], offset=0.25),
                       K.ReLU(), K.Normalization(mean=[1.0, 2.0, 3.0, 4.0], variance=[4.0, 1.0, 0.25, 9.0],
                                                 invert=True),
                       K.Flatten(), K.Dense(3, activation="softmax"))


def _dense_over_image():
    """Dense on (H, W, C) (Keras applies it to the last axis: a 1x1 conv) and a Conv2D with Conv's defaults."""
    K = _keras().layers
    return _sequential(14, (4, 5, 3), K.Dense(6, activation="relu"), K.Conv2D(2, (2, 3)), K.Flatten(),
                       K.Dense(2, activation="softmax"))


def _functional_branches():
    keras = _keras()
    K = keras.layers
    keras.utils.set_random_seed(8)
    inp = keras.Input((10, 10, 3))
    a = K.Conv2D(6, 3, padding="same", activation="relu")(inp)
    b = K.Conv2D(6, 1)(inp)
    b = K.BatchNormalization()(b)
    s = K.Add()([a, b])
    m = K.Multiply()([s, K.Activation("sigmoid")(b)])
    c = K.Concatenate()([s, m, a])
    d = K.DepthwiseConv2D(3, strides=2)(c)
    e = K.Concatenate(axis=1)([K.MaxPooling2D(2)(d), K.AveragePooling2D(2)(d)])
    f = K.Add()([e, e, e])
    out = K.Dense(4, activation="softmax")(K.Flatten()(f))
    return randomise_batch_norm(keras.Model(inp, out), 8)


def _functional_nested():
    keras = _keras()
    K = keras.layers
    keras.utils.set_random_seed(9)
    block = keras.Sequential([keras.Input((8,)), K.Dense(8), K.BatchNormalization(), K.ReLU()], name="block")
    inp = keras.Input((6,))
    x = K.Dense(8, activation="relu")(inp)
    y = block(x)
    z = K.Concatenate()([x, y, K.Dense(3)(inp)])
    out = K.Dense(3, activation="softmax")(K.Dropout(0.2)(z))
    return randomise_batch_norm(keras.Model(inp, out), 9)


def _rnn_stack():
    K = _keras().layers
    return _sequential(10, (9, 4), K.SimpleRNN(6, return_sequences=True),
                       K.GRU(5, reset_after=False, return_sequences=True),
                       K.LSTM(7, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True),
                       K.GRU(4, activation="tanh", recurrent_activation="sigmoid"), K.Dense(3, activation="softmax"))


def _rnn_variants():
    K = _keras().layers
    return _sequential(11, (6, 3), K.Conv1D(5, 2, activation="relu"),
                       K.SimpleRNN(4, activation="relu", return_sequences=True, use_bias=False),
                       K.LSTM(4, return_sequences=True), K.GRU(3, return_sequences=True, use_bias=False),
                       K.Flatten(), K.Dense(2))


def _functional_rnn():
    keras = _keras()
    K = keras.layers
    keras.utils.set_random_seed(12)
    inp = keras.Input((12, 3))
    a = K.GRU(6, return_sequences=True)(inp)
    b = K.LSTM(6, return_sequences=True)(inp)
    c = K.Add()([a, b])
    d = K.Concatenate()([K.SimpleRNN(5)(c), K.GlobalAveragePooling1D()(c)])
    return keras.Model(inp, K.Dense(3, activation="softmax")(d))


def _random_case(seed):
    """A random stack of Conv1D / Conv2D / pooling / Dense, random shapes."""
    keras = _keras()
    K = keras.layers
    rng = np.random.default_rng(100 + seed)
    keras.utils.set_random_seed(100 + seed)
    two_d = bool(seed % 2)
    shape = (int(rng.integers(6, 14)), int(rng.integers(6, 14)), int(rng.integers(1, 4))) if two_d else \
        (int(rng.integers(12, 40)), int(rng.integers(1, 5)))
    conv, dw, pool = (K.Conv2D, K.DepthwiseConv2D, K.MaxPooling2D) if two_d else \
        (K.Conv1D, K.DepthwiseConv1D, K.MaxPooling1D)
    layers = []
    for i in range(int(rng.integers(1, 4))):
        padding = str(rng.choice(["same", "valid"]))
        kernel = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 3))
        layers.append(conv(int(rng.integers(2, 9)), kernel, strides=stride, padding=padding,
                           activation=str(rng.choice(["relu", "linear", "tanh", "relu6"]))))
        if rng.random() < 0.5:
            layers.append(K.BatchNormalization())
        if rng.random() < 0.5:
            layers.append(dw(2, padding="same", depth_multiplier=int(rng.integers(1, 3))))
        if rng.random() < 0.4:
            layers.append(pool(2, padding="same"))
    layers += [K.Flatten(), K.Dense(int(rng.integers(2, 6)), activation=str(rng.choice(["softmax", "linear"])))]
    return randomise_batch_norm(keras.Sequential([keras.Input(shape), *layers]), seed)


CASES = {
    "mlp": _mlp, "mlp_activations": _mlp_activations, "cnn2d": _cnn2d, "cnn2d_dilated": _cnn2d_dilated,
    "cnn2d_pools": _cnn2d_pools, "cnn1d": _cnn1d, "cnn1d_dense_over_time": _cnn1d_dense_over_time,
    "preprocessing": _preprocessing, "dense_over_image": _dense_over_image, "functional_branches": _functional_branches, "functional_nested": _functional_nested,
    "rnn_stack": _rnn_stack, "rnn_variants": _rnn_variants, "functional_rnn": _functional_rnn,
    **{f"random{s}": functools.partial(_random_case, s) for s in range(8)},
}


@functools.lru_cache(maxsize=None)
def model(name):
    return CASES[name]()


def inputs(keras_model, n, seed):
    """n held-out float32 inputs of the model's shape (batch first)."""
    rng = np.random.default_rng(seed)
    shape = tuple(keras_model.inputs[0].shape[1:])
    return rng.normal(0.0, 1.0, (n,) + shape).astype(np.float32)
