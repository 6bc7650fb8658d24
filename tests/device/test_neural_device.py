"""Neural networks on MicroPython (unix port, emulated Cortex-M0/M3/M4F): the
host engine's outputs bit for bit for the same float32 rows (so scikit-learn's
within docs/neural.md's tolerance), a float CNN too; int8 input as array('b'),
array('B') and array('f'); nothing allocated per call; an arena that does not
fit gives a MemoryError naming its size and the interpreter goes on; the
caller's arena; clear errors; corrupt files refused."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import microlearn
from device_rig import EXPECT, mutants, run
from microlearn.converters.neural import ir, writer


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def cnn_graph(seed=0):
    """(8, 8, 2) -> conv 3x3 same relu -> max pool 2 -> depthwise 3x3 (x2) -> mean -> dense 3 -> softmax."""
    rng = np.random.default_rng(seed)
    T = ir.Tensor
    t = {"x": T("x", (8, 8, 2)), "w1": T("w1", (4, 3, 3, 2), data=rng.normal(size=(4, 3, 3, 2))),
         "b1": T("b1", (4,), data=rng.normal(size=4)), "c1": T("c1", (8, 8, 4)), "p1": T("p1", (4, 4, 4)),
         "w2": T("w2", (1, 3, 3, 8), data=rng.normal(size=(1, 3, 3, 8))), "c2": T("c2", (2, 2, 8)),
         "m": T("m", (8,)), "w3": T("w3", (3, 8), data=rng.normal(size=(3, 8))),
         "b3": T("b3", (3,), data=rng.normal(size=3)), "d": T("d", (3,)), "y": T("y", (3,))}
    ops = [ir.Op("CONV_2D", ["x", "w1", "b1"], ["c1"], {"stride": (1, 1), "dilation": (1, 1),
                                                          "padding": (1, 1, 1, 1), "activation": "relu"}),
           ir.Op("MAX_POOL_2D", ["c1"], ["p1"], {"filter": (2, 2), "stride": (2, 2), "padding": (0, 0, 0, 0),
                                                 "activation": "none"}),
           ir.Op("DEPTHWISE_CONV_2D", ["p1", "w2"], ["c2"], {"stride": (2, 2), "dilation": (1, 1),
                                                            "padding": (0, 0, 1, 1), "depth_multiplier": 2,
                                                            "activation": "relu6"}),
           ir.Op("MEAN", ["c2"], ["m"], {"axes": (0, 1)}),
           ir.Op("FULLY_CONNECTED", ["m", "w3", "b3"], ["d"], {"activation": "none"}),
           ir.Op("SOFTMAX", ["d"], ["y"], {"beta": 1.0})]
    return ir.Graph(t, ops, ["x"], ["y"], task="classification", classes=np.array([0, 1, 2]))


def few_channels_graph(seed=0):
    """(9, 11, 3) -> conv 3x3 same (6 filters: a block of four and two more) -> conv 5x3 'valid' stride (1, 2)
    relu6 (8 filters) -> conv 1x1 (5 filters): pixels paired by the float conv (float_ops.hpp's dot4x2), the
    last of an odd row alone, edge pixels whose taps differ, runs of n % 4 != 0 values."""
    rng = np.random.default_rng(seed)
    T = ir.Tensor
    t = {"x": T("x", (9, 11, 3)), "w1": T("w1", (6, 3, 3, 3), data=rng.normal(size=(6, 3, 3, 3))),
         "b1": T("b1", (6,), data=rng.normal(size=6)), "c1": T("c1", (9, 11, 6)),
         "w2": T("w2", (8, 5, 3, 6), data=rng.normal(size=(8, 5, 3, 6))), "c2": T("c2", (5, 5, 8)),
         "w3": T("w3", (5, 1, 1, 8), data=rng.normal(size=(5, 1, 1, 8))),
         "b3": T("b3", (5,), data=rng.normal(size=5)), "y": T("y", (5, 5, 5))}
    ops = [ir.Op("CONV_2D", ["x", "w1", "b1"], ["c1"], {"stride": (1, 1), "dilation": (1, 1),
                                                          "padding": (1, 1, 1, 1), "activation": "relu"}),
           ir.Op("CONV_2D", ["c1", "w2"], ["c2"], {"stride": (1, 2), "dilation": (1, 1),
                                                  "padding": (0, 0, 0, 0), "activation": "relu6"}),
           ir.Op("CONV_2D", ["c2", "w3", "b3"], ["y"], {"stride": (1, 1), "dilation": (1, 1),
                                                       "padding": (0, 0, 0, 0), "activation": "none"})]
    return ir.Graph(t, ops, ["x"], ["y"])


def depthwise_graph(seed=0):
    """(7, 9, 6) -> depthwise 3x3 'same' relu (6 channels: a block of four and two more, with bias) -> depthwise
    3x3 dilation 2 stride 2 padding 2 (no bias) -> depthwise 2x3 'valid' depth multiplier 3 relu6 (18 channels):
    float_ops.hpp's four channels' sums in registers, the channels after the last block of four, border pixels
    with fewer taps, a multiplier above 1."""
    rng = np.random.default_rng(seed)
    T = ir.Tensor
    t = {"x": T("x", (7, 9, 6)), "w1": T("w1", (1, 3, 3, 6), data=rng.normal(size=(1, 3, 3, 6))),
         "b1": T("b1", (6,), data=rng.normal(size=6)), "c1": T("c1", (7, 9, 6)),
         "w2": T("w2", (1, 3, 3, 6), data=rng.normal(size=(1, 3, 3, 6))), "c2": T("c2", (4, 5, 6)),
         "w3": T("w3", (1, 2, 3, 18), data=rng.normal(size=(1, 2, 3, 18))),
         "b3": T("b3", (18,), data=rng.normal(size=18)), "y": T("y", (3, 3, 18))}
    ops = [ir.Op("DEPTHWISE_CONV_2D", ["x", "w1", "b1"], ["c1"], {"stride": (1, 1), "dilation": (1, 1),
                                                                   "padding": (1, 1, 1, 1), "depth_multiplier": 1,
                                                                   "activation": "relu"}),
           ir.Op("DEPTHWISE_CONV_2D", ["c1", "w2"], ["c2"], {"stride": (2, 2), "dilation": (2, 2),
                                                            "padding": (2, 2, 2, 2), "depth_multiplier": 1,
                                                            "activation": "none"}),
           ir.Op("DEPTHWISE_CONV_2D", ["c2", "w3", "b3"], ["y"], {"stride": (1, 1), "dilation": (1, 1),
                                                                 "padding": (0, 0, 0, 0), "depth_multiplier": 3,
                                                                 "activation": "relu6"})]
    return ir.Graph(t, ops, ["x"], ["y"])


# Every row of X.bin through predict(x, out) (label index, then the outputs)
# and predict_proba when the model has it, as float32 into out.bin.
EVAL_SCRIPT = """
import microlearn, array
m = microlearn.load("model.mlm")
info = m.info()
n, k, task = info["n_features"], info["n_outputs"], info["task"]
classes = list(info.get("classes", ()))
x = array.array("f", bytes(4 * n))
out = array.array("f", bytes(4 * k))
proba = array.array("f", bytes(4 * max(1, info["n_classes"])))
res = open("out.bin", "wb")
rows = 0
with open("X.bin", "rb") as f:
    while f.readinto(x) == 4 * n:
        p = m.predict(x, out)
        res.write(array.array("f", [classes.index(p) if task == "classification" else 0]))
        res.write(out)
        if PROBA:
            m.predict_proba(x, proba)
            res.write(proba)
        rows += 1
res.close()
print("rows", rows)
"""


def host_outputs(model, X, proba):
    """What EVAL_SCRIPT writes, from the host engine: the label's index, the
    network's outputs (a classifier's: its probabilities, or the one
    logistic unit's p), the probabilities."""
    n = len(X)
    if model.info["task"] == "classification":
        label = np.array([list(model.classes_).index(p) for p in model.predict(X)]).reshape(-1, 1)
        p = model.predict_proba(X)
        cols = [label, p[:, 1:] if model.info["n_outputs"] == 1 else p]
    else:
        cols = [np.zeros((n, 1)), model.predict(X).reshape(n, -1)]
    if proba:
        cols.append(model.predict_proba(X))
    return np.hstack(cols).astype(np.float32)


def cases():
    Xi, yi = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[yi]
    Xr, yr = make_regression(150, 6, n_targets=2, random_state=0)
    rng = np.random.default_rng(0)
    cnn = microlearn.Model(writer.encode(cnn_graph()))
    return {
        "mlp-names": (fit(MLPClassifier((16, 8), max_iter=300, random_state=0), Xi, names), Xi),
        "mlp-binary-tanh": (fit(MLPClassifier((6,), activation="tanh", max_iter=300, random_state=0), Xi, yi == 2),
                            Xi),
        "mlp-regressor": (fit(MLPRegressor(hidden_layer_sizes=(20, 10), max_iter=300, random_state=0), Xr, yr), Xr),
        "cnn": (cnn, rng.normal(size=(30, 128))),
        "conv-few-channels": (microlearn.Model(writer.encode(few_channels_graph())), rng.normal(size=(6, 297))),
        "depthwise": (microlearn.Model(writer.encode(depthwise_graph())), rng.normal(size=(6, 378))),
    }


CASES = cases()


@pytest.mark.parametrize("case", list(CASES))
def test_device_matches_host(target, case):
    est, X = CASES[case]
    model = est if isinstance(est, microlearn.Model) else microlearn.convert(est)
    rows = X[:40].astype(np.float32)
    proba = "predict_proba" in model.info["methods"]
    res = run(target, EVAL_SCRIPT.replace("PROBA", str(proba)),
              files={"model.mlm": model.to_bytes(), "X.bin": rows.tobytes()}, fetch=["out.bin"])
    assert res.returncode == 0, res.output
    assert f"rows {len(rows)}" in res.output
    got = np.frombuffer(res.files["out.bin"], np.float32).reshape(len(rows), -1)
    want = host_outputs(model, rows, proba)
    # Bit for bit: the same float32 operations in the same order on every
    # target (no fused multiply-adds on the M4F: neural_engine.cpp, dot4's VMLA).
    np.testing.assert_array_equal(got, want)
    if not isinstance(est, microlearn.Model) and model.info["task"] == "classification":
        np.testing.assert_array_equal(np.asarray(model.classes_)[got[:, 0].astype(int)], est.predict(rows))


def int8_input_graph():
    """int8 input (scale 1/255, zero point -128: pixels as array('B')) -> DEQUANTIZE -> dense 2."""
    T = ir.Tensor
    t = {"x": T("x", (5,), "int8", scale=np.float32(1 / 255), zero_point=np.int32(-128)), "f": T("f", (5,)),
         "w": T("w", (2, 5), data=np.arange(10, dtype=np.float32).reshape(2, 5) / 10), "y": T("y", (2,))}
    ops = [ir.Op("DEQUANTIZE", ["x"], ["f"]), ir.Op("FULLY_CONNECTED", ["f", "w"], ["y"], {"activation": "none"})]
    return ir.Graph(t, ops, ["x"], ["y"])


INT8_SCRIPT = EXPECT + """
import microlearn, array
m = microlearn.load("q.mlm")
print("dtype", m.info()["input_dtype"])
u = array.array("B", [0, 51, 128, 200, 255])
print("B", list(m.predict(u)))
print("b", list(m.predict(array.array("b", [v - 128 for v in u]))))
print("f", list(m.predict(array.array("f", [v / 255 for v in u]))))
expect(TypeError, m.predict, array.array("h", [0] * 5))
expect(ValueError, m.predict, array.array("B", [0] * 4))
"""


def test_int8_input_typecodes(target):
    model = microlearn.Model(writer.encode(int8_input_graph()))
    res = run(target, INT8_SCRIPT, files={"q.mlm": model.to_bytes()})
    assert res.returncode == 0 and "WRONG" not in res.output, res.output
    u = np.array([0, 51, 128, 200, 255])
    want = (np.arange(10).reshape(2, 5) / 10) @ (u / 255)
    lines = {ln.split(" ", 1)[0]: ln.split(" ", 1)[1] for ln in res.output.splitlines() if " " in ln}
    assert lines["dtype"] == "int8"
    for key in "Bbf":
        np.testing.assert_allclose(eval(lines[key]), want, rtol=1e-5)
    np.testing.assert_allclose(model.predict(u[None] / 255)[0], want, rtol=1e-5)  # the host: float input
    assert "x must be array('f'), array('b') or array('B') for an int8 network" in res.output
    assert "expected 5 features, got 4" in res.output


HEAP_SCRIPT = """
import microlearn, array, micropython
for name in NAMES:
    m = microlearn.load(name)
    info = m.info()
    x = array.array("f", [0.5] * info["n_features"])
    out = array.array("f", [0] * info["n_outputs"])
    proba = array.array("f", [0] * max(1, info["n_classes"]))
    micropython.heap_lock()
    try:
        for i in range(10):
            m.predict(x, out)
            if info["task"] == "classification":
                m.predict(x)
                m.predict_proba(x, proba)
    finally:
        micropython.heap_unlock()
    print("no allocation:", name)
"""


def test_calls_allocate_nothing(target):
    Xi, yi = load_iris(return_X_y=True)
    models = {"mlp.mlm": microlearn.convert(CASES["mlp-names"][0]), "cnn.mlm": CASES["cnn"][0],
              "bin.mlm": microlearn.convert(CASES["mlp-binary-tanh"][0])}
    res = run(target, HEAP_SCRIPT.replace("NAMES", repr(list(models))),
              files={k: m.to_bytes() for k, m in models.items()})
    assert res.returncode == 0, res.output
    assert res.output.count("no allocation") == len(models)


def huge_arena_graph():
    """x (4,) padded to 16M floats (64 MB of arena, no weights) -> max."""
    T = ir.Tensor
    n = 1 << 24
    t = {"x": T("x", (4,)), "p": T("p", (n,)), "y": T("y", ())}
    ops = [ir.Op("PAD", ["x"], ["p"], {"paddings": ((0, n - 4),)}), ir.Op("REDUCE_MAX", ["p"], ["y"], {"axes": (0,)})]
    return ir.Graph(t, ops, ["x"], ["y"])


ERROR_SCRIPT = EXPECT + """
import microlearn, array, gc
big = open("big.mlm", "rb").read()
expect(MemoryError, microlearn.load, big)
gc.collect()
m = microlearn.load("mlp.mlm")
need = m.info()["arena_bytes"]
x = array.array("f", [5.0, 3.0, 1.5, 0.2])
print("label", m.predict(x))
arena = bytearray(need)
m2 = microlearn.load(open("mlp.mlm", "rb").read(), arena)
print("caller arena", m2.predict(x) == m.predict(x), m2.info()["arena_bytes"] == need)
expect(ValueError, microlearn.load, open("mlp.mlm", "rb").read(), bytearray(need - 4))
expect(TypeError, microlearn.load, open("mlp.mlm", "rb").read(), b"x" * need)
r = microlearn.load("reg.mlm")
expect(TypeError, m.predict, array.array("d", [0] * 4))
expect(TypeError, m.predict, array.array("b", [0] * 4))
expect(TypeError, m.predict, [1.0, 2.0, 3.0, 4.0])
expect(ValueError, m.predict, array.array("f", [0] * 3))
expect(ValueError, m.predict_proba, x, array.array("f", [0]))
expect(TypeError, m.predict, x, array.array("d", [0] * 3))
expect(AttributeError, r.predict_proba, array.array("f", [0] * 6))
for bad in (float("nan"), float("inf"), -float("inf")):
    expect(ValueError, m.predict, array.array("f", [1.0, bad, 0.0, 0.0]))
print("lists", len(r.predict(array.array("f", [0] * 6))), len(m.predict_proba(x)))
for name in MUTANTS:
    try:
        mm = microlearn.load(name)
        mm.predict(array.array("f", [0.1] * mm.info()["n_features"]))
    except (ValueError, MemoryError):
        pass
print("mutants done")
"""


def test_memory_errors_and_bad_input(target):
    big = microlearn.Model(writer.encode(huge_arena_graph()))
    assert big.info["arena_bytes"] >= 1 << 26
    files = {"big.mlm": big.to_bytes(), "mlp.mlm": microlearn.convert(CASES["mlp-names"][0]).to_bytes(),
             "reg.mlm": microlearn.convert(CASES["mlp-regressor"][0]).to_bytes()}
    bad = mutants([files["mlp.mlm"], microlearn.Model(writer.encode(cnn_graph())).to_bytes()], 40, seed=3)
    files.update(bad)
    res = run(target, ERROR_SCRIPT.replace("MUTANTS", repr(list(bad))), files=files)
    assert res.returncode == 0 and not res.crashed, res.output
    assert "WRONG" not in res.output, res.output
    assert f"ok MemoryError the network's arena needs {big.info['arena_bytes']} bytes of RAM" in res.output
    assert "label setosa" in res.output
    assert "caller arena True True" in res.output
    assert "arena must hold at least" in res.output and "arena must be a writable buffer" in res.output
    assert "expected 4 features, got 3" in res.output
    assert "out must hold at least 3 floats" in res.output
    assert "predict_proba() needs a classifier" in res.output
    assert res.output.count("x holds NaN or infinity") == 3
    assert "lists 2 3" in res.output
    assert "mutants done" in res.output
