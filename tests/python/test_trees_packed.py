"""The packed tree layout (32-bit nodes, integer split keys): what the
converter writes whenever a model fits, decided exactly as the refs layout
and scikit-learn; the refs layout for what does not fit and for older files."""
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_digits, make_classification, make_regression

import microlearn
from microlearn import _engine, mlm
from microlearn.converters import trees as tr


def _ens(est):
    return tr.extractors()[type(est)](est)


def _both(ens, dtype="float32"):
    kw = {} if dtype == "float32" else {"feature_scale": 4.0, "feature_offset": -1.0}
    packed, refs = tr.encode(ens, dtype, layout="auto", **kw), tr.encode(ens, dtype, layout="refs", **kw)
    return _engine.TreesModel(packed), _engine.TreesModel(refs), packed, refs


def _rows_with_specials(ens, n=1500):
    """Edge rows (thresholds and their float32 neighbours, +-0, NaN, tiny)
    plus +-inf and the largest floats."""
    X = tr.edge_rows(ens, n)
    rng = np.random.default_rng(1)
    specials = np.array([np.inf, -np.inf, 3.4028235e38, -3.4028235e38, -0.0, 0.0], np.float32)
    mask = rng.random(X.shape) < 0.05
    X[mask] = rng.choice(specials, int(mask.sum()))
    return X


X_CLS, Y_CLS = make_classification(400, 12, n_informative=6, n_classes=3, random_state=0)
X_REG, Y_REG = make_regression(400, 8, n_targets=2, random_state=0)
MODELS = [
    ("tree", lambda: T.DecisionTreeClassifier(random_state=0).fit(X_CLS, Y_CLS)),
    ("forest", lambda: E.RandomForestClassifier(8, max_depth=8, random_state=0).fit(X_CLS, Y_CLS)),
    ("extra", lambda: E.ExtraTreesClassifier(6, random_state=0).fit(X_CLS, Y_CLS)),
    ("gb", lambda: E.GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X_CLS, Y_CLS)),
    ("hgb", lambda: E.HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X_CLS, Y_CLS)),
    ("reg2", lambda: E.RandomForestRegressor(5, max_depth=6, random_state=0).fit(X_REG, Y_REG)),
    ("hgbreg", lambda: E.HistGradientBoostingRegressor(max_iter=10, random_state=0).fit(X_REG, Y_REG[:, 0])),
    ("iforest", lambda: E.IsolationForest(n_estimators=10, random_state=0).fit(X_CLS)),
]


@pytest.mark.parametrize("name,make", MODELS, ids=[m[0] for m in MODELS])
def test_packed_decides_as_refs_and_scikit_learn(name, make):
    est = make()
    ens = _ens(est)
    packed, refs, packed_bytes, refs_bytes = _both(ens)
    assert packed.info()["layout"] == "packed" and refs.info()["layout"] == "refs"
    assert len(packed_bytes) < len(refs_bytes)
    X = _rows_with_specials(ens)
    np.testing.assert_array_equal(packed.raw_scores(X), refs.raw_scores(X))  # same bits, every row
    finite = np.isfinite(X).all(axis=1)
    ours, theirs = microlearn.convert(est).predict(X[finite]), est.predict(X[finite])
    if name in ("reg2", "hgbreg"):  # float32 sums against float64
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)
    elif name not in ("iforest", "hgb"):  # those: within 1e-5 of a decision boundary, test_trees_convert
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name,make", MODELS[:6], ids=[m[0] for m in MODELS[:6]])
def test_packed_int16_decides_as_refs(name, make):
    ens = _ens(make())
    packed, refs, _, _ = _both(ens, "int16")
    assert packed.info()["layout"] == "packed"
    q = np.random.default_rng(0).integers(-32768, 32768, (3000, ens.n_features)).astype(np.int16)
    q[:, 0] = np.arange(3000) - 1500  # a dense sweep of one feature around 0
    np.testing.assert_array_equal(packed.raw_scores(q), refs.raw_scores(q))


def test_split_values_are_stored_once_and_compactly():
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(10, max_depth=10, random_state=0).fit(X, y)
    ens = _ens(est)
    s = mlm.read_sections(tr.encode(ens))
    values = s[tr.S_SPLIT_VALUES]
    # digits: integers 0..16, thresholds x.5: float32 with 16 zero low bits, so int16
    assert values.dtype == np.int16 and len(values) == len(np.unique(values)) < 64
    assert s[tr.S_NODES].dtype == np.uint32 and len(s[tr.S_NODES]) == sum(int((t.left >= 0).sum()) for t in ens.trees)
    # real-valued thresholds: int32 keys
    est2 = E.RandomForestClassifier(3, random_state=0).fit(X_CLS, Y_CLS)
    assert mlm.read_sections(tr.encode(_ens(est2)))[tr.S_SPLIT_VALUES].dtype == np.int32
    # the digits forest's file against the refs layout's
    assert len(tr.encode(ens)) < 0.55 * len(tr.encode(ens, layout="refs"))


