"""Bad input on the host: clear errors, never a crash or a silent wrong answer."""
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import microlearn


@pytest.fixture(scope="module")
def iris_model():
    X, y = load_iris(return_X_y=True)
    return microlearn.convert(E.RandomForestClassifier(5, random_state=0).fit(X, y)), X


def test_unsupported_estimator_names_it_and_what_is_supported():
    X, y = load_iris(return_X_y=True)
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
    with pytest.raises(microlearn.UnsupportedEstimatorError,
                       match="QuadraticDiscriminantAnalysis is not supported.*RandomForestClassifier"):
        microlearn.convert(QuadraticDiscriminantAnalysis().fit(X, y))


def test_unfitted_estimator():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        microlearn.convert(E.RandomForestClassifier())


def test_pipeline_with_unsupported_step():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(FunctionTransformer(np.log1p), T.DecisionTreeClassifier()).fit(X, y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="FunctionTransformer is not supported"):
        microlearn.convert(pipe)


def test_multi_output_classifier_is_refused():
    X, y = load_iris(return_X_y=True)
    est = T.DecisionTreeClassifier().fit(X, np.c_[y, y % 2])
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="multi-output classification"):
        microlearn.convert(est)


def test_hist_gradient_boosting_fitted_on_one_class_is_refused():
    """It wrote a file the engine's loader refused ("a model parameter has an impossible value")."""
    X, _ = load_iris(return_X_y=True)
    est = E.HistGradientBoostingClassifier(max_iter=2).fit(X, np.full(len(X), 7))
    with pytest.raises(microlearn.UnsupportedEstimatorError, match=r"fitted on one class \(7\)"):
        microlearn.convert(est)


def test_unsupported_options_are_named():
    X, y = load_iris(return_X_y=True)
    yb = (y > 0).astype(int)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="exponential"):
        microlearn.convert(E.GradientBoostingClassifier(loss="exponential", n_estimators=2).fit(X, yb))
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="poisson"):
        microlearn.convert(E.HistGradientBoostingRegressor(loss="poisson", max_iter=2).fit(X, y + 1))
    Xc = np.c_[X, np.arange(len(X)) % 3]
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="categorical"):
        microlearn.convert(E.HistGradientBoostingClassifier(categorical_features=[4], max_iter=2).fit(Xc, y))


@pytest.mark.parametrize("X,err,msg", [
    (np.zeros(4), ValueError, "2-dimensional"),
    (np.zeros((2, 3)), ValueError, "has 3 features, but the model expects 4"),
    (np.array([["a"] * 4]), TypeError, "numbers"),
])
def test_wrong_input_shapes_and_types(iris_model, X, err, msg):
    model, _ = iris_model
    with pytest.raises(err, match=msg):
        model.predict(X)


def test_methods_the_model_does_not_have(iris_model):
    model, X = iris_model
    with pytest.raises(AttributeError):
        model.score_samples(X)
    with pytest.raises(AttributeError):
        model.decision_function(X)


def _non_finite_estimators():
    X, y = load_iris(return_X_y=True)
    Xn = X.copy()
    Xn[::7, 1] = np.nan
    return [
        ("tree", T.DecisionTreeClassifier(random_state=0).fit(X, y)),
        ("tree-nan", T.DecisionTreeClassifier(random_state=0).fit(Xn, y)),
        ("extra-tree-regressor", T.ExtraTreeRegressor(random_state=0).fit(X, X[:, 0])),
        ("forest", E.RandomForestClassifier(4, random_state=0).fit(X, y)),
        ("extra-trees-nan", E.ExtraTreesRegressor(4, random_state=0).fit(Xn, y)),
        ("gb", E.GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X, y)),
        ("gb-regressor", E.GradientBoostingRegressor(n_estimators=5, random_state=0).fit(X, y)),
        ("hgb", E.HistGradientBoostingClassifier(max_iter=5, random_state=0).fit(Xn, y)),
        ("iforest", E.IsolationForest(n_estimators=5, random_state=0).fit(X)),
    ]


@pytest.mark.parametrize("name,est", _non_finite_estimators(), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_inputs_answered_or_refused_as_scikit_learn(name, est, value):
    """NaN and +-inf: the same answer where scikit-learn predicts, a ValueError
    (from the engine: the file's flags) where it refuses, in any column."""
    model = microlearn.convert(est)
    rows = load_iris(return_X_y=True)[0][:6].astype(np.float32)
    rows[2, 3] = value  # a column some split reads
    rows[4, 0] = value
    try:
        want = est.predict(rows)
    except ValueError as e:
        assert ("infinity" if np.isinf(value) else "NaN") in str(e)
        with pytest.raises(ValueError, match=r"X row 2 holds (NaN or )?infinity"):
            model.predict(rows)
        if hasattr(est, "predict_proba"):  # every method: the engine's one check
            with pytest.raises(ValueError, match=r"X row 2 holds"):
                model.predict_proba(rows)
        good = np.delete(rows, [2, 4], axis=0)  # the other rows: answers
        np.testing.assert_allclose(model.predict(good), est.predict(good), rtol=1e-5)
        return
    np.testing.assert_allclose(model.predict(rows), want, rtol=1e-5)


class _Frame:
    """The parts of a DataFrame that Model.predict looks at."""
    def __init__(self, values, columns):
        self.values, self.columns = values, columns

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)


