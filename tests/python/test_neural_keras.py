"""Keras 3 models converted with microlearn.convert() against model.predict()
on held-out float32 inputs (every supported layer, Sequential and Functional
with branches, nested models, random shapes and seeds), recurrent layers
unrolled and streamed one step at a time, classification vs regression, and
a named error for every layer or option that does not convert.

Tolerance (docs/neural.md): every output within 1e-5 relative of Keras's,
plus 1e-5 of the largest output magnitude of the model over the test inputs
(an output that cancels to near zero is as exact as the terms it sums, not
relative to itself)."""
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")
from keras import layers as K  # noqa: E402

import microlearn  # noqa: E402
from microlearn.converters.neural import ir  # noqa: E402
from microlearn.errors import UnsupportedEstimatorError  # noqa: E402
from neural_keras_cases import CASES, inputs, model as case_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RTOL = 1e-5


def assert_close(got, want, rtol=RTOL):
    want = np.asarray(want, np.float64)
    scale = max(float(np.abs(want).max()), 1e-30)
    np.testing.assert_allclose(np.asarray(got, np.float64).reshape(want.shape), want, rtol=rtol, atol=rtol * scale)


def flat(X):
    return np.ascontiguousarray(X.reshape(len(X), -1))


@pytest.mark.parametrize("name", list(CASES))
def test_agrees_with_keras(name):
    km = case_model(name)
    X = inputs(km, 40, seed=len(name))
    want = km.predict(X, verbose=0)
    model = microlearn.convert(km)
    assert model.info["n_features"] == int(np.prod(X.shape[1:]))
    if model.info["task"] == "classification":
        got = model.predict_proba(flat(X))
        if want.shape[1] == 1:       # one sigmoid unit: P(class 1) is the second column
            got = got[:, 1:]
        assert_close(got, want)
        labels = (want[:, 0] > 0.5).astype(int) if want.shape[1] == 1 else want.argmax(axis=1)
        np.testing.assert_array_equal(model.predict(flat(X)), labels)
    else:
        assert_close(model.predict(flat(X)), want)


def test_a_model_converts_the_same_every_time():
    km = case_model("cnn2d")
    assert microlearn.convert(km).to_bytes() == microlearn.convert(km).to_bytes()


def test_batch_norm_is_folded_and_relu_fused():
    from microlearn.converters.neural import keras as kc
    g = kc.to_graph(case_model("cnn1d"))     # Conv1D (linear) -> BatchNormalization -> ReLU
    assert g.ops[0].kind == "CONV_2D" and g.ops[0].params["activation"] == "relu"
    assert "BatchNormalization" in g.ops[0].source
    assert not any(op.kind in ("MUL", "ADD") for op in g.ops)
    g = kc.to_graph(case_model("functional_nested"))   # inside a nested model too
    assert not any(op.kind in ("MUL", "ADD") for op in g.ops)
    g = kc.to_graph(case_model("mlp"))       # Dense(tanh) -> BatchNormalization: not foldable
    assert [op.kind for op in g.ops][2:5] == ["TANH", "MUL", "ADD"]


# ----------------------------------------------------------------- tasks

def _small(activation, units=3, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), K.Dense(units, activation=activation)])


@pytest.fixture(scope="module")
def tasks():
    return {"softmax": _small("softmax"), "sigmoid": _small("sigmoid", 1), "linear": _small("linear"),
            "logit": _small("linear", 1)}


