"""Preprocessing stored in the model file: a scikit-learn Pipeline's
transformers as a chain of steps (include/microlearn/preprocess.hpp,
docs/preprocessing.md) that the host Model and the device apply to the raw
features before the family's engine.

chain(transformers, n_features) gives the steps; attach(data, steps, ...)
adds them to a family converter's file (so family converters need not know
about Pipelines).
"""
from __future__ import annotations

import numpy as np

from .. import mlm
from ..errors import UnsupportedEstimatorError

# Step ops: include/microlearn/preprocess.hpp, preprocess::Op.
AFFINE, SELECT, PROJECT, NORMALIZE, POLY2 = 1, 2, 3, 4, 5
_NORMS = {"l1": 0, "l2": 1, "max": 2}

_SELECTORS = ("VarianceThreshold", "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe",
              "GenericUnivariateSelect", "SelectFromModel", "RFE", "RFECV", "SequentialFeatureSelector")
_SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
SUPPORTED = _SCALERS + ("Normalizer", "PCA", "TruncatedSVD", "PolynomialFeatures", "ColumnTransformer") + _SELECTORS


class Step:
    """One step of the chain: op, widths, arg, and its float parameters or
    column indices."""

    def __init__(self, op, n_in, n_out, arg=0, params=None, indices=None):
        self.op, self.n_in, self.n_out, self.arg = op, int(n_in), int(n_out), int(arg)
        self.params = None if params is None else np.asarray(params, np.float64).ravel()
        self.indices = None if indices is None else np.asarray(indices, np.int64).ravel()


def _affine(n, center, scale) -> Step:
    """(x - center) * scale, per feature."""
    center = np.zeros(n) if center is None else np.broadcast_to(np.asarray(center, np.float64), (n,))
    scale = np.ones(n) if scale is None else np.broadcast_to(np.asarray(scale, np.float64), (n,))
    return Step(AFFINE, n, n, 0, np.concatenate([center, scale]))


def _reciprocal(scale):
    return None if scale is None else 1.0 / np.asarray(scale, np.float64)


def _column_transformer(ct, n: int) -> list[Step]:
    """A ColumnTransformer of scalers, 'passthrough' and 'drop' on numeric
    columns: the output's columns selected in order, then one affine step
    (none when every column passes through)."""
    width = max((sl.stop for sl in ct.output_indices_.values()), default=0)
    if width == 0:
        raise UnsupportedEstimatorError("the ColumnTransformer drops every column")
    index, center, scale = np.zeros(width, np.int64), np.zeros(width), np.ones(width)
    for name, t, _ in ct.transformers_:
        out = ct.output_indices_[name]
        if isinstance(t, str) and t == "drop" or out.stop == out.start:
            continue
        identity = type(t).__name__ == "FunctionTransformer" and t.func is None  # 'passthrough'
        if not identity and (type(t).__name__ not in _SCALERS or not _exact_class(t)):
            raise UnsupportedEstimatorError(
                f"ColumnTransformer part {name!r}: {type(t).__name__} is not supported there (its parts may be "
                f"{', '.join(_SCALERS)}, 'passthrough' or 'drop')")
        cols = np.asarray(ct._transformer_to_input_indices[name], np.int64)
        index[out] = cols
        if identity:
            continue
        step = _step(t, len(cols))
        center[out], scale[out] = step.params[:len(cols)], step.params[len(cols):]
    steps = [Step(SELECT, n, width, 0, indices=index)]
    if np.any(center != 0) or np.any(scale != 1):
        steps.append(_affine(width, center, scale))
    return steps


