"""The device API every family shares, through the trees: class labels of
every kind, writable model buffers copied at load, a constant (one-class)
model, results without `out`, and a package built for another board."""
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn import tree as T
from sklearn.datasets import load_iris

import microlearn
from device_rig import EXPECT, run

LABEL_SCRIPT = """
import microlearn, array
X = open("X.bin", "rb").read()
for name in NAMES:
    m = microlearn.load(name)
    n = m.info()["n_features"]
    x = array.array("f", bytes(4 * n))
    got = []
    for i in range(len(X) // (4 * n)):
        x[:] = array.array("f", X[4 * n * i:4 * n * (i + 1)])
        got.append(m.predict(x))
    print(name, repr(got), repr(m.info()["classes"]))
"""

LABELS = {
    "int64.mlm": np.array([0, 7, 5_000_000_000]),
    "neg.mlm": np.array([-(2**62), -1, 2**40]),
    "names.mlm": np.array(["setosa", "versicolor", "läuft"]),
    "index.mlm": np.array([0, 1, 2]),
}


def test_class_labels_come_back_as_scikit_learn_gives_them(target):
    X, y = load_iris(return_X_y=True)
    rows = X[::5].astype(np.float32)
    files, want = {"X.bin": rows.tobytes()}, {}
    for name, labels in LABELS.items():
        est = E.RandomForestClassifier(4, max_depth=4, random_state=0).fit(X, labels[y])
        files[name] = microlearn.convert(est).to_bytes()
        want[name] = (est.predict(rows).tolist(), tuple(est.classes_.tolist()))
    res = run(target, LABEL_SCRIPT.replace("NAMES", repr(list(LABELS))), files=files)
    assert res.returncode == 0, res.output
    for line in res.output.strip().splitlines():
        name, rest = line.split(" ", 1)  # name [labels...] (classes...)
        assert eval(rest[:rest.index("] ") + 1]) == want[name][0], line  # noqa: S307 - our own output
        assert eval(rest[rest.index("] ") + 2:]) == want[name][1], line  # noqa: S307


COPY_SCRIPT = """
import microlearn, array, gc
x = array.array("f", ROW)
for name, method in CASES:
    data = bytearray(open(name, "rb").read())
    m = microlearn.load(data)                # copied: the bytearray is the caller's
    call = getattr(m, method)
    before = call(x)
    for i in range(24, len(data)):           # wreck the caller's buffer, then grow it
        data[i] = 0xA5
    data.extend(bytes(100000))
    gc.collect()
    print(name, "after", before == call(x), before)
    view = microlearn.load(memoryview(open(name, "rb").read()))  # read-only: used in place
    print(name, "view", getattr(view, method)(x) == before)
    arr = array.array("B", open(name, "rb").read())   # any writable buffer is copied
    held = microlearn.load(arr)
    for i in range(24, len(arr)):
        arr[i] = i & 0xFF
    print(name, "array", getattr(held, method)(x) == before)
    del m, view, held, data, arr
    gc.collect()
p = microlearn.load(bytearray(open("trees.mlm", "rb").read())).predict_proba(x)
print("proba", type(p).__name__, len(p), abs(sum(p) - 1) < 1e-5)
"""


def test_a_writable_buffer_is_copied(target):
    """Every family's load() copies a writable buffer (the caller may reuse
    it) and uses a read-only one in place: results stay the same after the
    caller's bytearray is overwritten and grown (which moves it)."""
    from sklearn.mixture import GaussianMixture
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    X, y = load_iris(return_X_y=True)
    cases = {"trees.mlm": (E.RandomForestClassifier(5, random_state=0).fit(X, y), "predict"),
             "gaussian.mlm": (GaussianMixture(3, random_state=0).fit(X), "score_samples"),
             "svm.mlm": (SVC().fit(X, y), "decision_function"),
             "linear.mlm": (LogisticRegression(max_iter=500).fit(X, y), "decision_function"),
             "neighbors.mlm": (KNeighborsClassifier(3).fit(X, y), "predict")}
    row = X[100].astype(np.float32)
    script = (COPY_SCRIPT.replace("ROW", repr(row.tolist()))
              .replace("CASES", repr([(name, method) for name, (_, method) in cases.items()])))
    res = run(target, script, files={name: microlearn.convert(est).to_bytes() for name, (est, _) in cases.items()})
    assert res.returncode == 0, res.output
    for name in cases:
        assert f"{name} after True" in res.output and f"{name} view True" in res.output, res.output
        assert f"{name} array True" in res.output, res.output
    assert f"trees.mlm after True {cases['trees.mlm'][0].predict(row[None])[0]}" in res.output
    assert "proba list 3 True" in res.output


