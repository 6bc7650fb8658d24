"""Instructions per predict() of a 16x8 (int16-activation) CNN against the same
Keras model quantized to int8, on the emulated boards and unix, as a Markdown
table for docs/neural.md (the model: tests/python/neural_int16_cases.py's
"cnn", int16 / int8 inputs and outputs):

    .venv/bin/python benchmarks/neural/bench_int16.py [--targets cortex-m0,cortex-m3,cortex-m4f,unix] [--ops]

--ops counts instead a model that is one SOFTMAX over 10 int16 values and
the tests' "residual" model (three Dense, Add, Multiply), int16 in and out.

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
    ap.add_argument("--ops", action="store_true", help="the SOFTMAX and residual (ADD, MUL) models")
    a = ap.parse_args()
    if a.ops:
        from test_neural_int16 import _softmax_only

        rows = (("one SOFTMAX over 10 values", microlearn.convert(_softmax_only(4.0, (10,)))),
                ("residual: 3 Dense, Add, Multiply", microlearn.convert(converted_model("residual", "int16")[0])))
        return table("int16 model", rows, a.targets.split(","))
    net, shape = keras_model("cnn")
    int8 = microlearn.convert(quantize.to_tflite(net, calibration=calibration(shape), io_dtype="int8"))
    int16 = microlearn.convert(converted_model("cnn", "int16")[0])
    table("model (\"cnn\": 2 Conv2D, AveragePooling2D, DepthwiseConv2D, MaxPooling2D, Dense)",
          (("int8", int8), ("int16 (16x8)", int16)), a.targets.split(","))


def table(title, rows, targets):
    print(f"| {title} | " + " | ".join(targets) + " |")
    print("|---|" + "---:|" * len(targets))
    for name, model in rows:
        code = "'h'" if model.info["input_dtype"] == "int16" else "'b'"
        row = []
        for t in targets:
            base = count(t, EMPTY).instructions
            row.append(count(t, SCRIPT.replace("TYPECODE", code), files={"k.mlm": model.to_bytes()},
                             timeout=1800).instructions - base)
        print(f"| {name} | " + " | ".join(f"{n:,}" for n in row) + " |")


if __name__ == "__main__":
    main()
