"""Accelerometer gesture recognition with a Keras Conv1D + GRU network, end to end.

1. synthesise 3-axis accelerometer windows (50 Hz, 64 samples = 1.28 s) of
   five gestures: idle, shake, circle, swipe and double tap. The data are
   SYNTHETIC: each gesture is a simple motion model (see synthesise()) with
   random speed, size, timing, sensor orientation and noise -- a stand-in for
   a recorded data set (record your own with microlearn.recorder);
2. train a small Keras network on them: Conv1D -> BatchNormalization -> ReLU
   -> MaxPooling1D -> GRU -> Dense(softmax), and convert it with
   microlearn.convert() (the batch normalization is folded into the
   convolution, the ReLU fused into it);
3. on MicroPython (the unix port and the emulated Cortex-M4F and Cortex-M0):
   load the model once, predict every held-out window;
4. report accuracy, agreement of every window's class with Keras, the largest
   difference of the class probabilities from Keras's, model and arena bytes
   and instructions per window on the Cortex-M4F and Cortex-M0.

    .venv/bin/python examples/gestures/gestures.py    (after scripts/setup.sh)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import microlearn  # noqa: E402
from microlearn.rig import build, count, run  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

RATE, N, AXES = 50.0, 64, 3
GESTURES = ["idle", "shake", "circle", "swipe", "double tap"]
TARGETS = ("unix", "cortex-m4f", "cortex-m0")     # where the windows are classified
COUNT_TARGETS = ("cortex-m4f", "cortex-m0")        # where instructions are counted


def _rotation(rng, degrees):
    """A random rotation of the sensor by up to `degrees` about each axis."""
    a, b, c = np.radians(rng.uniform(-degrees, degrees, 3))
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rx @ ry @ rz


def _pulse(t, centre, width):
    """The acceleration of a quick push and stop: the derivative of a Gaussian bump."""
    u = (t - centre) / width
    return -u * np.exp(-0.5 * u * u)


def synthesise(n_per_class, rng):
    """Windows (n, N, 3) in g and their gesture index. Gravity points along
    the device's z axis, turned by a random orientation of the hand."""
    t = np.arange(N) / RATE
    X, y = [], []
    for label in range(len(GESTURES)):
        for _ in range(n_per_class):
            body = np.zeros((N, AXES))
            start = rng.uniform(0.1, 0.4)                 # when the gesture begins, s
            size = rng.uniform(0.6, 1.4)
            if label == 1:    # shake: a fast oscillation along x, fading in and out
                f = rng.uniform(4.0, 7.0)
                envelope = np.clip(np.sin(np.pi * np.clip((t - start) / 0.8, 0, 1)), 0, None)
                body[:, 0] = 1.2 * size * envelope * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
            elif label == 2:  # circle: x and y a quarter period apart, one slow turn
                f = rng.uniform(1.0, 1.6)
                envelope = ((t > start) & (t < start + 1 / f)).astype(float)
                phase = 2 * np.pi * f * (t - start)
                direction = rng.choice([-1.0, 1.0])
                body[:, 0] = 0.5 * size * envelope * np.cos(phase)
                body[:, 1] = 0.5 * size * direction * envelope * np.sin(phase)
            elif label == 3:  # swipe: one push along x (either way) then a stop
                width = rng.uniform(0.06, 0.12)
                body[:, 0] = rng.choice([-1.0, 1.0]) * 1.5 * size * _pulse(t, start + 0.3, width)
            elif label == 4:  # double tap: two short knocks along z
                gap = rng.uniform(0.2, 0.35)
                for k in range(2):
                    body[:, 2] += 2.0 * size * _pulse(t, start + 0.2 + k * gap, 0.025)
            # idle (label 0): the hand's tremor only
            tremor = 0.02 * np.sin(2 * np.pi * rng.uniform(6, 10) * t + rng.uniform(0, 2 * np.pi))
            w = (body + np.array([0.0, 0.0, 1.0])) @ _rotation(rng, 25).T
            w += tremor[:, None] + rng.normal(0, 0.03, (N, AXES))
            X.append(w)
            y.append(label)
    return np.asarray(X, np.float32), np.asarray(y)


