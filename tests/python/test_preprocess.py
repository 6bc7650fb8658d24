"""Preprocessing stored in the model (Pipelines): every step against
scikit-learn's transform, Pipelines ending in every family against
scikit-learn's predictions, refused steps and options, corrupt chains."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.feature_selection import SelectFromModel, SelectKBest, SelectPercentile, VarianceThreshold
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (FunctionTransformer, MaxAbsScaler, MinMaxScaler, Normalizer,
                                   PolynomialFeatures, RobustScaler, StandardScaler)
from sklearn.svm import SVC

import microlearn
from microlearn import _engine, mlm
from microlearn.errors import UnsupportedEstimatorError

# Largest error of a step's float32 output, relative to the largest
# magnitude of that output column (docs/preprocessing.md). Measured: 1.2e-7
# for the scalers, 1.9e-7 Normalizer, 2.5e-7 PCA (n_in = 10), exact for
# PolynomialFeatures and selections.
REL_TOL = 1e-6


def data(seed, n=1500, d=10, classes=3):
    rng = np.random.default_rng(seed)
    X, y = make_classification(n, d, n_informative=min(d, 6), n_redundant=0, n_classes=classes,
                               random_state=seed)
    X = X * rng.uniform(0.1, 100, d) + rng.uniform(-50, 50, d)
    return X.astype(np.float32), y


def chain_output(model, X):
    """What the model's engine gets: the stored chain applied by the C++ code."""
    assert model._preprocess is not None
    return model._preprocess.apply(np.ascontiguousarray(X, np.float32))


def assert_transform_close(model, pipe, X, rel=REL_TOL):
    ours = chain_output(model, X)
    ref = pipe[:-1].transform(X).astype(np.float64)
    assert ours.shape == ref.shape
    scale = np.maximum(np.abs(ref).max(axis=0), 1e-30)
    err = (np.abs(ours - ref) / scale).max()
    assert err <= rel, err