def test_softmax_and_sigmoid_outputs_are_classifiers(tasks):
    X = inputs(tasks["softmax"], 30, 1)
    m = microlearn.convert(tasks["softmax"])
    assert m.info["task"] == "classification" and list(m.classes_) == [0, 1, 2]
    m = microlearn.convert(tasks["softmax"], classes=["a", "b", "c"])
    want = tasks["softmax"].predict(X, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(m.predict(X), np.array(["a", "b", "c"])[want])
    b = microlearn.convert(tasks["sigmoid"])
    assert b.info["task"] == "classification" and list(b.classes_) == [0, 1]
    np.testing.assert_array_equal(b.predict(X), (tasks["sigmoid"].predict(X, verbose=0)[:, 0] > 0.5).astype(int))


def test_float_and_int8_conversions_agree_on_the_task():
    """A model's task does not depend on quantize=: several sigmoid units (multi-label scores) and a softmax
    per row of a sequence are regressors in float32 as in int8 (the float path made the first an argmax
    classifier and refused the second, asking for task='regression', which the int8 path did not need)."""
    keras.utils.set_random_seed(3)
    multi = keras.Sequential([keras.Input((4,)), K.Dense(5, activation="sigmoid")])
    rows = keras.Sequential([keras.Input((3, 4)), K.Dense(4), K.Softmax()])
    for model in (multi, rows):
        X = inputs(model, 40, 4)
        f = microlearn.convert(model)
        q = microlearn.convert(model, quantize="int8", calibration=X)
        assert f.info["task"] == q.info["task"] == "regression"
        want = model.predict(X, verbose=0).reshape(len(X), -1)
        assert_close(f.predict(flat(X)), want)
        np.testing.assert_allclose(q.predict(flat(X)).reshape(want.shape), want, atol=0.02)   # int8 steps of 1/256
    for quantize in ({}, {"quantize": "int8", "calibration": inputs(rows, 40, 5)}):
        with pytest.raises(UnsupportedEstimatorError, match="a classifier's output must be a vector"):
            microlearn.convert(rows, task="classification", **quantize)


def test_regression_and_logit_classifiers_on_request(tasks):
    X = inputs(tasks["softmax"], 30, 2)
    r = microlearn.convert(tasks["softmax"], task="regression")
    assert r.info["task"] == "regression"
    assert_close(r.predict(X), tasks["softmax"].predict(X, verbose=0))
    assert microlearn.convert(tasks["linear"]).info["task"] == "regression"
    c = microlearn.convert(tasks["linear"], task="classification")
    np.testing.assert_array_equal(c.predict(X), tasks["linear"].predict(X, verbose=0).argmax(axis=1))
    logit = microlearn.convert(tasks["logit"], task="classification")   # one logit unit: class 1 when > 0
    np.testing.assert_array_equal(logit.predict(X), (tasks["logit"].predict(X, verbose=0)[:, 0] > 0).astype(int))


def test_bad_task_options(tasks):
    with pytest.raises(ValueError, match="expected 3 labels"):
        microlearn.convert(tasks["softmax"], classes=[0, 1])
    with pytest.raises(ValueError, match="regressor"):
        microlearn.convert(tasks["linear"], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="task must be"):
        microlearn.convert(tasks["linear"], task="clustering")


# ----------------------------------------------------------------- recurrent

def _recurrent(kind, stateful, steps, seed, **kw):
    """A one-layer recurrent model; stateful ones take batches of one."""
    keras.utils.set_random_seed(seed)
    shape = dict(batch_shape=(1, steps, 3)) if stateful else dict(shape=(steps, 3))
    layer = getattr(K, kind)(5, return_sequences=not stateful, stateful=stateful, **kw)
    return keras.Sequential([keras.Input(**shape), layer])


RECURRENT = [("SimpleRNN", {}), ("GRU", {}), ("GRU", {"reset_after": False}), ("LSTM", {}),
             ("LSTM", {"activation": "relu", "recurrent_activation": "hard_sigmoid"})]


@pytest.mark.parametrize("kind,kw", RECURRENT, ids=[f"{k}{'-' + str(v) if v else ''}" for k, v in RECURRENT])
def test_streaming_step_by_step_equals_the_unrolled_sequence(kind, kw):
    """A stateful layer run one step per predict() (rows of one predict call
    are consecutive calls on one arena, as on the device) gives the unrolled
    layer's outputs at every step, and Keras's stateful model's."""
    steps = 12
    whole = _recurrent(kind, False, steps, 3, **kw)
    stream = _recurrent(kind, True, 1, 3, **kw)
    stream.set_weights(whole.get_weights())
    X = inputs(whole, 1, 4)                                  # one sequence (1, steps, 3)
    unrolled = microlearn.convert(whole, task="regression").predict(flat(X)).reshape(steps, 5)
    assert_close(unrolled, whole.predict(X, verbose=0)[0])
    m = microlearn.convert(stream, task="regression")
    steps_in = np.ascontiguousarray(X[0])                    # (steps, 3): one row per step
    streamed = m.predict(steps_in)
    np.testing.assert_array_equal(streamed, unrolled)        # the same operations in the same order
    keras_streamed = np.concatenate([stream.predict(X[:, t:t + 1], verbose=0) for t in range(steps)])
    assert_close(streamed, keras_streamed)
    # Each predict() call starts from a zero state (the host's arena is per call).
    np.testing.assert_array_equal(m.predict(steps_in[:1]), unrolled[:1])


def test_sequences_of_unknown_length_need_timesteps():
    keras.utils.set_random_seed(5)
    km = keras.Sequential([keras.Input((None, 2)), K.GRU(4)])
    with pytest.raises(UnsupportedEstimatorError, match="timesteps="):
        microlearn.convert(km)
    m = microlearn.convert(km, timesteps=7)
    X = np.random.default_rng(6).normal(size=(10, 7, 2)).astype(np.float32)
    assert_close(m.predict(flat(X)), km.predict(X, verbose=0))
    with pytest.raises(ValueError, match="timesteps=3 given"):
        microlearn.convert(case_model("rnn_stack"), timesteps=3)


@pytest.mark.parametrize("timesteps", [0, -1, 2.5, True, "3"])
def test_timesteps_must_be_a_positive_integer(timesteps):
    """0 wrote a file the loader refused, 2.5 was truncated to 2."""
    km = keras.Sequential([keras.Input((None, 2)), K.SimpleRNN(3)])
    with pytest.raises(ValueError, match=f"timesteps must be a positive integer .* got {re.escape(repr(timesteps))}"):
        microlearn.convert(km, timesteps=timesteps)


def test_dense_over_the_last_axis_of_a_rank_4_sample():
    """Dense after a Reshape to 4 axes (besides the batch) maps each row (it wrote a 1x1 convolution of a
    4-D tensor, which the loader refused)."""
    keras.utils.set_random_seed(12)
    km = keras.Sequential([keras.Input((6,)), K.Dense(24), K.Reshape((2, 3, 2, 2)), K.Dense(3, activation="relu"),
                           K.BatchNormalization(), K.Flatten()])
    X = np.random.default_rng(12).normal(size=(10, 6)).astype(np.float32)
    assert_close(microlearn.convert(km).predict(X), km.predict(X, verbose=0))


def test_normalization_with_one_mean_for_every_value():
    """Normalization(axis=None): one mean and variance (it was refused as axis=())."""
    keras.utils.set_random_seed(13)
    km = keras.Sequential([keras.Input((5, 3)), K.Normalization(axis=None, mean=1.5, variance=4.0),
                           K.Conv1D(2, 2), K.Normalization(axis=None, mean=-0.5, variance=0.25)])
    X = np.random.default_rng(13).normal(size=(10, 5, 3)).astype(np.float32)
    assert_close(microlearn.convert(km).predict(flat(X)), km.predict(X, verbose=0).reshape(10, -1))


def test_keras_ops_arithmetic_with_numbers():
    """x + 3.0, x * c, c - x, x / c, x - c in a Functional model are keras.ops Operations, not layers: the
    converter took `x + 3.0` for an Add layer of one input and left the 3.0 out (a silent wrong answer).
    MobileNetV3's hard_sigmoid is written this way."""
    keras.utils.set_random_seed(15)
    inp = keras.Input((6,))
    x = K.Dense(5)(inp)
    y = K.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)            # MobileNetV3's hard_sigmoid
    y = (2.5 - y) / 4.0 - np.float32(0.75) + x * x
    km = keras.Model(inp, keras.ops.reshape(y, (-1, 5, 1)))
    X = np.random.default_rng(15).normal(size=(12, 6)).astype(np.float32)
    assert_close(microlearn.convert(km).predict(X), km.predict(X, verbose=0).reshape(12, -1))


