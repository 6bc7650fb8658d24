"""int8 SOFTMAX without its table of exponentials (issue 10).

- The exponentials the engine computes (int8_ops.hpp softmax_exp_bits, the
  device's C++ through the host bindings) plus the exceptions the converter
  writes are LiteRT's table, softmax_table(), for every d over thousands of
  input scales and betas, tiny and huge ones included; exceptions are rare.
- A file holds s and the exceptions, not the table (1 kB smaller), and a file
  in the table form (written before) still loads and stays LiteRT-exact.
- The loader refuses bad exceptions and scales (ValueError: bad_parameter).
"""
from __future__ import annotations

import numpy as np
import pytest

import microlearn
from microlearn import _engine
from microlearn.converters.neural import int8_params as q8

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")

from neural_tflite_cases import converted_model, inputs, reference  # noqa: E402


def _pairs():
    rng = np.random.default_rng(3)
    scales = np.float32(2.0) ** rng.uniform(-40, 12, 3000).astype(np.float32)
    betas = np.where(rng.random(3000) < 0.3, 1.0, rng.uniform(0.05, 8.0, 3000)).astype(np.float32)
    edges = [(1e-38, 1.0), (1e-45, 1.0), (3e38, 1.0), (1.0, 0.0), (0.5, 2.0), (2.0 ** -24, 1.0), (0.41, 1.0),
             (103.0 / 255, 1.0), (104.0 / 255, 1.0), (87.0 / 255, 1.0), (1e-3, 1000.0)]
    return list(zip(scales, betas)) + edges


def test_computed_exponentials_and_exceptions_are_the_table():
    n_exceptions = n_zero = n_subnormal = 0
    for in_scale, beta in _pairs():
        table = q8.softmax_table(beta, in_scale).view(np.uint32)
        s = q8.softmax_scale(beta, in_scale)
        exc = q8.softmax_exceptions(s, q8.softmax_table(beta, in_scale))
        got = _engine.int8_softmax_exps(float(s)).copy()
        for d, bits in exc:
            got[d] = bits
        assert np.array_equal(got, table), (in_scale, beta)
        assert all(1 <= d <= 255 for d, _ in exc) and [d for d, _ in exc] == sorted({d for d, _ in exc})
        n_exceptions += len(exc)
        n_zero += int(np.sum(table == 0))
        n_subnormal += int(np.sum((table > 0) & (table < 0x800000)))
    assert n_zero > 1000 and n_subnormal > 100  # the huge scales were reached
    assert n_exceptions <= 4, n_exceptions  # 0 on the machines measured: exceptions are rare


def test_an_exception_is_where_the_table_differs():
    # a table rounded otherwise at two entries (as another libm could): both become exceptions, nothing else
    table = q8.softmax_table(1.0, 0.07)
    other = table.copy()
    other.view(np.uint32)[[5, 200]] += np.uint32(1)
    s = q8.softmax_scale(1.0, 0.07)
    assert q8.softmax_exceptions(s, table) == []
    assert q8.softmax_exceptions(s, other) == [(5, int(other.view(np.uint32)[5])),
                                               (200, int(other.view(np.uint32)[200]))]


@pytest.fixture(scope="module")
def mlp():
    data, shape = converted_model("mix", "int8")
    return data, shape


def _bit_exact(model, data, shape):
    for x in inputs(data, shape, 12, 5):
        it = reference(data, x)
        want = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1).astype(np.int64)
        X = np.asarray(x, np.int8).reshape(1, -1)
        got = np.asarray(model.predict_proba(X)[0], np.float64)
        o = it.get_output_details()[0]["quantization"]
        assert np.array_equal(np.round(got / o[0]).astype(np.int64) + o[1], want)


