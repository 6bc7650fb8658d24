"""Neighbours and centroids on the host engine against scikit-learn
(docs/neighbors.md states the tolerances tested here).

The engine computes float32 distances directly; scikit-learn in float64 (for
euclidean via ||x||^2 - 2 x.y + ||y||^2). Where the k-th and (k+1)-th
nearest distances are closer than float32 rounding ("boundary near-ties") the
two may pick different neighbours; everywhere else the neighbour sets, and so
the predictions, must be the same. Exact ties keep the lower index (checked
against a stable sort of exact distances)."""
import numpy as np
import pytest
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import load_iris, make_blobs, make_classification, make_regression
from sklearn.neighbors import (KNeighborsClassifier, KNeighborsRegressor, LocalOutlierFactor, NearestCentroid,
                               RadiusNeighborsClassifier)

import microlearn
from microlearn.errors import UnsupportedEstimatorError

METRICS = [("euclidean", {}), ("manhattan", {}), ("chebyshev", {}), ("cosine", {}),
           ("minkowski", {"p": 3}), ("minkowski", {"p": 1.5})]
RTOL_TIE = 1e-5  # distances closer than this (relative) count as near-ties


def exact_distances(P, Q, metric, p=2.0):
    """float64 distances (n_queries, n_points) of float32 data."""
    P, Q = np.asarray(P, np.float64), np.asarray(Q, np.float64)
    if metric == "cosine":
        def unit(A):
            n = np.linalg.norm(A, axis=1, keepdims=True)
            return A / np.where(n == 0, 1, n)
        return np.clip(1 - unit(Q) @ unit(P).T, 0, 2)
    D = np.abs(Q[:, None, :] - P[None, :, :])
    if metric == "euclidean":
        return np.sqrt((D ** 2).sum(-1))
    if metric == "manhattan":
        return D.sum(-1)
    if metric == "chebyshev":
        return D.max(-1)
    return (D ** p).sum(-1) ** (1 / p)


def stable_neighbors(dist, k):
    """The k nearest by a stable sort: exact ties keep the lower index."""
    return np.argsort(dist, axis=1, kind="stable")[:, :k]


def clear_rows(dist, k):
    """Rows whose k-th and (k+1)-th nearest distances are not near-tied."""
    if dist.shape[1] <= k:
        return np.ones(len(dist), bool)
    s = np.sort(dist, axis=1)
    return (s[:, k] - s[:, k - 1]) > RTOL_TIE * np.maximum(s[:, k], 1e-30)


def split(X, y, seed, n_test=120):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(X))
    X = X.astype(np.float32)
    return X[idx[n_test:]], None if y is None else y[idx[n_test:]], X[idx[:n_test]]


def metric_kw(metric, extra):
    return dict(metric=metric, **({"p": extra["p"]} if "p" in extra else {}))


# ------------------------------------------------------------ classifier

@pytest.mark.parametrize("metric,extra", METRICS)
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("seed,shape,k", [(0, (400, 5, 3), 5), (1, (300, 12, 2), 1), (2, (500, 3, 6), 8)])
def test_classifier_matches_sklearn(metric, extra, weights, seed, shape, k):
    n, d, n_classes = shape
    X, y = make_classification(n, d, n_informative=min(d, 3), n_redundant=0, n_classes=n_classes,
                               n_clusters_per_class=1, random_state=seed)
    Xtr, ytr, Xte = split(X, y, seed)
    est = KNeighborsClassifier(k, weights=weights, algorithm="brute", **metric_kw(metric, extra)).fit(Xtr, ytr)
    model = microlearn.convert(est)
    dist = exact_distances(Xtr, Xte, metric, extra.get("p", 2))
    ok = clear_rows(dist, k)
    assert ok.mean() > 0.9  # continuous data: near-ties are rare, the comparison is not vacuous
    np.testing.assert_array_equal(model.predict(Xte)[ok], est.predict(Xte)[ok])
    proba = model.predict_proba(Xte)
    np.testing.assert_allclose(proba[ok], reference_proba(dist, k, ytr, weights, n_classes)[ok], rtol=1e-5,
                               atol=1e-6)
    # scikit-learn computes cosine distances of float32 data in float32 as
    # 1 - cos: near neighbours lose digits (the engine's |x - y|^2 / 2 does not)
    loose = metric == "cosine" and weights == "distance"
    np.testing.assert_allclose(proba[ok], est.predict_proba(Xte)[ok], rtol=1e-5, atol=1e-4 if loose else 1e-6)
    _, idx = model._engine.kneighbors(Xte)
    np.testing.assert_array_equal(np.sort(idx[ok], 1), np.sort(stable_neighbors(dist, k)[ok], 1))


