"""The pictures of the examples' pages (docs/examples/har.png, anomaly.png, gestures.png):
each example's own data and functions, its model, and its device script run
on MicroPython's unix port; the plotted predictions and scores are the
device's.

    .venv/bin/python docs/examples/plots.py [OUT_DIR]    (after scripts/setup.sh; about a minute)
"""
import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import microlearn  # noqa: E402
from microlearn import dsp  # noqa: E402
from microlearn.rig import build, run  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def example(name):
    path = ROOT / "examples" / f"{name}.py"
    if not path.exists():
        path = ROOT / "examples" / name / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_device(script, files, prefix):
    res = run("unix", script, files=files, lib_dir=build.build_natmods("x64"))
    if res.returncode:
        sys.exit(f"the device script failed:\n{res.output}")
    return next(line for line in res.output.splitlines() if line.startswith(prefix)).split()[1:]


def windows_and_confusion(path, windows, truth, got, names, rate):
    """One window of each class (its 3 axes), and the confusion matrix of the device's predictions."""
    n = len(names)
    fig, axes = plt.subplots(1, n + 1, figsize=(3 * n + 4, 3), gridspec_kw={"width_ratios": [2] * n + [2.2]})
    t = np.arange(windows.shape[1]) / rate
    shown = [windows[np.flatnonzero(truth == k)[0]] for k in range(n)]
    low, high = min(w.min() for w in shown) - 0.1, max(w.max() for w in shown) + 0.1
    for k, (name, w) in enumerate(zip(names, shown)):
        for a, axis in enumerate("xyz"):
            axes[k].plot(t, w[:, a], lw=0.8, label=axis)
        axes[k].set(title=name, xlabel="s", ylim=(low, high))
    axes[0].set_ylabel("acceleration")
    axes[0].legend(loc="upper right", fontsize=7)
    cm = np.zeros((n, n), int)
    np.add.at(cm, (truth, got), 1)
    axes[-1].imshow(cm, cmap="Blues")
    for i in range(n):
        for j in range(n):
            axes[-1].text(j, i, cm[i, j], ha="center", va="center", fontsize=8)
    axes[-1].set(xticks=range(n), yticks=range(n), xticklabels=names, yticklabels=names,
                 xlabel="predicted on MicroPython", ylabel="true",
                 title=f"device: {np.mean(got == truth) * 100:.1f} % correct")
    axes[-1].tick_params(labelsize=7)
    plt.setp(axes[-1].get_xticklabels(), rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def har(out):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split
    h = example("har_activity")
    W, y = h.synthesise(150, np.random.default_rng(0))     # as the example's main()
    W_train, W_test, y_train, y_test = train_test_split(W, y, test_size=0.3, random_state=0, stratify=y)
    feat = dsp.Features(h.N, h.AXES, h.FEATURES, sample_rate=h.RATE)
    forest = RandomForestClassifier(n_estimators=20, max_depth=8, random_state=0).fit(feat.compute(W_train), y_train)
    files = {"har.mlm": microlearn.convert(forest).to_bytes(), "windows.bin": W_test.tobytes()}
    got = np.array([int(v) for v in on_device(h.device_script(h.DEVICE_SCRIPT), files, "LABELS")])
    windows_and_confusion(out / "har.png", W_test, y_test, got, h.ACTIVITIES, h.RATE)


def gestures(out):
    g = example("gestures")
    rng = np.random.default_rng(0)                              # as the example's main()
    X_train, y_train = g.synthesise(120, rng)
    X_test, y_test = g.synthesise(30, rng)
    files = {"gestures.mlm": microlearn.convert(g.train(X_train, y_train)).to_bytes(), "windows.bin": X_test.tobytes()}
    got = np.array([int(v) for v in on_device(g.device_script(g.DEVICE_SCRIPT), files, "LABELS")])
    windows_and_confusion(out / "gestures.png", X_test, y_test, got, g.GESTURES, g.RATE)


def anomaly(out):
    from sklearn.mixture import GaussianMixture
    a = example("anomaly_vibration")
    rng = np.random.default_rng(0)                              # as the example's main()
    train = a.generate("healthy", 300, rng)
    tests = {c: a.generate(c, 60, rng) for c in a.CONDITIONS}
    W_test = np.concatenate([tests[c] for c in a.CONDITIONS])
    feat = dsp.Features(a.N, 1, a.FEATURES, sample_rate=a.RATE)
    F_train = feat.compute(train)
    gmm = GaussianMixture(n_components=2, covariance_type="full", random_state=0).fit(F_train)
    threshold = np.float32(np.percentile(gmm.score_samples(F_train), 1.0))
    files = {"health.mlm": microlearn.convert(gmm).to_bytes(), "windows.bin": W_test.tobytes()}
    flag_line = 'flags.append("1" if score[0] < THRESHOLD else "0")'
    assert flag_line in a.DEVICE_SCRIPT, "the example's device script changed: update plots.py"
    script = a.device_script(a.DEVICE_SCRIPT, threshold).replace(flag_line, "flags.append(repr(score[0]))") \
        .replace('print("ANOMALY", "".join(flags))', 'print("ANOMALY", " ".join(flags))')
    scores = np.array([float(v) for v in on_device(script, files, "ANOMALY")])
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 3.4), gridspec_kw={"width_ratios": [1.2, 1]})
    t = np.arange(a.N) / a.RATE * 1000
    for k, c in enumerate(a.CONDITIONS):
        left.plot(t, tests[c][0] + 4 * k, lw=0.6, label=c)
    left.set(xlabel="ms", yticks=[], title="one vibration window per condition (offset)")
    left.legend(loc="upper right", fontsize=7, ncol=4)
    start = 0
    for c in a.CONDITIONS:
        n = len(tests[c])
        right.scatter(np.arange(start, start + n), scores[start:start + n], s=6, label=c)
        start += n
    right.axhline(threshold, color="k", lw=1, ls="--", label="threshold (PC)")
    right.set(xlabel="test window", ylabel="score_samples on MicroPython", yscale="symlog",
              title="device scores: below the line = anomaly")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "anomaly.png", dpi=90)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    har(out)
    anomaly(out)
    gestures(out)
    print("wrote", out / "har.png", out / "anomaly.png", out / "gestures.png")
