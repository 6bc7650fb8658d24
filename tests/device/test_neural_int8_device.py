"""int8 networks from .tflite files on MicroPython (unix port, emulated
Cortex-M0/M3/M4F): BIT-EXACT with LiteRT's reference kernels there too.

The Keras models of tests/python/neural_tflite_cases.py (dilated_1d: dilated
Conv1D / DepthwiseConv1D and a MUL by one value), quantized by
TFLiteConverter (int8 inputs and outputs, and one with float32 ones), run on
the device from array('b') (or array('f')) inputs; their outputs, turned back
into int8, must equal LiteRT's. Cortex-M4F runs the DSP-extension path of the
dense and convolution kernels (int8_ops.hpp), unix (x64) the SSE2 path of
the convolution, the others the portable loops, so this also checks they
agree. concat_requantize: a QUANTIZE int8 -> int8 (requantize) before a
CONCATENATION (scale ratio below 1: a right shift); requantize_x4 one of ratio 4
(a left shift, saturating). predict() allocates nothing."""
import sys
from pathlib import Path

import numpy as np
import pytest

import microlearn
from device_rig import run

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from neural_tflite_cases import concat_requantized, convert, converted_model, inputs, reference  # noqa: E402

CASES = [("mix", "int8"), ("cnn", "int8"), ("dilated_valid", "int8"), ("mlp", "int8"), ("cnn", "float32"),
         ("dilated_1d", "int8"), ("conv_shapes_a", "int8"), ("conv_shapes_b", "int8"), ("conv_shapes_c", "int8"),
         ("conv_shapes_d", "int8"),
         ("concat_requantize", "int8"), ("requantize_x4", "int8")]
N_ROWS = 10

SCRIPT = """
import microlearn, array, micropython
for i, typecode, size in CASES:
    m = microlearn.load("m%d.mlm" % i)
    info = m.info()
    x = array.array(typecode, bytes(size * info["n_features"]))
    out = array.array("f", bytes(4 * info["n_outputs"]))
    res = open("out%d.bin" % i, "wb")
    rows = 0
    with open("x%d.bin" % i, "rb") as f:
        while f.readinto(x) == len(x) * size:
            m.predict(x, out)
            res.write(out)
            rows += 1
    res.close()
    micropython.heap_lock()
    try:
        m.predict(x, out)
        if info["task"] == "classification":
            m.predict(x)
    finally:
        micropython.heap_unlock()
    print("case", i, "rows", rows, "no allocation")
"""


def conv_shapes(name):
    """Chains of Conv2D and DepthwiseConv2D whose shapes reach every branch
    of the convolution kernels (int8_ops.hpp: the 2-pixel x 2-channel
    patches, their 8- and 4-tap steps and scalar tails on x64 and Cortex-M4,
    the Cortex-M4's 4-pixel blocks with the second pair of patches in a
    planned scratch or in the output's end, then pairs,
    short and long kernel rows, the direct loop elsewhere; depthwise 4
    channels at a time and a tail of 3): 1 to 16 input channels, odd output
    channels, filters of 5 to 96 taps with tails of 0 to 3, strides,
    dilation, 'same' and 'valid'. conv_shapes_c: depthwise alone, its blocks
    of 4 channels (8 on x64) and tails of 1 to 3, depth multipliers 2 and 3
    (one channel at a time) from 1 and 3 input channels, strides, dilation,
    'same' borders on every side and windows wider than the input; max and
    average pooling over 13 and 19 channels (16-, 8- and 4-byte steps and
    tails of the max) with 'same' borders. conv_shapes_d: DS-CNN's depthwise
    layers (3x3 'same', stride 1 and 2, 64 channels) and 3, 17 and 5
    channels, odd and even sizes (stride 2 'same' padding 0 or 1 before):
    the windows inside the input and the border pixels around them."""
    import keras
    from keras import layers as L

    keras.utils.set_random_seed(7)
    if name == "conv_shapes_a":  # filters 45, 42, 27 taps: tails 1, 2, 3
        shape = (9, 9, 5)
        layers = [L.Conv2D(7, 3, dilation_rate=2, padding="same"), L.DepthwiseConv2D(3, padding="same"),
                  L.Conv2D(3, (2, 3), strides=(2, 1)),
                  L.Conv2D(1, 3, padding="same", activation="relu")]
    elif name == "conv_shapes_c":  # depthwise and pooling: channels 1 -> 3 -> 9 -> 13 -> 14 -> 15 -> 19 -> 12
        shape = (8, 7, 1)
        layers = [L.DepthwiseConv2D(3, depth_multiplier=3, padding="same"),
                  L.DepthwiseConv2D((2, 3), strides=(1, 2), depth_multiplier=3, padding="same"),
                  L.Conv2D(13, 1), L.MaxPooling2D((2, 3), strides=1, padding="same"),
                  L.DepthwiseConv2D(3, dilation_rate=(2, 1), padding="same"),
                  L.Conv2D(14, 1), L.AveragePooling2D((3, 2), strides=1, padding="same"),
                  L.DepthwiseConv2D((1, 5), padding="same", activation="relu"),
                  L.Conv2D(15, 1), L.DepthwiseConv2D(2, strides=2, padding="valid"),
                  L.Conv2D(19, 1), L.MaxPooling2D(3, strides=2, padding="same"),
                  L.Conv2D(12, 1), L.DepthwiseConv2D((4, 6), padding="same", activation="relu6")]
    elif name == "conv_shapes_d":  # depthwise as DS-CNN's: channels 3 -> 17 -> 64 -> 5
        shape = (10, 9, 3)
        layers = [L.DepthwiseConv2D(3, padding="same", activation="relu"), L.Conv2D(17, 1),
                  L.DepthwiseConv2D(3, strides=2, padding="same"), L.Conv2D(64, 1),
                  L.DepthwiseConv2D(3, padding="same", activation="relu"), L.DepthwiseConv2D(3, strides=2, padding="same"),
                  L.Conv2D(5, 1), L.DepthwiseConv2D(3, padding="same")]
    else:  # one input channel (filter 9), then 36, 5, 16 and 96 taps
        shape = (11, 9, 1)
        layers = [L.Conv2D(6, 3, padding="same"), L.Conv2D(5, (3, 2), strides=2), L.Conv2D(4, 1),
                  L.Conv2D(16, 2, padding="same", activation="relu6"),
                  L.DepthwiseConv2D((3, 2), dilation_rate=(1, 2), padding="same"),
                  L.DepthwiseConv2D(2, strides=(2, 1), padding="valid"), L.Conv2D(3, (2, 3))]
    inp = keras.Input(shape)
    x = inp
    for layer in layers:
        x = layer(x)
    return convert(keras.Model(inp, L.Flatten()(x)), shape, "int8"), shape