def reference_proba(dist, k, y, weights, n_classes):
    """scikit-learn's vote shares from exact float64 distances."""
    idx = stable_neighbors(dist, k)
    d = np.take_along_axis(dist, idx, 1)
    if weights == "uniform":
        w = np.ones_like(d)
    else:
        with np.errstate(divide="ignore"):
            w = 1 / d
        zero = np.isinf(w).any(1)
        w[zero] = np.isinf(w[zero])
    out = np.zeros((len(d), n_classes))
    for j in range(k):
        out[np.arange(len(d)), y[idx[:, j]]] += w[:, j]
    return out / out.sum(1, keepdims=True)


@pytest.mark.parametrize("metric,extra", METRICS)
def test_kneighbors_distances(metric, extra):
    X, _ = make_blobs(300, 6, centers=4, random_state=3)
    Xtr, _, Xte = split(X, None, 3)
    est = KNeighborsClassifier(7, algorithm="brute", **metric_kw(metric, extra)).fit(Xtr, np.arange(len(Xtr)) % 3)
    d, i = microlearn.convert(est)._engine.kneighbors(Xte)
    want, _ = est.kneighbors(Xte)
    scale = np.abs(Xte).max() if metric != "cosine" else 1.0
    np.testing.assert_allclose(d, want, rtol=2e-5, atol=1e-5 * scale)
    assert np.all(np.diff(d, axis=1) >= 0)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev"])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_exact_ties_keep_the_lower_index(metric, k):
    # Small integers: every distance is exact in float32 and ties abound.
    rng = np.random.default_rng(k)
    X = rng.integers(0, 3, size=(80, 3)).astype(np.float32)
    y = rng.integers(0, 4, 80)
    Q = rng.integers(-1, 4, size=(300, 3)).astype(np.float32)
    est = KNeighborsClassifier(k, metric=metric, algorithm="brute").fit(X, y)
    model = microlearn.convert(est)
    dist = exact_distances(X, Q, metric)
    _, idx = model._engine.kneighbors(Q)
    np.testing.assert_array_equal(idx, stable_neighbors(dist, k))
    # scikit-learn picks among tied neighbours by its heap: rows without a
    # tie at the k-th place must agree.
    ok = clear_rows(dist, k)
    assert ok.sum() >= 10
    np.testing.assert_array_equal(model.predict(Q)[ok], est.predict(Q)[ok])
    np.testing.assert_allclose(model.predict_proba(Q)[ok], est.predict_proba(Q)[ok], atol=1e-6)


def test_voting_ties_go_to_the_smallest_class():
    X = np.array([[0.0], [1.0], [-1.0], [3.0]], np.float32)
    y = np.array([2, 1, 0, 1])
    est = KNeighborsClassifier(2).fit(X, y)
    model = microlearn.convert(est)
    Q = np.array([[0.5], [-0.5]], np.float32)  # each: two neighbours of different classes, one vote each
    np.testing.assert_array_equal(model.predict(Q), est.predict(Q))
    assert list(model.predict(Q)) == [1, 0]  # classes (2, 1) -> 1, (2, 0) -> 0