def test_swish_silu_as_activation_layer_and_keras_ops():
    """swish / silu (x sigmoid(x), EfficientNet's activation) as activation=, Activation and keras.ops.silu:
    LOGISTIC then MUL(x, sigmoid) in the graph, as TFLiteConverter writes it, one SILU op in the file; they
    were refused. Inputs reach |x| > 15, where the sigmoid saturates."""
    keras.utils.set_random_seed(4)
    inp = keras.Input((12, 3))
    x = K.SeparableConv1D(5, 3, activation="swish")(inp)
    x = K.GlobalAveragePooling1D()(K.Activation("silu")(K.Conv1D(4, 2, strides=2)(x)))
    km = keras.Model(inp, K.Dense(2, activation="softmax")(keras.ops.silu(K.Dense(6)(x))))
    model = microlearn.convert(km)
    kinds = [layer["op"] for layer in model._engine.layers()]
    assert kinds.count("SILU") == 3 and "LOGISTIC" not in kinds and "MUL" not in kinds
    X = np.random.default_rng(4).normal(scale=6.0, size=(30, 12, 3)).astype(np.float32)
    assert np.abs(X).max() > 15
    assert_close(model.predict_proba(flat(X)), km.predict(X, verbose=0))


def test_gelu_exact_and_tanh_forms_as_activation_layer_and_keras_ops():
    """gelu (transformers'): activation="gelu" and Activation are Keras's exact x Phi(x); keras.ops.gelu's
    default is the tanh form (approximate=True). They were refused."""
    keras.utils.set_random_seed(5)
    inp = keras.Input((7,))
    x = K.Dense(12, activation="gelu")(inp)
    x = K.Activation("gelu")(K.Dense(10)(x))
    x = keras.ops.gelu(K.Dense(9)(x))
    x = keras.ops.gelu(K.Dense(8)(x), approximate=False)
    km = keras.Model(inp, K.Dense(3)(x))
    model = microlearn.convert(km)
    assert [layer["op"] for layer in model._engine.layers()].count("GELU") == 4
    X = np.random.default_rng(5).normal(scale=4.0, size=(40, 7)).astype(np.float32)
    assert_close(model.predict(X), km.predict(X, verbose=0))


