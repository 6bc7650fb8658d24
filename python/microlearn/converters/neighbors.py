"""scikit-learn neighbour and centroid models -> .mlm (kind neighbors).

KNeighborsClassifier/Regressor, NearestCentroid, KMeans/MiniBatchKMeans and
LocalOutlierFactor(novelty=True) are all a set of stored points searched by
brute force (include/microlearn/neighbors.hpp): the training samples, the
class centroids or the cluster centres, with what each point stands for.
"""
from __future__ import annotations

import numpy as np

from .. import mlm
from ..errors import UnsupportedEstimatorError
from .common import int16_scale_and_offset

# Mirrors of include/microlearn/neighbors.hpp.
S_PARAMS, S_FLOAT_PARAMS, S_POINTS, S_LABELS, S_TARGETS, S_LOF, S_DISCRIMINANT = 1, 2, 3, 4, 5, 6, 7
TASK_REGRESSION, TASK_CLASSIFICATION, TASK_ANOMALY, TASK_CLUSTERING = 0, 1, 2, 3
KNEIGHBORS, NEAREST_CENTROID, KMEANS, LOF = 0, 1, 2, 3
METRICS = ("euclidean", "manhattan", "chebyshev", "minkowski", "cosine")
# scikit-learn's names for the same distances.
_ALIASES = {"l2": "euclidean", "cityblock": "manhattan", "l1": "manhattan", "infinity": "chebyshev"}
MAX_COUNT = 65535  # features, classes, outputs, k


def _metric(est) -> tuple[str, float]:
    """(metric, p) scikit-learn actually uses: effective_metric_ after fit
    (minkowski with p = 1, 2, inf is already manhattan / euclidean / chebyshev)."""
    name = type(est).__name__
    metric = getattr(est, "effective_metric_", None) or est.metric
    if callable(metric):
        raise UnsupportedEstimatorError(f"{name} with a callable metric: only euclidean, manhattan, "
                                        "chebyshev, minkowski (p >= 1) and cosine convert")
    params = {k: v for k, v in (getattr(est, "effective_metric_params_", None) or {}).items() if v is not None}
    metric = _ALIASES.get(metric, metric)
    p = float(params.pop("p", 2.0))
    if metric == "minkowski":
        if p == 1:
            metric = "manhattan"
        elif p == 2:
            metric = "euclidean"
        elif np.isinf(p):
            metric = "chebyshev"
        elif not 1 <= p <= 65536:
            raise UnsupportedEstimatorError(f"{name} with minkowski p={p}: p must lie in [1, 65536]")
    if metric not in METRICS:
        raise UnsupportedEstimatorError(f"{name} with metric={metric!r}: only euclidean, manhattan, chebyshev, "
                                        "minkowski and cosine convert")
    if params:
        raise UnsupportedEstimatorError(f"{name} with metric_params {sorted(params)}: only minkowski's p "
                                        "converts (no weights w)")
    return metric, (p if metric == "minkowski" else 2.0)


def _weights(est) -> int:
    w = est.weights
    if w not in ("uniform", "distance"):
        raise UnsupportedEstimatorError(f"{type(est).__name__} with weights={w!r}: only 'uniform' and "
                                        "'distance' convert")
    return int(w == "distance")


def _k(est, k: int, n_points: int) -> int:
    if not 1 <= k <= min(n_points, MAX_COUNT):
        raise UnsupportedEstimatorError(f"{type(est).__name__} with n_neighbors={k} over {n_points} samples: "
                                        f"k must lie in 1..min(n_samples, {MAX_COUNT})")
    return int(k)


def _fit_points(est) -> np.ndarray:
    """The training samples, dense (scikit-learn keeps a sparse matrix it was fitted on)."""
    X = est._fit_X
    return np.asarray(X.toarray() if hasattr(X, "toarray") else X, np.float64)


def kneighbors_classifier(est) -> dict:
    if getattr(est, "outputs_2d_", False):
        raise UnsupportedEstimatorError("KNeighborsClassifier fitted on several outputs (2-d y): "
                                        "fit one classifier per output")
    metric, p = _metric(est)
    X = _fit_points(est)
    return dict(points=X, metric=metric, p=p, estimator=KNEIGHBORS, task=TASK_CLASSIFICATION,
                k=_k(est, est.n_neighbors, len(X)), weights=_weights(est), classes=est.classes_,
                labels=np.asarray(est._y, np.int64))


def kneighbors_regressor(est) -> dict:
    metric, p = _metric(est)
    X = _fit_points(est)
    y = np.asarray(est._y, np.float64)
    return dict(points=X, metric=metric, p=p, estimator=KNEIGHBORS, task=TASK_REGRESSION,
                k=_k(est, est.n_neighbors, len(X)), weights=_weights(est), targets=y.reshape(len(X), -1),
                output_2d=y.ndim == 2)  # fitted on y of shape (n, 1): predict gives (n, 1), as scikit-learn's


