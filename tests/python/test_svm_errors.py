"""Kernel SVMs: unsupported options refused by name, bad input refused with a
clear error (never a silent wrong answer), corrupt files refused at load."""
import struct
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.svm import SVC, SVR, OneClassSVM

import microlearn
from microlearn import _engine, mlm
from microlearn.converters import svm as svm_converter

X, Y = load_iris(return_X_y=True)


@pytest.mark.parametrize("option,match", [
    ({"feature_dtype": "int16"}, "float32 features only"),
    ({"feature_scale": 100.0}, "feature_scale and feature_offset apply to int16"),
    ({"feature_offset": [1.0, 0, 0, 0]}, "feature_scale and feature_offset apply to int16"),
])
@pytest.mark.parametrize("est", [SVC().fit(X, Y), SVR().fit(X, Y), OneClassSVM().fit(X)],
                         ids=lambda e: type(e).__name__)
def test_int16_options_are_refused(est, option, match):
    with pytest.raises(microlearn.UnsupportedEstimatorError, match=match):
        microlearn.convert(est, **option)


def test_precomputed_and_callable_kernels_are_refused():
    K = X @ X.T
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="kernel='precomputed'"):
        microlearn.convert(SVC(kernel="precomputed").fit(K, Y))
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="kernel=<function"):
        microlearn.convert(SVR(kernel=lambda a, b: a @ b.T).fit(X, Y))


def test_break_ties_with_ovo_is_refused():
    est = SVC(break_ties=True, decision_function_shape="ovo").fit(X, Y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="break_ties=True and decision_function_shape='ovo'"):
        microlearn.convert(est)


def test_coefficients_beyond_float32_are_refused():
    est = SVR(kernel="linear").fit(X, Y)
    est._dual_coef_ = est._dual_coef_ * 1e300
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="dual coefficients are not finite in float32"):
        microlearn.convert(est)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_rows_are_refused(bad):
    model = microlearn.convert(SVC().fit(X, Y))
    rows = X[:5].astype(np.float32)
    rows[3, 1] = bad
    for method in (model.predict, model.decision_function):
        with pytest.raises(ValueError, match="row 3 holds NaN or infinity"):
            method(rows)


def test_overflowing_decision_is_refused():
    model = microlearn.convert(SVR(kernel="linear").fit(X, Y))
    with pytest.raises(ValueError, match="too large for float32"):
        model.predict(np.full((1, 4), 3e38, np.float32))


@pytest.mark.parametrize("kernel", ["rbf", "sigmoid"])
def test_a_kernel_product_beyond_float32_is_refused_not_dropped(kernel):
    """Features near 1e20 with gamma='scale' (~1 / variance, 3e-41: below
    float32's normal range): each squared distance or dot product overflows
    float32, gamma times it becomes inf, and the kernel value 0 (rbf) or 1
    (sigmoid) where scikit-learn's is in between: the decision was the
    intercept alone (a third of the labels wrong, silently). Now each row
    either agrees with scikit-learn or is refused as too large."""
    rng = np.random.default_rng(1)
    base = rng.normal(size=(200, 3))
    Xh = (base * 1e20).astype(np.float32).astype(np.float64)
    y = (base[:, 0] + base[:, 1] > 0).astype(int)
    est = SVC(kernel=kernel).fit(Xh, y)
    model = microlearn.convert(est)
    rows = Xh[:60].astype(np.float32)
    for i in range(len(rows)):
        try:
            got = model.predict(rows[i:i + 1])
        except ValueError as e:
            assert "too large for float32" in str(e)
            continue
        assert got[0] == est.predict(rows[i:i + 1].astype(np.float64))[0], i
    # gamma large enough that every product past float32's range underflows exp
    # / saturates tanh: the kernel value 0 / +-1 is right, so the row still runs
    big = SVC(kernel="rbf", gamma=1.0).fit(X, Y)
    assert microlearn.convert(big).predict(np.full((1, 4), 3e38, np.float32))[0] == \
        big.predict(np.full((1, 4), 3e38))[0]


def test_methods_a_model_lacks():
    svr = microlearn.convert(SVR().fit(X, Y))
    with pytest.raises(AttributeError, match="decision_function"):
        svr.decision_function(X)
    with pytest.raises(AttributeError, match="score_samples"):
        microlearn.convert(SVC().fit(X, Y)).score_samples(X)


# ---- corrupt files: every parameter and size the loader checks ----------------

def sections_of(est):
    data = svm_converter.convert(est)
    return {k: v for k, v in mlm.read_sections(data).items()}


def rewrite(sections):
    return mlm.write(mlm.KIND_SVM, sections)  # the metadata section rides along as it was


def load_status(sections):
    """The engine's own verdict (not the metadata checks of Model)."""
    try:
        _engine.SvmModel(rewrite(sections))
    except ValueError as e:
        return str(e)
    return "ok"


@pytest.fixture(scope="module")
def proba_sections():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return sections_of(SVC(probability=True, random_state=0, decision_function_shape="ovr",
                               break_ties=True).fit(X, Y))


def test_the_unmodified_sections_load(proba_sections):
    assert load_status(dict(proba_sections)) == "ok"


@pytest.mark.parametrize("index,value", [
    (0, 0), (0, 3), (0, 70000),    # n_features
    (1, 0), (1, 5),                 # n_sv
    (2, 1), (2, 0), (2, 4),         # n_classes
    (3, 3), (3, 0), (3, 2),         # task
    (4, 4),                         # kernel
    (6, 2), (6, 0),                 # ovr (break_ties needs it)
    (7, 2), (8, 2), (8, 0),         # break_ties, probability
    (9, 1),                         # feature type
])
def test_every_parameter_is_checked(proba_sections, index, value):
    s = dict(proba_sections)
    params = s[1].copy()
    params[index] = value
    s[1] = params
    assert load_status(s) != "ok"


@pytest.mark.parametrize("section", [1, 2, 3, 4, 5, 6, 7, 8])
def test_every_section_size_is_checked(proba_sections, section):
    s = dict(proba_sections)
    s[section] = s[section][:-1]
    assert load_status(s) != "ok"
    s = dict(proba_sections)
    del s[section]
    assert load_status(s) != "ok"


@pytest.mark.parametrize("section", [2, 3, 5, 6, 7, 8])
def test_non_finite_parameters_are_refused(proba_sections, section):
    s = dict(proba_sections)
    v = s[section].copy()
    v[0] = np.nan
    s[section] = v
    assert load_status(s).endswith("bad_parameter")


def test_n_support_must_sum_to_n_sv(proba_sections):
    s = dict(proba_sections)
    ns = s[4].copy()
    ns[0] += 1
    s[4] = ns
    assert load_status(s) != "ok"


def test_platt_sections_without_probability_are_refused(proba_sections):
    s = dict(proba_sections)
    params = s[1].copy()
    params[8] = 0
    s[1] = params
    assert load_status(s) != "ok"


def test_random_corruption_never_crashes():
    data = svm_converter.convert(SVC(kernel="poly").fit(X, Y))
    rng = np.random.default_rng(0)
    rows = X[:3].astype(np.float32)
    for _ in range(300):
        d = bytearray(data)
        for _ in range(3):
            d[int(rng.integers(24, len(d)))] = int(rng.integers(0, 256))
        d[16:20] = b"\0\0\0\0"
        d[16:20] = struct.pack("<I", zlib.crc32(bytes(d)))
        try:
            m = microlearn.Model(bytes(d))
            m.predict(rows)
            m.decision_function(rows)
        except (ValueError, AttributeError):
            pass
