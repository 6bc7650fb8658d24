"""Keras 3 models (Sequential and Functional, float32) -> the neural graph (ir.py).

The converter walks the model's layer graph from its output back to its input,
so branches (Add, Multiply, Concatenate of several paths) and nested models
convert as the model computes them. It reads only what Keras 3 gives on every
backend: `layer.get_config()`, `layer.get_weights()` and the layer graph (each
symbolic tensor's `_keras_history`, each layer's `_inbound_nodes`: Keras 3's
own functional-graph records), so no backend-specific call is made; the tests
run on the TensorFlow backend.

Shapes follow ir.py: a Keras tensor (batch, C) becomes (C,), (batch, T, C)
becomes the sequence (1, T, C), (batch, H, W, C) stays (H, W, C); 1-D layers
(Conv1D, MaxPooling1D, ...) become the 2-D ops with H = 1.

Layers without an effect at inference (Dropout, GaussianNoise, ...) are left
out; BatchNormalization is folded into the Dense / Conv before it when that
layer has no activation and feeds nothing else, otherwise it becomes MUL + ADD
with per-channel constants. Anything else raises UnsupportedEstimatorError
naming the layer, its class and its position in the model.

Task: a model whose last layer ends in softmax or sigmoid is a classifier
(classes 0..n-1, or `classes=`); any other is a regressor. `task="regression"`
keeps a softmax/sigmoid output as plain values; `task="classification"` makes
a logit output a classifier (argmax, or logit > 0 for one unit).
"""
from __future__ import annotations

import numpy as np

from ...errors import UnsupportedEstimatorError
from . import ir

# Layers that do nothing at inference.
_IDENTITY = {"InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
             "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity"}

# Keras activation name -> (ir op kind, params); None: no op (linear).
_ACTIVATIONS = {
    "linear": None,
    "relu": ("RELU", {}),
    "relu6": ("RELU6", {}),
    "leaky_relu": ("LEAKY_RELU", {"alpha": 0.2}),   # keras.activations.leaky_relu's default slope
    "elu": ("ELU", {}),
    "sigmoid": ("LOGISTIC", {}),
    "tanh": ("TANH", {}),
    "softmax": ("SOFTMAX", {"beta": 1.0}),
    "hard_sigmoid": ("HARD_SIGMOID", {}),
    "hard_swish": ("HARD_SWISH", {}),
    "hard_silu": ("HARD_SWISH", {}),
    "silu": ("SILU", {}),    # x * sigmoid(x): LOGISTIC then MUL, as TFLiteConverter writes it
    "swish": ("SILU", {}),
    "gelu": ("GELU", {"approximate": False}),   # keras.activations.gelu's default
}
_FUSABLE = {"relu": "relu", "relu6": "relu6"}


SUPPORTED_LAYERS = sorted(_IDENTITY | {
    "Dense", "Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
    "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "Flatten", "Reshape", "ZeroPadding1D", "ZeroPadding2D", "BatchNormalization", "Normalization",
    "Rescaling", "Add", "Multiply",
    "Concatenate", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "SimpleRNN", "GRU", "LSTM",
    "TimeDistributed(Dense)"})


def _graph_shape(keras_shape) -> tuple[int, ...]:
    """A Keras tensor's shape (batch first) -> the graph's (see the module docstring)."""
    shape = tuple(keras_shape[1:])
    if len(shape) == 2:
        shape = (1,) + shape
    return shape


def _graph_axis(axis: int, keras_rank: int) -> int:
    """A Keras axis (batch = 0, may be negative) of a tensor of `keras_rank`
    dims (batch included) -> the axis of the graph's tensor."""
    if axis < 0:
        axis += keras_rank
    return axis - 1 + (1 if keras_rank == 3 else 0)


def _same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class _Builder:
    """Collects tensors and ops; one per conversion."""

    def __init__(self):
        self.tensors: dict[str, ir.Tensor] = {}
        self.ops: list[ir.Op] = []
        self.batch_norms: list[tuple[ir.Op, ir.Op]] = []   # their MUL and ADD, for _fold_batch_norm

    def tensor(self, name, shape, data=None) -> str:
        base, k = name, 1
        while name in self.tensors:
            k += 1
            name = f"{base}_{k}"
        if data is not None:
            data = np.ascontiguousarray(data, dtype=np.float32)
            shape = data.shape
        self.tensors[name] = ir.Tensor(name, tuple(int(s) for s in shape), "float32", data)
        return name

    def op(self, kind, inputs, out_name, out_shape, params=None, source="") -> str:
        out = self.tensor(out_name, out_shape)
        self.ops.append(ir.Op(kind, list(inputs), [out], dict(params or {}), source))
        return out

    def shape(self, name):
        return self.tensors[name].shape


