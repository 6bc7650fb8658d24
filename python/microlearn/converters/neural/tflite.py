""".tflite flatbuffers -> the neural graph (ir.Graph).

Reads what TensorFlow's TFLiteConverter writes: float32 models (also with
float16 weights), and int8 full-integer models whose inputs/outputs are int8,
uint8 or float32 (then behind QUANTIZE / DEQUANTIZE ops). Parsing uses the `tflite` package's generated
flatbuffers schema only: no TensorFlow needed.

Each builtin operator maps onto one ir.Op, with these rewrites:
- EXPAND_DIMS, SQUEEZE and RESHAPE are all RESHAPE (the output tensor's shape
  says the rest); the SHAPE / STRIDED_SLICE / PACK chains that compute a
  RESHAPE's shape at run time in Keras exports are dropped, since shapes are
  static here;
- SPACE_TO_BATCH_ND -> CONV_2D or DEPTHWISE_CONV_2D (valid) ->
  BATCH_TO_SPACE_ND, TensorFlow's way of writing a dilated convolution, becomes
  one convolution with that dilation and explicit padding (a 1-D one, with
  EXPAND_DIMS and SQUEEZE around the convolution, a height-1 convolution
  between two RESHAPEs);
- PADV2 with the zero point as its value is PAD;
- DEQUANTIZE of a constant (float16 weights) is that constant in float32;
- the QUANTIZE between a uint8 model input or output and int8 (one scale, zero
  points 128 apart) is dropped: uint8 input u is the int8 input u - 128.

int8 ops also get params["int8"]: the fixed-point parameters the engine's int8
kernels use (int8_params.py), computed here as TFLite computes them when it
prepares the model.

Anything else raises UnsupportedEstimatorError naming the operator and its index.
"""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Union

import numpy as np

from ...errors import UnsupportedEstimatorError
from . import int8_params as q8
from .ir import Graph, Op, Tensor

Source = Union[str, os.PathLike, bytes, bytearray, memoryview]

_DTYPES = {0: "float32", 2: "int32", 9: "int8", 7: "int16"}  # tflite.TensorType FLOAT32, INT32, INT8, INT16
_INT64 = 4    # tflite.TensorType INT64: constants only (a 16x8 model's biases), stored as int32 when they fit
# The operators of an int16-activation ("16x8") model the engine runs (int16_ops.hpp); others are refused.
INT16_OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "REDUCE_MAX",
             "RESHAPE", "EXPAND_DIMS", "SQUEEZE", "QUANTIZE", "DEQUANTIZE", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND",
             "SHAPE", "STRIDED_SLICE", "PACK", "SOFTMAX", "ADD", "MUL")
_FLOAT16 = 1  # tflite.TensorType FLOAT16: constants only (float16 weights), read as float32
_UINT8 = 3    # tflite.TensorType UINT8: only a uint8 model input / output next to its QUANTIZE (_uint8_io)
_TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
               7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64"}
_ACTIVATIONS = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6"}
_ACTIVATION_NAMES = {4: "TANH", 5: "SIGN_BIT"}

# Ops that only compute shapes (their results feed RESHAPE's shape input):
# dropped when nothing else reads them.
_SHAPE_OPS = {"SHAPE", "STRIDED_SLICE", "PACK", "GATHER", "SLICE", "CONCATENATION", "CAST", "REDUCE_PROD",
              "FILL", "RANGE", "MUL", "ADD", "SUB"}


def _data_inputs(name: str, ins: list[int]) -> list[int]:
    """An operator's inputs that hold data: a reshape's shape input only computes a shape."""
    return ins[:1] if name in ("RESHAPE", "EXPAND_DIMS", "SQUEEZE") else ins