@pytest.mark.parametrize("cls", [KNeighborsClassifier, KNeighborsRegressor])
def test_zero_distance_with_distance_weights(cls):
    # Queries equal to training rows: scikit-learn gives the zero-distance
    # neighbours weight 1 and the others 0.
    X, y = make_classification(200, 4, random_state=0)
    X = X.astype(np.float32)
    X[1] = X[0]  # two samples at distance 0 from the same query
    est = cls(5, weights="distance").fit(X, y)
    model = microlearn.convert(est)
    np.testing.assert_allclose(model.predict(X[:50]), est.predict(X[:50]), rtol=1e-6)
    if cls is KNeighborsClassifier:
        np.testing.assert_allclose(model.predict_proba(X[:50]), est.predict_proba(X[:50]), atol=1e-7)


def test_string_and_integer_labels():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    for labels in (names, y * 10 + 7):
        est = KNeighborsClassifier(3).fit(X, labels)
        model = microlearn.convert(est)
        np.testing.assert_array_equal(model.predict(X.astype(np.float32)), est.predict(X.astype(np.float32)))


# ------------------------------------------------------------- regressor

@pytest.mark.parametrize("metric,extra", METRICS)
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_matches_sklearn(metric, extra, weights, n_targets):
    X, y = make_regression(400, 6, n_targets=n_targets, random_state=n_targets)
    Xtr, ytr, Xte = split(X, y, n_targets)
    est = KNeighborsRegressor(6, weights=weights, algorithm="brute", **metric_kw(metric, extra)).fit(Xtr, ytr)
    model = microlearn.convert(est)
    ok = clear_rows(exact_distances(Xtr, Xte, metric, extra.get("p", 2)), 6)
    assert ok.mean() > 0.9
    got, want = model.predict(Xte), est.predict(Xte)
    assert got.shape == want.shape
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-5, atol=1e-5 * np.abs(y).max())


# ------------------------------------------------- centroids and clusters

@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_centroid(metric, seed):
    X, y = make_blobs(500, 5, centers=5, cluster_std=3.0, random_state=seed)
    Xtr, ytr, Xte = split(X, y, seed, 200)
    est = NearestCentroid(metric=metric).fit(Xtr, ytr)
    model = microlearn.convert(est)
    ok = clear_rows(exact_distances(est.centroids_.astype(np.float32), Xte, metric), 1)
    np.testing.assert_array_equal(model.predict(Xte)[ok], est.predict(Xte)[ok])
    # scikit-learn has predict_proba and decision_function for euclidean only
    extra = {"predict_proba", "decision_function"} if metric == "euclidean" else set()
    assert set(model.info["methods"]) == {"predict"} | extra


def test_nearest_centroid_shrunk():
    X, y = make_blobs(300, 4, centers=3, random_state=0)
    est = NearestCentroid(shrink_threshold=0.5).fit(X, y)
    Xte = X.astype(np.float32)
    np.testing.assert_array_equal(microlearn.convert(est).predict(Xte), est.predict(Xte))


def centroid_scores(est, X):
    """scikit-learn's discriminant scores of every class (its decision_function
    before the two-class difference)."""
    return est._decision_function(X)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("shrink", [None, 0.4])
