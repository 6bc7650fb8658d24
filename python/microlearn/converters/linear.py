"""scikit-learn linear models -> .mlm (kind linear).

Every model is scores s = W x + b (include/microlearn/linear.hpp), then a
link: classifiers predict from s (s > 0 for two classes, argmax otherwise)
and, where scikit-learn has predict_proba, map s to probabilities (logistic,
softmax or SGDClassifier's modified_huber); regressors predict s, or exp(s)
for the log-link GLMs (PoissonRegressor, GammaRegressor, TweedieRegressor
with power > 0).

SGDClassifier / SGDRegressor fitted with options the device's partial_fit
offers also carry their SGD state (loss, learning rate, alpha, eta0, power_t,
t_), so the device can go on learning (docs/linear.md).
"""
from __future__ import annotations

import json

import numpy as np

from .. import mlm
from ..errors import UnsupportedEstimatorError
from .common import float32_features_only

# Mirrors of include/microlearn/linear.hpp.
S_PARAMS, S_WEIGHTS, S_INTERCEPTS, S_SGD_PARAMS, S_SGD_FLOATS = 1, 2, 3, 4, 5
TASK_REGRESSION, TASK_CLASSIFICATION = 0, 1
LINKS = ("identity", "logistic", "softmax", "modified_huber", "exp")
LOSSES = ("hinge", "log_loss", "squared_error", "modified_huber")
LEARNING_RATES = ("constant", "optimal", "invscaling")
MAX_FEATURES = 1 << 20
MAX_OUTPUTS = 65535
MAX_T = 1 << 24  # t_ is kept in float32: exact below 2^24

CLASSIFIERS = ("LogisticRegression", "LogisticRegressionCV", "LinearSVC", "SGDClassifier", "RidgeClassifier",
               "RidgeClassifierCV", "Perceptron", "PassiveAggressiveClassifier")
REGRESSORS = ("LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV",
              "MultiTaskLasso", "MultiTaskLassoCV", "MultiTaskElasticNet", "MultiTaskElasticNetCV",
              "HuberRegressor", "QuantileRegressor", "TheilSenRegressor", "SGDRegressor",
              "PassiveAggressiveRegressor", "Lars", "LarsCV", "LassoLars", "LassoLarsCV", "LassoLarsIC",
              "OrthogonalMatchingPursuit", "OrthogonalMatchingPursuitCV", "BayesianRidge", "ARDRegression",
              "LinearSVR", "PoissonRegressor", "GammaRegressor", "TweedieRegressor")


def _float32(name: str, values, estimator: str) -> np.ndarray:
    out = np.asarray(values, np.float64)
    with np.errstate(over="ignore"):
        f = out.astype(np.float32)
    if not np.all(np.isfinite(f)):
        raise UnsupportedEstimatorError(f"{estimator}: its {name} are not finite in float32 "
                                        f"(largest magnitude {np.max(np.abs(out)):.3g})")
    return f


def _coef(est) -> np.ndarray:
    coef = est.coef_
    if hasattr(coef, "toarray"):  # sparsify()'d
        coef = coef.toarray()
    return np.atleast_2d(np.asarray(coef, np.float64))


def _intercept(est, n_outputs: int) -> np.ndarray:
    b = np.asarray(getattr(est, "intercept_", 0.0), np.float64).reshape(-1)
    return np.broadcast_to(b, (n_outputs,)) if b.size == 1 else b


def classifier_link(est) -> str:
    name = type(est).__name__
    n_classes = len(est.classes_)
    if name in ("LogisticRegression", "LogisticRegressionCV"):
        ovr = getattr(est, "multi_class", "auto") == "ovr" or (
            getattr(est, "multi_class", "auto") == "auto" and getattr(est, "solver", "") == "liblinear")
        return "logistic" if n_classes == 2 or ovr else "softmax"
    if name == "SGDClassifier":
        return {"log_loss": "logistic", "modified_huber": "modified_huber"}.get(est.loss, "identity")
    return "identity"


