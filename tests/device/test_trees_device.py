"""Tree ensembles on MicroPython: the same predictions as the host engine for
the same vectors, no heap allocation in predict(), clear errors for bad input."""

import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn.datasets import load_digits, load_iris, load_wine, make_regression

import microlearn
from device_rig import EXPECT, mutants, refresh_crc, run

# Runs every method on every row of X.bin and writes the float32 results to
# out.bin: predict, then predict_proba / decision_function / score_samples as
# the model has them.
EVAL_SCRIPT = """
import microlearn, array
m = microlearn.load("model.mlm")
info = m.info()
n = info["n_features"]
tc = "h" if info["feature_type"] == "int16" else "f"
size = (2 if tc == "h" else 4) * n
x = array.array(tc, bytes(size))
task = info["task"]
width = info["n_outputs"]
out = array.array("f", bytes(4 * max(width, info["n_classes"], 1)))
res = open("out.bin", "wb")
rows = 0
with open("X.bin", "rb") as f:
    while f.readinto(x) == size:
        if task == "regression":
            m.predict(x, out)
            res.write(memoryview(out)[:width])
        else:
            res.write(array.array("f", [m.predict(x)]))
        if task == "classification":
            m.predict_proba(x, out)
            res.write(memoryview(out)[:info["n_classes"]])
            if METHODS_DECISION:
                m.decision_function(x, out)
                res.write(memoryview(out)[:width])
        if task == "anomaly":
            m.score_samples(x, out)
            res.write(memoryview(out)[:1])
            m.decision_function(x, out)
            res.write(memoryview(out)[:1])
        rows += 1
res.close()
print("rows", rows)
"""


def host_outputs(model, X):
    """What EVAL_SCRIPT writes, computed by the host engine."""
    cols = []
    if model._task == "regression":
        cols.append(model.predict(X).reshape(len(X), -1))
    else:
        cols.append(model.predict(X).reshape(-1, 1).astype(np.float32))
    if model._task == "classification":
        cols.append(model.predict_proba(X))
        if has_decision(model):
            cols.append(model.decision_function(X).reshape(len(X), -1))
    if model._task == "anomaly":
        cols += [model.score_samples(X).reshape(-1, 1), model.decision_function(X).reshape(-1, 1)]
    return np.hstack(cols).astype(np.float32)


def has_decision(model):
    return model.metadata["estimator"].startswith(("GradientBoosting", "HistGradientBoosting"))


def evaluate_on_device(target, model, X):
    X = np.ascontiguousarray(X)
    script = EVAL_SCRIPT.replace("METHODS_DECISION", str(has_decision(model)))
    res = run(target, script, files={"model.mlm": model.to_bytes(), "X.bin": X.tobytes()},
              fetch=["out.bin"])
    assert res.returncode == 0, res.output
    assert f"rows {len(X)}" in res.output
    return np.frombuffer(res.files["out.bin"], np.float32).reshape(len(X), -1)


def cases():
    Xd, yd = load_digits(return_X_y=True)
    Xi, yi = load_iris(return_X_y=True)
    Xw, yw = load_wine(return_X_y=True)
    Xr, yr = make_regression(200, 8, n_targets=2, random_state=0)
    rng = np.random.default_rng(0)
    Xn = Xw.copy()
    Xn[rng.random(Xn.shape) < 0.1] = np.nan
    Xa = np.vstack([rng.normal(size=(200, 4)), rng.uniform(-5, 5, size=(20, 4))])
    return {
        "rf-digits": (E.RandomForestClassifier(10, max_depth=10, random_state=0), Xd, yd, 300),
        "gb-iris": (E.GradientBoostingClassifier(n_estimators=10, random_state=0), Xi, yi, 150),
        "hgb-wine-nan": (E.HistGradientBoostingClassifier(max_iter=10, random_state=0), Xn, yw, 178),
        "hgb-binary": (E.HistGradientBoostingClassifier(max_iter=10, random_state=0), Xw, yw % 2, 178),
        "et-regression-2out": (E.ExtraTreesRegressor(10, random_state=0), Xr, yr, 200),
        "gb-regression": (E.GradientBoostingRegressor(n_estimators=20, random_state=0), Xr, yr[:, 0], 200),
        "iforest": (E.IsolationForest(n_estimators=30, random_state=0), Xa, None, 220),
    }


CASES = cases()