def _cases():
    out = []
    for name, io in CASES:
        if name == "requantize_x4":
            data, shape = concat_requantized(1 / 1024, 40), (6,)
        else:
            data, shape = conv_shapes(name) if name.startswith("conv_shapes") else converted_model(name, io)
        xs = inputs(data, shape, N_ROWS, seed=9)
        want = []
        for x in xs:
            it = reference(data, x)
            d = it.get_output_details()[0]
            want.append((it.get_tensor(d["index"]).reshape(-1), d["quantization"]))
        out.append((microlearn.convert(data), np.array(xs), want))
    return out


@pytest.fixture(scope="module")
def cases():
    return _cases()


def test_int8_networks_bit_exact_on_device(target, cases):
    files, plan = {}, []
    for i, (model, xs, _) in enumerate(cases):
        files[f"m{i}.mlm"] = model.to_bytes()
        files[f"x{i}.bin"] = xs.tobytes()
        plan.append((i, "b" if xs.dtype == np.int8 else "f", xs.dtype.itemsize))
    res = run(target, SCRIPT.replace("CASES", repr(plan)), files=files,
              fetch=[f"out{i}.bin" for i in range(len(cases))])
    assert res.returncode == 0, res.output
    for i, (model, xs, want) in enumerate(cases):
        assert f"case {i} rows {len(xs)} no allocation" in res.output, res.output
        got = np.frombuffer(res.files[f"out{i}.bin"], np.float32).reshape(len(xs), -1)
        for row, (w, (scale, zero)) in zip(got, want):
            if w.dtype == np.int8:  # the device dequantized: recover the int8 values exactly
                q = np.round(row.astype(np.float64) / scale) + zero
                np.testing.assert_array_equal(q, w.astype(np.float64), err_msg=f"{CASES[i]} on {target}")
            else:
                np.testing.assert_array_equal(row, w, err_msg=f"{CASES[i]} on {target}")


SPEED_SCRIPT = """
import microlearn, array, _markers
m = microlearn.load("k.mlm")
x = array.array("b", bytes(m.info()["n_features"]))
out = array.array("f", bytes(4 * m.info()["n_outputs"]))
m.predict(x, out)
_markers.start()
m.predict(x, out)
_markers.stop()
"""


@pytest.mark.parametrize("target, budget", [("unix", 910_000), ("cortex-m4f", 640_000), ("cortex-m3", 2_230_000),
                                            ("cortex-m0", 4_100_000)])
