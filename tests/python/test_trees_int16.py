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
    Q = np.vstack([model.quantize(X), rng.integers(-32767, 32768, size=(500, X.shape[1]))]).astype(np.int16)
    reference = est.predict(model.dequantize(Q))
    np.testing.assert_array_equal(model.predict(Q), reference)


def test_int16_model_refuses_float_input():
    X, y = load_wine(return_X_y=True)
    model = microlearn.convert(T.DecisionTreeClassifier().fit(X, y), feature_dtype="int16")
    with pytest.raises(TypeError, match="quantize"):
        model.predict(X)
    with pytest.raises(ValueError, match="-32767, 32767"):
        model.predict(np.full((1, X.shape[1]), -32768, np.int32))


def test_bad_quantization_parameters():
    X, y = load_wine(return_X_y=True)
    est = T.DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="feature_scale"):
        microlearn.convert(est, feature_dtype="int16", feature_scale=0.0)
    with pytest.raises(ValueError, match="feature_dtype"):
        microlearn.convert(est, feature_dtype="int8")