@pytest.mark.parametrize("case", list(CASES))
def test_device_matches_host(target, case):
    est, X, y, n = CASES[case]
    est.fit(X, y) if y is not None else est.fit(X)
    model = microlearn.convert(est)
    rows = X[:n].astype(np.float32)
    got = evaluate_on_device(target, model, rows)
    want = host_outputs(model, rows)
    np.testing.assert_array_equal(got[:, 0], want[:, 0])  # labels / first output: exact
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    if y is not None and model._task == "classification":  # and so equal to scikit-learn's
        np.testing.assert_array_equal(got[:, 0], est.predict(rows).astype(np.float32))


def test_int16_model_on_device(target):
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(10, max_depth=8, random_state=0).fit(X, y)
    model = microlearn.convert(est, feature_dtype="int16")
    Q = X[:200].astype(np.int16)
    got = evaluate_on_device(target, model, Q)
    np.testing.assert_array_equal(got[:, 0], est.predict(X[:200]))


def test_quantized_leaves_on_device(target):
    """uint8 leaf probabilities: the device writes the host's labels and
    probabilities (integer sums, the same division at the end)."""
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(10, max_depth=8, random_state=0).fit(X, y)
    model = microlearn.convert(est, leaf_dtype="uint8")
    rows = X[:150].astype(np.float32)
    got = evaluate_on_device(target, model, rows)
    want = host_outputs(model, rows)
    np.testing.assert_array_equal(got[:, 0], want[:, 0])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


LAYOUT_SCRIPT = """
import microlearn, array, sys
try:
    import microlearn_arrays  # firmware with microlearn compiled in: its modules stay
    builtin = True
except ImportError:
    builtin = False
for name in NAMES:
    if not builtin:  # each file in a fresh package: what it imports alone
        for k in [k for k in sys.modules if k.startswith("microlearn._")]:
            del sys.modules[k]
    m = microlearn.load(name)
    i16 = m.info()["feature_type"] == "int16"
    x = array.array("h" if i16 else "f", bytes((2 if i16 else 4) * 64))
    with open("Xq.bin" if i16 else "X.bin", "rb") as f:
        labels = []
        while f.readinto(x) == (2 if i16 else 4) * 64:
            labels.append(m.predict(x))
    print(name, labels, sorted(k for k in sys.modules if k.startswith("microlearn._")))
"""


def test_each_layout_loads_only_its_module(target):
    """Each model imports one module, named by the header's flags: a packed
    float32 forest microlearn._trees_forest, a packed float32 boosting
    classifier _trees, a packed int16 one _trees_i16, a refs-layout one
    _trees_refs; files written before the flags load too (the modules are
    tried in turn), and so do forests flagged as packed float32 only (bit 3
    clear: _trees reads them); a Pipeline's model also imports
    microlearn._preprocess, the others never do. All predict as
    scikit-learn."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from microlearn.converters import trees as tr
    X, y = load_digits(return_X_y=True)
    est = E.RandomForestClassifier(5, max_depth=6, random_state=0).fit(X, y)
    pipe = make_pipeline(StandardScaler(), E.RandomForestClassifier(5, max_depth=6, random_state=1)).fit(X, y)
    ens = tr.extractors()[type(est)](est)

    def unflagged(data):
        data = bytearray(data)
        data[8] = 0
        return refresh_crc(data)

    refs, i16 = tr.encode(ens, layout="refs"), tr.encode(ens, feature_dtype="int16")
    packed = tr.encode(ens)
    not_forest = bytearray(packed)
    not_forest[8] &= ~tr.HEADER_FLAG_FOREST
    boost = E.GradientBoostingClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    files = {"packed.mlm": packed, "refs.mlm": refs, "i16.mlm": i16, "unflagged_packed.mlm": unflagged(packed),
             "packed_f32_flag.mlm": refresh_crc(not_forest), "boost.mlm": microlearn.convert(boost).to_bytes(),
             "unflagged_refs.mlm": unflagged(refs), "unflagged_i16.mlm": unflagged(i16),
             "pipeline.mlm": microlearn.convert(pipe).to_bytes(),
             "X.bin": X[:40].astype(np.float32).tobytes(), "Xq.bin": X[:40].astype(np.int16).tobytes()}
    res = run(target, LAYOUT_SCRIPT.replace("NAMES", repr([n for n in files if n.endswith(".mlm")])), files=files)
    assert res.returncode == 0, res.output
    want = [int(v) for v in est.predict(X[:40])]
    want_pipe = [int(v) for v in pipe.predict(X[:40])]
    assert want != want_pipe
    builtin = "builtin" in target or target == "wasm"  # firmware: one module reads all, preprocessing inside
    expect = {
        "packed.mlm": (want, ["_trees_forest"]), "refs.mlm": (want, ["_trees_refs"]),
        "i16.mlm": (want, ["_trees_i16"]), "unflagged_packed.mlm": (want, ["_trees"]),
        "packed_f32_flag.mlm": (want, ["_trees"]), "boost.mlm": ([int(v) for v in boost.predict(X[:40])], ["_trees"]),
        "unflagged_refs.mlm": (want, ["_trees", "_trees_i16", "_trees_refs"]),
        "unflagged_i16.mlm": (want, ["_trees", "_trees_i16"]),
        "pipeline.mlm": (want_pipe, ["_preprocess", "_trees_forest"]),
    }
    for name, (labels, modules) in expect.items():
        line = f"{name} {labels} "
        assert line in res.output, res.output
        assert builtin or line + str(["microlearn." + m for m in modules]) in res.output, res.output


FOREST_SCRIPT = EXPECT + """
from microlearn import _trees_forest
for name in NAMES:
    expect(ValueError, _trees_forest.load, open(name, "rb").read())
