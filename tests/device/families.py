"""The device soak / heap_lock registry (tests/device/test_soak.py, docs/testing.md).

One Entry per per-call method worth guarding: a name, the files it needs
(built on the host: converted models), device code that sets it up once, and
ONE call. test_soak.py runs every entry on every target: the call under
micropython.heap_lock() (nothing may be allocated), then a soak of many calls
with the garbage collector off (gc.mem_free() must not shrink) whose last
result must equal the first.

A new model family adds its sample models and their calls here (and its
loader to tests/fuzz/fuzz_mlm.cpp); `family` names it as
microlearn.families.FAMILIES does, and test_soak.py fails while a registered
family has no entry.

Rules for an entry: the call is one expression that allocates nothing (write
into arrays made in setup; streaming objects get a helper that resets, so
every call gives the same result); `state` is an expression over the call's
value `r` (and the setup's names) that the soak compares, evaluated outside
the locked part.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Entry:
    name: str
    setup: str
    call: str
    state: str = "r"
    files: Callable[[], dict] = dict   # {file name: bytes}; names unique across entries
    family: str = ""                   # model family (microlearn.families name); "" for DSP / arrays


# ---- sample models, built once per session ----------------------------------

@functools.lru_cache(maxsize=None)
def _models() -> dict:
    from sklearn import cluster, covariance, ensemble as E, linear_model as LM, mixture, naive_bayes, \
        neighbors as NB, neural_network as NN, svm, tree as T
    from sklearn.datasets import load_iris, make_regression

    import microlearn

    X, y = load_iris(return_X_y=True)
    Xr, yr = make_regression(200, 4, n_targets=2, random_state=0)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    c = microlearn.convert
    return {
        "rf.mlm": c(E.RandomForestClassifier(10, max_depth=6, random_state=0).fit(X, y)),
        "rf_names.mlm": c(E.RandomForestClassifier(5, max_depth=4, random_state=0).fit(X, names)),
        "reg.mlm": c(T.DecisionTreeRegressor(max_depth=6).fit(Xr, yr)),
        "gb.mlm": c(E.GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X, y)),
        "hgb.mlm": c(E.HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y == 2)),
        "iforest.mlm": c(E.IsolationForest(n_estimators=20, random_state=0).fit(X)),
        "rf16.mlm": c(E.RandomForestClassifier(10, max_depth=6, random_state=0).fit(X, y),
                      feature_dtype="int16", feature_scale=100.0),
        "nb.mlm": c(naive_bayes.GaussianNB().fit(X, y)),
        "gmm.mlm": c(mixture.GaussianMixture(3, random_state=0).fit(X)),
        "ee.mlm": c(covariance.EllipticEnvelope(random_state=0).fit(X)),
        "knn.mlm": c(NB.KNeighborsClassifier(5).fit(X, y)),
        "knnr.mlm": c(NB.KNeighborsRegressor(3, weights="distance").fit(Xr, yr)),
        "nc.mlm": c(NB.NearestCentroid(priors=[0.2, 0.3, 0.5]).fit(X, y)),
        "km.mlm": c(cluster.KMeans(3, n_init=1, random_state=0).fit(X)),
        "lof.mlm": c(NB.LocalOutlierFactor(10, novelty=True).fit(X)),
        "svc.mlm": c(svm.SVC().fit(X, y)),
        "svr.mlm": c(svm.SVR(kernel="poly", degree=2).fit(Xr, yr[:, 0])),
        "ocsvm.mlm": c(svm.OneClassSVM(gamma="scale").fit(X)),
        "logreg.mlm": c(LM.LogisticRegression(max_iter=500).fit(X, y)),
        "linreg.mlm": c(LM.LinearRegression().fit(Xr, yr)),
        "sgd.mlm": c(LM.SGDClassifier(loss="log_loss", random_state=0).fit(X, y)),
        "mlp.mlm": c(NN.MLPClassifier((16, 8), max_iter=300, random_state=0).fit(X, names)),
        "mlpr.mlm": c(NN.MLPRegressor(hidden_layer_sizes=(12,), activation="tanh", max_iter=300, random_state=0).fit(Xr, yr)),
    }


def _model(name: str) -> Callable[[], dict]:
    return lambda: {name: _models()[name].to_bytes()}


def _model_entry(family, name, file, call, state="r", typecode="f", n_out=4):
    """A model loaded from `file`, x = 4 features (0.5 each, int16: 50)."""
    value = "50" if typecode == "h" else "0.5"
    setup = (f"m = microlearn.load({file!r})\n"
             f"x = array.array({typecode!r}, [{value}] * m.info()['n_features'])\n"
             f"out = array.array('f', bytes(4 * {n_out}))\n"
             "dist = array.array('f', bytes(4 * 10)); idx = array.array('i', bytes(4 * 10))")
    return Entry(name, setup, call, state, _model(file), family)


TREES = [
    _model_entry("tree_ensemble", "forest predict", "rf.mlm", "m.predict(x)"),
    _model_entry("tree_ensemble", "forest predict_proba", "rf.mlm", "m.predict_proba(x, out)", "bytes(out)"),
    _model_entry("tree_ensemble", "forest predict, string labels", "rf_names.mlm", "m.predict(x)"),
    _model_entry("tree_ensemble", "regressor predict(x, out)", "reg.mlm", "m.predict(x, out)", "bytes(out)"),
    _model_entry("tree_ensemble", "boosting decision_function", "gb.mlm", "m.decision_function(x, out)",
                 "bytes(out)"),
    _model_entry("tree_ensemble", "boosting predict_proba", "gb.mlm", "m.predict_proba(x, out)", "bytes(out)"),
    _model_entry("tree_ensemble", "hist boosting predict_proba", "hgb.mlm", "m.predict_proba(x, out)",
                 "bytes(out)"),
    _model_entry("tree_ensemble", "isolation forest predict", "iforest.mlm", "m.predict(x)"),
    _model_entry("tree_ensemble", "isolation forest score_samples", "iforest.mlm", "m.score_samples(x, out)",
                 "bytes(out)"),
    _model_entry("tree_ensemble", "isolation forest decision_function", "iforest.mlm",
                 "m.decision_function(x, out)", "bytes(out)"),
    _model_entry("tree_ensemble", "int16 forest predict", "rf16.mlm", "m.predict(x)", typecode="h"),
]

GAUSSIAN = [
    _model_entry("gaussian", "GaussianNB predict", "nb.mlm", "m.predict(x)"),
    _model_entry("gaussian", "GaussianNB predict_proba", "nb.mlm", "m.predict_proba(x, out)", "bytes(out)"),
    _model_entry("gaussian", "mixture score_samples", "gmm.mlm", "m.score_samples(x, out)", "bytes(out)"),
    _model_entry("gaussian", "elliptic envelope decision_function", "ee.mlm", "m.decision_function(x, out)",
                 "bytes(out)"),
]

NEIGHBORS = [
    _model_entry("neighbors", "kNN predict", "knn.mlm", "m.predict(x)"),
    _model_entry("neighbors", "kNN predict_proba", "knn.mlm", "m.predict_proba(x, out)", "bytes(out)"),
    _model_entry("neighbors", "kNN kneighbors", "knn.mlm", "m.kneighbors(x, dist, idx)", "bytes(dist) + bytes(idx)"),
    _model_entry("neighbors", "kNN regressor predict(x, out)", "knnr.mlm", "m.predict(x, out)", "bytes(out)"),
    _model_entry("neighbors", "KMeans transform", "km.mlm", "m.transform(x, out)", "bytes(out)"),
    _model_entry("neighbors", "NearestCentroid predict (priors)", "nc.mlm", "m.predict(x)"),
    _model_entry("neighbors", "NearestCentroid predict_proba", "nc.mlm", "m.predict_proba(x, out)", "bytes(out)"),
    _model_entry("neighbors", "NearestCentroid decision_function", "nc.mlm", "m.decision_function(x, out)",
                 "bytes(out)"),
    _model_entry("neighbors", "LOF score_samples", "lof.mlm", "m.score_samples(x, out)", "bytes(out)"),
    # Learners made on the device (partial_fit moves a centre each call: the
    # same x keeps the same centre, so the result stays the same)
    Entry("KMeans learner partial_fit", "from microlearn import _neighbors\nm = _neighbors.kmeans(3, 4)\n"
          "x = array.array('f', [0.5, -0.25, 1.0, 2.0])", "m.partial_fit(x)", family="neighbors"),
    Entry("kNN learner predict", "from microlearn import _neighbors\nm = _neighbors.knn(8, 4, 3, 3)\n"
          "x = array.array('f', [0.5, -0.25, 1.0, 2.0])\nfor i in range(4):\n    m.add(x, i % 3)", "m.predict(x)",
          family="neighbors"),
]

SVM = [
    _model_entry("svm", "SVC predict", "svc.mlm", "m.predict(x)"),
    _model_entry("svm", "SVC decision_function", "svc.mlm", "m.decision_function(x, out)", "bytes(out)"),
    _model_entry("svm", "SVR predict(x, out)", "svr.mlm", "m.predict(x, out)", "bytes(out)"),
    _model_entry("svm", "OneClassSVM score_samples", "ocsvm.mlm", "m.score_samples(x, out)", "bytes(out)"),
]

LINEAR = [
    _model_entry("linear", "LogisticRegression predict", "logreg.mlm", "m.predict(x)"),
    _model_entry("linear", "LogisticRegression predict_proba", "logreg.mlm", "m.predict_proba(x, out)",
                 "bytes(out)"),
    _model_entry("linear", "LinearRegression predict(x, out)", "linreg.mlm", "m.predict(x, out)", "bytes(out)"),
    _model_entry("linear", "SGDClassifier decision_function", "sgd.mlm", "m.decision_function(x, out)",
                 "bytes(out)"),
    # Learning changes the weights each call: only "allocates nothing" and
    # "no heap growth" apply (partial_fit returns None every time).
    _model_entry("linear", "SGDClassifier partial_fit (loaded)", "sgd.mlm", "m.partial_fit(x, 1)"),
    Entry("SGDRegressor partial_fit (new)", "from microlearn import _linear\n"
          "m = _linear.SGDRegressor(4); x = array.array('f', [0.5, -0.25, 1.0, 2.0])", "m.partial_fit(x, 1.5)",
          family="linear"),
]

NEURAL = [
    _model_entry("neural_network", "MLPClassifier predict", "mlp.mlm", "m.predict(x)"),
    _model_entry("neural_network", "MLPClassifier predict_proba", "mlp.mlm", "m.predict_proba(x, out)",
                 "bytes(out)"),
    _model_entry("neural_network", "MLPRegressor predict(x, out)", "mlpr.mlm", "m.predict(x, out)", "bytes(out)"),
]

# DSP objects: small sizes, so that a soak of 1e5 calls stays quick.
_SIGNAL = ("x = array.array('f', [((i * 37) % 19 - 9) / 10 for i in range(256)])\n"
           "xq = array.array('h', [((i * 37) % 19 - 9) * 3000 for i in range(256)])\n")
_SOS = "[[0.0048, 0.0096, 0.0048, 1, -1.0486, 0.2962], [1, 2, 1, 1, -1.3209, 0.6327]]"

DSP = [
    Entry("RFFT forward", _SIGNAL + "f = dsp.RFFT(64); v = x[:64]; out = array.array('f', bytes(4 * 66))",
          "f.forward(v, out)", "bytes(out)"),
    Entry("RFFT power", _SIGNAL + "f = dsp.RFFT(64); v = x[:64]; out = array.array('f', bytes(4 * 66))",
          "f.power(v, out)", "bytes(out)"),
    Entry("RFFT magnitude", _SIGNAL + "f = dsp.RFFT(64); v = x[:64]; out = array.array('f', bytes(4 * 66))",
          "f.magnitude(v, out)", "bytes(out)"),
    Entry("RFFT inverse", _SIGNAL + "f = dsp.RFFT(64); spec = array.array('f', bytes(4 * 66)); f.forward(x[:64], spec)\n"
          "back = array.array('f', bytes(4 * 64))", "f.inverse(spec, back)", "bytes(back)"),
    Entry("FFT forward + inverse", _SIGNAL + "f = dsp.FFT(32); src = x[:64]; buf = x[:64]\n"
          "def go():\n    A.copy(buf, src, 0)\n    f.forward(buf)\n    f.inverse(buf)", "go()", "bytes(buf)"),
    Entry("RFFTQ15 forward", _SIGNAL + "f = dsp.RFFTQ15(64); v = xq[:64]; out = array.array('h', bytes(2 * 66))",
          "f.forward(v, out)", "bytes(out)"),
    Entry("SOS process", _SIGNAL + f"s = dsp.SOS({_SOS}); v = x[:64]; y = array.array('f', bytes(4 * 64))\n"
          "def go():\n    s.reset()\n    s.process(v, y)", "go()", "bytes(y)"),
    Entry("SOS process in place", _SIGNAL + f"s = dsp.SOS({_SOS}); src = x[:64]; v = x[:64]\n"
          "def go():\n    A.copy(v, src, 0)\n    s.reset()\n    s.process(v)\n    s.process(v, v)", "go()", "bytes(v)"),
    Entry("SOS q15 process", _SIGNAL + f"s = dsp.SOS({_SOS}, q15=True); v = xq[:64]; y = array.array('h', bytes(2 * 64))\n"
          "def go():\n    s.reset()\n    s.process(v, y)", "go()", "bytes(y)"),
    Entry("SOS q15 fast process", _SIGNAL + f"s = dsp.SOS({_SOS}, q15=True, fast=True); v = xq[:64]\n"
          "y = array.array('h', bytes(2 * 64))\n"
          "def go():\n    s.reset(1000)\n    s.process(v, y)", "go()", "bytes(y)"),
    Entry("SOS q15 on float data", _SIGNAL + f"s = dsp.SOS({_SOS}, q15=True, fast=True); v = x[:64]\n"
          "y = array.array('f', bytes(4 * 64))\n"
          "def go():\n    s.reset(0.25)\n    s.process(v, y)", "go()", "bytes(y)"),
    Entry("FIR q15 on float data", _SIGNAL + "f = dsp.FIR([0.1, 0.2, 0.4, 0.2, 0.1], decimation=2, q15=True)\n"
          "v = x[:64]; y = array.array('f', bytes(4 * 32))\n"
          "def go():\n    f.reset()\n    return f.process(v, y)", "go()", "(r, bytes(y))"),
    Entry("FIR process, decimation 2", _SIGNAL + "f = dsp.FIR([0.1, 0.2, 0.4, 0.2, 0.1], decimation=2)\n"
          "v = x[:64]; y = array.array('f', bytes(4 * 32))\n"
          "def go():\n    f.reset()\n    return f.process(v, y)", "go()", "(r, bytes(y))"),
    Entry("FIR process in place", _SIGNAL + "f = dsp.FIR([0.25, 0.5, 0.25]); src = x[:64]; v = x[:64]\n"
          "def go():\n    A.copy(v, src, 0)\n    f.reset()\n    return f.process(v)", "go()", "(r, bytes(v))"),
    Entry("FIR q15 process", _SIGNAL + "f = dsp.FIR([0.1, 0.2, 0.4, 0.2, 0.1], q15=True)\n"
          "v = xq[:64]; y = array.array('h', bytes(2 * 64))\n"
          "def go():\n    f.reset()\n    return f.process(v, y)", "go()", "(r, bytes(y))"),
    Entry("DCT forward", _SIGNAL + "d = dsp.DCT(40, 13); v = x[:40]; y = array.array('f', bytes(4 * 13))",
          "d.forward(v, y)", "bytes(y)"),
    Entry("Spectrogram process (MFCC)", _SIGNAL + "s = dsp.Spectrogram(64, 32, output='mfcc', n_mels=16, n_mfcc=8)\n"
          "v = x[:128]; out = array.array('f', bytes(4 * s.frames(128) * s.frame_size()))\n"
          "def go():\n    s.reset()\n    return s.process(v, out)", "go()", "(r, bytes(out))"),
    Entry("Features compute", _SIGNAL + "fe = dsp.Features(32, 3, ['mean', 'std', 'p50', ('band_energy', 1, 5)], 50)\n"
          "w = x[:96]; out = array.array('f', bytes(4 * fe.size()))", "fe.compute(w, out)", "bytes(out)"),
]

_BYTES = "raw = bytes(range(256)) * 2\n"
ARRAYS = [
    Entry("arrays.copy", "a = A.empty('f', 64); src = array.array('h', range(64))", "A.copy(a, src, 0)", "bytes(a)"),
    Entry("arrays.unpack", _BYTES + "a = A.empty('f', 96); g = 1 / 16384; fifo = raw[:192]", "A.unpack(a, fifo, '<h', g)",
          "(r, bytes(a))"),
    Entry("arrays.to_float", "q = array.array('h', range(-32, 32)); a = A.empty('f', 64); s = 0.01; o = 0.5",
          "A.to_float(a, q, s, o)", "bytes(a)"),
    Entry("arrays.to_int", "a = array.array('f', [i / 7 for i in range(64)]); q = A.empty('h', 64); s = 100.0; o = 0.0",
          "A.to_int(q, a, s, o)", "bytes(q)"),
    Entry("arrays.b64encode", _BYTES + "buf = bytearray(700)", "A.b64encode(raw, buf)", "(r, bytes(buf))"),
    Entry("arrays.b64decode", _BYTES + "text = bytearray(700); n = A.b64encode(raw, text); text = text[:n]\n"
          "buf = bytearray(512)", "A.b64decode(text, buf)", "(r, bytes(buf))"),
    Entry("arrays.crc32 into array('I')", _BYTES + "acc = array.array('I', [0])\n"
          "def go():\n    acc[0] = 0\n    A.crc32(raw, acc)", "go()", "acc[0]"),
]

ENTRIES = TREES + GAUSSIAN + NEIGHBORS + SVM + LINEAR + NEURAL + DSP + ARRAYS


# ---- the device script --------------------------------------------------------

_HARNESS = """
import array, gc, micropython, microlearn
from microlearn import dsp
from microlearn import arrays as A

