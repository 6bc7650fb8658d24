"""convert(): scikit-learn estimator -> microlearn Model, one module per family."""
from __future__ import annotations

from ..errors import UnsupportedEstimatorError
from ..model import Model
from . import trees


def _supported():
    return {cls: trees for cls in trees.extractors()}


def supported_estimators() -> list[str]:
    return sorted(cls.__name__ for cls in _supported())


def convert(estimator, *, feature_dtype: str = "float32", feature_scale=1.0,
            feature_offset=0.0) -> Model:
    """Converts a fitted scikit-learn estimator into a microlearn Model.

    feature_dtype: 'float32' (default) or 'int16' for chips without an FPU.
        With 'int16' the model takes q = round((x - feature_offset) * feature_scale)
        clamped to int16 (Model.quantize); see docs/trees.md. feature_scale and
        feature_offset are scalars or one value per feature.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    if isinstance(estimator, Pipeline):
        steps = [s for _, s in estimator.steps if s not in (None, "passthrough")]
        if len(steps) != 1:
            names = ", ".join(type(s).__name__ for s in steps[:-1])
            raise UnsupportedEstimatorError(
                f"Pipeline step(s) {names} cannot be converted yet: a Pipeline converts when "
                "every step is supported, and only tree ensembles are so far")
        estimator = steps[0]
    family = _supported().get(type(estimator))
    if family is None:
        raise UnsupportedEstimatorError(
            f"{type(estimator).__name__} is not supported. Supported estimators: "
            + ", ".join(supported_estimators()))
    check_is_fitted(estimator)
    data = family.convert(estimator, feature_dtype=feature_dtype, feature_scale=feature_scale,
                          feature_offset=feature_offset)
    return Model(data)