def test_gelu_is_accurate_to_float32_over_the_whole_range():
    """The engine's exact GELU, x Phi(x) with Phi(-u) = erfc(u / sqrt 2) / 2, element by element against
    float64 math.erfc over [-10, 10] and the tails (each value relative to itself: 1e-5; the
    negative tail decays as exp(-x^2 / 2) to float32's smallest values at x = -14)."""
    import math

    x = np.concatenate([np.linspace(-10, 10, 4001), np.linspace(-14, -10, 401), np.linspace(10, 1e4, 50),
                        [0.0, -0.0, 1e-30, -1e-30, 3e38, -3e38]]).astype(np.float32)
    km = keras.Sequential([keras.Input((len(x),)), K.Activation("gelu")])
    got = np.asarray(microlearn.convert(km).predict(x[None]), np.float64).ravel()
    want = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    tiny = np.abs(want) < 1e-37   # float32 subnormals hold fewer digits
    np.testing.assert_allclose(got[~tiny], want[~tiny], rtol=1e-5, atol=0)
    np.testing.assert_allclose(got[tiny], want[tiny], rtol=0, atol=1e-41)


def test_swish_takes_no_more_arena_than_relu_and_its_sigmoid_stays_when_read_elsewhere():
    """SILU runs in place: a swish CNN's arena is a ReLU CNN's (LOGISTIC + MUL kept the sigmoid in its own
    tensor: 128 KB instead of 80 KB here). A sigmoid that something else reads stays LOGISTIC + MUL."""
    def arena(act):
        keras.utils.set_random_seed(4)
        km = keras.Sequential([keras.Input((32, 32, 3)), K.Conv2D(16, 3, padding="same", activation=act),
                               K.Conv2D(16, 3, strides=2, padding="same", activation=act), K.GlobalAveragePooling2D(),
                               K.Dense(4)])
        return microlearn.convert(km).info["arena_bytes"]
    assert arena("swish") == arena("relu") == 81920
    inp = keras.Input((6,))
    x = K.Dense(5)(inp)
    s = K.Activation("sigmoid")(x)
    km = keras.Model(inp, K.Concatenate()([K.Multiply()([x, s]), s]))
    model = microlearn.convert(km)
    assert [layer["op"] for layer in model._engine.layers()] == ["FULLY_CONNECTED", "LOGISTIC", "MUL", "CONCATENATION"]
    X = np.random.default_rng(1).normal(size=(10, 6)).astype(np.float32)
    assert_close(model.predict(X), km.predict(X, verbose=0))


@pytest.mark.parametrize("build, text", [
    (lambda x: 4.0 / x, "(keras.ops TrueDivide): TrueDivide of a number by a tensor"),
    (lambda x: x - K.Dense(6)(x), "Subtract of two tensors is not supported"),
    (lambda x: x * np.arange(6.0), "one finite number is supported"),
    (lambda x: keras.ops.exp(x), "(keras.ops Exp): this keras.ops call is not supported"),
    (lambda x: keras.ops.silu(x) * np.arange(6.0), "one finite number is supported"),  # silu converts, not * array
])
def test_unsupported_keras_ops_are_named(build, text):
    inp = keras.Input((6,))
    with pytest.raises(UnsupportedEstimatorError, match=re.escape(text)):
        microlearn.convert(keras.Model(inp, build(inp)))


