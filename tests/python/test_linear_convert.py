"""Linear models: every converted estimator against scikit-learn on held-out
float32 rows, over data shapes, class counts and seeds, with docs/linear.md's
tolerances; links; refused options; the engine's errors."""
import warnings

import numpy as np
import pytest
from sklearn import linear_model as lm
from sklearn import svm
from sklearn.datasets import make_classification, make_regression

import microlearn
from microlearn.errors import UnsupportedEstimatorError

# docs/linear.md: decision values and regression outputs within
# DECISION_RTOL * (1 + |W| |x| + |b|) (float32 products summed in float32);
# probabilities within PROBA_ATOL; labels exact except where scikit-learn's
# own score lies within that tolerance of a tie.
DECISION_RTOL = 2e-6
PROBA_ATOL = 2e-6

CLASSIFIERS = {
    "logistic": lambda s: lm.LogisticRegression(max_iter=2000),
    "logistic-C": lambda s: lm.LogisticRegression(C=0.05, max_iter=2000),
    "logistic-liblinear": lambda s: lm.LogisticRegression(solver="liblinear"),
    "logistic-cv": lambda s: lm.LogisticRegressionCV(Cs=3, cv=3, max_iter=500),
    "linear-svc": lambda s: svm.LinearSVC(random_state=s),
    "linear-svc-cs": lambda s: svm.LinearSVC(multi_class="crammer_singer", random_state=s),
    "sgd-hinge": lambda s: lm.SGDClassifier(random_state=s),
    "sgd-log": lambda s: lm.SGDClassifier(loss="log_loss", random_state=s),
    "sgd-huber": lambda s: lm.SGDClassifier(loss="modified_huber", random_state=s),
    "sgd-perceptron-l1": lambda s: lm.SGDClassifier(loss="perceptron", penalty="l1", random_state=s),
    "ridge": lambda s: lm.RidgeClassifier(),
    "ridge-cv": lambda s: lm.RidgeClassifierCV(),
    "perceptron": lambda s: lm.Perceptron(random_state=s),
    "passive-aggressive": lambda s: lm.PassiveAggressiveClassifier(random_state=s),
}

REGRESSORS = {
    "ols": lambda s: lm.LinearRegression(),
    "ols-no-intercept": lambda s: lm.LinearRegression(fit_intercept=False),
    "ridge": lambda s: lm.Ridge(alpha=2.0),
    "ridge-cv": lambda s: lm.RidgeCV(),
    "lasso": lambda s: lm.Lasso(alpha=0.5),
    "lasso-cv": lambda s: lm.LassoCV(cv=3),
    "elastic-net": lambda s: lm.ElasticNet(alpha=0.3),
    "elastic-net-cv": lambda s: lm.ElasticNetCV(cv=3),
    "huber": lambda s: lm.HuberRegressor(max_iter=1000),
    "quantile": lambda s: lm.QuantileRegressor(alpha=0.0),
    "sgd": lambda s: lm.SGDRegressor(random_state=s),
    "sgd-eps": lambda s: lm.SGDRegressor(loss="epsilon_insensitive", random_state=s),
    "passive-aggressive": lambda s: lm.PassiveAggressiveRegressor(random_state=s),
    "lars": lambda s: lm.Lars(),
    "lasso-lars": lambda s: lm.LassoLars(alpha=0.1),
    "lasso-lars-ic": lambda s: lm.LassoLarsIC(),
    "omp": lambda s: lm.OrthogonalMatchingPursuit(),
    "bayesian-ridge": lambda s: lm.BayesianRidge(),
    "ard": lambda s: lm.ARDRegression(),
    "theil-sen": lambda s: lm.TheilSenRegressor(random_state=s),
    "linear-svr": lambda s: svm.LinearSVR(random_state=s, max_iter=5000),
}

MULTI_OUTPUT = {
    "ols": lambda: lm.LinearRegression(),
    "ridge": lambda: lm.Ridge(),
    "lasso": lambda: lm.Lasso(alpha=0.2),
    "multitask-lasso": lambda: lm.MultiTaskLasso(alpha=0.2),
    "multitask-enet": lambda: lm.MultiTaskElasticNet(alpha=0.2),
}

