"""Post-training full-integer quantization of Keras models:
microlearn.convert(keras_model, quantize="int8", calibration=X), or
quantize="int16x8" (TFLite's 16x8 mode: int16 activations, symmetric with
zero point 0, int8 per-channel weights, int64 biases; what TFLite Micro users
pick when int8 loses too much accuracy, e.g. for audio models).

TensorFlow's own TFLiteConverter quantizes (per-channel symmetric int8
weights, per-tensor asymmetric int8 activations calibrated on `calibration`,
int32 biases), and the .tflite reader (tflite.py) turns its output into the
neural graph, so the model is LiteRT's by construction and the engine's int8
kernels reproduce LiteRT's reference outputs bit for bit.

io_dtype chooses the model's input and output:
- "float32" (default): the model takes and returns real values; it starts
  with QUANTIZE and ends with DEQUANTIZE, so predict(x) takes array('f').
- "int8" (quantize="int8"): the model takes and returns the quantized int8
  values (scale and zero point in Model.info / the tensors); on the device
  array('b'), or array('B') for images (u - 128), or array('f') quantized on
  the way in.
- "int16" (quantize="int16x8"): the same with int16 values: array('h') on
  the device, np.int16 rows on the PC, or float values quantized on the way in.
"""
from __future__ import annotations

import os

import numpy as np

from ...errors import UnsupportedEstimatorError
from . import ir, tflite

QUANTIZE = {"int8": "int8", "int16x8": "int16"}  # quantize= -> the quantized io_dtype it allows


def _calibration(model, calibration) -> np.ndarray:
    if calibration is None:
        raise ValueError("quantize='int8' needs calibration=X: a few hundred typical inputs (an array of shape "
                         f"(n, {', '.join(str(d) for d in model.inputs[0].shape[1:])})) to choose the int8 ranges")
    x = np.asarray(calibration, dtype=np.float32)
    want = tuple(model.inputs[0].shape[1:])
    if x.shape[1:] != want:
        if x.shape == want:
            x = x[None]
        else:
            raise ValueError(f"calibration has shape {x.shape}; expected (n,) + {want} (the model's input "
                             "without the batch axis)")
    if len(x) == 0:
        raise ValueError("calibration holds no samples; give at least one (a few hundred typical inputs is best)")
    if not np.all(np.isfinite(x)):
        raise ValueError("calibration holds NaN or infinity")
    return x


def _refuse_recurrent(model, where: str = "", quantize: str = "int8"):
    """Recurrent layers have float32 kernels only (and TFLiteConverter cannot quantize Keras's loops):
    named before TensorFlow fails on them with its own message."""
    for k, layer in enumerate(getattr(model, "layers", ())):
        kind = type(layer).__name__
        source = f"layer {k} {layer.name!r} ({kind}){where}"
        if kind in ("SimpleRNN", "GRU", "LSTM"):
            raise UnsupportedEstimatorError(f"{source}: quantize={quantize!r} is not supported for recurrent layers "
                                            "(their kernels are float32): convert without quantize=")
        _refuse_recurrent(layer, f" of {source}", quantize)


def to_tflite(model, *, calibration, io_dtype: str = "float32", quantize: str = "int8") -> bytes:
    """The int8 (or 16x8) .tflite bytes TensorFlow's TFLiteConverter writes for `model`."""
    if quantize not in QUANTIZE:
        raise ValueError(f"quantize must be 'int8' or 'int16x8' (or None for float32), got {quantize!r}")
    if io_dtype not in ("float32", QUANTIZE[quantize]):
        raise ValueError(f"io_dtype must be 'float32' or {QUANTIZE[quantize]!r} for quantize={quantize!r}, "
                         f"got {io_dtype!r}")
    _refuse_recurrent(model, quantize=quantize)
    x = _calibration(model, calibration)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError as e:
        raise ImportError("quantize='int8' uses TensorFlow's TFLiteConverter: pip install tensorflow-cpu "
                          "(reading .tflite files needs only the `tflite` package)") from e
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x[i:i + 1]] for i in range(len(x)))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8 if quantize == "int8" else
                                      tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    if io_dtype != "float32":
        conv.inference_input_type = conv.inference_output_type = getattr(tf, io_dtype)
    try:
        return conv.convert()
    except Exception as e:  # TensorFlow's converter errors are long; keep the cause
        raise UnsupportedEstimatorError(f"TensorFlow could not quantize model {model.name!r} to {quantize}: "
                                        f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from e


def to_graph(model, *, quantize: str = "int8", calibration=None, io_dtype: str = "float32", task=None,
             classes=None, timesteps=None) -> ir.Graph:
    """Keras model -> int8 (or int16x8) graph. quantize: "int8" or "int16x8";
    calibration: inputs (n, ...) that set the activation ranges; io_dtype:
    "float32", or "int8" / "int16" (quantize's); task / classes / timesteps
    as for float Keras models."""
    from .keras import _sequence_shape, _with_input_shape
    shape = _sequence_shape(model, timesteps)
    if model.inputs[0].shape[1] is None:  # a sequence of unknown length: the copy on timesteps= steps
        model = _with_input_shape(model, shape)
    graph = tflite.read(to_tflite(model, calibration=calibration, io_dtype=io_dtype, quantize=quantize), task=task)
    graph.name = model.name
    if classes is not None:
        if graph.task != "classification":
            raise ValueError("classes= given for a model whose output is not a softmax or one sigmoid unit; "
                             "pass task='classification' too")
        classes = np.asarray(classes)
        if len(classes) != len(graph.classes):
            raise ValueError(f"{len(classes)} classes for {len(graph.classes)} outputs")
        graph.classes = classes
    return graph