def test_multiply_and_add_broadcast_one_value_per_channel():
    """Squeeze-and-excitation: Multiply([x (H, W, C), scales (1, 1, C)]) in either order, on images and
    sequences, and Add of one value (it was refused as broadcasting); other broadcasts are refused."""
    keras.utils.set_random_seed(16)
    inp = keras.Input((5, 4, 3))
    se = K.Conv2D(3, 1, activation="sigmoid")(K.GlobalAveragePooling2D(keepdims=True)(inp))
    x = K.Multiply()([se, K.Conv2D(3, 3, padding="same")(inp)])
    x = K.Add()([x, K.Conv2D(1, 1)(K.GlobalMaxPooling2D(keepdims=True)(x)), inp]) * se
    seq = K.Reshape((20, 3))(x)
    seq = K.Multiply()([seq, K.GlobalAveragePooling1D(keepdims=True)(seq)])
    km = keras.Model(inp, K.Flatten()(seq))
    X = np.random.default_rng(16).normal(size=(10, 5, 4, 3)).astype(np.float32)
    assert_close(microlearn.convert(km).predict(flat(X)), km.predict(X, verbose=0))
    rows = K.Conv2D(3, 1)(K.MaxPooling2D((5, 1))(inp))          # (1, 4, 3): one scale per column and channel
    with pytest.raises(UnsupportedEstimatorError, match=r"inputs of shapes .* one value or one per channel"):
        microlearn.convert(keras.Model(inp, K.Multiply()([inp, rows])))


def test_timesteps_fix_the_shapes_of_the_layers_before_the_recurrent_one():
    """Conv1D, pooling, Dense, padding on a sequence of unknown length (their Keras shapes hold None
    steps: a TypeError before), in a Sequential, a Functional model with branches and a nested model."""
    keras.utils.set_random_seed(8)
    inp = keras.Input((None, 3))
    x = K.Conv1D(4, 3, padding="same", activation="relu")(inp)
    x = K.Concatenate()([K.GRU(3)(K.MaxPooling1D(2)(x)), K.GlobalAveragePooling1D()(K.Dense(2)(x))])
    functional = keras.Model(inp, K.Dense(2)(x))
    inner = keras.Sequential([keras.Input((None, 3)), K.ZeroPadding1D(1), K.Conv1D(3, 2, dilation_rate=2)],
                             name="inner")
    nested = keras.Sequential([keras.Input((None, 3)), inner, K.LSTM(3), K.Dense(2)])
    X = np.random.default_rng(9).normal(size=(6, 9, 3)).astype(np.float32)
    for km in (functional, nested):
        m = microlearn.convert(km, timesteps=9)
        assert m.info["n_features"] == 27
        assert_close(m.predict(flat(X)), km.predict(X, verbose=0))


def test_recurrent_activation_codes_match_the_engine():
    """ir.RECURRENT_ACTIVATIONS' order is recurrent.hpp's Act enum."""
    src = (ROOT / "include/microlearn/neural/recurrent.hpp").read_text()
    enum = re.search(r"enum class Act : int32_t \{([^}]*)\}", src).group(1)
    codes = {name.strip(): int(v) for name, v in re.findall(r"(\w+) = (\d+)", enum)}
    assert {n: i for i, n in enumerate(ir.RECURRENT_ACTIVATIONS)} == codes


# ----------------------------------------------------------------- refusals