GLMS = {
    "poisson": lambda: lm.PoissonRegressor(alpha=0.1),
    "gamma": lambda: lm.GammaRegressor(alpha=0.1),
    "tweedie-1.5": lambda: lm.TweedieRegressor(power=1.5, alpha=0.1),
    "tweedie-0": lambda: lm.TweedieRegressor(power=0, alpha=0.1),
    "tweedie-identity": lambda: lm.TweedieRegressor(power=1, link="identity", alpha=0.1),
}


def split(X, y, seed):
    idx = np.random.default_rng(seed).permutation(len(X))
    n = int(0.7 * len(X))
    return X[idx[:n]], y[idx[:n]], X[idx[n:]].astype(np.float32), y[idx[n:]]


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def decision_bound(est, X):
    """DECISION_RTOL * (1 + |W| |x| + |b|) per row and output."""
    W = np.atleast_2d(est.coef_)
    b = np.abs(np.asarray(getattr(est, "intercept_", 0.0), np.float64)).reshape(1, -1)
    return DECISION_RTOL * (1 + np.abs(X.astype(np.float64)) @ np.abs(W).T + b)


def check_classifier(est, Xt, proba_atol=PROBA_ATOL):
    model = microlearn.convert(est)
    dec_sk = est.decision_function(Xt).reshape(len(Xt), -1)
    dec = model.decision_function(Xt).reshape(len(Xt), -1)
    bound = decision_bound(est, Xt)
    assert np.all(np.abs(dec - dec_sk) <= bound), np.max(np.abs(dec - dec_sk) / bound)
    pred = model.predict(Xt)
    want = est.predict(Xt)
    # Labels agree wherever scikit-learn's winner is clear of the tolerance.
    if dec_sk.shape[1] == 1:
        clear = np.abs(dec_sk[:, 0]) > bound[:, 0]
    else:
        top2 = np.sort(dec_sk, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 2 * bound.max(axis=1)
    np.testing.assert_array_equal(pred[clear], want[clear])
    assert clear.mean() > 0.9
    has_proba = "predict_proba" in model.info["methods"]
    assert has_proba == hasattr(est, "predict_proba")
    if has_proba:
        # A probability moves at most as much as the scores do (slopes <= 1).
        atol = proba_atol + bound.max(axis=1, keepdims=True)
        got, want = model.predict_proba(Xt), est.predict_proba(Xt)
        # OvR logistic: scikit-learn gives uniform probabilities once every
        # logistic(s) underflows float64 (s < -709.78, where e^-s overflows); rows that near that edge
        # may fall on either side of it.
        edge = np.abs(dec_sk.max(axis=1) + 709.7827) <= bound.max(axis=1)
        got, want, atol = got[~edge], want[~edge], atol[~edge]
        assert np.all(np.abs(got - want) <= atol), np.max(np.abs(got - want) - atol)
    return model


@pytest.mark.parametrize("name", list(CLASSIFIERS))
@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_classifiers_match_scikit_learn(name, n_classes, seed):
    n_features = [3, 12, 40][seed + (n_classes == 5)]
    X, y = make_classification(400, n_features, n_informative=min(n_features, 6), n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, random_state=seed)
    X[:, 0] *= 50  # unequal feature scales
    if name == "logistic-liblinear" and n_classes > 2:
        pytest.skip("liblinear is binary only in this scikit-learn (multi-class OvR: SGDClassifier's log_loss)")
    Xtr, ytr, Xt, _ = split(X, y, seed)
    est = fit(CLASSIFIERS[name](seed), Xtr, ytr)
    model = check_classifier(est, Xt)
    assert model.info["n_classes"] == n_classes
    assert model.info["n_scores"] == (1 if n_classes == 2 else n_classes)


def test_class_labels_of_any_kind():
    X, y = make_classification(200, 5, n_classes=3, n_informative=3, random_state=3)
    for labels in (np.array(["setosa", "versicolor", "virginica"]), np.array([-7, 10, 2 ** 40]),
                   np.array([True, False, True])[:3]):
        yy = labels[y] if len(labels) == 3 else y
        est = fit(lm.LogisticRegression(max_iter=1000), X, yy)
        model = microlearn.convert(est)
        np.testing.assert_array_equal(model.predict(X.astype(np.float32)), est.predict(X.astype(np.float32)))
        assert model.predict(X[:1]).dtype == est.classes_.dtype
    est = fit(lm.LogisticRegression(), X[y < 2], np.array(["no", "yes"])[y[y < 2]])
    np.testing.assert_array_equal(microlearn.convert(est).predict(X.astype(np.float32)),
                                  est.predict(X.astype(np.float32)))


def test_links():
    X, y = make_classification(300, 6, n_classes=3, n_informative=4, random_state=0)
    cases = [(lm.LogisticRegression(), "softmax"), (lm.SGDClassifier(loss="log_loss"), "logistic"),
             (lm.SGDClassifier(loss="modified_huber"), "modified_huber"), (lm.SGDClassifier(), "identity")]
    for est, link in cases:
        assert microlearn.convert(fit(est, X, y)).info["link"] == link, est
    assert microlearn.convert(fit(lm.LogisticRegression(), X, y == 0)).info["link"] == "logistic"
    Xr, yr = make_regression(200, 4, random_state=0)
    for est, link in [(lm.PoissonRegressor(), "exp"), (lm.TweedieRegressor(power=0), "identity"),
                      (lm.Ridge(), "identity")]:
        assert microlearn.convert(fit(est, Xr, np.exp(yr / 200) if link == "exp" else yr)).info["link"] == link


def test_binary_modified_huber_and_all_zero_rows():
    """SGDClassifier(modified_huber): clip to [-1, 1]; rows where every class
    scores <= -1 get scikit-learn's uniform probabilities."""
    X, y = make_classification(300, 4, n_classes=3, n_informative=3, n_redundant=0, random_state=5)
    est = fit(lm.SGDClassifier(loss="modified_huber", random_state=0), X, y)
    far = np.vstack([X * 30, -X * 30]).astype(np.float32)
    model = check_classifier(est, far, proba_atol=1e-5)  # scores of 30x rows: 30x the rounding
    proba = est.predict_proba(far)
    assert np.any(np.all(proba == 1 / 3, axis=1)), "no all-zero row tested"
    np.testing.assert_array_equal(model.predict_proba(far) == np.float32(1 / 3), proba == 1 / 3)


@pytest.mark.parametrize("name", list(REGRESSORS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regressors_match_scikit_learn(name, seed):
    n_features = [1, 7, 30][seed]
    X, y = make_regression(300, n_features, noise=3.0, bias=5.0, random_state=seed)
    X[:, 0] *= 20
    if name == "quantile" and n_features > 7:
        pytest.skip("QuantileRegressor's linear program is slow on 30 features")
    Xtr, ytr, Xt, _ = split(X, y, seed)
    est = fit(REGRESSORS[name](seed), Xtr, ytr)
    model = microlearn.convert(est)
    got, want = model.predict(Xt), est.predict(Xt)
    assert got.shape == want.shape
    bound = decision_bound(est, Xt)[:, 0]
    assert np.all(np.abs(got - want) <= bound), np.max(np.abs(got - want) / bound)
    assert model.info["task"] == "regression" and model.info["methods"] == ["predict"]


@pytest.mark.parametrize("name", list(MULTI_OUTPUT))
def test_multi_output_regressors(name):
    X, y = make_regression(250, 8, n_targets=3, noise=1.0, random_state=4)
    Xtr, ytr, Xt, _ = split(X, y, 4)
    est = fit(MULTI_OUTPUT[name](), Xtr, ytr)
    model = microlearn.convert(est)
    got, want = model.predict(Xt), est.predict(Xt)
    assert got.shape == want.shape == (len(Xt), 3)
    assert np.all(np.abs(got - want) <= decision_bound(est, Xt))
    assert model.info["n_outputs"] == 3


@pytest.mark.parametrize("name", list(GLMS))
def test_glms(name):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 5))
    mu = np.exp(X @ np.array([0.3, -0.2, 0.1, 0.0, 0.25]) + 0.5)
    y = rng.gamma(2.0, mu / 2.0)
    Xtr, ytr, Xt, _ = split(X, y, 7)
    est = fit(GLMS[name](), Xtr, ytr)
    model = microlearn.convert(est)
    got, want = model.predict(Xt), est.predict(Xt)
    # exp link: relative error of exp(s) is the absolute error of s, plus exp's own 2e-7
    s_bound = decision_bound(est, Xt)[:, 0]
    if model.info["link"] == "exp":
        np.testing.assert_array_less(np.abs(got / want - 1), s_bound * 1.01 + 1e-6)
    else:
        assert np.all(np.abs(got - want) <= s_bound)


def test_sparsified_coefficients_and_dataframe_names():
    pd = pytest.importorskip("pandas")
    X, y = make_classification(200, 6, random_state=0)
    est = fit(lm.SGDClassifier(penalty="l1", alpha=0.01, random_state=0), X, y).sparsify()
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X.astype(np.float32)), est.predict(X.astype(np.float32)))
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    est = fit(lm.LogisticRegression(), df, y)
    assert microlearn.convert(est).metadata["feature_names"] == list(df.columns)