def nearest_centroid(est) -> dict:
    metric, p = _metric(est)
    C = np.asarray(est.centroids_, np.float64)
    m = dict(points=C, metric=metric, p=p, estimator=NEAREST_CENTROID, task=TASK_CLASSIFICATION, k=1,
             weights=0, classes=est.classes_)
    # scikit-learn's discriminant, -d(x / s, c / s)^2 + 2 log prior: what its predict_proba and
    # decision_function use (euclidean only), and its predict when the priors are not uniform.
    n = len(est.classes_)
    prior = np.asarray(est.class_prior_, np.float64)
    uniform = bool(np.isclose(prior, 1 / n).all())  # scikit-learn's test in predict()
    if metric == "euclidean" or not uniform:
        s = np.asarray(est.within_class_std_dev_, np.float64)
        inv_s = 1 / np.where(s != 0, s, 1.0)
        with np.errstate(divide="ignore"):  # a zero prior: float32's lowest (its probability is 0)
            terms = np.full(n, 2 * np.log(1 / n)) if uniform else 2 * np.log(prior)
        terms = np.maximum(terms, float(np.finfo(np.float32).min))
        m["discriminant"] = np.concatenate([inv_s, terms])
    return m


def kmeans(est) -> dict:
    return dict(points=np.asarray(est.cluster_centers_, np.float64), metric="euclidean", p=2.0,
                estimator=KMEANS, task=TASK_CLUSTERING, k=1, weights=0)


def local_outlier_factor(est) -> dict:
    if not est.novelty:
        raise UnsupportedEstimatorError(
            "LocalOutlierFactor with novelty=False has no predict/score_samples for new data: "
            "fit it with novelty=True")
    metric, p = _metric(est)
    X = _fit_points(est)
    k = _k(est, est.n_neighbors_, len(X))
    lof = np.column_stack([np.asarray(est._distances_fit_X_, np.float64)[:, k - 1],
                           np.asarray(est._lrd, np.float64)])
    return dict(points=X, metric=metric, p=p, estimator=LOF, task=TASK_ANOMALY, k=k, weights=0, lof=lof,
                offset=float(est.offset_))


# ------------------------------------------------------------------ encoding

def _distances_fit_float32(points: np.ndarray, metric: str, p: float, k: int, estimator: str) -> None:
    """The engine ranks points by sum |x_i - y_i|^p in float32, the squared distance for euclidean
    (docs/neighbors.md). Refused where, for the stored points themselves, that sum leaves float32's
    range: twice the largest distance from a point to its k-th nearest other point overflows (rows
    that far from their neighbours would get inf distances; minkowski only: euclidean rows that far
    are refused when predicted), or the distances to nearest points (5th percentile; for euclidean
    over up to 256 of the points, evenly spaced) fall below float32's smallest normal number (their
    order, and the distance weights, would be lost: every row's neighbours would tie at 0)."""
    if len(points) < 2:
        return
    from sklearn.neighbors import NearestNeighbors
    f32 = np.finfo(np.float32)
    minkowski = metric == "minkowski"
    what = f"minkowski p={p:g}" if minkowski else "metric='euclidean'"
    smaller_p = ", or use a smaller p" if minkowski else " (e.g. a StandardScaler in a Pipeline)"
    n = min(k if minkowski else 1, len(points) - 1)
    points = np.asarray(points, np.float64)  # scikit-learn's float32 distances would underflow themselves
    queries = points if minkowski else points[::-(-len(points) // 256)]
    dist = NearestNeighbors(n_neighbors=n + 1, p=p).fit(points).kneighbors(queries)[0][:, 1:]  # not itself
    far = 2 * float(dist[:, -1].max())
    if minkowski and far > 0 and p * np.log(far) >= np.log(float(f32.max)):
        raise UnsupportedEstimatorError(
            f"{estimator} with {what}: stored points lie up to {far / 2:.3g} from their "
            f"k-th neighbour, and (2 x {far / 2:.3g})^{p:g} overflows float32; scale the features down"
            + smaller_p)
    near = dist[:, 0][dist[:, 0] > 0]
    small = float(np.percentile(near, 5)) if len(near) else 0.0
    if small > 0 and p * np.log(small) < np.log(float(f32.tiny)):
        raise UnsupportedEstimatorError(
            f"{estimator} with {what}: neighbouring stored points lie {small:.3g} apart, and "
            f"{small:.3g}^{p:g} is below float32's range; scale the features up" + smaller_p)


def _float32(name: str, values, estimator: str) -> np.ndarray:
    out = np.asarray(values, np.float64)
    with np.errstate(over="ignore"):
        f = out.astype(np.float32)
    if not np.all(np.isfinite(f)):
        raise UnsupportedEstimatorError(f"{estimator}: its {name} are not finite in float32")
    return f


def _scale_and_offset(feature_scale, feature_offset, d: int, estimator: str):
    """int16 storage: one scale for every feature (distances in integer units
    must be proportional to the float distances), an offset per feature."""
    scale, offset = int16_scale_and_offset(feature_scale, feature_offset, d)
    if np.any(scale != scale[0]):
        raise UnsupportedEstimatorError(
            f"{estimator} with feature_dtype='int16' and a different feature_scale per feature: neighbour "
            "distances need one scale for every feature (scale the features beforehand, e.g. a "
            "StandardScaler, and pass one feature_scale)")
    return scale, offset


def quantize(X, scale, offset) -> np.ndarray:
    """As microlearn.Model.quantize: round half away from zero, clamp to int16."""
    v = (np.asarray(X, np.float64) - offset) * scale
    return np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5), -32768, 32767).astype(np.int16)


