"""What an int8 network's .mlm holds, and which device module its header's
flags choose (docs/neural.md, "Device modules" and "The file"): no
quantization entries for the weights and biases of int8 FULLY_CONNECTED,
CONV_2D and DEPTHWISE_CONV_2D (their rescaling is in the op's parameters, so
no kernel reads them), one entry per distinct quantization, and flags 2 for a
model of an int8 CNN's ops (microlearn._neural_int8_cnn), 2 | 8 when it also
has ADD, MUL, CONCATENATION or PAD (microlearn._neural_int8). That the
files compute LiteRT's outputs bit for bit: test_neural_tflite.py."""
import numpy as np
import pytest

import microlearn
from microlearn import mlm
from microlearn.converters.neural import writer

pytest.importorskip("tensorflow")
from neural_tflite_cases import converted_model  # noqa: E402

T = writer.T_FIELDS  # tensor record: dtype, rank, dims[4], location, offset, producer, q_offset, q_count, q_axis
WEIGHTED = {writer.OP_CODES[k] for k in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")}


@pytest.fixture(scope="module")
def files():
    return {name: converted_model(name, "int8") for name in ("cnn", "mix")}


def test_int8_weights_and_biases_carry_no_quantization(files):
    for name, (tfl, _) in files.items():
        s = mlm.read_sections(microlearn.convert(tfl).to_bytes())
        tensors = s[writer.S_TENSORS].reshape(-1, T)
        ops, io = s[writer.S_OPS].reshape(-1, writer.O_FIELDS), s[writer.S_OP_IO]
        weighted = [op for op in ops if op[0] in WEIGHTED and tensors[io[op[3]], 0] == 2]  # int8 first input
        assert weighted, name
        for op in weighted:
            for t in io[op[3] + 1:op[3] + op[1]]:  # weights, bias
                assert tensors[t, 10] == 0, (name, op[0], t)
        # what is left: one entry per distinct (scale, zero point), each tensor's inside the sections
        pairs = list(zip(s[writer.S_QUANT_SCALE].tolist(), s[writer.S_QUANT_ZERO].tolist()))
        assert len(pairs) == len(set(pairs)), name
        for r in tensors:
            assert r[9] + r[10] <= len(pairs)


def test_the_header_flags_name_the_cnn_kernels_or_all_int8_kernels(files):
    assert mlm.read_header(microlearn.convert(files["cnn"][0]).to_bytes()).flags == 2  # _neural_int8_cnn
    assert mlm.read_header(microlearn.convert(files["mix"][0]).to_bytes()).flags == 2 | 8  # ADD, MUL, PAD, ...