@pytest.mark.parametrize("priors", ["uniform", "empirical", [0.1, 0.3, 0.6]])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_nearest_centroid_scores_agree_with_scikit_learn(metric, shrink, priors, n_classes):
    """predict_proba and decision_function (euclidean, as scikit-learn) and
    predict with non-uniform priors (by the discriminant, any metric)."""
    if isinstance(priors, list) and n_classes == 2:
        priors = [0.25, 0.75]
    X, y = make_classification(400, 6, n_informative=4, n_redundant=0, n_classes=n_classes,
                               weights=[0.6, 0.3, 0.1][:n_classes], class_sep=0.7, random_state=n_classes)
    X[:, 0] *= 50  # features of different spreads: the per-feature scaling matters
    X[:, 1] = np.round(X[:, 1])  # and a feature of few values
    est = NearestCentroid(metric=metric, shrink_threshold=shrink, priors=priors).fit(X[:250], y[:250])
    model = microlearn.convert(est)
    R = X[250:].astype(np.float32)
    scores = centroid_scores(est, R)
    top2 = np.sort(scores, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-4 * (1 + np.abs(scores).max(axis=1))
    assert clear.mean() > 0.95
    np.testing.assert_array_equal(model.predict(R)[clear], est.predict(R)[clear])
    if metric != "euclidean":
        assert not hasattr(est, "predict_proba") and set(model.info["methods"]) == {"predict"}
        with pytest.raises(AttributeError):
            model.predict_proba(R)
        return
    want = est.decision_function(R)
    got = model.decision_function(R)
    assert got.shape == want.shape
    scale = 1 + np.abs(scores).max(axis=1)
    err = np.abs(got - want).reshape(len(R), -1).max(axis=1)
    assert (err <= 1e-5 * scale).all(), (err / scale).max()
    np.testing.assert_allclose(model.predict_proba(R), est.predict_proba(R), atol=1e-5)


@pytest.mark.parametrize("n_features", [100, 1200])
def test_nearest_centroid_probabilities_on_many_features(n_features):
    """The probabilities' error grows with the class scores (sums over the features): docs/neighbors.md
    states 2.5e-6 x (1 + the largest |class score|); a flat 1e-5 fails from ~100 features on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, n_features)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    est = NearestCentroid().fit(X[:300], y[:300])
    R = X[300:]
    err = np.abs(microlearn.convert(est).predict_proba(R) - est.predict_proba(R)).max(axis=1)
    assert (err <= 2.5e-6 * (1 + np.abs(centroid_scores(est, R)).max(axis=1))).all()


def test_nearest_centroid_scores_int16_and_zero_spread():
    """int16 inputs (differences scaled back to feature units) and a feature
    constant within every class (scikit-learn leaves it unscaled)."""
    X, y = make_blobs(300, 4, centers=3, random_state=0)
    X[:, 3] = y * 2.0  # zero within-class spread
    with pytest.warns(UserWarning):
        est = NearestCentroid(priors="empirical").fit(X[::2], y[::2])
    model = microlearn.convert(est, feature_dtype="int16", feature_scale=1000.0)
    Q = model.quantize(X[1::2])
    D = model.dequantize(Q)
    np.testing.assert_array_equal(model.predict(Q), est.predict(D))
    # against scikit-learn with the centroids the model stores (rounded to the int16 grid)
    est.centroids_ = model.dequantize(model.quantize(est.centroids_))
    np.testing.assert_allclose(model.predict_proba(Q), est.predict_proba(D), atol=1e-5)
    want = est.decision_function(D)
    np.testing.assert_allclose(model.decision_function(Q), want, rtol=1e-5, atol=1e-5)


def test_nearest_centroid_zero_prior_and_far_rows():
    X, y = make_blobs(300, 3, centers=3, random_state=1)
    est = NearestCentroid(priors=[0.5, 0.5, 0.0]).fit(X, y)
    model = microlearn.convert(est)
    R = X.astype(np.float32)
    np.testing.assert_array_equal(model.predict(R), est.predict(R))
    assert (model.predict_proba(R)[:, 2] == 0).all()
    np.testing.assert_allclose(model.predict_proba(R), est.predict_proba(R), atol=1e-5)
    with pytest.raises(ValueError, match="too far"):
        model.predict_proba(np.full((1, 3), 3e38, np.float32))


@pytest.mark.parametrize("cls", [KMeans, MiniBatchKMeans])
@pytest.mark.parametrize("seed,k,d", [(0, 3, 2), (1, 8, 10), (2, 20, 4)])
def test_kmeans(cls, seed, k, d):
    X, _ = make_blobs(600, d, centers=k, random_state=seed)
    X = X.astype(np.float32)
    est = cls(k, n_init=3, random_state=seed).fit(X[:400])
    model = microlearn.convert(est)
    Xte = X[400:]
    dist = exact_distances(est.cluster_centers_, Xte, "euclidean")
    ok = clear_rows(dist, 1)
    np.testing.assert_array_equal(model.predict(Xte)[ok], est.predict(Xte)[ok])
    np.testing.assert_allclose(model.transform(Xte), est.transform(Xte), rtol=1e-5, atol=1e-5 * np.abs(X).max())
    assert model.info["task"] == "clustering" and model.info["n_outputs"] == k


# --------------------------------------------------- local outlier factor

@pytest.mark.parametrize("metric,extra", [("euclidean", {}), ("manhattan", {}), ("minkowski", {"p": 3})])
@pytest.mark.parametrize("k", [5, 20])
def test_local_outlier_factor(metric, extra, k):
    rng = np.random.default_rng(k)
    X = np.vstack([rng.normal(size=(300, 4)), rng.uniform(-6, 6, size=(20, 4))]).astype(np.float32)
    Q = np.vstack([rng.normal(size=(100, 4)), rng.uniform(-6, 6, size=(50, 4))]).astype(np.float32)
    est = LocalOutlierFactor(k, novelty=True, algorithm="brute", **metric_kw(metric, extra)).fit(X)
    model = microlearn.convert(est)
    ok = clear_rows(exact_distances(X, Q, metric, extra.get("p", 2)), k)
    want = est.score_samples(Q)
    np.testing.assert_allclose(model.score_samples(Q)[ok], want[ok], rtol=2e-5)
    np.testing.assert_allclose(model.decision_function(Q)[ok], est.decision_function(Q)[ok], rtol=2e-5,
                               atol=2e-5)
    sure = ok & (np.abs(est.decision_function(Q)) > 1e-4)
    np.testing.assert_array_equal(model.predict(Q)[sure], est.predict(Q)[sure])


# ------------------------------------------------------------------ int16

@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev"])
def test_int16_equals_exact_integer_neighbours(metric):
    X, y = make_classification(400, 8, random_state=0)
    Xtr, ytr, Xte = split(X, y, 0)
    est = KNeighborsClassifier(5, metric=metric).fit(Xtr, ytr)
    model = microlearn.convert(est, feature_dtype="int16", feature_scale=4096.0, feature_offset=0.5)
    P = model.quantize(Xtr).astype(np.int64)
    Q = model.quantize(Xte)
    _, idx = model._engine.kneighbors(Q)
    np.testing.assert_array_equal(idx, stable_neighbors(exact_distances(P, Q, metric), 5))
    # against scikit-learn on the dequantized points: exact (scale 2^12)
    ref = KNeighborsClassifier(5, metric=metric).fit(model.dequantize(P), ytr)
    ok = clear_rows(exact_distances(P, Q, metric), 5)
    np.testing.assert_array_equal(model.predict(Q)[ok], ref.predict(model.dequantize(Q))[ok])
    d, _ = model._engine.kneighbors(Q)
    np.testing.assert_allclose(d, ref.kneighbors(model.dequantize(Q))[0], rtol=1e-6, atol=1e-6)


def test_int16_agreement_with_float_model():
    """Measured agreement of int16 storage with scikit-learn on the float rows
    (docs/neighbors.md quotes it)."""
    X, y = make_classification(1200, 16, n_informative=8, random_state=1)
    Xtr, ytr, Xte = split(X, y, 1, 400)
    est = KNeighborsClassifier(5).fit(Xtr, ytr)
    scale = 32000 / np.abs(X).max()
    model = microlearn.convert(est, feature_dtype="int16", feature_scale=scale)
    assert (model.predict(model.quantize(Xte)) == est.predict(Xte)).mean() >= 0.995
    km = KMeans(6, n_init=2, random_state=0).fit(Xtr)
    mk = microlearn.convert(km, feature_dtype="int16", feature_scale=scale)
    assert (mk.predict(mk.quantize(Xte)) == km.predict(Xte)).mean() >= 0.995
    np.testing.assert_allclose(mk.transform(mk.quantize(Xte)), km.transform(Xte), rtol=1e-3, atol=2 / scale)


def test_int16_regressor_and_lof():
    X, y = make_regression(300, 4, random_state=0)
    Xtr, ytr, Xte = split(X, y, 0)
    est = KNeighborsRegressor(4, weights="distance").fit(Xtr, ytr)
    model = microlearn.convert(est, feature_dtype="int16", feature_scale=8192.0)
    ref = KNeighborsRegressor(4, weights="distance").fit(model.dequantize(model.quantize(Xtr)), ytr)
    Q = model.quantize(Xte)
    ok = clear_rows(exact_distances(model.quantize(Xtr).astype(np.int64), Q, "euclidean"), 4)
    np.testing.assert_allclose(model.predict(Q)[ok], ref.predict(model.dequantize(Q))[ok], rtol=1e-5,
                               atol=1e-4)
    lof = LocalOutlierFactor(10, novelty=True).fit(model.dequantize(model.quantize(Xtr)))
    ml = microlearn.convert(lof, feature_dtype="int16", feature_scale=8192.0)
    np.testing.assert_allclose(ml.score_samples(Q), lof.score_samples(model.dequantize(Q)), rtol=1e-4)


# ----------------------------------------------------------------- errors

@pytest.mark.parametrize("make,match", [
    (lambda: KNeighborsClassifier(3, weights=lambda d: d), "weights="),
    (lambda: KNeighborsClassifier(3, metric="haversine"), "haversine"),
    (lambda: KNeighborsClassifier(3, metric="minkowski", p=3, metric_params={"w": np.ones(2)}), "metric_params"),
    (lambda: KNeighborsClassifier(3, metric=lambda a, b: 0.0), "callable"),
    (lambda: KNeighborsClassifier(3, metric="minkowski", p=0.5), "p=0.5"),
    (lambda: LocalOutlierFactor(5), "novelty=True"),
    (lambda: RadiusNeighborsClassifier(1.0), "not supported"),
])
def test_unsupported_estimators_are_refused(make, match):
    X = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [0, 1], [1, 0], [4, 4]], float)
    y = np.array([0, 0, 0, 1, 0, 0, 1])
    est = make()
    with np.errstate(all="ignore"):
        est.fit(X, y) if not isinstance(est, LocalOutlierFactor) else est.fit(X)
    with pytest.raises(UnsupportedEstimatorError, match=match):
        microlearn.convert(est)


@pytest.mark.parametrize("scale,p,match", [(10.0, 30, "overflows float32"), (1.0, 100, "overflows float32"),
                                           (0.1, 30, "below float32's range")])
def test_minkowski_p_beyond_float32_is_refused(scale, p, match):
    """sum |d|^p in float32 overflows (inf distances: NaN probabilities) or underflows (neighbours
    tied at 0) for a large p: such models are refused instead of predicting wrongly."""
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    X = (X * scale).astype(np.float32)
    for est in (KNeighborsClassifier(5, weights="distance", p=p).fit(X, y),
                LocalOutlierFactor(novelty=True, p=p).fit(X)):
        with pytest.raises(UnsupportedEstimatorError, match=rf"minkowski p={p}: .*{match}"):
            microlearn.convert(est)


@pytest.mark.parametrize("make", [lambda: KNeighborsClassifier(5), lambda: KNeighborsRegressor(3, weights="distance"),
                                  lambda: NearestCentroid(), lambda: KMeans(3, n_init=1, random_state=0),
                                  lambda: LocalOutlierFactor(novelty=True)])
def test_euclidean_squares_below_float32_are_refused(make):
    """Features around 1e-25: every squared distance (1e-50) underflows float32 to 0, so all stored points
    tied and the first ones won (wrong labels, values, clusters); such models are refused. Features around
    1e-15 (squares 1e-30, within float32) still convert and agree."""
    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    for scale in (1e-25, 1e-15):
        Xs = X * scale  # float64: scikit-learn's own float32 KMeans collapses there
        est = make()
        est.fit(Xs, X[:, 0]) if isinstance(est, KNeighborsRegressor) else est.fit(Xs, y)
        Xs = Xs.astype(np.float32).astype(np.float64)  # the float32 rows the device gets
        if scale == 1e-25:
            with pytest.raises(UnsupportedEstimatorError, match=r"metric='euclidean': .*\^2 is below float32's"):
                microlearn.convert(est)
        else:
            np.testing.assert_allclose(microlearn.convert(est).predict(Xs[:50]), est.predict(Xs[:50]), rtol=1e-5)


@pytest.mark.parametrize("make", [lambda: KNeighborsClassifier(3, weights="distance"), lambda: KNeighborsRegressor(3),
                                  lambda: LocalOutlierFactor(5, novelty=True)])
def test_models_fitted_on_sparse_matrices(make):
    """scikit-learn keeps the sparse matrix it was fitted on: conversion failed with numpy's "setting an
    array element with a sequence"."""
    from scipy import sparse
    X, y = make_classification(120, 5, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    X[np.abs(X) < 0.5] = 0
    est = make()
    est.fit(sparse.csr_matrix(X), y) if not isinstance(est, LocalOutlierFactor) else est.fit(sparse.csr_matrix(X))
    R = sparse.csr_matrix(X[:40].astype(np.float32))
    method = "predict_proba" if isinstance(est, KNeighborsClassifier) else "score_samples" \
        if isinstance(est, LocalOutlierFactor) else "predict"
    np.testing.assert_allclose(getattr(microlearn.convert(est), method)(R), getattr(est, method)(R), rtol=1e-5,
                               atol=1e-5)


def test_regressor_fitted_on_a_column_predicts_a_column():
    X, y = make_regression(60, 3, random_state=0)
    for target in (y, y.reshape(-1, 1)):
        est = KNeighborsRegressor(3).fit(X, target)
        assert microlearn.convert(est).predict(X).shape == est.predict(X).shape


def test_kmeans_transform_of_rows_too_far_is_refused():
    """A squared distance beyond float32's range came back from transform() as inf (predict() raised)."""
    X, _ = make_blobs(100, 3, centers=3, random_state=0)
    X = X.astype(np.float32)
    model = microlearn.convert(KMeans(3, n_init=1, random_state=0).fit(X))
    with pytest.raises(ValueError, match="X row 1 is too far from the stored points"):
        model.transform(np.r_[X[:1], np.full((1, 3), 1e20, np.float32)])
    np.testing.assert_allclose(model.transform(X[:5]), KMeans(3, n_init=1, random_state=0).fit(X).transform(X[:5]),
                               rtol=1e-5, atol=1e-5)


def test_large_minkowski_p_within_float32_converts():
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    est = KNeighborsClassifier(5, weights="distance", p=20).fit(X[:200], y[:200])
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X[200:]), est.predict(X[200:]))
    np.testing.assert_allclose(model.predict_proba(X[200:]), est.predict_proba(X[200:]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: KNeighborsClassifier(5, weights="distance", p=20),
                                  lambda: KNeighborsRegressor(5, p=20), lambda: LocalOutlierFactor(novelty=True, p=20),
                                  lambda: KNeighborsClassifier(5), lambda: KMeans(3, n_init=1, random_state=0)])