class _Layer:
    """One layer call being converted: the layer, where it sits, its input
    tensors (graph names) and its output's Keras shape."""

    def __init__(self, builder, layer, source, inputs, keras_inputs, keras_output):
        self.b, self.layer = builder, layer
        self.inputs, self.keras_inputs, self.keras_output = inputs, keras_inputs, keras_output
        self.config = layer.get_config()
        self.source = source
        self.out_shape = _graph_shape(keras_output.shape)

    def refuse(self, why: str):
        raise UnsupportedEstimatorError(f"{self.source}: {why}")

    def op(self, kind, inputs, params=None, shape=None, suffix="") -> str:
        return self.b.op(kind, inputs, self.layer.name + suffix, shape or self.out_shape, params, self.source)

    def const(self, suffix, data) -> str:
        return self.b.tensor(f"{self.layer.name}/{suffix}", None, data)

    def weights(self) -> list[np.ndarray]:
        return [np.asarray(w, dtype=np.float32) for w in self.layer.get_weights()]

    def activation(self, x, name):
        """The Keras activation `name` applied to tensor x."""
        if isinstance(name, dict):  # a layer object as the activation: Keras stores its serialization
            self.refuse(f"activation={name.get('class_name', '?')}(...) (a layer object) is not supported: put "
                        f"the layer after this one, or pass one of {', '.join(_ACTIVATIONS)}")
        if not isinstance(name, str) or name not in _ACTIVATIONS:
            self.refuse(f"activation {name!r} is not supported; supported: {', '.join(_ACTIVATIONS)}")
        act = _ACTIVATIONS[name]
        if act is None:
            return x
        if act[0] == "SILU":  # the sigmoid kept in its own tensor while x waits for the MUL
            s = self.op("LOGISTIC", [x], shape=self.b.shape(x), suffix=f"/{name}_sigmoid")
            return self.op("MUL", [x, s], {"activation": "none"}, shape=self.b.shape(x), suffix=f"/{name}")
        return self.op(act[0], [x], act[1], shape=self.b.shape(x), suffix=f"/{name}")

    def check_channels_last(self):
        fmt = self.config.get("data_format", "channels_last")
        if fmt != "channels_last":
            self.refuse(f"data_format={fmt!r} is not supported: microlearn runs channels_last "
                        "(rebuild the model with data_format='channels_last')")


def _pairs(value, n):
    if isinstance(value, int):
        return (value,) * n
    return tuple(int(v) for v in value)


def _window(L: _Layer, kernel, *, pool=False):
    """(stride, dilation, padding) of a conv or pooling layer as the graph's
    (h, w) / (top, left, bottom, right), the 1-D layers with h = 1."""
    one_d = len(L.keras_inputs[0].shape) == 3
    n = 1 if one_d else 2
    c = L.config
    strides = _pairs(c.get("strides") or c.get("pool_size"), n)
    dilation = (1,) * n if pool else _pairs(c.get("dilation_rate", 1), n)
    if any(s > 1 for s in strides) and any(d > 1 for d in dilation):
        L.refuse("strides > 1 together with dilation_rate > 1 is not supported")
    in_shape = L.b.shape(L.inputs[0])[:2]  # (H, W); H = 1 for sequences
    spatial = in_shape[1:] if one_d else in_shape
    padding = c["padding"]
    pads = []
    for i in range(n):
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "same":
            pads.append(_same_padding(spatial[i], kernel[i], strides[i], dilation[i]))
        elif padding == "causal" and one_d:
            pads.append(((kernel[i] - 1) * dilation[i], 0))
        else:
            L.refuse(f"padding={padding!r} is not supported (valid, same" + (", causal)" if one_d else ")"))
    if one_d:
        strides, dilation, pads = (1,) + strides, (1,) + dilation, [(0, 0)] + pads
    (top, bottom), (left, right) = pads
    return strides, dilation, (top, left, bottom, right)


def _conv(L: _Layer):
    L.check_channels_last()
    if L.config.get("groups", 1) != 1:
        L.refuse(f"groups={L.config['groups']} is not supported (only groups=1)")
    w = L.weights()
    kernel = w[0]
    if kernel.ndim == 3:                 # Conv1D (k, in, out)
        kernel = kernel[None]
    out_c = kernel.shape[-1]
    bias = w[1] if L.config.get("use_bias", True) else np.zeros(out_c, np.float32)
    stride, dilation, padding = _window(L, kernel.shape[:2] if w[0].ndim == 4 else kernel.shape[1:2])
    x = _conv2d(L, L.inputs[0], kernel, bias, stride, dilation, padding)
    return _finish(L, x)


def _conv2d(L, x, kernel_hwio, bias, stride, dilation, padding, suffix=""):
    """CONV_2D with a Keras (kh, kw, in, out) kernel; its activation is left
    to the caller (the op's `activation` is set by _finish)."""
    weights = np.transpose(kernel_hwio, (3, 0, 1, 2))
    return L.op("CONV_2D", [x, L.const(f"kernel{suffix}", weights), L.const(f"bias{suffix}", bias)],
                {"stride": stride, "dilation": dilation, "padding": padding, "activation": "none"},
                suffix=suffix)