def test_files_hold_no_table_and_the_table_form_still_loads_exact(mlp, monkeypatch):
    data, shape = mlp
    new = microlearn.convert(data)
    _bit_exact(new, data, shape)

    def table_form(op, graph, ints, floats):  # what the converter wrote before 2026-11-26
        p = op.params.get("int8")
        if op.kind != "SOFTMAX" or p is None:
            return extend(op, graph, ints, floats)
        s = np.float32(p["scale"])
        table = np.exp((s * np.arange(256, dtype=np.float32)).astype(np.float64)).astype(np.float32)
        return ints, floats + [float(p["output_scale"])] + table.tolist()

    extend = q8.extend
    monkeypatch.setattr(q8, "extend", table_form)
    old = microlearn.convert(data)
    monkeypatch.undo()
    assert len(old.to_bytes()) - len(new.to_bytes()) == 4 * 255  # 256 entries less, s more, no exception
    _bit_exact(old, data, shape)


@pytest.mark.parametrize("ints, s, why", [
    ([0, 0x3F800000], None, "an exception at d = 0"),
    ([256, 0], None, "d beyond 255"),
    ([9, 0, 9, 0], None, "d repeated"),
    ([9, 0, 8, 0], None, "d decreasing"),
    ([9, 0x3F800001], None, "an exponential above 1"),
    ([9, -1], None, "a negative one"),
    ([9], None, "half a pair"),
    ([], 0.5, "s > 0"),
    ([], float("-inf"), "s infinite"),
    ([], float("nan"), "s NaN"),
])
def test_the_loader_refuses_bad_exceptions_and_scales(mlp, monkeypatch, ints, s, why):
    data, _ = mlp

    def bad(op, graph, i, f):
        i, f = extend(op, graph, i, f)
        if op.kind == "SOFTMAX":
            i, f = i + ints, (f if s is None else f[:-1] + [s])
        return i, f

    extend = q8.extend
    monkeypatch.setattr(q8, "extend", bad)
    with pytest.raises(ValueError, match="impossible value"):
        microlearn.convert(data)


def _softmax_as_litert(q: np.ndarray, table: np.ndarray, out_scale: float) -> np.ndarray:
    """LiteRT's int8 softmax of one row q with `table`: float32 sums in order,
    1 / (sum * scale) rounded once, round half away from zero, - 128."""
    d = int(q.max()) - q.astype(np.int64)
    acc = np.float32(0)
    for v in table[d]:
        acc = np.float32(acc + v)
    inv = np.float32(1.0 / float(np.float32(acc * np.float32(out_scale))))
    p = (table[d] * inv).astype(np.float32).astype(np.float64)
    return np.clip(np.sign(p) * np.floor(np.abs(p) + 0.5) - 128, -128, 127).astype(np.int64)


def test_a_files_exceptions_reach_the_kernel(mlp, monkeypatch):
    # a table that differs from the computed exponentials at every d > 0 (halved; a libm rounding otherwise
    # would at a few): the file lists 255 exceptions, the most it may, and the engine's outputs are that
    # table's softmax, which differs from LiteRT's on these rows (so dropping the exceptions would not go unseen)
    data, shape = mlp
    table_of = q8.softmax_table

    def other_table(beta, in_scale):
        t = table_of(beta, in_scale)
        t[1:] *= np.float32(0.5)
        return t

    monkeypatch.setattr(q8, "softmax_table", other_table)
    model = microlearn.convert(data)
    monkeypatch.undo()
    differ = 0
    for x in inputs(data, shape, 12, 5):
        it = reference(data, x)
        sm = next(op for op in it._get_ops_details() if op["op_name"] == "SOFTMAX")
        q = it.get_tensor(sm["inputs"][0]).reshape(-1)
        in_scale = next(t for t in it.get_tensor_details() if t["index"] == sm["inputs"][0])["quantization"][0]
        o = it.get_output_details()[0]
        want = it.get_tensor(o["index"]).reshape(-1).astype(np.int64)
        assert np.array_equal(_softmax_as_litert(q, table_of(1.0, in_scale), o["quantization"][0]), want)
        expected = _softmax_as_litert(q, other_table(1.0, in_scale), o["quantization"][0])
        p = np.asarray(model.predict_proba(np.asarray(x, np.int8).reshape(1, -1))[0], np.float64)
        got = np.round(p / o["quantization"][0]).astype(np.int64) + o["quantization"][1]
        assert np.array_equal(got, expected)
        differ += int(not np.array_equal(expected, want))
    assert differ > 0