def test_conv2d_fast_path_instruction_budget(target, budget):
    """A 3x3 Conv2D, 16x16x16 -> 16 'valid' (451,584 MACs; the row of
    docs/benchmarks-neural-int8.md), per predict with its input copy and
    float outputs: the SSE2 path on unix takes 872,689 instructions, the
    DSP path on Cortex-M4F 607,589 (its blocks of 4 pixels, the second pair
    of patches in the output's end: 663,093 with pairs alone), the portable
    direct loop 2,130,860 on the Cortex-M3 and 3,903,891 on the Cortex-M0
    (before the word-wide input copy, the hoisted and integer output
    dequantization and the Cortex-M4's LDM inner loop: 929,379, 825,973,
    2,318,263 and 4,335,410). The budgets fail when a fast path or the
    cheaper model I/O is lost (the portable loop takes 2.55 M on unix), and
    leave 4-6% for the call's overhead to move."""
    import keras
    from keras import layers as L

    from device_rig import lib_for
    from microlearn.rig.count import count

    keras.utils.set_random_seed(0)
    inp = keras.Input((16, 16, 16))
    data = convert(keras.Model(inp, L.Conv2D(16, 3)(inp)), (16, 16, 16), "int8")
    r = count(target, SPEED_SCRIPT, files={"k.mlm": microlearn.convert(data).to_bytes()}, lib_dir=lib_for(target))
    assert r.instructions <= budget, r.instructions


@pytest.mark.parametrize("target, budget", [("unix", 725_000), ("cortex-m4f", 895_000), ("cortex-m3", 1_115_000),
                                            ("cortex-m0", 1_925_000)])
def test_depthwise_ds_cnn_instruction_budget(target, budget):
    """DS-CNN's depthwise layer, 3x3 'same' over 25x5x64 (60,736 MACs; the
    row of docs/benchmarks-neural-int8.md), per predict with its input copy
    and float outputs: 688,956 instructions on unix, 853,322 on the
    Cortex-M4F, 1,062,194 on the M3, 1,833,845 on the M0 (the benchmark's
    row was 17-30% slower before the inside runs and the border terms kept
    from pixel to pixel). The budgets fail when the border pixels' constant
    terms are computed per pixel again or the windows inside lose their
    run, and leave about 5% for the call's overhead to move."""
    import keras
    from keras import layers as L

    from device_rig import lib_for
    from microlearn.rig.count import count

    keras.utils.set_random_seed(0)
    inp = keras.Input((25, 5, 64))
    data = convert(keras.Model(inp, L.DepthwiseConv2D(3, padding="same")(inp)), (25, 5, 64), "int8")
    r = count(target, SPEED_SCRIPT, files={"k.mlm": microlearn.convert(data).to_bytes()}, lib_dir=lib_for(target))
    assert r.instructions <= budget, r.instructions


DEQUANTIZE_SCRIPT = """
import microlearn, array, micropython
xb = array.array("b", range(-128, 128))
xu = array.array("B", range(256))
out = array.array("f", bytes(4 * 256))
res = open("deq.bin", "wb")
for i in range(N):
    m = microlearn.load("d%d.mlm" % i)
    for x in (xb, xu):
        micropython.heap_lock()
        m.predict(x, out)
        micropython.heap_unlock()
        res.write(out)
res.close()
print("done", N)
"""


def test_int8_outputs_dequantized_bit_exactly_on_device(target):
    """Every int8 output value q becomes scale * float(q - zero_point) as the
    float32 multiply rounds it, bit for bit, on every target: the soft-float
    boards (Cortex-M0, M3) build that product in integer arithmetic
    (int8_io.hpp), the others multiply; scales at the edges of the integer
    path's range (exponents 1 and 245), subnormal and huge ones (the float
    multiply there too), random ones. Inputs as array('b') and array('B')
    (u - 128), both through the input copy."""
    from microlearn.converters.neural import ir, writer

    rng = np.random.default_rng(3)
    scales = [2.0 ** -126, 1.1754942e-38, 1e-40, 1.4e-45, 0.05, 1 / 256, 0.003921569, 1.0, 3.0e38, 2.0 ** 118,
              2.0 ** 119, 1.5 * 2.0 ** 118] + list(np.exp(rng.uniform(-80, 80, 10)))
    files, want = {}, []
    for i, s in enumerate(np.array(scales, np.float32)):
        zp = np.int32(rng.integers(-128, 128)) if i % 3 else np.int32((-128, 0, 127)[(i // 3) % 3])
        t = {"x": ir.Tensor("x", (256,), "int8", scale=s, zero_point=zp),
             "y": ir.Tensor("y", (16, 16), "int8", scale=s, zero_point=zp)}
        files[f"d{i}.mlm"] = writer.encode(ir.Graph(t, [ir.Op("RESHAPE", ["x"], ["y"])], ["x"], ["y"]))
        with np.errstate(over="ignore"):  # huge scales: inf, as the float multiply gives
            want.append(s * (np.arange(-128, 128, dtype=np.float32) - np.float32(zp)))
    res = run(target, DEQUANTIZE_SCRIPT.replace("N", str(len(scales))), files=files, fetch=["deq.bin"])
    assert f"done {len(scales)}" in res.output, res.output
    got = np.frombuffer(res.files["deq.bin"], np.uint32).reshape(len(scales), 2, 256)
    for i, w in enumerate(want):
        for row in got[i]:
            np.testing.assert_array_equal(row, w.view(np.uint32), err_msg=f"scale {scales[i]!r} on {target}")