def test_boosting_numbers_leaves_per_tree():
    X, y = load_digits(return_X_y=True)
    est = E.GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0).fit(X, y)
    ens = _ens(est)
    data = tr.encode(ens)
    s = mlm.read_sections(data)
    assert tr.S_LEAF_BASES in s and tr.S_NODES in s  # 1,600 distinct leaves: global numbers do not fit
    m, r = _engine.TreesModel(data), _engine.TreesModel(tr.encode(ens, layout="refs"))
    Xf = X.astype(np.float32)
    np.testing.assert_array_equal(m.raw_scores(Xf), r.raw_scores(Xf))
    np.testing.assert_array_equal(microlearn.convert(est).predict(X), est.predict(X))


def test_what_does_not_fit_32_bit_nodes_keeps_the_refs_layout():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6000, 300))
    y = rng.normal(size=6000)  # noise: ~6,000 distinct leaves, thresholds and 300 features
    est = T.DecisionTreeRegressor(random_state=0).fit(X, y)
    ens = _ens(est)
    with pytest.raises(ValueError, match="does not fit the packed layout"):
        tr.encode(ens, layout="packed")
    model = microlearn.convert(est)
    assert model.info["layout"] == "refs"
    np.testing.assert_allclose(model.predict(X), est.predict(X), rtol=1e-6, atol=1e-6)