STEPS = [
    lambda: StandardScaler(), lambda: StandardScaler(with_mean=False), lambda: StandardScaler(with_std=False),
    lambda: MinMaxScaler(), lambda: MinMaxScaler(feature_range=(-3, 7)), lambda: MaxAbsScaler(),
    lambda: RobustScaler(), lambda: RobustScaler(with_centering=False, unit_variance=True),
    lambda: RobustScaler(with_scaling=False),
    lambda: Normalizer("l1"), lambda: Normalizer("l2"), lambda: Normalizer("max"),
    lambda: PCA(4), lambda: PCA(4, whiten=True), lambda: PCA(0.9), lambda: TruncatedSVD(3),
    lambda: PolynomialFeatures(2), lambda: PolynomialFeatures(2, include_bias=False),
    lambda: PolynomialFeatures(2, interaction_only=True),
    lambda: VarianceThreshold(), lambda: SelectKBest(k=4), lambda: SelectPercentile(percentile=30),
    lambda: SelectFromModel(RandomForestClassifier(10, random_state=0), max_features=3),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("make_step", STEPS)
def test_each_step_matches_scikit_learn(make_step, seed):
    X, y = data(seed)
    pipe = make_pipeline(make_step(), GaussianNB()).fit(X[:1000], y[:1000])
    model = microlearn.convert(pipe)
    assert model.n_features_in_ == X.shape[1]
    assert_transform_close(model, pipe, X[1000:])
    assert np.array_equal(model.predict(X[1000:]), pipe.predict(X[1000:]))


def test_selection_and_polynomial_are_exact():
    X, y = data(3, d=7)
    pipe = make_pipeline(SelectKBest(k=5), PolynomialFeatures(2), GaussianNB()).fit(X, y)
    model = microlearn.convert(pipe)
    assert np.array_equal(chain_output(model, X), pipe[:-1].transform(X))


def test_constant_features_and_zero_rows():
    X, y = data(4)
    X[:, 3] = 2.5  # zero variance, zero range: scikit-learn's scale 1
    X[::7] = 0  # zero rows: Normalizer leaves them as they are
    for step in (StandardScaler(), MinMaxScaler(), RobustScaler(), Normalizer(), Normalizer("max")):
        pipe = make_pipeline(step, GaussianNB()).fit(X, y)
        assert_transform_close(microlearn.convert(pipe), pipe, X)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("final", [
    lambda: RandomForestClassifier(20, random_state=0), lambda: HistGradientBoostingClassifier(max_iter=20),
    lambda: GaussianNB(), lambda: KNeighborsClassifier(5), lambda: SVC(), lambda: LogisticRegression(max_iter=500),
])
@pytest.mark.parametrize("steps", [
    lambda: [StandardScaler()], lambda: [MinMaxScaler(), PCA(5, whiten=True)],
    lambda: [VarianceThreshold(), SelectKBest(k=6), PolynomialFeatures(2), MaxAbsScaler()],
    lambda: [RobustScaler(), Normalizer(), TruncatedSVD(4)],
])
def test_pipelines_predict_as_scikit_learn(steps, final, seed):
    X, y = data(seed, n=2000, classes=2 + seed % 2)
    pipe = make_pipeline(*steps(), final()).fit(X[:1000], y[:1000])
    model = microlearn.convert(pipe)
    Xt = X[1000:]
    # Trees compare float32 values with thresholds: a 1-ulp difference of a
    # scaled value may cross one (docs/preprocessing.md); measured 0 of 16,000.
    agree = (model.predict(Xt) == pipe.predict(Xt)).mean()
    assert agree >= 0.998, agree
    if hasattr(final(), "predict_proba") and "predict_proba" in model.info["methods"]:
        assert np.abs(model.predict_proba(Xt) - pipe.predict_proba(Xt)).max() < 1e-3


def test_trees_after_scalers_rarely_cross_a_threshold():
    """scikit-learn scales in float64 and rounds; the chain computes in
    float32: about a third of the scaled values differ by 1 ulp, which moves
    a tree's decision only when a value sits at a threshold."""
    X, y = data(5, n=20000)
    for step in (StandardScaler(), MinMaxScaler(), RobustScaler(), PCA(6)):
        pipe = make_pipeline(step, RandomForestClassifier(20, random_state=0)).fit(X[:4000], y[:4000])
        model = microlearn.convert(pipe)
        assert (model.predict(X[4000:]) != pipe.predict(X[4000:])).sum() <= 3  # of 16,000; measured 0


def test_regression_pipeline():
    X, y = make_regression(800, 8, random_state=0)
    X = X.astype(np.float32)
    for final in (RandomForestRegressor(10, random_state=0), Ridge()):
        pipe = make_pipeline(StandardScaler(), PCA(5), final).fit(X[:500], y[:500])
        model = microlearn.convert(pipe)
        ref = pipe.predict(X[500:])
        assert np.abs(model.predict(X[500:]) - ref).max() <= 1e-4 * np.abs(ref).max()


def test_nested_pipelines_passthrough_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = data(6)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pipe = Pipeline([("pre", make_pipeline(StandardScaler(), "passthrough", PCA(3))), ("skip", None),
                     ("nb", GaussianNB())]).fit(df, y)
    model = microlearn.convert(pipe)
    assert model.metadata["estimator"] == "Pipeline(StandardScaler, PCA, GaussianNB)"
    assert model.metadata["feature_names"] == list(df.columns)
    assert np.array_equal(model.predict(df), pipe.predict(df))
    with pytest.raises(ValueError, match="columns"):
        model.predict(df[df.columns[::-1]])


def test_single_step_pipeline_converts_as_its_estimator():
    X, y = data(7)
    pipe = make_pipeline(GaussianNB()).fit(X, y)
    model = microlearn.convert(pipe)
    assert model._preprocess is None
    assert mlm.SECTION_PREPROCESS_STEPS not in mlm.read_sections(model.to_bytes())


@pytest.mark.parametrize("step, match", [
    (FunctionTransformer(np.log1p), "FunctionTransformer is not supported"),
    (MinMaxScaler(clip=True), "clip=True"),
    (PolynomialFeatures(3), "degree=3"),
])
def test_unsupported_steps_and_options_are_named(step, match):
    X, y = data(8)
    pipe = make_pipeline(step, GaussianNB()).fit(np.abs(X), y)
    with pytest.raises(UnsupportedEstimatorError, match=match):
        microlearn.convert(pipe)


def test_int16_with_preprocessing_is_refused():
    X, y = data(9)
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(5, random_state=0)).fit(X, y)
    with pytest.raises(UnsupportedEstimatorError, match="feature_dtype='int16' with preprocessing"):
        microlearn.convert(pipe, feature_dtype="int16")


def test_pipeline_ending_in_a_transformer_is_refused():
    X, y = data(10)
    with pytest.raises(UnsupportedEstimatorError, match="ends in PCA, a transformer"):
        microlearn.convert(make_pipeline(StandardScaler(), PCA(3)).fit(X))
    with pytest.raises(UnsupportedEstimatorError, match="PCA is a preprocessing step, not a model: put it in a "
                                                    "Pipeline"):  # was "PCA is not supported. Supported ..."
        microlearn.convert(PCA(3).fit(X))


