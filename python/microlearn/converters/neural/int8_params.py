"""Fixed-point parameters of int8 ops, computed at conversion as TensorFlow
Lite computes them when it prepares a model, so that the engine's int8
kernels (include/microlearn/neural/int8_ops.hpp) do integer arithmetic only
and agree bit for bit with LiteRT's reference kernels.

- Rescaling by a real factor m: (multiplier, shift) from quantize_multiplier()
  (TFLite's QuantizeMultiplier: m = multiplier * 2^(shift - 31), the
  multiplier in [2^30, 2^31), rounded half away from zero), applied at run
  time as TFLite's MultiplyByQuantizedMultiplier (a saturating rounding
  doubling high multiply, then a rounding right shift) by CONV_2D,
  DEPTHWISE_CONV_2D, ADD, MUL, MEAN and the ReLUs.
- FULLY_CONNECTED: LiteRT's reference kernel rescales in double precision
  (round(acc * input_scale * weight_scale / output_scale)), so the engine gets
  that per-channel factor as a double (fc_scales()).
- Element-wise activations on int8 (RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH,
  HARD_SWISH) become one 256-entry table each: lut_*() below compute the table
  entry for every possible input exactly as LiteRT's reference kernel computes
  that output (fixed-point for the ReLUs and hard-swish; LOGISTIC and TANH are
  tables in LiteRT too, filled from float32 math).
- SOFTMAX: LiteRT computes int8 softmax in float32 from a 256-entry table of
  exponentials (softmax_table()); the engine computes each entry from the
  table's scale (softmax_scale()) in integer arithmetic, the file lists the
  entries where that differs (softmax_exceptions()), and the engine does the
  same sums and rounding.
"""
from __future__ import annotations

import math

import numpy as np

from ...errors import UnsupportedEstimatorError

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
QMIN, QMAX = -128, 127
_F32 = np.float32


def round_away(x: float) -> int:
    """C's round(): halves away from zero (TfLiteRound), not Python's banker's rounding."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


class ScaleTooLarge(UnsupportedEstimatorError):
    """A rescaling factor beyond int8 fixed point (quantize_multiplier());
    the converters catch it where they know the layer and name it."""


def quantize_multiplier(m: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier(double): (multiplier, shift) with
    m ~= multiplier * 2^(shift - 31). ScaleTooLarge above 2^30."""
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = round_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if shift > 30:
        raise ScaleTooLarge(f"a rescaling factor of {m!r} is too large for int8 fixed point (at most 2^30): "
                            "the model's quantization scales are far apart")
    return q_fixed, shift


# --- the run-time arithmetic, on numpy int64 arrays (for tables) --------------

def srdhm(a, b, bits: int = 32):
    """gemmlowp SaturatingRoundingDoublingHighMul on int32 (or int16) values:
    round(a * b / 2^(bits - 1)), halves away from zero, saturating MIN * MIN."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    ab = a * b
    half = 1 << (bits - 2)
    s = ab + np.where(ab >= 0, half, 1 - half)
    q = np.where(s >= 0, s // (2 * half), -((-s) // (2 * half)))  # C++ division truncates toward zero
    lo = -(1 << (bits - 1))
    return np.where((a == b) & (a == lo), -lo - 1, q)


def rdbpot(x, exponent):
    """gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero."""
    x = np.asarray(x, np.int64)
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def mbqm(x, multiplier: int, shift: int):
    """TFLite's MultiplyByQuantizedMultiplier (the double-rounding form of
    LiteRT's builds: a rounding doubling high multiply, then a rounding shift)."""
    left = shift if shift > 0 else 0
    right = -shift if shift < 0 else 0
    x = np.asarray(x, np.int64) * (1 << left)
    x = ((x + (1 << 31)) % (1 << 32)) - (1 << 31)  # int32 wrap, as C++
    return rdbpot(srdhm(x, multiplier), right)


def activation_range(activation: str, scale: float, zero_point: int, bits: int = 8) -> tuple[int, int]:
    """TFLite's CalculateActivationRangeQuantized for int8 (or int16: bits=16; float32 division)."""
    def q(f):
        return zero_point + round_away(float(_F32(f) / _F32(scale)))
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if activation == "relu":
        lo = max(lo, q(0.0))
    elif activation == "relu6":
        lo, hi = max(lo, q(0.0)), min(hi, q(6.0))
    elif activation == "relu_n1_to_1":
        lo, hi = max(lo, q(-1.0)), min(hi, q(1.0))
    elif activation != "none":
        raise ValueError(f"fused activation {activation!r} is not one of none, relu, relu6, relu_n1_to_1")
    return lo, hi