def test_the_header_flags_the_refs_layout():
    """Header flags bit 0 marks a refs-layout file, bit 1 an int16-input one,
    bit 2 a packed float32 one, bit 3 as well a packed float32 forest or
    regressor (the device package picks microlearn._trees_refs, _trees_i16,
    _trees or _trees_forest from them), also through a Pipeline's rewrite; the
    host engine reads either way."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(4, max_depth=6, random_state=0).fit(X, y)
    forest = tr.HEADER_FLAG_PACKED_F32 | tr.HEADER_FLAG_FOREST
    assert mlm.read_header(microlearn.convert(est).to_bytes()).flags == forest == 12
    for boosting in (E.GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y),
                     E.IsolationForest(n_estimators=3, random_state=0).fit(X)):
        assert mlm.read_header(microlearn.convert(boosting).to_bytes()).flags == tr.HEADER_FLAG_PACKED_F32 == 4
    gbr = E.GradientBoostingRegressor(n_estimators=3, random_state=0).fit(X, y)  # a baseline, no transform
    assert mlm.read_header(microlearn.convert(gbr).to_bytes()).flags == forest
    refs = microlearn.convert(est, layout="refs")
    assert mlm.read_header(refs.to_bytes()).flags == tr.HEADER_FLAG_REFS == 1
    pipe = make_pipeline(StandardScaler(), E.RandomForestClassifier(4, max_depth=6, random_state=0)).fit(X, y)
    assert mlm.read_header(microlearn.convert(pipe, layout="refs").to_bytes()).flags == 1
    assert mlm.read_header(microlearn.convert(pipe).to_bytes()).flags == forest
    np.testing.assert_array_equal(refs.predict(X), est.predict(X))
    i16 = microlearn.convert(est, feature_dtype="int16")
    assert mlm.read_header(i16.to_bytes()).flags == tr.HEADER_FLAG_I16 == 2
    assert mlm.read_header(microlearn.convert(est, feature_dtype="int16", layout="refs").to_bytes()).flags == 3
    np.testing.assert_array_equal(i16.predict(i16.quantize(X)), est.predict(X))


def test_files_of_the_previous_converter_still_load():
    """Before the packed layout, params had 11 entries and the refs sections."""
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(4, max_depth=6, random_state=0).fit(X, y)
    ens = _ens(est)
    sections = mlm.read_sections(tr.encode(ens, layout="refs"))
    sections[tr.S_PARAMS] = sections[tr.S_PARAMS][:11].copy()
    old = mlm.write(mlm.KIND_TREE_ENSEMBLE, {k: v for k, v in sections.items() if k < 1000},
                    metadata=mlm.read_metadata(tr.encode(ens)))
    np.testing.assert_array_equal(microlearn.load(old).predict(X), est.predict(X))


def _corrupt(data, sid, fn):
    sections = mlm.read_sections(data)
    sections = {k: v.copy() for k, v in sections.items() if k < 1000}
    fn(sections[sid])
    return mlm.write(mlm.KIND_TREE_ENSEMBLE, sections, metadata=mlm.read_metadata(data))


@pytest.mark.parametrize("what,sid,fn", [
    ("right child past its tree", tr.S_NODES, lambda a: a.__setitem__(0, a[0] | np.uint32(0xFFFFFFFF) << np.uint32(31))),
    ("slot beyond the input", tr.S_NODES, lambda a: a.__setitem__(0, (a[0] & np.uint32(0xFFFFFF00)) | np.uint32(200))),
    ("root not the first node", tr.S_ROOTS, lambda a: a.__setitem__(1, a[1] + 1)),
    ("field widths over 32 bits", tr.S_PARAMS, lambda a: a.__setitem__(12, 31 << 16 | 1)),
])
def test_corrupt_packed_files_are_refused(what, sid, fn):
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(3, max_depth=5, random_state=0).fit(X, y)
    bad = _corrupt(tr.encode(_ens(est)), sid, fn)
    with pytest.raises(ValueError):
        microlearn.load(bad)


def test_convert_takes_the_layout_and_other_families_refuse_it():
    from sklearn.linear_model import LogisticRegression
    est = T.DecisionTreeClassifier(random_state=0).fit(X_CLS, Y_CLS)
    assert microlearn.convert(est).info["layout"] == "packed"
    refs = microlearn.convert(est, layout="refs")
    assert refs.info["layout"] == "refs"
    np.testing.assert_array_equal(refs.predict(X_CLS), est.predict(X_CLS))
    with pytest.raises(ValueError, match="layout must be"):
        microlearn.convert(est, layout="fast")
    with pytest.raises(TypeError, match="options layout that LogisticRegression does not take"):
        microlearn.convert(LogisticRegression().fit(X_CLS, Y_CLS), layout="refs")


@pytest.mark.parametrize("leaf_dtype,levels", [("uint8", 255), ("uint16", 65535)])
def test_quantized_leaf_probabilities(leaf_dtype, levels):
    """Each leaf probability rounded to a multiple of 1 / levels: the mean over
    trees is then within 0.5 / levels of the exact one; labels can differ only
    where two classes' probabilities are that close."""
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(10, max_depth=10, random_state=0).fit(X, y)
    exact, q = microlearn.convert(est), microlearn.convert(est, leaf_dtype=leaf_dtype)
    assert q.size < exact.size and q.metadata["leaf_dtype"] == leaf_dtype
    Xf = X.astype(np.float32)
    p, pq = exact.predict_proba(Xf), q.predict_proba(Xf)
    assert np.abs(pq - p).max() <= 0.5 / levels + 1e-6
    top2 = np.sort(p, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1.0 / levels  # no other class within rounding
    np.testing.assert_array_equal(q.predict(Xf)[clear], est.predict(X)[clear])
    assert (q.predict(Xf) == est.predict(X)).mean() >= 0.995
    # predict() compares the integer sums: the same class as the argmax of predict_proba
    np.testing.assert_array_equal(q.predict(Xf), est.classes_[np.argmax(pq, axis=1)])
    refs = microlearn.convert(est, leaf_dtype=leaf_dtype, layout="refs")
    np.testing.assert_array_equal(refs.predict_proba(Xf), pq)


def test_quantized_leaves_are_for_forest_classifiers_only():
    est = E.GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X_CLS, Y_CLS)
    with pytest.raises(ValueError, match="for forest classifiers"):
        microlearn.convert(est, leaf_dtype="uint8")
    with pytest.raises(ValueError, match="leaf_dtype must be"):
        microlearn.convert(T.DecisionTreeClassifier().fit(X_CLS, Y_CLS), leaf_dtype="int8")
    # a file claiming quantized leaves for a regressor is refused at load
    reg = E.RandomForestRegressor(3, max_depth=3, random_state=0).fit(X_REG, Y_REG[:, 0])
    data = tr.encode(_ens(reg))
    sections = {k: v.copy() for k, v in mlm.read_sections(data).items() if k < 1000}
    key = tr.S_LEAVES if tr.S_LEAVES in sections else tr.S_LEAF_VALUES
    sections[key] = np.zeros(sections[key].shape, np.uint8)
    with pytest.raises(ValueError):
        microlearn.load(mlm.write(mlm.KIND_TREE_ENSEMBLE, sections))
