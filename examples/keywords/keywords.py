"""Keyword spotting with an int8 CNN on log-mel features, end to end.

1. synthesise one-second clips of five spoken words (yes, no, up, down, stop)
   with espeak-ng in several accents, voices, speeds and pitches, placed at a
   random time in the clip, at a random loudness, with noise (white or
   low-passed, random level), plus a sixth class of noise alone; resampled to
   8 kHz, 16-bit .wav. SYNTHETIC speech: a stand-in for recordings (cached
   under build/keywords/);
2. log-mel features (n_fft 256, hop 128, 20 mel bands: 61 frames a clip)
   computed on the PC with microlearn.dsp -- the same C++ code as the device's
   microlearn.dsp, so the features are the device's bit for bit;
3. train a small Keras Conv2D network on them and quantize it to int8 with
   microlearn.convert(model, quantize="int8", calibration=...);
4. on MicroPython (the unix port, the emulated Cortex-M4F and Cortex-M0):
   read each held-out .wav with microlearn.wave, compute its log-mel with
   microlearn.dsp, predict with the int8 model; then stream a longer recording
   (several words with silence and noise between) in blocks, classify a
   one-second window every 16 frames (0.256 s) and print the detections with
   their times;
5. report accuracy on the held-out clips, that every device prediction and
   probability equals the host engine's on the same .wav files, the
   detections, model and arena bytes, and instructions per clip.

    .venv/bin/python examples/keywords/keywords.py [--plot docs/examples/keywords.png]
                                                       (after scripts/setup.sh)

Exits non-zero unless every target gives the host engine's results.
"""
import io
import os
import shutil
import subprocess
import sys
import wave as pywave
import zlib
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import microlearn  # noqa: E402
from microlearn import dsp  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "keywords"

WORDS = ["yes", "no", "up", "down", "stop"]
LABELS = WORDS + ["noise"]
NOISE = len(WORDS)
RATE, CLIP = 8000, 8000                 # 8 kHz, one-second clips
N_FFT, HOP, N_MELS = 256, 128, 20
FRAMES = 1 + (CLIP - N_FFT) // HOP      # 61 log-mel frames per clip
STEP = 16                               # streaming: a window every 16 frames (0.256 s)
THRESHOLD = 0.8                         # streaming: least probability of a detection
ACCENTS = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"]
TARGETS = ("unix", "cortex-m4f", "cortex-m0")   # where the clips are classified
COUNT_TARGETS = ("cortex-m4f", "cortex-m0")      # where instructions are counted


