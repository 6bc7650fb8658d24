"""int8 networks on MicroPython: instructions per predict() of int8 kernels and
of a small int8 CNN, MACs per instruction, arena and model bytes, on the unix
port (callgrind) and the emulated Cortex-M0 / M3 / M4F (QEMU instruction
counting). The models are Keras layers quantized by TensorFlow's
TFLiteConverter (full integer, int8 input and output) and converted from the
.tflite bytes. Writes the table of docs/benchmarks-neural-int8.md:

    .venv/bin/python benchmarks/neural/bench_int8.py [--targets unix,cortex-m4f] [--cases depthwise,relu] > docs/benchmarks-neural-int8.md

--io float32 converts the same models with float32 inputs and outputs instead
(TFLiteConverter's QUANTIZE / DEQUANTIZE at the edges) and feeds array('f')
pixels p / 255: each input value then costs its QUANTIZE (math::round_quotient).

Each count is one predict(x, out) of an array('b') input between the rig's
markers, after a first call, minus an empty marker pair: the MicroPython call
overhead stays in. MACs count the (output, tap) pairs inside the input. The
Cortex-M4F build runs the DSP-extension path of int8_ops.hpp (SMLAD, two 16-bit
multiply-accumulates per instruction), unix (x64) its SSE2 convolutions; the
other targets the portable loops.
The ReLU row has no MACs: it shows what every row also spends on the call, the
input copy and the float outputs; the max-pool row has the depthwise row's
input, outputs and 3x3 window without multiplies. --cases keeps the rows whose
name contains one of its words (while iterating).
"""
import argparse
import contextlib
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "python"))

import microlearn  # noqa: E402
from bench_neural import EMPTY, OUT, ROOT, build, harness  # noqa: E402
from microlearn.rig.count import CountError, count  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

SCRIPT = """
import microlearn, array, _markers
m = microlearn.load("k.mlm")
x = array.array('b', range(m.info()['n_features']))
out = array.array('f', [0] * m.info()['n_outputs'])
m.predict(x, out)
_markers.start()
m.predict(x, out)
_markers.stop()
"""


def int8_modules():
    """The device modules int8 models load (device/microlearn/__init__.py picks
    one by the ops a model has): device/Makefile's neural_int8* modules."""
    natmods = re.search(r"^NATMODS = (.*)$", (ROOT / "device" / "Makefile").read_text(), re.M).group(1).split()
    return ["_" + n for n in natmods if n.startswith("neural_int8")]


MODULES = int8_modules()


def microlearn_lib(arch):
    """The device package with only its int8 neural modules, built by
    device/Makefile (the build users install) into the benchmark's folder."""
    out = OUT / arch / "ml_int8"
    lib = out / "lib" / "microlearn"
    harness.make(["make", "-C", str(ROOT / "device"), f"ARCH={arch}", f"MPY_DIR={build.fetch_source()}",
                  f"BUILD={out}", f"PYTHON={build._python_for_mpy_ld()}", *(str(lib / f"{m}.mpy") for m in MODULES),
                  str(lib / "__init__.mpy")], f"{', '.join(MODULES)} for {arch}")
    return out / "lib"