def test_feature_names_are_kept_and_checked():
    X, y = load_iris(return_X_y=True)
    est = E.RandomForestClassifier(3, random_state=0).fit(X, y)
    want = est.predict(X)
    names = ["sepal_l", "sepal_w", "petal_l", "petal_w"]
    est.feature_names_in_ = np.array(names, dtype=object)  # as fitting on a DataFrame sets it
    model = microlearn.convert(est)
    assert model.metadata["feature_names"] == names
    np.testing.assert_array_equal(model.predict(_Frame(X, names)), want)
    with pytest.raises(ValueError, match="reorder"):
        model.predict(_Frame(X, names[::-1]))


def test_values_beyond_float32_are_refused_not_made_infinite(iris_model):
    # Cast to float32 they would become inf and take the wrong side of no split at all; scikit-learn refuses
    # them too ("a value too large for dtype('float32')").
    model, X = iris_model
    rows = X[:3].copy()
    rows[1, 2] = 1e300
    with pytest.raises(ValueError, match=r"X\[1, 2\] = 1e\+300 is beyond float32's range"):
        model.predict(rows)
    rows[1, 2] = 3e38  # within float32: an answer
    assert model.predict(rows).shape == (3,)


def test_float32_models_refuse_int16_options():
    X, y = load_iris(return_X_y=True)
    est = T.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    for kw in ({"feature_scale": 100.0}, {"feature_offset": 1.0}):
        with pytest.raises(ValueError, match="feature_dtype='int16' only"):
            microlearn.convert(est, **kw)  # was silently ignored


def test_report_checks_y_and_reference():
    X, y = load_iris(return_X_y=True)
    est = T.DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    model = microlearn.convert(est)
    flat = model.report(X, y, reference=est)
    column = model.report(X, y[:, None], reference=est)  # was compared by broadcasting: (150, 150)
    assert column.accuracy_converted == flat.accuracy_converted == flat.accuracy_original > 0.9
    with pytest.raises(ValueError, match=r"one label per row of X \(150,\), got shape \(10,\)"):
        model.report(X, y[:10])
    with pytest.raises(TypeError, match="reference must be the original estimator"):
        model.report(X, y, reference=[est])


def test_report_takes_the_targets_of_a_multi_output_regressor():
    # y of shape (n, 2) was refused as "one label per row"
    X, _ = load_iris(return_X_y=True)
    Y = X[:, :2] * [1.0, -2.0]
    est = T.DecisionTreeRegressor(max_depth=3, random_state=0).fit(X[:, 2:], Y)
    model = microlearn.convert(est)
    assert model.report(X[:, 2:], Y, reference=est).max_abs_difference < 1e-5
    with pytest.raises(ValueError, match=r"one target per row of X \(150 rows\), got shape \(10, 2\)"):
        model.report(X[:, 2:], Y[:10])


def test_sparse_rows_give_the_dense_answer(iris_model):
    # np.asarray(sparse) is a 0-d object array: "got shape ()"
    import scipy.sparse
    model, X = iris_model
    np.testing.assert_array_equal(model.predict(scipy.sparse.csr_matrix(X)), model.predict(X))
    np.testing.assert_array_equal(model.predict(scipy.sparse.csc_array(X)), model.predict(X))


def test_object_arrays_of_numbers_give_the_numeric_answer(iris_model):
    # were refused ("got dtype object"), where scikit-learn answers
    model, X = iris_model
    np.testing.assert_array_equal(model.predict(X.astype(object)), model.predict(X))
    rows = X[:2].astype(object)
    rows[0, 1] = {"not": "a number"}
    with pytest.raises(TypeError, match="X must hold numbers, got dtype object holding something else"):
        model.predict(rows)


@pytest.mark.parametrize("n_features", [1, 4, 11])
def test_infinity_in_any_column_is_refused(n_features):
    """The engine's check reads every column (by fours, then the rest), also columns no split reads:
    scikit-learn refuses the whole row."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, n_features)).astype(np.float32)
    est = T.DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, X[:, 0] > 0)
    model = microlearn.convert(est)
    for col in range(n_features):
        for value in (np.inf, -np.inf):
            rows = X[:3].copy()
            rows[1, col] = value
            with pytest.raises(ValueError, match="X row 1 holds infinity"):
                model.predict(rows)
        rows[1, col] = np.nan  # a missing value: the answer scikit-learn gives
        np.testing.assert_array_equal(model.predict(rows), est.predict(rows))