def encode(m: dict, estimator: str, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0,
           metadata=None) -> bytes:
    points = m["points"]
    n_points, d = points.shape
    if d > MAX_COUNT:
        raise UnsupportedEstimatorError(f"{estimator} on {d:,} features: at most {MAX_COUNT:,}")
    metric = m["metric"]
    meta = dict(metadata or {})
    meta.update(estimator=estimator, feature_dtype=feature_dtype, metric=metric)
    if m.get("output_2d"):
        meta["output_2d"] = True
    distance_scale = 1.0
    if feature_dtype == "int16":
        if metric not in ("euclidean", "manhattan", "chebyshev"):
            raise UnsupportedEstimatorError(f"{estimator} with metric={metric!r} and feature_dtype='int16': "
                                            "int16 models take euclidean, manhattan or chebyshev distances")
        scale, offset = _scale_and_offset(feature_scale, feature_offset, d, estimator)
        stored = quantize(points, scale, offset)
        distance_scale = 1.0 / scale[0]
        meta["feature_scale"] = scale.tolist()
        meta["feature_offset"] = offset.tolist()
        ftype = 1
    elif feature_dtype == "float32":
        if np.any(np.asarray(feature_scale) != 1.0) or np.any(np.asarray(feature_offset) != 0.0):
            raise UnsupportedEstimatorError(f"{estimator}: feature_scale and feature_offset apply to "
                                            "feature_dtype='int16'; leave them at 1 and 0 for float32")
        if metric == "cosine":  # unit vectors: the engine computes 1 - x.y as |x - y|^2 / 2
            norms = np.linalg.norm(points, axis=1, keepdims=True)
            if np.any(norms == 0):
                raise UnsupportedEstimatorError(
                    f"{estimator} with metric='cosine' and an all-zero training sample (row "
                    f"{int(np.argmax(norms[:, 0] == 0))}): it has no direction; remove it")
            points = points / norms
        stored = _float32("stored points", points, estimator)
        if metric in ("minkowski", "euclidean"):
            _distances_fit_float32(stored, metric, m["p"], m["k"], estimator)
        ftype = 0
    else:
        raise ValueError(f"feature_dtype must be 'float32' or 'int16', not {feature_dtype!r}")

    classes = m.get("classes")
    n_classes = len(classes) if classes is not None else 0
    targets = m.get("targets")
    n_outputs = targets.shape[1] if targets is not None else 0
    if n_classes > MAX_COUNT or n_outputs > MAX_COUNT:
        raise UnsupportedEstimatorError(f"{estimator} with {max(n_classes, n_outputs):,} classes/outputs: "
                                        f"at most {MAX_COUNT:,}")
    params = np.array([d, n_points, n_classes, n_outputs, m["task"], m["estimator"], METRICS.index(metric),
                       m["weights"], m["k"], ftype], np.uint32)
    sections = {
        S_PARAMS: params,
        S_FLOAT_PARAMS: np.array([m["p"], distance_scale, m.get("offset", 0.0)], np.float32),
        S_POINTS: stored,
    }
    if "labels" in m:
        sections[S_LABELS] = m["labels"].astype(np.uint16)
    if targets is not None:
        sections[S_TARGETS] = _float32("targets", targets, estimator)
    if "lof" in m:
        sections[S_LOF] = _float32("k-distances and local reachability densities", m["lof"], estimator)
    if "discriminant" in m:
        inv_s = _float32("inverse within-class standard deviations", m["discriminant"][:d], estimator)
        sections[S_DISCRIMINANT] = np.concatenate([inv_s, _float32("log priors", m["discriminant"][d:], estimator)])
    if classes is not None:
        sections.update(mlm.class_label_sections(classes))
        meta.update(mlm.classes_metadata(classes))
    return mlm.write(mlm.KIND_NEIGHBORS, sections, metadata=meta)


# ----------------------------------------------------------------- dispatch

def extractors():
    """scikit-learn class -> function giving its stored points."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.neighbors import (KNeighborsClassifier, KNeighborsRegressor, LocalOutlierFactor,
                                   NearestCentroid)
    return {
        KNeighborsClassifier: kneighbors_classifier,
        KNeighborsRegressor: kneighbors_regressor,
        NearestCentroid: nearest_centroid,
        KMeans: kmeans,
        MiniBatchKMeans: kmeans,
        LocalOutlierFactor: local_outlier_factor,
    }


def convert(est, base=None, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0) -> bytes:
    """`base`: the scikit-learn class `est` converts as (itself, or the
    supported class of a subclass; microlearn.converters.resolve)."""
    m = extractors()[base or type(est)](est)
    meta = {}
    names = getattr(est, "feature_names_in_", None)  # fitted on a DataFrame
    if names is not None:
        meta["feature_names"] = [str(n) for n in names]
    return encode(m, type(est).__name__, feature_dtype, feature_scale, feature_offset, meta)