"""
# RAM to import a module (no files beside the script: they add to what an import takes on QEMU).
IMPORT_RAM_SCRIPT = """
import gc, microlearn
gc.collect(); a = gc.mem_alloc()
import microlearn.MODULE
gc.collect(); print("RAM", gc.mem_alloc() - a)
"""
# RAM to import each module on the emulated Cortex-M3 (docs/trees.md, RAM to
# import), about 300 B above what was measured at 3b8a145: 11,456 B and
# 13,056 B (11,600 and 13,168 when _trees_forest was split off _trees, before
# ml_status_name() walked one string).
IMPORT_RAM_M3 = {"_trees_forest": 11750, "_trees": 13350}


def test_forest_module_reads_forests_only_and_imports_smaller(target):
    """microlearn._trees_forest (packed float32 forests and regressors, what
    header bit 3 names) refuses a boosting classifier, a binary one and an
    isolation forest as unsupported_kind (they need microlearn._trees), and on
    the Cortex-M3 its import takes over 1 kB less RAM than _trees's."""
    if "builtin" in target or target == "wasm":
        pytest.skip("firmware: one built-in module reads every tree model")
    X, y = load_iris(return_X_y=True)
    files = {"gb.mlm": E.GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y),
             "hgb2.mlm": E.HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X, y % 2),
             "iforest.mlm": E.IsolationForest(n_estimators=3, random_state=0).fit(X)}
    files = {k: microlearn.convert(v).to_bytes() for k, v in files.items()}
    res = run(target, FOREST_SCRIPT.replace("NAMES", repr(list(files))), files=files)
    assert res.returncode == 0, res.output
    assert res.output.count("ok ValueError invalid model file: unsupported_kind") == 3, res.output
    if target == "cortex-m3":
        ram = {}
        for module in IMPORT_RAM_M3:  # a fresh interpreter each: the import alone
            res = run(target, IMPORT_RAM_SCRIPT.replace("MODULE", module))
            assert res.returncode == 0, res.output
            ram[module] = int(res.output.split("RAM")[1].split()[0])
        assert all(ram[m] <= IMPORT_RAM_M3[m] for m in ram), ram
        assert ram["_trees_forest"] <= ram["_trees"] - 1000, ram


# No allocation per call: tests/device/families.py (the soak / heap_lock registry).


ERROR_SCRIPT = EXPECT + """
import microlearn, array
m = microlearn.load("m.mlm")
expect(TypeError, m.predict, array.array("d", [0] * 4))
expect(TypeError, m.predict, array.array("h", [0] * 4))
expect(ValueError, m.predict, array.array("f", [0] * 3))
expect(TypeError, m.predict, [1.0, 2.0, 3.0, 4.0])
expect(ValueError, m.predict_proba, array.array("f", [0] * 4), array.array("f", [0]))
expect(AttributeError, m.score_samples, array.array("f", [0] * 4))
expect(AttributeError, m.decision_function, array.array("f", [0] * 4))
expect(TypeError, m.predict, array.array("f", [0] * 4), array.array("f", [0] * 3))
expect(TypeError, m.predict, (1.0, 2.0, 3.0, 4.0))
print("proba", len(m.predict_proba(array.array("f", [0] * 4))))
good = open("m.mlm", "rb").read()
expect(ValueError, microlearn.load, good[:10])
expect(ValueError, microlearn.load, good[:-4])
expect(ValueError, microlearn.load, b"not a model at all")
expect(OSError, microlearn.load, "missing.mlm")
for name in BAD:
    expect(ValueError, microlearn.load, name)
survived = 0
for name in MUTANTS:
    try:
        mm = microlearn.load(name)
        mm.predict(array.array("f", [0.1] * 4))
    except (ValueError, TypeError) as e:
        pass
    survived += 1
print("mutants", survived)
"""


