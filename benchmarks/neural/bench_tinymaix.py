"""An MNIST-like int8 CNN on MicroPython: microlearn vs emlearn-micropython's
TinyMaix CNN module (emlearn_cnn), the same .tflite converted by each one's own
converter, on the unix port (callgrind) and the emulated Cortex-M0 / M3 / M4F
(QEMU instruction counting). Prints the markdown of docs/benchmarks-tinymaix.md:

    .venv/bin/python benchmarks/neural/bench_tinymaix.py [--targets unix,cortex-m4f] > docs/benchmarks-tinymaix.md

TinyMaix is built from fetched snapshots (benchmarks/neural/tinymaix/contender.py
says which); without them its column reads "absent (...)" and only microlearn
is measured.

The models (TinyMaix has no pooling layer but global average pooling, and
fuses only ReLU into its convolutions, so strided convolutions stand in for
conv + pool): trained for a few epochs on scikit-learn's digits upscaled to
28x28, quantized by TensorFlow's TFLiteConverter (full integer, int8 input
with scale 1/255 and zero point -128, int8 output; Dense weights per tensor,
see tflite_model()). Both modules take the
pixels as array('B') (TinyMaix subtracts 128, microlearn reads 'B' as u - 128)
and write float probabilities into an array('f').

Per target and contender one MicroPython run: heap bytes held by a loaded
model (gc.mem_alloc after a second load; the model file's bytes included
when the module reads them in place, as microlearn does from bytes; TinyMaix
copies them, so the file is dropped) and by the modules (import and first
load minus that: microlearn imports its neural module at load), the outputs of every test image (as
hex), then one predict between the rig's markers, minus an empty marker pair
(the MicroPython call stays in).
"""
import argparse
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "tinymaix"))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))

import contender  # noqa: E402
import harness  # noqa: E402

SIDE, N_ROWS, EPOCHS = 28, 50, 40
TARGETS = ("unix", "cortex-m0", "cortex-m3", "cortex-m4f")
FETCH = "fetch github:emlearn/emlearn-micropython (and github:jonnor/TinyMaix, its submodule)"

CONV1, CONV2, CONV3 = 13 * 13 * 8 * 9, 6 * 6 * 12 * 72, 2 * 2 * 18 * 108  # MACs of the goal model's convolutions
# name -> (layers after the 28x28x1 input as (kind, argument), MACs); the goal model's first layers
# ("... + GAP", not trained) only count where its instructions go
MODELS = {
    "cnn-gap": ((("conv", 8), ("conv", 12), ("conv", 18), ("gap", None), ("dense", 10), ("softmax", None)),
                CONV1 + CONV2 + CONV3 + 18 * 10),
    "cnn-flatten": ((("conv", 8), ("conv", 16), ("flatten", None), ("dense", 10), ("softmax", None)),
                    CONV1 + 6 * 6 * 16 * 72 + 576 * 10),
    "conv1 + GAP": ((("conv", 8), ("gap", None)), CONV1),
    "conv1-2 + GAP": ((("conv", 8), ("conv", 12), ("gap", None)), CONV1 + CONV2),
    "conv1-3 + GAP": ((("conv", 8), ("conv", 12), ("conv", 18), ("gap", None)), CONV1 + CONV2 + CONV3),
}
PARTS = [name for name in MODELS if "+ GAP" in name]
DESCRIBE = {
    "cnn-gap": "Conv2D(8, 3x3, stride 2, ReLU) -> Conv2D(12, 3x3, stride 2, ReLU) -> Conv2D(18, 3x3, stride 2, "
               "ReLU) -> GlobalAveragePooling2D -> Dense(10) -> Softmax (emlearn-micropython's "
               "examples/mnist_cnn architecture, without its BatchNormalization)",
    "cnn-flatten": "Conv2D(8, 3x3, stride 2, ReLU) -> Conv2D(16, 3x3, stride 2, ReLU) -> Flatten -> Dense(10) "
                   "-> Softmax",
}
GOAL_MODEL = "cnn-gap"
# What microlearn's figures depend on: the page names their commit and any uncommitted change
ENGINE_PATHS = ("include/microlearn/neural", "include/microlearn/model_file.hpp", "include/microlearn/math.hpp",
                "device/Makefile", "device/natmods/neural*", "device/natmods/glue.h", "device/microlearn/__init__.py",
                "python/microlearn/converters/neural")