CONSTANT_SCRIPT = """
import microlearn, array
m = microlearn.load("one.mlm")
out = array.array("f", [0])
print(m.predict(array.array("f", [1, 2, 3, 4])), m.predict_proba(array.array("f", [9, 9, 9, 9]), out)[0])
"""


def test_a_single_class_model_runs(target):
    X, _ = load_iris(return_X_y=True)
    est = T.DecisionTreeClassifier().fit(X, np.full(len(X), "only"))
    res = run(target, CONSTANT_SCRIPT, files={"one.mlm": microlearn.convert(est).to_bytes()})
    assert res.returncode == 0, res.output
    assert "only 1.0" in res.output


def test_a_package_for_another_board_says_which_to_install(tmp_path):
    """The unix port (x64) given the Cortex-M3 package: the error names the
    board's arch and .mpy version."""
    from device_rig import lib_for
    from microlearn.rig import run as rig_run
    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(T.DecisionTreeClassifier().fit(X, y))
    script = ("import microlearn\ntry:\n    microlearn.load('m.mlm')\nexcept ValueError as e:\n"
              "    print('error', e)\n")
    res = rig_run("unix", script, files={"m.mlm": model.to_bytes()}, lib_dir=lib_for("cortex-m3"))
    assert "install the microlearn package built for arch x64 and .mpy version 6.3" in res.output, res.output


MESSAGES_SCRIPT = EXPECT + """
import microlearn, array
for name in ("m.tflite", "m.keras", "m.h5", "m.pkl", "junk.bin"):
    expect(ValueError, microlearn.load, name)
g = microlearn.load("gnb.mlm")
x = array.array("f", [0.9])
expect(TypeError, g.predict, x, array.array("f", [0]))  # the families' one answer: out is for regressors
print("label", g.predict(x))
expect(ValueError, g.predict, array.array("f", [1, 2]))  # "expected 1 feature, got 2"
r = microlearn.load("reg.mlm")
expect(ValueError, r.predict, x, array.array("f"))  # "out must hold at least 1 float"
"""


def test_messages_say_what_is_wrong(target):
    """load() names a .tflite, .keras (zip), .h5 or pickled file and says to
    convert it on the PC; predict(x, out) of a Gaussian model answers as the
    other families' classifiers; a count of 1 takes the singular."""
    from sklearn.naive_bayes import GaussianNB
    X = np.linspace(0, 1, 20).reshape(-1, 1)
    y = (X[:, 0] > 0.5).astype(int)
    files = {"m.tflite": b"\x1c\x00\x00\x00TFL3" + bytes(40), "m.keras": b"PK\x03\x04" + bytes(40),
             "m.h5": b"\x89HDF\r\n\x1a\n" + bytes(40), "m.pkl": b"\x80\x04\x95" + bytes(40),
             "junk.bin": b"hello, world" + bytes(40),
             "gnb.mlm": microlearn.convert(GaussianNB().fit(X, y)).to_bytes(),
             "reg.mlm": microlearn.convert(T.DecisionTreeRegressor(max_depth=2).fit(X, X[:, 0])).to_bytes()}
    res = run(target, MESSAGES_SCRIPT, files=files)
    assert res.returncode == 0 and "WRONG" not in res.output, res.output
    for what in ("a TensorFlow Lite model", "a zip archive (.keras?)", "an HDF5 file (.h5?)",
                 "a pickle (.pkl, .joblib?)"):
        assert (f"ok ValueError not a microlearn model file: {what}; convert it on the PC with "
                "microlearn.convert()\n") in res.output, res.output
    assert "ok ValueError not a microlearn model file (bad magic)\n" in res.output
    assert "ok TypeError predict(x, out) is for regressors: this model returns a label\n" in res.output
    assert "label 1\n" in res.output
    assert "ok ValueError expected 1 feature, got 2\n" in res.output
    assert "ok ValueError out must hold at least 1 float\n" in res.output