def _depthwise_kernel(L, kernel):
    """A Keras depthwise kernel ((k, in, m) or (kh, kw, in, m)) -> the graph's
    (1, kh, kw, in * m) and the multiplier m."""
    if kernel.ndim == 3:
        kernel = kernel[None]
    kh, kw, cin, mult = kernel.shape
    return kernel.reshape(1, kh, kw, cin * mult), mult


def _depthwise(L: _Layer):
    L.check_channels_last()
    w = L.weights()
    kernel, mult = _depthwise_kernel(L, w[0])
    bias = w[1] if L.config.get("use_bias", True) else np.zeros(kernel.shape[-1], np.float32)
    stride, dilation, padding = _window(L, kernel.shape[1:3] if w[0].ndim == 4 else kernel.shape[2:3])
    x = L.op("DEPTHWISE_CONV_2D", [L.inputs[0], L.const("depthwise_kernel", kernel), L.const("bias", bias)],
             {"stride": stride, "dilation": dilation, "padding": padding, "depth_multiplier": int(mult),
              "activation": "none"})
    return _finish(L, x)


def _separable(L: _Layer):
    """SeparableConv = DEPTHWISE_CONV_2D (no bias) then a 1x1 CONV_2D with the bias."""
    L.check_channels_last()
    w = L.weights()
    kernel, mult = _depthwise_kernel(L, w[0])
    pointwise = w[1].reshape(1, 1, *w[1].shape[-2:])
    out_c = pointwise.shape[-1]
    bias = w[2] if L.config.get("use_bias", True) else np.zeros(out_c, np.float32)
    stride, dilation, padding = _window(L, kernel.shape[1:3] if w[0].ndim == 4 else kernel.shape[2:3])
    mid_shape = L.out_shape[:-1] + (kernel.shape[-1],)
    x = L.op("DEPTHWISE_CONV_2D", [L.inputs[0], L.const("depthwise_kernel", kernel),
                                   L.const("depthwise_bias", np.zeros(kernel.shape[-1], np.float32))],
             {"stride": stride, "dilation": dilation, "padding": padding, "depth_multiplier": int(mult),
              "activation": "none"}, shape=mid_shape, suffix="/depthwise")
    x = _conv2d(L, x, pointwise, bias, (1, 1), (1, 1), (0, 0, 0, 0))
    return _finish(L, x)


def _dense(L: _Layer):
    w = L.weights()
    kernel = w[0]                      # (in, out)
    bias = w[1] if L.config.get("use_bias", True) else np.zeros(kernel.shape[1], np.float32)
    if len(L.b.shape(L.inputs[0])) != 3:  # a vector, or rows of rank 4 (FULLY_CONNECTED maps each row)
        x = L.op("FULLY_CONNECTED", [L.inputs[0], L.const("kernel", kernel.T), L.const("bias", bias)],
                 {"activation": "none"})
    else:                              # Dense over the last axis of a sequence or image: a 1x1 conv
        x = _conv2d(L, L.inputs[0], kernel[None, None], bias, (1, 1), (1, 1), (0, 0, 0, 0))
    return _finish(L, x)


def _finish(L: _Layer, x):
    """Applies the layer's `activation` to x (fused into the op before it by
    _fuse_activations where TFLite can)."""
    return L.activation(x, L.config.get("activation", "linear"))


def _pool(L: _Layer):
    L.check_channels_last()
    one_d = len(L.keras_inputs[0].shape) == 3
    pool = _pairs(L.config["pool_size"], 1 if one_d else 2)
    stride, _, padding = _window(L, pool, pool=True)
    kind = "MAX_POOL_2D" if "Max" in type(L.layer).__name__ else "AVERAGE_POOL_2D"
    return L.op(kind, L.inputs, {"filter": (1,) + pool if one_d else pool, "stride": stride,
                                 "padding": padding, "activation": "none"})


def _global_pool(L: _Layer):
    L.check_channels_last()
    kind = "REDUCE_MAX" if "Max" in type(L.layer).__name__ else "MEAN"
    channels = L.b.shape(L.inputs[0])[-1]
    y = L.op(kind, L.inputs, {"axes": (0, 1)}, shape=(channels,))
    if L.out_shape != (channels,):     # keepdims=True
        y = L.op("RESHAPE", [y], suffix="/keepdims")
    return y


def _reshape(L: _Layer):
    if type(L.layer).__name__ == "Flatten" and len(L.keras_inputs[0].shape) > 2:
        L.check_channels_last()  # channels_first: Keras moves the channels last before flattening
    return L.op("RESHAPE", L.inputs)


def _zero_padding(L: _Layer):
    L.check_channels_last()
    p = L.config["padding"]
    if len(L.keras_inputs[0].shape) == 3:
        rows, cols = (0, 0), _pairs(p, 2)
    else:
        p = ((p, p), (p, p)) if isinstance(p, int) else p
        rows, cols = (_pairs(p[0], 2), _pairs(p[1], 2))
    return L.op("PAD", L.inputs, {"paddings": (rows, cols, (0, 0))})