def test_refused_options():
    X, y = make_classification(100, 4, random_state=0)
    est = fit(lm.LogisticRegression(), X, y)
    with pytest.raises(UnsupportedEstimatorError, match="float32 features only"):
        microlearn.convert(est, feature_dtype="int16")
    with pytest.raises(UnsupportedEstimatorError, match="feature_scale"):
        microlearn.convert(est, feature_scale=2.0)
    big = fit(lm.LinearRegression(), X, y)
    big.coef_ = big.coef_ * 1e300
    with pytest.raises(UnsupportedEstimatorError, match="not finite in float32"):
        microlearn.convert(big)
    with pytest.raises(UnsupportedEstimatorError, match="not supported"):
        microlearn.convert(fit(lm.RANSACRegressor(random_state=0), X, y))


def test_bad_rows_give_clear_errors():
    X, y = make_classification(100, 4, n_classes=3, n_informative=3, n_redundant=0, random_state=0)
    model = microlearn.convert(fit(lm.LogisticRegression(), X, y))
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X[:3].astype(np.float32)
        Xb[1, 2] = bad
        with pytest.raises(ValueError, match="row 1 holds NaN or infinity"):
            model.predict(Xb)
    with pytest.raises(ValueError, match="overflow float32"):
        model.decision_function(np.full((1, 4), 3e38, np.float32))
    with pytest.raises(ValueError, match="expects 4"):
        model.predict(X[:, :3])
    reg = microlearn.convert(fit(lm.Ridge(), X, y))
    with pytest.raises(AttributeError, match="decision_function"):
        reg.decision_function(X)
    with pytest.raises(AttributeError, match="predict_proba"):
        microlearn.convert(fit(lm.RidgeClassifier(), X, y)).predict_proba(X)
    est = fit(lm.PoissonRegressor(), X, np.abs(y) + 1)
    x = (np.sign(est.coef_) * 100 / np.abs(est.coef_).sum()).reshape(1, -1).astype(np.float32)
    with pytest.raises(ValueError, match="overflow float32"):  # exp(s > 88.7): scikit-learn's float64 gives 1e43
        microlearn.convert(est).predict(x)


def test_a_regressor_fitted_on_a_column_predicts_a_column():
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression
    X, y = load_diabetes(return_X_y=True)
    for target in (y, y.reshape(-1, 1)):
        est = LinearRegression().fit(X, target)
        got = microlearn.convert(est).predict(X)
        assert got.shape == est.predict(X).shape


@pytest.mark.parametrize("cls", [lm.RidgeClassifier, lm.RidgeClassifierCV])
@pytest.mark.parametrize("n_labels", [2, 3])
def test_multilabel_ridge_classifier_is_refused(cls, n_labels):
    """Fitted on an indicator matrix, RidgeClassifier predicts one 0/1 column per label: with 3 labels it
    converted as a 3-class model (one label per row: wrong), with 2 it failed on coef_'s shape."""
    X, _ = make_classification(100, 4, random_state=0)
    Y = (X[:, :n_labels] > 0).astype(int)
    with pytest.raises(UnsupportedEstimatorError, match="multilabel targets"):
        microlearn.convert(cls().fit(X, Y))
