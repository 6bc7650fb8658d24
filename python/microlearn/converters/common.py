"""Checks every family's converter makes the same way."""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedEstimatorError


def _is_default(value, default: float) -> bool:
    try:
        return bool(np.all(np.asarray(value, np.float64) == default))
    except (TypeError, ValueError):
        return False


def int16_scale_and_offset(feature_scale, feature_offset, n_features: int):
    """feature_scale and feature_offset of int16 features, each a scalar or
    one value per feature, as n_features float64 values: scales finite and
    > 0, offsets finite."""
    def per_feature(name, value):
        a = np.asarray(value, np.float64)
        if a.ndim > 1 or a.size not in (1, n_features):
            raise ValueError(f"{name} must be a scalar or one value per feature ({n_features}), got shape {a.shape}")
        return np.broadcast_to(a.reshape(-1), (n_features,))
    scale, offset = per_feature("feature_scale", feature_scale), per_feature("feature_offset", feature_offset)
    if not (np.all(np.isfinite(scale)) and np.all(scale > 0) and np.all(np.isfinite(offset))):
        raise ValueError("feature_scale must be finite and > 0, feature_offset finite")
    return scale, offset


def float32_features_only(name: str, family: str, feature_dtype, feature_scale, feature_offset,
                          why: str = "") -> None:
    """Refuses int16 options for a family that takes float32 features only,
    naming the estimator (`family`: e.g. "SVMs", plural)."""
    if feature_dtype != "float32":
        raise UnsupportedEstimatorError(
            f"{name} with feature_dtype={feature_dtype!r}: {family} take float32 features only" + why)
    if not _is_default(feature_scale, 1.0) or not _is_default(feature_offset, 0.0):
        raise UnsupportedEstimatorError(
            f"{name}: feature_scale and feature_offset apply to int16 features, which {family} do not take; "
            "leave them at 1 and 0")
