"""SGD learning (the engine's partial_fit, as the device runs it, through the
host's LinearTrainer) against scikit-learn's SGDClassifier / SGDRegressor
partial_fit (float64, shuffle=False) on the same samples in the same order:
docs/linear.md's tolerances. Trainable files: created from zeros, converted
from a fitted SGD model, continued, saved and loaded back."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler

import microlearn
from microlearn import _engine, mlm
from microlearn.converters import linear as L

# docs/linear.md: weights within SGD_RTOL of scikit-learn's largest weight
# ('constant' and 'invscaling'). 'optimal' takes steps of 1 / (alpha t),
# above 1 for thousands of samples, which amplify float32 rounding (1e-7 at
# first, about 1 % after 300 samples, more later; and a margin that lands
# within rounding of a loss's kink takes a step in one and not the other):
# its weights are compared over the first OPTIMAL_SAMPLES samples with
# SGD_OPTIMAL_RTOL, its predictions over 300 samples (OPTIMAL_AGREEMENT).
SGD_RTOL = 1e-5
SGD_OPTIMAL_RTOL = 1e-4
OPTIMAL_SAMPLES = 60
OPTIMAL_AGREEMENT = 0.9


def weights(data: bytes, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    s = mlm.read_sections(data)
    return s[L.S_WEIGHTS].reshape(n_outputs, -1), s[L.S_INTERCEPTS]


def data(kind, seed):
    if kind == "iris":
        X, y = load_iris(return_X_y=True)
    else:
        X, y = make_classification(300, 10, n_informative=5, n_classes=2 if kind == "binary" else 4,
                                   n_clusters_per_class=1, random_state=seed)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    p = np.random.default_rng(seed).permutation(len(X))
    return X[p], y[p]


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber"])
@pytest.mark.parametrize("schedule", ["constant", "optimal", "invscaling"])
@pytest.mark.parametrize("kind", ["binary", "iris", "four"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_classifier_from_zeros_matches_scikit_learn(loss, schedule, kind, fit_intercept):
    X, y = data(kind, 0)
    classes = np.unique(y)
    if schedule == "optimal":
        X, y = X[:OPTIMAL_SAMPLES], y[:OPTIMAL_SAMPLES]
    eta0 = {"constant": 0.01, "optimal": 0.01, "invscaling": 0.1}[schedule]
    opts = dict(loss=loss, learning_rate=schedule, eta0=eta0, alpha=1e-3, fit_intercept=fit_intercept)
    sk = SGDClassifier(shuffle=False, **opts)
    tr = _engine.LinearTrainer(L.new_model(X.shape[1], len(classes), **opts))
    for chunk in np.array_split(np.arange(len(X)), 3):  # several calls, as on the device
        sk.partial_fit(X[chunk].astype(np.float64), y[chunk], classes=classes)
        tr.partial_fit(X[chunk], y[chunk].astype(np.float32))
    assert tr.t_ == sk.t_ == len(X) + 1
    model = microlearn.Model(tr.to_bytes())
    W, b = weights(model.to_bytes(), sk.coef_.shape[0])
    rtol = SGD_OPTIMAL_RTOL if schedule == "optimal" else SGD_RTOL
    scale = np.abs(sk.coef_).max()
    assert np.abs(W - sk.coef_).max() <= rtol * scale, np.abs(W - sk.coef_).max() / scale
    assert np.abs(b - sk.intercept_).max() <= rtol * max(scale, np.abs(sk.intercept_).max())
    if not fit_intercept:
        assert np.all(b == 0)
    dec = sk.decision_function(X)
    clear = np.abs(dec if dec.ndim == 1 else np.diff(np.sort(dec, axis=1)[:, -2:], axis=1)[:, 0]) > 0.05 * scale
    np.testing.assert_array_equal(model.predict(X)[clear], sk.predict(X)[clear])
    if loss != "hinge":
        assert "predict_proba" in model.info["methods"]


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber"])
@pytest.mark.parametrize("kind", ["binary", "four"])
def test_optimal_schedule_over_many_samples_predicts_alike(loss, kind):
    X, y = data(kind, 2)
    sk = SGDClassifier(loss=loss, shuffle=False).partial_fit(X.astype(np.float64), y, classes=np.unique(y))
    tr = _engine.LinearTrainer(L.new_model(X.shape[1], len(np.unique(y)), loss=loss))
    tr.partial_fit(X, y.astype(np.float32))
    assert (microlearn.Model(tr.to_bytes()).predict(X) == sk.predict(X)).mean() >= OPTIMAL_AGREEMENT


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])  # 'optimal' diverges in scikit-learn too
@pytest.mark.parametrize("seed", [0, 1])
def test_regressor_from_zeros_matches_scikit_learn(schedule, seed):
    X, y = make_regression(400, 6, noise=1.0, random_state=seed)
    X = X.astype(np.float32)
    y = (y / y.std()).astype(np.float32)
    opts = dict(learning_rate=schedule, eta0=0.01, alpha=1e-4)
    sk = SGDRegressor(shuffle=False, **opts).partial_fit(X.astype(np.float64), y)
    tr = _engine.LinearTrainer(L.new_model(6, **opts))
    tr.partial_fit(X, y)
    W, b = weights(tr.to_bytes(), 1)
    rtol = SGD_RTOL
    assert np.abs(W[0] - sk.coef_).max() <= rtol * np.abs(sk.coef_).max()
    model = microlearn.Model(tr.to_bytes())
    np.testing.assert_allclose(model.predict(X), sk.predict(X), rtol=0, atol=10 * rtol * np.abs(sk.predict(X)).max())


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber"])
def test_continuing_a_converted_model(loss):
    """A fitted SGDClassifier converts with its SGD state (t_ too): learning on
    from it matches scikit-learn's partial_fit on the same new samples."""
    X, y = data("iris", 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SGDClassifier(loss=loss, learning_rate="invscaling", eta0=0.05, shuffle=False, max_iter=4,
                           tol=None).fit(X[:100].astype(np.float64), y[:100])
    model = microlearn.convert(sk)
    assert "not_trainable" not in model.metadata
    tr = _engine.LinearTrainer(model.to_bytes())
    assert tr.t_ == sk.t_
    sk.partial_fit(X[100:].astype(np.float64), y[100:])
    tr.partial_fit(X[100:], y[100:].astype(np.float32))
    W, _ = weights(tr.to_bytes(), 3)
    assert np.abs(W - sk.coef_).max() <= SGD_RTOL * 10 * np.abs(sk.coef_).max()


def test_options_the_device_does_not_offer_convert_for_prediction_only():
    X, y = data("iris", 0)
    for est, why in [(SGDClassifier(penalty="l1"), "penalty='l1'"), (SGDClassifier(average=True), "average=True"),
                     (SGDClassifier(loss="perceptron"), "loss='perceptron'"),
                     (SGDClassifier(learning_rate="adaptive"), "learning_rate='adaptive'"),
                     (SGDClassifier(class_weight="balanced"), "class_weight")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = microlearn.convert(est.fit(X, y))
        assert why in model.metadata["not_trainable"]
        with pytest.raises(ValueError, match="not a trainable linear model"):
            _engine.LinearTrainer(model.to_bytes())
    for est in (SGDRegressor(loss="huber"), SGDRegressor(penalty="elasticnet")):
        model = microlearn.convert(est.fit(X, y))
        assert "not_trainable" in model.metadata


def test_new_model_refuses_bad_options():
    with pytest.raises(ValueError, match="bad_parameter"):
        L.new_model(4, 3, learning_rate="constant", eta0=0.0)
    with pytest.raises(ValueError, match="bad_parameter"):
        L.new_model(4, 3, alpha=0.0)  # 'optimal' divides by alpha
    with pytest.raises(ValueError, match="bad_parameter"):
        L.new_model(4, 3, loss="squared_error")
    with pytest.raises(ValueError, match="bad_parameter"):
        L.new_model(4, 0, loss="hinge")
    with pytest.raises(ValueError, match="bad_parameter"):
        L.new_model(4, 1)
    with pytest.raises(ValueError, match="loss must be one of"):
        L.new_model(4, 3, loss="huber")


def test_trainer_refuses_bad_samples():
    tr = _engine.LinearTrainer(L.new_model(3, 3))
    for y in (3.0, -1.0, 0.5, np.nan):
        with pytest.raises(ValueError, match="class index"):
            tr.partial_fit(np.zeros((1, 3), np.float32), np.array([y], np.float32))
    with pytest.raises(ValueError, match="NaN or infinity"):
        tr.partial_fit(np.array([[0, np.inf, 0]], np.float32), np.array([1], np.float32))
    with pytest.raises(ValueError, match=r"\(n_samples, 3\)"):
        tr.partial_fit(np.zeros((1, 4), np.float32), np.array([1], np.float32))
    assert tr.t_ == 1.0  # nothing learned from refused samples
    reg = _engine.LinearTrainer(L.new_model(2, eta0=1e30, learning_rate="constant"))
    with pytest.raises(ValueError, match="out_of_range"):
        reg.partial_fit(np.full((5, 2), 1e10, np.float32), np.full(5, 1e10, np.float32))


def test_saved_bytes_load_as_a_model_with_its_labels():
    tr = _engine.LinearTrainer(L.new_model(4, 3, loss="log_loss"))
    X, y = data("iris", 1)
    tr.partial_fit(X, y.astype(np.float32))
    model = microlearn.Model(tr.to_bytes())
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.metadata["estimator"] == "SGDClassifier"
    np.testing.assert_array_equal(model.predict(X), tr.predict(X))
    assert (model.predict(X) == y).mean() > 0.6
    assert model.predict_proba(X).shape == (len(X), 3)
