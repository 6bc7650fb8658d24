"""Machine-health anomaly detection, end to end, with features computed on the device.

1. generate vibration windows (one accelerometer axis, 2 kHz, 512 samples) of
   a healthy machine (shaft harmonics plus noise, the speed wandering a
   little) and of three faults: imbalance (a stronger 1x tone), misalignment
   (a stronger 2x tone) and an outer-race bearing defect (tones at the
   bearing's defect frequency plus impacts ringing a structural resonance),
2. compute band energies, RMS and kurtosis with microlearn.dsp.Features (the
   same C++ code the device runs), fit a GaussianMixture on healthy windows
   only, and choose on the PC the log-likelihood threshold below which a
   window is an anomaly (the 1st percentile of the healthy training scores),
3. on MicroPython (unix port and the emulated Cortex-M3): for each raw
   window, compute the features with microlearn.dsp, score them with the
   converted mixture and compare with the threshold,
4. report detection rates per condition on the host (scikit-learn), on the
   PC (microlearn) and on each device, agreement of every decision with
   scikit-learn, model bytes and instructions per window on the Cortex-M3.

    .venv/bin/python examples/anomaly_vibration.py    (after scripts/setup.sh)
"""
import sys

import numpy as np
from sklearn.mixture import GaussianMixture

import microlearn
from microlearn import dsp
from microlearn.rig import build, count, run
from microlearn.rig.targets import get_target

RATE, N = 2000.0, 512
SHAFT_HZ = 24.6          # 1475 rpm
BPFO = 3.58 * SHAFT_HZ   # outer-race defect frequency of the bearing
CONDITIONS = ["healthy", "imbalance", "misalignment", "bearing"]
FEATURES = ["rms", "kurtosis", ("band_energy", 15.0, 35.0), ("band_energy", 40.0, 60.0),
            ("band_energy", 70.0, 200.0), ("band_energy", 400.0, 900.0)]


def generate(condition, n, rng):
    """n windows (n, N) of one condition, in g."""
    t = np.arange(N) / RATE
    out = np.empty((n, N))
    for i in range(n):
        f = SHAFT_HZ * rng.uniform(0.98, 1.02)
        a1, a2, a3 = 1.0 * rng.uniform(0.9, 1.1), 0.3 * rng.uniform(0.8, 1.2), 0.1 * rng.uniform(0.7, 1.3)
        if condition == "imbalance":    # severities from barely there to clear
            a1 *= rng.uniform(1.05, 1.8)
        if condition == "misalignment":
            a2 *= rng.uniform(1.1, 3.0)
        ph = rng.uniform(0, 2 * np.pi, 3)
        w = (a1 * np.sin(2 * np.pi * f * t + ph[0]) + a2 * np.sin(4 * np.pi * f * t + ph[1])
             + a3 * np.sin(6 * np.pi * f * t + ph[2]) + rng.normal(0, 0.2, N))
        if condition == "bearing":
            bpfo, severity = BPFO * f / SHAFT_HZ, rng.uniform(0.05, 1.0)
            w += 0.1 * severity * np.sin(2 * np.pi * bpfo * t + rng.uniform(0, 2 * np.pi))
            for t0 in np.arange(rng.uniform(0, 1 / bpfo), t[-1], 1 / bpfo):  # impacts ring a 650 Hz mode
                after = t >= t0
                w[after] += 0.5 * severity * np.exp(-(t[after] - t0) * 300) * np.sin(2 * np.pi * 650 * (t[after] - t0))
        out[i] = w
    return out.astype(np.float32)


DEVICE_SCRIPT = """
import microlearn, array
from microlearn import dsp
m = microlearn.load("health.mlm")
feat = dsp.Features(N, 1, FEATURES, sample_rate=RATE)
window = array.array("f", bytes(4 * N))
x = array.array("f", bytes(4 * feat.size()))
score = array.array("f", [0])
flags = []
with open("windows.bin", "rb") as f:
    while f.readinto(window) == len(window) * 4:
        feat.compute(window, x)
        m.score_samples(x, score)
        flags.append("1" if score[0] < THRESHOLD else "0")
print("ANOMALY", "".join(flags))
"""