def test_rows_whose_distances_overflow_float32_are_refused(make):
    """100^20 (and any squared distance beyond 3.4e38) overflows float32: the k nearest are then all at
    +inf, not told apart (wrong neighbours, NaN probabilities); such a row raises ValueError."""
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    est = make()
    est.fit(X, X[:, 0]) if isinstance(est, KNeighborsRegressor) else est.fit(X, y)
    model = microlearn.convert(est)
    far = np.full((1, 4), 100.0 if "p=20" in repr(est) else 1e20, np.float32)
    with pytest.raises(ValueError, match="X row 0 is too far from the stored points: its distances overflow float32"):
        model.predict(far)
    model.predict(X[:5])  # ordinary rows still predict


def test_multioutput_classifier_is_refused():
    X = np.arange(20, dtype=float).reshape(10, 2)
    est = KNeighborsClassifier(3).fit(X, np.c_[np.arange(10) % 2, np.arange(10) % 3])
    with pytest.raises(UnsupportedEstimatorError, match="several outputs"):
        microlearn.convert(est)


def test_int16_options_are_checked():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(UnsupportedEstimatorError, match="cosine"):
        microlearn.convert(KNeighborsClassifier(metric="cosine").fit(X, y), feature_dtype="int16")
    with pytest.raises(UnsupportedEstimatorError, match="minkowski"):
        microlearn.convert(KNeighborsClassifier(p=3).fit(X, y), feature_dtype="int16")
    with pytest.raises(UnsupportedEstimatorError, match="one scale"):
        microlearn.convert(KNeighborsClassifier().fit(X, y), feature_dtype="int16", feature_scale=[1, 2, 3, 4])
    with pytest.raises(UnsupportedEstimatorError, match="feature_scale"):
        microlearn.convert(KNeighborsClassifier().fit(X, y), feature_scale=2.0)
    with pytest.raises(ValueError, match="feature_dtype"):
        microlearn.convert(KNeighborsClassifier().fit(X, y), feature_dtype="int8")
    model = microlearn.convert(KNeighborsClassifier().fit(X, y), feature_dtype="int16", feature_scale=100)
    with pytest.raises(TypeError, match="quantize"):
        model.predict(X)


