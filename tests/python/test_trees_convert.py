"""Converted tree ensembles agree with scikit-learn, run by the C++ engine."""
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification, make_regression

import microlearn
from tree_cases import at_thresholds

PROBA_TOL = 2e-6  # float32 accumulation against scikit-learn's float64


def datasets():
    X, y = load_digits(return_X_y=True)
    yield "digits", X, y
    X, y = load_iris(return_X_y=True)
    yield "iris", X, y
    X, y = load_wine(return_X_y=True)
    yield "wine", X, y
    X, y = make_classification(400, 30, n_informative=10, n_classes=3, random_state=1)
    yield "synthetic3", X * 1000, y
    X, y = make_classification(300, 5, n_informative=3, random_state=2)
    yield "binary", X, y


CLASSIFIERS = [
    lambda: T.DecisionTreeClassifier(random_state=0),
    lambda: T.DecisionTreeClassifier(max_leaf_nodes=20, random_state=0),
    lambda: T.ExtraTreeClassifier(random_state=0),
    lambda: E.RandomForestClassifier(10, max_depth=10, random_state=0),
    lambda: E.RandomForestClassifier(5, min_samples_leaf=5, max_features=0.3, random_state=0),
    lambda: E.ExtraTreesClassifier(8, random_state=0),
    lambda: E.GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0),
    lambda: E.HistGradientBoostingClassifier(max_iter=15, random_state=0),
]


@pytest.mark.parametrize("make", CLASSIFIERS)
@pytest.mark.parametrize("name,X,y", list(datasets()), ids=lambda v: v if isinstance(v, str) else "")
def test_classifiers_agree_on_every_row(make, name, X, y):
    est = make().fit(X, y)
    model = microlearn.convert(est)
    rows = np.vstack([X.astype(np.float32), at_thresholds(est, X)])
    np.testing.assert_array_equal(model.predict(rows), est.predict(rows))
    np.testing.assert_allclose(model.predict_proba(rows), est.predict_proba(rows), atol=PROBA_TOL)
    if hasattr(est, "decision_function"):
        np.testing.assert_allclose(model.decision_function(rows), est.decision_function(rows),
                                   rtol=1e-5, atol=1e-5)


def test_string_labels_map_back():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    est = E.RandomForestClassifier(5, random_state=0).fit(X, labels)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))


def test_integer_labels_stored_for_the_device():
    X, y = load_iris(return_X_y=True)
    est = T.DecisionTreeClassifier(random_state=0).fit(X, y * 10 + 3)
    model = microlearn.convert(est)
    assert set(model.predict(X)) == {3, 13, 23}


REGRESSORS = [
    lambda: T.DecisionTreeRegressor(random_state=0),
    lambda: E.RandomForestRegressor(10, random_state=0),
    lambda: E.ExtraTreesRegressor(10, max_depth=8, random_state=0),
    lambda: E.GradientBoostingRegressor(n_estimators=30, random_state=0),
    lambda: E.GradientBoostingRegressor(n_estimators=10, loss="huber", random_state=0),
    lambda: E.HistGradientBoostingRegressor(max_iter=30, random_state=0),
]


@pytest.mark.parametrize("make", REGRESSORS)
def test_regressors_agree(make):
    X, y = make_regression(400, 12, noise=5.0, random_state=0)
    est = make().fit(X, y)
    model = microlearn.convert(est)
    rows = np.vstack([X.astype(np.float32), at_thresholds(est, X)])
    want = est.predict(rows)
    np.testing.assert_allclose(model.predict(rows), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


@pytest.mark.parametrize("cls", [T.DecisionTreeRegressor, E.RandomForestRegressor, E.ExtraTreesRegressor])
def test_multi_output_regression(cls):
    X, y = make_regression(300, 6, n_targets=3, random_state=0)
    est = cls(random_state=0).fit(X, y)
    model = microlearn.convert(est)
    got = model.predict(X)
    assert got.shape == (300, 3)
    np.testing.assert_allclose(got, est.predict(X.astype(np.float32)), rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("max_features", [1.0, 0.5])
def test_isolation_forest(max_features):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(300, 4)), rng.uniform(-6, 6, size=(20, 4))])
    est = E.IsolationForest(n_estimators=50, max_features=max_features, random_state=0).fit(X)
    model = microlearn.convert(est)
    np.testing.assert_allclose(model.score_samples(X), est.score_samples(X), atol=1e-6)
    np.testing.assert_allclose(model.decision_function(X), est.decision_function(X), atol=1e-6)
    decision = est.decision_function(X)
    clear = np.abs(decision) > 1e-5  # the sign of a score within float error of 0 may differ
    np.testing.assert_array_equal(model.predict(X)[clear], est.predict(X)[clear])


def test_missing_values_routed_like_scikit_learn():
    rng = np.random.default_rng(0)
    X, y = make_classification(500, 6, random_state=0)
    X[rng.random(X.shape) < 0.1] = np.nan
    X = X.astype(np.float32)  # the engine's input type; HGB compares in float64
    for est in [T.DecisionTreeClassifier(random_state=0), E.RandomForestClassifier(10, random_state=0),
                E.HistGradientBoostingClassifier(max_iter=20, random_state=0)]:
        est.fit(X, y)
        model = microlearn.convert(est)
        np.testing.assert_array_equal(model.predict(X), est.predict(X))
        np.testing.assert_allclose(model.predict_proba(X), est.predict_proba(X), atol=PROBA_TOL)


def test_nan_in_model_trained_without_missing_values():
    X, y = load_wine(return_X_y=True)
    est = E.HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    rows = X.astype(np.float32)
    rows[::3, 0] = np.nan
    rows[1::3, 6] = np.nan
    np.testing.assert_array_equal(microlearn.convert(est).predict(rows), est.predict(rows))


def test_deep_tree_beyond_16_bit_indices():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40000, 3))
    y = rng.normal(size=40000)  # noise: a fully grown tree has ~40k leaves
    est = T.DecisionTreeRegressor(random_state=0).fit(X, y)
    model = microlearn.convert(est)
    assert model.info["wide_refs"] and model.info["n_nodes"] > 32768
    np.testing.assert_allclose(model.predict(X), est.predict(X), rtol=1e-6, atol=1e-6)


def test_many_features_beyond_int8_indices():
    X, y = make_classification(300, 1000, n_informative=50, random_state=0)
    est = E.RandomForestClassifier(5, random_state=0).fit(X, y)
    model = microlearn.convert(est)
    assert max(e.tree_.feature.max() for e in est.estimators_) > 255  # beyond u8 indices
    np.testing.assert_array_equal(model.predict(X), est.predict(X))


def test_pipeline_with_only_a_tree_converts():
    from sklearn.pipeline import make_pipeline
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(T.DecisionTreeClassifier(random_state=0)).fit(X, y)
    np.testing.assert_array_equal(microlearn.convert(pipe).predict(X), pipe.predict(X))
