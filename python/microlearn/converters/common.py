"""Checks every family's converter makes the same way."""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedEstimatorError


def _is_default(value, default: float) -> bool:
    try:
        return bool(np.all(np.asarray(value, np.float64) == default))
    except (TypeError, ValueError):
        return False


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
