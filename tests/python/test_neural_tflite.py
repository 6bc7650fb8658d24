""".tflite files and int8 quantization through microlearn.convert() and the
host engine (the C++ the device runs), against LiteRT.

- int8 models (TFLiteConverter full-integer, int8 or float32 inputs/outputs):
  BIT-EXACT with LiteRT's reference kernels: int8 outputs compared as
  integers, float outputs (after DEQUANTIZE) compared exactly.
- float32 .tflite models: within 1e-5 relative to the output's scale.
- microlearn.convert(keras_model, quantize="int8", calibration=X) is the model
  TFLiteConverter writes, bit-exact the same way.
- corrupt, truncated and unsupported files: clear errors.
"""
from __future__ import annotations

import numpy as np
import pytest

import microlearn
from microlearn.converters.neural import tflite as T
from microlearn.errors import UnsupportedEstimatorError

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")

from neural_tflite_cases import MODELS, concat_requantized, converted_model, inputs, models, reference  # noqa: E402

N_SAMPLES = 24


def _engine_outputs(model: microlearn.Model, x: np.ndarray, data: bytes) -> np.ndarray:
    """The engine's raw outputs for one sample: int8 values for an int8-output
    model (recovered exactly from the dequantized floats the host returns),
    else floats."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data)
    i_det, o_det = it.get_input_details()[0], it.get_output_details()[0]
    X = np.asarray(x, np.float32).reshape(1, -1)
    if i_det["dtype"] == np.int8:  # real values whose quantization is exactly x
        s, z = i_det["quantization"]
        X = ((X - z) * np.float32(s)).astype(np.float32)
    if model.info["task"] == "classification":
        y = model.predict_proba(X)[0]
        y = y[1:] if int(np.prod(o_det["shape"])) == 1 else y
    else:
        y = np.asarray(model.predict(X)).reshape(-1)
    if o_det["dtype"] == np.int8:
        s, z = o_det["quantization"]
        return (np.round(np.asarray(y, np.float64) / s) + z).astype(np.int64)
    return np.asarray(y, np.float32)


def _check_bit_exact(model, data, shape, n=N_SAMPLES, seed=5):
    for k, x in enumerate(inputs(data, shape, n, seed)):
        it = reference(data, x)
        want = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1)
        got = _engine_outputs(model, x, data)
        assert np.array_equal(got, want.astype(got.dtype)), f"sample {k}: engine {got} vs LiteRT {want}"


@pytest.mark.parametrize("io", ["int8", "float32"])
@pytest.mark.parametrize("name", MODELS)
def test_int8_tflite_bit_exact_with_litert_reference(name, io):
    data, shape = converted_model(name, io)
    model = microlearn.convert(data)
    assert model.info["input_dtype"] == ("int8" if io == "int8" else "float32")
    _check_bit_exact(model, data, shape)


@pytest.mark.parametrize("io", ["int8", "float32"])
def test_dilated_1d_convolutions_and_scalar_mul_are_litert_bit_exact(io):
    """Dilated Conv1D (causal, same, valid) and DepthwiseConv1D: TensorFlow writes each as
    SPACE_TO_BATCH_ND, EXPAND_DIMS, the convolution, SQUEEZE, BATCH_TO_SPACE_ND; hard_sigmoid ends
    in a MUL by a constant of shape (). Both were refused before."""
    data, shape = converted_model("dilated_1d", io)
    model = microlearn.convert(data)
    kinds = [layer["op"] for layer in model._engine.layers()]
    assert kinds.count("CONV_2D") == 2 and kinds.count("DEPTHWISE_CONV_2D") == 1 and "MUL" in kinds
    _check_bit_exact(model, data, shape)


def test_path_bytes_bytearray_and_memoryview_convert_alike(tmp_path):
    data, _ = converted_model("mlp", "int8")
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    want = microlearn.convert(data).to_bytes()
    for source in (str(path), path, bytearray(data), memoryview(data)):
        assert microlearn.convert(source).to_bytes() == want


def test_classifier_and_regressor_tasks():
    cnn = microlearn.convert(converted_model("cnn", "float32")[0])
    assert cnn.info["task"] == "classification" and cnn.info["n_classes"] == 10
    binary = microlearn.convert(converted_model("dilated_valid", "int8")[0])  # one sigmoid unit
    assert binary.info["n_classes"] == 2
    assert microlearn.convert(converted_model("mlp", "int8")[0]).info["task"] == "regression"
    g = T.read(converted_model("cnn", "int8")[0], task="regression")
    assert g.task == "regression"


def test_default_optimized_kernels_agree_with_the_reference_on_these_models():
    """Documented in docs/neural.md: LiteRT's default (optimized) kernels
    round some int8 outputs differently from its reference ones (their
    FULLY_CONNECTED requantizes in fixed point, the reference in double), and
    differences grow through later layers; the engine follows the reference.
    The docs' figures (at most 3 units, under a third of the outputs on these
    models) are checked here."""
    differ = total = 0
    for name in MODELS:
        data, shape = converted_model(name, "int8")
        for x in inputs(data, shape, 8, seed=7):
            ref, opt = reference(data, x), reference(data, x, "BUILTIN")
            a = ref.get_tensor(ref.get_output_details()[0]["index"]).reshape(-1).astype(int)
            b = opt.get_tensor(opt.get_output_details()[0]["index"]).reshape(-1).astype(int)
            differ += int(np.sum(a != b))
            total += a.size
            assert np.max(np.abs(a - b)) <= 3, f"{name}: optimized and reference differ by more than 3"
    assert differ <= total / 3, (differ, total)


# --- quantize="int8" from Keras -------------------------------------------------

@pytest.mark.parametrize("io_dtype", ["float32", "int8"])
def test_convert_keras_quantize_int8_is_litert_bit_exact(io_dtype):
    from microlearn.converters.neural import quantize

    keras_model, shape = models()["cnn"]()
    X = np.random.default_rng(3).normal(size=(40,) + shape).astype(np.float32)
    model = microlearn.convert(keras_model, quantize="int8", calibration=X, io_dtype=io_dtype)
    data = quantize.to_tflite(keras_model, calibration=X, io_dtype=io_dtype)
    assert model.info["input_dtype"] == io_dtype
    _check_bit_exact(model, data, shape, n=12)
    # and close to Keras's own float predictions (int8 rounding: a few percent of the range)
    p = model.predict_proba(X[:10].reshape(10, -1))
    assert np.abs(p - keras_model.predict(X[:10], verbose=0)).max() < 0.1


def _swish_cnn():
    """EfficientNet-style swish: TensorFlow writes x * sigmoid(x) as LOGISTIC then MUL(x, sigmoid), in
    float and in int8 (where they stay two ops, each LiteRT's; float32 becomes one SILU op)."""
    import keras
    from keras import layers as L

    keras.utils.set_random_seed(6)
    inp = keras.Input((9, 8, 2))
    x = L.Conv2D(6, 3, padding="same", activation="swish")(inp)
    x = L.DepthwiseConv2D(3, strides=2)(x)
    x = L.Flatten()(L.Activation("silu")(x))
    x = keras.ops.silu(L.Dense(10)(x))
    return keras.Model(inp, L.Dense(3)(x)), (9, 8, 2)


def test_swish_int8_from_keras_and_float_tflite():
    import tensorflow as tf
    from microlearn.converters.neural import quantize

    keras_model, shape = _swish_cnn()
    X = np.random.default_rng(6).normal(scale=3.0, size=(40,) + shape).astype(np.float32)
    model = microlearn.convert(keras_model, quantize="int8", calibration=X)
    assert [layer["op"] for layer in model._engine.layers()].count("LOGISTIC") == 3
    _check_bit_exact(model, quantize.to_tflite(keras_model, calibration=X), shape, n=12)
    data = tf.lite.TFLiteConverter.from_keras_model(keras_model).convert()
    want = _litert_float_outputs(data, X[:16])
    float_model = microlearn.convert(data)
    kinds = [layer["op"] for layer in float_model._engine.layers()]
    assert kinds.count("SILU") == 3 and "LOGISTIC" not in kinds   # LOGISTIC + MUL fused, in float32 only
    got = np.asarray(float_model.predict(X[:16].reshape(16, -1))).reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_gelu_float_agrees_with_litert_and_int8_is_refused_by_name():
    """TensorFlow writes Keras's gelu as one GELU operator (its approximate option: keras.ops.gelu's tanh
    form). float32: within the float tolerance of LiteRT; int8 (LiteRT computes a 256-entry table):
    refused by name, from a .tflite file and from quantize='int8'."""
    import keras
    import tensorflow as tf
    from keras import layers as L
    from microlearn.converters.neural import quantize

    keras.utils.set_random_seed(2)
    inp = keras.Input((6,))
    x = L.Dense(8, activation="gelu")(inp)
    keras_model = keras.Model(inp, L.Dense(2)(keras.ops.gelu(L.Dense(8)(x))))
    X = np.random.default_rng(2).normal(scale=3.0, size=(20, 6)).astype(np.float32)
    data = tf.lite.TFLiteConverter.from_keras_model(keras_model).convert()
    model = microlearn.convert(data)
    assert [layer["op"] for layer in model._engine.layers()].count("GELU") == 2
    want = _litert_float_outputs(data, X)
    np.testing.assert_allclose(model.predict(X), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
    int8 = quantize.to_tflite(keras_model, calibration=X)
    with pytest.raises(UnsupportedEstimatorError, match=r"operator 2 \(GELU\): int8 GELU is not supported"):
        microlearn.convert(int8)
    with pytest.raises(UnsupportedEstimatorError, match=r"\(GELU\): int8 GELU is not supported"):
        microlearn.convert(keras_model, quantize="int8", calibration=X)


def test_quantize_errors_name_what_is_wrong():
    keras_model, shape = models()["mlp"]()
    with pytest.raises(ValueError, match="calibration=X"):
        microlearn.convert(keras_model, quantize="int8")
    with pytest.raises(ValueError, match=r"shape \(5, 4\).*\(9,\)"):
        microlearn.convert(keras_model, quantize="int8", calibration=np.zeros((5, 4)))
    with pytest.raises(ValueError, match="NaN"):
        microlearn.convert(keras_model, quantize="int8", calibration=np.full((3, 9), np.nan))
    with pytest.raises(ValueError, match="no samples"):
        microlearn.convert(keras_model, quantize="int8", calibration=np.zeros((0, 9)))
    with pytest.raises(ValueError, match="quantize must be 'int8'"):
        microlearn.convert(keras_model, quantize="int4", calibration=np.zeros((3, 9)))
    with pytest.raises(ValueError, match="io_dtype"):
        microlearn.convert(keras_model, quantize="int8", calibration=np.zeros((3, 9)), io_dtype="uint8")


def test_quantize_names_a_recurrent_layer_nested_or_not():
    import keras

    for kind in ("SimpleRNN", "GRU", "LSTM"):
        inner = keras.Sequential([keras.Input((5, 3)), keras.layers.Conv1D(4, 2), getattr(keras.layers, kind)(4)],
                                 name="inner")
        outer = keras.Sequential([keras.Input((5, 3)), inner, keras.layers.Dense(2)])
        with pytest.raises(UnsupportedEstimatorError, match=rf"layer 1 '\w+' \({kind}\) of layer 0 'inner' "
                                                            r"\(Sequential\): quantize='int8' is not supported"):
            microlearn.convert(outer, quantize="int8", calibration=np.zeros((4, 5, 3), np.float32))


def test_quantize_takes_timesteps_for_a_sequence_of_unknown_length():
    """quantize='int8' with timesteps= (a Keras input of unknown length): it
    raised TypeError (to_graph() got an unexpected keyword argument); now the
    model is quantized on the fixed copy, as the same model built on that
    length is, and without timesteps= the error asks for it."""
    import keras

    rng = np.random.default_rng(0)
    layers = lambda: [keras.layers.Conv1D(8, 3, activation="relu"), keras.layers.GlobalAveragePooling1D(),
                      keras.layers.Dense(3, activation="softmax")]
    free = keras.Sequential([keras.Input((None, 3))] + layers())
    fixed = keras.Sequential([keras.Input((16, 3))] + layers())
    fixed.set_weights(free.get_weights())
    cal = rng.normal(size=(40, 16, 3)).astype(np.float32)
    got = microlearn.convert(free, quantize="int8", calibration=cal, timesteps=16)
    want = microlearn.convert(fixed, quantize="int8", calibration=cal)
    X = cal[:10].reshape(10, -1)
    np.testing.assert_array_equal(got.predict_proba(X), want.predict_proba(X))
    with pytest.raises(UnsupportedEstimatorError, match="pass timesteps=<n>"):
        microlearn.convert(free, quantize="int8", calibration=cal)


def test_a_keras_recurrent_layer_exported_to_tflite_is_refused_naming_its_loop(tmp_path):
    """TFLiteConverter writes a Keras LSTM as a WHILE loop over subgraphs: the
    refusal names the loop and says to convert the Keras model itself (it
    said only "3 subgraphs")."""
    import keras
    import tensorflow as tf

    net = keras.Sequential([keras.Input((6, 3), batch_size=1), keras.layers.LSTM(4), keras.layers.Dense(2)])
    path = tmp_path / "lstm.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(net).convert())
    with pytest.raises(UnsupportedEstimatorError, match=r"subgraphs \(control flow: WHILE\).*convert the Keras "
                                                        "model itself"):
        microlearn.convert(str(path))
    microlearn.convert(net)  # which converts


# --- float32 .tflite ---------------------------------------------------------------

def _litert_float_outputs(data: bytes, X: np.ndarray) -> np.ndarray:
    """LiteRT's (default kernels') flat outputs of a float-input model, one row per sample of X."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data)
    it.allocate_tensors()
    i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    want = []
    for x in X:
        it.set_tensor(i, x[None])
        it.invoke()
        want.append(it.get_tensor(o).reshape(-1))
    return np.array(want)


def test_float_tflite_within_tolerance():
    import tensorflow as tf

    for name in MODELS + ("dilated_1d",):
        keras_model, shape = models()[name]()
        data = tf.lite.TFLiteConverter.from_keras_model(keras_model).convert()
        model = microlearn.convert(data)
        X = np.random.default_rng(11).normal(size=(16,) + shape).astype(np.float32)
        want = _litert_float_outputs(data, X)
        if model.info["task"] == "classification":
            got = model.predict_proba(X.reshape(len(X), -1))
            got = got[:, 1:] if want.shape[1] == 1 else got
        else:
            got = np.asarray(model.predict(X.reshape(len(X), -1))).reshape(want.shape)
        tol = 1e-5 * (np.abs(want) + want.std() + 1e-12)
        assert np.all(np.abs(got - want) <= tol), f"{name}: max error {np.abs(got - want).max()}"


# --- bad files ---------------------------------------------------------------------

def test_not_a_tflite_file():
    with pytest.raises(ValueError, match="TFL3"):
        T.read(b"\x00" * 64)
    with pytest.raises(TypeError, match="tflite path or its bytes"):
        T.read(3.5)


def test_truncated_and_corrupt_files_raise_value_errors():
    data, _ = converted_model("mix", "int8")
    rng = np.random.default_rng(0)
    cuts = sorted(set(rng.integers(8, len(data), 40).tolist()))
    outcomes = {"ok": 0, "error": 0}
    for n in cuts:
        try:
            T.read(data[:n])
            outcomes["ok"] += 1
        except (ValueError, UnsupportedEstimatorError):
            outcomes["error"] += 1
    assert outcomes["error"] == len(cuts), outcomes  # a cut file is never read as a model
    for _ in range(60):  # random bytes flipped: an error, or a model the engine's loader accepts
        b = bytearray(data)
        for pos in rng.integers(8, len(b), 4):
            b[pos] ^= int(rng.integers(1, 256))
        try:
            T.read(bytes(b))
        except (ValueError, UnsupportedEstimatorError):
            continue
        try:
            microlearn.convert(bytes(b))
        except (ValueError, UnsupportedEstimatorError):
            pass


def _edit_opcode(data: bytes, old: int, new: int) -> bytes:
    """The model with builtin operator `old` renamed `new` in its operator codes."""
    import tflite

    m = tflite.Model.GetRootAsModel(data, 0)
    b = bytearray(data)
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        if oc.BuiltinCode() == old:
            # both the int32 builtin_code and the deprecated int8 field
            o = oc._tab.Offset(10)  # builtin_code
            if o:
                pos = oc._tab.Pos + o
                b[pos:pos + 4] = int(new).to_bytes(4, "little", signed=True)
            o = oc._tab.Offset(4)  # deprecated_builtin_code
            if o:
                b[oc._tab.Pos + o] = new if new < 127 else 127
    return bytes(b)


def test_unsupported_operator_is_named_with_its_index():
    import tflite

    data, _ = converted_model("mlp", "int8")
    ops = tflite.BuiltinOperator
    bad = _edit_opcode(data, ops.FULLY_CONNECTED, ops.BATCH_MATMUL)
    with pytest.raises(UnsupportedEstimatorError, match=r"operator 0 \(BATCH_MATMUL\) is not supported") as e:
        microlearn.convert(bad)
    assert ", pool," not in str(e.value)  # a helper's name was listed among the operators


def _tflite_of(fn, shape, select_tf_ops=False) -> bytes:
    """A .tflite file of the TensorFlow function fn of one float32 input of `shape`."""
    import tensorflow as tf

    module = tf.Module()
    module.f = tf.function(fn, input_signature=[tf.TensorSpec(shape, tf.float32)])
    conv = tf.lite.TFLiteConverter.from_concrete_functions([module.f.get_concrete_function()], module)
    if select_tf_ops:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    return conv.convert()


def test_select_tf_ops_and_unsupported_operators_are_named_before_their_tensor_types():
    """A Flex (SELECT_TF_OPS) operator says so; an unsupported builtin with a BOOL output is named as the
    operator (it was 'tensor 1 ... has type BOOL')."""
    import tensorflow as tf

    flex = _tflite_of(lambda x: tf.reshape(tf.linalg.inv(tf.reshape(x, [2, 2, 2]) + 3.0 * tf.eye(2)), [1, 8]),
                      [1, 8], select_tf_ops=True)
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(CUSTOM FlexMatrixInverse\) is a "
                                                        r"TensorFlow op \(SELECT_TF_OPS\)"):
        microlearn.convert(flex)
    where = _tflite_of(lambda x: tf.where(x > 0.0, x, 2.0 * x), [1, 8])
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \((GREATER|SELECT_V2)\) is not supported"):
        microlearn.convert(where)


@pytest.fixture(scope="module")
def wide_mlp():
    import keras

    keras.utils.set_random_seed(21)
    return keras.Sequential([keras.Input((40,)), keras.layers.Dense(48, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def test_float16_weights_are_dequantized_at_conversion(wide_mlp):
    """TFLiteConverter's float16 option (float16 constants behind DEQUANTIZE) converts to float32 weights:
    within the float tolerance of LiteRT (it was refused)."""
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_keras_model(wide_mlp)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    data = conv.convert()
    model = microlearn.convert(data)
    assert not any(op.kind == "DEQUANTIZE" for op in T.read(data).ops)
    X = np.random.default_rng(4).normal(size=(12, 40)).astype(np.float32)
    want = _litert_float_outputs(data, X)
    np.testing.assert_allclose(model.predict_proba(X), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_dynamic_range_quantization_is_refused_by_name(wide_mlp):
    """int8 weights with float32 activations (LiteRT quantizes the input at run time): refused naming the
    operator (it wrote a file the loader refused as type_mismatch)."""
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_keras_model(wide_mlp)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(FULLY_CONNECTED\): float32 input with "
                                                        r"int8 weights \(dynamic-range quantization"):
        microlearn.convert(conv.convert())


@pytest.mark.parametrize("io", ["int8", "float32"])
def test_dense_on_a_sequence_is_litert_bit_exact(io):
    """Keras exports Dense on a sequence as RESHAPE to a shape computed at run time, FULLY_CONNECTED over
    the rows, RESHAPE back: converted as FULLY_CONNECTED over the sample's rows (it was refused)."""
    data, shape = converted_model("dense_rows", io)
    model = microlearn.convert(data)
    assert [op.kind for op in T.read(data).ops].count("FULLY_CONNECTED") == 2
    _check_bit_exact(model, data, shape)


def test_concatenating_a_sigmoid_branch_with_a_relu_one_is_litert_bit_exact():
    """A sigmoid's int8 output has a fixed scale (1/256), so TFLiteConverter cannot give
    both inputs of the Concatenate the output's scale: it requantizes the sigmoid branch
    (QUANTIZE int8 -> int8) first. 21 of 220 random models in session 10's QA had such a
    Concatenate; every one was refused before the requantize had a kernel (int8_engine.hpp)."""
    data, shape = converted_model("concat_requantize", "int8")
    model = microlearn.convert(data)
    assert "QUANTIZE" in [layer["op"] for layer in model._engine.layers()]
    _check_bit_exact(model, data, shape)


@pytest.mark.parametrize("scale, zero_point", [(0.0071, 5), (0.0029, -128), (1 / 256, 0), (1 / 256, -100),
                                               (1 / 1024, 40), (0.02, -3)])
def test_int8_requantize_ratios_are_litert_bit_exact(scale, zero_point):
    """QUANTIZE int8 -> int8 at scale ratios below 1, above 1 (saturating both ends), and of 1 with the
    zero point moved: bit-exact with LiteRT's reference Requantize on random rows and the int8 range's
    ends."""
    data = concat_requantized(scale, zero_point)
    model = microlearn.convert(data)
    req = [layer for layer in model._engine.layers() if layer["op"] == "QUANTIZE"]
    assert len(req) == 1
    _check_bit_exact(model, data, (6,), n=48)
    X = np.array([[-128] * 6, [127] * 6, [-128, 127] * 3], np.int8)
    for x in X:
        it = reference(data, x)
        want = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1)
        assert np.array_equal(_engine_outputs(model, x, data), want.astype(np.int64))


def test_float_inputs_at_quantize_halfway_points_are_litert_bit_exact():
    """Float inputs x = (k + 0.5) * scale and their float32 neighbours: LiteRT rounds the IEEE
    quotient fl(x / scale) half away from zero; a quotient one ulp off rounds the other way
    (math::quotient, before math::round_quotient: QA found 38 of 40 such rows of a Dense(64) differing)."""
    import keras
    from keras import layers as L

    from neural_tflite_cases import convert

    keras.utils.set_random_seed(0)
    inp = keras.Input((64,))
    data = convert(keras.Model(inp, L.Dense(8)(inp)), (64,), "float32")
    it = reference(data, np.zeros(64, np.float32))
    q = [op for op in it._get_ops_details() if op["op_name"] == "QUANTIZE"][0]
    s, z = it._get_tensor_details(q["outputs"][0], 0)["quantization"]
    rng = np.random.default_rng(0)
    model = microlearn.convert(data)
    for trial in range(20):
        x = ((rng.integers(-128 - z, 128 - z, size=64) + 0.5) * np.float32(s)).astype(np.float32)
        x[::3] = np.nextafter(x[::3], np.float32(np.inf))
        it = reference(data, x)
        want = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1)
        assert np.array_equal(model.predict(x[None])[0], want), trial

