"""Class labels of every kind round-trip; estimators that convert as their
base class; inputs scikit-learn accepts (DataFrames with bool and nullable
columns); models refused with a clear reason."""
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.model_selection import GridSearchCV

import microlearn
from microlearn import mlm

LABELS = {
    "int64 beyond int32": np.array([0, 7, 5_000_000_000]),
    "negative int64": np.array([-(2**62), -1, 2**40]),
    "int32 not 0..n-1": np.array([3, 10, 20], dtype=np.int32),
    "uint8": np.array([2, 4, 6], dtype=np.uint8),
    "strings": np.array(["setosa", "versicolor", "virginica"]),
    "unicode": np.array(["ruhig", "gehen", "läuft"]),
    "floats": np.array([1.0, 2.0, 4.0]),
    "bools": np.array([False, True]),
}


@pytest.mark.parametrize("name", LABELS)
@pytest.mark.parametrize("estimator", [E.RandomForestClassifier(5, random_state=0),
                                       E.HistGradientBoostingClassifier(max_iter=5),
                                       E.GradientBoostingClassifier(n_estimators=5)])
def test_labels_round_trip_with_scikit_learns_dtype(name, estimator):
    X, y = load_iris(return_X_y=True)
    labels = LABELS[name]
    y = labels[y % len(labels)]
    est = estimator.fit(X, y)
    model = microlearn.convert(est)
    got, want = model.predict(X), est.predict(X.astype(np.float32))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(model.classes_, est.classes_)
    sections = mlm.read_sections(model.to_bytes())
    if np.array_equal(est.classes_, np.arange(len(est.classes_))):  # 0..n-1 (bools too): no table
        assert mlm.SECTION_CLASS_NAMES not in sections and mlm.SECTION_CLASS_LABELS not in sections
    elif labels.dtype.kind in "iub":
        assert mlm.SECTION_CLASS_NAMES not in sections
        np.testing.assert_array_equal(sections[mlm.SECTION_CLASS_LABELS].view("<i8"), est.classes_.astype(np.int64))
    else:
        names = bytes(sections[mlm.SECTION_CLASS_NAMES]).split(b"\0")[:-1]
        assert [n.decode() for n in names] == [str(c) for c in est.classes_]


def test_labels_zero_to_n_need_no_table():
    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(T.DecisionTreeClassifier(random_state=0).fit(X, y))
    sections = mlm.read_sections(model.to_bytes())
    assert mlm.SECTION_CLASS_LABELS not in sections and mlm.SECTION_CLASS_NAMES not in sections


def test_single_class_forest_converts_to_a_constant_model():
    X, _ = load_iris(return_X_y=True)
    for est in (T.DecisionTreeClassifier(), E.RandomForestClassifier(3, random_state=0)):
        est.fit(X, np.full(len(X), "only"))
        model = microlearn.convert(est)
        np.testing.assert_array_equal(model.predict(X), est.predict(X))
        np.testing.assert_array_equal(model.predict_proba(X), est.predict_proba(X))


def test_gradient_boosting_with_a_row_dependent_init_is_refused():
    X, y = load_iris(return_X_y=True)
    est = E.GradientBoostingClassifier(n_estimators=3, init=DummyClassifier(strategy="stratified")).fit(X, y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="stratified.*depends on the row"):
        microlearn.convert(est)
    # Constant inits still convert, and exactly.
    for init in (DummyClassifier(strategy="prior"), DummyClassifier(strategy="uniform"), "zero"):
        est = E.GradientBoostingClassifier(n_estimators=3, init=init, random_state=0).fit(X, y)
        np.testing.assert_array_equal(microlearn.convert(est).predict(X), est.predict(X.astype(np.float32)))
    est = E.GradientBoostingRegressor(n_estimators=3, init=DummyRegressor(strategy="median")).fit(X, y)
    np.testing.assert_allclose(microlearn.convert(est).predict(X), est.predict(X.astype(np.float32)), rtol=1e-5)


def test_too_many_features_is_refused_clearly():
    rng = np.random.default_rng(0)
    X = np.zeros((4, 70_000), np.float32)
    X[:, 69_999] = [0, 1, 2, 3]
    est = T.DecisionTreeClassifier().fit(X, [0, 0, 1, 1])
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="at most 65,536 features"):
        microlearn.convert(est)
    del rng


class BalancedForest(E.RandomForestClassifier):
    """Like imbalanced-learn's balanced forests: a different fit, the same prediction."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, y, sample_weight=np.ones(len(y)))


class ShiftedForest(E.RandomForestClassifier):
    def predict_proba(self, X):
        return super().predict_proba(X)[:, ::-1]


def test_subclasses_convert_when_they_keep_the_prediction():
    X, y = load_iris(return_X_y=True)
    est = BalancedForest(5, random_state=0).fit(X, y)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    assert model.metadata["estimator"] == "BalancedForest"
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="overrides predict_proba"):
        microlearn.convert(ShiftedForest(5, random_state=0).fit(X, y))


def test_search_and_calibration_wrappers_get_a_hint():
    from sklearn.calibration import CalibratedClassifierCV
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(T.DecisionTreeClassifier(), {"max_depth": [2, 3]}, cv=2).fit(X, y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="best_estimator_"):
        microlearn.convert(search)
    microlearn.convert(search.best_estimator_)
    calibrated = CalibratedClassifierCV(T.DecisionTreeClassifier(), cv=2).fit(X, y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="uncalibrated"):
        microlearn.convert(calibrated)


def test_dataframes_with_bool_and_nullable_columns():
    import pandas as pd
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "flag": rng.random(200) > 0.5,
                       "count": pd.array(rng.integers(0, 5, 200), dtype="Int64")})
    df.loc[::7, "count"] = pd.NA
    y = (df["a"] > 0) ^ df["flag"]
    est = E.HistGradientBoostingClassifier(max_iter=10).fit(df, y)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(df), est.predict(df))
