"""Instructions per predict() of a 16x8 (int16-activation) CNN against the same
Keras model quantized to int8, on the emulated boards and unix, as a Markdown
table for docs/neural.md (the model: tests/python/neural_int16_cases.py's
"cnn", int16 / int8 inputs and outputs):

    .venv/bin/python benchmarks/neural/bench_int16.py [--targets cortex-m0,cortex-m3,cortex-m4f,unix]

Counted between markers around the second of two calls, minus an empty
marker pair (as bench_int8.py counts)."""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "python"))
import bench_int8  # noqa: E402
import microlearn  # noqa: E402
from bench_neural import EMPTY  # noqa: E402
from microlearn.converters.neural import quantize  # noqa: E402
from microlearn.rig.count import count  # noqa: E402
from neural_int16_cases import calibration, converted_model, keras_model  # noqa: E402

SCRIPT = bench_int8.SCRIPT.replace("array.array('b',", "array.array(TYPECODE,")  # its count, any input type
assert "TYPECODE" in SCRIPT


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", default="cortex-m0,cortex-m3,cortex-m4f,unix")
    a = ap.parse_args()
    net, shape = keras_model("cnn")
    int8 = microlearn.convert(quantize.to_tflite(net, calibration=calibration(shape), io_dtype="int8"))
    int16 = microlearn.convert(converted_model("cnn", "int16")[0])
    print("| model (\"cnn\": 2 Conv2D, AveragePooling2D, DepthwiseConv2D, MaxPooling2D, Dense) | "
          + " | ".join(a.targets.split(",")) + " |")
    print("|---|" + "---:|" * len(a.targets.split(",")))
    for name, model, code in (("int8", int8, "'b'"), ("int16 (16x8)", int16, "'h'")):
        row = []
        for t in a.targets.split(","):
            base = count(t, EMPTY).instructions
            row.append(count(t, SCRIPT.replace("TYPECODE", code), files={"k.mlm": model.to_bytes()},
                             timeout=1800).instructions - base)
        print(f"| {name} | " + " | ".join(f"{n:,}" for n in row) + " |")


if __name__ == "__main__":
    main()