def speak(word, voice, speed, pitch):
    """espeak-ng's int16 samples of one word, resampled to RATE (cached: espeak-ng
    is deterministic for the same arguments)."""
    from scipy.signal import resample_poly

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{word}_{voice}_{speed}_{pitch}.npy"
    if path.exists():
        return np.load(path)
    if shutil.which("espeak-ng") is None:
        sys.exit("keywords: espeak-ng is not installed (scripts/setup-system.sh installs it)")
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word],
                         capture_output=True, check=True).stdout
    with pywave.open(io.BytesIO(out)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
    g = np.gcd(RATE, rate)
    x = resample_poly(x, RATE // g, rate // g)
    keep = np.flatnonzero(np.abs(x) > 0.01)          # trim espeak-ng's leading/trailing silence
    x = x[keep[0]:keep[-1] + 1] if len(keep) else x
    np.save(path, x)
    return x


def random_voice(rng):
    return (f"{rng.choice(ACCENTS)}+{rng.choice(VARIANTS)}", int(rng.integers(110, 230)),
            int(rng.integers(20, 80)))


def noise(n, rng):
    """White or low-passed noise at a random level (no speech)."""
    x = rng.normal(0, 1, n)
    if rng.random() < 0.5:
        x = np.convolve(x, np.ones(8) / np.sqrt(8), "same")
    return x * 10 ** rng.uniform(-3.5, -1.8)


def to_int16(x):
    return np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)


def synthesise(n_per_class, rng):
    """Clips (n, CLIP) int16 and their class: each word n_per_class times in a
    random voice at a random place and loudness over noise, and noise alone."""
    X, y = [], []
    for label in range(len(LABELS)):
        for _ in range(n_per_class):
            clip = noise(CLIP, rng)
            if label != NOISE:
                word = speak(WORDS[label], *random_voice(rng))[:CLIP - 400]
                at = rng.integers(0, CLIP - len(word))
                clip[at:at + len(word)] += word * 10 ** rng.uniform(-0.8, -0.05) / np.abs(word).max()
            X.append(to_int16(clip))
            y.append(label)
    return np.asarray(X), np.asarray(y)


def recording(rng, n_words=5):
    """A longer recording: n_words random words with 1.3-1.8 s of noise between
    them; returns the int16 samples and [(start seconds, word)]."""
    parts, truth, t = [noise(int(0.6 * RATE), rng)], [], 0.6
    for _ in range(n_words):
        label = int(rng.integers(0, len(WORDS)))
        word = speak(WORDS[label], *random_voice(rng))
        word = word * 10 ** rng.uniform(-0.6, 0.2) / np.abs(word).max() + noise(len(word), rng)
        truth.append((round(t, 3), WORDS[label]))
        gap = int(rng.uniform(1.3, 1.8) * RATE)
        parts += [word, noise(gap, rng)]
        t += (len(word) + gap) / RATE
    return to_int16(np.concatenate(parts)), truth


def wav_bytes(samples):
    buf = io.BytesIO()
    with pywave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


def spectrogram():
    return dsp.Spectrogram(N_FFT, HOP, output="log_mel", sample_rate=RATE, n_mels=N_MELS)


def log_mel(clips):
    """(n, FRAMES, N_MELS) float32: what the device computes, with the same code.
    The samples become floats exactly (int16 / 32768), as arrays.to_float does."""
    out = np.empty((len(clips), FRAMES, N_MELS), np.float32)
    for i, clip in enumerate(clips):
        out[i] = spectrogram().process(clip.astype(np.float32) / np.float32(32768))
    return out


def stream_windows(samples):
    """The windows the device's streaming loop classifies: blocks of STEP * HOP
    samples through one Spectrogram, the last FRAMES frames after each block
    once there are that many. Returns (windows, first frame of each)."""
    spec, frames, windows, starts = spectrogram(), [], [], []
    block = STEP * HOP
    for at in range(0, len(samples) - block + 1, block):
        frames.extend(spec.process(samples[at:at + block].astype(np.float32) / np.float32(32768)))
        if len(frames) >= FRAMES:
            windows.append(np.asarray(frames[-FRAMES:]))
            starts.append(len(frames) - FRAMES)
    return np.asarray(windows, np.float32), starts


# Runs on the PC and on the device (its source is part of DEVICE_SCRIPT): one
# detection per run of consecutive windows of the same word above THRESHOLD.
def detections(windows):
    """windows: [(start frame, class, probability)] -> [(seconds, class)]."""
    found, last = [], -1
    for start, label, p in windows:
        hit = label != NOISE and p >= THRESHOLD
        if hit and label != last:
            found.append((start * HOP / RATE, label))
        last = label if hit else -1
    return found


def train(X, y, epochs=30):
    import keras
    from keras import layers as K

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((FRAMES, N_MELS, 1)),
        K.Conv2D(8, 3, strides=2, padding="same"),
        K.BatchNormalization(),
        K.ReLU(),
        K.Conv2D(16, 3, padding="same"),
        K.BatchNormalization(),
        K.ReLU(),
        K.MaxPooling2D(2),
        K.Conv2D(24, 3, padding="same"),
        K.BatchNormalization(),
        K.ReLU(),
        K.GlobalAveragePooling2D(),
        K.Dense(len(LABELS), activation="softmax"),
    ], name="keywords")
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X[..., None], y, epochs=epochs, batch_size=32, verbose=0)
    return model


