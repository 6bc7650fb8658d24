"""scikit-learn kernel SVMs -> .mlm (kind svm).

SVC, NuSVC, SVR, NuSVR and OneClassSVM are libsvm models: support vectors
(stored once, grouped by class), a kernel, dual coefficients and intercepts
(include/microlearn/svm.hpp). The coefficients are taken in libsvm's own
signs (scikit-learn's _dual_coef_ / _intercept_, which differ from the public
dual_coef_ / intercept_ of binary classifiers), so that one rule, "d_ij > 0
votes for class i", holds for every number of classes, as in libsvm.
"""
from __future__ import annotations

import numpy as np

from .. import mlm
from ..errors import UnsupportedEstimatorError
from .common import float32_features_only

# Mirrors of include/microlearn/svm.hpp.
S_PARAMS, S_FLOAT_PARAMS, S_SUPPORT_VECTORS, S_N_SUPPORT, S_DUAL_COEF, S_INTERCEPTS, S_PROB_A, S_PROB_B = range(1, 9)
TASK_REGRESSION, TASK_CLASSIFICATION, TASK_ANOMALY = 0, 1, 2
KERNELS = ("linear", "poly", "rbf", "sigmoid")
MAX_FEATURES = 65535
MAX_CLASSES = 4096


def _dense(a) -> np.ndarray:
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a, np.float64)


def _float32(name: str, values, estimator: str) -> np.ndarray:
    out = np.asarray(values, np.float64)
    with np.errstate(over="ignore"):
        f = out.astype(np.float32)
    if not np.all(np.isfinite(f)):
        raise UnsupportedEstimatorError(f"{estimator}: its {name} are not finite in float32 "
                                        f"(largest magnitude {np.max(np.abs(out)):.3g})")
    return f


def _kernel(est, name: str) -> int:
    kernel = est.kernel
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise UnsupportedEstimatorError(
            f"{name} with kernel={kernel!r}: microlearn converts the kernels {', '.join(KERNELS)} "
            "(a precomputed or callable kernel needs the training data or Python code at prediction)")
    if kernel == "poly" and (int(est.degree) != est.degree or not 0 <= est.degree < 2**31):
        raise UnsupportedEstimatorError(f"{name} with degree={est.degree!r}: the poly kernel takes a whole "
                                        "degree >= 0")
    return KERNELS.index(kernel)


def encode(est, base, name: str) -> bytes:
    from sklearn.svm import OneClassSVM, SVR, NuSVR
    task = (TASK_REGRESSION if issubclass(base, (SVR, NuSVR))
            else TASK_ANOMALY if issubclass(base, OneClassSVM) else TASK_CLASSIFICATION)
    kernel = _kernel(est, name)
    sv = _dense(est.support_vectors_)
    coef = _dense(est._dual_coef_)
    n_sv, d = sv.shape
    if n_sv == 0 and task == TASK_REGRESSION:
        # Every target within epsilon of the intercept: scikit-learn predicts the intercept. The engine
        # needs one vector: a zero one with coefficient 0 adds exactly 0 for every kernel.
        sv, coef, n_sv = np.zeros((1, d)), np.zeros((1, 1)), 1
    if n_sv == 0:
        raise UnsupportedEstimatorError(f"{name} has no support vectors (fit did not converge to a model)")
    intercepts = np.asarray(est._intercept_, np.float64).reshape(-1)
    classifier = task == TASK_CLASSIFICATION
    classes = est.classes_ if classifier else None
    k = len(classes) if classifier else 0
    if k > MAX_CLASSES:
        raise UnsupportedEstimatorError(f"{name} with {k} classes: SVMs take at most {MAX_CLASSES}")
    ovr = classifier and est.decision_function_shape == "ovr"
    break_ties = classifier and bool(est.break_ties)
    if break_ties and not ovr:
        raise UnsupportedEstimatorError(
            f"{name} with break_ties=True and decision_function_shape='ovo': scikit-learn refuses to "
            "predict with these; use decision_function_shape='ovr'")
    # Fitted with probability=True: Platt parameters exist (the parameter's
    # default is a deprecation marker since scikit-learn 1.9, not a bool).
    probability = classifier and np.size(est._probA) > 0
    params = np.array([d, n_sv, k, task, kernel, int(est.degree) if kernel == 1 else 0, ovr, break_ties,
                       probability, 0], np.uint32)
    sections = {
        S_PARAMS: params,
        S_FLOAT_PARAMS: _float32("kernel parameters (gamma, coef0)", [est._gamma, est.coef0], name),
        S_SUPPORT_VECTORS: _float32("support vectors", sv, name),
        S_DUAL_COEF: _float32("dual coefficients", coef, name),
        S_INTERCEPTS: _float32("intercepts", intercepts, name),
    }
    meta = {"estimator": name, "feature_dtype": "float32", "kernel": KERNELS[kernel]}
    if classifier:
        sections[S_N_SUPPORT] = np.asarray(est._n_support, np.uint32)
        if probability:
            sections[S_PROB_A] = _float32("Platt scaling slopes (probA_)", est._probA, name)
            sections[S_PROB_B] = _float32("Platt scaling offsets (probB_)", est._probB, name)
        sections.update(mlm.class_label_sections(classes))
        meta.update(mlm.classes_metadata(classes))
        meta["decision_function_shape"] = "ovr" if ovr else "ovo"
    names = getattr(est, "feature_names_in_", None)  # fitted on a DataFrame
    if names is not None:
        meta["feature_names"] = [str(n) for n in names]
    return mlm.write(mlm.KIND_SVM, sections, metadata=meta)


# ----------------------------------------------------------------- dispatch

def extractors():
    """scikit-learn class -> function encoding it."""
    from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
    return {cls: encode for cls in (SVC, NuSVC, SVR, NuSVR, OneClassSVM)}


def convert(est, base=None, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0) -> bytes:
    """`base`: the scikit-learn class `est` converts as (itself, or the
    supported class of a subclass; microlearn.converters.resolve)."""
    name = type(est).__name__
    float32_features_only(name, "SVMs", feature_dtype, feature_scale, feature_offset)
    _kernel(est, name)  # first: a callable kernel's model has no n_features_in_
    if est.n_features_in_ > MAX_FEATURES:
        raise UnsupportedEstimatorError(f"{name} on {est.n_features_in_:,} features: SVMs take at most "
                                        f"{MAX_FEATURES:,}")
    base = base or type(est)
    return extractors()[base](est, base, name)
