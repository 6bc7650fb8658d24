"""Neural networks: scikit-learn MLPs, Keras models and .tflite files -> one
graph (ir.py) -> an .mlm file (writer.py) the engine in
include/microlearn/neural/ runs.

Sources plug in here. scikit-learn classes go through `extractors()` (as
every family's); anything else (a Keras model, a .tflite path or bytes) is
claimed by `claims(obj)`, which microlearn.convert() asks before looking at
scikit-learn classes: each entry of SOURCES is (module name, predicate); the
module's `to_graph(obj, **options) -> ir.Graph` converts what it claims.
"""
from __future__ import annotations

import importlib
import os

from ...errors import UnsupportedEstimatorError
from .. import common
from . import ir, writer


def _is_tflite(obj) -> bool:
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj).lower().endswith(".tflite")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj[4:8]) == b"TFL3"  # the flatbuffer's file identifier
    return False


def _is_keras(obj) -> bool:
    return any(c.__module__.split(".")[0] in ("keras", "tf_keras") and c.__name__ in ("Model", "Sequential",
                                                                                     "Functional")
               for c in type(obj).__mro__)


# (module in this package, predicate): what claims(obj) tries, in order.
SOURCES = [("tflite", _is_tflite), ("keras", _is_keras)]


def claims(obj) -> bool:
    return any(pred(obj) for _, pred in SOURCES)


def extractors() -> dict:
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    return {MLPClassifier: None, MLPRegressor: None}


def convert(est, base=None, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0, **options) -> bytes:
    """A scikit-learn MLP (`base` is its supported class), or what claims()
    accepts, with the source's own `options` (e.g. quantize=, calibration=)."""
    name = type(est).__name__
    common.float32_features_only(name, "neural networks", feature_dtype, feature_scale, feature_offset,
                                 " (int8 networks come from quantize='int8' or an int8 .tflite file)")
    for module, pred in SOURCES:
        if pred(est):
            module = "quantize" if module == "keras" and options.get("quantize") is not None else module  # int8
            graph = importlib.import_module(f".{module}", __name__).to_graph(est, **options)
            break
    else:
        if options:
            raise UnsupportedEstimatorError(f"{name}: unknown options {', '.join(sorted(options))}")
        from . import sklearn_mlp
        graph = sklearn_mlp.to_graph(est, name)
    metadata = {"estimator": graph.name or name}
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        metadata["feature_names"] = [str(n) for n in names]
    return writer.encode(graph, metadata)


__all__ = ["claims", "convert", "extractors", "ir", "writer"]