def test_a_batch_other_than_one_is_refused_by_name():
    """A batch of 2, and an output without the batch axis (it said 'batch size 8' for a tensor of 8 values)."""
    import tensorflow as tf

    with pytest.raises(UnsupportedEstimatorError, match=r"tensor 0 .* has shape \(2, 8\): its first axis must be "
                                                        r"the batch, of size 1"):
        microlearn.convert(_tflite_of(lambda x: tf.nn.relu(x), [2, 8]))
    with pytest.raises(UnsupportedEstimatorError, match=r"has shape \(8,\): its first axis must be the batch"):
        microlearn.convert(_tflite_of(lambda x: tf.squeeze(tf.nn.relu(x), 0), [1, 8]))


def test_a_softmax_per_row_is_a_regressor():
    """A (5, 3) softmax output (Dense on a sequence) was a 15-class classifier taking the argmax of all."""
    import tensorflow as tf

    data = _tflite_of(lambda x: tf.nn.softmax(x), [1, 5, 3])
    assert microlearn.convert(data).info["task"] == "regression"
    assert microlearn.convert(_tflite_of(lambda x: tf.nn.softmax(x), [1, 1, 3])).info["task"] == "classification"
    with pytest.raises(UnsupportedEstimatorError, match=r"a classifier's output must be a vector, not shape \(5, 3\)"):
        microlearn.convert(data, task="classification")