def train(X, y):
    import keras
    from keras import layers as K

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((N, AXES)),
        K.Conv1D(12, 5, strides=2, padding="same"),
        K.BatchNormalization(),
        K.ReLU(),
        K.MaxPooling1D(2),
        K.GRU(16),
        K.Dense(len(GESTURES), activation="softmax"),
    ], name="gestures")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X, y, epochs=25, batch_size=32, verbose=0)
    return model


DEVICE_SCRIPT = """
import microlearn, array
m = microlearn.load("gestures.mlm")
window = array.array("f", bytes(4 * N * AXES))
proba = array.array("f", bytes(4 * K))
labels, probs = [], []
with open("windows.bin", "rb") as f:
    while f.readinto(window) == len(window) * 4:
        labels.append(m.predict(window))
        m.predict_proba(window, proba)
        probs.extend(proba)
print("LABELS", " ".join(str(v) for v in labels))
print("PROBA", " ".join(repr(v) for v in probs))
"""

COUNT_SCRIPT = """
import microlearn, array, _markers
m = microlearn.load("gestures.mlm")
window = array.array("f", bytes(4 * N * AXES))
open("windows.bin", "rb").readinto(window)
m.predict(window)   # warm up
_markers.start()
BODY
_markers.stop()
"""


def device_script(template):
    return f"N, AXES, K = {N}, {AXES}, {len(GESTURES)}\n" + template


def main():
    rng = np.random.default_rng(0)
    X_train, y_train = synthesise(120, rng)
    X_test, y_test = synthesise(30, rng)
    print(f"{len(X_train)} training and {len(X_test)} test windows of {N} x {AXES} samples (synthetic)")

    keras_model = train(X_train, y_train)
    keras_proba = keras_model.predict(X_test, verbose=0)
    keras_labels = keras_proba.argmax(axis=1)
    model = microlearn.convert(keras_model)
    print(f"converted: {model!r}")

    flat = X_test.reshape(len(X_test), -1)
    results = {"Keras": (keras_labels, keras_proba),
               "microlearn on the PC": (model.predict(flat), model.predict_proba(flat))}
    files = {"gestures.mlm": model.to_bytes(), "windows.bin": X_test.tobytes()}
    for target in TARGETS:
        lib = build.build_natmods(get_target(target).arch)
        res = run(target, device_script(DEVICE_SCRIPT), files=files, lib_dir=lib)
        if res.returncode != 0:
            sys.exit(f"gestures: the device script failed on {target}:\n{res.output}")
        lines = {l.split()[0]: l.split()[1:] for l in res.output.splitlines() if l.startswith(("LABELS", "PROBA"))}
        results[f"MicroPython {target}"] = (np.array([int(v) for v in lines["LABELS"]]),
                                            np.array([float(v) for v in lines["PROBA"]]).reshape(keras_proba.shape))

    per_window = {}
    for target in COUNT_TARGETS:
        lib = build.build_natmods(get_target(target).arch)
        script = device_script(COUNT_SCRIPT)
        counts = {what: count(target, script.replace("BODY", body), files=files, lib_dir=lib).instructions
                  for what, body in (("predict", "m.predict(window)"), ("empty", "pass"))}
        per_window[target] = counts["predict"] - counts["empty"]

    print("\n== report ==")
    width = max(len(k) for k in results)
    ok = True
    for name, (labels, proba) in results.items():
        same = np.mean(labels == keras_labels)
        diff = np.abs(proba - keras_proba).max()
        ok &= same == 1.0 and diff <= 1e-5
        print(f"  {name:<{width}}  accuracy {np.mean(labels == y_test) * 100:6.2f} %   same class as Keras on "
              f"{same * 100:6.2f} % of windows, probabilities within {diff:.1e}")
    info = model.info
    print(f"  model file        {model.size:,} bytes; arena {info.get('arena_bytes', '?')} bytes")
    for target, n in per_window.items():
        print(f"  {target:<17} {n:,} instructions per window (predict)")
    print("\nall targets agree with Keras on every window" if ok else "\nMISMATCH with Keras")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