DEVICE_SCRIPT = """
import array, binascii, struct, microlearn
from microlearn import arrays, dsp, wave
m = microlearn.load("keywords.mlm")
spec = dsp.Spectrogram(N_FFT, HOP, output="log_mel", sample_rate=RATE, n_mels=N_MELS)
pcm = array.array("h", bytes(2 * CLIP))
audio = array.array("f", bytes(4 * CLIP))
feat = array.array("f", bytes(4 * FRAMES * N_MELS))
proba = array.array("f", bytes(4 * len(LABELS)))

def read(path, pcm, audio):
    with wave.open(path) as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(path + ": expected 16-bit mono at %d Hz" % RATE)
        if w.getnframes() != len(pcm):
            raise ValueError(path + ": expected %d samples, got %d" % (len(pcm), w.getnframes()))
        w.readframes_into(pcm)
    arrays.to_float(audio, pcm, 1 / 32768)

def classify(path):
    read(path, pcm, audio)
    spec.reset()
    spec.process(audio, feat)
    label = m.predict(feat, proba)
    return label

if "CLIPS" in globals():
    labels, probs, crcs = [], [], []
    for i in range(CLIPS):
        labels.append(classify("clip%03d.wav" % i))
        probs.append(binascii.hexlify(proba))   # float32 bits: compared exactly
        crcs.append(arrays.crc32(feat))      # the log-mel features, checked bit for bit
    print("FEATCRC", " ".join(str(v) for v in crcs))
    print("LABELS", " ".join(str(v) for v in labels))
    print("PROBA", " ".join(v.decode() for v in probs))

if "STREAM" in globals():
    spec.reset()
    block = STEP * HOP
    bpcm = array.array("h", bytes(2 * block))
    baudio = array.array("f", bytes(4 * block))
    new = array.array("f", bytes(4 * (STEP + 1) * N_MELS))
    window, fresh = memoryview(feat), memoryview(new)
    windows, frames, have = [], 0, 0     # frames made so far; frames in the window
    with wave.open("long.wav") as w:
        while w.readframes_into(bpcm) == block:
            arrays.to_float(baudio, bpcm, 1 / 32768)
            k = spec.process(baudio, new)
            frames += k
            if have + k > FRAMES:        # slide: drop the oldest frames
                drop = have + k - FRAMES
                arrays.copy(feat, window[drop * N_MELS:have * N_MELS])
                have -= drop
            arrays.copy(feat, fresh[:k * N_MELS], have * N_MELS)
            have += k
            if have == FRAMES:
                label = m.predict(feat, proba)
                windows.append((frames - FRAMES, label, proba[label]))
    print("WINDOWS", " ".join("%d:%d:%s" % (s, c, binascii.hexlify(struct.pack("<f", p)).decode())
                              for s, c, p in windows))
    for t, label in detections(windows):
        print("DETECTED %5.2f-%5.2f s  %s" % (t, t + CLIP / RATE, LABELS[label]))
"""


def device_script(**extra):
    """DEVICE_SCRIPT with the constants and detections() it uses defined first."""
    import inspect

    names = dict(RATE=RATE, CLIP=CLIP, N_FFT=N_FFT, HOP=HOP, N_MELS=N_MELS, FRAMES=FRAMES, STEP=STEP,
                 THRESHOLD=THRESHOLD, NOISE=NOISE, LABELS=LABELS, **extra)
    head = "".join(f"{k} = {v!r}\n" for k, v in names.items())
    return head + inspect.getsource(detections) + DEVICE_SCRIPT


def device_lines(res, target):
    if res.returncode != 0:
        sys.exit(f"keywords: the device script failed on {target}:\n{res.output}")
    return {l.split()[0]: l.split()[1:] for l in res.output.splitlines() if l[:1].isupper() and " " in l}