def _refused():
    """(model builder, text the error must contain): unsupported layers and
    options, each named with its class and position."""
    def seq(shape, *layers):
        return lambda: keras.Sequential([keras.Input(shape), *layers])

    def two_outputs():
        inp = keras.Input((4,))
        return keras.Model(inp, [K.Dense(2)(inp), K.Dense(3)(inp)])

    def return_state():
        inp = keras.Input((6, 3))
        out, _ = K.SimpleRNN(4, return_state=True, name="rs")(inp)
        return keras.Model(inp, out)

    def concat_batch():
        inp = keras.Input((4,))
        return keras.Model(inp, K.Concatenate(axis=0, name="cb")([inp, inp]))

    def nested_bad():
        inner = keras.Sequential([keras.Input((4,)), K.Dense(3), K.LayerNormalization(name="ln")], name="inner")
        inp = keras.Input((4,))
        return keras.Model(inp, K.Dense(2)(inner(inp)))

    return [
        (seq((8, 8, 3), K.Conv2D(2, 3, name="c1"), K.UpSampling2D(name="up"), K.Flatten()),
         "layer 1 'up' (UpSampling2D) is not supported"),
        (seq((6,), K.Dense(3), K.LayerNormalization(name="norm")), "layer 1 'norm' (LayerNormalization)"),
        (seq((6, 4), K.Bidirectional(K.LSTM(3), name="bi")), "layer 0 'bi' (Bidirectional)"),
        (seq((6, 4), K.Cropping1D(1, name="crop")), "'crop' (Cropping1D)"),
        (seq((4,), K.Dense(3, activation="selu", name="d")), "layer 0 'd' (Dense): activation 'selu'"),
        (seq((4,), K.Dense(3, activation="mish", name="d")), "activation 'mish' is not supported"),
        (seq((4,), K.Dense(3), K.Activation("softplus", name="a")), "layer 1 'a' (Activation)"),
        (seq((4,), K.ReLU(threshold=0.5, name="r")), "layer 0 'r' (ReLU): threshold=0.5"),
        (seq((4,), K.ReLU(max_value=2.0, name="r")), "max_value=2.0"),
        (seq((4,), K.ELU(alpha=0.5, name="e")), "layer 0 'e' (ELU): alpha=0.5"),
        (seq((3, 8, 8), K.Conv2D(2, 3, data_format="channels_first", name="cf")),
         "layer 0 'cf' (Conv2D): data_format='channels_first'"),
        (seq((8, 8, 4), K.Conv2D(4, 3, groups=2, name="g")), "groups=2"),
        (seq((6, 3), K.GRU(4, go_backwards=True, name="gb")), "layer 0 'gb' (GRU): go_backwards=True"),
        (seq((6, 3), K.LSTM(4, activation="softsign", name="l")), "activation='softsign'"),
        (return_state, "layer 1 'rs' (SimpleRNN) has 2 outputs (return_state=True?)"),
        (seq((6, 4), K.BatchNormalization(axis=1, name="bn")), "layer 0 'bn' (BatchNormalization): axis=1"),
        (seq((6, 4), K.Softmax(axis=1, name="sm")), "axis=1"),
        (seq((4,), K.Embedding(10, 3, name="emb")), "(Embedding)"),
        (seq((4,), K.Lambda(lambda v: v * 2, name="lam")), "layer 0 'lam' (Lambda)"),
        (two_outputs, "2 outputs"),
        (nested_bad, "layer 1 'ln' (LayerNormalization) of layer 1 'inner' (Sequential) is not supported"),
        (seq((2, 3, 4, 5), K.Dense(2)), "input shape"),
        (seq((None, None, 3), K.Conv2D(2, 3), K.GlobalMaxPooling2D()), "unknown dimensions besides the batch"),
        (lambda: keras.Sequential([K.Dense(2)]), "has no defined inputs: build it with keras.Input"),
        # Keras moves the channels last before flattening: converted as a plain Flatten, wrong values
        (seq((3, 4, 2), K.Flatten(data_format="channels_first", name="fl"), K.Dense(2)),
         "layer 0 'fl' (Flatten): data_format='channels_first'"),
        (concat_batch, "layer 1 'cb' (Concatenate): axis=0 is the batch axis"),   # wrote an invalid file
        (seq((4,), K.Dense(3, activation=K.LeakyReLU(negative_slope=0.1), name="d")),   # printed the whole dict
         "layer 0 'd' (Dense): activation=LeakyReLU(...) (a layer object) is not supported"),
    ]


REFUSED = _refused()


@pytest.mark.parametrize("case", range(len(REFUSED)))
def test_every_unsupported_layer_is_named(case):
    build, text = REFUSED[case]
    keras.utils.set_random_seed(0)
    try:
        km = build()
    except Exception as e:  # a Keras version that cannot even build it: nothing to convert
        pytest.skip(f"Keras cannot build this model: {e}")
    with pytest.raises(UnsupportedEstimatorError) as err:
        microlearn.convert(km)
    assert text in str(err.value), str(err.value)