def test_other_run_time_shapes_are_refused_by_name():
    import tensorflow as tf

    data = _tflite_of(lambda x: tf.nn.relu(tf.reshape(x, [-1, 4])), [None, 2, 4])
    with pytest.raises(UnsupportedEstimatorError, match=r"operator \d+ \(RESHAPE\) .* computed at run time is "
                                                        r"supported only as the rows of the FULLY_CONNECTED"):
        microlearn.convert(data)


def test_uint8_tensors_are_refused_by_name():
    data, _ = converted_model("mlp", "int8")
    g = T.read(data)
    name = g.inputs[0]
    index = int(name.split(":")[0])
    import tflite

    m = tflite.Model.GetRootAsModel(data, 0)
    t = m.Subgraphs(0).Tensors(index)
    b = bytearray(data)
    o = t._tab.Offset(6)  # type
    b[t._tab.Pos + o] = tflite.TensorType.UINT8
    with pytest.raises(UnsupportedEstimatorError, match=f"tensor {index} .* UINT8"):
        T.read(bytes(b))


@pytest.mark.parametrize("output_type", ["uint8", "float32"])
def test_uint8_model_inputs_and_outputs_are_litert_bit_exact(output_type):
    """inference_input_type=tf.uint8 (and inference_output_type): the QUANTIZE between the uint8 input and
    int8 (u - 128) and back are what np.uint8 rows / array('B') mean here; the file was refused for its
    UINT8 tensors. The engine's outputs equal LiteRT's reference kernels' for every sample."""
    import tensorflow as tf

    keras_model, shape = models()["mlp"]()
    rng = np.random.default_rng(8)
    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x[None]] for x in rng.normal(size=(32,) + shape).astype(np.float32))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.uint8
    conv.inference_output_type = getattr(tf, output_type)
    data = conv.convert()
    model = microlearn.convert(data)
    assert model.info["input_dtype"] == "int8"
    assert [op.kind for op in T.read(data).ops].count("QUANTIZE") == 0
    U = rng.integers(0, 256, size=(16,) + shape).astype(np.uint8)
    got = np.asarray(model.predict(U.reshape(len(U), -1)), np.float64)
    for u, g in zip(U, got):
        it = reference(data, u)
        det = it.get_output_details()[0]
        want = it.get_tensor(det["index"]).reshape(-1)
        if output_type == "uint8":   # the engine's int8 output o is o + 128 with the same scale
            s, z = det["quantization"]
            want = (want.astype(np.float64) - z) * np.float32(s)
        np.testing.assert_array_equal(g.astype(np.float32), want.astype(np.float32))