def _rewrite(data, change):
    header = mlm.read_header(data)
    sections = {k: np.array(v) for k, v in mlm.read_sections(data).items()}
    meta = sections.pop(mlm.SECTION_METADATA)
    change(sections)
    sections[mlm.SECTION_METADATA] = meta
    return mlm.write(header.kind, sections, None, header.flags)


@pytest.mark.parametrize("change, status", [
    (lambda s: s[mlm.SECTION_PREPROCESS_STEPS].__setitem__(2, 7), "size"),         # last width != engine's
    (lambda s: s[mlm.SECTION_PREPROCESS_STEPS].__setitem__(0, 9), "impossible"),   # unknown op
    (lambda s: s[mlm.SECTION_PREPROCESS_STEPS].__setitem__(4, 10**6), "outside"),  # params offset
    (lambda s: s.__setitem__(mlm.SECTION_PREPROCESS_STEPS, s[mlm.SECTION_PREPROCESS_STEPS][:-1]), "size"),
    (lambda s: s[mlm.SECTION_PREPROCESS_PARAMS].__setitem__(0, np.nan), "impossible"),
    (lambda s: s.pop(mlm.SECTION_PREPROCESS_STEPS), "section"),  # params without steps
    (lambda s: s.__setitem__(mlm.SECTION_PREPROCESS_STEPS, s[mlm.SECTION_PREPROCESS_STEPS].astype("<i4")),
     "section"),
])
def test_corrupt_chains_are_refused(change, status):
    X, y = data(11)
    pipe = make_pipeline(StandardScaler(), PCA(4), GaussianNB()).fit(X, y)
    good = microlearn.convert(pipe).to_bytes()
    with pytest.raises(ValueError, match=status):
        microlearn.load(_rewrite(good, change))


def test_engine_class_checks_its_input_shape():
    X, y = data(12)
    model = microlearn.convert(make_pipeline(StandardScaler(), GaussianNB()).fit(X, y))
    with pytest.raises(ValueError, match="X has 3 features, but the model expects 10"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match=r"shape \(n, 10\)"):
        _engine.Preprocess(model.to_bytes(), 10).apply(X[:, :3])
    with pytest.raises(ValueError, match="size_mismatch"):
        _engine.Preprocess(model.to_bytes(), 9)


@pytest.mark.parametrize("remainder", ["drop", "passthrough"])
def test_column_transformer_of_scalers(remainder):
    from sklearn.compose import ColumnTransformer
    pd = pytest.importorskip("pandas")
    X, y = data(13, d=8)
    df = pd.DataFrame(X, columns=[f"c{i}" for i in range(8)])
    ct = ColumnTransformer([("std", StandardScaler(), ["c5", "c0"]), ("gone", "drop", ["c1"]),
                            ("keep", "passthrough", ["c7"]), ("mm", MinMaxScaler(), ["c2", "c3"])],
                           remainder=remainder)
    pipe = make_pipeline(ct, PCA(3), GaussianNB()).fit(df.iloc[:1000], y[:1000])
    model = microlearn.convert(pipe)
    assert model.n_features_in_ == 8
    # PCA over a passed-through column 100 times wider than the scaled ones:
    # float32 rounding of the large terms, 1.5e-6 of the smaller components
    # (measured).
    assert_transform_close(model, pipe, df.iloc[1000:], rel=1e-5)
    alone = make_pipeline(clone(ct), GaussianNB()).fit(df, y)  # the ColumnTransformer's own output
    assert_transform_close(microlearn.convert(alone), alone, df.iloc[1000:])
    assert np.array_equal(model.predict(df.iloc[1000:]), pipe.predict(df.iloc[1000:]))


def test_column_transformer_passthrough_only_is_a_selection():
    from sklearn.compose import ColumnTransformer
    X, y = data(14, d=6)
    ct = ColumnTransformer([("a", "passthrough", [4, 1])], remainder="drop")
    pipe = make_pipeline(ct, GaussianNB()).fit(X, y)
    model = microlearn.convert(pipe)
    steps = mlm.read_sections(model.to_bytes())[mlm.SECTION_PREPROCESS_STEPS].reshape(-1, 5)
    assert steps[:, 0].tolist() == [2]  # one select step, no affine
    assert np.array_equal(chain_output(model, X), X[:, [4, 1]])


def test_column_transformer_with_other_parts_is_refused():
    from sklearn.compose import ColumnTransformer
    X, y = data(15, d=6)
    ct = ColumnTransformer([("a", StandardScaler(), [0, 1]), ("p", PCA(2), [2, 3, 4])])
    pipe = make_pipeline(ct, GaussianNB()).fit(X, y)
    with pytest.raises(UnsupportedEstimatorError, match="ColumnTransformer part 'p': PCA is not supported there"):
        microlearn.convert(pipe)
