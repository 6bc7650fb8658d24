"""int8 kernels (include/microlearn/neural/int8_ops.hpp) against LiteRT's
reference kernels, one operator at a time and bit for bit.

Keras models are quantized with TensorFlow's TFLiteConverter (full integer,
calibration data), read with microlearn's .tflite reader, and run by LiteRT with
its reference op resolver keeping every intermediate tensor. Each int8 op of the
graph then runs in the engine's kernel (through a small C shim,
test_neural_int8_shim.cpp) on LiteRT's own input tensors, and its output must
equal LiteRT's output exactly. The parameters the kernels take (fixed-point
multipliers, tables) are what the reader computed, so this checks the reader's
arithmetic too.
"""
from __future__ import annotations

import ctypes
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from microlearn.converters.neural import tflite as T
from neural_tflite_cases import MODELS, converted_model, inputs, reference

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")

I8, I32, F32 = (np.ctypeslib.ndpointer(dtype=d, flags="C_CONTIGUOUS") for d in (np.int8, np.int32, np.float32))


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    so = tmp_path_factory.mktemp("int8") / "shim.so"
    subprocess.run(["g++", "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
                    f"-I{ROOT / 'include'}", str(Path(__file__).with_name("test_neural_int8_shim.cpp")), "-o",
                    str(so)], check=True)
    return ctypes.CDLL(str(so))


# --- running one op in the engine's kernel ------------------------------------

def _index(name: str) -> int:
    return int(name.split(":", 1)[0])


def _window(graph, op) -> np.ndarray:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    ih, iw, ic = x.shape
    oh, ow, oc = y.shape
    if op.kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        kh, kw = op.params["filter"]
        dil = (1, 1)
    else:
        kh, kw = graph.tensors[op.inputs[1]].shape[1:3]
        dil = op.params["dilation"]
    sh, sw = op.params["stride"]
    top, left = op.params["padding"][:2]
    dm = op.params.get("depth_multiplier", 1)
    return np.array([ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dil[0], dil[1], top, left, dm], np.int32)


