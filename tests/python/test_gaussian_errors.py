"""Gaussian models: unsupported options refused by name, bad input refused
with a clear error (never a silent wrong answer), methods a model lacks."""
import numpy as np
import pytest
from sklearn.covariance import EllipticEnvelope, MinCovDet
from sklearn.datasets import load_iris
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.naive_bayes import GaussianNB

import microlearn
from microlearn import mlm

X, Y = load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def models():
    return {
        "nb": microlearn.convert(GaussianNB().fit(X, Y)),
        "gmm": microlearn.convert(GaussianMixture(3, random_state=0).fit(X)),
        "ee": microlearn.convert(EllipticEnvelope(random_state=0).fit(X)),
    }


@pytest.mark.parametrize("option,match", [
    ({"feature_dtype": "int16"}, "float32 features only"),
    ({"feature_scale": 100.0}, "feature_scale and feature_offset apply to int16"),
    ({"feature_offset": [1.0, 0, 0, 0]}, "feature_scale and feature_offset apply to int16"),
])
@pytest.mark.parametrize("est", [GaussianNB().fit(X, Y), GaussianMixture(2, random_state=0).fit(X),
                                 EllipticEnvelope(random_state=0).fit(X)], ids=lambda e: type(e).__name__)
def test_int16_options_are_refused(est, option, match):
    with pytest.raises(microlearn.UnsupportedEstimatorError, match=match):
        microlearn.convert(est, **option)


def test_default_scale_and_offset_are_accepted():
    microlearn.convert(GaussianNB().fit(X, Y), feature_scale=[1.0] * 4, feature_offset=0)


def test_zero_variance_naive_bayes_is_refused():
    Xc = np.c_[X, np.ones(len(X))]
    est = GaussianNB(var_smoothing=0).fit(Xc, Y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="zero variance.*var_smoothing"):
        microlearn.convert(est)


def test_parameters_beyond_float32_are_refused():
    est = GaussianMixture(2, covariance_type="diag", random_state=0).fit(X)
    est.means_ = est.means_ * 1e300
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="means are not finite in float32"):
        microlearn.convert(est)


def test_other_covariance_estimators_are_not_taken_for_an_envelope():
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="MinCovDet is not supported"):
        microlearn.convert(MinCovDet(random_state=0).fit(X))


def test_unfitted():
    from sklearn.exceptions import NotFittedError
    for est in (GaussianNB(), GaussianMixture(), BayesianGaussianMixture(), EllipticEnvelope()):
        with pytest.raises(NotFittedError):
            microlearn.convert(est)


def test_subclass_that_changes_prediction_is_refused():
    class Shifted(GaussianMixture):
        def score_samples(self, X):
            return super().score_samples(X) + 1

    with pytest.raises(microlearn.UnsupportedEstimatorError, match="overrides score_samples"):
        microlearn.convert(Shifted(2, random_state=0).fit(X))


@pytest.mark.parametrize("name,method", [("nb", "score_samples"), ("nb", "decision_function"),
                                         ("gmm", "decision_function"), ("ee", "predict_proba"),
                                         ("gmm", "transform")])
def test_missing_methods_raise_attribute_error(models, name, method):
    with pytest.raises(AttributeError, match=f"{method}\\(\\) is not available"):
        getattr(models[name], method)(X[:2])


@pytest.mark.parametrize("name", ["nb", "gmm", "ee"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_rows_are_refused_naming_the_row(models, name, bad):
    Z = X[:5].copy()
    Z[3, 1] = bad
    with pytest.raises(ValueError, match="X row 3 holds NaN or infinity"):
        models[name].predict(Z)
    method = "decision_function" if name == "ee" else "predict_proba"
    with pytest.raises(ValueError, match="X row 3 holds NaN or infinity"):
        getattr(models[name], method)(Z)


def test_rows_beyond_float32_range_are_refused_not_guessed(models):
    Z = np.full((2, 4), 3e37, np.float32)
    Z[0] = X[0]
    for name in ("nb", "gmm"):
        with pytest.raises(ValueError, match="X row 1 is too far from every component for float32"):
            models[name].predict(Z)
    assert models["gmm"].score_samples(Z)[1] == -np.inf  # the log-likelihood is below float32's range
    assert list(models["ee"].predict(Z)) == [1, -1]       # an outlier


def test_float64_rows_are_rounded_to_float32_first(models):
    Z = X[:10] + 1e-9
    np.testing.assert_array_equal(models["gmm"].score_samples(Z), models["gmm"].score_samples(Z.astype(np.float32)))


@pytest.mark.parametrize("name", ["nb", "gmm", "ee"])
def test_corrupt_files_are_refused(models, name):
    data = bytearray(models[name].to_bytes())
    sections = mlm.read_sections(bytes(data))
    params = dict(zip(("n_features", "n_components", "n_classes", "task", "covariance", "feature_type"),
                      sections[1].tolist()))
    assert params["n_features"] == 4

    def rewrite(section_id, values):
        s = dict(mlm.read_sections(bytes(data)))
        meta = mlm.read_metadata(bytes(data))
        s.pop(mlm.SECTION_METADATA)
        s[section_id] = values
        return mlm.write(mlm.KIND_GAUSSIAN, s, metadata=meta)

    bad_means = sections[3].copy()
    bad_means[0] = np.nan
    with pytest.raises(ValueError, match="impossible value"):
        microlearn.load(rewrite(3, bad_means))
    with pytest.raises(ValueError, match="size does not match"):
        microlearn.load(rewrite(5, sections[5][:-1]))
    p = sections[1].copy()
    p[4] = 7
    with pytest.raises(ValueError, match="impossible value"):
        microlearn.load(rewrite(1, p))
    data[-1] ^= 0xFF
    with pytest.raises(ValueError, match="corrupt"):
        microlearn.load(bytes(data))


def test_a_factor_scikit_learn_cannot_score_is_refused():
    """Negative diagonal entries (set by hand): scikit-learn's log-determinant
    is NaN and so are its scores; the converter refuses rather than store NaN."""
    est = GaussianMixture(2, covariance_type="diag", random_state=0).fit(X)
    est.precisions_cholesky_ = -est.precisions_cholesky_
    assert np.isnan(est.score_samples(X[:1])).all()
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="log-density constants are not finite"):
        microlearn.convert(est)
