"""Handwritten digits from PNG files through an int8 CNN, end to end.

1. scikit-learn's 8x8 digits (1,797 images, 0..16 per pixel) scaled to 0..255
   and written as 8x8 grayscale PNG files (Pillow) -- the held-out quarter is
   what the device reads;
2. a small Keras CNN on the images upscaled to 16x16 (bilinear at pixel
   centres, edges clamped: tf.image.resize, rounded to whole levels):
   Conv2D(8, 3x3, same, ReLU) -> MaxPooling2D -> Conv2D(16, 3x3, same, ReLU)
   -> MaxPooling2D -> Flatten -> Dense(10, softmax), inputs pixel / 255;
3. microlearn.convert(model, quantize="int8", calibration=..., io_dtype="int8"):
   the input is int8 with scale 1/255 and zero point -128, so the device
   feeds the pixels as array('B') (docs/neural.md: u - 128);
4. on MicroPython (the unix port, the emulated Cortex-M4F and Cortex-M0):
   microlearn.png.read(file, size=(16, 16), out=pixels) decodes and upscales
   each PNG (pure Python), predict(pixels) classifies it (under
   micropython.heap_lock(): it allocates nothing); the device also writes the
   pixels it decoded;
5. report: accuracy of Keras (float) and of the int8 model on the PC and on
   each board; agreement of every board's class with the PC's int8 engine on
   the pixels that board decoded (int8 is bit-exact: 100 % required); how far
   the device's bilinear upscale is from TensorFlow's (at most 1 level); model
   and arena bytes; instructions per image on the Cortex-M4F and Cortex-M0.

    .venv/bin/python examples/digits_cnn/digits_cnn.py [--plot out.png]   (after scripts/setup.sh)

Exits non-zero unless every board agrees with the PC on every image.
"""
import argparse
import io
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import microlearn  # noqa: E402
from microlearn.rig import build, count, run  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

SIDE = 16                                       # the model's input: SIDE x SIDE grayscale
TARGETS = ("unix", "cortex-m4f", "cortex-m0")   # where the images are classified
COUNT_TARGETS = ("cortex-m4f", "cortex-m0")     # where instructions are counted


def load():
    """(images 8x8 uint8 0..255, labels), split 3:1 (train, test) with a fixed seed."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    images = np.round(d.images * (255 / 16)).astype(np.uint8)
    return train_test_split(images, d.target, test_size=0.25, random_state=0, stratify=d.target)


def upscale(images):
    """8x8 -> SIDE x SIDE, bilinear at pixel centres (tf.image.resize), rounded to uint8."""
    import tensorflow as tf

    x = tf.image.resize(images[..., None].astype(np.float32), (SIDE, SIDE), method="bilinear")
    return np.clip(np.round(x.numpy()[..., 0]), 0, 255).astype(np.uint8)


def image_bytes(image, fmt="png"):
    """The file of an 8x8 image: PNG (lossless) or JPEG (quality 95, grayscale)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image, "L").save(buf, "PNG" if fmt == "png" else "JPEG", quality=95)
    return buf.getvalue()


def train(X, y):
    import keras
    from keras import layers as K

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((SIDE, SIDE, 1)),
        K.Conv2D(8, 3, padding="same", activation="relu"),
        K.MaxPooling2D(2),
        K.Conv2D(16, 3, padding="same", activation="relu"),
        K.MaxPooling2D(2),
        K.Flatten(),
        K.Dense(10, activation="softmax"),
    ], name="digits_cnn")
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X, y, epochs=12, batch_size=32, verbose=0)
    return model


DEVICE_SCRIPT = """
import microlearn, array, micropython
from microlearn import png
m = microlearn.load("digits.mlm")
pixels = array.array("B", bytes(SIDE * SIDE))
labels = []
for first in range(0, COUNT, GROUP):     # files of GROUP images: one growing file needs a large free block
    with open("pixels%d.bin" % (first // GROUP), "wb") as out:
        for i in range(first, min(first + GROUP, COUNT)):
            png.read("d%d.png" % i, size=(SIDE, SIDE), out=pixels)
            micropython.heap_lock()
            label = m.predict(pixels)
            micropython.heap_unlock()
            labels.append(label)
            out.write(pixels)
print("LABELS", " ".join(str(v) for v in labels))
"""

COUNT_SCRIPT = """
import microlearn, array, _markers
from microlearn import png
m = microlearn.load("digits.mlm")
pixels = array.array("B", bytes(SIDE * SIDE))
png.read("d0.png", size=(SIDE, SIDE), out=pixels)
m.predict(pixels)   # warm up
_markers.start()
BODY
_markers.stop()
"""

COUNTED = {"predict": "m.predict(pixels)",
           "png.read (8x8 -> 16x16)": "png.read('d0.png', size=(SIDE, SIDE), out=pixels)",
           "empty": "pass"}


GROUP = 50    # images per file of decoded pixels the device writes


def device_script(template, n, fmt="png"):
    """The script for n images; fmt "jpeg" reads d<i>.jpeg files with microlearn.jpeg instead."""
    return f"SIDE, COUNT, GROUP = {SIDE}, {n}, {GROUP}\n" + template.replace("png", fmt)