def soak(index, step, state, n):
    r = step()  # first call outside the lock: anything made lazily on first use
    first = state(r)
    micropython.heap_lock()
    try:
        step()
        step()
        locked = "ok"
    except MemoryError:
        locked = "ALLOCATES"
    finally:
        micropython.heap_unlock()
    gc.collect()
    gc.disable()  # from here any allocation shows in mem_free
    before = gc.mem_free()
    done = 0
    try:
        for done in range(1, n + 1):
            r = step()
    except MemoryError:  # calls that allocate fill the heap
        pass
    after = gc.mem_free()
    gc.enable()
    gc.collect()
    print("entry", index, "locked", locked, "calls", done, "free", before, after,
          "same" if state(r) == first else "DIFFERENT")
"""


def _indent(code: str, by: str = "    ") -> str:
    return "\n".join(by + line for line in code.splitlines())


def script(entries, n_calls: int) -> str:
    """A MicroPython script that soaks every entry, printing one line each
    ("entry <index in entries> locked ok|ALLOCATES calls <n> free <before> <after> same|DIFFERENT")."""
    parts = [_HARNESS]
    for i, e in enumerate(entries):
        parts.append(f"def entry_{i}():\n{_indent(e.setup)}\n"
                     f"    def step():\n        return {e.call}\n"
                     f"    def state(r):\n        return {e.state}\n"
                     f"    soak({i}, step, state, {n_calls})\n"
                     f"entry_{i}()\ngc.collect()\n")
    parts.append("print('soak done')\n")
    return "\n".join(parts)


def files(entries) -> dict:
    out = {}
    for e in entries:
        out.update(e.files())
    return out
