"""Each float32 kernel of the neural-network engine against TensorFlow's own
op (tf.nn / tf.math: the conventions TFLite's kernels follow), one op per
graph, on random shapes, strides, dilations and paddings. Tolerance: 1e-5
of the output's scale (float32 sums in another order; exp, tanh and the
logistic through the engine's math.hpp)."""
import numpy as np
import pytest

import microlearn
from microlearn.converters.neural import ir, writer

tf = pytest.importorskip("tensorflow")

TOL = 1e-5


def run_op(kind, x, out_shape, params=None, consts=(), extra_inputs=()):
    """The engine's output of one op on x (and constant inputs `consts`)."""
    t = {"x": ir.Tensor("x", tuple(x.shape)), "y": ir.Tensor("y", tuple(out_shape))}
    inputs = ["x"]
    for i, c in enumerate(consts):
        name = f"c{i}"
        t[name] = ir.Tensor(name, tuple(c.shape), data=np.asarray(c, np.float32))
        inputs.append(name)
    g = ir.Graph(t, [ir.Op(kind, inputs, ["y"], params or {})], ["x"], ["y"])
    model = microlearn.Model(writer.encode(g))
    return model.predict(x.reshape(1, -1).astype(np.float32)).reshape(out_shape)


def close(got, want):
    want = np.asarray(want, np.float64)
    scale = np.abs(want).max() + 1e-30
    err = np.max(np.abs(got - want)) / scale
    assert got.shape == want.shape and err <= TOL, err


