"""Keras networks on MicroPython (unix port, emulated Cortex-M0/M3/M4F): an
MLP, a CNN, a GRU classifier with a GELU layer and a squeeze-and-excitation
block written with keras.ops arithmetic (MobileNetV3's hard_sigmoid) after a
swish convolution, ending in keras.ops.gelu (its tanh form), give Keras's
probabilities within the host tests' tolerance (docs/neural.md) and the host's
classes; a stateful GRU streamed one step per predict() gives the unrolled
layer's outputs at every step, again after reset(); predict() and reset()
allocate nothing."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")
from keras import layers as K  # noqa: E402

import microlearn  # noqa: E402
from device_rig import run  # noqa: E402

RTOL = 1e-5
STEPS = 10


def _models():
    """name -> (Keras model, inputs (n, ...)); built once per session."""
    rng = np.random.default_rng(7)
    keras.utils.set_random_seed(7)
    mlp = keras.Sequential([keras.Input((6,)), K.Dense(12, activation="relu"), K.BatchNormalization(),
                            K.Dense(8, activation="tanh"), K.Dense(3, activation="softmax")])
    cnn = keras.Sequential([keras.Input((8, 8, 1)), K.Conv2D(4, 3, padding="same"), K.BatchNormalization(),
                            K.ReLU(), K.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6"),
                            K.MaxPooling2D(2), K.Flatten(), K.Dense(4, activation="softmax")])
    gru = keras.Sequential([keras.Input((STEPS, 3)), K.Conv1D(6, 3, padding="same", activation="relu"),
                            K.GRU(8), K.Dense(6, activation="gelu"), K.Dense(3, activation="softmax")])
    inp = keras.Input((5, 4, 3))      # squeeze-and-excitation (MUL by one value per channel), keras.ops arithmetic
    se = K.Conv2D(3, 1, activation="sigmoid")(K.GlobalAveragePooling2D(keepdims=True)(inp))
    x = K.ReLU(6.0)(K.Conv2D(3, 3, padding="same", activation="swish")(inp) * se + 3.0) * (1.0 / 6.0)
    se_net = keras.Model(inp, K.Dense(3, activation="softmax")(K.Flatten()(keras.ops.gelu(2.0 - x))))
    for m in (mlp, cnn):
        for layer in m.layers:
            if isinstance(layer, K.BatchNormalization):
                w = layer.get_weights()
                layer.set_weights([v + rng.uniform(0.1, 0.5, v.shape).astype(np.float32) for v in w])
    return {name: (m, rng.normal(size=(12,) + tuple(m.inputs[0].shape[1:])).astype(np.float32))
            for name, m in (("mlp", mlp), ("cnn", cnn), ("gru", gru), ("se", se_net))}


def _streaming():
    """A stateful GRU and LSTM, one step per call, and the same weights unrolled."""
    out = {}
    for kind in ("GRU", "LSTM"):
        keras.utils.set_random_seed(11)
        whole = keras.Sequential([keras.Input((STEPS, 3)), getattr(K, kind)(5, return_sequences=True)])
        step = keras.Sequential([keras.Input(batch_shape=(1, 1, 3)), getattr(K, kind)(5, stateful=True)])
        step.set_weights(whole.get_weights())
        out[kind] = (whole, step)
    return out


@pytest.fixture(scope="module")
def cases():
    models = _models()
    files, expected = {}, {}
    for name, (km, X) in models.items():
        model = microlearn.convert(km)
        flat = X.reshape(len(X), -1)
        files[f"{name}.mlm"] = model.to_bytes()
        files[f"{name}.bin"] = flat.tobytes()
        expected[name] = (model, flat, km.predict(X, verbose=0))
    seq = np.random.default_rng(3).normal(size=(STEPS, 3)).astype(np.float32)
    streams = {}
    for kind, (whole, step) in _streaming().items():
        files[f"{kind}.mlm"] = microlearn.convert(step, task="regression").to_bytes()
        unrolled = microlearn.convert(whole, task="regression").predict(seq.reshape(1, -1)).reshape(STEPS, 5)
        streams[kind] = unrolled
    files["seq.bin"] = seq.tobytes()
    return files, expected, streams


SCRIPT = """
import microlearn, array, micropython

def classify(m, x, out):                     # no allocation: the heap is locked
    micropython.heap_lock()
    try:
        label = m.predict(x)
        m.predict_proba(x, out)
    finally:
        micropython.heap_unlock()
    return label

def step(m, x, out, reset):
    micropython.heap_lock()
    try:
        if reset:
            m.reset()
        m.predict(x, out)
    finally:
        micropython.heap_unlock()

for name in ("mlp", "cnn", "gru", "se"):
    m = microlearn.load(name + ".mlm")
    info = m.info()
    x = array.array("f", bytes(4 * info["n_features"]))
    out = array.array("f", bytes(4 * info["n_classes"]))
    res = open(name + ".out", "wb")
    with open(name + ".bin", "rb") as f:
        while f.readinto(x) == len(x) * 4:
            label = classify(m, x, out)
            res.write(array.array("f", [label]))
            res.write(out)
    res.close()
    print("done", name, info["arena_bytes"])
seq = open("seq.bin", "rb").read()
for kind in ("GRU", "LSTM"):
    m = microlearn.load(kind + ".mlm")
    out = array.array("f", bytes(4 * 5))
    x = array.array("f", bytes(4 * 3))
    res = open(kind + ".out", "wb")
    for rep in range(2):                      # the second pass after reset(): the same outputs
        for t in range(len(seq) // 12):
            x[:] = array.array("f", seq[12 * t:12 * t + 12])
            step(m, x, out, t == 0)
            res.write(out)
    res.close()
    print("streamed", kind)
"""


def test_keras_networks_agree_on_the_device(target, cases):
    files, expected, streams = cases
    fetch = [f"{n}.out" for n in list(expected) + list(streams)]
    res = run(target, SCRIPT, files=files, fetch=fetch)
    assert res.returncode == 0, res.output
    for name, (model, flat, want) in expected.items():
        assert f"done {name} {model.info['arena_bytes']}" in res.output
        got = np.frombuffer(res.files[f"{name}.out"], np.float32).reshape(len(flat), -1)
        np.testing.assert_array_equal(got[:, 0], model.predict(flat))                  # the host's classes
        np.testing.assert_array_equal(got[:, 0], want.argmax(axis=1))                   # Keras's
        np.testing.assert_allclose(got[:, 1:], want, rtol=RTOL, atol=RTOL * np.abs(want).max())
        np.testing.assert_allclose(got[:, 1:], model.predict_proba(flat), rtol=RTOL, atol=1e-7)
    for kind, unrolled in streams.items():
        assert f"streamed {kind}" in res.output
        got = np.frombuffer(res.files[f"{kind}.out"], np.float32).reshape(2, STEPS, 5)
        for rep in range(2):
            np.testing.assert_allclose(got[rep], unrolled, rtol=RTOL, atol=RTOL * np.abs(unrolled).max())
        np.testing.assert_array_equal(got[0], got[1])


def test_gestures_example_runs_and_agrees():
    """examples/gestures: trains, converts and classifies every window on the
    emulated boards; exits non-zero unless every target agrees with Keras."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, str(root / "examples" / "gestures" / "gestures.py")], cwd=root,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "all targets agree with Keras on every window" in proc.stdout