def test_layers_count_the_recurrent_multiply_accumulates():
    """What Model.report() shows per layer: T steps x gates x units x (inputs + units)."""
    keras.utils.set_random_seed(1)
    km = keras.Sequential([keras.Input((10, 3)), K.SimpleRNN(4, return_sequences=True),
                           K.GRU(6, return_sequences=True), K.LSTM(5), K.Dense(2)])
    layers = microlearn.convert(km)._engine.layers()
    assert [(l["op"], l["macs"]) for l in layers] == [
        ("SIMPLE_RNN", 10 * 1 * 4 * (3 + 4)), ("GRU", 10 * 3 * 6 * (4 + 6)), ("LSTM", 10 * 4 * 5 * (6 + 5)),
        ("FULLY_CONNECTED", 5 * 2)]
    assert layers[1]["params"] == 3 * 6 * (4 + 6) + 2 * 3 * 6


def test_report_compares_with_the_keras_model(tasks):
    """Model.report(X, y, reference=keras_model): Keras's predictions from the
    same flat rows, as labels for a classifier, values for a regressor."""
    from microlearn.converters.neural.keras import as_reference
    km = case_model("rnn_stack")
    X = flat(inputs(km, 30, 9))
    m = microlearn.convert(km, classes=["a", "b", "c"])
    ref = as_reference(km, m)
    want = np.array(["a", "b", "c"])[km.predict(X.reshape(30, 9, 4), verbose=0).argmax(axis=1)]
    np.testing.assert_array_equal(ref.predict(X), want)
    r = m.report(X, want, reference=km)
    assert r.agreement == 1.0 and r.accuracy_original == 1.0
    logit = microlearn.convert(tasks["logit"], task="classification")
    Xs = inputs(tasks["logit"], 30, 3)
    np.testing.assert_array_equal(as_reference(tasks["logit"], logit).predict(Xs), logit.predict(Xs))
    reg = microlearn.convert(tasks["linear"])
    assert reg.report(Xs, reference=tasks["linear"]).max_abs_difference < 1e-5
    assert as_reference("not keras", m) == "not keras"


def test_report_streams_a_stateful_keras_model_as_the_converted_one():
    """A stateful reference (batch 1) takes the rows one per call from a reset state, as the converted model
    streams them (report() raised Keras's batch-size error)."""
    keras.utils.set_random_seed(14)
    nested = keras.Sequential([keras.Input(batch_shape=(1, 1, 3)), K.GRU(4, stateful=True)], name="inner")
    km = keras.Sequential([keras.Input(batch_shape=(1, 1, 3)), nested, K.Dense(2)])
    X = np.random.default_rng(14).normal(size=(8, 3)).astype(np.float32)
    m = microlearn.convert(km)
    for _ in range(2):   # the second report starts from a reset state too
        assert m.report(X, reference=km).max_abs_difference < 1e-5 * np.abs(m.predict(X)).max()


# ----------------------------------------------------------------- corrupt recurrent ops

def _recurrent_file(kind, **kw):
    keras.utils.set_random_seed(2)
    km = keras.Sequential([keras.Input((5, 3)), getattr(K, kind)(4, return_sequences=True, **kw), K.Flatten(),
                           K.Dense(2)])
    return microlearn.convert(km).to_bytes()


def _mutate(data, what):
    """The file with one field of its recurrent op changed (sections rewritten, CRC valid)."""
    from microlearn import mlm
    from microlearn.converters.neural import writer
    sections = {sid: np.array(arr) for sid, arr in mlm.read_sections(data).items()}
    ops = sections[writer.S_OPS].reshape(-1, writer.O_FIELDS)
    op = next(r for r in ops if r[0] in (writer.OP_CODES["GRU"], writer.OP_CODES["LSTM"]))
    ints = sections[writer.S_OP_INTS]
    tensors = sections[writer.S_TENSORS].reshape(-1, writer.T_FIELDS)
    inputs = sections[writer.S_OP_IO][op[3]:op[3] + op[1]]
    field, value = what
    if field == "n_ints":
        op[5] = int(op[5]) + value
    elif field == "n_inputs":
        op[1] = int(op[1]) + value
    elif field.startswith("state_") or field.startswith("kernel_"):
        t = tensors[inputs[4] if field.startswith("state_") else inputs[1]]
        k = {"location": 6, "dim0": 2}[field.split("_", 1)[1]]
        t[k] = int(t[k]) + value
    else:
        ints[op[4] + ["units", "act", "rec_act", "reset_after", "sequences", "stateful"].index(field)] += value
    return mlm.write(mlm.KIND_NEURAL_NETWORK, sections)