def _channels_axis_only(L: _Layer, axis):
    """Refuses a per-channel layer (BatchNormalization, Normalization) over
    any axis but the last."""
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int) or _graph_axis(axis, len(L.keras_inputs[0].shape)) != len(L.out_shape) - 1:
        L.refuse(f"axis={L.config['axis']!r} is not supported: only the channels (last) axis")


def _affine(L: _Layer, scale, shift):
    """x * scale + shift, per channel (or one value): MUL + ADD, which
    _fold_batch_norm folds into the Dense / Conv before when it can."""
    x = L.op("MUL", [L.inputs[0], L.const("scale", np.atleast_1d(scale))], {"activation": "none"}, suffix="/scale")
    y = L.op("ADD", [x, L.const("shift", np.atleast_1d(shift))], {"activation": "none"})
    L.b.batch_norms.append((L.b.ops[-2], L.b.ops[-1]))
    return y


def _batch_norm(L: _Layer):
    c = L.config
    _channels_axis_only(L, c["axis"])
    w = L.weights()
    gamma = w.pop(0) if c["scale"] else 1.0
    beta = w.pop(0) if c["center"] else 0.0
    mean, var = w
    scale = gamma / np.sqrt(var.astype(np.float64) + c["epsilon"])
    return _affine(L, scale, beta - mean * scale)


def _normalization(L: _Layer):
    """keras.layers.Normalization: (x - mean) / max(sqrt(var), epsilon), or
    with invert=True mean + x * max(sqrt(var), epsilon)."""
    import keras

    if L.config["axis"] not in ((), None):  # axis=None: one mean and variance for every value
        _channels_axis_only(L, L.config["axis"])
    mean = np.asarray(keras.ops.convert_to_numpy(L.layer.mean), np.float64).ravel()
    std = np.maximum(np.sqrt(np.asarray(keras.ops.convert_to_numpy(L.layer.variance), np.float64).ravel()),
                     keras.backend.epsilon())
    if L.config.get("invert"):
        return _affine(L, std, mean)
    return _affine(L, 1.0 / std, -mean / std)


def _rescaling(L: _Layer):
    """keras.layers.Rescaling: x * scale + offset (scalars or per channel)."""
    return _affine(L, np.asarray(L.config["scale"], np.float64), np.asarray(L.config["offset"], np.float64))


def _merge(L: _Layer):
    """Add / Multiply of tensors of the output's shape, or broadcast from one value or one per channel
    (shape (1, ..., 1, C), e.g. a squeeze-and-excitation block's scales): the engine's ADD / MUL take
    such a second operand."""
    kind = {"Add": "ADD", "Multiply": "MUL"}[type(L.layer).__name__]
    full = [n for n in L.inputs if L.b.shape(n) == L.out_shape]
    rank, channels = len(L.keras_output.shape), L.out_shape[-1]
    for n, kt in zip(L.inputs, L.keras_inputs):
        if n not in full and (len(kt.shape) != rank or any(d != 1 for d in kt.shape[1:-1])
                              or kt.shape[-1] not in (1, channels)):
            L.refuse(f"inputs of shapes {[tuple(t.shape) for t in L.keras_inputs]}: supported are the "
                     "output's shape, or one value or one per channel (shape (1, ..., 1, channels))")
    if not full:
        L.refuse(f"inputs of shapes {[tuple(t.shape) for t in L.keras_inputs]}: one must have the output's shape")
    first = L.inputs.index(full[0])
    x, rest = full[0], L.inputs[:first] + L.inputs[first + 1:]
    for i, other in enumerate(rest):
        x = L.op(kind, [x, other], {"activation": "none"}, suffix="" if i == len(rest) - 1 else f"/{i}")
    return x


# keras.ops calls in a Functional model (x + 3.0, x * y, silu(x), gelu(x)): Operations, not layers.
_OPERATIONS = {"Add": "ADD", "Multiply": "MUL", "Subtract": "ADD", "Divide": "MUL", "TrueDivide": "MUL"}


