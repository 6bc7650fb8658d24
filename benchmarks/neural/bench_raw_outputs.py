"""Instructions per predict() of an int8 network with float outputs
(array('f') out: dequantized) against its quantized outputs (array('b') out:
copied), on the emulated Cortex-M0 / M3 / M4F (the rig's QEMU counting, one
predict between the markers after a first call). The rows of docs/neural.md,
"Quantized outputs":

    .venv/bin/python benchmarks/neural/bench_raw_outputs.py
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/python"))
sys.path.insert(0, str(ROOT / "tests/device"))

import keras  # noqa: E402
from keras import layers as L  # noqa: E402

import microlearn  # noqa: E402
from device_rig import lib_for  # noqa: E402
from microlearn.rig.count import count  # noqa: E402
from neural_tflite_cases import convert, converted_model  # noqa: E402

SCRIPT = """
import microlearn, array, _markers
m = microlearn.load("k.mlm")
x = array.array("b", bytes(m.info()["n_features"]))
out = array.array("TYPECODE", bytes(SIZE * m.info()["n_outputs"]))
m.predict(x, out)
_markers.start()
m.predict(x, out)
_markers.stop()
"""
TARGETS = ("cortex-m0", "cortex-m3", "cortex-m4f")


def models():
    keras.utils.set_random_seed(0)
    inp = keras.Input((16, 16, 16))
    conv = convert(keras.Model(inp, L.Conv2D(16, 3)(inp)), (16, 16, 16), "int8")
    return [("Conv2D 3x3 16x16x16 -> 14x14x16 'valid' (3,136 outputs)", conv),
            ("the `cnn` test classifier (10 softmax outputs)", converted_model("cnn", "int8")[0])]


def main():
    print("| model | out | " + " | ".join(TARGETS) + " |")
    print("|---|---|" + "---:|" * len(TARGETS))
    for name, data in models():
        files = {"k.mlm": microlearn.convert(data).to_bytes()}
        got = {(tc, t): count(t, SCRIPT.replace("TYPECODE", tc).replace("SIZE", "4" if tc == "f" else "1"),
                              files=files, lib_dir=lib_for(t)).instructions for tc in "fb" for t in TARGETS}
        for tc in "fb":
            print(f"| {name} | `array('{tc}')` | " + " | ".join(f"{got[tc, t]:,}" for t in TARGETS) + " |")


if __name__ == "__main__":
    main()