def test_bad_inputs():
    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(KNeighborsClassifier().fit(X, y))
    bad = X[:3].astype(np.float32)
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="row 1 holds NaN"):
        model.predict(bad)
    with pytest.raises(ValueError, match="expects 4"):
        model.predict(X[:, :3])
    with pytest.raises(AttributeError, match="transform"):
        model.transform(X)
    with pytest.raises(AttributeError, match="predict_proba"):
        microlearn.convert(KMeans(2, n_init=1).fit(X)).predict_proba(X)


def test_info_and_round_trip(tmp_path):
    X, y = load_iris(return_X_y=True)
    est = KNeighborsClassifier(4, weights="distance", metric="manhattan").fit(X, y)
    model = microlearn.convert(est)
    info = model.info
    assert (info["n_points"], info["n_neighbors"], info["metric"], info["weights"]) == (150, 4, "manhattan",
                                                                                        "distance")
    again = microlearn.load(model.save(tmp_path / "knn.mlm"))
    np.testing.assert_array_equal(again.predict(X), est.predict(X.astype(np.float32)))
    assert "KNeighborsClassifier" in repr(model)


def test_cosine_rows_of_tiny_norm_give_the_float64_answer():
    """scikit-learn leaves float32 rows of norm < 1.2e-6 unnormalised (its float32 answer there ties the
    points); microlearn normalises them and agrees with scikit-learn on the same rows in float64."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    est = KNeighborsClassifier(5, metric="cosine").fit(X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0))
    R = (rng.normal(size=(200, 3)) * 1e-7).astype(np.float32)
    np.testing.assert_array_equal(microlearn.convert(est).predict(R), est.predict(R.astype(np.float64)))


def test_cosine_zero_vectors():
    X, y = load_iris(return_X_y=True)
    est = KNeighborsClassifier(3, metric="cosine", algorithm="brute").fit(X, y)
    model = microlearn.convert(est)
    d, idx = model._engine.kneighbors(np.zeros((1, 4), np.float32))
    np.testing.assert_array_equal(d, [[1, 1, 1]])  # no direction: distance 1 to every sample, as sklearn
    np.testing.assert_array_equal(idx, [[0, 1, 2]])
    X0 = X.copy()
    X0[5] = 0
    with pytest.raises(UnsupportedEstimatorError, match="all-zero training sample"):
        microlearn.convert(KNeighborsClassifier(metric="cosine").fit(X0, y))