def _operation(L: _Layer, arguments):
    """A keras.ops call: reshape, or elementwise arithmetic of two tensors (as the Add / Multiply layers)
    or of a tensor and a number (x + c, c + x, x - c, c - x, x * c, x / c)."""
    import keras

    kind = type(L.layer).__name__
    if kind == "Reshape":
        return _reshape(L)
    if kind == "Silu":
        return L.activation(L.inputs[0], "silu")
    if kind == "Gelu":
        return L.op("GELU", L.inputs[:1], {"approximate": bool(L.layer.approximate)})
    args = list(arguments.args)
    if kind not in _OPERATIONS or len(args) != 2 or arguments.kwargs:
        L.refuse("this keras.ops call is not supported (supported: reshape, silu, gelu, and +, -, *, / of tensors "
                 "and numbers); use layers")
    tensors = [isinstance(a, keras.KerasTensor) for a in args]
    by_id = {id(t): n for t, n in zip(L.keras_inputs, L.inputs)}   # the node lists x * x's x once
    L.keras_inputs = [a for a, t in zip(args, tensors) if t]
    L.inputs = [by_id[id(a)] for a in L.keras_inputs]
    if all(tensors):
        if kind not in ("Add", "Multiply"):
            L.refuse(f"{kind} of two tensors is not supported (add, multiply are)")
        return _merge(L)
    c = np.asarray(args[tensors.index(False)], np.float64)
    if c.size != 1 or not np.isfinite(c).all():
        L.refuse(f"{kind} with the constant {args[tensors.index(False)]!r}: one finite number is supported")
    c = float(c.reshape(()))
    x = L.inputs[0]
    if kind in ("Divide", "TrueDivide"):
        if not tensors[0] or c == 0.0:
            L.refuse(f"{kind} of a number by a tensor, or by zero, is not supported")
        c = 1.0 / c
    elif kind == "Subtract":
        if tensors[0]:
            c = -c
        else:                                  # c - x = (-1 * x) + c
            x = L.op("MUL", [x, L.const("minus_one", np.float32([-1.0]))], {"activation": "none"}, suffix="/neg")
    return L.op(_OPERATIONS[kind], [x, L.const("constant", np.float32([c]))], {"activation": "none"})


def _concatenate(L: _Layer):
    rank = len(L.keras_output.shape)
    if L.config["axis"] in (0, -rank):
        L.refuse(f"axis={L.config['axis']} is the batch axis: only a sample's own axes can be concatenated")
    axis = _graph_axis(L.config["axis"], rank)
    return L.op("CONCATENATION", L.inputs, {"axis": axis, "activation": "none"})


def _activation_layer(L: _Layer):
    return L.activation(L.inputs[0], L.config["activation"])


def _relu_layer(L: _Layer):
    c = L.config
    max_value, slope, threshold = c.get("max_value"), float(c.get("negative_slope") or 0.0), \
        float(c.get("threshold") or 0.0)
    if threshold != 0.0:
        L.refuse(f"threshold={threshold} is not supported (only 0)")
    if slope == 0.0 and max_value is None:
        return L.op("RELU", L.inputs)
    if slope == 0.0 and float(max_value) == 6.0:
        return L.op("RELU6", L.inputs)
    if max_value is None:
        return L.op("LEAKY_RELU", L.inputs, {"alpha": slope})
    L.refuse(f"max_value={max_value} with negative_slope={slope} is not supported "
             "(supported: max_value None or 6 with negative_slope 0; negative_slope with max_value None)")


def _leaky_relu_layer(L: _Layer):
    slope = L.config.get("negative_slope", L.config.get("alpha"))
    return L.op("LEAKY_RELU", L.inputs, {"alpha": float(slope)})


def _elu_layer(L: _Layer):
    if float(L.config.get("alpha", 1.0)) != 1.0:
        L.refuse(f"alpha={L.config['alpha']} is not supported (only 1.0)")
    return L.op("ELU", L.inputs)


def _softmax_layer(L: _Layer):
    axis = L.config.get("axis", -1)
    axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
    if not isinstance(axis, int) or _graph_axis(axis, len(L.keras_output.shape)) != len(L.out_shape) - 1:
        L.refuse(f"axis={axis!r} is not supported: softmax runs over the last axis")
    return L.op("SOFTMAX", L.inputs, {"beta": 1.0})


def _recurrent(L: _Layer):
    c = L.config
    kind = {"SimpleRNN": "SIMPLE_RNN", "GRU": "GRU", "LSTM": "LSTM"}[type(L.layer).__name__]
    for option in ("go_backwards", "return_state"):
        if c.get(option):
            L.refuse(f"{option}=True is not supported")
    batch = L.keras_output.shape[0]
    if c.get("stateful") and batch not in (None, 1):  # Keras keeps one state per batch row
        L.refuse(f"stateful=True with batch size {batch} (one stream per batch row) is not supported: the "
                 "converted model streams one sequence; build it on keras.Input(batch_shape=(1, steps, channels))")
    acts = {"activation": c["activation"]}
    if kind != "SIMPLE_RNN":
        acts["recurrent_activation"] = c["recurrent_activation"]
    for key, name in acts.items():
        if name not in ir.RECURRENT_ACTIVATIONS:
            L.refuse(f"{key}={name!r} is not supported; supported: {', '.join(ir.RECURRENT_ACTIVATIONS)}")
    units = int(c["units"])
    gates = {"SIMPLE_RNN": 1, "GRU": 3, "LSTM": 4}[kind]
    w = L.weights()
    kernel, recurrent = w[0], w[1]
    reset_after = bool(c.get("reset_after", False)) and kind == "GRU"
    if c.get("use_bias", True):
        bias = w[2]
    else:
        bias = np.zeros((2, gates * units) if reset_after else (gates * units,), np.float32)
    x = L.inputs[0]
    steps = L.b.shape(x)[1]
    # The state the op keeps (recurrent.hpp: h; LSTM h then c; GRU with
    # reset_after=False also r * h, which the candidate needs whole).
    state_size = units * (2 if kind == "LSTM" or (kind == "GRU" and not reset_after) else 1)
    state = L.b.tensor(f"{L.layer.name}/state", (state_size,))
    L.b.tensors[state].persistent = True
    params = {"units": units, "activation": c["activation"], "return_sequences": bool(c["return_sequences"]),
              "stateful": bool(c.get("stateful", False))}
    if kind != "SIMPLE_RNN":
        params["recurrent_activation"] = c["recurrent_activation"]
    if kind == "GRU":
        params["reset_after"] = reset_after
    shape = (1, steps, units) if c["return_sequences"] else (units,)
    return L.op(kind, [x, L.const("kernel", kernel), L.const("recurrent_kernel", recurrent),
                       L.const("bias", bias), state], params, shape=shape)