SCRIPT = """
import gc, sys, array, binascii, _markers
gc.collect(); a = gc.mem_alloc()
IMPORT
def load():
    return LOAD
gc.collect(); b = gc.mem_alloc()
m = load()
gc.collect(); c = gc.mem_alloc()
m2 = load()
gc.collect(); d = gc.mem_alloc()
del m2
print("RAM", [c - a - (d - c), d - c])
print("MODULES", sorted(k for k in sys.modules if k.startswith("microlearn._")))
X = open("X.bin", "rb").read()
out = array.array("f", [0.0] * NOUT)
for i in range(len(X) // NIN):
    x = array.array("B", X[i * NIN:(i + 1) * NIN])
    RUN
    print("OUT", binascii.hexlify(out).decode())
gc.collect()
_markers.start()
RUN
_markers.stop()
"""
CONTENDERS = {
    "microlearn": {"import": "import microlearn", "load": "microlearn.load(open('m.mlm', 'rb').read())",
                   "run": "m.predict(x, out)"},
    "tinymaix": {"import": "import emlearn_cnn",
                 "load": "emlearn_cnn.new(array.array('B', open('m.tmdl', 'rb').read()))", "run": "m.run(x, out)"},
}


def script(c: str, n_out: int) -> str:
    s = CONTENDERS[c]
    return (SCRIPT.replace("IMPORT", s["import"]).replace("LOAD", s["load"]).replace("RUN", s["run"])
            .replace("NIN", str(SIDE * SIDE)).replace("NOUT", str(n_out)))


def revision() -> str:
    """The last commit that changed ENGINE_PATHS, and those of its files that differ from HEAD."""
    def git(*args):
        return subprocess.run(["git", "-C", str(HERE.parents[1]), *args], capture_output=True, text=True).stdout
    dirty = git("status", "--porcelain", "--", *ENGINE_PATHS).splitlines()
    changed = f" (uncommitted: {', '.join(d[3:] for d in dirty)})" if dirty else ""
    return git("log", "-1", "--format=%h", "--", *ENGINE_PATHS).strip() + changed


