"""convert(): scikit-learn estimator -> microlearn Model, one module per family.

Each family's converter module (listed in microlearn.families) has
`extractors()`, the scikit-learn classes it converts, and
`convert(estimator, **options) -> bytes`.
"""
from __future__ import annotations

import importlib
import os

from ..errors import UnsupportedEstimatorError
from ..families import FAMILIES
from ..model import Model
from . import preprocess

# Methods whose override in a subclass could change what the estimator
# predicts: such subclasses are refused, others convert as their base class.
_PREDICTION_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function",
                       "score_samples", "transform", "_raw_predict", "_raw_predict_init",
                       "_decision_function", "_compute_chunked_score_samples", "_compute_score_samples")


def _supported() -> dict:
    """scikit-learn class -> converter module, over every family."""
    table = {}
    for family in FAMILIES.values():
        module = importlib.import_module(f".{family.converter}", __name__)
        table.update({cls: module for cls in module.extractors()})
    return table


def supported_estimators() -> list[str]:
    return sorted(cls.__name__ for cls in _supported())


def _unsupported(estimator) -> UnsupportedEstimatorError:
    name = type(estimator).__name__
    if hasattr(estimator, "best_estimator_"):  # GridSearchCV, RandomizedSearchCV, ...
        return UnsupportedEstimatorError(
            f"{name} is a search over estimators, not one: convert the one it chose, "
            f"microlearn.convert(search.best_estimator_)")
    if isinstance(estimator, (str, bytes, bytearray, memoryview, os.PathLike)):
        return UnsupportedEstimatorError(
            f"convert() got a {name}, not an estimator: it reads .tflite files (a path ending in .tflite, or "
            "their bytes) itself; load anything else first (joblib.load(path), "
            "keras.models.load_model(path)) and pass the object")
    if preprocess.is_transformer(estimator):
        return UnsupportedEstimatorError(
            f"{name} is a preprocessing step, not a model: put it in a Pipeline that ends in a supported "
            f"estimator (e.g. make_pipeline({name}(), SVC())) and convert that (preprocessing-only "
            "Pipelines are not supported)")
    if name == "CalibratedClassifierCV":
        return UnsupportedEstimatorError(
            "CalibratedClassifierCV is not supported: its calibration maps would be lost. Convert the "
            "uncalibrated estimator (e.g. the one you passed as `estimator`) instead")
    return UnsupportedEstimatorError(
        f"{name} is not supported. Supported estimators: " + ", ".join(supported_estimators()))


def resolve(estimator):
    """(converter module, the supported class `estimator` converts as).

    A subclass of a supported estimator converts as its base when it does not
    override how the base predicts (e.g. imbalanced-learn's balanced forests,
    which change only fit()); otherwise it is refused, naming the method."""
    table = _supported()
    for base in type(estimator).__mro__:
        if base in table:
            break
    else:
        raise _unsupported(estimator)
    for cls in type(estimator).__mro__:
        if cls is base:
            break
        changed = [m for m in _PREDICTION_METHODS if m in vars(cls)]
        if changed:
            raise UnsupportedEstimatorError(
                f"{type(estimator).__name__} subclasses {base.__name__} but overrides {', '.join(changed)}, "
                f"so it may predict differently: only subclasses that keep {base.__name__}'s prediction "
                "convert")
    return table[base], base


def _claimed(estimator):
    """The converter module whose claims(obj) accepts `estimator` (objects that
    are not scikit-learn estimators: a Keras model, a .tflite path or bytes),
    or None."""
    for family in FAMILIES.values():
        module = importlib.import_module(f".{family.converter}", __name__)
        if hasattr(module, "claims") and module.claims(estimator):
            return module
    return None


def convert(estimator, *, feature_dtype: str = "float32", feature_scale=1.0,
            feature_offset=0.0, **options) -> Model:
    """Converts a fitted scikit-learn estimator into a microlearn Model.

    feature_dtype: 'float32' (default) or 'int16' for chips without an FPU
        (tree ensembles). With 'int16' the model takes
        q = round((x - feature_offset) * feature_scale) clamped to int16
        (Model.quantize); see docs/trees.md. feature_scale and feature_offset
        are scalars or one value per feature.
    options: what a claiming converter takes (neural networks from Keras or
        .tflite: quantize=, calibration=; docs/neural.md), or the family's
        converter (tree ensembles: layout='auto'/'packed'/'refs'; docs/trees.md).
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    claimed = _claimed(estimator)  # options (quantize=, calibration=, ...) go to the claiming converter
    if claimed is not None:
        return Model(claimed.convert(estimator, feature_dtype=feature_dtype, feature_scale=feature_scale,
                                     feature_offset=feature_offset, **options))
    transformers, names, feature_names = [], [], None
    if isinstance(estimator, Pipeline):
        transformers, names, feature_names = _pipeline_steps(estimator)
        estimator = transformers.pop()
    module, base = resolve(estimator)
    unknown = set(options) - set(getattr(module, "OPTIONS", ()))  # a family's own (trees: layout=)
    if unknown:
        raise TypeError(f"convert() got options {', '.join(sorted(unknown))} that {type(estimator).__name__} "
                        "does not take")
    try:
        check_is_fitted(estimator)
    except TypeError:  # not a scikit-learn estimator (a booster library's own Booster): fitted by nature
        pass
    steps = []
    if transformers:
        if feature_dtype != "float32":
            raise UnsupportedEstimatorError(
                f"feature_dtype={feature_dtype!r} with preprocessing steps ({', '.join(names[:-1])}) is not "
                "supported: a Pipeline's preprocessing runs in float32 (use feature_dtype='float32')")
        steps = preprocess.chain(transformers, transformers[0].n_features_in_)
    data = module.convert(estimator, base=base, feature_dtype=feature_dtype, feature_scale=feature_scale,
                          feature_offset=feature_offset, **options)
    if steps:
        data = preprocess.attach(data, steps, names, feature_names)
    return Model(data)


def _pipeline_steps(pipeline):
    """(the steps in order, nested Pipelines flattened and 'passthrough'
    dropped; their class names; the Pipeline's feature names or None)."""
    from sklearn.pipeline import Pipeline

    steps = []

    def walk(p):
        for _, s in p.steps:
            if isinstance(s, Pipeline):
                walk(s)
            elif s is not None and not (isinstance(s, str) and s == "passthrough"):
                steps.append(s)

    walk(pipeline)
    if not steps:
        raise UnsupportedEstimatorError("the Pipeline has no steps to convert (all are 'passthrough')")
    if preprocess.is_transformer(steps[-1]):
        raise UnsupportedEstimatorError(
            f"the Pipeline ends in {type(steps[-1]).__name__}, a transformer: a Pipeline converts when it ends "
            "in a supported estimator (preprocessing-only Pipelines are not supported)")
    return steps, [type(s).__name__ for s in steps], getattr(pipeline, "feature_names_in_", None)