def _time_distributed(L: _Layer):
    """TimeDistributed(Dense): Dense on each step is Dense over the last
    axis, which Dense on the sequence already is."""
    inner = L.layer.layer
    if type(inner).__name__ != "Dense":
        L.refuse(f"TimeDistributed({type(inner).__name__}) is not supported: only TimeDistributed(Dense) "
                 "(the same as Dense on the sequence)")
    return _dense(_Layer(L.b, inner, f"{L.source}'s Dense", L.inputs, L.keras_inputs, L.keras_output))


_CONVERTERS = {
    "Dense": _dense, "Conv1D": _conv, "Conv2D": _conv, "DepthwiseConv1D": _depthwise,
    "DepthwiseConv2D": _depthwise, "SeparableConv1D": _separable, "SeparableConv2D": _separable,
    "MaxPooling1D": _pool, "MaxPooling2D": _pool, "AveragePooling1D": _pool, "AveragePooling2D": _pool,
    "GlobalAveragePooling1D": _global_pool, "GlobalAveragePooling2D": _global_pool,
    "GlobalMaxPooling1D": _global_pool, "GlobalMaxPooling2D": _global_pool,
    "Flatten": _reshape, "Reshape": _reshape, "ZeroPadding1D": _zero_padding, "ZeroPadding2D": _zero_padding,
    "BatchNormalization": _batch_norm, "Normalization": _normalization, "Rescaling": _rescaling,
    "Add": _merge, "Multiply": _merge, "Concatenate": _concatenate,
    "Activation": _activation_layer, "ReLU": _relu_layer, "LeakyReLU": _leaky_relu_layer, "ELU": _elu_layer,
    "Softmax": _softmax_layer, "SimpleRNN": _recurrent, "GRU": _recurrent, "LSTM": _recurrent,
    "TimeDistributed": _time_distributed,
}


def _walk(b: _Builder, model, where: str, inputs: list[str]) -> list[str]:
    """Converts `model`'s graph with its inputs bound to the graph tensors
    `inputs`; returns the graph tensors of its outputs."""
    import keras

    names: dict[int, str] = {id(t): n for t, n in zip(model.inputs, inputs)}
    positions = {id(layer): i for i, layer in enumerate(model.layers)}

    def visit(kt) -> str:
        if id(kt) in names:
            return names[id(kt)]
        layer, node_index, tensor_index = kt._keras_history
        node = layer._inbound_nodes[node_index]
        ins = [visit(t) for t in node.input_tensors]
        kind = type(layer).__name__
        source = f"layer {positions.get(id(layer), '?')} {layer.name!r} ({kind}){where}"
        if len(node.output_tensors) != 1:
            raise UnsupportedEstimatorError(
                f"{source} has {len(node.output_tensors)} outputs (return_state=True?): only layers with one "
                "output are supported")
        if isinstance(layer, keras.Model):
            if len(layer.inputs) != 1 or len(layer.outputs) != 1:
                raise UnsupportedEstimatorError(f"{source} has {len(layer.inputs)} inputs and "
                                                f"{len(layer.outputs)} outputs; only one of each is supported")
            shape = node.input_tensors[0].shape  # fixed by timesteps= where the model's own input is not
            if any(d is None for d in layer.inputs[0].shape[1:]) and None not in shape[1:]:
                layer = _with_input_shape(layer, shape)
            out = _walk(b, layer, f" of {source}", ins)[0]
        elif not isinstance(layer, keras.layers.Layer):  # a keras.ops call (Operation): x + 3.0, x * y
            source = f"operation {layer.name!r} (keras.ops {kind}){where}"
            L = _Layer(b, layer, source, ins, node.input_tensors, node.output_tensors[0])
            out = _operation(L, node.arguments)
        elif kind in _IDENTITY:
            out = ins[0]
        elif kind in _CONVERTERS:
            L = _Layer(b, layer, source, ins, node.input_tensors, node.output_tensors[0])
            out = _CONVERTERS[kind](L)
            if b.shape(out) != L.out_shape:  # a converter bug, never the user's
                raise AssertionError(f"{L.source}: shape {b.shape(out)} != Keras's {L.out_shape}")
        else:
            raise UnsupportedEstimatorError(
                f"{source} is not supported. Supported layers: "
                + ", ".join(SUPPORTED_LAYERS))
        names[id(kt)] = out
        return out

    return [visit(t) for t in model.outputs]