def run_op(shim, graph, op, values: dict) -> np.ndarray:
    """The engine's kernel for `op` on `values` (tensor name -> array)."""
    p = op.params.get("int8")

    def value(n):
        t = graph.tensors[n]
        return np.ascontiguousarray(t.data if t.is_constant else values[n]).reshape(-1)

    x = value(op.inputs[0])
    y_t = graph.tensors[op.outputs[0]]
    y = np.zeros(y_t.size, np.float32 if y_t.dtype == "float32" else np.int8)
    k = op.kind
    if k in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
        w = np.ascontiguousarray(graph.tensors[op.inputs[1]].data, np.int8).reshape(-1)
        bias = graph.tensors[op.inputs[2]].data.astype(np.int32) if len(op.inputs) > 2 else None
        bptr = bias.ctypes.data_as(ctypes.c_void_p) if bias is not None else None
        q = np.array([p["output_offset"], p["act_min"], p["act_max"]], np.int32)
        args = [ctypes.c_void_p(w.ctypes.data), bptr]
        if k == "FULLY_CONNECTED":
            scales = np.ascontiguousarray(p["scale"], np.float64)
            n_out, n_in = graph.tensors[op.inputs[1]].shape
            for r in range(x.size // n_in):  # rows: a dense layer over the last axis
                shim.ml8_fully_connected(ctypes.c_void_p(x.ctypes.data + r * n_in), p["input_offset"], *args, n_in,
                                         n_out, scales.ctypes.data_as(ctypes.c_void_p),
                                         q.ctypes.data_as(ctypes.c_void_p), ctypes.c_void_p(y.ctypes.data + r * n_out))
        else:
            mult, shift = p["multiplier"].astype(np.int32), p["shift"].astype(np.int32)
            g = _window(graph, op)
            shim.ml8_conv_2d(x.ctypes.data_as(ctypes.c_void_p), p["input_offset"], *args,
                             g.ctypes.data_as(ctypes.c_void_p), int(k == "DEPTHWISE_CONV_2D"), mult.ctypes.data_as(ctypes.c_void_p),
                             shift.ctypes.data_as(ctypes.c_void_p), q.ctypes.data_as(ctypes.c_void_p),
                             y.ctypes.data_as(ctypes.c_void_p))
    elif k in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        g = _window(graph, op)
        shim.ml8_pool_2d(x.ctypes.data_as(ctypes.c_void_p), g.ctypes.data_as(ctypes.c_void_p),
                         int(k == "AVERAGE_POOL_2D"), p["act_min"], p["act_max"], y.ctypes.data_as(ctypes.c_void_p))
    elif k in ("MEAN", "REDUCE_MAX"):
        channels = graph.tensors[op.inputs[0]].shape[-1]
        outer = x.size // channels
        if k == "MEAN":
            shim.ml8_mean(x.ctypes.data_as(ctypes.c_void_p), outer, channels, p["input_zero_point"],
                          p["multiplier"], p["shift"], p["output_zero_point"], y.ctypes.data_as(ctypes.c_void_p))
        else:
            shim.ml8_reduce_max(x.ctypes.data_as(ctypes.c_void_p), outer, channels, y.ctypes.data_as(ctypes.c_void_p))
    elif k == "RESHAPE":
        y[:] = x
    elif k in ("RELU", "RELU6", "LEAKY_RELU", "LOGISTIC", "TANH", "HARD_SWISH", "ELU"):
        table = np.ascontiguousarray(p["table"], np.int8)
        shim.ml8_lut(x.ctypes.data_as(ctypes.c_void_p), x.size, table.ctypes.data_as(ctypes.c_void_p),
                     y.ctypes.data_as(ctypes.c_void_p))
    elif k in ("ADD", "MUL"):
        b = value(op.inputs[1])
        fields = ["input1_offset", "input2_offset", "output_offset", "input1_multiplier", "input1_shift",
                  "input2_multiplier", "input2_shift", "output_multiplier", "output_shift", "act_min", "act_max"]
        prm = np.array([p.get(f, 0) for f in fields], np.int32)
        shim.ml8_add_mul(x.ctypes.data_as(ctypes.c_void_p), b.ctypes.data_as(ctypes.c_void_p), x.size, b.size,
                         int(k == "MUL"), prm.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p))
    elif k == "SOFTMAX":
        depth = y_t.shape[-1]
        exceptions = np.ascontiguousarray(np.asarray(p["exceptions"], np.uint32).reshape(-1, 2).view(np.int32))
        shim.ml8_softmax(x.ctypes.data_as(ctypes.c_void_p), x.size // depth, depth,
                         ctypes.c_uint32(int(np.float32(p["scale"]).view(np.uint32))),
                         exceptions.ctypes.data_as(ctypes.c_void_p), ctypes.c_uint32(len(exceptions)),
                         ctypes.c_float(p["output_scale"]), y.ctypes.data_as(ctypes.c_void_p))
    elif k == "PAD":
        shape = list(graph.tensors[op.inputs[0]].shape)
        pads = list(op.params["paddings"])
        while len(shape) < 3:
            shape.insert(0, 1)
            pads.insert(0, (0, 0))
        a = [np.array(v, np.uint32) for v in (shape, [b for b, _ in pads], [e for _, e in pads])]
        shim.ml8_pad(x.ctypes.data_as(ctypes.c_void_p), *(v.ctypes.data_as(ctypes.c_void_p) for v in a), p["value"],
                     y.ctypes.data_as(ctypes.c_void_p))
    elif k == "CONCATENATION":
        axis = op.params["axis"]
        parts = [value(n) for n in op.inputs]
        outer = int(np.prod(y_t.shape[:axis]))
        offset = 0
        for v in parts:
            inner = v.size // outer
            shim.ml8_concat_part(v.ctypes.data_as(ctypes.c_void_p), outer, inner, y.size // outer, offset,
                                 y.ctypes.data_as(ctypes.c_void_p))
            offset += inner
    else:
        raise AssertionError(f"no int8 kernel for {k}")
    return y


@pytest.mark.parametrize("name,io", [(n, "int8") for n in MODELS] + [("cnn", "float32")])
def test_every_int8_op_bit_exact_with_litert_reference(shim, name, io):
    data, shape = converted_model(name, io)
    graph = T.read(data)
    kinds = set()
    for seed, x in enumerate(inputs(data, shape, 12, seed=1)):
        it = reference(data, x)
        values = {n: it.get_tensor(_index(n)) for n in graph.tensors if not graph.tensors[n].is_constant}
        for op in graph.ops:
            if op.kind in ("QUANTIZE", "DEQUANTIZE") or (op.kind != "RESHAPE" and "int8" not in op.params):
                continue  # float32 ops and the conversions run in engine.hpp (test_neural_tflite.py)
            y = run_op(shim, graph, op, values)
            want = values[op.outputs[0]].reshape(-1)
            kinds.add(op.kind)
            if want.dtype == np.float32:
                np.testing.assert_array_equal(y, want, err_msg=f"{name} {op.source}")
            else:
                diff = np.flatnonzero(y != want)
                assert diff.size == 0, (f"{name} {op.source} sample {seed}: {diff.size} of {y.size} differ, "
                                        f"first at {diff[0]}: {y[diff[0]]} vs LiteRT {want[diff[0]]}")
    assert kinds  # the model had ops


def test_models_cover_the_int8_ops():
    kinds = set()
    for name in MODELS:
        for io in ("int8", "float32"):
            kinds |= {op.kind for op in T.read(converted_model(name, io)[0]).ops}
    expected = {"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN",
                "REDUCE_MAX", "RESHAPE", "PAD", "ADD", "MUL", "CONCATENATION", "RELU", "RELU6", "LEAKY_RELU",
                "LOGISTIC", "TANH", "SOFTMAX", "HARD_SWISH", "QUANTIZE", "DEQUANTIZE"}  # the last two: end to end
    assert expected <= kinds, expected - kinds