def regressor_link(est) -> str:
    base_loss = getattr(est, "_base_loss", None)
    if base_loss is None:
        return "identity"
    link = type(base_loss.link).__name__
    if link == "IdentityLink":
        return "identity"
    if link == "LogLink":
        return "exp"
    raise UnsupportedEstimatorError(f"{type(est).__name__} with its {link}: only the identity and log links "
                                    "convert")


def sgd_state(est, n_classes: int):
    """(sgd_params, sgd_floats), or (None, reason) when the fitted SGD model
    uses options the device's partial_fit does not offer."""
    name = type(est).__name__
    if name not in ("SGDClassifier", "SGDRegressor"):
        return None, f"{name} does not learn by SGD"
    reasons = []
    if est.loss not in LOSSES or (est.loss == "squared_error") != (n_classes == 0):
        reasons.append(f"loss={est.loss!r}")
    if est.penalty != "l2":
        reasons.append(f"penalty={est.penalty!r}")
    if est.learning_rate not in LEARNING_RATES:
        reasons.append(f"learning_rate={est.learning_rate!r}")
    if est.average:
        reasons.append(f"average={est.average!r}")
    if getattr(est, "class_weight", None) is not None:
        reasons.append("class_weight")
    if est.learning_rate != "optimal" and not est.eta0 > 0:
        reasons.append(f"eta0={est.eta0!r}")
    if not 1 <= est.t_ < MAX_T:
        reasons.append(f"t_={est.t_} (at most 2^24 samples)")
    if reasons:
        return None, "partial_fit on the device does not offer " + ", ".join(reasons)
    params = np.array([LOSSES.index(est.loss), LEARNING_RATES.index(est.learning_rate),
                       int(bool(est.fit_intercept))], np.uint32)
    floats = np.array([est.alpha, est.eta0, est.power_t, est.t_], np.float32)
    return (params, floats), None


def encode(W, b, task: int, link: str, estimator: str, classes=None, sgd=None, metadata=None) -> bytes:
    W = np.atleast_2d(W)
    n_outputs, n_features = W.shape
    n_classes = 0 if classes is None else len(classes)
    params = np.array([n_features, n_outputs, n_classes, task, LINKS.index(link), 0], np.uint32)
    sections = {S_PARAMS: params, S_WEIGHTS: _float32("coefficients", W, estimator),
                S_INTERCEPTS: _float32("intercepts", b, estimator)}
    meta = dict(metadata or {})
    meta.update(estimator=estimator, feature_dtype="float32")
    if link != "identity":
        meta["link"] = link
    if sgd is not None:
        sections[S_SGD_PARAMS], sections[S_SGD_FLOATS] = sgd
    if classes is not None:
        sections.update(mlm.class_label_sections(classes))
        meta.update(mlm.classes_metadata(classes))
    return mlm.write(mlm.KIND_LINEAR, sections, metadata=meta)


def _sizes(name: str, n_features: int, n_outputs: int):
    if n_features > MAX_FEATURES:
        raise UnsupportedEstimatorError(f"{name} on {n_features:,} features: linear models take at most "
                                        f"{MAX_FEATURES:,}")
    if n_outputs > MAX_OUTPUTS:
        raise UnsupportedEstimatorError(f"{name} with {n_outputs:,} outputs: at most {MAX_OUTPUTS:,}")


def classifier(est, name: str, metadata: dict) -> bytes:
    W = _coef(est)
    classes = np.asarray(est.classes_)
    if getattr(getattr(est, "_label_binarizer", None), "y_type_", "").startswith("multilabel"):
        raise UnsupportedEstimatorError(  # RidgeClassifier(CV): predict gives one 0/1 column per label
            f"{name} fitted on multilabel targets (an indicator matrix y) is not supported: microlearn's "
            "classifiers predict one class per row (fit one classifier per label)")
    if len(classes) < 2:
        raise UnsupportedEstimatorError(f"{name} fitted on one class: nothing to predict")
    n_outputs = 1 if len(classes) == 2 else len(classes)
    if W.shape[0] != n_outputs:
        raise UnsupportedEstimatorError(f"{name}: coef_ has {W.shape[0]} rows for {len(classes)} classes")
    _sizes(name, W.shape[1], n_outputs)
    sgd, why = sgd_state(est, len(classes))
    if why and name == "SGDClassifier":
        metadata["not_trainable"] = why
    return encode(W, _intercept(est, n_outputs), TASK_CLASSIFICATION, classifier_link(est), name, classes,
                  sgd, metadata)