def _readers(b: _Builder, graph_output: str) -> dict[str, int]:
    """Tensor -> how many ops read it (the graph's output counts as one read)."""
    count = {graph_output: 1}
    for op in b.ops:
        for n in op.inputs:
            count[n] = count.get(n, 0) + 1
    return count


def _fold_batch_norm(b: _Builder, graph_output: str) -> None:
    """A BatchNormalization's MUL + ADD right after a Dense / Conv /
    DepthwiseConv with no activation, whose output nothing else reads, goes
    into that op's weights and bias: w * scale, bias * scale + shift."""
    producer = {op.outputs[0]: op for op in b.ops}
    readers = _readers(b, graph_output)
    for mul, add in b.batch_norms:
        prev = producer.get(mul.inputs[0])
        if (prev is None or prev.kind not in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
                or prev.params["activation"] != "none" or readers[mul.inputs[0]] != 1):
            continue
        scale = b.tensors[mul.inputs[1]].data
        shift = b.tensors[add.inputs[1]].data
        weights, bias = b.tensors[prev.inputs[1]], b.tensors[prev.inputs[2]]
        shape = [1] * weights.data.ndim
        shape[0 if prev.kind != "DEPTHWISE_CONV_2D" else -1] = -1   # the output-channel axis
        weights.data = np.ascontiguousarray(weights.data * scale.reshape(shape), dtype=np.float32)
        bias.data = np.ascontiguousarray(bias.data * scale + shift, dtype=np.float32)
        prev.outputs = add.outputs
        prev.source += f" + {mul.source} folded in"
        for dead in (mul, add):
            b.ops.remove(dead)
        for n in (mul.inputs[0], mul.outputs[0], mul.inputs[1], add.inputs[1]):
            del b.tensors[n]


def _fuse_activations(b: _Builder, graph_output: str) -> None:
    """RELU / RELU6 right after an op with a fused `activation` ("none"),
    whose output nothing else reads, becomes that op's fused activation."""
    producer = {op.outputs[0]: op for op in b.ops}
    readers = _readers(b, graph_output)
    for act in list(b.ops):
        if act.kind not in ("RELU", "RELU6"):
            continue
        prev = producer.get(act.inputs[0])
        if prev is None or prev.params.get("activation") != "none" or readers[act.inputs[0]] != 1 \
                or prev.kind not in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MUL"):
            continue
        prev.params["activation"] = act.kind.lower()
        del b.tensors[prev.outputs[0]]
        prev.outputs = act.outputs
        producer[act.outputs[0]] = prev
        b.ops.remove(act)


def _sequence_shape(model, timesteps):
    shape = list(model.inputs[0].shape)
    if timesteps is not None and (isinstance(timesteps, bool) or not isinstance(timesteps, (int, np.integer))
                                  or timesteps < 1):
        raise ValueError(f"timesteps must be a positive integer (the steps one predict() call takes), "
                         f"got {timesteps!r}")
    if any(s is None for s in shape[2:]):
        raise UnsupportedEstimatorError(f"the model's input shape {tuple(shape)} has unknown dimensions "
                                        "besides the batch: build it with a fixed input shape")
    if len(shape) == 3 and shape[1] is None:
        if timesteps is None:
            raise UnsupportedEstimatorError(
                f"the model's input shape {tuple(shape)} has no fixed number of time steps: pass "
                "timesteps=<n> (the steps one predict() call takes)")
        shape[1] = int(timesteps)
    elif timesteps is not None and (len(shape) != 3 or shape[1] != timesteps):
        raise ValueError(f"timesteps={timesteps} given, but the model's input shape is {tuple(shape)}")
    if not 2 <= len(shape) <= 4:
        raise UnsupportedEstimatorError(f"input shape {tuple(shape)}: only (batch, features), (batch, steps, "
                                        "channels) and (batch, height, width, channels) are supported")
    return shape


def _with_input_shape(model, shape):
    """`model` rebuilt on an input of `shape` (batch axis included), with its weights and layer names."""
    import keras

    fixed = keras.models.clone_model(model, input_tensors=keras.Input(batch_shape=tuple(shape)))
    fixed.set_weights(model.get_weights())
    return fixed