def plot_run(path, features, label, samples, truth, windows):
    """The log-mel of one clip; the long recording's log-mel with the words
    spoken, each window's class probability and the detections."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = spectrogram().process(samples.astype(np.float32) / np.float32(32768))
    fig, axes = plt.subplots(2, 2, figsize=(13, 5), sharex="col",
                             gridspec_kw={"width_ratios": [1, 5], "height_ratios": [3, 2]})
    extent = [0, len(features) * HOP / RATE, 0, N_MELS]
    axes[0, 0].imshow(features.T, origin="lower", aspect="auto", extent=extent, cmap="magma")
    axes[0, 0].set(title=f"log-mel of a '{label}' clip", ylabel="mel band", xlabel="s")
    axes[0, 0].tick_params(labelbottom=True)
    axes[1, 0].axis("off")
    end = len(frames) * HOP / RATE
    axes[0, 1].imshow(frames.T, origin="lower", aspect="auto", extent=[0, end, 0, N_MELS], cmap="magma")
    for t, word in truth:
        axes[0, 1].annotate(word, (t, N_MELS), xytext=(t, N_MELS + 1.5), ha="left", annotation_clip=False,
                            arrowprops=dict(arrowstyle="-", color="k"))
    axes[0, 1].set(ylabel="mel band")
    axes[0, 1].set_title("a longer recording (words spoken above)", pad=18)
    for k, name in enumerate(LABELS):
        pts = [((s + FRAMES / 2) * HOP / RATE, p) for s, c, p in windows if c == k]
        if pts:
            axes[1, 1].plot(*zip(*pts), "o", ms=4, color=f"C{k}", label=name)
    for t, c in detections(windows):
        axes[1, 1].axvspan(t, t + CLIP / RATE, color="C%d" % c, alpha=0.15)
        axes[1, 1].text(t + 0.02, 0.05, LABELS[c], fontsize=9)
    axes[1, 1].axhline(THRESHOLD, color="gray", lw=0.8, ls="--")
    axes[1, 1].set(xlabel="s (window centre)", ylabel="probability", ylim=(0, 1.05), xlim=(0, end))
    axes[1, 1].legend(loc="upper right", fontsize=7, ncol=len(LABELS))
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(n_train=160, n_test=40, n_device=6, targets=TARGETS, count_targets=COUNT_TARGETS, epochs=30,
         plot=None):
    """n_* clips per class: training, held-out (accuracy on the PC), and the
    held-out clips of each class run on the devices. plot: a .png path for
    the log-mel of a clip and the last target's detections over the long
    recording. Returns 0 when every target gives the host engine's features,
    classes and probabilities."""
    from microlearn.rig import build, count, run
    from microlearn.rig.targets import get_target

    rng = np.random.default_rng(0)
    clips_train, y_train = synthesise(n_train, rng)
    clips_test, y_test = synthesise(n_test, rng)
    long_samples, truth = recording(rng)
    X_train, X_test = log_mel(clips_train), log_mel(clips_test)
    print(f"{len(X_train)} training and {len(X_test)} held-out clips of {CLIP / RATE:g} s at {RATE} Hz "
          f"(synthetic speech), log-mel {FRAMES} x {N_MELS}")

    net = train(X_train, y_train, epochs)
    model = microlearn.convert(net, quantize="int8", calibration=X_train[:300, ..., None])
    print(f"converted: {model!r}")
    keras_acc = np.mean(net.predict(X_test[..., None], verbose=0).argmax(axis=1) == y_test)
    host_labels = np.asarray(model.predict(X_test.reshape(len(X_test), -1)))
    host_acc = np.mean(host_labels == y_test)

    # the clips the devices classify: the first n_device held-out clips of each class
    pick = np.concatenate([np.flatnonzero(y_test == k)[:n_device] for k in range(len(LABELS))])
    ref_labels = host_labels[pick]
    ref_crc = np.array([zlib.crc32(x.tobytes()) for x in X_test[pick]])
    ref_proba = np.asarray(model.predict_proba(X_test[pick].reshape(len(pick), -1)), np.float32)
    windows, starts = stream_windows(long_samples)
    win_proba = np.asarray(model.predict_proba(windows.reshape(len(windows), -1)), np.float32)
    win_labels = win_proba.argmax(axis=1)
    ref_windows = [(s, int(c), float(p[c])) for s, c, p in zip(starts, win_labels, win_proba)]
    ref_found = detections(ref_windows)

    files = {"keywords.mlm": model.to_bytes(), "long.wav": wav_bytes(long_samples)}
    files.update({f"clip{i:03d}.wav": wav_bytes(clips_test[j]) for i, j in enumerate(pick)})
    script = device_script(CLIPS=len(pick), STREAM=True)
    ok, rows = True, []
    for target in targets:
        lib = build.build_natmods(get_target(target).arch)
        res = run(target, script, files=files, lib_dir=lib, timeout=600)
        lines = device_lines(res, target)
        labels = np.array([int(v) for v in lines["LABELS"]])
        proba = np.frombuffer(bytes.fromhex("".join(lines["PROBA"])), "<f4").reshape(ref_proba.shape)
        got_windows = [(int(a), int(b), float(np.frombuffer(bytes.fromhex(c), "<f4")[0]))
                       for a, b, c in (w.split(":") for w in lines["WINDOWS"])]
        feat_same = np.mean(np.array([int(v) for v in lines["FEATCRC"]]) == ref_crc)
        same = np.mean(labels == ref_labels)
        diff = float(np.abs(proba - ref_proba).max())
        same_windows = [w[:2] for w in got_windows] == [w[:2] for w in ref_windows]
        wdiff = max(abs(a[2] - b[2]) for a, b in zip(got_windows, ref_windows)) if same_windows else np.inf
        ok &= feat_same == 1.0 and same == 1.0 and diff == 0.0 and same_windows and wdiff == 0.0
        rows.append(f"  MicroPython {target:<10}  accuracy {np.mean(labels == y_test[pick]) * 100:6.2f} % on "
                    f"{len(pick)} clips; log-mel bit for bit the PC's on {feat_same * 100:.2f} %, the host engine's class on {same * 100:.2f} %, probabilities "
                    f"{'equal' if diff == 0 else f'within {diff:.1e}'}; {len(got_windows)} stream windows "
                    f"{'equal' if same_windows and wdiff == 0 else 'DIFFER'}")
        if target == targets[-1]:
            print(f"\n== streaming on {target}: {len(long_samples) / RATE:.2f} s recording ==")
            print("\n".join(l for l in res.output.splitlines() if l.startswith("DETECTED")))

    per_clip = {}
    for target in count_targets:
        lib = build.build_natmods(get_target(target).arch)
        body = device_script() + "classify('clip000.wav')\nimport _markers\n_markers.start()\n{}\n_markers.stop()\n"
        counts = {what: count(target, body.format(call), files=files, lib_dir=lib).instructions
                  for what, call in (("clip", "classify('clip000.wav')"),
                                     ("wav", "read('clip000.wav', pcm, audio)"),
                                     ("log-mel", "spec.reset()\nspec.process(audio, feat)"),
                                     ("predict", "m.predict(feat, proba)"), ("empty", "pass"))}
        per_clip[target] = {what: n - counts["empty"] for what, n in counts.items() if what != "empty"}

    if plot:
        plot_run(plot, X_test[pick][0], LABELS[y_test[pick][0]], long_samples, truth, got_windows)
    print("\n== report ==")
    print(f"  Keras (float32)            accuracy {keras_acc * 100:6.2f} % on {len(y_test)} held-out clips")
    print(f"  microlearn int8 on the PC  accuracy {host_acc * 100:6.2f} % on {len(y_test)} held-out clips")
    print("\n".join(rows))
    print(f"  words spoken   {', '.join(f'{t:.2f} s {w}' for t, w in truth)}")
    print(f"  words detected {', '.join(f'{t:.2f}-{t + CLIP / RATE:.2f} s {LABELS[c]}' for t, c in ref_found)}")
    print(f"  model file {model.size:,} bytes; arena {model.info.get('arena_bytes', '?')} bytes")
    for target, n in per_clip.items():
        print(f"  {target:<10} {n['clip']:,} instructions per clip: read .wav {n['wav']:,}, "
              f"log-mel {n['log-mel']:,}, predict {n['predict']:,}")
    print("\nevery target gives the host engine's results" if ok else "\nMISMATCH with the host engine")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(plot=sys.argv[sys.argv.index("--plot") + 1] if "--plot" in sys.argv else None))
