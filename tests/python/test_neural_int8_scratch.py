"""The scratch memory of int8 CONV_2D (include/microlearn/neural/int8_ops.hpp:
the widened input patches of two output pixels, or four where the arena has
room): the converter plans it in the arena as a second output of the op, and
the loader refuses a file whose scratch is missing, too small, of another
dtype or overlapping the op's output."""
import numpy as np
import pytest

import microlearn
from microlearn import mlm
from microlearn.converters.neural import writer

pytest.importorskip("tensorflow")
from neural_tflite_cases import convert, converted_model  # noqa: E402

T, O = writer.T_FIELDS, writer.O_FIELDS  # tensor record: dtype, rank, dims[4], location, offset, producer, ...


@pytest.fixture(scope="module")
def cnn():
    return microlearn.convert(converted_model("cnn", "int8")[0]).to_bytes()


def _convs(data):
    s = mlm.read_sections(data)
    ops, io, tensors = s[writer.S_OPS].reshape(-1, O), s[writer.S_OP_IO], s[writer.S_TENSORS].reshape(-1, T)
    return [(i, op, io[op[3]:op[3] + op[1] + op[2]], tensors) for i, op in enumerate(ops)
            if op[0] == writer.OP_CODES["CONV_2D"]]


def _edit(data, change):
    """The file with change(sections) applied to copies of its sections."""
    s = {k: np.array(v) for k, v in mlm.read_sections(data).items() if k != mlm.SECTION_METADATA}
    change(s)
    return mlm.write(mlm.read_header(data).kind, s, mlm.read_metadata(data), flags=mlm.read_header(data).flags)


def test_every_int8_conv_has_its_scratch_in_the_plan(cnn):
    convs = _convs(cnn)
    assert convs
    for _, op, io, tensors in convs:
        assert op[2] == 2
        w, scratch = tensors[io[1]], tensors[io[op[1] + 1]]
        taps = int(np.prod(w[3:6]))  # dims 1..3 of the weights
        assert scratch[0] == writer.DTYPE_CODES["int8"]
        assert scratch[2] in (writer.conv_scratch_bytes(taps), writer.conv_scratch_bytes_4(taps))
    m = microlearn.load(cnn)
    assert m.predict(np.zeros((1, m.info["n_features"]), np.float32)).shape == (1,)


def test_scratch_of_four_pixels_only_where_the_arena_has_room():
    """Conv2D 12x12x2 -> 8 (the arena's peak: input, output and scratch,
    1,520 bytes), max pooling (1,440), Conv2D 6x6x8 -> 4: the second
    convolution's scratch holds four pixels' patches (576 bytes where two
    pixels' take 288), the first keeps two pixels' (four would raise the
    peak by 80 bytes); the arena is the one two pixels' scratch gives."""
    import keras
    from keras import layers as L

    from microlearn.converters.neural import tflite

    keras.utils.set_random_seed(3)
    inp = keras.Input((12, 12, 2))
    y = L.Conv2D(4, 3)(L.MaxPooling2D()(L.Conv2D(8, 3, padding="same")(inp)))
    data = convert(keras.Model(inp, L.Flatten()(y)), (12, 12, 2), "int8")
    model = microlearn.convert(data)
    sizes = [int(tensors[io[op[1] + 1]][2]) for _, op, io, tensors in _convs(model.to_bytes())]
    assert sizes == [writer.conv_scratch_bytes(18), writer.conv_scratch_bytes_4(72)] == [80, 576]
    g = writer._with_silu(writer._with_scratch(tflite.to_graph(data)))
    assert model.info["arena_bytes"] == writer.plan(g)[1] == 288 + 1152 + 80


@pytest.mark.parametrize("fault", ["missing", "too small", "int32", "over the output"])
def test_loader_refuses_a_bad_scratch(cnn, fault):
    i, op, io, _ = _convs(cnn)[0]

    def change(s):
        ops, tensors = s[writer.S_OPS].reshape(-1, O), s[writer.S_TENSORS].reshape(-1, T)
        scratch, y = tensors[io[op[1] + 1]], tensors[io[op[1]]]
        if fault == "missing":
            ops[i, 2] = 1
        elif fault == "too small":
            scratch[2] -= 4
        elif fault == "int32":
            scratch[0], scratch[2] = writer.DTYPE_CODES["int32"], scratch[2] // 4
        else:
            scratch[7] = y[7]

    bad = _edit(cnn, change)
    with pytest.raises(ValueError):
        microlearn.load(bad)


@pytest.fixture(scope="module")
def mlp():
    return microlearn.convert(converted_model("mlp", "int8")[0]).to_bytes()


@pytest.mark.parametrize("scale, loads", [
    (0.0, True), (-0.0, True), (0.25, True), (np.nextafter(1e9, 0), True),
    (1e9, False), (-1e-30, False), (-1.0, False), (np.inf, False), (-np.inf, False), (np.nan, False)])
def test_fully_connected_scale_range(mlp, scale, loads):
    """An int8 FULLY_CONNECTED's per-channel rescale (a float64 in two ints)
    must be in [0, 1e9): the loader decides from its bits (int8_engine.hpp,
    scale_in_range), so no float64 compare is linked into the device module."""
    fc = [op for op in mlp_ops(mlp) if op[0] == writer.OP_CODES["FULLY_CONNECTED"]][0]

    def change(s):
        ints = s[writer.S_OP_INTS]
        first_scale = fc[4] + fc[5] - 2 * _channels(s, fc)
        ints[first_scale:first_scale + 2] = np.array([scale], "<f8").view("<i4")

    edited = _edit(mlp, change)
    if loads:
        microlearn.load(edited)
    else:
        with pytest.raises(ValueError):
            microlearn.load(edited)


def mlp_ops(data):
    return mlm.read_sections(data)[writer.S_OPS].reshape(-1, O)


def _channels(s, op):
    """The output channels of op: the last dim of its output tensor."""
    io, tensors = s[writer.S_OP_IO], s[writer.S_TENSORS].reshape(-1, T)
    y = tensors[io[op[3] + op[1]]]
    return int(y[2 + y[1] - 1])