def _step(t, n: int) -> Step:
    """The step of fitted transformer `t` taking n features."""
    name = type(t).__name__
    if name == "StandardScaler":
        return _affine(n, t.mean_ if t.with_mean else None, _reciprocal(t.scale_) if t.with_std else None)
    if name == "MinMaxScaler":
        if t.clip:
            raise UnsupportedEstimatorError("MinMaxScaler(clip=True) is not supported: use clip=False")
        # scikit-learn: x * scale_ + min_ = (x - (-min_ / scale_)) * scale_ (scale_ is never 0).
        return _affine(n, -np.asarray(t.min_) / np.asarray(t.scale_), t.scale_)
    if name == "MaxAbsScaler":
        return _affine(n, None, _reciprocal(t.scale_))
    if name == "RobustScaler":
        return _affine(n, t.center_ if t.with_centering else None, _reciprocal(t.scale_) if t.with_scaling else None)
    if name == "Normalizer":
        if t.norm not in _NORMS:
            raise UnsupportedEstimatorError(f"Normalizer(norm={t.norm!r}) is not supported: use 'l1', 'l2' or 'max'")
        return Step(NORMALIZE, n, n, _NORMS[t.norm])
    if name in ("PCA", "TruncatedSVD"):
        W = np.asarray(t.components_, np.float64)
        if name == "PCA" and t.whiten:  # as scikit-learn: variances below eps clipped
            scale = np.sqrt(np.asarray(t.explained_variance_, np.float64))
            W = W / np.maximum(scale, np.finfo(scale.dtype).eps)[:, None]
        if name == "PCA":
            return Step(PROJECT, n, W.shape[0], 1, np.concatenate([np.asarray(t.mean_, np.float64), W.ravel()]))
        return Step(PROJECT, n, W.shape[0], 0, W)
    if name == "PolynomialFeatures":
        if t.degree != 2:
            raise UnsupportedEstimatorError(
                f"PolynomialFeatures(degree={t.degree!r}) is not supported: only degree=2")
        arg = int(bool(t.include_bias)) | (2 if t.interaction_only else 0)
        return Step(POLY2, n, t.n_output_features_, arg)
    if name in _SELECTORS:
        return Step(SELECT, n, int(np.sum(t.get_support())), 0, indices=t.get_support(indices=True))
    raise UnsupportedEstimatorError(
        f"Pipeline step {name} is not supported. Supported preprocessing steps: {', '.join(SUPPORTED)}")


def is_transformer(t) -> bool:
    """True for one of the supported preprocessing classes."""
    return type(t).__name__ in SUPPORTED


def _exact_class(t) -> bool:
    """True when t is one of the supported scikit-learn classes itself (a
    subclass could transform differently)."""
    name = type(t).__name__
    return name in SUPPORTED and type(t).__module__.startswith("sklearn.")


def chain(transformers, n_features: int) -> list[Step]:
    """Steps for fitted transformers applied in order to n_features raw features."""
    from sklearn.utils.validation import check_is_fitted
    steps = []
    for t in transformers:
        if not _exact_class(t):
            raise UnsupportedEstimatorError(
                f"Pipeline step {type(t).__name__} is not supported. Supported preprocessing steps: "
                f"{', '.join(SUPPORTED)}")
        check_is_fitted(t)
        n_in = getattr(t, "n_features_in_", n_features)
        if n_in != n_features:
            raise UnsupportedEstimatorError(
                f"Pipeline step {type(t).__name__} takes {n_in} features but the step before gives {n_features}")
        for s in (_column_transformer(t, n_features) if type(t).__name__ == "ColumnTransformer"
                  else [_step(t, n_features)]):
            if s.params is not None and not np.all(np.isfinite(s.params.astype(np.float32))):
                raise UnsupportedEstimatorError(
                    f"Pipeline step {type(t).__name__} has parameters that are not finite in float32 "
                    "(e.g. a scale below 1e-38)")
            steps.append(s)
            n_features = s.n_out
    return steps


def sections(steps: list[Step]) -> dict:
    """The container sections of a chain (docs/model-format.md)."""
    table, params, indices = [], [], []
    for s in steps:
        if s.indices is not None:
            offset = sum(len(i) for i in indices)
            indices.append(s.indices)
        elif s.params is not None:
            offset = sum(len(p) for p in params)
            params.append(s.params)
        else:
            offset = 0
        table.append([s.op, s.n_in, s.n_out, s.arg, offset])
    out = {mlm.SECTION_PREPROCESS_STEPS: np.asarray(table, "<u4")}
    if params:
        out[mlm.SECTION_PREPROCESS_PARAMS] = np.concatenate(params).astype("<f4")
    if indices:
        out[mlm.SECTION_PREPROCESS_INDICES] = np.concatenate(indices).astype("<u4")
    return out


def attach(data: bytes, steps: list[Step], names: list[str], feature_names=None) -> bytes:
    """A family converter's file with the chain's sections added; the
    metadata names the Pipeline's steps (and the raw features)."""
    header = mlm.read_header(data)
    found = {sid: np.array(a) for sid, a in mlm.read_sections(data).items()}
    metadata = mlm.read_metadata(data)
    found.pop(mlm.SECTION_METADATA, None)
    found.update(sections(steps))
    metadata["estimator"] = f"Pipeline({', '.join(names)})"
    metadata["preprocessing"] = names[:-1]
    metadata.pop("feature_names", None)
    if feature_names is not None:
        metadata["feature_names"] = [str(c) for c in feature_names]
    return mlm.write(header.kind, found, metadata, header.flags)