def data():
    """(train images, train labels, test images, test labels): scikit-learn's
    digits upscaled bilinearly to 28x28, uint8 0..255."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    big = np.stack([zoom(im, SIDE / 8, order=1) for im in d.images])
    images = np.clip(np.round(big * (255 / 16)), 0, 255).astype(np.uint8)
    return train_test_split(images, d.target, test_size=0.25, random_state=0, stratify=d.target)


def keras_model(layers):
    import keras
    from keras import layers as K

    x = inp = keras.Input((SIDE, SIDE, 1))
    for kind, arg in layers:
        x = {"conv": lambda: K.Conv2D(arg, 3, strides=2, activation="relu"), "gap": K.GlobalAveragePooling2D,
             "flatten": K.Flatten, "dense": lambda: K.Dense(arg), "softmax": K.Softmax}[kind]()(x)
    return keras.Model(inp, x)


def tflite_model(layers, split, per_channel_dense=False):
    """The int8 .tflite bytes of the model trained on split's training rows (if it ends in softmax), and
    its float Keras accuracy on the test rows (or None). TensorFlow's full-integer recipe (int8 input and
    output); Dense weights per tensor unless per_channel_dense (TensorFlow 2.21's default: TinyMaix's FC
    applies the first channel's scale to every channel)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    Xtr, ytr, Xte, yte = split
    keras.utils.set_random_seed(0)
    model, acc = keras_model(layers), None
    with contextlib.redirect_stdout(sys.stderr):
        if layers[-1][0] == "softmax":
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(Xtr[..., None] / 255.0, ytr, epochs=EPOCHS, batch_size=32, verbose=0)
            acc = float(np.mean(np.argmax(model.predict(Xte[..., None] / 255.0, verbose=0), 1) == yte))
        cal = Xtr[:300, ..., None].astype(np.float32) / 255
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([cal[i:i + 1]] for i in range(len(cal)))
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
        conv._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel_dense
        return conv.convert(), acc


def litert(tfl: bytes, images) -> np.ndarray:
    """LiteRT's reference kernels' probabilities (int8 output dequantized) for uint8 images."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_content=tfl, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    assert i["quantization"] == (1 / 255, -128) or np.isclose(i["quantization"][0], 1 / 255), i["quantization"]
    res = []
    for im in images:
        it.set_tensor(i["index"], (im.astype(np.int16) - 128).astype(np.int8).reshape(i["shape"]))
        it.invoke()
        s, z = o["quantization"]
        res.append((it.get_tensor(o["index"]).astype(np.float32).ravel() - z) * s)
    return np.array(res)


def tinymaix_buffer(tmdl: bytes) -> int:
    """The activation buffer TinyMaix's model header asks for (buf_size + sub_size)."""
    return int(np.frombuffer(tmdl[12:20], "<u4").sum())


_EMPTY = {}  # (target, lib) -> instructions of an empty marker pair


def measure(target: str, c: str, files: dict, lib: list, ref: np.ndarray, labels) -> dict:
    """Instructions per predict, heap bytes [import, loaded model], the module's outputs against LiteRT's."""
    from microlearn.rig import RigError
    from microlearn.rig.count import CountError, count

    from bench_neural import EMPTY
    try:
        r = count(target, script(c, ref.shape[1]), files=files, lib_dir=lib, timeout=1800)
        key = (target, str(lib))
        if key not in _EMPTY:
            _EMPTY[key] = count(target, EMPTY, lib_dir=lib).instructions
        base = _EMPTY[key]
    except CountError as e:
        out = e.result.output if e.result is not None else str(e)
        return {"error": (out.strip().splitlines() or [str(e)])[-1][:160]}
    except RigError as e:  # e.g. the emulator's build failed
        return {"error": str(e).strip().splitlines()[-1][:160]}
    outs = np.array([np.frombuffer(bytes.fromhex(ln.split()[1]), "<f4") for ln in r.output.splitlines()
                     if ln.startswith("OUT ")])
    return {"instructions": r.instructions - base, "ram": harness.parse(r.output, "RAM"),
            "modules": harness.parse(r.output, "MODULES"),
            "max_diff": float(np.max(np.abs(outs - ref))),
            "class_agree": float(np.mean(np.argmax(outs, 1) == np.argmax(ref, 1))),
            "accuracy": float(np.mean(np.argmax(outs, 1) == labels))}


def run(targets, models, per_channel_dense=False) -> dict:
    import microlearn
    from microlearn.rig.targets import get_target

    from microlearn.rig import build
    Xtr, Xte, ytr, yte = data()
    X, labels = Xte[:N_ROWS], yte[:N_ROWS]
    try:
        snap = contender.snapshot()
        res = {"tinymaix_commits": snap["commits"]}
    except contender.Absent as e:
        snap, res = None, {"tinymaix_absent": str(e)}
    work = contender.paths.build_dir() / "bench" / "neural" / "tinymaix"
    work.mkdir(parents=True, exist_ok=True)
    res["models"], res["per_channel_dense"] = {}, per_channel_dense
    res["microlearn_commit"] = revision()
    for name in models:
        layers, macs = MODELS[name]
        tfl, keras_acc = tflite_model(layers, (Xtr, ytr, Xte, yte), per_channel_dense)
        ml = microlearn.convert(tfl)
        ref = litert(tfl, X)
        m = res["models"][name] = {"macs": macs, "tflite_bytes": len(tfl), "keras_accuracy": keras_acc,
                                   "litert_accuracy": None if keras_acc is None else
                                   float(np.mean(np.argmax(litert(tfl, Xte), 1) == yte)),
                                   "mlm_bytes": ml.size, "arena": ml.info["arena_bytes"], "targets": {}}
        files = {"m.mlm": ml.to_bytes(), "X.bin": X.tobytes()}
        if snap is not None:
            stem = work / name.replace(" + ", "_")
            stem.with_suffix(".tflite").write_bytes(tfl)
            try:
                contender.convert(snap, stem.with_suffix(".tflite"), stem.with_suffix(".tmdl"), (SIDE, SIDE, 1),
                                  (ref.shape[1],))
                files["m.tmdl"] = stem.with_suffix(".tmdl").read_bytes()
                m["tmdl_bytes"] = len(files["m.tmdl"])
                m["tinymaix_buffer"] = tinymaix_buffer(files["m.tmdl"])
                if m["tinymaix_buffer"] > m["tmdl_bytes"]:  # emlearn_cnn's buffer has the model's size: pad it
                    files["m.tmdl"] += bytes(m["tinymaix_buffer"] - m["tmdl_bytes"])
                    m["tmdl_padded"] = len(files["m.tmdl"])
            except contender.Absent as e:
                m["tinymaix_absent"] = str(e)
        for t in targets:
            arch = get_target(t).arch
            lib = build.build_natmods(arch)  # the device package users install, shared with the tests
            r = m["targets"][t] = {"arch": arch, "mpy": {}}
            r["microlearn"] = c = measure(t, "microlearn", files, [lib], ref, labels)
            if "modules" in c:  # what load() imported for this model, and the package's __init__
                r["mpy"]["microlearn_modules"] = {k: (lib / f"{k.replace('.', '/')}.mpy").stat().st_size
                                                  for k in c["modules"]}
                r["mpy"]["microlearn"] = sum(r["mpy"]["microlearn_modules"].values())
                r["mpy"]["microlearn_init"] = (lib / "microlearn" / "__init__.mpy").stat().st_size
            if "m.tmdl" in files:
                try:
                    tlib = contender.module(snap, arch)
                    r["mpy"]["tinymaix"] = (tlib / f"{contender.MODULE}.mpy").stat().st_size
                    m["tinymaix_arrays"] = contender.working_arrays(snap, arch)
                    r["tinymaix"] = measure(t, "tinymaix", files, [tlib], ref, labels)
                except contender.Absent as e:
                    r["tinymaix"] = {"absent": str(e)}
            else:
                r["tinymaix"] = {"absent": m.get("tinymaix_absent") or res["tinymaix_absent"]}
            print(f"{name} {t:10s} {r}", file=sys.stderr, flush=True)
    res["microlearn_commit_end"] = revision()
    return res


# ---------------------------------------------------------------- the page

def _n(v) -> str:
    return f"{v:,.0f}"


def _tm_cell(c: dict, fmt) -> str:
    if "absent" in c:
        why = c["absent"]
        if why.startswith("no snapshot"):
            return f"absent (no snapshot: run {FETCH})"
        return "absent (" + why.split(":")[0] + (": see Why)" if why.startswith("does not build") else ")")
    if "error" in c:
        return f"failed ({c['error']})"
    return fmt(c)


def _ml_cell(c: dict, fmt) -> str:
    return f"failed ({c['error']})" if "error" in c else fmt(c)


def report(res: dict, targets) -> str:
    L = ["# Benchmark: int8 CNN, microlearn vs emlearn-micropython's TinyMaix module", "",
         "Reproduce (needs the rig, docs/rig.md; TinyMaix from fetched snapshots, below):", "",
         "<!-- test: skip runs the benchmark (minutes of emulation); this page is its output -->", "```",
         ".venv/bin/python benchmarks/neural/bench_tinymaix.py > docs/benchmarks-tinymaix.md", "```", ""]
    if "tinymaix_absent" in res:
        L += [f"TinyMaix: absent ({res['tinymaix_absent']}); its columns are skipped. To measure it: {FETCH}.", ""]
    else:
        cm = res["tinymaix_commits"]
        L += [f"TinyMaix contender: emlearn-micropython {cm['emlearn-micropython'][:10]} `src/tinymaix_cnn` "
              f"(module `emlearn_cnn`, its int8 config: `TM_ARCH_CPU`, `TM_OPT0`) with {cm['TinyMaix'].split()[0]} "
              f"{cm['TinyMaix'].split()[1][:10]} (the commit its submodule pins), built by its own Makefile for the "
              "rig's MicroPython 1.25; models converted by TinyMaix's `tools/tflite2tmdl.py` (int8, outputs "
              "dequantized) on TensorFlow 2.21 (its reader imports Keras 2's `ImageDataGenerator`, unused: the "
              "benchmark supplies the name). Nothing of it is in this repository.", ""]
    if "microlearn_commit" in res:
        end = res.get("microlearn_commit_end", res["microlearn_commit"])
        L += [f"microlearn: its neural family as of commit {res['microlearn_commit']} (the last to change it)"
              + (f"; at the run's end {end}: the figures may mix the two" if end != res["microlearn_commit"] else "")
              + ".", ""]
    L += [f"Same `.tflite` for both: Keras trained {EPOCHS} epochs on scikit-learn's digits upscaled to 28x28 (1,347 "
          "rows), quantized by TFLiteConverter (int8 in/out, input scale 1/255, zero point -128; "
          + ("Dense weights per channel, TensorFlow's default, which TinyMaix's FC computes with channel 0's scale"
             if res.get("per_channel_dense") else "Dense weights per tensor, as TinyMaix's FC needs: TensorFlow "
             "2.21 quantizes them per channel by default, and TinyMaix applies channel 0's scale to every channel")
          + "); "
          f"{N_ROWS} held-out images as array('B') pixels; probabilities into array('f'). Instructions: one "
          "`predict(x, out)` / `run(x, out)` between the rig's markers minus an empty pair (QEMU's counting "
          "plugin on the boards, callgrind on unix). Agreement: against LiteRT's reference kernels "
          "(`BUILTIN_REF`) on the same int8 input, probabilities dequantized.", ""]
    for name, m in res["models"].items():
        if name in PARTS:
            continue
        L += [f"## {name}", "", DESCRIBE[name] + f"; {m['macs']:,} MACs.", ""]
        L += ["| instructions per predict | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
        tr = m["targets"]
        L.append("| microlearn | " + " | ".join(_ml_cell(tr[t]["microlearn"], lambda c: _n(c["instructions"]))
                                               for t in targets) + " |")
        L.append("| TinyMaix | " + " | ".join(_tm_cell(tr[t]["tinymaix"], lambda c: _n(c["instructions"]))
                                             for t in targets) + " |")
        L.append("| microlearn / TinyMaix | " + " | ".join(
            f"{tr[t]['microlearn']['instructions'] / tr[t]['tinymaix']['instructions']:.2f}x"
            if "instructions" in tr[t]["microlearn"] and "instructions" in tr[t]["tinymaix"] else "–"
            for t in targets) + " |")
        L.append("| microlearn MACs per instruction | " + " | ".join(
            f"{m['macs'] / tr[t]['microlearn']['instructions']:.2f}" if "instructions" in tr[t]["microlearn"]
            else "–" for t in targets) + " |")
        L += ["", "| bytes | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
        L.append("| microlearn: the `.mpy` load() imported (+ the package's `__init__.mpy`) | " + " | ".join(
            _ml_cell(tr[t]["microlearn"], lambda c, t=t: ", ".join(
                f"`{k.split('.')[-1]}` {v:,}" for k, v in tr[t]["mpy"]["microlearn_modules"].items())
                + f" (+ {tr[t]['mpy']['microlearn_init']:,})") for t in targets) + " |")
        L.append("| TinyMaix `emlearn_cnn.mpy` | " + " | ".join(
            _tm_cell(tr[t]["tinymaix"], lambda c, t=t: f"{tr[t]['mpy']['tinymaix']:,}") for t in targets) + " |")
        L.append("| flash: microlearn `.mpy` + `.mlm` | " + " | ".join(
            _ml_cell(tr[t]["microlearn"], lambda c, t=t: _n(tr[t]["mpy"]["microlearn"] + m["mlm_bytes"]))
            for t in targets) + " |")
        L.append("| flash: TinyMaix `.mpy` + `.tmdl` | " + " | ".join(
            _tm_cell(tr[t]["tinymaix"], lambda c, t=t: _n(tr[t]["mpy"]["tinymaix"] + m["tmdl_bytes"]))
            for t in targets) + " |")
        for c, label in (("microlearn", "microlearn"), ("tinymaix", "TinyMaix")):
            cell = _ml_cell if c == "microlearn" else _tm_cell
            L.append(f"| RAM for the modules (native code is copied to RAM), {label} | " + " | ".join(
                cell(tr[t][c], lambda c_: _n(c_["ram"][0])) for t in targets) + " |")
            L.append(f"| RAM held by the loaded model, {label} | " + " | ".join(
                cell(tr[t][c], lambda c_: _n(c_["ram"][1])) for t in targets) + " |")
        L += ["", f"Model bytes: `.tflite` {m['tflite_bytes']:,}; microlearn `.mlm` {m['mlm_bytes']:,} (arena "
              f"{m['arena']:,}); TinyMaix `.tmdl` "
              + (f"{m['tmdl_bytes']:,} (activation buffer in its header {m['tinymaix_buffer']:,}, which "
                 "emlearn_cnn allocates as a buffer of the model's size instead, beside a copy of the model"
                 + (f"; its layers' global working arrays {m['tinymaix_arrays']:,} more, counted in its module's RAM"
                    if "tinymaix_arrays" in m else "") + ")" if "tmdl_bytes" in m else "absent") + ".", ""]
        L += ["| agreement on the held-out images | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
        for c, label in (("microlearn", "microlearn"), ("tinymaix", "TinyMaix")):
            cell = _ml_cell if c == "microlearn" else _tm_cell
            L.append(f"| {label}: max abs. difference from LiteRT's probabilities | " + " | ".join(
                cell(tr[t][c], lambda c_: f"{c_['max_diff']:.4f}") for t in targets) + " |")
            L.append(f"| {label}: same class as LiteRT | " + " | ".join(
                cell(tr[t][c], lambda c_: f"{100 * c_['class_agree']:.0f} %") for t in targets) + " |")
        L += ["", f"Accuracy on all 450 held-out rows: Keras float {100 * m['keras_accuracy']:.1f} %, LiteRT int8 "
              f"{100 * m['litert_accuracy']:.1f} %.", ""]
    L += breakdown(res, targets) + goals(res, targets) + why(res)
    return "\n".join(L) + "\n"


STEPS = {"conv1 + GAP": "conv1, with the call, the input and a GAP", "conv1-2 + GAP": "conv2",
         "conv1-3 + GAP": "conv3", GOAL_MODEL: "Dense, softmax, the outputs"}


def steps(res: dict, t: str, c: str) -> dict:
    """Instructions each step of STEPS adds for contender c on target t (the row minus the row above, the
    poolings' difference included), or {} if a row failed."""
    counts = [res["models"][name]["targets"][t][c].get("instructions") for name in STEPS]
    if None in counts:
        return {}
    return {label: n - (counts[i - 1] if i else 0) for i, (label, n) in enumerate(zip(STEPS.values(), counts))}


def breakdown(res: dict, targets) -> list:
    """Instructions of the goal model's first layers, both contenders side by side."""
    if not all(name in res["models"] for name in STEPS):
        return []
    L = [f"## Where the instructions go ({GOAL_MODEL})", "",
         "The goal model's first layers alone, each followed by a GlobalAveragePooling2D (not trained: the counts "
         "do not depend on the weights); each row is what a layer adds, a model's count minus the count of the "
         "model one layer shorter (so the two poolings' difference is in it). Cells: microlearn / TinyMaix "
         "instructions per predict (ratio). TinyMaix's files for these models are padded with zeros to its "
         "activation buffer's size: emlearn_cnn allocates its buffer with the model file's size, and these "
         "models' activations are larger than their files (unpadded, the run writes past the buffer: a "
         "segmentation fault on the unix port).", "",
         "| step | MACs | " + " | ".join(targets) + " |", "|---|---:|" + "---:|" * len(targets)]
    macs = [res["models"][name]["macs"] for name in STEPS]
    per = {t: (steps(res, t, "microlearn"), steps(res, t, "tinymaix")) for t in targets}
    for i, label in enumerate(STEPS.values()):
        cells = []
        for t in targets:
            a, b = (d.get(label) for d in per[t])
            cells.append("–" if a is None else _n(a) + ("" if b is None else f" / {_n(b)} ({a / b:.2f}x)"))
        L.append(f"| {label} | {macs[i] - (macs[i - 1] if i else 0):,} | " + " | ".join(cells) + " |")
    L.append("")
    for t in targets:
        a, b = per[t]
        if a and b:
            worst = max(a, key=lambda k: a[k] - b[k])
            L.append(f"- {t}: " + ("the step costing most over TinyMaix is " if a[worst] > b[worst] else
                                   "microlearn is faster at every step; the closest is ")
                     + f"{worst} ({_n(a[worst])} vs {_n(b[worst])} instructions, {a[worst] - b[worst]:+,}); "
                     f"the whole predict: {sum(a.values()) - sum(b.values()):+,}.")
    return L + [""]


def goals(res: dict, targets) -> list:
    """The issue's goals for GOAL_MODEL, side by side, met or missed by how much."""
    m = res["models"].get(GOAL_MODEL)
    if m is None:
        return []
    tr = m["targets"]
    L = ["## Goals (issue 10, model " + GOAL_MODEL + ")", "", "| goal | target | microlearn | TinyMaix | met? |",
         "|---|---|---:|---:|---|"]

    def verdict(ours, theirs, bound):
        return "yes" if ours <= bound * theirs else f"**no**: {ours / (bound * theirs):.2f}x the goal"

    for t in targets:
        a, b = tr[t]["microlearn"], tr[t]["tinymaix"]
        if "instructions" in a and "instructions" in b:
            L.append(f"| instructions <= 0.7x TinyMaix's | {t} | {_n(a['instructions'])} | {_n(b['instructions'])} "
                     f"({_n(0.7 * b['instructions'])} allowed) | "
                     f"{verdict(a['instructions'], b['instructions'], 0.7)} |")
        else:
            L.append(f"| instructions <= 0.7x TinyMaix's | {t} | {_ml_cell(a, lambda c: _n(c['instructions']))} | "
                     f"{_tm_cell(b, lambda c: _n(c['instructions']))} | not judged |")
    for t in targets:
        if "microlearn" not in tr[t]["mpy"]:
            L.append(f"| flash (.mpy + model) <= TinyMaix's | {t} | {_ml_cell(tr[t]['microlearn'], str)} | | "
                     "not judged |")
            continue
        ours = tr[t]["mpy"]["microlearn"] + m["mlm_bytes"]
        if "tinymaix" in tr[t]["mpy"]:
            theirs = tr[t]["mpy"]["tinymaix"] + m["tmdl_bytes"]
            L.append(f"| flash (.mpy + model) <= TinyMaix's | {t} | {_n(ours)} | {_n(theirs)} | "
                     f"{verdict(ours, theirs, 1.0)} |")
        else:
            L.append(f"| flash (.mpy + model) <= TinyMaix's | {t} | {_n(ours)} | "
                     f"{_tm_cell(tr[t]['tinymaix'], str)} | not judged |")
    if "tinymaix_arrays" in m:
        theirs = m["tinymaix_buffer"] + m["tinymaix_arrays"]
        L.append(f"| arena <= TinyMaix's RAM for the model's activations (its buffer + working arrays) | all | "
                 f"{_n(m['arena'])} | {_n(theirs)} ({_n(m['tinymaix_buffer'])} + {_n(m['tinymaix_arrays'])}) | "
                 f"{verdict(m['arena'], theirs, 1.0)}; against its buffer alone: "
                 f"{'within' if m['arena'] <= m['tinymaix_buffer'] else 'over by'} "
                 f"{_n(abs(m['arena'] - m['tinymaix_buffer']))} B |")
    for t in targets:
        a, b = tr[t]["microlearn"], tr[t]["tinymaix"]
        if "ram" in a and "ram" in b:
            L.append(f"| RAM held by the loaded model <= TinyMaix's | {t} | {_n(a['ram'][1])} | {_n(b['ram'][1])} | "
                     f"{verdict(a['ram'][1], b['ram'][1], 1.0)} |")
    return L


def why(res: dict) -> list:
    """How the two modules differ, where the goals' figures come from."""
    if GOAL_MODEL not in res["models"] or "tmdl_bytes" not in res["models"][GOAL_MODEL]:
        return []
    m = res["models"][GOAL_MODEL]
    m3 = m["targets"].get("cortex-m3", {})
    held, theirs = ((m3.get(c) or {}).get("ram", [0, 0])[1] for c in ("microlearn", "tinymaix"))
    return ["", "## Why", "",
            "**Speed.** TinyMaix as emlearn-micropython builds it (`TM_ARCH_CPU`, `TM_OPT0`) gathers each output "
            "pixel's taps into a buffer, takes a plain int8 dot product per output channel, then rescales in "
            "float: `(int8)(sum * scale * (1 / output scale) + zero point)`, truncated toward zero, not clamped. "
            "On the "
            "Cortex-M4F and x64 that float rescale is a few hardware instructions per output; on the Cortex-M3 "
            "(no FPU) each is a call into libgcc's soft-float routines, which is why TinyMaix is slowest there. "
            "microlearn computes LiteRT's reference arithmetic bit for bit: per output a fixed-point multiplier "
            "and shift (a 64-bit product and two rounding steps, TFLite's `MultiplyByQuantizedMultiplier`; on "
            "the Cortex-M3/M4 both roundings folded exactly into one 64-bit multiply-accumulate and a shift) and a "
            "clamp. Its Cortex-M4F convolution widens two output pixels' patches to 16 bits (one run of taps per "
            "kernel row where the window is inside the input) and computes two "
            "channels at both (SMLAD: two multiply-accumulates per instruction); x64 widens the patches of "
            "every convolution too and takes 8 taps per step with SSE2 (PMADDWD); the portable builds "
            "(Cortex-M0, M3) take four output channels per pixel straight from the int8 input, except that the "
            "Cortex-M3 widens patches as well (without SMLAD) for inputs of 1-3 channels, such as the "
            "first convolution's. The goal model's first "
            "convolution has one input channel: 9 MACs per output value against a rescale, a clamp and a patch "
            "of its own, so per-output costs, not MACs, decide it; the table above says per target which step "
            "microlearn loses most on. The Dense layer rescales as LiteRT's reference does, a double-precision "
            "product rounded, which the Cortex-M builds compute in integer arithmetic to the same bits (x64: "
            "the FPU's double).",
            "",
            "**Flash.** `_neural_int8_cnn`, the module an int8 CNN imports, holds the convolutions, depthwise, "
            "pooling, global pooling, dense, table activations and softmax (add, multiply, concatenate and pad "
            "are in `_neural_int8`, for the models that have them) and a loader that checks "
            "every tensor, offset, quantization parameter and the memory plan before the first predict; TinyMaix "
            "has seven layer kinds and checks the magic and type. The model: "
            f"`.mlm` {m['mlm_bytes']:,} B against `.tmdl` {m['tmdl_bytes']:,} B. The same int8 weights and int32 "
            "biases; microlearn adds the softmax's scale and the exponentials its integer routine would not "
            "give bit for bit as LiteRT's table (none here: the module computes the table's entries, which "
            "files before 2026-11-26 carried, 1,024 B), a multiplier and a shift per output channel (TinyMaix: one float), the Dense layer's float64 rescale "
            "per output, the tensor and op tables with the memory plan, and JSON metadata (classes, input "
            "type).",
            "",
            "**RAM.** microlearn reads the weights in place: loaded from bytes in RAM (as here) the file stays, "
            "beside the arena and the model object; from a ROMFS file (docs/benchmarks-romfs.md) the weights "
            "stay in flash and only the arena and the object take RAM (not measured here; "
            + (f"the held bytes minus the file's are {_n(held - m['mlm_bytes'])} on the Cortex-M3, against "
               f"TinyMaix's {_n(theirs)}" if held and theirs else "see the rows above") + "). emlearn_cnn copies "
            "the model into the heap and allocates a working buffer of the file's size (larger than TinyMaix's "
            "own activation buffer for these models, too small for models whose activations exceed the file: "
            "see above), and TinyMaix's layers use "
            + (f"{m['tinymaix_arrays']:,} B" if "tinymaix_arrays" in m else "fixed-size") + " of global working "
            "arrays sized for the largest model tm_port.h allows. microlearn's native module is larger, and "
            "native code is copied into RAM at import (the \"RAM for the modules\" rows).",
            "",
            "**Cortex-M0.** emlearn_cnn does not link for armv6m with MicroPython 1.25's `mpy_ld`: its float "
            "arithmetic calls libgcc's Thumb-1 soft-float routines, which hold absolute relocations (\"Absolute "
            "relocations not supported on ARM\"). microlearn's M0 column has no contender.",
            "",
            "**Agreement.** microlearn's probabilities equal LiteRT's reference kernels' bit for bit on every "
            "target (int8 outputs dequantized the same way). TinyMaix truncates instead of rounding, averages "
            "with an integer division before rescaling and computes the softmax in float: LiteRT's class "
            "for the share of images the tables give, probabilities off by up to their figures. With TensorFlow's default per-channel "
            "Dense weights TinyMaix's FC scales every output by channel 0's scale: on the unix port (`--targets "
            "unix --per-channel-dense`) it gave LiteRT's class for 94 % of the 50 images with cnn-gap "
            "(probabilities off by up to 0.69) and 90 % with cnn-flatten (up to 0.996); microlearn stayed bit-exact."]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--per-channel-dense", action="store_true",
                    help="Dense weights quantized per channel (TensorFlow's default; TinyMaix gets them wrong)")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--from-json", help="write the page from these raw results instead of measuring")
    a = ap.parse_args()
    targets = a.targets.split(",")
    if a.from_json:
        res = json.loads(Path(a.from_json).read_text())
    else:
        res = run(targets, a.models.split(","), a.per_channel_dense)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    print(report(res, targets), end="")


if __name__ == "__main__":
    main()