def test_int8_and_uint8_rows_are_quantized_inputs_as_on_the_device():
    """An int8-input model's np.int8 rows are its quantized values and np.uint8
    rows u - 128 (array('b') / array('B') on the device), not real values
    quantized again; float rows are real values."""
    data, shape = converted_model("cnn", "int8")
    model = microlearn.convert(data)
    from ai_edge_litert.interpreter import Interpreter
    s, z = Interpreter(model_content=data).get_input_details()[0]["quantization"]
    q = np.random.default_rng(3).integers(-128, 128, size=(16, model.n_features_in_)).astype(np.int8)
    real = ((q.astype(np.float32) - z) * np.float32(s)).astype(np.float32)  # quantizes back to q exactly
    want = model.predict(real)
    assert np.array_equal(model.predict(q), want)
    assert np.array_equal(model.predict((q.astype(np.int16) + 128).astype(np.uint8)), want)
    assert not np.array_equal(model.predict(q.astype(np.int16)), want)  # other integers: real values


def test_int8_rescaling_beyond_fixed_point_is_refused_naming_the_operator():
    """A scale ratio above 2^30 has no int8 fixed-point multiplier: UnsupportedEstimatorError naming the
    operator (was a bare ValueError from int8_params.quantize_multiplier)."""
    data = concat_requantized(1 / 256 / 2**32, 0)  # the requantize's ratio (1/256) / scale = 2^32
    with pytest.raises(microlearn.UnsupportedEstimatorError,
                       match=r"^operator \d+ \([A-Z_0-9]+\): a rescaling factor of .* is too large for int8 fixed "
                             r"point \(at most 2\^30\)"):
        microlearn.convert(data)