def plot(path, images, y_true, y_pred):
    """Sample digits (the 8x8 PNG and the 16x16 the device decoded) and the confusion matrix."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    small, big = images
    fig = plt.figure(figsize=(11, 4.4))
    grid = fig.add_gridspec(2, 9, width_ratios=[1] * 5 + [0.15, 1.1, 1.1, 1.1])
    for k in range(5):
        for row, (imgs, label) in enumerate(((small, "8x8 PNG"), (big, "16x16 decoded"))):
            ax = fig.add_subplot(grid[row, k])
            ax.imshow(imgs[k], cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if row == 1:
                ax.set_xlabel(f"true {y_true[k]}, pred {y_pred[k]}", fontsize=8)
            if k == 0:
                ax.set_ylabel(label, fontsize=8)
    ax = fig.add_subplot(grid[:, 6:])
    cm = confusion_matrix(y_true, y_pred, labels=range(10))
    ax.imshow(cm, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if cm[i, j]:
                ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(10)), ax.set_yticks(range(10))
    ax.set_xlabel("predicted on the device (Cortex-M0)"), ax.set_ylabel("true digit")
    ax.set_title(f"confusion matrix, {np.mean(y_true == y_pred) * 100:.1f} % correct", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plot", help="write sample digits and the confusion matrix to this PNG")
    parser.add_argument("--format", choices=("png", "jpeg"), default="png",
                        help="the image files the device decodes (jpeg: quality 95, microlearn.jpeg)")
    args = parser.parse_args(argv)
    fmt = args.format

    small_train, small_test, y_train, y_test = load()
    X_train, X_test = upscale(small_train), upscale(small_test)
    print(f"{len(X_train)} training and {len(X_test)} test images, 8x8 PNGs upscaled to {SIDE}x{SIDE}")

    keras_model = train(X_train[..., None] / 255.0, y_train)
    keras_labels = keras_model.predict(X_test[..., None] / 255.0, verbose=0).argmax(axis=1)
    model = microlearn.convert(keras_model, quantize="int8", calibration=X_train[:300, ..., None] / 255.0,
                               io_dtype="int8")
    print(f"converted: {model!r}")

    def as_real(pixels):    # the PC's predict() takes real values and quantizes them: u / 255 -> u - 128,
        return pixels.reshape(len(pixels), -1).astype(np.float32) / np.float32(255)   # what array('B') is

    pc_labels = model.predict(as_real(X_test))
    files = {"digits.mlm": model.to_bytes()}
    files.update({f"d{i}.{fmt}": image_bytes(img, fmt) for i, img in enumerate(small_test)})
    if fmt == "jpeg":   # what the device should decode: the engine's pixels of each (lossy) file, upscaled
        from microlearn import _engine
        X_test = upscale(np.stack([_engine.jpeg_decode(files[f"d{i}.jpeg"], 1, 1) for i in range(len(small_test))]))
    n = len(small_test)
    boards, decoded = {}, {}
    for target in TARGETS:
        lib = build.build_natmods(get_target(target).arch)
        pixel_files = [f"pixels{k}.bin" for k in range((n + GROUP - 1) // GROUP)]
        res = run(target, device_script(DEVICE_SCRIPT, n, fmt), files=files, lib_dir=lib, fetch=pixel_files,
                  timeout=600)
        if res.returncode != 0:
            sys.exit(f"digits_cnn: the device script failed on {target}:\n{res.output}")
        line = next(l for l in res.output.splitlines() if l.startswith("LABELS"))
        boards[target] = np.array([int(v) for v in line.split()[1:]])
        decoded[target] = np.frombuffer(b"".join(res.files[f] for f in pixel_files), np.uint8).reshape(n, SIDE, SIDE)

    per_image = {}
    for target in COUNT_TARGETS:
        lib = build.build_natmods(get_target(target).arch)
        script = device_script(COUNT_SCRIPT, n, fmt)
        one = {k: files[k] for k in ("digits.mlm", f"d0.{fmt}")}
        c = {what.replace("png", fmt): count(target, script.replace("BODY", body.replace("png", fmt)), files=one,
                                             lib_dir=lib).instructions
             for what, body in COUNTED.items()}
        per_image[target] = {what: c[what] - c["empty"] for what in c if what != "empty"}

    print("\n== report ==")
    print(f"  Keras (float32) on the PC          accuracy {np.mean(keras_labels == y_test) * 100:6.2f} %")
    print(f"  microlearn int8 on the PC          accuracy {np.mean(pc_labels == y_test) * 100:6.2f} %, "
          f"the same class as Keras on {np.mean(pc_labels == keras_labels) * 100:.2f} % of images")
    ok = True
    for target, labels in boards.items():
        host = model.predict(as_real(decoded[target]))   # the PC's engine on the pixels this board decoded
        same = np.mean(labels == host)
        off = int(np.abs(decoded[target].astype(int) - X_test).max())
        ok &= same == 1.0 and off <= 1
        print(f"  MicroPython {target:<11}            accuracy {np.mean(labels == y_test) * 100:6.2f} %, "
              f"the same class as the PC's int8 engine on its pixels on {same * 100:.2f} % of images; "
              f"decoded pixels within {off} levels of TensorFlow's upscale")
    print(f"  model file {model.size:,} bytes; arena {model.info.get('arena_bytes', '?')} bytes")
    for target, c in per_image.items():
        print(f"  {target:<11} instructions per image: " + ", ".join(f"{k} {v:,}" for k, v in c.items()))
    if args.plot:
        plot(args.plot, (small_test, decoded["cortex-m0"]), y_test, boards["cortex-m0"])
        print(f"  wrote {args.plot}")
    print("\nevery board agrees with the PC's int8 engine on every image" if ok else "\nMISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
