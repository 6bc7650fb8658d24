"""Human activity recognition, end to end, with features computed on the device.

1. synthesise 3-axis accelerometer windows (50 Hz, 128 samples) of four
   activities: resting, walking, running, jumping (stand-in for a recorded data
   set: record your own with microlearn.recorder and `microlearn dataset`),
2. compute windowed features with microlearn.dsp.Features (the same C++ code
   the device runs), train a random forest on them, convert it,
3. on MicroPython (unix port and emulated Cortex-M3): for each raw window,
   compute the features with microlearn.dsp and predict with the forest,
4. report agreement with scikit-learn, accuracy, model bytes and
   instructions per window (features + prediction) on the Cortex-M3.

    .venv/bin/python examples/har_activity.py    (after scripts/setup.sh)
"""
import sys

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import microlearn
from microlearn import dsp
from microlearn.rig import build, count, run
from microlearn.rig.targets import get_target

RATE, N, AXES = 50.0, 128, 3
ACTIVITIES = ["resting", "walking", "running", "jumping"]
FEATURES = ["mean", "std", "min", "max", "rms", "ptp", "crossings",
            ("band_energy", 0.5, 3.0), ("band_energy", 3.0, 8.0)]


def synthesise(n_per_class, rng):
    """Windows (n, N, 3) in g: gravity on z, a periodic body motion whose
    frequency and strength depend on the activity, sensor noise."""
    t = np.arange(N) / RATE
    params = {0: (0.3, 0.05, 0.08), 1: (1.8, 0.3, 0.15), 2: (2.6, 0.6, 0.25), 3: (2.0, 0.8, 0.3)}
    X, y = [], []
    for label, (freq, amp, noise) in params.items():
        for _ in range(n_per_class):
            f = freq * rng.uniform(0.7, 1.3)
            a = amp * rng.uniform(0.5, 1.5)
            phase = rng.uniform(0, 2 * np.pi, AXES)
            tilt = rng.normal(0, 0.1, AXES)
            w = np.stack([a * np.sin(2 * np.pi * f * t + phase[k]) * (0.5 if k < 2 else 1.0)
                          for k in range(AXES)], axis=1)
            w[:, 2] += 1.0  # gravity
            w += tilt + rng.normal(0, noise, (N, AXES))
            X.append(w)
            y.append(label)
    return np.asarray(X, np.float32), np.asarray(y)


DEVICE_SCRIPT = """
import microlearn, array
from microlearn import dsp
m = microlearn.load("har.mlm")
feat = dsp.Features(N, AXES, FEATURES, sample_rate=RATE)
window = array.array("f", bytes(4 * N * AXES))
x = array.array("f", bytes(4 * feat.size()))
labels = []
with open("windows.bin", "rb") as f:
    while f.readinto(window) == len(window) * 4:
        feat.compute(window, x)
        labels.append(m.predict(x))
print("LABELS", " ".join(str(v) for v in labels))
"""

COUNT_SCRIPT = """
import microlearn, array, _markers
from microlearn import dsp
m = microlearn.load("har.mlm")
feat = dsp.Features(N, AXES, FEATURES, sample_rate=RATE)
window = array.array("f", bytes(4 * N * AXES))
x = array.array("f", bytes(4 * feat.size()))
open("windows.bin", "rb").readinto(window)
feat.compute(window, x); m.predict(x)   # warm up
_markers.start()
BODY
_markers.stop()
"""


def device_script(template):
    """The script with this file's window and feature settings defined first."""
    return f"N, AXES, RATE = {N}, {AXES}, {RATE}\nFEATURES = {FEATURES!r}\n" + template


def main():
    rng = np.random.default_rng(0)
    W, y = synthesise(150, rng)
    W_train, W_test, y_train, y_test = train_test_split(W, y, test_size=0.3, random_state=0, stratify=y)
    feat = dsp.Features(N, AXES, FEATURES, sample_rate=RATE)
    F_train, F_test = feat.compute(W_train), feat.compute(W_test)
    print(f"{len(W)} windows of {N} x {AXES} samples; {F_train.shape[1]} features per window")

    forest = RandomForestClassifier(n_estimators=20, max_depth=8, random_state=0).fit(F_train, y_train)
    model = microlearn.convert(forest)
    sk = forest.predict(F_test)
    print(f"converted: {model!r}")

    results = {"scikit-learn (host features)": sk, "microlearn on the PC": model.predict(F_test)}
    files = {"har.mlm": model.to_bytes(), "windows.bin": W_test.tobytes()}
    for target in ("unix", "cortex-m3"):
        lib = build.build_natmods(get_target(target).arch)
        res = run(target, device_script(DEVICE_SCRIPT), files=files, lib_dir=lib)
        if res.returncode != 0:
            sys.exit(f"har: the device script failed on {target}:\n{res.output}")
        line = next(l for l in res.output.splitlines() if l.startswith("LABELS"))
        results[f"MicroPython {target} (device features)"] = np.array([int(v) for v in line.split()[1:]])

    lib = build.build_natmods("armv7m")
    script = device_script(COUNT_SCRIPT)
    per_window = {}
    for what, body in (("features", "feat.compute(window, x)"), ("predict", "m.predict(x)"),
                       ("empty", "pass")):
        per_window[what] = count("cortex-m3", script.replace("BODY", body), files=files, lib_dir=lib).instructions
    print("\n== report ==")
    width = max(len(k) for k in results)
    for name, labels in results.items():
        print(f"  {name:<{width}}  accuracy {np.mean(labels == y_test) * 100:6.2f} %   "
              f"same as scikit-learn on {np.mean(labels == sk) * 100:6.2f} % of windows")
    print(f"  model file                  {model.size:,} bytes")
    print(f"  Cortex-M3 per window        {per_window['features'] - per_window['empty']:,} instructions "
          f"for the features, {per_window['predict'] - per_window['empty']:,} for predict()")
    ok = all(np.array_equal(v, sk) for v in results.values())
    print("\nall targets agree with scikit-learn on every window" if ok else "\nMISMATCH with scikit-learn")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