COUNT_SCRIPT = """
import microlearn, array, _markers
from microlearn import dsp
m = microlearn.load("health.mlm")
feat = dsp.Features(N, 1, FEATURES, sample_rate=RATE)
window = array.array("f", bytes(4 * N))
x = array.array("f", bytes(4 * feat.size()))
score = array.array("f", [0])
open("windows.bin", "rb").readinto(window)
feat.compute(window, x); m.score_samples(x, score)   # warm up
_markers.start()
BODY
_markers.stop()
"""


def device_script(template, threshold):
    """The script with this file's settings and the PC's threshold defined first."""
    return (f"N, RATE, THRESHOLD = {N}, {RATE}, {float(threshold)!r}\nFEATURES = {FEATURES!r}\n"
            + template)


def main():
    rng = np.random.default_rng(0)
    train = generate("healthy", 300, rng)
    tests = {c: generate(c, 60, rng) for c in CONDITIONS}
    W_test = np.concatenate([tests[c] for c in CONDITIONS])
    truth = np.repeat(CONDITIONS, [len(tests[c]) for c in CONDITIONS])
    feat = dsp.Features(N, 1, FEATURES, sample_rate=RATE)
    F_train, F_test = feat.compute(train), feat.compute(W_test)
    print(f"{len(train)} healthy training windows, {len(W_test)} test windows of {N} samples at "
          f"{RATE:g} Hz; features: {', '.join(feat.names())}")

    gmm = GaussianMixture(n_components=2, covariance_type="full", random_state=0).fit(F_train)
    # Chosen on the PC, in float32 as the device scores: the 1st percentile of healthy training scores.
    threshold = np.float32(np.percentile(gmm.score_samples(F_train), 1.0))
    model = microlearn.convert(gmm)
    print(f"converted: {model!r}; anomaly when score_samples < {threshold:.3f}")

    sk = gmm.score_samples(F_test) < threshold
    results = {"scikit-learn (host features)": sk, "microlearn on the PC": model.score_samples(F_test) < threshold}
    files = {"health.mlm": model.to_bytes(), "windows.bin": W_test.tobytes()}
    for target in ("unix", "cortex-m3"):
        lib = build.build_natmods(get_target(target).arch)
        res = run(target, device_script(DEVICE_SCRIPT, threshold), files=files, lib_dir=lib)
        if res.returncode != 0:
            sys.exit(f"anomaly_vibration: the device script failed on {target}:\n{res.output}")
        line = next(l for l in res.output.splitlines() if l.startswith("ANOMALY"))
        results[f"MicroPython {target} (device features)"] = np.array([c == "1" for c in line.split()[1]])

    lib = build.build_natmods("armv7m")
    script = device_script(COUNT_SCRIPT, threshold)
    per_window = {what: count("cortex-m3", script.replace("BODY", body), files=files, lib_dir=lib).instructions
                  for what, body in (("features", "feat.compute(window, x)"),
                                     ("score", "m.score_samples(x, score)"), ("empty", "pass"))}

    print("\n== report: windows flagged as anomalies ==")
    width = max(len(k) for k in results)
    print(f"  {'':<{width}}  " + "  ".join(f"{c:>12}" for c in CONDITIONS) + "  same as scikit-learn")
    for name, flags in results.items():
        rates = [f"{np.mean(flags[truth == c]) * 100:11.1f}%" for c in CONDITIONS]
        print(f"  {name:<{width}}  " + "  ".join(rates) + f"  {np.mean(flags == sk) * 100:6.2f} %")
    print(f"  model file                  {model.size:,} bytes")
    print(f"  Cortex-M3 per window        {per_window['features'] - per_window['empty']:,} instructions "
          f"for the features, {per_window['score'] - per_window['empty']:,} for score_samples()")
    ok = all(np.array_equal(v, sk) for v in results.values())
    print("\nall targets agree with scikit-learn on every window" if ok else "\nMISMATCH with scikit-learn")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
