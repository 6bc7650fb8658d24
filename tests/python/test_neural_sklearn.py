"""scikit-learn MLPs through the neural-network engine: agreement with
scikit-learn on held-out float32 rows (docs/neural.md: within 1e-5 of the
output's scale), labels of any type, Pipelines, refusals by name; the memory
plan (no two tensors alive at once share a byte, in place only where legal)."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import microlearn
from microlearn.converters.neural import ir, writer
from microlearn.errors import UnsupportedEstimatorError

TOL = 1e-5


def close(got, want):
    """|got - want| <= 1e-5 (|want| + the std of want's columns)."""
    want = np.asarray(want, np.float64).reshape(got.shape)
    scale = np.abs(want) + want.std(axis=0, keepdims=True) + 1e-12
    err = np.max(np.abs(got - want) / scale)
    assert err <= TOL, err


def split(X, y, seed):
    idx = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.7 * len(X))
    return X[idx[:cut]], y[idx[:cut]], X[idx[cut:]].astype(np.float32), y[idx[cut:]]


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_classes,hidden,seed", [(2, (7,), 0), (3, (16, 8), 1), (5, (32, 16, 8), 2),
                                                    (4, (3,), 3)])
def test_classifier_matches_scikit_learn(activation, n_classes, hidden, seed):
    X, y = make_classification(300, 9, n_informative=6, n_classes=n_classes, random_state=seed)
    X = X * np.random.default_rng(seed).uniform(0.1, 10, 9)  # features on different scales
    Xtr, ytr, Xte, yte = split(X, y, seed)
    est = fit(MLPClassifier(hidden, activation=activation, max_iter=200, random_state=seed), Xtr, ytr)
    model = microlearn.convert(est)
    want = est.predict_proba(Xte.astype(np.float64))
    got = model.predict_proba(Xte)
    close(got, want)
    # Labels: scikit-learn's, except where the top two probabilities are within the tolerance.
    top2 = np.sort(want, axis=1)[:, -2:] if n_classes > 2 else np.c_[want[:, 1], np.full(len(want), 0.5)]
    clear = np.abs(top2[:, 1] - top2[:, 0]) > 10 * TOL
    np.testing.assert_array_equal(model.predict(Xte)[clear], est.predict(Xte)[clear])
    assert model.info["task"] == "classification" and model.info["n_classes"] == n_classes


def test_binary_classifier_has_one_logistic_unit_and_any_labels():
    X, y = make_classification(200, 5, random_state=0)
    labels = np.array(["no", "yes"])[y]
    est = fit(MLPClassifier((6,), max_iter=300, random_state=0), X, labels)
    model = microlearn.convert(est)
    assert model.info["n_outputs"] == 1 and model.info["n_classes"] == 2
    X32 = X.astype(np.float32)
    np.testing.assert_array_equal(model.predict(X32), est.predict(X32))
    close(model.predict_proba(X32), est.predict_proba(X32))
    assert model.predict(X32).dtype == labels.dtype


@pytest.mark.parametrize("n_targets,activation,seed", [(1, "relu", 0), (3, "tanh", 1), (2, "logistic", 2),
                                                       (1, "identity", 3)])
def test_regressor_matches_scikit_learn(n_targets, activation, seed):
    X, y = make_regression(300, 7, n_targets=n_targets, noise=0.1, random_state=seed)
    Xtr, ytr, Xte, _ = split(X, y, seed)
    est = fit(MLPRegressor(hidden_layer_sizes=(20, 10), activation=activation, max_iter=300, random_state=seed),
              Xtr, ytr)
    model = microlearn.convert(est)
    got = model.predict(Xte)
    want = est.predict(Xte.astype(np.float64))
    assert got.shape == want.shape
    close(got.reshape(len(Xte), -1), want.reshape(len(Xte), -1))
    assert "predict_proba" not in model.info["methods"]


