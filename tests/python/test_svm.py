"""Kernel SVMs against scikit-learn: every estimator, kernel, decision shape,
break_ties and probability, over data shapes and seeds, on held-out float32
rows. Tolerances (docs/svm.md): decision values within
svm_cases.decision_tolerance (the float32 rounding bound / 8); labels equal
except where scikit-learn's own decision is within that tolerance of a tie;
probabilities within 2e-4 (binary) or 0.01 / n_classes (libsvm's pairwise
coupling stops once its residual is below 0.005 / n_classes, and float32
rounding can stop it a step earlier or later)."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_blobs, make_classification, make_regression
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM

import microlearn
from svm_cases import decision_tolerance

KERNELS = ["linear", "poly", "rbf", "sigmoid"]


def proba_tolerance(n_classes):
    return 2e-4 if n_classes == 2 else 0.01 / n_classes


@pytest.fixture(autouse=True)
def _no_probability_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # probability=True, deprecated in scikit-learn 1.9
        yield


def split(X, seed=0, frac=0.7):
    idx = np.random.default_rng(seed).permutation(len(X))
    n = int(frac * len(X))
    return idx[:n], idx[n:]


def check_classifier(est, X, y, seed=0):
    train, test = split(X, seed)
    est.fit(X[train], y[train])
    model = microlearn.convert(est)
    rows = X[test].astype(np.float32)
    tol = decision_tolerance(est, rows)
    got, want = model.decision_function(rows), est.decision_function(rows)
    assert got.shape == want.shape
    err = np.abs(got - want).reshape(len(rows), -1)
    assert np.all(err <= tol[:, None]), np.max(err / tol[:, None])
    pred, ref = model.predict(rows), est.predict(rows)
    # A different label only where scikit-learn's own pair decision is a
    # rounding away from 0 (libsvm votes in float64).
    pairs = est.decision_function_shape
    if pairs != "ovo" and len(est.classes_) > 2:
        est.decision_function_shape = "ovo"
        ovo = est.decision_function(rows)
        est.decision_function_shape = pairs
    else:
        ovo = est.decision_function(rows).reshape(len(rows), -1)
    near_tie = np.any(np.abs(ovo) <= tol[:, None], axis=1)
    assert np.all((pred == ref) | near_tie)
    assert np.mean(pred == ref) >= 0.97
    if "predict_proba" in model.info["methods"]:
        np.testing.assert_allclose(model.predict_proba(rows), est.predict_proba(rows),
                                   atol=proba_tolerance(len(est.classes_)), rtol=0)
    return model


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("shape", ["ovo", "ovr"])
@pytest.mark.parametrize("seed", [0, 1])
def test_svc_every_kernel_and_shape(kernel, n_classes, shape, seed):
    X, y = make_classification(240, 7, n_informative=5, n_classes=n_classes, n_clusters_per_class=1,
                               random_state=seed)
    X = X * (1 + seed * 4)  # unscaled features too
    check_classifier(SVC(kernel=kernel, decision_function_shape=shape, gamma="scale", degree=2 + seed), X, y, seed)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_nusvc(kernel, n_classes):
    X, y = make_blobs(200, 4, centers=n_classes, cluster_std=2.5, random_state=n_classes)
    check_classifier(NuSVC(nu=0.3, kernel=kernel, gamma="auto"), X, y)


@pytest.mark.parametrize("n_classes", [3, 4, 6])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_break_ties_predicts_by_the_ovr_decision(n_classes, seed):
    X, y = make_blobs(300, 3, centers=n_classes, cluster_std=4.0, random_state=seed)
    model = check_classifier(SVC(break_ties=True, C=0.5), X, y, seed)
    rows = X.astype(np.float32)
    np.testing.assert_array_equal(model.predict(rows), model.classes_[np.argmax(model.decision_function(rows), 1)])


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("n_classes", [2, 3, 5, 8])
def test_probability_platt_and_pairwise_coupling(kernel, n_classes):
    X, y = make_classification(250, 5, n_informative=3, n_redundant=1, n_classes=n_classes, n_clusters_per_class=1,
                               flip_y=0.1, random_state=n_classes)
    est = SVC(kernel=kernel, probability=True, random_state=0)
    model = check_classifier(est, X, y)
    assert "predict_proba" in model.info["methods"]
    p = model.predict_proba(X.astype(np.float32))
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-5)


def test_probability_prediction_is_still_the_vote():
    X, y = make_blobs(300, 2, centers=3, cluster_std=3.0, random_state=5)
    est = SVC(probability=True, random_state=0).fit(X, y)
    model = microlearn.convert(est)
    rows = X.astype(np.float32)
    np.testing.assert_array_equal(model.predict(rows), est.predict(rows))
    assert np.any(model.predict(rows) != np.argmax(model.predict_proba(rows), 1))  # they do differ here


def test_no_probability_has_no_predict_proba():
    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(SVC().fit(X, y))
    assert "predict_proba" not in model.info["methods"]
    with pytest.raises(AttributeError, match="predict_proba"):
        model.predict_proba(X)


@pytest.mark.parametrize("labels", ["strings", "negative", "bool"])
def test_labels(labels):
    X, y = load_iris(return_X_y=True)
    y = {"strings": np.array(["setosa", "versicolor", "virginica"])[y], "negative": y * -7 - 3,
         "bool": y == 2}[labels]
    est = SVC(kernel="poly").fit(X, y)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    np.testing.assert_array_equal(model.classes_, est.classes_)


@pytest.mark.parametrize("Est", [SVR, NuSVR])
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("n_features", [1, 6])
def test_regressors(Est, kernel, n_features):
    X, y = make_regression(200, n_features, noise=2.0, random_state=n_features)
    y = y / np.std(y)
    train, test = split(X)
    est = Est(kernel=kernel, C=3.0).fit(X[train], y[train])
    model = microlearn.convert(est)
    rows = X[test].astype(np.float32)
    assert model.info["task"] == "regression" and "decision_function" not in model.info["methods"]
    err = np.abs(model.predict(rows) - est.predict(rows))
    assert np.all(err <= decision_tolerance(est, rows)), err.max()


@pytest.mark.parametrize("kernel", KERNELS)
def test_regressor_without_support_vectors_predicts_its_intercept(kernel):
    """An epsilon wider than the targets' spread leaves no support vector:
    scikit-learn then predicts the intercept for every row."""
    X, y = make_regression(100, 3, random_state=0)
    est = SVR(kernel=kernel, epsilon=10 * np.ptp(y)).fit(X, y)
    assert len(est.support_vectors_) == 0
    rows = np.vstack([X, X * 1e3]).astype(np.float32)
    np.testing.assert_array_equal(microlearn.convert(est).predict(rows), est.predict(rows).astype(np.float32))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("seed", [0, 1])
def test_one_class_svm(kernel, seed):
    X, _ = make_blobs(300, 4, centers=2, random_state=seed)
    far = X[:30] * 3 + 10
    train, test = split(X, seed)
    est = OneClassSVM(kernel=kernel, nu=0.2, gamma="scale").fit(X[train])
    model = microlearn.convert(est)
    rows = np.vstack([X[test], far]).astype(np.float32)
    tol = decision_tolerance(est, rows)
    dec = est.decision_function(rows)
    assert np.all(np.abs(model.decision_function(rows) - dec) <= tol)
    assert np.all(np.abs(model.score_samples(rows) - est.score_samples(rows)) <= tol)
    pred = model.predict(rows)
    assert set(pred) <= {-1, 1}
    assert np.all((pred == est.predict(rows)) | (np.abs(dec) <= tol))


def test_sparse_fitted_models_convert_dense():
    X, y = load_iris(return_X_y=True)
    est = SVC().fit(sp.csr_matrix(X), y)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(sp.csr_matrix(X)))


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    est = SVC().fit(X, y)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    with pytest.raises(ValueError, match="columns"):
        model.predict(X[X.columns[::-1]])
    assert isinstance(X, pd.DataFrame)


def test_info():
    X, y = load_iris(return_X_y=True)
    info = microlearn.convert(SVC(kernel="sigmoid", decision_function_shape="ovo").fit(X, y)).info
    assert info["kernel"] == "sigmoid" and info["n_classes"] == 3 and info["n_features"] == 4
    assert info["decision_function_shape"] == "ovo" and info["task"] == "classification"
    assert info["n_support_vectors"] > 0
