"""int16 features: exact agreement on the quantized inputs (docs/trees.md)."""
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_digits, load_wine

import microlearn


def test_integer_features_with_unit_scale():
    X, y = load_digits(return_X_y=True)  # pixel values 0..16
    est = E.RandomForestClassifier(10, max_depth=10, random_state=0).fit(X, y)
    model = microlearn.convert(est, feature_dtype="int16")
    np.testing.assert_array_equal(model.predict(X.astype(np.int16)), est.predict(X))


@pytest.mark.parametrize("make", [
    lambda: T.DecisionTreeClassifier(random_state=0),
    lambda: E.RandomForestClassifier(10, random_state=0),
    lambda: E.GradientBoostingClassifier(n_estimators=10, random_state=0),
    lambda: E.HistGradientBoostingClassifier(max_iter=10, random_state=0),
])
def test_scaled_features_agree_on_dequantized_values(make):
    X, y = load_wine(return_X_y=True)
    est = make().fit(X, y)
    lo, hi = X.min(axis=0), X.max(axis=0)
    offset = (lo + hi) / 2
    scale = 30000 / (hi - lo)
    model = microlearn.convert(est, feature_dtype="int16", feature_scale=scale, feature_offset=offset)
    rng = np.random.default_rng(0)
    Q = np.vstack([model.quantize(X), rng.integers(-32768, 32768, size=(500, X.shape[1]))]).astype(np.int16)
    reference = est.predict(model.dequantize(Q))
    np.testing.assert_array_equal(model.predict(Q), reference)


def test_int16_model_refuses_float_input():
    X, y = load_wine(return_X_y=True)
    model = microlearn.convert(T.DecisionTreeClassifier().fit(X, y), feature_dtype="int16")
    with pytest.raises(TypeError, match="quantize"):
        model.predict(X)
    with pytest.raises(ValueError, match="-32768, 32767"):
        model.predict(np.full((1, X.shape[1]), 40000, np.int32))


def test_splits_no_int16_input_passes_left_are_bypassed():
    # Feature 0 reaches -45000; with offset 1000, int16 inputs only cover
    # [-31768, 33767], so splits near -42500 send every int16 input right.
    rng = np.random.default_rng(0)
    X = np.c_[rng.choice([-45000.0, -40000.0, 0.0, 500.0], 400), rng.integers(-300, 300, 400)]
    y = (X[:, 0] > -42000).astype(int) + (X[:, 0] > 250) + (X[:, 1] > 0) * 3
    est = T.DecisionTreeClassifier(random_state=0).fit(X, y)
    model = microlearn.convert(est, feature_dtype="int16", feature_offset=[1000.0, 0.0])
    Q = np.c_[np.arange(-32768, 32768, 7), np.resize(np.arange(-300, 300), 9363)].astype(np.int16)
    np.testing.assert_array_equal(model.predict(Q), est.predict(model.dequantize(Q)))


def test_quantize_rounds_half_away_from_zero_as_the_device():
    X, y = load_wine(return_X_y=True)
    model = microlearn.convert(T.DecisionTreeClassifier().fit(X, y), feature_dtype="int16")
    q = model.quantize(np.array([[0.5, -0.5, 1.5, -2.5, 40000.0, -40000.0] + [0.0] * 7]))
    assert q[0, :6].tolist() == [1, -1, 2, -3, 32767, -32768]


def test_bad_quantization_parameters():
    X, y = load_wine(return_X_y=True)
    est = T.DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="feature_scale"):
        microlearn.convert(est, feature_dtype="int16", feature_scale=0.0)
    for option in ("feature_scale", "feature_offset"):  # neither a scalar nor one per feature (13)
        with pytest.raises(ValueError, match=rf"{option} must be a scalar or one value per feature \(13\), got shape \(2,\)"):
            microlearn.convert(est, feature_dtype="int16", **{option: [1.0, 2.0]})
    with pytest.raises(ValueError, match="feature_dtype"):
        microlearn.convert(est, feature_dtype="int8")


def test_quantize_rounds_half_away_from_zero_exactly_and_refuses_nan():
    import microlearn
    from sklearn.tree import DecisionTreeClassifier
    m = microlearn.convert(DecisionTreeClassifier().fit([[0], [1]], [0, 1]), feature_dtype="int16")
    x = np.array([[0.49999999999999994], [0.5], [-0.5], [-2.5], [2.4999999999999996], [1e9], [-np.inf]])
    np.testing.assert_array_equal(m.quantize(x).ravel(), [0, 1, -1, -3, 2, 32767, -32768])
    with pytest.raises(ValueError, match="NaN"):
        m.quantize(np.array([[np.nan]]))


def test_a_scale_that_pushes_thresholds_out_of_int16_warns():
    X, y = load_wine(return_X_y=True)
    est = T.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    lo, hi = X.min(axis=0), X.max(axis=0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a scale that fits: no warning
        microlearn.convert(est, feature_dtype="int16", feature_scale=30000 / (hi - lo), feature_offset=(lo + hi) / 2)
    with pytest.warns(UserWarning, match=r"\d+ of \d+ splits have thresholds outside int16"):
        model = microlearn.convert(est, feature_dtype="int16", feature_scale=1e30)  # was a silent constant
    assert len(np.unique(model.predict(model.quantize(X)))) == 1 < len(np.unique(est.predict(X)))


def test_quantize_checks_the_number_of_features():
    X, y = load_wine(return_X_y=True)
    model = microlearn.convert(T.DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y),
                               feature_dtype="int16", feature_scale=100.0)
    assert model.quantize(X[0]).shape == (13,)  # one row
    for bad in (X[:, :1], X[:, :5]):  # one column broadcast to all 13 (a (n, 13) array, silently)
        with pytest.raises(ValueError, match=r"rows of 13 features \(or one such row\), got shape"):
            model.quantize(bad)
        with pytest.raises(ValueError, match="rows of 13 features"):
            model.dequantize(bad.astype(np.int16))
    with pytest.raises(TypeError, match="X must hold numbers"):
        model.quantize([["a"] * 13])


@pytest.mark.parametrize("make", [lambda: E.HistGradientBoostingClassifier(max_iter=5),
                                  lambda: T.DecisionTreeClassifier(max_depth=4, random_state=0)])
def test_splits_of_missing_values_alone_do_not_warn(make):
    """A model fitted with NaN has splits of missing values alone (threshold +inf, every number goes
    left): int16 inputs lose nothing there, yet they warned that the model lost splits."""
    import warnings
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int)
    X[rng.random(X.shape) < 0.2] = np.nan
    est = make().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = microlearn.convert(est, feature_dtype="int16", feature_scale=1000)
    R = rng.normal(size=(200, 3))
    np.testing.assert_array_equal(model.predict(model.quantize(R)), est.predict(model.dequantize(model.quantize(R))))