def same_padding(size, k, stride, dil):
    """TFLite's explicit offsets for 'same': (before, after, out)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dil + 1 - size, 0)
    return total // 2, total - total // 2, out


rng = np.random.default_rng(0)


@pytest.mark.parametrize("rows,n_in,n_out,act", [(1, 7, 5, "none"), (1, 16, 9, "relu"), (3, 4, 1, "relu6"),
                                                 (5, 33, 8, "relu_n1_to_1")])
def test_fully_connected(rows, n_in, n_out, act):
    x = rng.normal(size=(rows, n_in) if rows > 1 else (n_in,)).astype(np.float32)
    W = rng.normal(size=(n_out, n_in)).astype(np.float32)
    b = rng.normal(size=n_out).astype(np.float32)
    got = run_op("FULLY_CONNECTED", x, x.shape[:-1] + (n_out,), {"activation": act}, (W, b))
    want = tf.linalg.matmul(x.reshape(-1, n_in), W, transpose_b=True).numpy() + b
    clip = {"none": (-np.inf, np.inf), "relu": (0, np.inf), "relu6": (0, 6), "relu_n1_to_1": (-1, 1)}[act]
    close(got, np.clip(want, *clip).reshape(got.shape))


CONV_CASES = [  # (H, W, C, O, kh, kw, stride, dilation, padding)
    (8, 8, 3, 4, 3, 3, (1, 1), (1, 1), "same"),
    (9, 7, 2, 5, 3, 2, (2, 2), (1, 1), "same"),
    (10, 10, 4, 3, 3, 3, (1, 1), (2, 2), "valid"),
    (1, 20, 3, 6, 1, 5, (1, 2), (1, 1), "same"),  # Conv1D as H = 1
    (6, 6, 1, 1, 6, 6, (1, 1), (1, 1), "valid"),
    (7, 5, 3, 2, 2, 3, (3, 1), (2, 1), "same"),
    # Few input channels, odd output widths: pixels in pairs (float_ops.hpp's dot4x2), the last one alone, and
    # edge pixels whose taps differ from their neighbour's.
    (12, 11, 8, 6, 3, 3, (1, 1), (1, 1), "same"),
    (9, 9, 1, 8, 3, 3, (2, 2), (1, 1), "same"),
    (8, 13, 3, 16, 5, 5, (1, 1), (1, 1), "valid"),
    (6, 10, 5, 9, 3, 4, (3, 3), (1, 1), "same"),
]


def padded(x, kh, kw, stride, dil, padding):
    """x padded as TFLite's explicit offsets, and the graph's padding tuple."""
    if padding == "valid":
        return x, (0, 0, 0, 0)
    t, b, _ = same_padding(x.shape[0], kh, stride[0], dil[0])
    l, r, _ = same_padding(x.shape[1], kw, stride[1], dil[1])
    return np.pad(x, ((t, b), (l, r), (0, 0))), (t, l, b, r)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_2d(case):
    H, W_, C, O, kh, kw, stride, dil, padding = case
    x = rng.normal(size=(H, W_, C)).astype(np.float32)
    w = rng.normal(size=(O, kh, kw, C)).astype(np.float32)
    b = rng.normal(size=O).astype(np.float32)
    xp, pads = padded(x, kh, kw, stride, dil, padding)
    want = tf.nn.conv2d(xp[None], np.transpose(w, (1, 2, 3, 0)), strides=(1, *stride, 1), padding="VALID",
                        dilations=(1, *dil, 1)).numpy()[0] + b
    params = {"stride": stride, "dilation": dil, "padding": pads, "activation": "relu"}
    close(run_op("CONV_2D", x, want.shape, params, (w, b)), np.maximum(want, 0))
    # Without a bias too.
    want0 = want - b
    close(run_op("CONV_2D", x, want.shape, dict(params, activation="none"), (w,)), want0)


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("multiplier", [1, 2])
def test_depthwise_conv_2d(case, multiplier):
    H, W_, C, _, kh, kw, stride, dil, padding = case
    if stride != (1, 1) and dil != (1, 1):
        pytest.skip("tf.nn.depthwise_conv2d takes a stride or a dilation, not both")
    x = rng.normal(size=(H, W_, C)).astype(np.float32)
    w = rng.normal(size=(kh, kw, C, multiplier)).astype(np.float32)
    b = rng.normal(size=C * multiplier).astype(np.float32)
    xp, pads = padded(x, kh, kw, stride, dil, padding)
    # TensorFlow's CPU kernel refuses unequal strides: stride 1, then every stride-th row and column.
    want = tf.nn.depthwise_conv2d(xp[None], w, strides=(1, 1, 1, 1), padding="VALID",
                                  dilations=dil).numpy()[0][::stride[0], ::stride[1]] + b
    params = {"stride": stride, "dilation": dil, "padding": pads, "depth_multiplier": multiplier,
              "activation": "relu6"}
    got = run_op("DEPTHWISE_CONV_2D", x, want.shape, params, (w.reshape(1, kh, kw, C * multiplier), b))
    close(got, np.clip(want, 0, 6))


@pytest.mark.parametrize("kind", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
@pytest.mark.parametrize("shape,filt,stride,padding", [((8, 8, 3), (2, 2), (2, 2), "VALID"),
                                                       ((7, 9, 2), (3, 3), (2, 2), "SAME"),
                                                       ((1, 15, 4), (1, 4), (1, 3), "SAME"),
                                                       ((5, 5, 1), (5, 5), (1, 1), "VALID")])
def test_pooling(kind, shape, filt, stride, padding):
    x = rng.normal(size=shape).astype(np.float32)
    pool = tf.nn.max_pool2d if kind == "MAX_POOL_2D" else tf.nn.avg_pool2d
    want = pool(x[None], filt, (1, *stride, 1), padding).numpy()[0]  # SAME averages over the input's elements
    if padding == "SAME":
        t, b, _ = same_padding(shape[0], filt[0], stride[0], 1)
        l, r, _ = same_padding(shape[1], filt[1], stride[1], 1)
        pads = (t, l, b, r)
    else:
        pads = (0, 0, 0, 0)
    got = run_op(kind, x, want.shape, {"filter": filt, "stride": stride, "padding": pads, "activation": "none"})
    close(got, want)


@pytest.mark.parametrize("kind", ["MEAN", "REDUCE_MAX"])
@pytest.mark.parametrize("shape,axes", [((4, 5, 3), (0, 1)), ((6, 4), (0,)), ((2, 3, 4, 5), (1, 3)),
                                        ((7,), (0,)), ((3, 4, 2), (2,))])
def test_reductions(kind, shape, axes):
    x = rng.normal(size=shape).astype(np.float32)
    op = tf.math.reduce_mean if kind == "MEAN" else tf.math.reduce_max
    want = op(x, axis=axes).numpy()
    close(run_op(kind, x, want.shape, {"axes": axes}), want)


def test_reshape_and_pad():
    x = rng.normal(size=(3, 4, 2)).astype(np.float32)
    close(run_op("RESHAPE", x, (24,)), x.reshape(24))
    paddings = ((1, 2), (0, 3), (2, 0))
    want = tf.pad(x, paddings).numpy()
    close(run_op("PAD", x, want.shape, {"paddings": paddings}), want)
    x1 = rng.normal(size=(5,)).astype(np.float32)
    close(run_op("PAD", x1, (8,), {"paddings": ((3, 0),)}), np.pad(x1, (3, 0)))


@pytest.mark.parametrize("kind", ["ADD", "MUL"])
@pytest.mark.parametrize("b_shape", [(3, 4, 5), (5,), (1,)])
def test_add_mul_broadcast(kind, b_shape):
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    c = rng.normal(size=b_shape).astype(np.float32)
    want = (tf.math.add if kind == "ADD" else tf.math.multiply)(x, c).numpy()
    close(run_op(kind, x, x.shape, {"activation": "relu"}, (c,)), np.maximum(want, 0))


def test_add_with_the_smaller_operand_first():
    x = rng.normal(size=(4,)).astype(np.float32)  # broadcast against a bigger constant
    c = rng.normal(size=(3, 4)).astype(np.float32)
    t = {"x": ir.Tensor("x", (4,)), "c": ir.Tensor("c", (3, 4), data=c), "y": ir.Tensor("y", (3, 4))}
    g = ir.Graph(t, [ir.Op("ADD", ["x", "c"], ["y"], {"activation": "none"})], ["x"], ["y"])
    got = microlearn.Model(writer.encode(g)).predict(x[None]).reshape(3, 4)
    close(got, c + x)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_concatenation(axis):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    shape = list(x.shape)
    shape[axis] = 2
    c = rng.normal(size=shape).astype(np.float32)
    want = tf.concat([x, c, x], axis=axis).numpy()
    t = {"x": ir.Tensor("x", x.shape), "c": ir.Tensor("c", c.shape, data=c), "y": ir.Tensor("y", want.shape)}
    g = ir.Graph(t, [ir.Op("CONCATENATION", ["x", "c", "x"], ["y"], {"axis": axis, "activation": "none"})],
                 ["x"], ["y"])
    close(microlearn.Model(writer.encode(g)).predict(x.reshape(1, -1)).reshape(want.shape), want)


ACTIVATIONS = {
    "RELU": lambda x: tf.nn.relu(x), "RELU6": lambda x: tf.nn.relu6(x), "ELU": lambda x: tf.nn.elu(x),
    "LOGISTIC": lambda x: tf.math.sigmoid(x), "TANH": lambda x: tf.math.tanh(x),
    "HARD_SIGMOID": lambda x: tf.nn.relu6(x + 3) / 6, "HARD_SWISH": lambda x: x * tf.nn.relu6(x + 3) / 6,
    "LEAKY_RELU": lambda x: tf.nn.leaky_relu(x, 0.2),
}


@pytest.mark.parametrize("kind", list(ACTIVATIONS))
def test_elementwise(kind):
    x = np.concatenate([np.linspace(-12, 12, 97), rng.normal(size=50) * 3, [0.0, -0.0, 1e-6, -1e-6]])
    x = x.astype(np.float32)
    want = ACTIVATIONS[kind](x).numpy()
    got = run_op(kind, x, x.shape, {"alpha": 0.2} if kind == "LEAKY_RELU" else {})
    assert np.max(np.abs(got - want)) <= 2e-6 * np.maximum(1, np.abs(want)).max()


@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_softmax_over_the_last_axis(beta):
    x = (rng.normal(size=(3, 6)) * 5).astype(np.float32)
    want = tf.nn.softmax(beta * x, axis=-1).numpy()
    close(run_op("SOFTMAX", x, x.shape, {"beta": beta}), want)


def test_quantize_dequantize_round_trip():
    x = np.linspace(-3, 3, 41).astype(np.float32)
    scale, zp = 0.05, -3
    t = {"x": ir.Tensor("x", (41,)), "q": ir.Tensor("q", (41,), "int8", scale=np.float32(scale),
                                                    zero_point=np.int32(zp)), "y": ir.Tensor("y", (41,))}
    g = ir.Graph(t, [ir.Op("QUANTIZE", ["x"], ["q"]), ir.Op("DEQUANTIZE", ["q"], ["y"])], ["x"], ["y"])
    got = microlearn.Model(writer.encode(g)).predict(x[None])[0]
    q = np.clip(np.sign(x / scale) * np.floor(np.abs(x / scale) + 0.5) + zp, -128, 127)  # half away from zero
    np.testing.assert_allclose(got, (q - zp) * scale, rtol=1e-6, atol=1e-7)