def regressor(est, name: str, metadata: dict) -> bytes:
    W = _coef(est)
    _sizes(name, W.shape[1], W.shape[0])
    link = regressor_link(est)
    sgd, why = sgd_state(est, 0)
    if why and name == "SGDRegressor":
        metadata["not_trainable"] = why
    return encode(W, _intercept(est, W.shape[0]), TASK_REGRESSION, link, name, None, sgd, metadata)


# ----------------------------------------------------------------- dispatch

def extractors():
    """scikit-learn class -> function giving the model's bytes."""
    import sklearn.linear_model as lm
    import sklearn.svm as svm
    table = {}
    for names, fn in ((CLASSIFIERS, classifier), (REGRESSORS, regressor)):
        for n in names:
            cls = getattr(lm, n, None) or getattr(svm, n, None)
            if cls is not None:  # PassiveAggressive* may leave scikit-learn
                table[cls] = fn
    return table


def convert(est, base=None, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0) -> bytes:
    """`base`: the scikit-learn class `est` converts as."""
    name = type(est).__name__
    float32_features_only(name, "linear models", feature_dtype, feature_scale, feature_offset)
    metadata = {}
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        metadata["feature_names"] = [str(n) for n in names]
    coef = getattr(est, "coef_", None)
    if not hasattr(est, "classes_") and coef is not None and np.ndim(coef) == 2 and np.shape(coef)[0] == 1:
        metadata["output_2d"] = True  # fitted on y of shape (n, 1): predict gives (n, 1), as scikit-learn's
    return extractors()[base or type(est)](est, name, metadata)


# ------------------------------------------------- learning from zeros

def new_model_metadata(n_classes: int) -> bytes:
    """The metadata a model created on the device carries (the device's glue
    writes these exact bytes): labels 0..n_classes-1."""
    meta = {"estimator": "SGDClassifier" if n_classes else "SGDRegressor", "feature_dtype": "float32"}
    if n_classes:
        meta.update(mlm.classes_metadata(np.arange(n_classes, dtype=np.int64)))
    return json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()


def new_model(n_features: int, n_classes: int = 0, loss: str | None = None, alpha: float = 1e-4,
              learning_rate: str | None = None, eta0: float | None = None, power_t: float | None = None,
              fit_intercept: bool = True) -> bytes:
    """A trainable model with zero weights: what the device's
    _linear.SGDClassifier(n_features, n_classes, ...) (n_classes >= 2, labels
    0..n-1) or _linear.SGDRegressor(n_features, ...) (n_classes 0) creates, with
    scikit-learn's defaults for each. Train it with microlearn._engine.LinearTrainer."""
    from .. import _engine
    regressor_ = n_classes == 0
    loss = loss or ("squared_error" if regressor_ else "hinge")
    learning_rate = learning_rate or ("invscaling" if regressor_ else "optimal")
    eta0 = 0.01 if eta0 is None else eta0
    power_t = (0.25 if regressor_ else 0.5) if power_t is None else power_t
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if learning_rate not in LEARNING_RATES:
        raise ValueError(f"learning_rate must be one of {LEARNING_RATES}, got {learning_rate!r}")
    return _engine.linear_create(n_features, n_classes, LOSSES.index(loss), LEARNING_RATES.index(learning_rate),
                                 fit_intercept, alpha, eta0, power_t, new_model_metadata(n_classes))
