"""scikit-learn MLPClassifier / MLPRegressor -> ir.Graph.

Each layer is a FULLY_CONNECTED op (weights transposed to TFLite's (out, in)),
relu fused into it, logistic and tanh as their own ops; the output
activation as scikit-learn's: softmax (multi-class), logistic (binary: one
unit, class 1 when p > 0.5, as scikit-learn's LabelBinarizer), identity
(regression, multi-output too).
"""
from __future__ import annotations

import numpy as np

from ...errors import UnsupportedEstimatorError
from . import ir

ACTIVATIONS = {"identity": None, "logistic": "LOGISTIC", "tanh": "TANH", "relu": "RELU"}


def to_graph(est, name: str) -> ir.Graph:
    hidden = est.activation
    if hidden not in ACTIVATIONS:
        raise UnsupportedEstimatorError(f"{name} with activation={hidden!r}: supported are "
                                        f"{', '.join(ACTIVATIONS)}")
    out_act = est.out_activation_
    classifier = hasattr(est, "classes_")
    if classifier and len(est.classes_) < 2:
        raise UnsupportedEstimatorError(f"{name} was fitted on one class ({est.classes_.tolist()[0]!r}): "
                                        "a classifier needs at least two")
    if classifier and out_act == "logistic" and len(est.classes_) != 2 or getattr(est, "_label_binarizer", None) \
            is not None and getattr(est._label_binarizer, "y_type_", "") == "multilabel-indicator":
        raise UnsupportedEstimatorError(f"{name} fitted on multilabel targets (an indicator matrix y) is not "
                                        "supported: microlearn's classifiers predict one class per row")
    if out_act not in ("softmax", "logistic", "identity"):
        raise UnsupportedEstimatorError(f"{name} with output activation {out_act!r} is not supported")
    tensors = {"x": ir.Tensor("x", (int(est.n_features_in_),))}
    ops = []
    prev = "x"
    n_layers = len(est.coefs_)
    for k, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        last = k == n_layers - 1
        act = out_act if last else hidden
        w_name, b_name, y_name = f"W{k}", f"b{k}", f"h{k}"
        tensors[w_name] = ir.Tensor(w_name, (W.shape[1], W.shape[0]), data=np.asarray(W.T, np.float32))
        tensors[b_name] = ir.Tensor(b_name, (W.shape[1],), data=np.asarray(b, np.float32))
        tensors[y_name] = ir.Tensor(y_name, (W.shape[1],))
        where = f"layer {k} ({W.shape[0]} -> {W.shape[1]})"
        ops.append(ir.Op("FULLY_CONNECTED", [prev, w_name, b_name], [y_name],
                         {"activation": "relu" if act == "relu" else "none"}, where))
        prev = y_name
        kind = {"softmax": "SOFTMAX", "logistic": "LOGISTIC", "tanh": "TANH"}.get(act)
        if kind is not None:
            a_name = f"a{k}"
            tensors[a_name] = ir.Tensor(a_name, (W.shape[1],))
            ops.append(ir.Op(kind, [prev], [a_name], {"beta": 1.0} if kind == "SOFTMAX" else {}, where))
            prev = a_name
    g = ir.Graph(tensors, ops, ["x"], [prev], task="classification" if classifier else "regression",
                 classes=np.asarray(est.classes_) if classifier else None, binary_threshold=0.5, name=name)
    return g