def _load_bytes(source: Source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return f.read()
    raise TypeError(f"expected a .tflite path or its bytes, got {type(source).__name__}")


def to_graph(source: Source, *, task: str | None = None) -> Graph:
    """convert()'s entry (converters/neural/__init__.py): read()."""
    return read(source, task=task)


def read(source: Source, *, task: str | None = None) -> Graph:
    """Reads a .tflite model (a path, bytes or a buffer) into an ir.Graph.

    task: "classification" or "regression"; by default a model ending in
    SOFTMAX (or LOGISTIC with one output) is a classifier, others regress.
    Raises ValueError for a file that is not a valid .tflite flatbuffer and
    UnsupportedEstimatorError for operators or types the engine lacks."""
    data = _load_bytes(source)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError(f"not a .tflite file: expected the identifier b'TFL3' at bytes 4..8, "
                         f"got {data[4:8]!r} ({len(data)} bytes)")
    try:
        return _Reader(data).graph(task)
    except (UnsupportedEstimatorError, ValueError):
        raise
    except Exception as e:  # the generated reader does no bounds checks: corrupt offsets end here
        raise ValueError(f"corrupt .tflite file ({len(data)} bytes): {type(e).__name__}: {e}") from None


class _Reader:
    def __init__(self, data: bytes):
        import tflite

        self.tflite = tflite
        self.data = data
        self.model = tflite.Model.GetRootAsModel(data, 0)
        self.op_names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}

    def _count(self, n: int, what: str) -> int:
        if n < 0 or n * 4 > len(self.data):
            raise ValueError(f"corrupt .tflite file: {n} {what} cannot fit in {len(self.data)} bytes")
        return n

    # --- tensors -------------------------------------------------------------
    def _buffer(self, index: int) -> np.ndarray | None:
        m = self.model
        if index <= 0 or index >= self._count(m.BuffersLength(), "buffers"):
            return None
        buf = m.Buffers(index)
        if buf.Offset() > 1:  # stored after the flatbuffer (models over 2 GB)
            start, size = buf.Offset(), buf.Size()
            if start + size > len(self.data):
                raise ValueError(f"corrupt .tflite file: buffer {index} ends past the file")
            return np.frombuffer(self.data, np.uint8, size, start)
        if buf.DataIsNone() or buf.DataLength() == 0:
            return None
        self._count(buf.DataLength() // 4, "bytes")
        return buf.DataAsNumpy()

    def _tensor(self, i: int) -> Tensor:
        t = self.g.Tensors(i)
        name = t.Name().decode("utf-8", "replace") if t.Name() else f"t{i}"
        ttype = t.Type()
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        raw = self._buffer(t.Buffer())
        if any(d < 1 or d > 1 << 24 for d in shape):
            raise ValueError(f"corrupt .tflite file: tensor {i} {name!r} has shape {shape}")
        half = ttype == _FLOAT16 and raw is not None
        wide = ttype == _INT64 and raw is not None
        if ttype not in _DTYPES and not half and not wide:
            raise UnsupportedEstimatorError(
                f"tensor {i} {name!r} has type {_TYPE_NAMES.get(ttype, ttype)}: supported are FLOAT32, INT8 "
                "and INT32 (for int8 models quantize with full-integer int8, e.g. "
                "microlearn.convert(model, quantize='int8', calibration=X))")
        dtype = "float32" if half else "int32" if wide else _DTYPES[ttype]
        scale = zero_point = None
        axis = 0
        qp = t.Quantization() if dtype != "float32" else None  # float tensors: no quantization to keep
        if qp is not None and qp.ScaleLength() > 0:
            scale = qp.ScaleAsNumpy().astype(np.float32)
            zero_point = qp.ZeroPointAsNumpy().astype(np.int64) if qp.ZeroPointLength() else np.zeros(
                len(scale), np.int64)
            axis = int(qp.QuantizedDimension())
            if len(zero_point) != len(scale) or not np.all(np.isfinite(scale)) or np.any(scale <= 0):
                raise ValueError(f"corrupt .tflite file: tensor {i} {name!r} has scales {scale[:4]} and "
                                 f"{len(zero_point)} zero points (positive finite scales, one zero point each)")
            lo, hi = (-128, 127) if dtype == "int8" else (0, 0)  # int32 biases, int16: zero point 0
            if (zero_point.min() < lo or zero_point.max() > hi):
                raise ValueError(f"corrupt .tflite file: tensor {i} {name!r} has {dtype} zero points "
                                 f"{zero_point[:4]} outside [{lo}, {hi}]")
            if len(scale) > 1 and (not 0 <= axis < max(len(shape), 1) or shape[axis] != len(scale)):
                raise ValueError(f"corrupt .tflite file: tensor {i} {name!r} has {len(scale)} scales along "
                                 f"axis {axis} of shape {shape}")
        const = None
        if raw is not None:
            n = int(np.prod(shape, dtype=np.int64)) if shape else 1
            stored = np.dtype("float16" if half else "int64" if wide else dtype).newbyteorder("<")
            if raw.size != n * stored.itemsize:
                raise ValueError(f"corrupt .tflite file: tensor {i} {name!r} of shape {shape} has "
                                 f"{raw.size} bytes of data, expected {n * stored.itemsize}")
            const = np.frombuffer(raw.tobytes(), stored).reshape(shape)
            if wide and const.size and (const.min() < -(1 << 31) or const.max() >= 1 << 31):
                raise UnsupportedEstimatorError(
                    f"tensor {i} {name!r}: int64 values beyond the int32 range (a 16x8 model's bias of "
                    f"{int(np.abs(const).max())} quanta) are not supported")
            const = const.astype(dtype)
        return Tensor(name=name, shape=shape, dtype=dtype, data=const, scale=scale, zero_point=zero_point,
                      quant_axis=axis)

    # --- graph ---------------------------------------------------------------
    def graph(self, task: str | None) -> Graph:
        m = self.model
        n_sub = self._count(m.SubgraphsLength(), "subgraphs")
        if n_sub != 1:
            codes = {max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
                     for oc in (m.OperatorCodes(i) for i in range(m.OperatorCodesLength()))}
            flow = sorted(self.op_names.get(c, str(c)) for c in codes
                          if self.op_names.get(c) in ("WHILE", "IF", "CALL_ONCE", "CALL"))
            raise UnsupportedEstimatorError(
                f"the .tflite model has {n_sub} subgraphs (control flow: {', '.join(flow) or 'none named'}): only "
                "single-graph models are supported" + ("; TFLiteConverter writes Keras's SimpleRNN, GRU and LSTM "
                                                        "as a WHILE loop: convert the Keras model itself"
                                                        if "WHILE" in flow else ""))
        self.g = g = m.Subgraphs(0)
        n_tensors = self._count(g.TensorsLength(), "tensors")
        self._count(g.OperatorsLength(), "operators")
        self.raw, refused = [], {}
        for i in range(n_tensors):  # a type the engine lacks matters where a live operator uses it
            try:
                self.raw.append(self._tensor(i))
            except UnsupportedEstimatorError as e:
                self.raw.append(None)
                refused[i] = e
        inputs = [int(i) for i in g.InputsAsNumpy()] if g.InputsLength() else []
        outputs = [int(i) for i in g.OutputsAsNumpy()] if g.OutputsLength() else []
        if len(inputs) != 1 or len(outputs) != 1:
            raise UnsupportedEstimatorError(f"the .tflite model has {len(inputs)} inputs and {len(outputs)} "
                                            "outputs: one of each is supported")
        for i in inputs + outputs:
            if not 0 <= i < n_tensors:
                raise ValueError(f"corrupt .tflite file: graph input/output tensor {i} of {n_tensors}")
        ops = self._live_ops(outputs[0])
        inputs[0], outputs[0], ops = self._uint8_io(inputs[0], outputs[0], ops)
        for index, name, _, _, _ in ops:  # an unsupported operator is named before its tensors' types
            self._check_supported(index, name)
        for i in inputs + [i for _, name, ins, outs, _ in ops for i in _data_inputs(name, ins) + outs]:
            if i in refused:
                raise refused[i]
        self.readers: dict[int, list[tuple[str, list[int]]]] = {}
        for _, name, ins, _, _ in ops:
            for i in ins:
                self.readers.setdefault(i, []).append((name, ins))
        self.used: set[int] = set()
        self.ir_ops: list[Op] = []
        k = 0
        while k < len(ops):
            k = self._convert(ops, k)
        tensors = {}
        for i in sorted(self.used | {inputs[0], outputs[0]}):
            tensors[self._name(i)] = self._strip(i)
        graph = Graph(tensors=tensors, ops=self.ir_ops, inputs=[self._name(inputs[0])],
                      outputs=[self._name(outputs[0])], name="tflite")
        self._task(graph, task)
        graph.validate()
        return graph

    def _uint8_io(self, x: int, y: int, ops: list) -> tuple[int, int, list]:
        """TFLiteConverter's inference_input_type / inference_output_type = tf.uint8: a QUANTIZE from the
        uint8 input to int8 (and from int8 to the uint8 output) of one scale, zero points 128 apart, is u - 128
        (and o + 128), what an int8 model's uint8 input means here (array('B')): the int8 tensors become the
        model's input and output. Other uint8 tensors stay refused."""
        def shift(u: int, i: int):  # zero point of uint8 tensor u minus that of int8 tensor i, if one scale
            qu, ti = self.g.Tensors(u).Quantization(), self.raw[i]
            if (qu is None or qu.ScaleLength() != 1 or qu.ZeroPointLength() != 1 or ti is None
                    or ti.dtype != "int8" or ti.scale is None or len(ti.scale) != 1
                    or np.float32(qu.Scale(0)) != ti.scale[0]):
                return None
            return int(qu.ZeroPoint(0)) - int(ti.zero_point[0])

        if self.g.Tensors(x).Type() == _UINT8 and ops and ops[0][1] == "QUANTIZE" and ops[0][2][:1] == [x] \
                and shift(x, ops[0][3][0]) == 128:
            x, ops = ops[0][3][0], ops[1:]
        if self.g.Tensors(y).Type() == _UINT8 and ops and ops[-1][1] == "QUANTIZE" and ops[-1][3] == [y] \
                and shift(y, ops[-1][2][0]) == 128:
            y, ops = ops[-1][2][0], ops[:-1]
        return x, y, ops

    def _task(self, graph: Graph, task: str | None):
        last = graph.ops[-1].kind if graph.ops else ""
        if last == "DEQUANTIZE" and len(graph.ops) > 1:
            last = graph.ops[-2].kind
        out = graph.tensors[graph.outputs[0]]
        vector = out.size == (out.shape[-1] if out.shape else 1)   # one row of scores (a softmax per row: not)
        if task is None:
            task = "classification" if vector and (last == "SOFTMAX" or (last == "LOGISTIC" and out.size == 1)) \
                else "regression"
        if task not in ("classification", "regression"):
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        graph.task = task
        if task == "classification":
            if not vector:
                raise UnsupportedEstimatorError(f"a classifier's output must be a vector, not shape {out.shape}: "
                                                "pass task='regression'")
            graph.classes = np.arange(max(out.size, 2))
            graph.binary_threshold = 0.5 if last == "LOGISTIC" else 0.0

    def _opcode(self, op) -> str:
        idx = op.OpcodeIndex()
        if not 0 <= idx < self.model.OperatorCodesLength():
            raise ValueError(f"corrupt .tflite file: operator code index {idx}")
        oc = self.model.OperatorCodes(idx)
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        if code == self.tflite.BuiltinOperator.CUSTOM:
            return "CUSTOM " + (oc.CustomCode() or b"?").decode("utf-8", "replace")
        return self.op_names.get(code, f"builtin operator {code}")

    def _io(self, op) -> tuple[list[int], list[int]]:
        n = len(self.raw)
        ins = [int(i) for i in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(i) for i in op.OutputsAsNumpy()] if op.OutputsLength() else []
        for i in ins + outs:
            if i != -1 and not 0 <= i < n:
                raise ValueError(f"corrupt .tflite file: operator tensor index {i} of {n}")
        return ins, outs

    def _live_ops(self, output: int) -> list[tuple[int, str, list[int], list[int], object]]:
        """The operators the output depends on, in order. RESHAPE depends only
        on its data input, so shape computations fall away."""
        g = self.g
        every = []
        for k in range(g.OperatorsLength()):
            op = g.Operators(k)
            ins, outs = self._io(op)
            every.append((k, self._opcode(op), ins, outs, op))
        needed, live = {output}, []
        for entry in reversed(every):
            k, name, ins, outs, op = entry
            if not any(o in needed for o in outs):
                continue
            live.append(entry)
            needed.update(i for i in _data_inputs(name, ins) if i >= 0)
        return live[::-1]

    # --- helpers -------------------------------------------------------------
    def _name(self, i: int) -> str:
        return f"{i}:{self.raw[i].name}"

    def _strip(self, i: int) -> Tensor:
        """The tensor without the batch axis (activations), constants as they are."""
        t = self.raw[i]
        if t.is_constant:
            return Tensor(self._name(i), t.shape, t.dtype, t.data, t.scale, t.zero_point, t.quant_axis)
        shape = t.shape
        if len(shape) >= 1:
            if shape[0] != 1:
                raise UnsupportedEstimatorError(
                    f"tensor {i} {t.name!r} has shape {shape}: its first axis must be the batch, of size 1 "
                    "(convert with batch size 1: the engine predicts one sample at a time; an operator that "
                    "drops the batch axis is not supported)")
            shape = shape[1:]
        scale = None if t.scale is None else np.float32(t.scale[0])
        zp = None if t.zero_point is None else np.int64(t.zero_point[0])
        return Tensor(self._name(i), tuple(shape), t.dtype, None, scale, zp, 0)

    def _options(self, op, cls_name: str):
        table = op.BuiltinOptions()
        if table is None:
            return None
        opts = getattr(self.tflite, cls_name)()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def _act(self, code: int, where: str) -> str:
        if code not in _ACTIVATIONS:
            raise UnsupportedEstimatorError(f"{where}: fused activation {_ACTIVATION_NAMES.get(code, code)} is not "
                                            "supported (none, RELU, RELU6, RELU_N1_TO_1 are)")
        return _ACTIVATIONS[code]

    def _q(self, i: int) -> tuple[float, int]:
        t = self.raw[i]
        if t.scale is None or len(t.scale) != 1:
            raise UnsupportedEstimatorError(f"tensor {i} {t.name!r}: an int8 activation needs one scale and zero "
                                            "point (per-tensor quantization)")
        return float(t.scale[0]), int(t.zero_point[0])

    def _emit(self, kind: str, ins: list[int], outs: list[int], params: dict, where: str):
        if ins and self.raw[ins[0]].dtype == "float32" and any(
                self.raw[i].is_constant and self.raw[i].dtype == "int8" for i in ins[1:]):
            raise UnsupportedEstimatorError(
                f"{where}: float32 input with int8 weights (dynamic-range quantization: LiteRT quantizes the "
                "input at run time) is not supported; convert with full-integer int8 (a representative_dataset)"
                " or without optimizations")
        for i in ins + outs:
            self.used.add(i)
        self.ir_ops.append(Op(kind, [self._name(i) for i in ins], [self._name(i) for i in outs], params, where))

    def _is_int8(self, i: int) -> bool:
        """A quantized integer tensor: int8, or int16 for the operators of INT16_OPS (_convert refuses the
        others before their handler runs)."""
        return self.raw[i].dtype in ("int8", "int16")

    def _bits(self, i: int) -> int:
        return 16 if self.raw[i].dtype == "int16" else 8

    def _same_quant(self, a: int, b: int, where: str):
        if self._q(a) != self._q(b):
            raise UnsupportedEstimatorError(f"{where}: input and output quantization differ ({self._q(a)} vs "
                                            f"{self._q(b)}); TFLite's int8 kernel for this op requires them equal")

    # --- one operator ----------------------------------------------------------
    def _convert(self, ops, k: int) -> int:
        index, name, ins, outs, op = ops[k]
        where = f"operator {index} ({name})"
        if name == "SPACE_TO_BATCH_ND":
            try:
                return self._dilated(ops, k)
            except q8.ScaleTooLarge as e:
                raise UnsupportedEstimatorError(f"{where}: {e}") from None
        if name not in INT16_OPS and any(i >= 0 and self.raw[i] is not None and self.raw[i].dtype == "int16"
                                         for i in ins + outs):
            raise UnsupportedEstimatorError(
                f"{where}: int16 {name} is not supported (int16 activations run FULLY_CONNECTED, CONV_2D, "
                "DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, REDUCE_MAX, RESHAPE, SOFTMAX, ADD, MUL, QUANTIZE and DEQUANTIZE)")
        handler = getattr(self, "_op_" + name, None)
        if handler is None:  # BATCH_TO_SPACE_ND without the pattern _dilated reads
            raise UnsupportedEstimatorError(f"{where} is supported only as the end of a dilated convolution "
                                            "(SPACE_TO_BATCH_ND, the convolution, BATCH_TO_SPACE_ND)")
        if len(outs) != 1:
            raise UnsupportedEstimatorError(f"{where}: {len(outs)} outputs; one is supported")
        try:
            handler(ins, outs, op, where)
        except q8.ScaleTooLarge as e:
            raise UnsupportedEstimatorError(f"{where}: {e}") from None
        return k + 1

    def _check_supported(self, index: int, name: str):
        where = f"operator {index} ({name})"
        if name.startswith("CUSTOM Flex"):
            raise UnsupportedEstimatorError(
                f"{where} is a TensorFlow op (SELECT_TF_OPS), not a TFLite builtin: convert with "
                "target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS] (or TFLITE_BUILTINS_INT8) only")
        if not hasattr(self, "_op_" + name) and name not in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"):
            raise UnsupportedEstimatorError(
                f"{where} is not supported. Supported operators: " + ", ".join(sorted(
                    n[4:] for n in dir(self) if n.startswith("_op_")) + ["SPACE_TO_BATCH_ND (dilation)"]))

    def _window(self, x: int, y: int, kh: int, kw: int, stride, dilation, padding_code: int) -> tuple:
        ih, iw = self.raw[x].shape[1:3]
        oh, ow = self.raw[y].shape[1:3]

        def pads(i, o, k, s, d):
            total = max((o - 1) * s + (k - 1) * d + 1 - i, 0) if padding_code == 0 else 0
            return total // 2, total - total // 2

        top, bottom = pads(ih, oh, kh, stride[0], dilation[0])
        left, right = pads(iw, ow, kw, stride[1], dilation[1])
        return (top, left, bottom, right)

    def _conv_int8(self, x, w, b, y, act, where, dense=False, kind="") -> dict:
        s_in, z_in = self._q(x)
        s_out, z_out = self._q(y)
        wt = self.raw[w]
        if wt.dtype != "int8" or wt.scale is None or (b is not None and self.raw[b].dtype != "int32"):
            raise UnsupportedEstimatorError(f"{where}: {self.raw[x].dtype} input with {wt.dtype} weights "
                                            f"{'' if b is None else 'and ' + self.raw[b].dtype + ' biases '}(hybrid "
                                            "quantization) is not supported; use full-integer int8 (or 16x8)")
        if np.any(wt.zero_point != 0):
            raise UnsupportedEstimatorError(f"{where}: weights with a non-zero zero point are not supported")
        out_c = self.raw[y].shape[-1]
        scales = wt.scale if len(wt.scale) == out_c else np.full(out_c, wt.scale[0], np.float32)
        lo, hi = q8.activation_range(act, s_out, z_out, self._bits(x))
        p = {"input_offset": -z_in, "output_offset": z_out, "act_min": lo, "act_max": hi}
        if dense:
            p["scale"] = q8.fc_scales(s_in, scales, s_out)
        else:
            p["multiplier"], p["shift"] = q8.requantize(s_in, scales, s_out)
        return p

    def _op_FULLY_CONNECTED(self, ins, outs, op, where):
        o = self._options(op, "FullyConnectedOptions")
        if o is not None and o.WeightsFormat() != 0:
            raise UnsupportedEstimatorError(f"{where}: shuffled weights format is not supported")
        act = self._act(o.FusedActivationFunction() if o else 0, where)
        x, w = ins[0], ins[1]
        b = ins[2] if len(ins) > 2 and ins[2] >= 0 else None
        n_in, n_out = self.raw[w].shape[-1], self.raw[w].shape[0]
        x_shape, y = self.raw[x].shape, outs[0]
        if x_shape[-1:] != (n_in,) and int(np.prod(x_shape)) != n_in:
            raise UnsupportedEstimatorError(f"{where}: input of shape {x_shape} for {n_in} inputs")
        rows = int(np.prod(x_shape)) // n_in
        if rows > 1 and self.raw[y].size != rows * n_out:  # rows of a sample (see _op_RESHAPE), written as one
            if self._signature(y)[:1] != (-1,):
                raise UnsupportedEstimatorError(f"{where}: {rows} rows of {n_in} give {self.raw[y].shape}")
            self.raw[y] = dataclasses.replace(self.raw[y], shape=x_shape[:-1] + (n_out,))
        params = {"activation": act}
        if self._is_int8(x):
            params["int8"] = self._conv_int8(x, w, b, outs[0], act, where, dense=True)
        self._emit("FULLY_CONNECTED", [x, w] + ([b] if b is not None else []), outs, params, where)

    def _conv_common(self, kind, ins, outs, op, where, stride=None, dilation=None, padding=None):
        opts = "Conv2DOptions" if kind == "CONV_2D" else "DepthwiseConv2DOptions"
        o = self._options(op, opts)
        x, w = ins[0], ins[1]
        b = ins[2] if len(ins) > 2 and ins[2] >= 0 else None
        if len(self.raw[x].shape) != 4:
            raise UnsupportedEstimatorError(f"{where}: input of rank {len(self.raw[x].shape)}; 4 expected")
        kh, kw = self.raw[w].shape[1:3]
        stride = stride or (o.StrideH(), o.StrideW())
        dilation = dilation or (o.DilationHFactor(), o.DilationWFactor())
        act = self._act(o.FusedActivationFunction(), where)
        if padding is None:
            padding = self._window(x, outs[0], kh, kw, stride, dilation, o.Padding())
        params = {"stride": tuple(int(s) for s in stride), "dilation": tuple(int(d) for d in dilation),
                  "padding": tuple(int(p) for p in padding), "activation": act}
        if kind == "DEPTHWISE_CONV_2D":
            in_c, out_c = self.raw[x].shape[-1], self.raw[outs[0]].shape[-1]
            if out_c % in_c:
                raise UnsupportedEstimatorError(f"{where}: {out_c} output channels for {in_c} input channels")
            params["depth_multiplier"] = out_c // in_c
        elif self.raw[w].shape[-1] != self.raw[x].shape[-1]:
            raise UnsupportedEstimatorError(f"{where}: grouped convolution ({self.raw[x].shape[-1]} input channels, "
                                            f"weights for {self.raw[w].shape[-1]}) is not supported")
        if self._is_int8(x):
            params["int8"] = self._conv_int8(x, w, b, outs[0], act, where, kind=kind)
        self._emit(kind, [x, w] + ([b] if b is not None else []), outs, params, where)

    def _op_CONV_2D(self, ins, outs, op, where):
        self._conv_common("CONV_2D", ins, outs, op, where)

    def _op_DEPTHWISE_CONV_2D(self, ins, outs, op, where):
        self._conv_common("DEPTHWISE_CONV_2D", ins, outs, op, where)

    def _dilated(self, ops, k: int) -> int:
        """SPACE_TO_BATCH_ND -> convolution (VALID, stride 1) -> BATCH_TO_SPACE_ND; for a 1-D convolution
        (a block shape of one value) EXPAND_DIMS before the convolution and SQUEEZE / RESHAPE after it."""
        index, _, s2b_in, s2b_out, _ = ops[k]
        where = f"operator {index} (SPACE_TO_BATCH_ND)"
        names = [entry[1] for entry in ops[k + 1:k + 5]]
        one_d = len(names) == 4 and names[0] in ("EXPAND_DIMS", "RESHAPE") and names[2] in ("SQUEEZE", "RESHAPE")
        seq = ops[k + 1:k + (5 if one_d else 3)]
        conv = seq[1 if one_d else 0] if seq else None
        if len(seq) != (4 if one_d else 2) or conv[1] not in ("CONV_2D", "DEPTHWISE_CONV_2D") \
                or seq[-1][1] != "BATCH_TO_SPACE_ND" \
                or any(b[2][0] != a[3][0] for a, b in zip([ops[k]] + seq, seq)):
            raise UnsupportedEstimatorError(f"{where} is supported only as TensorFlow writes a dilated "
                                            "convolution (SPACE_TO_BATCH_ND, CONV_2D or DEPTHWISE_CONV_2D, "
                                            "BATCH_TO_SPACE_ND; for 1-D: EXPAND_DIMS, the convolution, "
                                            "SQUEEZE)")
        conv_index, conv_name, conv_ins, _, conv_op = conv
        b2s_in, b2s_out = seq[-1][2], seq[-1][3]
        block = self.raw[s2b_in[1]].data
        paddings = self.raw[s2b_in[2]].data
        crops = self.raw[b2s_in[2]].data
        x, y = s2b_in[0], b2s_out[0]
        rank = 3 if one_d else 4
        if block is None or paddings is None or crops is None or block.shape != (rank - 2,) \
                or not np.array_equal(block, self.raw[b2s_in[1]].data) or len(self.raw[x].shape) != rank \
                or (one_d and self.raw[seq[0][3][0]].shape[1:3] != (1, self.raw[s2b_out[0]].shape[1])):
            raise UnsupportedEstimatorError(f"{where}: the dilation pattern needs constant block shape, "
                                            "paddings and crops")
        opts = self._options(conv_op, "Conv2DOptions" if conv_name == "CONV_2D" else "DepthwiseConv2DOptions")
        if opts.Padding() != 1 or (opts.StrideH(), opts.StrideW()) != (1, 1) \
                or (opts.DilationHFactor(), opts.DilationWFactor()) != (1, 1):
            raise UnsupportedEstimatorError(f"{where}: the convolution between the batch ops must be VALID, "
                                            "stride 1, dilation 1")
        block, paddings, crops = [int(d) for d in block], [list(p) for p in paddings], [list(c) for c in crops]
        if one_d:  # run it as the 2-D convolution of height 1 it is, between (T, C) <-> (1, T, C) reshapes
            block, paddings, crops = [1] + block, [[0, 0]] + paddings, [[0, 0]] + crops
            x2, y2 = self._with_height_1(x), self._with_height_1(y)
            self._emit("RESHAPE", [x], [x2], {}, where)
            x, y = x2, y2
        kh, kw = self.raw[conv_ins[1]].shape[1:3]
        dh, dw = block
        top = int(paddings[0][0]) - int(crops[0][0])
        left = int(paddings[1][0]) - int(crops[1][0])
        ih, iw = self.raw[x].shape[1:3]
        oh, ow = self.raw[y].shape[1:3]
        bottom = (oh - 1) + (kh - 1) * dh + 1 - ih - top
        right = (ow - 1) + (kw - 1) * dw + 1 - iw - left
        if min(top, left, bottom, right) < 0:
            raise UnsupportedEstimatorError(f"{where}: the dilated convolution crops more than it pads")
        # the batch ops keep the quantization: the convolution reads x and writes y directly
        self._conv_common(conv_name, [x] + conv_ins[1:], [y], conv_op, f"operator {conv_index} ({conv_name})",
                          stride=(1, 1), dilation=(dh, dw), padding=(top, left, bottom, right))
        if one_d:
            self._emit("RESHAPE", [y], [b2s_out[0]], {}, where)
        return k + 1 + len(seq)

    def _with_height_1(self, i: int) -> int:
        """A new tensor: tensor i (batch, T, C) as (batch, 1, T, C), its quantization kept."""
        t = self.raw[i]
        self.raw.append(Tensor(f"{t.name}/height_1", t.shape[:1] + (1,) + t.shape[1:], t.dtype, None, t.scale,
                               t.zero_point, t.quant_axis))
        return len(self.raw) - 1

    def _pool(self, kind, ins, outs, op, where):
        o = self._options(op, "Pool2DOptions")
        x, y = ins[0], outs[0]
        if len(self.raw[x].shape) != 4:
            raise UnsupportedEstimatorError(f"{where}: input of rank {len(self.raw[x].shape)}; 4 expected")
        kh, kw = o.FilterHeight(), o.FilterWidth()
        stride = (o.StrideH(), o.StrideW())
        act = self._act(o.FusedActivationFunction(), where)
        params = {"filter": (int(kh), int(kw)), "stride": (int(stride[0]), int(stride[1])),
                  "padding": self._window(x, y, kh, kw, stride, (1, 1), o.Padding()), "activation": act}
        if self._is_int8(x):
            self._same_quant(x, y, where)
            lo, hi = q8.activation_range(act, *self._q(y), self._bits(x))
            params["int8"] = {"act_min": lo, "act_max": hi}
        self._emit(kind, [x], [y], params, where)

    def _op_MAX_POOL_2D(self, ins, outs, op, where):
        self._pool("MAX_POOL_2D", ins, outs, op, where)

    def _op_AVERAGE_POOL_2D(self, ins, outs, op, where):
        self._pool("AVERAGE_POOL_2D", ins, outs, op, where)

    def _axes(self, x: int, axes, where) -> tuple[int, ...]:
        rank = len(self.raw[x].shape)
        out = []
        for a in np.atleast_1d(axes):
            a = int(a) + (rank if a < 0 else 0)
            if not 1 <= a < rank:
                raise UnsupportedEstimatorError(f"{where}: axis {a} (the batch axis or out of range)")
            out.append(a - 1)
        return tuple(sorted(set(out)))

    def _reduce(self, kind, ins, outs, op, where):
        x, y = ins[0], outs[0]
        axes_t = self.raw[ins[1]].data
        if axes_t is None:
            raise UnsupportedEstimatorError(f"{where}: axes computed at run time are not supported")
        axes = self._axes(x, axes_t, where)
        shape = self.raw[x].shape[1:]
        if axes != tuple(range(len(shape) - 1)):
            raise UnsupportedEstimatorError(f"{where}: reducing axes {axes} of {shape}; only global pooling "
                                            "(every axis but the channels) is supported")
        params = {"axes": axes}
        if self._is_int8(x):
            if kind == "REDUCE_MAX":
                self._same_quant(x, y, where)
                params["int8"] = {}
            else:
                s_in, z_in = self._q(x)
                s_out, z_out = self._q(y)
                n = int(np.prod(shape[:-1]))
                m, sh = q8.quantize_multiplier(float(np.float64(s_in) / np.float64(s_out)))
                bits = min(n.bit_length() - 1, 32, 31 + sh)
                m = (m << bits) // n
                params["int8"] = {"input_zero_point": z_in, "multiplier": m, "shift": sh - bits,
                                  "output_zero_point": z_out}
        self._emit(kind, [x], [y], params, where)

    def _op_MEAN(self, ins, outs, op, where):
        self._reduce("MEAN", ins, outs, op, where)

    def _op_REDUCE_MAX(self, ins, outs, op, where):
        self._reduce("REDUCE_MAX", ins, outs, op, where)

    def _op_RESHAPE(self, ins, outs, op, where):
        x, y = ins[0], outs[0]
        if self.raw[x].dtype != self.raw[y].dtype or (self._is_int8(x) and self._q(x) != self._q(y)):
            raise UnsupportedEstimatorError(f"{where}: changes type or quantization")
        if self.raw[x].size != self.raw[y].size:
            self._rows_for_dense(x, y, where)
        self._emit("RESHAPE", [x], [y], {}, where)

    def _signature(self, i: int) -> tuple[int, ...]:
        """Tensor i's shape with -1 where it is known only at run time (its shape_signature)."""
        t = self.g.Tensors(i)
        return tuple(int(d) for d in t.ShapeSignatureAsNumpy()) if t.ShapeSignatureLength() else self.raw[i].shape

    def _rows_for_dense(self, x: int, y: int, where: str):
        """Keras exports Dense over the last axis of a sequence or image as RESHAPE to (-1, in) (a shape
        computed at run time, stored as (1, 1)), FULLY_CONNECTED over those rows, RESHAPE back: the rows
        stay one sample's, y becomes (1, rows, in), which FULLY_CONNECTED maps row by row."""
        readers = self.readers.get(y, [])
        ins = {r[1][1] for r in readers if r[0] == "FULLY_CONNECTED" and r[1][0] == y}
        n_in = self.raw[ins.pop()].shape[-1] if len(ins) == 1 and len(readers) == 1 else 0
        if -1 not in self._signature(y)[1:] or not n_in or self.raw[x].size % n_in:
            raise UnsupportedEstimatorError(
                f"{where} maps {self.raw[x].shape} to {self.raw[y].shape}: a shape computed at run time is "
                "supported only as the rows of the FULLY_CONNECTED that reads it (Keras's Dense on a sequence)")
        self.raw[y] = dataclasses.replace(self.raw[y], shape=(1, self.raw[x].size // n_in, n_in))

    _op_EXPAND_DIMS = _op_RESHAPE
    _op_SQUEEZE = _op_RESHAPE

    def _op_PAD(self, ins, outs, op, where):
        x, y = ins[0], outs[0]
        pads = self.raw[ins[1]].data
        if pads is None:
            raise UnsupportedEstimatorError(f"{where}: paddings computed at run time are not supported")
        pads = np.asarray(pads).reshape(-1, 2)
        if pads.shape[0] != len(self.raw[x].shape) or pads[0].any():
            raise UnsupportedEstimatorError(f"{where}: paddings {pads.tolist()} (the batch axis must not be padded)")
        params = {"paddings": tuple((int(a), int(b)) for a, b in pads[1:])}
        if self._is_int8(x):
            self._same_quant(x, y, where)
            params["int8"] = {"value": self._q(y)[1]}
        if len(ins) > 2:  # PADV2: a constant value
            v = self.raw[ins[2]].data
            expected = self._q(y)[1] if self._is_int8(x) else 0.0
            if v is None or v.size != 1 or float(v.reshape(-1)[0]) != expected:
                raise UnsupportedEstimatorError(f"{where}: padding with a value other than zero is not supported")
        self._emit("PAD", [x], [y], params, where)

    _op_PADV2 = _op_PAD

    def _binary(self, kind, ins, outs, op, where):
        o = self._options(op, "AddOptions" if kind == "ADD" else "MulOptions")
        act = self._act(o.FusedActivationFunction() if o else 0, where)
        a, b, y = ins[0], ins[1], outs[0]
        sa, sb, sy = (self.raw[i].shape for i in (a, b, y))
        na, nb = int(np.prod(sa)), int(np.prod(sb))
        if na < nb:
            a, b, sa, sb, na, nb = b, a, sb, sa, nb, na
        broadcast = nb == 1 or (nb == sa[-1] and int(np.prod(sb[:-1])) == 1)  # one value, or along the last axis
        if not (sa == sy and (sb == sa or broadcast)):
            raise UnsupportedEstimatorError(f"{where}: shapes {sa} and {sb}; same shapes, the second "
                                            "broadcast along the last axis, or one value are supported")
        params = {"activation": act}
        if self._is_int8(a):
            (s1, z1), (s2, z2), (so, zo) = self._q(a), self._q(b), self._q(y)
            bits = self._bits(a)
            if bits == 16:
                self._int16_binary_checks(kind, o, a, b, y, where)
            p = q8.add_params(s1, z1, s2, z2, so, zo, 15 if bits == 16 else q8.ADD_LEFT_SHIFT) if kind == "ADD" \
                else q8.mul_params(s1, z1, s2, z2, so, zo)
            p["act_min"], p["act_max"] = q8.activation_range(act, so, zo, bits)
            params["int8"] = p
        self._emit(kind, [a, b], [y], params, where)

    def _int16_binary_checks(self, kind, o, a, b, y, where):
        """int16 ADD / MUL: both inputs and the output int16; LiteRT's power-of-two-scale int16 ADD (an
        AddOptions.pot_scale_int16 model whose scales are all powers of two) is another kernel: refused."""
        if any(self.raw[i].dtype != "int16" for i in (a, b, y)):
            raise UnsupportedEstimatorError(f"{where}: int16 {kind} needs int16 inputs and output, got "
                                            f"{[self.raw[i].dtype for i in (a, b, y)]}")
        if any(self.raw[i].is_constant for i in (a, b)):  # the file has no int16 constants
            raise UnsupportedEstimatorError(
                f"{where}: int16 {kind} with a constant operand is not supported (TensorFlow writes a Keras dilated "
                "convolution's bias this way in 16x8 mode: use use_bias=False there, or convert with int8)")
        pot = o is not None and kind == "ADD" and bool(o.PotScaleInt16())
        if pot and all(math.frexp(self._q(i)[0])[0] == 0.5 for i in (a, b, y)):
            raise UnsupportedEstimatorError(f"{where}: int16 ADD with power-of-two scales (pot_scale_int16) is "
                                            "not supported; LiteRT runs another kernel for it")

    def _op_ADD(self, ins, outs, op, where):
        self._binary("ADD", ins, outs, op, where)

    def _op_MUL(self, ins, outs, op, where):
        self._binary("MUL", ins, outs, op, where)

    def _op_CONCATENATION(self, ins, outs, op, where):
        o = self._options(op, "ConcatenationOptions")
        y = outs[0]
        rank = len(self.raw[y].shape)
        axis = o.Axis() + (rank if o.Axis() < 0 else 0)
        if not 1 <= axis < rank:
            raise UnsupportedEstimatorError(f"{where}: concatenation along axis {axis} (the batch axis)")
        act = self._act(o.FusedActivationFunction(), where)
        params = {"axis": axis - 1, "activation": act}
        if self._is_int8(y):
            if act != "none":
                raise UnsupportedEstimatorError(f"{where}: a fused activation on int8 concatenation")
            for x in ins:
                self._same_quant(x, y, where)
            params["int8"] = {}
        self._emit("CONCATENATION", list(ins), [y], params, where)

    def _unary(self, kind, ins, outs, where, params=None, table=None):
        x, y = ins[0], outs[0]
        params = dict(params or {})
        if self._is_int8(x):
            if table is None:
                raise UnsupportedEstimatorError(f"{where}: int8 {kind} is not supported")
            params["int8"] = {"table": table(*self._q(x), *self._q(y))}
        self._emit(kind, [x], [y], params, where)

    def _op_RELU(self, ins, outs, op, where):
        self._unary("RELU", ins, outs, where, table=lambda *q: q8.lut_relu(*q, 0.0, float("inf")))

    def _op_RELU6(self, ins, outs, op, where):
        self._unary("RELU6", ins, outs, where, table=lambda *q: q8.lut_relu(*q, 0.0, 6.0))

    def _op_LEAKY_RELU(self, ins, outs, op, where):
        alpha = float(np.float32(self._options(op, "LeakyReluOptions").Alpha()))
        self._unary("LEAKY_RELU", ins, outs, where, {"alpha": alpha},
                    table=lambda *q: q8.lut_leaky_relu(*q, alpha))

    def _op_LOGISTIC(self, ins, outs, op, where):
        self._unary("LOGISTIC", ins, outs, where, table=q8.lut_logistic)

    def _op_TANH(self, ins, outs, op, where):
        self._unary("TANH", ins, outs, where, table=q8.lut_tanh)

    def _op_HARD_SWISH(self, ins, outs, op, where):
        self._unary("HARD_SWISH", ins, outs, where, table=q8.lut_hard_swish)

    def _op_GELU(self, ins, outs, op, where):
        if self._is_int8(ins[0]):
            raise UnsupportedEstimatorError(f"{where}: int8 GELU is not supported (float32 GELU is: convert the "
                                            "Keras model without quantize=, or use another activation)")
        o = self._options(op, "GeluOptions")
        self._unary("GELU", ins, outs, where, {"approximate": bool(o is not None and o.Approximate())})

    def _op_ELU(self, ins, outs, op, where):
        self._unary("ELU", ins, outs, where)  # TFLiteConverter keeps ELU in float32

    def _op_SOFTMAX(self, ins, outs, op, where):
        beta = float(np.float32(self._options(op, "SoftmaxOptions").Beta()))
        x, y = ins[0], outs[0]
        params = {"beta": beta}
        if self._bits(x) == 16:
            (si, zi), (so, zo) = self._q(x), self._q(y)
            if self.raw[y].dtype != "int16" or zi != 0 or zo != 0 or abs(so - 1 / 32768) > 0.001 / 32768:
                raise UnsupportedEstimatorError(f"{where}: int16 softmax output must be int16 with scale 1/32768 "
                                                f"and zero point 0 (TFLite's), got {self.raw[y].dtype} {so}, {zo}")
            params["int8"] = q8.int16_softmax_params(beta, si)
        elif self._is_int8(x):
            so, zo = self._q(y)
            if zo != -128 or abs(so - 1 / 256) > 0.001 / 256:
                raise UnsupportedEstimatorError(f"{where}: int8 softmax output must have scale 1/256 and zero "
                                                f"point -128 (TFLite's), got {so}, {zo}")
            s = q8.softmax_scale(beta, self._q(x)[0])
            params["int8"] = {"scale": s, "output_scale": so,
                              "exceptions": q8.softmax_exceptions(s, q8.softmax_table(beta, self._q(x)[0]))}
        self._emit("SOFTMAX", [x], [y], params, where)

    def _op_QUANTIZE(self, ins, outs, op, where):
        x, y = ins[0], outs[0]
        if self.raw[x].dtype == self.raw[y].dtype == "int8":  # a requantize (e.g. before a CONCATENATION)
            (s_in, z_in), (s_out, z_out) = self._q(x), self._q(y)
            m, sh = q8.quantize_multiplier(float(np.float64(s_in) / np.float64(s_out)))
            params = {"int8": {"input_zero_point": z_in, "multiplier": m, "shift": sh, "output_zero_point": z_out}}
            self._emit("QUANTIZE", [x], [y], params, where)
            return
        self._cast("QUANTIZE", ins, outs, where, "float32", "int16" if self.raw[y].dtype == "int16" else "int8")

    def _op_DEQUANTIZE(self, ins, outs, op, where):
        x, y = self.raw[ins[0]], self.raw[outs[0]]
        if x.is_constant:  # float16 (or int8) weights: dequantized here, as LiteRT does before the first call
            data = x.data.astype(np.float32)
            if x.scale is not None:
                axis = [1] * data.ndim
                if len(x.scale) > 1:
                    axis[x.quant_axis] = -1
                data = (x.data.astype(np.int64) - x.zero_point.reshape(axis)).astype(np.float32) * \
                    x.scale.reshape(axis)
            if y.dtype != "float32":
                raise UnsupportedEstimatorError(f"{where}: a constant dequantized to {y.dtype}")
            self.raw[outs[0]] = Tensor(y.name, y.shape, "float32", data.reshape(y.shape))
            return
        self._cast("DEQUANTIZE", ins, outs, where, "int16" if self.raw[ins[0]].dtype == "int16" else "int8",
                   "float32")

    def _cast(self, kind, ins, outs, where, src, dst):
        """QUANTIZE / DEQUANTIZE: the engine takes the int8 side's scale and zero point."""
        x, y = ins[0], outs[0]
        if (self.raw[x].dtype, self.raw[y].dtype) != (src, dst):
            raise UnsupportedEstimatorError(f"{where}: {self.raw[x].dtype} -> {self.raw[y].dtype}; only "
                                            f"{src} -> {dst} is supported")
        self._q(y if dst != "float32" else x)  # one scale and zero point
        self._emit(kind, [x], [y], {}, where)