def test_pipeline_with_scaler_converts_whole():
    X, y = make_classification(200, 6, n_classes=3, n_informative=4, random_state=0)
    pipe = fit(make_pipeline(StandardScaler(), MLPClassifier((10,), max_iter=300, random_state=0)), X * 100, y)
    model = microlearn.convert(pipe)
    X32 = (X * 100).astype(np.float32)
    close(model.predict_proba(X32), pipe.predict_proba(X32))


def test_refusals_name_what_is_unsupported():
    X, y = make_classification(100, 4, random_state=0)
    multilabel = fit(MLPClassifier((4,), max_iter=20, random_state=0), X, np.c_[y, 1 - y])
    with pytest.raises(UnsupportedEstimatorError, match="multilabel"):
        microlearn.convert(multilabel)
    one_class = fit(MLPClassifier((4,), max_iter=20, random_state=0), X, np.full(len(X), 7))
    with pytest.raises(UnsupportedEstimatorError, match=r"fitted on one class \(7\): a classifier needs at least two"):
        microlearn.convert(one_class)      # it was called multilabel
    poisson = fit(MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=20, random_state=0), X,
                  np.abs(X[:, 0]) + 1)
    with pytest.raises(UnsupportedEstimatorError, match="'exp'"):
        microlearn.convert(poisson)
    est = fit(MLPClassifier((4,), max_iter=20, random_state=0), X, y)
    with pytest.raises(UnsupportedEstimatorError, match="int16"):
        microlearn.convert(est, feature_dtype="int16")
    with pytest.raises(TypeError, match="quantize"):
        microlearn.convert(est, quantize="int8")


def test_bad_rows_give_clear_errors():
    X, y = make_classification(100, 4, random_state=0)
    model = microlearn.convert(fit(MLPClassifier((4,), max_iter=20, random_state=0), X, y))
    bad = X[:3].astype(np.float32)
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="row 1 holds NaN"):
        model.predict(bad)
    with pytest.raises(ValueError, match="expects 4"):
        model.predict(X[:, :3])


def test_report_lists_layers_and_info_shows_the_arena():
    X, y = make_classification(100, 4, random_state=0)
    model = microlearn.convert(fit(MLPClassifier((8, 6), max_iter=20, random_state=0), X, y))
    layers = model._engine.layers()
    assert [l["op"] for l in layers] == ["FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED", "LOGISTIC"]
    assert [l["macs"] for l in layers] == [32, 48, 6, 0]
    assert [l["params"] for l in layers] == [40, 54, 7, 0]
    assert max(l["arena_bytes"] for l in layers) <= model.info["arena_bytes"]
    text = str(model.report(X, y))
    assert f"arena (RAM, allocated at load)  {model.info['arena_bytes']:,} B" in text
    assert "MACs per prediction" in text and text.count("FULLY_CONNECTED") == 3


def test_cli_info_shows_the_arena(tmp_path):
    from microlearn.cli import main
    X, y = make_classification(100, 4, random_state=0)
    path = microlearn.convert(fit(MLPClassifier((8,), max_iter=20, random_state=0), X, y)).save(tmp_path / "m.mlm")
    import contextlib, io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["info", str(path)])
    assert "arena_bytes" in out.getvalue()


# ---------------------------------------------------------------- the planner

def chain_graph(kinds, widths, seed=0):
    """x -> one op per kind: FC to the next width, or an elementwise op."""
    rng = np.random.default_rng(seed)
    t = {"x": ir.Tensor("x", (widths[0],))}
    ops, prev, w = [], "x", widths[0]
    k = 1
    for i, kind in enumerate(kinds):
        out = f"t{i}"
        if kind == "FULLY_CONNECTED":
            n = widths[k]
            k += 1
            t[f"W{i}"] = ir.Tensor(f"W{i}", (n, w), data=rng.normal(size=(n, w)).astype(np.float32))
            t[out] = ir.Tensor(out, (n,))
            ops.append(ir.Op(kind, [prev, f"W{i}"], [out], {"activation": "none"}))
            w = n
        elif kind == "ADD_SKIP":  # adds the input of the previous op: keeps it alive
            t[out] = ir.Tensor(out, (w,))
            ops.append(ir.Op("ADD", [prev, ops[-1].inputs[0]], [out], {"activation": "none"}))
        else:
            t[out] = ir.Tensor(out, (w,))
            ops.append(ir.Op(kind, [prev], [out], {"beta": 1.0} if kind == "SOFTMAX" else {}))
        prev = out
    return ir.Graph(t, ops, ["x"], [prev])