def test_bad_input_gives_clear_errors(target):
    X, y = load_iris(return_X_y=True)
    good = microlearn.convert(E.RandomForestClassifier(3, max_depth=3, random_state=0).fit(X, y)).to_bytes()
    files = {"m.mlm": good}
    bad = {"crc.mlm": bytearray(good), "version.mlm": bytearray(good), "version0.mlm": bytearray(good),
           "kind.mlm": bytearray(good)}
    bad["crc.mlm"][-3] ^= 1
    for name, version in (("version.mlm", 9), ("version0.mlm", 0)):
        bad[name][4] = version
        bad[name] = bytearray(refresh_crc(bad[name]))
    bad["kind.mlm"][6] = 42
    bad["kind.mlm"] = bytearray(refresh_crc(bad["kind.mlm"]))
    files.update({k: bytes(v) for k, v in bad.items()})
    corrupt = mutants([good], 60, seed=1)
    files.update(corrupt)
    script = ERROR_SCRIPT.replace("MUTANTS", repr(list(corrupt))).replace("BAD", repr(sorted(bad)))
    res = run(target, script, files=files)
    assert res.returncode == 0 and not res.crashed, res.output
    assert "WRONG" not in res.output, res.output
    assert "mutants 60" in res.output
    assert "expected 4 features, got 3" in res.output
    assert "format version 9 is newer than the newest this microlearn reads (3): update microlearn" in res.output
    assert "format version 0 is older than the oldest this microlearn reads (2): convert" in res.output
    assert "predict(x, out) is for regressors" in res.output
    assert "ok AttributeError score_samples() needs an anomaly detector" in res.output  # _trees_forest's too
    assert "ok AttributeError decision_function() needs a boosting classifier or an anomaly detector" in res.output
    assert res.output.count("x must be a float32 array: array('f', ...)") == 4  # array('d'/'h'), list, tuple
    assert "proba 3" in res.output
    assert "bad_checksum" in res.output
    assert "cannot read model file 'missing.mlm'" in res.output


NON_FINITE_SCRIPT = EXPECT + """
import microlearn, array
inf, nan = float("inf"), float("nan")
for name in ("rf.mlm", "gb.mlm", "hgb.mlm"):
    m = microlearn.load(name)
    for v in (nan, inf, -inf):
        x = array.array("f", [0.5, 0.5, 0.5, v])
        try:
            print(name, v, "label", m.predict(x))
        except ValueError as e:
            print(name, v, "ValueError", e)
    if name != "hgb.mlm":  # every method refuses: the engine's one check
        expect(ValueError, m.predict_proba, array.array("f", [inf, 0.5, 0.5, 0.5]), array.array("f", [0] * 3))
"""


def test_non_finite_inputs_answered_or_refused_as_scikit_learn(target):
    """NaN and +-inf: a random forest answers NaN (a missing value) and
    refuses +-inf, GradientBoosting refuses both, HistGradientBoosting
    answers both: the host's labels, or a ValueError where scikit-learn
    raises (the engine's check: the file's flags)."""
    X, y = load_iris(return_X_y=True)
    ests = {"rf.mlm": E.RandomForestClassifier(3, max_depth=3, random_state=0),
            "gb.mlm": E.GradientBoostingClassifier(n_estimators=3, random_state=0),
            "hgb.mlm": E.HistGradientBoostingClassifier(max_iter=3, random_state=0)}
    models = {name: microlearn.convert(est.fit(X, y)) for name, est in ests.items()}
    res = run(target, NON_FINITE_SCRIPT, files={n: m.to_bytes() for n, m in models.items()})
    assert res.returncode == 0 and not res.crashed, res.output
    refused = "ValueError x holds an infinity or NaN this model refuses (as scikit-learn does)"
    for name, est in ests.items():
        for v, text in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")):
            row = np.array([[0.5, 0.5, 0.5, v]], np.float32)
            try:
                want = f"label {est.predict(row)[0]}"
                assert models[name].predict(row)[0] == est.predict(row)[0]
            except ValueError:
                want = refused
            assert f"{name} {text} {want}\n" in res.output, (name, text, res.output)
    assert res.output.count(f"ok {refused}") == 2 and "WRONG" not in res.output, res.output