def keras_cases():
    """name -> (Keras model, input shape, MACs)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers as L

    keras.utils.set_random_seed(0)

    def model(shape, *layers):
        inp = keras.Input(shape)
        x = inp
        for layer in layers:
            x = layer(x)
        return keras.Model(inp, x)

    def taps_inside(n, k, stride, pad):
        """The (output, tap) pairs of one dimension whose input position is
        inside [0, n): 'same' padding's border taps read no input."""
        out = -(-n // stride) if pad == "same" else (n - k) // stride + 1
        before = max((out - 1) * stride + k - n, 0) // 2 if pad == "same" else 0
        return sum(0 <= o * stride - before + t < n for o in range(out) for t in range(k))

    H, C, O = 16, 16, 16
    # DS-CNN keyword spotting's depthwise layers: 3x3 over 64 channels of a
    # 25x5 map (49x10 MFCCs after its first, stride-2 convolution), 'same'
    KH, KW, KC = 25, 5, 64
    conv_macs = H * H * O * C * 9 - 4 * (H * 3 - 2) * O * C  # 'same': taps outside the 16x16 input skipped
    return {
        "conv2d 3x3 16x16x16->16 (same)": (model((H, H, C), L.Conv2D(O, 3, padding="same")), (H, H, C), conv_macs),
        "conv2d 3x3 16x16x16->16 (valid)": (model((H, H, C), L.Conv2D(O, 3)), (H, H, C), 14 * 14 * O * C * 9),
        "depthwise 3x3 16x16x16 (valid)": (model((H, H, C), L.DepthwiseConv2D(3)), (H, H, C), 14 * 14 * C * 9),
        "depthwise 3x3 25x5x64 (same; DS-CNN)": (
            model((KH, KW, KC), L.DepthwiseConv2D(3, padding="same")), (KH, KW, KC),
            taps_inside(KH, 3, 1, "same") * taps_inside(KW, 3, 1, "same") * KC),
        "depthwise 3x3/2 25x5x64 (same; DS-CNN)": (
            model((KH, KW, KC), L.DepthwiseConv2D(3, strides=2, padding="same")), (KH, KW, KC),
            taps_inside(KH, 3, 2, "same") * taps_inside(KW, 3, 2, "same") * KC),
        # the depthwise row's input, outputs and window without multiplies
        "max pool 3x3/1 16x16x16 (valid; no MACs)": (model((H, H, C), L.MaxPooling2D(3, strides=1)), (H, H, C), 0),
        "dense 256->64": (model((256,), L.Dense(64)), (256,), 256 * 64),
        # no MACs: what every row above also counts for its call, input copy and
        # outputs (16x16x16, as the 'same' convolution's), besides its kernels
        "relu 16x16x16 (no MACs: call, copies, outputs)": (model((H, H, C), L.ReLU()), (H, H, C), 0),
        "cnn 28x28 (conv8, pool, conv16, pool, dense10)": (
            model((28, 28, 1), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(), L.Conv2D(16, 3, activation="relu"),
                  L.MaxPooling2D(), L.Flatten(), L.Dense(10), L.Softmax()),
            (28, 28, 1), 26 * 26 * 8 * 9 + 11 * 11 * 16 * 8 * 9 + 400 * 10),
    }


# --io float32's input in SCRIPT instead of the int8 one
FLOAT_INPUT = "array.array('f', [(i % 256) / 255 for i in range(m.info()['n_features'])])"


def convert(keras_model, shape, io="int8"):
    from microlearn.converters.neural import quantize
    X = np.random.default_rng(0).normal(size=(32,) + shape).astype(np.float32)
    with contextlib.redirect_stdout(sys.stderr):  # TensorFlow prints its export to stdout
        data = quantize.to_tflite(keras_model, calibration=X, io_dtype=io)
    return microlearn.convert(data), len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="unix,cortex-m0,cortex-m3,cortex-m4f")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--cases", help="only the rows whose name contains one of these comma-separated words")
    ap.add_argument("--io", choices=("int8", "float32"), default="int8", help="the models' input and output type")
    a = ap.parse_args()
    targets = a.targets.split(",")
    words = a.cases.split(",") if a.cases else None
    script = SCRIPT if a.io == "int8" else SCRIPT.replace("array.array('b', range(m.info()['n_features']))",
                                                          FLOAT_INPUT)
    assert a.io == "int8" or FLOAT_INPUT in script
    cases = {name: (*convert(m, shape, a.io), macs) for name, (m, shape, macs) in keras_cases().items()
             if not words or any(w in name for w in words)}
    res = {}
    for t in targets:
        arch = get_target(t).arch
        lib = [microlearn_lib(arch)]
        r = res[t] = {"mpy": {m: (lib[0] / "microlearn" / f"{m}.mpy").stat().st_size for m in MODULES}, "cases": {}}
        base = count(t, EMPTY, lib_dir=lib).instructions
        for name, (model, _, macs) in cases.items():
            try:
                n = count(t, script, files={"k.mlm": model.to_bytes()}, lib_dir=lib, timeout=1800).instructions - base
                r["cases"][name] = {"instructions": n, "macs": macs}
            except CountError as e:
                r["cases"][name] = {"error": str(e)[:120]}
            print(f"{t:10s} {name} {r['cases'][name]}", file=sys.stderr, flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    print(report(res, targets, cases, a.io))


def report(res, targets, cases, io="int8"):
    given = "array('b') input" if io == "int8" else "array('f') input p / 255, quantized on the device"
    L = [f"Instructions per `predict(x, out)` of an int8 network ({given}, float outputs), MACs per "
         "instruction in brackets; the bytes of the device modules int8 models load per architecture below. "
         f"Models: Keras layers quantized by TFLiteConverter ({io} in/out), converted from the .tflite bytes.",
         "",
         "| model | MACs | arena bytes | model bytes | " + " | ".join(targets) + " |",
         "|---|---:|---:|---:|" + "---:|" * len(targets)]
    for name, (model, tflite_bytes, macs) in cases.items():
        cells = []
        for t in targets:
            c = res[t]["cases"][name]
            if "error" in c:
                cells.append("failed")
                continue
            rate = f" ({macs / c['instructions']:.2f})" if macs else ""
            cells.append(f"{c['instructions']:,}{rate}")
        L.append(f"| {name} | {macs:,} | {model.info['arena_bytes']:,} | {model.size:,} | " + " | ".join(cells)
                 + " |")
    L += ["", "| | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
    L += [f"| `{m}.mpy` bytes | " + " | ".join(f"{res[t]['mpy'][m]:,}" for t in targets) + " |"
          for m in res[targets[0]]["mpy"]]
    return "\n".join(L)


if __name__ == "__main__":
    main()