def lifetimes(g):
    first, last = {g.inputs[0]: -1}, {}
    for i, op in enumerate(g.ops):
        for n in op.inputs:
            last[n] = i
        for n in op.outputs:
            first.setdefault(n, i)
            last.setdefault(n, i)
    last[g.outputs[0]] = len(g.ops)
    return first, last


@pytest.mark.parametrize("seed", range(6))
def test_plan_never_overlaps_live_tensors(seed):
    rng = np.random.default_rng(seed)
    kinds, widths = [], [int(rng.integers(1, 40))]
    for _ in range(12):
        kind = rng.choice(["FULLY_CONNECTED", "RELU", "TANH", "ADD_SKIP", "SOFTMAX"])
        if kind == "ADD_SKIP" and (not kinds or kinds[-1] == "FULLY_CONNECTED"):
            kind = "RELU"
        kinds.append(str(kind))
        if kind == "FULLY_CONNECTED":
            widths.append(int(rng.integers(1, 40)))
    g = chain_graph(kinds, widths, seed)
    offsets, arena = writer.plan(g)
    first, last = lifetimes(g)
    size = {n: g.tensors[n].size * 4 for n in offsets}
    for a in offsets:
        assert offsets[a] % 4 == 0 and offsets[a] + size[a] <= arena
        for b in offsets:
            if a >= b or not (offsets[a] < offsets[b] + size[b] and offsets[b] < offsets[a] + size[a]):
                continue
            (early, late) = (a, b) if first[a] < first[b] else (b, a)
            if last[early] < first[late]:
                continue  # never alive at once
            # Alive at once and sharing bytes: only an in-place op's input and output, the input dead after it.
            op = g.ops[first[late]]
            assert op.kind in writer.IN_PLACE_OPS and op.inputs[0] == early and last[early] == first[late], (a, b)
            assert offsets[a] == offsets[b] and size[a] == size[b]
    model = microlearn.Model(writer.encode(g))  # the loader checks the plan too
    x = rng.normal(size=(3, widths[0])).astype(np.float32)
    assert model.predict(x).shape == (3, g.tensors[g.outputs[0]].size)


def test_in_place_only_when_the_input_dies():
    g = chain_graph(["FULLY_CONNECTED", "RELU", "TANH"], [4, 6])
    offsets, arena = writer.plan(g)
    assert offsets["t0"] == offsets["t1"] == offsets["t2"]  # relu and tanh over the FC output
    assert arena == 4 * (4 + 6)
    g = chain_graph(["FULLY_CONNECTED", "RELU", "ADD_SKIP"], [4, 6])  # t0 is read after the relu
    offsets, _ = writer.plan(g)
    assert offsets["t0"] != offsets["t1"]
    assert offsets["t2"] == offsets["t1"]  # ADD writes over its first input, dead after it


def test_loader_refuses_a_plan_that_overwrites_a_live_tensor():
    g = chain_graph(["FULLY_CONNECTED", "RELU", "ADD_SKIP"], [4, 6])
    good = writer.plan
    try:
        # Everything at offset 0, in an arena of the biggest tensor.
        writer.plan = lambda g: ({n: 0 for n in good(g)[0]}, max(4 * g.tensors[n].size for n in good(g)[0]))
        data = writer.encode(g)
    finally:
        writer.plan = good
    with pytest.raises(ValueError, match="impossible value"):
        microlearn.Model(data)


def test_op_codes_agree_with_the_engine():
    from microlearn import _engine
    assert _engine.NEURAL_OP_NAMES == writer.OP_CODES
    assert set(writer.OP_CODES) == set(ir.OPS)