def requantize(in_scale: float, w_scales, out_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Per output channel (multiplier, shift) of FULLY_CONNECTED, CONV_2D and
    DEPTHWISE_CONV_2D: input_scale * weight_scale / output_scale in double."""
    pairs = [quantize_multiplier(float(in_scale) * float(w) / float(out_scale))
             for w in np.atleast_1d(np.asarray(w_scales, np.float32))]
    return (np.array([p[0] for p in pairs], np.int32), np.array([p[1] for p in pairs], np.int32))


# --- element-wise tables -----------------------------------------------------

_Q = np.arange(QMIN, QMAX + 1, dtype=np.int64)   # every int8 input


def _clamp8(v) -> np.ndarray:
    return np.clip(v, QMIN, QMAX).astype(np.int8)


def lut_relu(in_scale, in_zp, out_scale, out_zp, lo: float, hi: float) -> np.ndarray:
    """RELU (lo 0, hi inf), RELU6 (0, 6), RELU_N1_TO_1 (-1, 1): TFLite's QuantizedReluX."""
    m, s = quantize_multiplier(float(_F32(in_scale) / _F32(out_scale)))
    qlo = max(QMIN, out_zp + round_away(float(_F32(lo) / _F32(out_scale))))
    qhi = QMAX if math.isinf(hi) else min(QMAX, out_zp + round_away(float(_F32(hi) / _F32(out_scale))))
    v = out_zp + mbqm(_Q - in_zp, m, s)
    return _clamp8(np.clip(v, qlo, qhi))


def lut_leaky_relu(in_scale, in_zp, out_scale, out_zp, alpha: float) -> np.ndarray:
    """TFLite's QuantizeLeakyRelu (its multipliers are float32 products)."""
    ma, sa = quantize_multiplier(float(_F32(in_scale) * _F32(alpha) / _F32(out_scale)))
    mi, si = quantize_multiplier(float(_F32(in_scale) / _F32(out_scale)))
    x = _Q - in_zp
    v = np.where(x >= 0, mbqm(x, mi, si), mbqm(x, ma, sa)) + out_zp
    return _clamp8(v)


def lut_float(in_scale, in_zp, out_scale, out_zp, fn) -> np.ndarray:
    """TFLite's LUTPopulate<int8_t>: dequantize in float32, apply fn, requantize
    (LOGISTIC and TANH in LiteRT's reference kernels)."""
    deq = _F32(in_scale) * (_Q - in_zp).astype(np.float32)
    y = fn(deq.astype(np.float64)).astype(np.float32)   # correctly rounded float32 of fn
    inv = _F32(1.0) / _F32(out_scale)
    r = np.array([round_away(float(v)) for v in (y * inv).astype(np.float32)], np.int64)
    return _clamp8(r + out_zp)


def lut_logistic(in_scale, in_zp, out_scale, out_zp) -> np.ndarray:
    return lut_float(in_scale, in_zp, out_scale, out_zp, lambda v: 1.0 / (1.0 + np.exp(-v)))


def lut_tanh(in_scale, in_zp, out_scale, out_zp) -> np.ndarray:
    return lut_float(in_scale, in_zp, out_scale, out_zp, np.tanh)


def _wrap16(v):
    return ((np.asarray(v, np.int64) + (1 << 15)) % (1 << 16)) - (1 << 15)


def _sdhm16(a, b):  # rounding toward zero
    ab = np.asarray(a, np.int64) * np.asarray(b, np.int64)
    q = np.where(ab >= 0, ab // (1 << 15), -((-ab) // (1 << 15)))
    return np.where((np.asarray(a) == b) & (np.asarray(a) == -(1 << 15)), (1 << 15) - 1, _wrap16(q))


def _sat_shift16(v, amount):
    return np.clip(np.asarray(v, np.int64) * (1 << amount), -(1 << 15), (1 << 15) - 1)


def _downscale16(m32: int) -> int:
    if m32 >= INT32_MAX - (1 << 15):
        return (1 << 15) - 1
    return (m32 + (1 << 15)) >> 16


def lut_hard_swish(in_scale, in_zp, out_scale, out_zp) -> np.ndarray:
    """TFLite's reference HardSwish on int8 (16-bit fixed point)."""
    hires = _F32(1.0 / 128.0) * _F32(in_scale)
    out_m, out_e = quantize_multiplier(float(hires / _F32(out_scale)))
    out_m16 = _downscale16(out_m)
    rel_m, rel_e = quantize_multiplier(float(hires / (_F32(3.0) / _F32(32768.0))))
    rel_m16 = _downscale16(rel_m)
    if out_e > 0:
        raise ValueError("HARD_SWISH: output scale below input scale / 128 is not supported by TFLite's kernel")
    x = _wrap16(_Q - in_zp)
    hires_x = _wrap16(x * 128)
    pre_out = _wrap16(srdhm(hires_x, out_m16, 16))
    r = hires_x
    if rel_e > 0:
        r = _sat_shift16(r, rel_e - 1)
    r = _wrap16(srdhm(r, rel_m16, 16))
    if rel_e > 0:
        r = _sat_shift16(r, 1)
    if rel_e < 0:
        r = rdbpot(r, -rel_e)
    r = (r + (1 << 15)) >> 1
    y = rdbpot(_sdhm16(r, pre_out), -out_e) + out_zp
    return _clamp8(_wrap16(y))


# --- softmax -----------------------------------------------------------------

def softmax_scale(beta: float, in_scale: float) -> np.float32:
    """s = float32(-in_scale * beta): LiteRT's table holds expf(s * d)."""
    return np.float32(-np.float32(in_scale) * np.float32(beta))


def softmax_exceptions(s, table) -> list[tuple[int, int]]:
    """(d, float32 bits of table[d]) for each d where the engine's integer
    exponential (int8_ops.hpp softmax_exp_bits, through the host bindings: one
    implementation) differs from `table`, d increasing. d = 0 never does."""
    from ... import _engine
    computed = _engine.int8_softmax_exps(float(np.float32(s)))
    wanted = np.asarray(table, np.float32).view(np.uint32)
    return [(int(d), int(wanted[d])) for d in np.flatnonzero(computed != wanted)]


def softmax_table(beta: float, in_scale: float) -> np.ndarray:
    """float32[256]: entry d is expf(-in_scale * beta * d), the exponential of
    a value d steps below its row's maximum, as LiteRT's int8 softmax tables it
    (its reference and optimized kernels agree: float32 sums of this table)."""
    scale = softmax_scale(beta, in_scale)
    arg = (scale * np.arange(256, dtype=np.float32)).astype(np.float32)
    return np.exp(arg.astype(np.float64)).astype(np.float32)   # correctly rounded expf


def _round_away_array(x) -> np.ndarray:
    """TfLiteRound on float64 values."""
    x = np.asarray(x, np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _int16_lut(fn, in_min: float, in_max: float) -> np.ndarray:
    """LiteRT's gen_lut<double, int16_t, int16_t> onto outputs in [-1, 1]
    (Q0.15), in float64 as LiteRT computes it: 512 samples of fn over [in_min,
    in_max], each lowered by half the error of interpolating at the midpoint,
    and fn(in_max) last. (Its float32 LUTPopulate differs in two entries of the
    reciprocal table; ai-edge-litert's int16 softmax agrees with this one.)"""
    step = (in_max - in_min) / 512
    at = in_min + np.arange(512) * step
    inv = 65536 / 2.0
    sample = _round_away_array(fn(at) * inv)
    interp = _round_away_array((fn(in_min + np.arange(1, 513) * step) * inv + sample) / 2)
    bias = _round_away_array((interp - _round_away_array(fn(at + step / 2) * inv)) / 2)
    last = _round_away_array(fn(np.array([in_max])) * inv)
    return np.clip(np.concatenate([sample - bias, last]), -32768, 32767).astype(np.int16)


def int16_softmax_tables() -> np.ndarray:
    """int16[1026]: the two tables LiteRT's int16 softmax fills at Prepare
    (the same for every model): exp on [-10, 0], then 1 / (1 + x) on [0, 1],
    513 entries each in Q0.15."""
    return np.concatenate([_int16_lut(np.exp, -10.0, 0.0), _int16_lut(lambda v: 1.0 / (1.0 + v), 0.0, 1.0)])


def int16_softmax_params(beta: float, in_scale: float) -> dict:
    """int16 SOFTMAX: (multiplier, shift) for input_scale * beta / (10 / 65535),
    the product taken in float32 as LiteRT's Prepare does, and the tables."""
    m, shift = quantize_multiplier(float(_F32(in_scale) * _F32(beta)) / (10.0 / 65535.0))
    return {"multiplier": m, "shift": shift, "tables": int16_softmax_tables()}


def fc_scales(in_scale: float, w_scales, out_scale: float) -> np.ndarray:
    """FULLY_CONNECTED's per output channel rescaling as LiteRT's reference
    computes it: double(input_scale) * double(weight_scale) / double(output_scale)."""
    return np.array([float(np.float32(in_scale)) * float(w) / float(np.float32(out_scale))
                     for w in np.atleast_1d(np.asarray(w_scales, np.float32))], np.float64)


# --- ADD / MUL -----------------------------------------------------------------

ADD_LEFT_SHIFT = 20


def add_params(s1, z1, s2, z2, so, zo, left_shift: int = ADD_LEFT_SHIFT) -> dict:
    """TFLite's int8 ADD preparation: both inputs to a common scale (twice the
    larger input scale) with 20 bits of headroom (int16's general-scale ADD:
    left_shift=15), then to the output."""
    twice_max = 2.0 * float(max(_F32(s1), _F32(s2)))
    m1, sh1 = quantize_multiplier(float(_F32(s1)) / twice_max)
    m2, sh2 = quantize_multiplier(float(_F32(s2)) / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * float(_F32(so))))
    return {"input1_offset": -int(z1), "input2_offset": -int(z2), "output_offset": int(zo),
            "input1_multiplier": m1, "input1_shift": sh1, "input2_multiplier": m2, "input2_shift": sh2,
            "output_multiplier": mo, "output_shift": sho}


def mul_params(s1, z1, s2, z2, so, zo) -> dict:
    m, sh = quantize_multiplier(float(_F32(s1)) * float(_F32(s2)) / float(_F32(so)))
    return {"input1_offset": -int(z1), "input2_offset": -int(z2), "output_offset": int(zo),
            "output_multiplier": m, "output_shift": sh}


# --- the model file ------------------------------------------------------------

_LUT_KINDS = ("RELU", "RELU6", "LEAKY_RELU", "LOGISTIC", "TANH", "HARD_SWISH")
_ADD_FIELDS = ("input1_offset", "input2_offset", "output_offset", "input1_multiplier", "input1_shift",
               "input2_multiplier", "input2_shift", "output_multiplier", "output_shift", "act_min", "act_max")


def extend(op, graph, ints: list, floats: list) -> tuple[list, list]:
    """An int8 op's op_ints / op_floats: the float layout's (writer.op_params)
    followed by the fixed-point tail include/microlearn/neural/int8_engine.hpp
    reads. Ops without params["int8"] pass through."""
    p = op.params.get("int8")
    if p is None:
        return ints, floats
    k = op.kind
    if k in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
        head = [p["input_offset"], p["output_offset"], p["act_min"], p["act_max"]]
        if k == "FULLY_CONNECTED":
            tail = np.asarray(p["scale"], "<f8").view("<i4").tolist()
        else:
            tail = np.asarray(p["multiplier"]).tolist() + np.asarray(p["shift"]).tolist()
        return ints + head + tail, floats
    if k in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        return ints + [p["act_min"], p["act_max"]], floats
    if k in ("MEAN", "QUANTIZE"):  # QUANTIZE int8 -> int8 (a requantize)
        return ints + [p["input_zero_point"], p["multiplier"], p["shift"], p["output_zero_point"]], floats
    if k == "PAD":
        return ints + [p["value"]], floats
    if k in ("ADD", "MUL"):
        return ints + [p.get(f, 0) for f in _ADD_FIELDS], floats
    if k in _LUT_KINDS:
        return ints + np.asarray(p["table"], np.int8).view("<i4").tolist(), floats
    if k == "SOFTMAX" and "tables" in p:  # int16 (int16_ops.hpp): the tables two to an int32
        return ints + [p["multiplier"], p["shift"]] + np.asarray(p["tables"], "<i2").view("<i4").tolist(), floats
    if k == "SOFTMAX":
        pairs = np.asarray(p["exceptions"], np.uint32).reshape(-1, 2).view("<i4").ravel().tolist()
        return ints + pairs, floats + [float(p["output_scale"]), float(p["scale"])]
    return ints, floats
