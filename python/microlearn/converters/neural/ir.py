"""The neural-network graph every network converter produces.

scikit-learn MLPs, Keras models and .tflite files all become one `Graph`; the
writer plans its memory and packs it into an .mlm file, and the engine
(include/microlearn/neural/) runs it. The conventions are TensorFlow Lite's, so
that a .tflite file maps onto the graph one operator to one op and int8 models
run as LiteRT's reference kernels compute them:

- Activations are row-major, channels last, without the batch axis: a dense
  vector is (C,), a sequence (1, T, C), an image (H, W, C). One-dimensional
  layers (Conv1D, MaxPooling1D, ...) are the 2-D ops with H = 1.
- Weights: FULLY_CONNECTED (out, in); CONV_2D (out_c, kh, kw, in_c);
  DEPTHWISE_CONV_2D (1, kh, kw, in_c * depth_multiplier); bias (out,).
- Quantized tensors (int8 activations and weights, int32 biases) carry
  real = scale * (q - zero_point); weights are symmetric (zero_point 0) and
  per-channel along `quant_axis` (the output channel), activations per-tensor.
- Padding is explicit (top, left, bottom, right): converters turn "same" into
  TFLite's offsets (pad_total = max((out - 1) * stride + (k - 1) * dilation + 1
  - in, 0), the smaller half before). Average pooling divides by the number of
  window elements inside the input, as TFLite and Keras do.
- int8 ops (from the .tflite reader, converters/neural/tflite.py) also carry
  params["int8"]: the fixed-point parameters and tables their kernels take,
  computed at conversion as TFLite computes them (int8_params.py; the writer
  appends them to the op's parameters, docs/neural.md lists them).
- State: a tensor with `persistent=True` (neither constant nor computed by an op)
  keeps its values between calls: the recurrent ops' h (and c) live there, so
  a `stateful` layer streams one call after the next; reset() zeros it. Every
  recurrent op takes one as its last input (see OPS), stateful or not (a
  layer that is not stateful zeros it at the start of each call).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

DTYPES = ("float32", "int8", "int32", "int16")  # int16: 16x8 activations

# Activations fused into an op's output, as TFLite's fused_activation_function.
FUSED_ACTIVATIONS = ("none", "relu", "relu6", "relu_n1_to_1")

# The activations a recurrent op's `activation` / `recurrent_activation` may
# name; the engine codes them by their index here (recurrent.hpp's Act).
RECURRENT_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "hard_sigmoid")

# Op kind -> the params it takes (every key is required; see OPS_DOC below).
OPS: dict[str, tuple[str, ...]] = {
    # inputs: x, weights, bias (bias may be absent: inputs has 2 names)
    "FULLY_CONNECTED": ("activation",),
    "CONV_2D": ("stride", "dilation", "padding", "activation"),
    "DEPTHWISE_CONV_2D": ("stride", "dilation", "padding", "depth_multiplier", "activation"),
    "MAX_POOL_2D": ("filter", "stride", "padding", "activation"),
    "AVERAGE_POOL_2D": ("filter", "stride", "padding", "activation"),
    "MEAN": ("axes",),            # global average pooling: axes (0, 1) of (H, W, C)
    "REDUCE_MAX": ("axes",),      # global max pooling
    "RESHAPE": (),                # Flatten and Reshape: the output tensor's shape says it
    "PAD": ("paddings",),         # ((before, after) per axis), zeros (int8: the zero point)
    "ADD": ("activation",),       # same shapes, or the second input broadcast along the last axis
    "MUL": ("activation",),
    "CONCATENATION": ("axis", "activation"),
    "RELU": (), "RELU6": (), "ELU": (), "LOGISTIC": (), "TANH": (), "HARD_SWISH": (),
    "HARD_SIGMOID": (),           # Keras 3: relu6(x + 3) / 6
    "LEAKY_RELU": ("alpha",),
    "GELU": ("approximate",),     # x Phi(x), or (approximate) its tanh form; float32 only
    "SILU": (),                   # x sigmoid(x); float32 only (the writer fuses LOGISTIC + MUL into it)
    "SOFTMAX": ("beta",),         # over the last axis
    "QUANTIZE": (),               # float32 -> int8 (the output tensor's scale / zero point), or int8 -> int8
    "DEQUANTIZE": (),             # int8 -> float32
    # Recurrent layers over a (1, T, C) sequence; weights as Keras stores them
    # (kernel (C, k * units), recurrent_kernel (units, k * units), bias), gate
    # order as Keras: GRU z, r, h; LSTM i, f, c, o. Output (1, T, units) when
    # return_sequences, else (units,). `stateful` models keep the state between
    # calls on the device (streaming one step at a time).
    # inputs: x, kernel, recurrent_kernel, bias (GRU reset_after: (2, 3 * units),
    # the input then the recurrent bias), state (float32, persistent=True): h (units);
    # LSTM h then c (2 * units); GRU reset_after=False h then r * h (2 * units).
    "SIMPLE_RNN": ("units", "activation", "return_sequences", "stateful"),
    "GRU": ("units", "activation", "recurrent_activation", "reset_after", "return_sequences",
            "stateful"),
    "LSTM": ("units", "activation", "recurrent_activation", "return_sequences", "stateful"),
}

OPS_DOC = """
stride, dilation, filter: (h, w) tuples of ints >= 1.
padding: (top, left, bottom, right) ints >= 0.
activation (fused): one of FUSED_ACTIVATIONS; for recurrent ops, activation and
recurrent_activation name a Keras activation, one of RECURRENT_ACTIVATIONS.
axes: tuple of ints (axes of the input without batch). alpha, beta: float.
"""


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]                 # without the batch axis
    dtype: str = "float32"                 # one of DTYPES
    data: Optional[np.ndarray] = None      # constants (weights, biases); None for activations
    scale: Optional[np.ndarray] = None     # quantized: float per tensor (shape ()) or per channel
    zero_point: Optional[np.ndarray] = None
    quant_axis: int = 0                    # the per-channel axis of `scale`
    persistent: bool = False               # state kept between calls (recurrent ops), see above

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Op:
    kind: str                   # a key of OPS
    inputs: list[str]           # tensor names
    outputs: list[str]
    params: dict = field(default_factory=dict)
    source: str = ""            # where it came from, for messages: "layer 3 'conv2d_1' (Conv2D)"


@dataclass
class Graph:
    tensors: dict[str, Tensor]
    ops: list[Op]               # in execution order
    inputs: list[str]           # one input tensor (the model's x)
    outputs: list[str]          # one output tensor
    task: str = "regression"    # "classification" or "regression"
    classes: Optional[np.ndarray] = None   # classifiers: the labels of the output's columns
    # A classifier with one output unit predicts class 1 when the output's real
    # value is above this (0.5 after a sigmoid, 0.0 for a logit).
    binary_threshold: float = 0.5
    name: str = ""

    def tensor(self, name: str) -> Tensor:
        return self.tensors[name]

    def validate(self) -> None:
        """Checks the graph is well formed: known ops with their params, every
        input defined before use, shapes and dtypes present. Raises ValueError
        naming the op's source."""
        defined = set(self.inputs) | {n for n, t in self.tensors.items() if t.is_constant or t.persistent}
        for n in self.inputs + self.outputs:
            if n not in self.tensors:
                raise ValueError(f"graph input/output {n!r} is not a tensor")
        for op in self.ops:
            where = op.source or op.kind
            if op.kind not in OPS:
                raise ValueError(f"{where}: unknown op {op.kind}")
            missing = [p for p in OPS[op.kind] if p not in op.params]
            if missing:
                raise ValueError(f"{where}: {op.kind} lacks params {missing}")
            for n in op.inputs:
                if n not in self.tensors:
                    raise ValueError(f"{where}: input {n!r} is not a tensor")
                if n not in defined:
                    raise ValueError(f"{where}: input {n!r} is used before it is computed")
            for n in op.outputs:
                if n not in self.tensors:
                    raise ValueError(f"{where}: output {n!r} is not a tensor")
                defined.add(n)
            for n in op.inputs + op.outputs:
                if self.tensors[n].dtype not in DTYPES:
                    raise ValueError(f"{where}: tensor {n!r} has dtype {self.tensors[n].dtype}")
        for n in self.outputs:
            if n not in defined:
                raise ValueError(f"graph output {n!r} is never computed")