CORRUPT = [("units", -4), ("units", 1), ("act", 5), ("act", -4), ("rec_act", 3), ("reset_after", 2),
           ("sequences", -1), ("stateful", 2), ("n_ints", -1), ("n_inputs", -1), ("state_location", -2),
           ("state_dim0", 1), ("kernel_location", -1)]


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_the_loader_refuses_every_corrupt_recurrent_field(kind):
    data = _recurrent_file(kind, **({"reset_after": False} if kind == "GRU" else {}))
    microlearn.Model(_mutate(data, ("units", 0)))          # rewritten but unchanged: loads
    cases = CORRUPT + [("reset_after", 1)]                 # GRU reset_after=False -> True: the bias is 1 row
    for what in cases:
        with pytest.raises(ValueError):
            microlearn.Model(_mutate(data, what))


def test_the_loader_refuses_a_gelu_op_with_a_bad_approximate_flag():
    from microlearn import mlm
    from microlearn.converters.neural import writer

    km = keras.Sequential([keras.Input((4,)), K.Dense(3, activation="gelu"), K.Dense(2)])
    data = microlearn.convert(km).to_bytes()
    for value, ok in ((0, True), (1, True), (2, False), (-1, False)):
        sections = {sid: np.array(arr) for sid, arr in mlm.read_sections(data).items()}
        op = next(r for r in sections[writer.S_OPS].reshape(-1, writer.O_FIELDS) if r[0] == writer.OP_CODES["GELU"])
        sections[writer.S_OP_INTS][op[4]] = value
        mutated = mlm.write(mlm.KIND_NEURAL_NETWORK, sections)
        if ok:
            microlearn.Model(mutated)
        else:
            with pytest.raises(ValueError, match="impossible value"):
                microlearn.Model(mutated)


def test_a_sequence_batch_in_keras_shape_gets_the_right_hint():
    """predict() takes one flattened row per sample: an (n, T, C) batch as
    Keras takes it is refused with the reshape that works, not the single-
    sample hint X.reshape(1, -1), which gives one wrong-sized row."""
    net = keras.Sequential([keras.Input((8, 3)), K.GRU(4)])
    model = microlearn.convert(net)
    X = np.random.default_rng(0).normal(size=(5, 8, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=re.escape("X.reshape(len(X), -1)")):
        model.predict(X)
    assert_close(model.predict(X.reshape(len(X), -1)), net.predict(X, verbose=0))


def test_stateful_layers_with_several_streams_are_refused_by_name():
    """A stateful layer on a batch of 4 keeps four states (one stream per
    batch row); the converted model streams one sequence, and it converted
    silently, giving another model's outputs."""
    net = keras.Sequential([keras.Input(batch_shape=(4, 1, 3)), K.GRU(4, stateful=True), K.Dense(2)])
    with pytest.raises(UnsupportedEstimatorError, match=r"layer 0 '\w+' \(GRU\): stateful=True with batch size 4"):
        microlearn.convert(net)
    one = keras.Sequential([keras.Input(batch_shape=(1, 1, 3)), K.GRU(4, stateful=True), K.Dense(2)])
    microlearn.convert(one)  # one stream: converts


def test_time_distributed_dense_converts_and_other_wrapped_layers_are_refused_by_name():
    """TimeDistributed(Dense) after a sequence-returning GRU (a common
    per-step classifier head) was refused as an unsupported layer; it is
    Dense over the last axis. Wrapping anything else is refused naming it."""
    rng = np.random.default_rng(0)
    net = keras.Sequential([keras.Input((7, 3)), K.GRU(5, return_sequences=True),
                            K.TimeDistributed(K.Dense(4, activation="softmax"))])
    net.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in net.get_weights()])
    X = rng.normal(size=(6, 7, 3)).astype(np.float32)
    assert_close(microlearn.convert(net, task="regression").predict(flat(X)), net.predict(X, verbose=0))
    other = keras.Sequential([keras.Input((7, 3)), K.TimeDistributed(K.Activation("relu"))])
    with pytest.raises(UnsupportedEstimatorError, match=r"TimeDistributed\(Activation\) is not supported"):
        microlearn.convert(other)