def to_graph(model, *, classes=None, task=None, timesteps=None) -> ir.Graph:
    """Converts a Keras 3 model to the neural graph.

    classes: labels of the output's columns for a classifier (default 0..n-1;
        two labels for a one-unit sigmoid output).
    task: None (from the output: softmax or sigmoid -> "classification",
        else "regression"), "classification" or "regression".
    timesteps: the number of steps a predict() call takes when the model's
        input is a sequence of unknown length.
    """
    if task not in (None, "classification", "regression"):
        raise ValueError(f"task must be None, 'classification' or 'regression', not {task!r}")
    if not model.built or not getattr(model, "inputs", None):
        raise UnsupportedEstimatorError(f"{type(model).__name__} {model.name!r} has no defined inputs: build "
                                        "it with keras.Input(shape=...) first")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UnsupportedEstimatorError(f"model {model.name!r} has {len(model.inputs)} inputs and "
                                        f"{len(model.outputs)} outputs; only one of each is supported")
    if model.inputs[0].dtype not in ("float32", None):
        raise UnsupportedEstimatorError(f"model input dtype {model.inputs[0].dtype}: only float32 is supported")
    b = _Builder()
    shape = _sequence_shape(model, timesteps)
    if model.inputs[0].shape[1] is None:  # timesteps=: a copy on the fixed input, so every layer's shape is known
        model = _with_input_shape(model, shape)
    x = b.tensor("input", _graph_shape(shape))
    out = _walk(b, model, "", [x])[0]
    if out == x or b.tensors[out].is_constant:
        raise UnsupportedEstimatorError(f"model {model.name!r} computes nothing from its input")

    _fold_batch_norm(b, out)
    _fuse_activations(b, out)
    last = next(op for op in b.ops if op.outputs[0] == out)
    n_out = int(np.prod(b.shape(out)))
    ends = "softmax" if last.kind == "SOFTMAX" else "sigmoid" if last.kind == "LOGISTIC" else None
    vector = n_out == (b.shape(out)[-1] if b.shape(out) else 1)   # one row of scores (a softmax per row: not)
    if task is None:   # the rule tflite.read applies, so quantize= keeps the float model's task
        task = "classification" if vector and (ends == "softmax" or (ends == "sigmoid" and n_out == 1)) \
            else "regression"
    graph_classes = None
    threshold = 0.5 if ends == "sigmoid" else 0.0
    if task == "classification":
        if not vector:
            raise UnsupportedEstimatorError(f"a classifier's output must be a vector, not shape {b.shape(out)}: "
                                            "pass task='regression'")
        n_classes = 2 if n_out == 1 else n_out
        graph_classes = np.arange(n_classes) if classes is None else np.asarray(classes)
        if graph_classes.shape != (n_classes,):
            raise ValueError(f"classes: expected {n_classes} labels for the model's output of {n_out} "
                             f"unit(s), got {len(graph_classes)}")
    elif classes is not None:
        raise ValueError("classes= was given but the model is a regressor (its output is neither a softmax nor one "
                         "sigmoid unit): pass task='classification' too")
    graph = ir.Graph(b.tensors, b.ops, [x], [out], task=task, classes=graph_classes,
                     binary_threshold=threshold, name=model.name)
    graph.validate()
    return graph


class KerasReference:
    """A Keras model seen as the estimator microlearn converted it into, for
    `Model.report(X, y, reference=keras_model)`: predict() takes the rows
    Model.predict() takes (each input flattened) and gives what it gives --
    class labels for a classifier, values for a regressor."""

    def __init__(self, keras_model, model):
        self.keras_model, self.model = keras_model, model
        shape = tuple(keras_model.inputs[0].shape[1:])
        steps = None
        if len(shape) == 2 and shape[0] is None:  # a sequence of unknown length: the converted model's steps
            steps = model.info["n_features"] // int(shape[1])
            shape = (steps, shape[1])
        self.shape = tuple(int(s) for s in shape)
        self.graph = to_graph(keras_model, classes=model.classes_, task=model.info["task"], timesteps=steps)
        self.stateful = [layer for layer in _all_layers(keras_model) if layer.get_config().get("stateful")]

    def predict(self, X):
        X = np.asarray(X, np.float32).reshape((len(X),) + self.shape)
        if self.stateful:  # the converted model streams the rows from a zero state: Keras too, one row a call
            import keras

            for layer in self.stateful:
                layer.reset_state()
            out = np.concatenate([keras.ops.convert_to_numpy(self.keras_model(x[None], training=False))
                                  for x in X])
        else:
            out = self.keras_model.predict(X, verbose=0)
        out = np.asarray(out, np.float32).reshape(len(X), -1)
        if self.graph.task != "classification":
            return out[:, 0] if out.shape[1] == 1 else out
        index = (out[:, 0] > self.graph.binary_threshold).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
        return self.graph.classes[index]


def _all_layers(model):
    """The layers of `model` and of the models nested in it."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def as_reference(obj, model):
    """`obj` unchanged, or a KerasReference when it is a Keras model."""
    from . import _is_keras
    return KerasReference(obj, model) if _is_keras(obj) else obj
